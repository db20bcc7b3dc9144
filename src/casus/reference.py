"""Reference results of ``casus reproduce``: ``eval/<recipe>/metrics.json`` and a comparison table."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from .store import atomic_write


# ``casus reproduce --profile``: fast = the reference recipes the README's main job runs (<= 10 min on 2 cores);
# full = each reference recipe's ``<stem>-full.yaml`` variant where one exists (slower, best figures), plus the
# NER recipes that have no variant (the CRF peer), written under eval/full/.
PROFILES = ("fast", "full")
REFERENCE_RECIPES = ("training/minilm-ner.yaml", "training/crf-baseline.yaml", "training/minilm-events.yaml")


def profile_recipes(root: Path, profile: str) -> tuple[list[Path], Path]:
    """The recipes (in run order) and the eval folder of a reproduce profile."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; use one of {list(PROFILES)}")
    if profile == "fast":
        return [Path(p) for p in REFERENCE_RECIPES], Path("eval")
    from .train.recipe import load_recipe

    out: list[Path] = []
    for p in map(Path, REFERENCE_RECIPES):
        full = p.with_name(p.stem + "-full.yaml")
        if (root / full).exists():
            out.append(full)
        elif (root / p).exists() and load_recipe(root / p).kind in ("transformer", "crf"):
            out.append(p)  # the peer without a slower variant runs as it is; an events recipe needs its NER run
    return out, Path("eval") / "full"


SPLIT_TITLES = {"test": "in-style test (same writers as train)",
                "style_test": "out-of-style test (held-out writers and styles)"}


def _ner_table(results: list[dict[str, Any]], split: str) -> list[str]:
    labels: list[str] = []
    for r in results:
        for lab in r["metrics"][split]["strict"]["per_label"]:
            if lab not in labels:
                labels.append(lab)
    head = (f"| recipe | {split} strict micro F1 [95% CI] | macro F1 | partial F1 | type F1 | "
            + " | ".join(labels) + " | mid-word spans | train s |")
    lines = [head, "|" + "---|" * (7 + len(labels))]
    for r in results:
        m = r["metrics"][split]
        ci = m["ci95"].get("strict_micro_f1", [float("nan")] * 2)
        per = " | ".join(f"{m['strict']['per_label'][lab]['f1']:.3f}" if lab in m["strict"]["per_label"] else "-"
                         for lab in labels)
        mid = m.get("word_safety", {}).get("mid_word_spans", "-")
        lines.append(f"| {r['metrics']['recipe']} | {m['strict']['micro']['f1']:.3f} [{ci[0]:.3f}, {ci[1]:.3f}] | "
                     f"{m['strict']['macro_f1']:.3f} | {m['partial']['micro']['f1']:.3f} | "
                     f"{m['type']['micro']['f1']:.3f} | {per} | {mid} | {r['info']['wall_seconds']:.0f} |")
    return lines


def comparison_markdown(results: list[dict[str, Any]], wall_seconds: float | None = None) -> str:
    events = [r for r in results if r["metrics"].get("kind") == "events"]
    results = [r for r in results if r["metrics"].get("kind") != "events"]
    lines: list[str] = []
    for split in ("test", "style_test"):
        if results and all(split in r["metrics"] for r in results):
            if lines:
                lines.append("")
            lines += [f"### {SPLIT_TITLES[split]}: {results[0]['metrics'][split]['documents']} documents", ""]
            lines += _ner_table(results, split)
    for r in events:
        lines += ["", f"### Event stage `{r['metrics']['recipe']}` ({r['info']['wall_seconds']:.0f} s), end to end, "
                  "beside the blind annotators on the same documents", ""]
        lines += events_markdown(r["metrics"])
    if wall_seconds is not None:
        lines += ["", f"Whole `casus reproduce` wall time: {wall_seconds:.0f} s."]
    return "\n".join(lines) + "\n"


EVENT_FIGURES = (  # (label, where, key, statistic)
    ("trigger classification F1", "events", "trigger_cls", "f1"),
    ("argument classification F1", "events", "arg_cls", "f1"),
    ("record detection F1", "records", "record", "f1"),
    ("record field values exact F1", "records", "fields/exact", "f1"),
    ("place exact F1", "records", "place/exact", "f1"),
    ("attackers exact F1", "records", "attackers/exact", "f1"),
    ("weapons exact F1", "records", "weapons/exact", "f1"),
    ("killed count exact (accuracy)", "records", "killed/exact", "accuracy"),
    ("injured count exact (accuracy)", "records", "injured/exact", "accuracy"),
    ("main record is the gold main record", "records", "main/record", "accuracy"),
    ("main record: all five fields right", "records", "main/all5", "accuracy"),
)


