"""The training harness shared by every recipe: data, training, evaluation on dev and test, run records.

A run folder holds: ``model/`` (safetensors + tokenizer + ``id2label`` in config.json, or the CRF model),
``casus_run.json`` (what the predictor needs), ``config.yaml`` (the resolved recipe), ``run_info.json``
(dataset fingerprint, git commit, package versions, seed, wall time), ``metrics.json`` (dev and test,
strict/partial micro/macro/per label, seqeval, bootstrap CIs), ``predictions/{dev,test}.jsonl``,
``log.csv`` and ``tensorboard/`` (transformer).
"""

from __future__ import annotations

import json
import platform
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ..align import bio_tags, mid_word_spans
from ..dataset import build as build_dataset
from ..dataset import fingerprint as data_fingerprint
from ..dataset import load_manifest, read_fingerprint
from ..metrics.scoring import score_spans
from ..splits import IN_STYLE, SPLITS
from ..store import Repo, atomic_write
from .provenance import git_commit, package_versions
from .recipe import AnyRecipe, output_dir, resolved_yaml

def ensure_dataset(repo: Repo, recipe: AnyRecipe, progress: bool = True) -> tuple[Path, str, bool]:
    """Reuse the dataset folder when its fingerprint matches the repository, else (re)build it."""
    ds_dir = Path(recipe.data.dataset_dir)
    if not ds_dir.is_absolute():
        ds_dir = repo.root / ds_dir
    asets = [repo.annotation(d) for d in repo.gold_ids()]
    manifest = load_manifest(repo, asets)
    fp = data_fingerprint(repo, asets, manifest, recipe.data.scheme)
    if read_fingerprint(ds_dir) == fp:
        return ds_dir, fp, False
    res = build_dataset(repo, ds_dir, scheme=recipe.data.scheme, progress=progress)
    return ds_dir, res.fingerprint, True


def load_split_rows(ds_dir: Path) -> dict[str, dict[str, list[dict]]]:
    """Rows per config and split, read from the parquet files (what load_dataset(ds_dir) loads)."""
    import pyarrow.parquet as pq

    out: dict[str, dict[str, list[dict]]] = {}
    for config in ("documents", "windows"):
        out[config] = {}
        for split in SPLITS:
            path = ds_dir / "data" / config / f"{split}.parquet"
            out[config][split] = pq.read_table(path).to_pylist() if path.is_file() or split in IN_STYLE else []
    return out


def gold_spans(rows: list[dict], labels: list[str]) -> dict[str, list[tuple[int, int, str]]]:
    return {r["doc_id"]: [(s["start"], s["end"], s["label"]) for s in r["spans"] if s["label"] in labels] for r in rows}


def seqeval_scores(rows: list[dict], preds: dict[str, list], tag_names: list[str]) -> dict[str, Any]:
    from seqeval.metrics import classification_report, f1_score

    y_true, y_pred = [], []
    for r in rows:
        toks = list(zip(r["token_starts"], r["token_ends"]))
        y_true.append([tag_names[t] for t in r["ner_tags"]])
        spans = [type("S", (), {"start": a, "end": b, "label": lab}) for a, b, lab in preds.get(r["doc_id"], [])]
        y_pred.append(bio_tags(toks, spans)[0])
    rep = classification_report(y_true, y_pred, output_dict=True, zero_division=0)
    return {"micro_f1": float(f1_score(y_true, y_pred, average="micro", zero_division=0)),
            "macro_f1": float(f1_score(y_true, y_pred, average="macro", zero_division=0)),
            "per_label": {k: {"precision": float(v["precision"]), "recall": float(v["recall"]),
                              "f1": float(v["f1-score"]), "support": int(v["support"])}
                          for k, v in rep.items() if k not in ("micro avg", "macro avg", "weighted avg")}}


def evaluate_split(predictor, rows: list[dict], labels: list[str], tag_names: list[str], seed: int,
                   progress: bool = False) -> tuple[dict[str, Any], dict[str, list]]:
    conflicts_before = getattr(predictor, "subword_conflicts", 0)
    preds_list = predictor.predict([r["text"] for r in rows], progress=progress) if rows else []
    preds = {r["doc_id"]: p for r, p in zip(rows, preds_list)}
    gold = gold_spans(rows, labels)
    scored = score_spans(gold, preds, labels, seed=seed)  # the one span-scoring path (casus.metrics.scoring)
    metrics = scored.report.as_dict()
    metrics["word_safety"] = {
        "mid_word_spans": sum(len(mid_word_spans(r["text"], preds[r["doc_id"]])) for r in rows),
        "subword_conflicts": getattr(predictor, "subword_conflicts", 0) - conflicts_before}
    metrics["seqeval"] = seqeval_scores(rows, preds, tag_names)
    metrics["ci95"] = scored.ci
    metrics["documents"] = len(rows)
    return metrics, preds


