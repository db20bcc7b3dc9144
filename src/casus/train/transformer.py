"""Fine-tune a transformer encoder for token classification (our own loop, deterministic and resumable).

Determinism: model init under ``torch.manual_seed(seed)``; at the start of every epoch the batch order
RNG and torch's RNG (dropout) are re-seeded from (seed, epoch), so a run resumed from the checkpoint of
epoch k continues exactly as an uninterrupted run would. The checkpoint (model, optimiser, scheduler,
early-stopping state, log rows) is written atomically after every epoch.

Speed: windows are bucketed by length and padded only to the batch maximum; evaluation runs under
``torch.inference_mode``; torch uses ``train.threads`` intra-op threads.
"""

from __future__ import annotations

import csv
import json
import math
import os
import random
import shutil
import time
from pathlib import Path
from typing import Any, Callable

from .encoding import IGNORE, encode_document, resolve_encoder, windows
from .recipe import AnyRecipe

CHECKPOINT = "checkpoint"


def _set_threads(n: int) -> None:
    import torch

    torch.set_num_threads(n)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def build_examples(tokenizer, docs: list[dict], tag_names: list[str], recipe: AnyRecipe,
                   tags_column: str = "ner_tags", aux_tag_names: list[str] | None = None
                   ) -> tuple[list[tuple[list[int], ...]], int]:
    """Training windows (input_ids with specials, labels[, trigger labels]) from dataset document rows
    (``tags_column``: ``ner_tags`` for entities, ``trigger_tags`` for the event stage's fine-tuned trigger
    tagger). With ``aux_tag_names`` (multi-task, ``transformer.trigger_head``) each window also carries the
    trigger labels of the same sub-words; a row without ``trigger_tags`` (an augmented copy) has none (-100)."""
    tc = recipe.transformer
    out = []
    unaligned = 0
    for row in docs:
        offs = list(zip(row["token_starts"], row["token_ends"]))
        enc = encode_document(tokenizer, row["doc_id"], row["text"], offs, row[tags_column], tc.subword_labels, tag_names)
        unaligned += enc.unaligned_words
        aux = None
        if aux_tag_names is not None:
            aux = [IGNORE] * len(enc.input_ids)
            if row.get("trigger_tags") is not None:
                aux = encode_document(tokenizer, row["doc_id"], row["text"], offs, row["trigger_tags"],
                                      tc.subword_labels, aux_tag_names).labels
        for lo, hi in windows(len(enc.input_ids), tc.max_length, tc.stride):
            ids = [tokenizer.cls_token_id] + enc.input_ids[lo:hi] + [tokenizer.sep_token_id]
            labs = [IGNORE] + enc.labels[lo:hi] + [IGNORE]
            if aux is None:
                out.append((ids, labs))
            else:
                out.append((ids, labs, [IGNORE] + aux[lo:hi] + [IGNORE]))
    return out, unaligned


def make_batches(examples: list, batch_size: int, seed: int, epoch: int, bucketing: bool) -> list[list[int]]:
    rng = random.Random(seed * 100_003 + epoch)
    idx = list(range(len(examples)))
    if bucketing:
        rng.shuffle(idx)  # random tie order, then stable sort by length
        idx.sort(key=lambda i: len(examples[i][0]))
        batches = [idx[i:i + batch_size] for i in range(0, len(idx), batch_size)]
        rng.shuffle(batches)
    else:
        rng.shuffle(idx)
        batches = [idx[i:i + batch_size] for i in range(0, len(idx), batch_size)]
    return batches


def collate(examples: list, batch: list[int], pad_id: int):
    """(ids, mask, labels) — and the trigger labels as a fourth tensor when the examples carry them."""
    import torch

    width = max(len(examples[i][0]) for i in batch)
    ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    labels = torch.full((len(batch), width), IGNORE, dtype=torch.long)
    aux = torch.full((len(batch), width), IGNORE, dtype=torch.long) if len(examples[batch[0]]) > 2 else None
    for r, i in enumerate(batch):
        x, y = examples[i][0], examples[i][1]
        ids[r, : len(x)] = torch.tensor(x)
        mask[r, : len(x)] = 1
        labels[r, : len(y)] = torch.tensor(y)
        if aux is not None:
            aux[r, : len(x)] = torch.tensor(examples[i][2])
    if aux is not None:
        return ids, mask, labels, aux
    return ids, mask, labels


