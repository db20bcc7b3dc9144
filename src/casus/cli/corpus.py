"""Corpus commands: validate, stats, add, show."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import List, Optional

import typer
from rich.table import Table

from ..formats import inline
from ..stats import corpus_stats
from ..store import GOLD
from ..validate import validate_repo
from ._app import OutputFormat, RootOption, app, console, handled, open_repo, print_problems


@app.command()
def validate(
    paths: List[Path] = typer.Argument(None, help="files or folders to check (default: the whole repository)"),
    fmt: OutputFormat = typer.Option(OutputFormat.text, "--format", help="text or json"),
    root: Optional[Path] = RootOption,
) -> None:
    """Check every annotation file against the corpus and the schema; list every problem."""
    fmt = fmt.value
    with handled(fmt):
        repo = open_repo(root)
        problems, checked = validate_repo(repo, list(paths) if paths else None)
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity != "error"]
    if fmt == "json":
        typer.echo(json.dumps({"ok": not errors, "files_checked": checked, "errors": len(errors),
                               "warnings": len(warnings), "problems": [p.to_dict() for p in problems]}, indent=2))
    else:
        print_problems(problems)
        by_code = Counter(p.code for p in errors)
        summary = ", ".join(f"{c} {k}" for k, c in sorted(by_code.items()))
        style = "bold red" if errors else "bold green"
        console.print(f"{checked} file(s) checked: {len(errors)} error(s), {len(warnings)} warning(s)"
                      + (f" ({summary})" if summary else ""), style=style)
    raise typer.Exit(1 if errors else 0)


@app.command()
def stats(
    fmt: OutputFormat = typer.Option(OutputFormat.text, "--format", help="text or json"),
    root: Optional[Path] = RootOption,
) -> None:
    """Documents, spans per label, events per type, casualty totals, double annotation, tokens."""
    fmt = fmt.value
    with handled(fmt):
        repo = open_repo(root)
        st = corpus_stats(repo)
    if fmt == "json":
        typer.echo(json.dumps(st, indent=2, sort_keys=True))
        return
    t = Table(title="casus corpus")
    t.add_column("measure")
    t.add_column("value", justify="right")
    for k in ("documents", "gold_documents", "tokens", "words_per_doc_min", "words_per_doc_max", "spans",
              "events", "double_annotated_documents", "regions", "countries", "styles", "writers", "hard_negatives",
              "hard_negative_share"):
        v = st[k]
        t.add_row(k.replace("_", " "), f"{v:.1%}" if isinstance(v, float) else str(v))
    console.print(t)
    for title, key in (("spans per label", "spans_per_label"), ("events per type", "events_per_type"),
                       ("casualty totals (sum of counts, every toll mention)", "casualty_totals"),
                       ("documents per region", "documents_per_region"),
                       ("documents per style", "documents_per_style"), ("documents per writer", "documents_per_writer"),
                       ("hard negatives per style", "hard_negatives_per_style"), ("passes", "passes")):
        tt = Table(title=title)
        tt.add_column("key")
        tt.add_column("value", justify="right")
        for k, v in sorted(st[key].items()):
            tt.add_row(str(k), str(v))
        console.print(tt)


@app.command()
def add(
    files: List[Path] = typer.Argument(..., help="inline-markup files (*.casus.txt) to add"),
    annotator: Optional[str] = typer.Option(None, "--annotator", help="write into annotations/passes/NAME/ instead of gold"),
    replace: bool = typer.Option(False, "--replace", help="allow replacing an existing, different annotation"),
    dry_run: bool = typer.Option(False, "--dry-run", help="validate only; write nothing"),
    root: Optional[Path] = RootOption,
) -> None:
    """Validate contributed files and write them into corpus/ and annotations/ (all or nothing)."""
    from ..contribute import apply_add, plan_add

    with handled():
        repo = open_repo(root)
        parsed = plan_add(repo, files, annotator=annotator, replace=replace)
        if dry_run:
            console.print(f"{len(parsed)} file(s) valid; nothing written (--dry-run).", style="green")
            return
        done = apply_add(repo, parsed, annotator=annotator)
    for aset, path in done:
        console.print(f"added {aset.doc_id}: {len(aset.spans)} spans, {len(aset.events)} events -> {path.relative_to(repo.root)}")


@app.command()
def show(
    doc_id: str = typer.Argument(..., help="document id"),
    annotator: str = typer.Option(GOLD, "--annotator", help="which annotation to show"),
    root: Optional[Path] = RootOption,
) -> None:
    """Print a document back in inline markup."""
    with handled():
        repo = open_repo(root)
        aset = repo.annotation(doc_id, annotator)
        typer.echo(inline.dump(aset, repo.schema), nl=False)
