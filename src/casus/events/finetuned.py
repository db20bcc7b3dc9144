"""Fine-tuned event models (design c, the ``minilm-events-full`` recipe): the encoder is trained end to end.

* :class:`FinetunedTriggerTagger` — a token classifier over ``trigger_tags`` (``B-ATTACK:shooting`` ...),
  trained by the same loop as the NER model (:func:`casus.train.transformer.train_transformer`: windows,
  bucketing, early stopping on dev, word-safe decoding). Each predicted trigger carries a confidence: the
  mean over its sub-words of 1 - P(O).
* :class:`FinetunedArgumentClassifier` — a span-pair role classifier. One encoder pass per trigger over its
  candidate window (the sentences within ``window`` of the trigger's); the trigger's sub-words are marked
  with token type 1 (BERT's segment embedding, no text inserted); each candidate entity is the mean of its
  sub-word states; a small MLP over ``[t, e, t*e, label embedding, sentence-distance embedding]`` gives
  ``none`` or a role; roles the schema does not allow for the entity's label are masked in training and
  decoding (:func:`casus.events.arguments.decode_roles`). The pair's probabilities are its confidence.

Both save safetensors weights only (no pickle): ``model/trigger_finetuned/`` is a plain transformers token
classifier folder; ``model/arguments_finetuned/`` holds the encoder folder, ``head.safetensors`` and
``meta.json``.
"""

from __future__ import annotations

import json
import math
import shutil
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .arguments import NONE, Pair, _sentence_index, decode_roles, doc_sentences

TRIGGER_DIR = "trigger_finetuned"
ARGUMENT_DIR = "arguments_finetuned"
SpanT = tuple[int, int, str]


def _strict_f1(gold: Sequence[set], pred: Sequence[set]) -> float:
    tp = sum(len(g & p) for g, p in zip(gold, pred))
    n_g, n_p = sum(map(len, gold)), sum(map(len, pred))
    return 0.0 if tp == 0 else 2 * tp / (n_g + n_p)


# -- triggers ----------------------------------------------------------------------------------------

class _ScoredTagger:
    """A trigger tagger read through a :class:`~casus.predict.TransformerPredictor` (``self.predictor``)."""

    predictor: Any

    def predict(self, texts: Sequence[str], progress: bool = False) -> list[list[SpanT]]:
        return [[(a, b, lab) for a, b, lab, _ in doc] for doc in self.predict_scored(texts, progress)]

    def predict_scored(self, texts: Sequence[str], progress: bool = False) -> list[list[tuple[int, int, str, float]]]:
        return scored_spans(self.predictor, texts, progress)


class FinetunedTriggerTagger(_ScoredTagger):
    name = "finetuned"

    def __init__(self, predictor: Any = None):
        self.predictor = predictor

    @staticmethod
    def gold_spans(row: dict, tag_names: Sequence[str]) -> set[SpanT]:
        from .triggers import decode

        words = list(zip(row["token_starts"], row["token_ends"]))
        tags = [tag_names[t] if isinstance(t, int) else t for t in row["trigger_tags"]]
        return set(decode(words, tags))

    def fit(self, recipe: Any, model_dir: Path, train_docs: list[dict], dev_rows: list[dict],
            tag_names: Sequence[str], progress: bool = True) -> dict[str, Any]:
        """Fine-tune ``recipe.transformer.encoder`` with the recipe's ``transformer:`` and ``train:`` sections;
        early stopping on dev trigger classification F1 (span and TYPE:subtype exact)."""
        from ..predict import TransformerPredictor
        from ..train.transformer import CHECKPOINT, train_transformer, write_run_meta

        work = model_dir / TRIGGER_DIR
        if work.exists():
            shutil.rmtree(work)
        work.mkdir(parents=True)
        write_run_meta(work, recipe)
        texts = [r["text"] for r in dev_rows]
        gold = [self.gold_spans(r, tag_names) for r in dev_rows]

        def dev_f1(pred: Any) -> float:
            return _strict_f1(gold, [set(p) for p in pred.predict(texts)])

        info = train_transformer(recipe, work, train_docs, list(tag_names), dev_f1, progress=progress,
                                 tags_column="trigger_tags")
        shutil.rmtree(work / CHECKPOINT, ignore_errors=True)  # optimiser state: not needed to predict
        self.predictor = TransformerPredictor.load(work, threads=recipe.train.threads)
        return {k: v for k, v in info.items() if k != "log"} | {"dev_log": info["log"]}

    @classmethod
    def load(cls, model_dir: Path, threads: int | None = None) -> "FinetunedTriggerTagger":
        from ..predict import TransformerPredictor

        return cls(TransformerPredictor.load(model_dir / TRIGGER_DIR, threads=threads))