def _freeze(model, embeddings: bool, layers: int) -> None:
    import re

    for name, p in model.named_parameters():
        m = re.search(r"\.layer\.(\d+)\.", name)
        if (embeddings and ".embeddings." in name) or (m and int(m.group(1)) < layers):
            p.requires_grad = False


def _atomic_dir_save(save: Callable[[Path], None], target: Path) -> None:
    tmp = target.with_name(target.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    save(tmp)
    old = target.with_name(target.name + ".old")
    if target.exists():
        if old.exists():
            shutil.rmtree(old)
        target.rename(old)
    tmp.rename(target)
    if old.exists():
        shutil.rmtree(old)


def train_transformer(recipe: AnyRecipe, out: Path, train_docs: list[dict], tag_names: list[str],
                      evaluate_dev: Callable[[Any], float], resume: bool = False, progress: bool = True,
                      on_epoch_end: Callable[[int], None] | None = None, tags_column: str = "ner_tags",
                      aux_tag_names: list[str] | None = None) -> dict[str, Any]:
    """Train, early-stop on dev F1 (``evaluate_dev(predictor) -> f1``), keep the best model in ``out/model``.

    ``on_epoch_end(epoch)`` is called after each epoch's checkpoint and log are on disk (progress reporting;
    the resume tests kill the process from it, like ``kill -9`` right after a checkpoint).
    ``aux_tag_names`` (with ``transformer.trigger_head``): the trigger tag names of the multi-task head, a
    linear layer on the encoder's last hidden state trained beside the entity head (loss = entity loss +
    ``trigger_loss_weight`` x trigger loss) and saved as ``model/trigger_head.safetensors``
    (:class:`TriggerHead`); early stopping still follows the entity dev F1.
    """
    import torch
    from transformers import AutoModelForTokenClassification, AutoTokenizer, get_linear_schedule_with_warmup

    from ..predict import TransformerPredictor
    from . import distributed

    tl, tc = recipe.train, recipe.transformer
    _set_threads(tl.threads)
    torch.use_deterministic_algorithms(True, warn_only=True)
    path = resolve_encoder(tc.encoder)
    tokenizer = AutoTokenizer.from_pretrained(path)
    if not getattr(tokenizer, "is_fast", False):
        from ..errors import ConfigError

        raise ConfigError(f"transformer.encoder {tc.encoder!r}: a fast tokenizer (offsets) is required")
    id2label = dict(enumerate(tag_names))
    torch.manual_seed(recipe.seed)
    kwargs: dict[str, Any] = {"num_labels": len(tag_names), "id2label": id2label,
                              "label2id": {v: k for k, v in id2label.items()}}
    if tc.dropout is not None:
        kwargs["hidden_dropout_prob"] = tc.dropout
    model = AutoModelForTokenClassification.from_pretrained(path, **kwargs)
    _freeze(model, tc.freeze_embeddings, tc.freeze_layers)
    device = torch.device("cuda" if tl.device == "auto" and torch.cuda.is_available() else
                          ("cpu" if tl.device == "auto" else tl.device))
    dist = distributed.get(device.type)  # one process unless launched with accelerate (casus.train.distributed)
    if dist.active:
        device = dist.accelerator.device
    head = None
    if tc.trigger_head and aux_tag_names:
        head = TriggerHead.new(model.config.hidden_size, aux_tag_names, seed=recipe.seed)
        head.linear.to(device)
    else:
        aux_tag_names = None
    model.to(device)
    examples, unaligned = build_examples(tokenizer, train_docs, tag_names, recipe, tags_column, aux_tag_names)
    class_weight = None
    if tc.o_weight != 1.0 and "O" in tag_names:
        class_weight = torch.ones(len(tag_names), device=device)
        class_weight[tag_names.index("O")] = tc.o_weight
    steps_per_epoch = math.ceil(len(examples) / tl.batch_size)
    total = steps_per_epoch * tl.epochs
    no_decay = ("bias", "LayerNorm.weight", "layer_norm")
    trainable = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    if head is not None:
        trainable += [(f"trigger_head.{n}", p) for n, p in head.linear.named_parameters()]
    groups = [
        {"params": [p for n, p in trainable if not any(k in n for k in no_decay)], "weight_decay": tl.weight_decay},
        {"params": [p for n, p in trainable if any(k in n for k in no_decay)], "weight_decay": 0.0},
    ]
    opt = torch.optim.AdamW(groups, lr=tl.lr)
    sched = get_linear_schedule_with_warmup(opt, int(tl.warmup_ratio * total), total)
    core = model             # the model itself: evaluated and saved
    model = dist.wrap(model)  # DDP across processes (identity in one process)

    out.mkdir(parents=True, exist_ok=True)
    ckpt_dir = out / CHECKPOINT
    state: dict[str, Any] = {"epoch": 0, "best_f1": -1.0, "best_epoch": 0, "bad_epochs": 0, "log": [], "stopped": False}
    if resume and (ckpt_dir / "state.pt").is_file():
        ck = torch.load(ckpt_dir / "state.pt", weights_only=False, map_location=device)
        core.load_state_dict(ck["model"])
        if head is not None and "trigger_head" in ck:
            head.linear.load_state_dict(ck["trigger_head"])
        opt.load_state_dict(ck["optimizer"])
        sched.load_state_dict(ck["scheduler"])
        state = ck["state"]

    from torch.utils.tensorboard import SummaryWriter

    tb = SummaryWriter(log_dir=str(out / "tensorboard")) if dist.main else None
    t0 = time.time()
    epoch = state["epoch"]
    while epoch < tl.epochs and not state["stopped"]:
        epoch += 1
        torch.manual_seed(recipe.seed * 1000 + epoch)
        model.train()
        batches = make_batches(examples, tl.batch_size, recipe.seed, epoch, tl.length_bucketing)
        it = batches
        if progress:
            from tqdm import tqdm

            it = tqdm(batches, desc=f"{recipe.name} epoch {epoch}/{tl.epochs}", unit="batch")
        loss_sum = 0.0
        for b in it:
            mine = dist.shard(b)
            tensors = collate(examples, mine or b[:1], tokenizer.pad_token_id)
            ids, mask, labels = tensors[:3]
            with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=tl.bf16):
                # with transformer.o_weight the (weighted) loss is computed here, not a second time by the model
                res = model(input_ids=ids.to(device), attention_mask=mask.to(device),
                            labels=labels.to(device) if class_weight is None else None,
                            output_hidden_states=head is not None)
                if class_weight is None:
                    loss = res.loss
                else:
                    loss = torch.nn.functional.cross_entropy(res.logits.reshape(-1, res.logits.shape[-1]).float(),
                                                             labels.to(device).reshape(-1), weight=class_weight,
                                                             ignore_index=IGNORE)
                if dist.active:  # this rank's share of the whole batch's mean loss (see casus.train.distributed)
                    loss = loss * _share(labels, class_weight, examples, b, mine, dist.world, 1)
                if head is not None:
                    hidden = core.dropout(res.hidden_states[-1]) if hasattr(core, "dropout") else res.hidden_states[-1]
                    logits = head.linear(hidden)
                    aux_loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(),
                                                                 tensors[3].to(device).reshape(-1), ignore_index=IGNORE)
                    if dist.active:
                        aux_loss = aux_loss * _share(tensors[3], None, examples, b, mine, dist.world, 3)
                    loss = loss + tc.trigger_loss_weight * aux_loss
            loss.backward()
            if head is not None:
                dist.all_reduce_mean(head.linear.parameters())
            torch.nn.utils.clip_grad_norm_([p for _, p in trainable], tl.max_grad_norm)
            opt.step()
            sched.step()
            opt.zero_grad(set_to_none=True)
            loss_sum += dist.sum_over_ranks(loss.detach()) / dist.world if dist.active else float(loss.detach())
        model.eval()
        pred = TransformerPredictor(core, tokenizer, mode=tc.subword_labels, max_length=tc.max_length, stride=tc.stride,
                                    aggregation=tc.aggregation, decoding=tc.decoding)
        dev_f1 = float(evaluate_dev(pred)) if dist.main else None
        dev_f1 = dist.broadcast(dev_f1)  # rank 0 scored dev; every rank takes the same early-stopping decision
        row = {"epoch": epoch, "train_loss": loss_sum / max(1, len(batches)), "dev_f1": dev_f1,
               "lr": sched.get_last_lr()[0]}
        state["log"].append(row)
        if tb is not None:
            tb.add_scalar("train/loss", row["train_loss"], epoch)
            tb.add_scalar("dev/strict_micro_f1", dev_f1, epoch)
        if dev_f1 > state["best_f1"]:
            state.update(best_f1=dev_f1, best_epoch=epoch, bad_epochs=0)

            def save_model(d: Path) -> None:
                core.save_pretrained(d, safe_serialization=True)
                tokenizer.save_pretrained(d)
                if head is not None:
                    head.save(d)

            if dist.main:
                _atomic_dir_save(save_model, out / "model")
        else:
            state["bad_epochs"] += 1
            if state["bad_epochs"] >= tl.patience:
                state["stopped"] = True
        state["epoch"] = epoch

        def save_ckpt(d: Path) -> None:
            ck = {"model": core.state_dict(), "optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
                  "state": state}
            if head is not None:
                ck["trigger_head"] = head.linear.state_dict()
            torch.save(ck, d / "state.pt")

        if dist.main:
            _atomic_dir_save(save_ckpt, ckpt_dir)
            with open(out / "log.csv", "w", newline="") as fh:
                w = csv.DictWriter(fh, fieldnames=list(row))
                w.writeheader()
                w.writerows(state["log"])
            if on_epoch_end is not None:
                tb.flush()
                on_epoch_end(epoch)
        dist.barrier()
    if tb is not None:
        tb.close()
    return {"epochs_run": state["epoch"], "best_epoch": state["best_epoch"], "best_dev_f1": state["best_f1"],
            "early_stopped": state["stopped"], "train_windows": len(examples), "unaligned_words": unaligned,
            "train_seconds_this_process": time.time() - t0, "log": state["log"]}


