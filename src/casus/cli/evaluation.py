"""Evaluation commands: evaluate, compare, report, curve, agree."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, List, Optional

import typer
from rich.table import Table

from ..errors import StoreError
from ..store import Repo, atomic_write, find_root
from ._app import OutputFormat, RootOption, SplitName, app, console, err_console, handled

FORMAT_HELP = ("force the format: run, annotations, or a registered format (casus, doccano, labelstudio, brat, "
               "inline, conll; casus.formats.registry)")


def _repo(root: Optional[Path], *paths: Any) -> Optional[Repo]:
    """The repository: --root, else the nearest one above the working folder, else above a given path."""
    if root is not None:
        r = Repo.open(root)
        if not (r.annotations_dir / "schema.yaml").is_file():
            raise StoreError(f"{root}: not a casus repository (no annotations/schema.yaml)")
        return r
    try:
        return Repo.open(None)
    except StoreError:
        pass
    for p in paths:
        if p is None:
            continue
        p = Path(p)
        try:
            return Repo(find_root(p if p.is_dir() else p.parent))
        except StoreError:
            continue
    return None


def _f(x: Any) -> str:
    return f"{x:.3f}" if isinstance(x, (int, float)) else "–"


def _ci(ci: Any) -> str:
    from ..evaluation import fmt_ci

    return fmt_ci(ci)


def _p(vs: dict, eq: bool = False) -> str:
    p = vs["p_value"]
    if p == 0:
        return f"< {1 / vs['resamples']:.4f}"
    return f"= {p:.3f}" if eq else f"{p:.3f}"


def _warn_matching(pairing, gold_name: str = "gold", pred_name: str = "predictions") -> None:
    def show(ids: list) -> str:
        return ", ".join(ids[:15]) + (f", ... ({len(ids) - 15} more)" if len(ids) > 15 else "")

    if pairing.gold_only:
        err_console.print(f"warning: {len(pairing.gold_only)} document(s) only in {gold_name} (not scored): "
                          f"{show(pairing.gold_only)}", style="yellow", markup=False, highlight=False)
    if pairing.pred_only:
        err_console.print(f"warning: {len(pairing.pred_only)} document(s) only in {pred_name} (not scored): "
                          f"{show(pairing.pred_only)}", style="yellow", markup=False, highlight=False)
    if pairing.text_mismatch:
        err_console.print(f"warning: {len(pairing.text_mismatch)} document(s) with the same id but a different text "
                          f"(not scored): {show(pairing.text_mismatch)}", style="yellow", markup=False, highlight=False)
    if pairing.by_text:
        console.print(f"{len(pairing.by_text)} document(s) paired by identical text rather than id", markup=False)
    if pairing.remapped:
        console.print(f"{len(pairing.remapped)} document(s) differ in whitespace only; predicted offsets were moved "
                      "onto the gold text", markup=False)


def print_evaluation(ev, title: str = "span scores") -> None:
    from ..metrics.spans import SCHEMES

    t = Table(title=f"{title} ({len(ev.per_doc)} documents; 95% bootstrap CI over documents)")
    t.add_column("scheme")
    t.add_column("P", justify="right")
    t.add_column("R", justify="right")
    t.add_column("micro F1 [95% CI]", justify="right", no_wrap=True)
    t.add_column("macro F1 [95% CI]", justify="right", no_wrap=True)
    for sch in SCHEMES:
        m = ev.micro(sch)
        macro_ci = ev.ci.get(f"{sch}_macro_f1")
        t.add_row(sch, _f(m.precision), _f(m.recall), f"{_f(m.f1)} {_ci(ev.ci.get(f'{sch}_micro_f1'))}",
                  f"{_f(ev.report.macro_f1(sch))} {_ci(macro_ci)}".strip())
    console.print(t)
    t = Table(title="per label (strict; partial F1 beside)")
    for c, j in (("label", "left"), ("gold", "right"), ("pred", "right"), ("P", "right"), ("R", "right"),
                 ("F1 [95% CI]", "right"), ("partial F1", "right"), ("type F1", "right")):
        t.add_column(c, justify=j, no_wrap=c.startswith("F1"))
    for lab in ev.labels:
        c = ev.report.per_scheme["strict"].get(lab)
        if c is None:
            continue
        pc = ev.report.per_scheme["partial"].get(lab)
        tc = ev.report.per_scheme["type"].get(lab)
        t.add_row(lab, str(int(c.tp + c.fn)), str(int(c.tp + c.fp)), _f(c.precision), _f(c.recall),
                  f"{_f(c.f1)} {_ci(ev.ci.get(f'strict_f1:{lab}'))}", _f(pc.f1 if pc else 0.0), _f(tc.f1 if tc else 0.0))
    console.print(t)
    if ev.attributes:
        a = ev.attributes
        t = Table(title=f"{a['label']} attributes on {a['matched_spans']} strictly matched spans")
        t.add_column("attribute")
        t.add_column("accuracy", justify="right")
        t.add_column("compared", justify="right")
        for k, v in list(a["attributes"].items()) + [("all", a["all"])]:
            t.add_row(k if k != "count" else "count (exact)", _f(v["accuracy"]), str(v["compared"]))
        console.print(t)
    if ev.events:
        print_events(ev.events)


def print_events(events: dict, title: str = "events (TextEE style)") -> None:
    from ..metrics.events import LEVEL_NAMES, LEVELS

    t = Table(title=f"{title}, {events['documents']} documents")
    t.add_column("level")
    t.add_column("P", justify="right")
    t.add_column("R", justify="right")
    t.add_column("F1 [95% CI]", justify="right")
    t.add_column("gold", justify="right")
    t.add_column("pred", justify="right")
    for lvl in LEVELS:
        v = events[lvl]
        t.add_row(LEVEL_NAMES[lvl], _f(v["precision"]), _f(v["recall"]), f"{_f(v['f1'])} {_ci(v.get('ci95'))}",
                  str(int(v["tp"] + v["fn"])), str(int(v["tp"] + v["fp"])))
    console.print(t)


@app.command()
def evaluate(
    pred: str = typer.Option(..., "--pred", help="predictions: a run folder, annotation folder, or a doccano / Label "
                                                  "Studio / brat / CoNLL / casus JSONL file"),
    gold: Optional[str] = typer.Option(None, "--gold", help="gold source, any kind --pred takes (default: the "
                                                           "repository's gold for the predicted documents)"),
    out: Optional[Path] = typer.Option(None, "--out", help="write DIR/metrics.json"),
    labels: List[str] = typer.Option([], "--labels", help="only these entity labels (repeatable or comma-separated)"),
    split_: SplitName = typer.Option(SplitName.test, "--split", help="which predictions of a run folder (test, dev or style_test)"),
    gold_format: Optional[str] = typer.Option(None, "--gold-format", help=FORMAT_HELP),
    pred_format: Optional[str] = typer.Option(None, "--pred-format", help=FORMAT_HELP),
    seed: int = typer.Option(0, "--seed", help="bootstrap seed"),
    resamples: int = typer.Option(1000, "--bootstrap", help="bootstrap resamples (0: no CIs)"),
    fmt: OutputFormat = typer.Option(OutputFormat.text, "--format", help="text or json"),
    root: Optional[Path] = RootOption,
) -> None:
    """Score predictions against gold: strict/partial span P/R/F1 with CIs, attributes, events."""
    split = split_.value
    from ..errors import EvaluationError
    from ..evaluation import gold_for_source, load_source, parse_labels, resolve_schema
    from ..evaluation import evaluate as run_eval

    fmt = fmt.value
    with handled(fmt):
        repo = _repo(root, pred, gold)
        p = load_source(pred, repo, fmt=pred_format, split=split)
        if gold is None:
            if repo is None:
                raise StoreError("no --gold and no repository to take gold from; pass --gold or --root")
            g = gold_for_source(repo, p)
        else:
            g = load_source(gold, repo, fmt=gold_format, split=split)
        schema = repo.schema if repo is not None else (resolve_schema(None, p.path if p.path and p.path.is_dir() else None))
        ev = run_eval(g.sets, p.sets, labels=parse_labels(labels), schema=schema, seed=seed, n_boot=resamples)
        if not ev.per_doc:
            pm = ev.pairing
            raise EvaluationError(
                f"no document is on both sides, nothing to score: {len(pm.gold_only)} only in gold "
                f"({', '.join(pm.gold_only[:5])}{' ...' if len(pm.gold_only) > 5 else ''}), {len(pm.pred_only)} only in "
                f"predictions ({', '.join(pm.pred_only[:5])}{' ...' if len(pm.pred_only) > 5 else ''})"
                + (f", {len(pm.text_mismatch)} with the same id but another text" if pm.text_mismatch else "")
                + "; documents pair by id or by identical text")
        result = {"gold": g.describe(), "pred": p.describe(), **ev.to_dict()}
        if out is not None:
            atomic_write(Path(out) / "metrics.json", json.dumps(result, indent=2) + "\n")
    if fmt == "json":
        typer.echo(json.dumps(result, indent=2))
        return
    console.print(f"gold: {g.spec} ({g.kind}, {len(g.sets)} documents) · predictions: {p.spec} ({p.kind}, "
                  f"{len(p.sets)} documents) · scored: {len(ev.per_doc)}", markup=False, highlight=False)
    _warn_matching(ev.pairing)
    print_evaluation(ev)
    m = ev.micro("strict")
    console.print(f"strict micro F1 = {m.f1:.4f} (P {m.precision:.4f}, R {m.recall:.4f}; tp {m.tp:g} fp {m.fp:g} "
                  f"fn {m.fn:g}) 95% CI {_ci(ev.ci.get('strict_micro_f1')) or 'n/a'}", markup=False, highlight=False)
    if out is not None:
        console.print(f"metrics -> {Path(out) / 'metrics.json'}", markup=False)


@app.command()
def compare(
    runs: List[str] = typer.Argument(..., help="run folders (casus run folders or eval/<recipe>/); the first is the baseline"),
    split_: SplitName = typer.Option(SplitName.test, "--split", help="test, dev or style_test"),
    gold: Optional[str] = typer.Option(None, "--gold", help="gold source (default: the repository's gold)"),
    labels: List[str] = typer.Option([], "--labels", help="only these entity labels"),
    out: Optional[Path] = typer.Option(None, "--out", help="write the comparison JSON (a .json file, or DIR/compare.json)"),
    seed: int = typer.Option(0, "--seed", help="bootstrap seed"),
    resamples: int = typer.Option(2000, "--bootstrap", help="paired bootstrap resamples"),
    root: Optional[Path] = RootOption,
) -> None:
    """Compare runs on the same documents: F1 with CI, difference to the first run, paired bootstrap p-value."""
    split = split_.value
    from ..evaluation import compare_runs, parse_labels
    from ..events.compare import compare_event_runs, is_events_run, markdown

    if runs and all(is_events_run(r) for r in runs):  # events runs: event and record figures, paired
        with handled():
            repo = _repo(root, *runs)
            res = compare_event_runs(runs, repo, split=split, seed=seed, n=resamples)
            if out is not None:
                target = Path(out) if Path(out).suffix == ".json" else Path(out) / "compare.json"
                atomic_write(target, json.dumps(res, indent=2) + "\n")
        console.print(markdown(res), markup=False, highlight=False)
        return
    with handled():
        repo = _repo(root, *runs)
        res = compare_runs(runs, repo, gold_spec=gold, split=split, labels=parse_labels(labels), seed=seed,
                           n_boot=min(resamples, 1000), n_paired=resamples)
        if out is not None:
            target = Path(out) if Path(out).suffix == ".json" else Path(out) / "compare.json"
            atomic_write(target, json.dumps(res, indent=2) + "\n")
    t = Table(title=f"{split} strict micro F1, {res['documents']} documents (baseline: first run)")
    for c, j in (("run", "left"), ("recipe", "left"), ("seed", "right"), ("F1 [95% CI]", "right"),
                 ("Δ vs first", "right"), ("Δ 95% CI", "right"), ("p", "right")):
        t.add_column(c, justify=j, no_wrap=c in ("F1 [95% CI]", "Δ 95% CI", "p"))
    for r in res["runs"]:
        vs = r.get("vs_first")
        t.add_row(r["name"], str(r["recipe"] or "–"), str(r["seed"] if r["seed"] is not None else "–"),
                  f"{_f(r['strict_f1'])} {_ci(r['strict_f1_ci95'])}",
                  f"{vs['difference']:+.3f}" if vs else "–", _ci(vs["ci95"]) if vs else "–",
                  _p(vs) if vs else "–")
    console.print(t)
    base = res["runs"][0]
    for r in res["runs"][1:]:
        vs = r["vs_first"]
        verdict = "significant at 0.05" if vs["p_value"] < 0.05 else "not significant at 0.05"
        console.print(f"{r['name']} vs {base['name']}: difference {vs['difference']:+.4f}, 95% CI {_ci(vs['ci95'])}, "
                      f"paired bootstrap p {_p(vs, eq=True)} ({vs['resamples']} resamples): {verdict}",
                      markup=False, highlight=False)
    if res["recipes"]:
        t = Table(title="per recipe over seeds")
        t.add_column("recipe")
        t.add_column("runs", justify="right")
        t.add_column("seeds")
        t.add_column("strict F1 mean ± sd", justify="right")
        for g in res["recipes"]:
            t.add_row(g["recipe"], str(g["runs"]), ", ".join(map(str, g["seeds"])),
                      f"{g['mean_strict_f1']:.3f} ± {g['sd_strict_f1']:.3f}")
        console.print(t)
    m = res["matching"]
    if m["gold_only"] or m["pred_only"] or m["text_mismatch"]:
        err_console.print(f"warning: {len(m['pred_only'])} run document(s) without gold, {len(m['text_mismatch'])} "
                          "with a different gold text: not scored", style="yellow", markup=False)
    if out is not None:
        console.print(f"comparison -> {target}", markup=False)


@app.command()
def report(
    run: Path = typer.Argument(..., help="a run folder (or any prediction source)"),
    gold: Optional[str] = typer.Option(None, "--gold", help="gold source (default: the repository's gold for the run's documents)"),
    out: Optional[Path] = typer.Option(None, "--out", help="output folder (default: RUN/report/)"),
    split_: SplitName = typer.Option(SplitName.test, "--split", help="test, dev or style_test"),
    labels: List[str] = typer.Option([], "--labels", help="only these entity labels"),
    max_docs: Optional[int] = typer.Option(None, "--max-docs", help="show at most N documents (most errors first)"),
    seed: int = typer.Option(0, "--seed", help="bootstrap seed"),
    root: Optional[Path] = RootOption,
) -> None:
    """Write a self-contained HTML error report with metrics tables, confusion matrix, plots, per-document errors."""
    split = split_.value
    from ..evaluation import parse_labels
    from ..report import build_report

    with handled():
        repo = _repo(root, run)
        res = build_report(run, repo, gold_spec=gold, out=out, split=split, labels=parse_labels(labels), seed=seed,
                           max_docs=max_docs)
    ev = res["evaluation"]
    _warn_matching(ev.pairing)
    m = ev.micro("strict")
    console.print(f"strict micro F1 = {m.f1:.4f} on {len(ev.per_doc)} documents", markup=False)
    console.print(f"report -> {res['html']}", markup=False)
    for p in res["pngs"]:
        console.print(f"plot   -> {p}", markup=False)


@app.command()
def curve(
    config: Path = typer.Argument(..., help="recipe YAML"),
    fractions: str = typer.Option("0.25,0.5,0.75,1.0", "--fractions", help="training fractions, comma-separated"),
    seeds: str = typer.Option("3", "--seeds", help="number of seeds (recipe seed, +1, ...) or a list 13,14,15"),
    set_: List[str] = typer.Option([], "--set", help="dotted override applied to every point (repeatable)"),
    out: Optional[Path] = typer.Option(None, "--out", help="output folder (default: runs/curve-<recipe>)"),
    root: Optional[Path] = RootOption,
) -> None:
    """Learning curve: train at each training fraction and seed, plot test strict micro F1 vs training documents."""
    from ..train.curve import learning_curve, parse_fractions

    with handled():
        repo = _repo(root)
        if repo is None:
            raise StoreError("curve needs a casus repository; run inside it or pass --root")
        res = learning_curve(config if config.is_absolute() or config.exists() else repo.root / config, repo,
                             parse_fractions(fractions), seeds, set_, out,
                             echo=lambda s: console.print(s, markup=False, highlight=False))
    t = Table(title=f"learning curve: {res['recipe']} (test strict micro F1)")
    for c in ("fraction", "training docs", "runs", "mean F1", "sd"):
        t.add_column(c, justify="right")
    for s in res["summary"]:
        t.add_row(f"{s['fraction']:g}", f"{s['train_documents']:g}", str(s["runs"]), f"{s['mean_test_strict_f1']:.3f}",
                  f"{s['sd_test_strict_f1']:.3f}")
    console.print(t)
    c = res["human_ceiling_strict_f1"]
    console.print(f"human agreement ceiling: {c:.3f}" if c is not None else
                  "human agreement ceiling: none (eval/agreement/metrics.json not found)", markup=False)
    console.print(f"curve -> {Path(res['out']) / 'curve.png'}, curve.md, curve.json", markup=False)


@app.command()
def agree(
    names: List[str] = typer.Argument(None, help="annotators (same as --annotators)", show_default=False),
    annotators: List[str] = typer.Option([], "--annotators", help="passes to compare (default: all, plus gold); "
                                                                  "--annotators A B ... or A,B"),
    labels: List[str] = typer.Option([], "--labels", help="only these entity labels"),
    fmt: OutputFormat = typer.Option(OutputFormat.text, "--format", help="text or json"),
    out: Optional[Path] = typer.Option(None, "--out", help="write DIR/metrics.json (relative to the repository root; eval/agreement is what the card reads)"),
    seed: int = typer.Option(0, "--seed", help="bootstrap seed"),
    resamples: int = typer.Option(1000, "--bootstrap", help="bootstrap resamples (0: no CIs)"),
    root: Optional[Path] = RootOption,
) -> None:
    """Agreement between independent passes (annotations/passes/<name>/) and of each pass with gold."""
    from ..evaluation import parse_labels, repo_agreement

    fmt = fmt.value
    with handled(fmt):
        repo = _repo(root)
        if repo is None:
            raise StoreError("agree needs a casus repository; run inside it or pass --root")
        res = repo_agreement(repo, parse_labels(list(annotators) + list(names or [])) or [], parse_labels(labels),
                             seed=seed, n_boot=resamples)
        if out is not None:
            target = Path(out) if Path(out).is_absolute() else repo.root / out  # relative to the repository
            atomic_write(target / "metrics.json", json.dumps(res, indent=2) + "\n")
    if fmt == "json":
        typer.echo(json.dumps(res, indent=2))
        return
    t = Table(title=f"agreement over shared documents ({res['documents']} documents; b is the reference)")
    for c, j in (("a", "left"), ("b", "left"), ("docs", "right"), ("strict F1 [95% CI]", "right"),
                 ("partial F1", "right"), ("token kappa", "right")):
        t.add_column(c, justify=j, no_wrap=c.startswith("strict"))
    for r in res["rows"]:
        t.add_row(r["a"], r["b"], str(r["documents"]), f"{_f(r['strict_f1'])} {_ci(r['ci95'].get('strict_micro_f1'))}",
                  _f(r["partial_f1"]), _f(r["kappa"]))
    console.print(t)
    for key, vals in (res.get("passes_vs_gold_by") or {}).items():
        t = Table(title=f"passes vs gold by {key} (pooled)")
        for c, j in ((key, "left"), ("docs", "right"), ("strict F1 [95% CI]", "right"), ("partial F1", "right")):
            t.add_column(c, justify=j)
        for v, r in vals.items():
            t.add_row(v, str(r["documents"]), f"{_f(r['strict_f1'])} {_ci(r.get('strict_f1_ci95'))}", _f(r["partial_f1"]))
        console.print(t)
    if any(r.get("attributes") or r.get("events") for r in res["rows"]):
        t = Table(title="casualty attributes (strictly matched spans) and events (F1)")
        for c, j in (("a", "left"), ("b", "left"), ("spans", "right"), ("status", "right"), ("count", "right"),
                     ("group", "right"), ("trigger", "right"), ("argument", "right")):
            t.add_column(c, justify=j)
        for r in res["rows"]:
            a = r.get("attributes") or {}
            attrs = a.get("attributes", {})
            ev = r.get("events") or {}
            t.add_row(r["a"], r["b"], str(a.get("matched_spans", "–")), _f(attrs.get("status", {}).get("accuracy")),
                      _f(attrs.get("count", {}).get("accuracy")), _f(attrs.get("group", {}).get("accuracy")),
                      _f(ev.get("trigger_cls", {}).get("f1")), _f(ev.get("arg_cls", {}).get("f1")))
        console.print(t)
    if res["rows"]:
        t = Table(title="strict F1 per label")
        t.add_column("a")
        t.add_column("b")
        for lab in res["labels"]:
            t.add_column(lab, justify="right")
        for r in res["rows"]:
            t.add_row(r["a"], r["b"], *[_f(r["per_label"][lab]["strict"]["f1"]) for lab in res["labels"]])
        console.print(t)
    disjoint = [s for s in res["skipped"] if s["reason"] == "no shared documents"]
    for s in res["skipped"]:
        if s not in disjoint:
            err_console.print(f"warning: {s['a']} vs {s['b']}: {s['reason']}", style="yellow", markup=False)
    if disjoint:  # passes over different documents are the normal case: one line, not one per pair
        err_console.print(f"{len(disjoint)} pair(s) of passes share no document and are not compared "
                          f"(listed under 'skipped' in --format json)", style="yellow", markup=False)
    if res.get("passes_vs_gold"):
        pvg = res["passes_vs_gold"]
        console.print(f"passes vs gold (pooled, {pvg['documents']} documents): strict micro F1 {pvg['strict_f1']:.4f}, "
                      f"partial {pvg['partial_f1']:.4f}", markup=False)
    if out is not None:
        console.print(f"metrics -> {target / 'metrics.json'}", markup=False)
