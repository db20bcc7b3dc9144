"""Interop commands: import, export, adjudicate, preannotate."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import List, Optional, Tuple

import typer
from rich.table import Table
from rich.text import Text

from .. import interop
from .. import preannotate as pre
from ..errors import StoreError
from ..store import GOLD
from ._app import RootOption, app, console, err_console, handled, open_repo

_FORMAT_HELP = "a registered format: labelstudio, doccano, casus, brat, inline or conll (casus.formats.registry)"


class Offsets(str, Enum):
    utf16 = "utf16"
    codepoint = "codepoint"


class Newline(str, Enum):
    lf = "lf"
    keep = "keep"


class Source(str, Enum):
    annotations = "annotations"
    predictions = "predictions"


class Quantize(str, Enum):
    none = "none"
    dynamic = "dynamic"
    static = "static"


class Pick(str, Enum):
    latest = "latest"
    first = "first"
    all = "all"


@app.command("import")
def import_cmd(
    fmt: str = typer.Argument(..., metavar="FORMAT", help=_FORMAT_HELP),
    src: Path = typer.Argument(..., help="the file (doccano .jsonl, Label Studio .json, .conll, .casus.txt) or folder "
                               "(brat, inline)"),
    gold: bool = typer.Option(False, "--gold", help="write the annotations as gold (annotations/gold/)"),
    annotator: Optional[str] = typer.Option(None, "--annotator", help="write them as a pass: annotations/passes/NAME/"),
    by_annotator: bool = typer.Option(False, "--by-annotator",
                                      help="write each as the annotator recorded in the file (Label Studio "
                                      "completed_by; use with --pick all)"),
    newline: Newline = typer.Option(Newline.lf, "--newline", help="lf (default: CRLF texts become LF, offsets follow) or keep "
                                "(a CRLF text is then refused: the corpus is LF-only)"),
    replace: bool = typer.Option(False, "--replace", help="allow replacing an existing, different annotation file"),
    dry_run: bool = typer.Option(False, "--dry-run", help="read and validate only; write nothing"),
    placeholders: bool = typer.Option(False, "--placeholders",
                                      help="fill required attributes the source lacks (CoNLL, plain doccano/Label "
                                      "Studio data) with 'unknown'; recorded in the provenance"),
    source: Source = typer.Option(Source.annotations, "--source", help="labelstudio: import annotations or predictions"),
    pick: Pick = typer.Option(Pick.latest, "--pick", help="labelstudio: latest, first or all annotations of a task"),
    offsets: Offsets = typer.Option(Offsets.utf16, "--offsets", help="doccano/labelstudio offsets: utf16 (the tools) or "
                                "codepoint"),
    root: Optional[Path] = RootOption,
) -> None:
    """Import annotations from an annotation tool into corpus/ and annotations/ (all or nothing).

    Every document is validated first; any problem (a different text under an existing id, a label not in
    the schema, overlapping spans, ...) is listed and nothing is written. Documents without an id in the
    source get the id of the identical corpus text, else doc-<12 hex digits of the text's sha256>.
    """
    with handled():
        if sum([gold, annotator is not None, by_annotator]) != 1:
            raise typer.BadParameter("say where the annotations go: --gold, --annotator NAME or --by-annotator")
        if annotator == GOLD:
            raise typer.BadParameter("use --gold for gold annotations")
        repo = open_repo(root)
        target = GOLD if gold else annotator
        plan = interop.import_file(repo, fmt, src, dry_run=dry_run, annotator=target, newline=newline.value,
                                   replace=replace, source=source.value, pick=pick.value, offsets=offsets.value,
                                   placeholders=placeholders)
    for it in plan.items:
        a = it.aset
        where = "gold" if it.target == GOLD else f"passes/{it.target}"
        extra = []
        if not it.id_from_source:
            extra.append("id from text hash" if a.doc_id.startswith("doc-") else "id of the identical corpus text")
        if it.crlf_converted:
            extra.append("CRLF -> LF")
        if not it.new_document:
            extra.append("text already in corpus")
        if it.unchanged:
            extra.append("unchanged")
        note = f" ({'; '.join(extra)})" if extra else ""
        console.print(f"{'would import' if dry_run else 'imported'} {a.doc_id}: {len(a.spans)} spans, "
                      f"{len(a.events)} events -> {where}{note}", markup=False, highlight=False)
    if plan.tasks_without_annotation:
        err_console.print(f"{plan.tasks_without_annotation} task(s) had no {source.value} and were skipped"
                          + (" (try --source predictions)" if source == "annotations" else ""), style="yellow")
    n_new = sum(1 for it in plan.items if it.new_document)
    msg = (f"{len(plan.items)} document(s) valid; nothing written (--dry-run)." if dry_run else
           f"{len(plan.items)} document(s) imported from {src} ({n_new} new corpus text(s)).")
    console.print(msg, style="green", markup=False)


@app.command("export")
def export_cmd(
    fmt: str = typer.Argument(..., metavar="FORMAT", help=_FORMAT_HELP + ", or labelstudio-config"),
    out: Path = typer.Argument(..., help="output file (doccano .jsonl, labelstudio .json, .conll, config .xml) "
                               "or folder (brat, inline)"),
    split: Optional[str] = typer.Option(None, "--split", help="only documents of this split (train, dev, test) of "
                                        "annotations/splits.json"),
    docs: Optional[List[str]] = typer.Option(None, "--docs", help="only these document ids (comma-separated)"),
    annotator: str = typer.Option(GOLD, "--annotator", help="export this annotator's pass instead of gold"),
    force: bool = typer.Option(False, "--force", help="brat/inline: write into a folder that is not empty"),
    offsets: Offsets = typer.Option(Offsets.utf16, "--offsets", help="doccano/labelstudio offsets: utf16 or codepoint"),
    quantize: Quantize = typer.Option(Quantize.none, "--quantize", help="onnx: also write an int8 model: dynamic "
                                      "(weights int8, activations on the fly) or static (calibrated on training "
                                      "documents)"),
    opset: int = typer.Option(18, "--opset", help="onnx: the ONNX opset"),
    calibration: int = typer.Option(32, "--calibration", min=1, help="onnx --quantize static: training documents "
                                    "used to calibrate activation ranges"),
    root: Optional[Path] = RootOption,
) -> None:
    """Export gold annotations (or a pass) for an annotation tool; labelstudio-config writes its XML config;
    `casus export onnx RUN` writes a transformer run's model as ONNX (RUN/onnx/)."""
    if fmt == "onnx":
        _export_onnx(out, quantize.value, opset, calibration, root)
        return
    with handled():
        repo = open_repo(root)
        n = interop.export(repo, fmt, out, split=split, docs=docs, annotator=annotator, force=force, offsets=offsets.value)
    if fmt == "labelstudio-config":
        console.print(f"Label Studio labeling config written to {out}", markup=False)
    else:
        console.print(f"{n} document(s) exported as {fmt} to {out}", markup=False)