def _share(labels, class_weight, examples: list, batch: list[int], mine: list[int], world: int, column: int) -> float:
    """Scale of this rank's mean loss so that the DDP average over ranks is the whole batch's mean loss: (this
    rank's labelled-token weight / the whole batch's) x world. 0 for a rank with no example in this batch (it
    still runs forward and backward on one example, so that every rank takes part in each all-reduce)."""
    if not mine:
        return 0.0

    def weight(ys) -> float:
        if class_weight is None:
            return float(sum(1 for y in ys if y != IGNORE))
        return float(sum(float(class_weight[y]) for y in ys if y != IGNORE))

    col = 1 if column == 1 else 2
    mine_w = weight([y for i in mine for y in examples[i][col]])
    whole = weight([y for i in batch for y in examples[i][col]])
    return mine_w / whole * world if whole else 0.0


def write_run_meta(out: Path, recipe: AnyRecipe) -> None:
    tc = recipe.transformer
    from ..rundir import RunDir

    RunDir(out).write_info({
        "kind": "transformer", "subword_labels": tc.subword_labels, "aggregation": tc.aggregation, "decoding": tc.decoding,
        "max_length": tc.max_length, "stride": tc.stride, "encoder": tc.encoder, "trigger_head": tc.trigger_head})


class TriggerHead:
    """The multi-task trigger head: a linear layer over the encoder's last hidden state, saved as
    ``trigger_head.safetensors`` (weights) + ``trigger_head.json`` (tag names) in the model folder."""

    WEIGHTS, META = "trigger_head.safetensors", "trigger_head.json"

    def __init__(self, linear, tag_names: list[str]):
        self.linear = linear
        self.tag_names = list(tag_names)

    @classmethod
    def new(cls, hidden: int, tag_names: list[str], seed: int = 0) -> "TriggerHead":
        import torch

        g = torch.Generator().manual_seed(seed + 7)
        lin = torch.nn.Linear(hidden, len(tag_names))
        with torch.no_grad():
            lin.weight.copy_(torch.randn(lin.weight.shape, generator=g) * 0.02)
            lin.bias.zero_()
        return cls(lin, tag_names)

    def save(self, d: Path) -> None:
        from safetensors.torch import save_file

        save_file({k: v.detach().contiguous().cpu() for k, v in self.linear.state_dict().items()}, str(d / self.WEIGHTS))
        (d / self.META).write_text(json.dumps({"tag_names": self.tag_names}, indent=2) + "\n")

    @classmethod
    def exists(cls, model_dir: Path) -> bool:
        return (Path(model_dir) / cls.WEIGHTS).is_file() and (Path(model_dir) / cls.META).is_file()

    @classmethod
    def load(cls, model_dir: Path) -> "TriggerHead":
        import torch
        from safetensors.torch import load_file

        names = json.loads((Path(model_dir) / cls.META).read_text())["tag_names"]
        state = load_file(str(Path(model_dir) / cls.WEIGHTS))
        lin = torch.nn.Linear(state["weight"].shape[1], len(names))
        lin.load_state_dict(state)
        return cls(lin, names)

