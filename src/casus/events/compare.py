"""Two events runs on the same documents: event and record scores side by side, paired bootstrap over documents.

``casus compare RUN_A RUN_B`` on events run folders (or their ``eval/<recipe>/`` copies) reads each run's
``predictions/<split>.jsonl`` (predicted annotation sets), rebuilds the records with the current record layer
for both sides and for gold, and for every figure below gives A, B, B - A with its 95 % CI and a two-sided
paired-bootstrap p-value (:func:`casus.metrics.bootstrap.paired_counts_bootstrap`, documents resampled).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence


FIGURES = (  # (key, statistic, where)
    ("trigger_cls", "f1", "events"), ("arg_cls", "f1", "events"), ("record", "f1", "records"),
    ("fields/exact", "f1", "records"), ("place/exact", "f1", "records"), ("attackers/exact", "f1", "records"),
    ("killed/exact", "accuracy", "records"), ("injured/exact", "accuracy", "records"),
    ("main/all5", "accuracy", "records"))


def _error(msg: str) -> Exception:
    from ..errors import EvaluationError

    return EvaluationError(msg)


def is_events_run(path: str | Path) -> bool:
    from ..rundir import INFO

    p = Path(path)
    for name in (INFO, "metrics.json"):
        f = p / name
        if f.is_file():
            try:
                return json.loads(f.read_text()).get("kind") == "events"
            except (OSError, ValueError):
                return False
    return False


def _predictions(run: Path, split: str, repo: Any) -> dict[str, Any]:
    from ..model import annotation_from_dict

    f = run / "predictions" / f"{split}.jsonl"
    if not f.is_file():
        raise _error(f"{run}: no predictions/{split}.jsonl (an events run writes one per split it scores)")
    out = {}
    for line in f.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        doc = repo.document(r["doc_id"])
        out[r["doc_id"]] = annotation_from_dict(r["annotation"], doc)
    return out


def compare_event_runs(runs: Sequence[str | Path], repo: Any, split: str = "test", seed: int = 0,
                       n: int = 2000) -> dict[str, Any]:
    """The first run is the baseline; every other run is compared with it."""
    from ..metrics.bootstrap import paired_counts_bootstrap
    from ..metrics.events import score_events_document
    from ..metrics.records import score_records_document
    from .records import assemble_records

    if len(runs) < 2:
        raise _error("compare needs two events runs")
    preds = [_predictions(Path(r), split, repo) for r in runs]
    ids = sorted(preds[0])
    for r, p in zip(runs[1:], preds[1:]):
        if sorted(p) != ids:
            raise _error(f"{r} and {runs[0]} are not on the same {split} documents")
    schema = repo.schema
    gold = {d: repo.annotation(d) for d in ids}
    gold_recs = {d: assemble_records(gold[d], schema) for d in ids}

    def per_doc(p: dict[str, Any]) -> list[dict[str, Any]]:
        out = []
        for d in ids:
            ev = score_events_document(gold[d], p[d])["levels"]
            rec = score_records_document(gold_recs[d], assemble_records(p[d], schema))
            out.append({**ev, **rec})
        return out

    docs = [per_doc(p) for p in preds]
    res: dict[str, Any] = {"split": split, "documents": len(ids), "baseline": str(runs[0]), "runs": []}
    for r, d in zip(runs[1:], docs[1:]):
        figs = {key: paired_counts_bootstrap(docs[0], d, key, stat, seed=seed, n=n) for key, stat, _ in FIGURES}
        res["runs"].append({"run": str(r), "figures": figs})
    return res


def markdown(res: dict[str, Any]) -> str:
    lines = [f"{res['split']}, {res['documents']} documents, baseline {res['baseline']}", ""]
    for r in res["runs"]:
        lines += [f"| {r['run']} | baseline | this run | difference [95% CI] | p |", "|---|---|---|---|---|"]
        for key, f in r["figures"].items():
            lines.append(f"| {key} ({f['stat']}) | {f['a']:.3f} | {f['b']:.3f} | {f['difference']:+.3f} "
                         f"[{f['ci95'][0]:+.3f}, {f['ci95'][1]:+.3f}] | {f['p_value']:.4f} |")
        lines.append("")
    return "\n".join(lines)
