"""Learning curves: a recipe trained at several training fractions and seeds, test strict F1 per point,
with the human agreement ceiling (``casus curve``)."""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..store import Repo

def parse_fractions(s: str) -> list[float]:
    try:
        vals = [float(x) for x in s.split(",") if x.strip()]
    except ValueError as exc:
        from ..errors import ConfigError

        raise ConfigError(f"--fractions {s!r}: give numbers like 0.25,0.5,1.0") from exc
    from ..errors import ConfigError

    if not vals or any(not (0 < v <= 1) for v in vals):
        raise ConfigError(f"--fractions {s!r}: each fraction must be in (0, 1]")
    return sorted(set(vals))


def parse_seeds(s: str, base: int) -> list[int]:
    from ..errors import ConfigError

    try:
        if "," in s:
            return [int(x) for x in s.split(",") if x.strip()]
        n = int(s)
    except ValueError as exc:
        raise ConfigError(f"--seeds {s!r}: give a count (3) or a list (13,14,15)") from exc
    if n < 1:
        raise ConfigError("--seeds must be at least 1")
    return [base + i for i in range(n)]


def human_ceiling(root: Path) -> float | None:
    """Strict micro F1 of the independent passes against gold, from eval/agreement/metrics.json."""
    p = root / "eval" / "agreement" / "metrics.json"
    if not p.is_file():
        return None
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    pvg = data.get("passes_vs_gold")
    if isinstance(pvg, dict) and isinstance(pvg.get("strict_f1"), (int, float)):
        return float(pvg["strict_f1"])
    vals = [r["strict_f1"] for r in data.get("rows", []) if r.get("b") == "gold" and "strict_f1" in r]
    return statistics.fmean(vals) if vals else None


def learning_curve(config: Path, repo: Repo, fractions: Sequence[float], seeds: Sequence[int] | str | int,
                   overrides: Sequence[str] = (), out: Path | None = None, echo=print) -> dict[str, Any]:
    """Train the recipe at each training fraction and seed (one run folder per point under ``out/runs``),
    collect test strict micro F1, and write curve.json, curve.md and curve.png into ``out``."""
    from ..store import atomic_write
    from .recipe import load_recipe
    from .run import run_recipe

    base = load_recipe(config, list(overrides))
    seed_list = parse_seeds(str(seeds), base.seed) if not isinstance(seeds, (list, tuple)) else list(seeds)
    out = Path(out) if out else repo.root / "runs" / f"curve-{base.name}"
    if not out.is_absolute():
        out = repo.root / out
    out.mkdir(parents=True, exist_ok=True)
    points = []
    for f in fractions:
        for s in seed_list:
            recipe = load_recipe(config, list(overrides) + [f"data.train_fraction={f}", f"seed={s}"])
            run_dir = out / "runs" / f"frac{f:g}-seed{s}"
            res = run_recipe(recipe, repo, out=run_dir, progress=False)
            m = res["metrics"]
            pt = {"fraction": f, "seed": s, "train_documents": m["train_documents"],
                  "test_strict_f1": m["test"]["strict"]["micro"]["f1"],
                  "test_strict_f1_ci95": m["test"].get("ci95", {}).get("strict_micro_f1"),
                  "dev_strict_f1": m["dev"]["strict"]["micro"]["f1"], "run": str(run_dir)}
            points.append(pt)
            echo(f"fraction {f:g} seed {s}: {pt['train_documents']} training documents, "
                 f"test strict micro F1 {pt['test_strict_f1']:.4f}")
    summary = []
    for f in fractions:
        pts = [p for p in points if p["fraction"] == f]
        vals = [p["test_strict_f1"] for p in pts]
        summary.append({"fraction": f, "train_documents": statistics.fmean(p["train_documents"] for p in pts),
                        "runs": len(pts), "mean_test_strict_f1": statistics.fmean(vals),
                        "sd_test_strict_f1": statistics.stdev(vals) if len(vals) > 1 else 0.0})
    ceiling = human_ceiling(repo.root)
    result = {"recipe": base.name, "kind": base.kind, "seeds": seed_list, "fractions": list(fractions),
              "overrides": list(overrides), "points": points, "summary": summary, "human_ceiling_strict_f1": ceiling}
    from ..plots import plot_curve

    plot_curve(summary, ceiling, out / "curve.png", title=f"learning curve: {base.name}")
    md = curve_markdown(result)
    atomic_write(out / "curve.json", json.dumps(result, indent=2) + "\n")
    atomic_write(out / "curve.md", md)
    result["out"] = str(out)
    result["markdown"] = md
    return result


def curve_markdown(result: Mapping[str, Any]) -> str:
    lines = [f"# Learning curve: {result['recipe']} (test strict micro F1, seeds {', '.join(map(str, result['seeds']))})",
             "", "| fraction | training documents | runs | mean F1 | sd |", "|---|---|---|---|---|"]
    for s in result["summary"]:
        lines.append(f"| {s['fraction']:g} | {s['train_documents']:g} | {s['runs']} | {s['mean_test_strict_f1']:.4f} | "
                     f"{s['sd_test_strict_f1']:.4f} |")
    c = result.get("human_ceiling_strict_f1")
    lines += ["", f"Human agreement ceiling (passes vs gold, strict micro F1): {c:.4f}" if c is not None
              else "No human agreement ceiling (eval/agreement/metrics.json not found; run `casus agree --out eval/agreement`)."]
    return "\n".join(lines) + "\n"