def _export_onnx(run: Path, quantize: str, opset: int, calibration: int, root: Optional[Path]) -> None:
    from ..onnx_export import export_onnx

    with handled():
        texts: list[str] = []
        ids: list[str] = []
        if quantize == "static":
            from ..splits import Manifest

            repo = open_repo(root)
            ids = sorted(Manifest.load(repo.splits_path).splits.get("train", []))[:calibration]
            texts = [repo.document(d).text for d in ids]
        info = export_onnx(run, quantize=quantize, opset=opset, calibration_texts=texts, calibration_ids=ids)
    for variant, f in sorted(info["files"].items()):
        console.print(f"{variant}: {run / 'onnx' / f['file']} ({f['bytes'] / 1e6:.1f} MB, opset {info['opset']})",
                      markup=False)


def _table(comp, title: str) -> Table:
    from ..adjudicate import context, describe

    t = Table(title=title, show_lines=True)
    t.add_column("#", justify="right")
    t.add_column("text")
    t.add_column("kind")
    for v in comp.versions:
        t.add_column(v.name)
    for k, r in enumerate(comp.disagreements, start=1):
        t.add_row(str(k), Text(context(comp, r)), Text(", ".join(r.kinds)),
                  *[Text(describe(comp, r, v.name)) for v in comp.versions])
    return t


