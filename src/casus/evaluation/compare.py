"""Comparing runs on the same documents: strict micro F1 with CI, the difference to the first run with a
paired bootstrap p-value and CI, and mean ± sd per recipe over seeds."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any, Sequence

from ..errors import EvaluationError, StoreError
from ..metrics.bootstrap import paired_bootstrap
from ..store import Repo
from .pairing import pair_documents
from .scoring import default_labels, evaluate
from .sources import Source, gold_for_source, load_source, resolve_schema


def _run_name(src: Source) -> str:
    return src.path.name if src.path else src.spec


def compare_runs(runs: Sequence[str | Path], repo: Repo | None, *, gold_spec: str | None = None,
                 split: str = "test", labels: Sequence[str] | None = None, seed: int = 0,
                 n_boot: int = 1000, n_paired: int = 2000) -> dict[str, Any]:
    """Runs side by side on the same documents: strict micro F1 with CI, the difference to the first run
    with a paired bootstrap p-value and CI, and mean ± sd per recipe over seeds."""
    if not runs:
        raise EvaluationError("compare needs at least one run folder")
    sources = [load_source(r, repo, fmt=None if Path(r).is_file() else "run", split=split) for r in runs]
    base = sources[0]
    for s in sources[1:]:
        only_s = sorted(set(s.sets) - set(base.sets))
        only_b = sorted(set(base.sets) - set(s.sets))
        if only_s or only_b:
            parts = []
            if only_b:
                parts.append(f"only in {base.spec}: {', '.join(only_b[:20])}" + (" ..." if len(only_b) > 20 else ""))
            if only_s:
                parts.append(f"only in {s.spec}: {', '.join(only_s[:20])}" + (" ..." if len(only_s) > 20 else ""))
            raise EvaluationError(f"runs are not on the same {split} documents ({len(base.sets)} vs {len(s.sets)}); "
                                  + "; ".join(parts))
        diff_text = sorted(d for d in base.sets if base.sets[d].text != s.sets[d].text)
        if diff_text:
            raise EvaluationError(f"{s.spec} and {base.spec} have different texts for {', '.join(diff_text[:20])}")
    if gold_spec:
        gold = load_source(gold_spec, repo)
    else:
        if repo is None:
            raise StoreError("compare needs gold annotations: run inside the repository or pass --gold")
        gold = gold_for_source(repo, base)
    schema = repo.schema if repo is not None else resolve_schema(None, base.path)
    pairing0 = pair_documents(gold.sets, base.sets)
    if not pairing0.pairs:
        raise EvaluationError(f"no document of {base.spec} has gold annotations in {gold.spec}")
    if labels is None:
        flat = [g for g, _ in pairing0.pairs.values()] + [a for s in sources for a in s.sets.values()]
        labels = default_labels(schema, flat, schema.trigger_label if schema else "TRIGGER")
    evals = [evaluate(gold.sets, s.sets, labels=labels, schema=schema, seed=seed, n_boot=n_boot) for s in sources]
    rows = []
    for i, (s, ev) in enumerate(zip(sources, evals)):
        m = ev.micro("strict")
        row: dict[str, Any] = {"run": s.spec, "name": _run_name(s), "recipe": s.info.get("recipe"),
                               "seed": s.info.get("seed"), "documents": len(ev.per_doc),
                               "strict_precision": m.precision, "strict_recall": m.recall, "strict_f1": m.f1,
                               "strict_f1_ci95": ev.ci.get("strict_micro_f1"),
                               "strict_macro_f1": ev.report.macro_f1("strict"),
                               "partial_f1": ev.micro("partial").f1}
        if i > 0:
            pb = paired_bootstrap(evals[0].per_doc, ev.per_doc, labels, seed=seed, n=n_paired)
            row["vs_first"] = {**pb, "significant_at_0.05": pb["p_value"] < 0.05}
        rows.append(row)
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        if r["recipe"] is not None:
            groups.setdefault(r["recipe"], []).append(r)
    recipes = []
    for name, rs in groups.items():
        seeds = {r["seed"] for r in rs}
        if len(rs) > 1 and len(seeds) > 1:
            vals = [r["strict_f1"] for r in rs]
            recipes.append({"recipe": name, "runs": len(rs), "seeds": sorted(x for x in seeds if x is not None),
                            "mean_strict_f1": statistics.fmean(vals), "sd_strict_f1": statistics.stdev(vals)})
    return {"split": split, "labels": list(labels), "gold": gold.describe(), "runs": rows, "recipes": recipes,
            "matching": pairing0.as_dict(), "documents": len(evals[0].per_doc)}