def eval_splits(rows: dict[str, dict[str, list[dict]]]) -> list[tuple[str, list[dict]]]:
    """The splits a run is scored on: dev and test (in-style), and style_test (out-of-style) when it has documents."""
    docs = rows["documents"]
    out = [("dev", docs["dev"]), ("test", docs["test"])]
    if docs.get("style_test"):
        out.append(("style_test", docs["style_test"]))
    return out


def write_predictions(path: Path, rows: list[dict], preds: dict[str, list]) -> None:
    lines = []
    for r in rows:
        spans = [{"start": a, "end": b, "label": lab, "text": r["text"][a:b]} for a, b, lab in preds[r["doc_id"]]]
        lines.append(json.dumps({"doc_id": r["doc_id"], "text": r["text"], "spans": spans}, ensure_ascii=False))
    atomic_write(path, "\n".join(lines) + ("\n" if lines else ""))


@dataclass
class _TrainContext:
    recipe: Any
    repo: Repo
    out: Path
    rows: dict[str, dict[str, list[dict]]]
    train_docs: list[dict]
    train_windows: list[dict]
    tag_names: list[str]
    labels: list[str]
    resume: bool
    progress: bool
    on_epoch_end: Any


def _train_transformer(ctx: _TrainContext) -> tuple[dict[str, Any], Any]:
    from ..predict import TransformerPredictor
    from .augment import entity_swap
    from .transformer import train_transformer, write_run_meta

    from . import distributed

    recipe = ctx.recipe
    dist = distributed.get()
    if dist.main:
        write_run_meta(ctx.out, recipe)
    dev_rows = ctx.rows["documents"]["dev"]

    def dev_f1(pred) -> float:
        m, _ = evaluate_split(pred, dev_rows, ctx.labels, ctx.tag_names, recipe.seed)
        return m["strict"]["micro"]["f1"]

    ag = recipe.augment
    extra = entity_swap(ctx.train_docs, ctx.tag_names, ag.labels, ag.entity_swap, ag.copies, recipe.seed,
                        ag.of_phrase)
    aux = None
    if recipe.transformer.trigger_head:
        from ..features import trigger_tag_names

        aux = trigger_tag_names(ctx.repo.schema, recipe.data.scheme)
    train_info = train_transformer(recipe, ctx.out, ctx.train_docs + extra, ctx.tag_names, dev_f1, resume=ctx.resume,
                                   progress=ctx.progress, on_epoch_end=ctx.on_epoch_end, aux_tag_names=aux)
    train_info["augmented_documents"] = len(extra)
    if not dist.main:  # rank 0 scores and writes the run folder
        return train_info, None
    return train_info, TransformerPredictor.load(ctx.out, threads=recipe.train.threads)


def _train_crf(ctx: _TrainContext) -> tuple[dict[str, Any], Any]:
    from ..predict import CrfPredictor
    from .crf import train_crf, write_run_meta

    write_run_meta(ctx.out, ctx.recipe)
    train_info = train_crf(ctx.recipe, ctx.out, ctx.train_windows, ctx.tag_names, ctx.progress)
    return train_info, CrfPredictor.load(ctx.out)


def _cuda() -> bool:
    import torch

    return torch.cuda.is_available()


# the trainer of each span recipe kind (casus.train.recipe.RECIPE_KINDS): it writes the model and
# casus_run.json and returns (training info, a predictor); the harness then scores dev/test/style_test.
# kind: events has its own harness (casus.train.events.run_events).
TRAINERS: dict[str, Callable[[_TrainContext], tuple[dict[str, Any], Any]]] = {
    "transformer": _train_transformer, "crf": _train_crf}