@app.command()
def adjudicate(
    doc_id: str = typer.Argument(..., help="document id"),
    more: Optional[List[str]] = typer.Argument(None, metavar="[ANNOTATORS]...",
                                               help="more annotator names (so that --annotators A B works)"),
    annotators: Optional[List[str]] = typer.Option(None, "--annotators",
                                                   help="the versions to compare (default: every pass + gold)"),
    prefer: Optional[str] = typer.Option(None, "--prefer", help="batch: take this annotator's version on every "
                                         "disagreement (agreed spans are kept)"),
    out: str = typer.Option(GOLD, "--out", help="gold (default) or a pass name to write the result to"),
    replace: bool = typer.Option(False, "--replace", help="overwrite an existing output file"),
    dry_run: bool = typer.Option(False, "--dry-run", help="show the disagreements only; write nothing"),
    root: Optional[Path] = RootOption,
) -> None:
    """Compare independent passes of a document, show the disagreements, write an adjudicated file.

    Without --prefer you are asked for each disagreement: the number of a version, d (drop: keep nothing
    there) or s (skip: keep nothing, recorded as unresolved).
    """
    from .. import adjudicate as adj

    names = [x.strip() for v in (annotators or []) + (more or []) for x in v.split(",") if x.strip()]

    def choose(comp, region) -> str:
        k = comp.disagreements.index(region) + 1
        opts = {str(i): v.name for i, v in enumerate(comp.versions, start=1)}
        menu = ", ".join(f"{i}={n}" for i, n in opts.items())
        while True:
            ans = typer.prompt(f"#{k} at {region.start}-{region.end}: keep which? ({menu}, d=drop, s=skip)").strip()
            if ans in opts:
                return opts[ans]
            if ans in {v.name for v in comp.versions}:
                return ans
            if ans.lower() in ("d", "drop"):
                return adj.DROP
            if ans.lower() in ("s", "skip"):
                return adj.SKIP
            err_console.print(f"answer one of {', '.join(opts)}, d or s")

    def show(comp) -> None:
        n_agreed = sum(1 for r in comp.regions if r.agreed)
        console.print(f"{doc_id}: versions {', '.join(v.name for v in comp.versions)}; {n_agreed} agreed region(s), "
                      f"{len(comp.disagreements)} disagreement(s)", markup=False)
        if comp.disagreements:
            console.print(_table(comp, f"disagreements in {doc_id}"))

    with handled():
        repo = open_repo(root)
        outcome = adj.adjudicate(repo, doc_id, annotators=names or None, prefer=prefer, out=out, replace=replace,
                                 choose=choose, dry_run=dry_run, on_compare=show)
    if dry_run:
        return
    result, path = outcome.result, outcome.path
    notes = result.provenance["adjudication"]["notes"]
    for n in notes:
        err_console.print(f"note: {n}", style="yellow", markup=False)
    console.print(f"adjudicated {doc_id}: {len(result.spans)} spans, {len(result.events)} events -> "
                  f"{path.relative_to(repo.root)}", style="green", markup=False)


@app.command()
def preannotate(
    run: Path = typer.Argument(..., help="a trained run folder (runs/NAME)"),
    docs: Optional[List[str]] = typer.Option(None, "--docs", help="corpus ids (comma-separated), .txt files, folders "
                                             "or JSONL files (default: corpus documents without gold)"),
    export: Tuple[str, Path] = typer.Option(..., "--export", metavar="FORMAT FILE",
                                            help="labelstudio FILE.json (as predictions) or doccano FILE.jsonl"),
    root: Optional[Path] = RootOption,
) -> None:
    """Write a model's predictions as pre-annotations to correct in Label Studio or doccano.

    After correction, bring them back as a pass: casus import labelstudio FILE.json --annotator NAME
    (or casus import doccano FILE.jsonl --annotator NAME).
    """
    fmt, out = export
    with handled():
        repo = open_repo(root)
        specs = [x.strip() for v in docs or [] for x in (v.split(",") if not Path(v).exists() else [v]) if x.strip()]
        if not specs:
            gold = set(repo.gold_ids())
            specs = [d for d in repo.doc_ids() if d not in gold]
            if not specs:
                raise StoreError("every corpus document has gold; name documents with --docs")
        asets = pre.preannotate(run, specs, fmt, out, repo=repo)
    n = sum(len(a.spans) for a in asets)
    console.print(f"{len(asets)} document(s), {n} predicted span(s) written to {out} ({fmt}, model_version "
                  f"{pre.run_name(run)})", markup=False)
    console.print(f"after correcting them: casus import {fmt} {out} --annotator NAME", markup=False)