def _cell(entry: dict[str, Any] | None, stat: str) -> str:
    if not entry:
        return "–"
    v = entry.get("accuracy") if stat == "accuracy" else entry.get("f1")
    ci = entry.get("accuracy_ci95") if stat == "accuracy" else entry.get("ci95")
    if v is None:
        return "–"
    return f"{v:.3f}" + (f" [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else "")


def events_markdown(metrics: dict[str, Any]) -> list[str]:
    """Markdown lines: the event run's primary designs (and how they were chosen), then per split the end-to-end
    event and record figures with 95 % CIs beside the pooled blind annotators' on the same documents."""
    prim = metrics.get("primary", {})
    trig, arg = prim.get("trigger_model", "crf"), prim.get("argument_model", "features")
    lines = [f"Designs used: triggers `{trig}`, arguments `{arg}`"]
    dev = prim.get("dev_scores") or {}
    if dev.get("triggers"):
        lines[-1] += (" — dev trigger classification F1 " + ", ".join(f"{k} {v:.3f}" for k, v in dev["triggers"].items())
                      + "; dev argument classification F1 (gold input) "
                      + ", ".join(f"{k} {v:.3f}" for k, v in dev.get("arguments", {}).items()))
    lines[-1] += "."
    ceiling = metrics.get("ceiling", {}).get("pooled", {})
    splits = [s for s in ("test", "style_test") if s in metrics]
    for split in splits:
        m = metrics[split]
        e2e = m.get("end_to_end", {}).get(arg, {})
        ceil = ceiling.get(split, {})
        lines += ["", f"| {split} ({m['documents']} documents) | model | annotators ({ceil.get('documents', 0)} documents) |",
                  "|---|---|---|"]
        for label, where, key, stat in EVENT_FIGURES:
            model_entry = e2e.get(where, {}).get(key)
            if where == "events" and key == "trigger_cls":
                model_entry = m.get("triggers", {}).get(trig, {}).get("trigger_cls", model_entry)
            lines.append(f"| {label} | {_cell(model_entry, stat)} | {_cell(ceil.get(where, {}).get(key), stat)} |")
    return lines


def significance_markdown(cmp: dict[str, Any]) -> str:
    """The paired-bootstrap lines of ``evaluation.compare_runs`` as markdown."""
    split = cmp.get("split", "test")
    lines = [f"Paired bootstrap over the {cmp['documents']} {split} documents (baseline: {cmp['runs'][0]['name']}):", ""]
    for r in cmp["runs"][1:]:
        vs = r["vs_first"]
        verdict = "significant at 0.05" if vs["significant_at_0.05"] else "NOT significant at 0.05"
        lines.append(f"- {r['name']}: Δ strict micro F1 {vs['difference']:+.3f} "
                     f"[{vs['ci95'][0]:+.3f}, {vs['ci95'][1]:+.3f}], p = {vs['p_value']:.4f} — {verdict}")
    return "\n".join(lines) + "\n"


def write_reference(eval_dir: Path, results: list[dict[str, Any]], wall_seconds: float | None = None,
                    extra_md: str = "") -> str:
    eval_dir.mkdir(parents=True, exist_ok=True)
    for r in results:
        name = r["metrics"]["recipe"]
        d = eval_dir / name
        d.mkdir(parents=True, exist_ok=True)
        atomic_write(d / "metrics.json", json.dumps(r["metrics"], indent=2, sort_keys=True) + "\n")
        info = dict(r["info"])
        atomic_write(d / "run_info.json", json.dumps(info, indent=2, sort_keys=True) + "\n")
        shutil.copyfile(Path(r["out"]) / "config.yaml", d / "config.yaml")
        for split in ("test", "style_test"):
            src = Path(r["out"]) / "predictions" / f"{split}.jsonl"
            if src.is_file():
                pred_dir = d / "predictions"
                pred_dir.mkdir(exist_ok=True)
                shutil.copyfile(src, pred_dir / f"{split}.jsonl")
    md = comparison_markdown(results, wall_seconds) + ("\n" + extra_md if extra_md else "")
    atomic_write(eval_dir / "comparison.md", "# Reference results (in-style test and out-of-style style_test)\n\n" + md)
    return md


def run_reproduce(repo: Any, recipes: list[Path], eval_dir: Path, overrides: list[str] | None = None,
                  on_result: Any = None, echo: Any = print) -> tuple[str, float]:
    """The main job (``casus reproduce``): validate (any error: :class:`~casus.errors.ValidationFailed`),
    build the dataset, train every recipe in order, write ``eval_dir`` (metrics, predictions, configs, the
    comparison table, the paired tests between the NER runs with the CRF as baseline, an HTML report per
    NER run). ``on_result(recipe, result)`` is called after each run. Returns (comparison markdown, seconds)."""
    import time

    from .dataset import build as build_dataset
    from .errors import ValidationFailed
    from .evaluation import compare_runs
    from .report import build_report
    from .train.recipe import load_recipe
    from .train.run import run_recipe
    from .validate import validate_repo

    t0 = time.time()
    problems, checked = validate_repo(repo)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise ValidationFailed(errors)
    echo(f"validate: {checked} files, 0 errors")
    res = build_dataset(repo, repo.root / "build" / "dataset", progress=True)
    echo(f"build: documents {res.split_sizes}, fingerprint {res.fingerprint[:12]}")
    results = []
    for rp in recipes:
        recipe = load_recipe(rp if rp.is_absolute() else repo.root / rp, list(overrides or []))
        r = run_recipe(recipe, repo)
        if on_result is not None:
            on_result(recipe, r)
        results.append(r)
    target = repo.root / eval_dir if not eval_dir.is_absolute() else eval_dir
    write_reference(target, results)
    ner = [r for r in results if r["metrics"].get("kind") in ("transformer", "crf")]
    extra = ""
    if len(ner) > 1:  # the paired test between the reference NER runs, baseline = the CRF if present
        order = sorted(ner, key=lambda r: r["metrics"]["kind"] != "crf")
        cmps = {}
        for split in ("test", "style_test"):
            if all(split in r["metrics"] for r in order):
                cmps[split] = compare_runs([target / r["metrics"]["recipe"] for r in order], repo, seed=0, split=split)
                extra += ("\n" if extra else "") + significance_markdown(cmps[split])
        atomic_write(target / "compare.json", json.dumps(cmps["test"], indent=2) + "\n")
        if "style_test" in cmps:
            atomic_write(target / "compare-style_test.json", json.dumps(cmps["style_test"], indent=2) + "\n")
    for r in ner:  # an HTML error report per reference run
        build_report(target / r["metrics"]["recipe"], repo, out=target / r["metrics"]["recipe"] / "report")
    md = write_reference(target, results, wall_seconds=time.time() - t0, extra_md=extra)
    return md, time.time() - t0