def scored_spans(predictor: Any, texts: Sequence[str], progress: bool = False) -> list[list[tuple[int, int, str, float]]]:
    """A token classifier's spans (word-safe, its own decoding) with confidence = mean 1 - P(O) over the
    span's sub-words."""
    import torch

    out = []
    o = next((k for k, v in predictor.id2label.items() if v == "O"), 0)
    for enc, logits, words in predictor.logits_for(list(texts), progress=progress):  # one forward pass
        doc = predictor.decode(enc, logits, words)
        prob = torch.softmax(logits.float(), -1)[:, o].numpy() if len(enc.input_ids) else np.zeros(0)
        scored = []
        for a, b, lab in doc:
            idx = [i for i, (s, e) in enumerate(enc.offsets) if s < b and a < e]
            scored.append((a, b, lab, float(1.0 - prob[idx].mean()) if idx else 0.0))
        out.append(scored)
    return out


class NerTriggerTagger(_ScoredTagger):
    """Design ``ner``: the multi-task trigger head of a NER run trained with ``transformer.trigger_head``
    (:class:`casus.train.transformer.TriggerHead`), read through that run's own windows and decoding. Costs
    nothing to train in the events stage: the NER run learnt it."""

    name = "ner"

    def __init__(self, predictor: Any):
        self.predictor = predictor

    @staticmethod
    def available(ner_run: Path) -> bool:
        from ..train.transformer import TriggerHead

        return TriggerHead.exists(Path(ner_run) / "model")

    @classmethod
    def load(cls, ner_run: Path, threads: int | None = None) -> "NerTriggerTagger":
        import copy
        from types import SimpleNamespace

        import torch
        from transformers import AutoModelForTokenClassification, AutoTokenizer

        from ..predict import TransformerPredictor
        from ..train.transformer import TriggerHead

        model_dir = Path(ner_run) / "model"
        from ..rundir import RunDir

        info = RunDir(ner_run).info()
        model = AutoModelForTokenClassification.from_pretrained(model_dir)
        head = TriggerHead.load(model_dir)

        class HeadView(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.base = model.base_model
                self.head = head.linear
                self.config = copy.deepcopy(model.config)
                self.config.id2label = dict(enumerate(head.tag_names))
                self.config.label2id = {v: k for k, v in self.config.id2label.items()}

            def forward(self, input_ids, attention_mask):
                h = self.base(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
                return SimpleNamespace(logits=self.head(h))

        view = HeadView()
        view.eval()
        return cls(TransformerPredictor.from_info(view, AutoTokenizer.from_pretrained(model_dir), info, threads=threads))


# -- arguments ---------------------------------------------------------------------------------------

def _pair_head(hidden: int, n_labels: int, n_dist: int, n_classes: int):
    import torch

    class PairHead(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.label = torch.nn.Embedding(n_labels, 32)
            self.dist = torch.nn.Embedding(n_dist, 16)
            self.mlp = torch.nn.Sequential(torch.nn.Linear(3 * hidden + 48, hidden), torch.nn.GELU(),
                                           torch.nn.Dropout(0.1), torch.nn.Linear(hidden, n_classes))

        def forward(self, t, e, lab, dist):
            return self.mlp(torch.cat([t, e, t * e, self.label(lab), self.dist(dist)], -1))

    return PairHead()


class FinetunedArgumentClassifier:
    name = "finetuned"

    def __init__(self, labels: Sequence[str], classes: Sequence[str], window: int = 2, max_length: int = 256,
                 batch_size: int = 8, threads: int | None = None):
        self.labels = list(labels)
        self.classes = list(classes)
        self.window = window
        self.max_length = max_length
        self.batch_size = batch_size
        self.threads = threads
        self.encoder = None
        self.tokenizer = None
        self.head = None

    # inputs: one item per (document, trigger) with the pairs of that trigger
    def _items(self, pairs: Sequence[Pair], docs) -> list[dict[str, Any]]:
        groups: dict[tuple[int, str, int], list[int]] = {}
        for k, p in enumerate(pairs):
            groups.setdefault((p.doc, p.trigger.id, p.trigger.start), []).append(k)
        sents_of: dict[int, list[tuple[int, int]]] = {}
        items = []
        for (d, _, _), idx in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][2], kv[0][1])):
            text, trigs, ents = docs[d]
            if d not in sents_of:
                sents_of[d] = doc_sentences(text, list(trigs) + list(ents))
            sents = sents_of[d]
            t = pairs[idx[0]].trigger
            st = _sentence_index(sents, t.start)
            lo = sents[max(0, st - self.window)][0]
            hi = sents[min(len(sents) - 1, st + self.window)][1]
            lo, hi = min(lo, t.start, *(pairs[k].entity.start for k in idx)), max(hi, t.end, *(pairs[k].entity.end for k in idx))
            items.append({"doc": d, "text": text, "lo": lo, "hi": hi, "trigger": t, "pairs": idx})
        return items

    def _encode(self, item: dict[str, Any], pairs: Sequence[Pair]) -> dict[str, Any]:
        tok = self.tokenizer
        lo, hi, text, t = item["lo"], item["hi"], item["text"], item["trigger"]
        enc = tok(text[lo:hi], add_special_tokens=False, return_offsets_mapping=True)
        ids = list(enc["input_ids"])
        offs = [(a + lo, b + lo) for a, b in enc["offset_mapping"]]
        budget = self.max_length - 2
        if len(ids) > budget:  # crop around the trigger
            tpos = next((i for i, (a, b) in enumerate(offs) if a < t.end and t.start < b), 0)
            s = max(0, min(tpos - budget // 2, len(ids) - budget))
            ids, offs = ids[s:s + budget], offs[s:s + budget]
        ids = [tok.cls_token_id] + ids + [tok.sep_token_id]
        offs = [(-1, -1)] + offs + [(-1, -1)]

        def sub(a: int, b: int) -> list[int]:
            return [i for i, (s_, e_) in enumerate(offs) if s_ >= 0 and s_ < b and a < e_] or [0]

        t_idx = sub(t.start, t.end)
        types = [0] * len(ids)
        for i in t_idx:
            if i:
                types[i] = 1
        ents, labs, dists, allowed, gold = [], [], [], [], []
        for k in item["pairs"]:
            p = pairs[k]
            ents.append(sub(p.entity.start, p.entity.end))
            labs.append(self.labels.index(p.entity.label) if p.entity.label in self.labels else 0)
            dists.append(max(-self.window, min(self.window, p.sent_dist)) + self.window)
            allowed.append([c == NONE or c in p.allowed for c in self.classes])
            gold.append(self.classes.index(p.role) if p.role in self.classes else self.classes.index(NONE))
        return {"ids": ids, "types": types, "t_idx": t_idx, "ents": ents, "labs": labs, "dists": dists,
                "allowed": allowed, "gold": gold}

    def _forward(self, batch: Sequence[dict[str, Any]], device):
        import torch

        width = max(len(b["ids"]) for b in batch)
        ids = torch.full((len(batch), width), self.tokenizer.pad_token_id, dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        types = torch.zeros((len(batch), width), dtype=torch.long)
        for r, b in enumerate(batch):
            ids[r, : len(b["ids"])] = torch.tensor(b["ids"])
            mask[r, : len(b["ids"])] = 1
            types[r, : len(b["ids"])] = torch.tensor(b["types"])
        states = self.encoder(input_ids=ids.to(device), attention_mask=mask.to(device),
                              token_type_ids=types.to(device)).last_hidden_state
        t_rep, e_rep, labs, dists, allowed, gold = [], [], [], [], [], []
        for r, b in enumerate(batch):
            tv = states[r, b["t_idx"]].mean(0)
            for k, ei in enumerate(b["ents"]):
                t_rep.append(tv)
                e_rep.append(states[r, ei].mean(0))
            labs += b["labs"]
            dists += b["dists"]
            allowed += b["allowed"]
            gold += b["gold"]
        if not t_rep:
            return None, None
        logits = self.head(torch.stack(t_rep), torch.stack(e_rep), torch.tensor(labs, device=device),
                           torch.tensor(dists, device=device))
        allowed_t = torch.tensor(allowed, dtype=torch.bool, device=device)
        logits = logits.masked_fill(~allowed_t, -1e4)
        return logits, torch.tensor(gold, device=device)

    def fit(self, pairs: Sequence[Pair], docs, dev: tuple[Sequence[Pair], Any] | None = None, encoder: str = "",
            epochs: int = 3, lr: float = 5e-5, head_lr: float = 1e-3, seed: int = 0, threads: int = 2,
            progress: bool = False) -> dict[str, Any]:
        """Fine-tune on gold (trigger, entity) pairs; keep the epoch with the best dev role F1 (gold input)."""
        import copy

        import torch
        from transformers import AutoModel, AutoTokenizer, get_linear_schedule_with_warmup

        from ..train.encoding import resolve_encoder
        from ..train.transformer import make_batches

        torch.set_num_threads(threads)
        torch.manual_seed(seed)
        path = resolve_encoder(encoder)
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        self.encoder = AutoModel.from_pretrained(path)
        if getattr(self.encoder.config, "type_vocab_size", 0) < 2:
            from ..errors import ConfigError

            raise ConfigError(f"events.encoder {encoder!r}: the fine-tuned argument model marks the trigger with "
                              "token type 1 and needs an encoder with two token types (BERT-like)")
        self.head = _pair_head(self.encoder.config.hidden_size, len(self.labels), 2 * self.window + 1,
                               len(self.classes))
        device = torch.device("cpu")
        items = [self._encode(it, pairs) for it in self._items(pairs, docs)]
        steps = math.ceil(len(items) / self.batch_size) * epochs
        opt = torch.optim.AdamW([{"params": self.encoder.parameters(), "lr": lr},
                                 {"params": self.head.parameters(), "lr": head_lr}], weight_decay=0.01)
        sched = get_linear_schedule_with_warmup(opt, int(0.1 * steps), steps)
        best = (-1.0, 0, None)
        log = []
        dev_gold = [p.role for p in dev[0]] if dev is not None else []
        t0 = time.time()
        lengths = [(it["ids"],) for it in items]  # make_batches buckets by the length of element 0
        for epoch in range(1, epochs + 1):
            torch.manual_seed(seed * 1000 + epoch)
            batches = make_batches(lengths, self.batch_size, seed, epoch, bucketing=True)
            it: Any = batches
            if progress:
                from tqdm import tqdm

                it = tqdm(batches, desc=f"arguments (fine-tuned) epoch {epoch}/{epochs}", unit="batch")
            self.encoder.train()
            self.head.train()
            loss_sum = 0.0
            for b in it:
                logits, gold = self._forward([items[i] for i in b], device)
                if logits is None:
                    continue
                loss = torch.nn.functional.cross_entropy(logits, gold)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(list(self.encoder.parameters()) + list(self.head.parameters()), 1.0)
                opt.step()
                sched.step()
                opt.zero_grad(set_to_none=True)
                loss_sum += float(loss.detach())
            row = {"epoch": epoch, "train_loss": loss_sum / max(1, len(batches))}
            if dev is not None:
                dev_pairs, dev_docs = dev
                self.predict(dev_pairs, dev_docs)
                tp = sum(1 for p, g in zip(dev_pairs, dev_gold) if p.role != NONE and p.role == g)
                n_p = sum(1 for p in dev_pairs if p.role != NONE)
                n_g = sum(1 for g in dev_gold if g != NONE)
                row["dev_role_f1"] = 0.0 if tp == 0 else 2 * tp / (n_p + n_g)
            log.append(row)
            score = row.get("dev_role_f1", float(epoch))
            if score > best[0]:
                best = (score, epoch, (copy.deepcopy(self.encoder.state_dict()), copy.deepcopy(self.head.state_dict())))
        if best[2] is not None:
            self.encoder.load_state_dict(best[2][0])
            self.head.load_state_dict(best[2][1])
        self.encoder.eval()
        self.head.eval()
        return {"train_pairs": len(pairs), "train_triggers": len(items), "epochs": epochs, "best_epoch": best[1],
                "log": log, "train_seconds": round(time.time() - t0, 1)}

    def predict(self, pairs: Sequence[Pair], docs, progress: bool = False) -> None:
        import torch

        if not pairs:
            return
        items = self._items(pairs, docs)
        encoded = [self._encode(it, pairs) for it in items]
        order = sorted(range(len(items)), key=lambda i: len(encoded[i]["ids"]))
        proba = np.zeros((len(pairs), len(self.classes)), dtype=np.float64)
        self.encoder.eval()
        self.head.eval()
        if self.threads:
            torch.set_num_threads(self.threads)
        with torch.inference_mode():
            for s in range(0, len(order), 16):
                b = order[s:s + 16]
                logits, _ = self._forward([encoded[i] for i in b], torch.device("cpu"))
                if logits is None:
                    continue
                pr = torch.softmax(logits.float(), -1).numpy()
                row = 0
                for i in b:
                    for k in items[i]["pairs"]:
                        proba[k] = pr[row]
                        row += 1
        decode_roles(pairs, self.classes, proba)

    def save(self, d: Path) -> None:
        from safetensors.torch import save_file

        target = d / ARGUMENT_DIR
        tmp = target.with_name(target.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        self.encoder.save_pretrained(tmp / "encoder", safe_serialization=True)
        self.tokenizer.save_pretrained(tmp / "encoder")
        save_file({k: v.contiguous() for k, v in self.head.state_dict().items()}, str(tmp / "head.safetensors"))
        (tmp / "meta.json").write_text(json.dumps({"labels": self.labels, "classes": self.classes,
                                                   "window": self.window, "max_length": self.max_length,
                                                   "batch_size": self.batch_size}, indent=2) + "\n")
        shutil.rmtree(target, ignore_errors=True)
        tmp.rename(target)

    @classmethod
    def load(cls, d: Path, encoder: Any = None, threads: int | None = None) -> "FinetunedArgumentClassifier":
        from safetensors.torch import load_file
        from transformers import AutoModel, AutoTokenizer

        src = d / ARGUMENT_DIR
        meta = json.loads((src / "meta.json").read_text())
        obj = cls(meta["labels"], meta["classes"], meta["window"], meta["max_length"], meta["batch_size"], threads)
        obj.tokenizer = AutoTokenizer.from_pretrained(src / "encoder")
        obj.encoder = AutoModel.from_pretrained(src / "encoder")
        obj.head = _pair_head(obj.encoder.config.hidden_size, len(obj.labels), 2 * obj.window + 1, len(obj.classes))
        obj.head.load_state_dict(load_file(str(src / "head.safetensors")))
        obj.encoder.eval()
        obj.head.eval()
        return obj