def run_recipe(recipe: AnyRecipe, repo: Repo, out: Path | None = None, resume: bool = False,
               progress: bool = True, on_epoch_end: Any = None) -> dict[str, Any]:
    """Train and score one recipe into its run folder. ``on_epoch_end(epoch)``: called after every epoch's
    checkpoint of a transformer recipe (see :func:`casus.train.transformer.train_transformer`)."""
    from . import distributed

    t0 = time.time()
    out = Path(out) if out else output_dir(recipe)
    if not out.is_absolute():
        out = repo.root / out
    dev = recipe.train.device
    dist = distributed.get("cuda" if dev == "cuda" or (dev == "auto" and _cuda()) else "cpu")
    if dist.active and recipe.kind != "transformer":
        from ..errors import ConfigError

        raise ConfigError(f"only transformer recipes train data-parallel (accelerate launch); {recipe.name} is "
                          f"a {recipe.kind} recipe: run it in one process")
    if not dist.main:  # rank 0 prepares the run folder and the dataset; the others wait, then read them
        dist.barrier()
    elif out.exists() and not resume and any(out.iterdir()):
        import shutil

        from ..errors import StoreError

        from ..rundir import RunDir

        if not RunDir(out).looks_like_run():
            raise StoreError(f"{out} exists and is not a casus run folder; refusing to overwrite it")
        shutil.rmtree(out)
    if dist.main:
        out.mkdir(parents=True, exist_ok=True)
        ds_dir, fp, rebuilt = ensure_dataset(repo, recipe, progress)
        dist.barrier()
    else:
        ds_dir, fp, rebuilt = ensure_dataset(repo, recipe, progress=False)
    rows = load_split_rows(ds_dir)
    schema = repo.schema
    tag_names = schema.bio_tags(recipe.data.scheme)
    labels = schema.entity_labels
    train_docs = rows["documents"]["train"]
    train_windows = rows["windows"]["train"]
    if recipe.data.train_fraction < 1.0:
        ids = sorted(r["doc_id"] for r in train_docs)
        random.Random(recipe.seed).shuffle(ids)
        keep = set(ids[: max(1, round(recipe.data.train_fraction * len(ids)))])
        train_docs = [r for r in train_docs if r["doc_id"] in keep]
        train_windows = [r for r in train_windows if r["doc_id"] in keep]
    if dist.main:
        atomic_write(out / "config.yaml", resolved_yaml(recipe))
        atomic_write(out / "schema.yaml", (repo.annotations_dir / "schema.yaml").read_text(encoding="utf-8"))
    if recipe.kind == "events":  # the event stage has its own trainer and records (casus.train.events)
        from .events import run_events

        return run_events(recipe, repo, out, rows, fp, rebuilt, t0, train_docs, train_windows, progress=progress)
    ctx = _TrainContext(recipe=recipe, repo=repo, out=out, rows=rows, train_docs=train_docs,
                        train_windows=train_windows, tag_names=tag_names, labels=labels, resume=resume,
                        progress=progress, on_epoch_end=on_epoch_end)
    train_info, predictor = TRAINERS[recipe.kind](ctx)
    if not dist.main:
        return {"out": out, "metrics": None, "info": None, "rank": dist.rank}

    metrics: dict[str, Any] = {"recipe": recipe.name, "kind": recipe.kind, "seed": recipe.seed,
                               "dataset_fingerprint": fp, "train_documents": len(train_docs)}
    for split, split_rows in eval_splits(rows):
        m, preds = evaluate_split(predictor, split_rows, labels, tag_names, recipe.seed, progress=progress)
        metrics[split] = m
        write_predictions(out / "predictions" / f"{split}.jsonl", split_rows, preds)
    wall = time.time() - t0
    info = {"recipe": recipe.name, "seed": recipe.seed, "dataset_fingerprint": fp, "dataset_dir": str(ds_dir),
            "dataset_rebuilt": rebuilt, "git": git_commit(repo.root), "packages": package_versions(),
            "python": platform.python_version(), "platform": platform.platform(), "wall_seconds": wall,
            "train": {k: v for k, v in train_info.items() if k != "log"}, "resumed": resume}
    atomic_write(out / "run_info.json", json.dumps(info, indent=2, sort_keys=True) + "\n")
    atomic_write(out / "metrics.json", json.dumps(metrics, indent=2, sort_keys=True) + "\n")
    if recipe.kind == "transformer" and (out / "model").is_dir():
        from .model_card import write_model_card

        write_model_card(out / "model", recipe, metrics, info)  # model/README.md: the Hugging Face model card
    return {"out": out, "metrics": metrics, "info": info}
