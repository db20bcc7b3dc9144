"""Corpus commands: validate, stats, add, show."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import List, Optional

import typer
from rich.table import Table

from ..errors import ConflictError, InlineSyntaxError, Problem, StoreError, ValidationFailed
from ..formats import inline
from ..model import ID_RE
from ..stats import corpus_stats
from ..store import GOLD, WriteBatch
from ..validate import validate_repo
from ._app import OutputFormat, RootOption, app, console, err_console, handled, open_repo, print_problems


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
    with handled():
        repo = open_repo(root)
        if annotator is not None and (annotator == GOLD or not ID_RE.match(annotator)):
            raise StoreError(f"--annotator {annotator!r}: use letters, digits, _ . - (not 'gold'); it names a folder")
        parsed = []
        problems: list[Problem] = []
        for f in files:
            try:
                raw = f.read_bytes().decode("utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                problems.append(Problem(file=str(f), code="unreadable", message=str(exc), hint="pass a UTF-8 text file"))
                continue
            try:
                p = inline.parse(raw, repo.schema, str(f))
            except InlineSyntaxError as exc:
                problems += exc.problems
                continue
            try:
                repo.check_clash(p.document)
            except ConflictError as exc:
                problems.append(Problem(file=str(f), code="id-clash", message=str(exc),
                                        hint="choose another id in the header"))
                continue
            who = annotator or GOLD
            target = repo.annotation_path(p.document.id, who)
            if target.is_file() and not replace:
                existing = repo.annotation(p.document.id, who, check=False)
                if (existing.spans, existing.events) != (p.annotation.spans, p.annotation.events):
                    problems.append(Problem(file=str(f), code="would-overwrite",
                                            message=f"{target} already holds a different annotation",
                                            hint="pass --replace to overwrite it on purpose"))
                    continue
            parsed.append(p)
        seen = Counter(p.document.id for p in parsed)
        for doc_id, n in seen.items():
            if n > 1:
                problems.append(Problem(file=",".join(str(f) for f in files), code="duplicate-id",
                                        message=f"{n} files share document id {doc_id}", hint="give each file its own id"))
        if [p for p in problems if p.severity == "error"]:
            raise ValidationFailed(problems)
        if dry_run:
            console.print(f"{len(parsed)} file(s) valid; nothing written (--dry-run).", style="green")
            return
        batch = WriteBatch()
        done = []
        for p in parsed:
            aset = p.annotation.with_(annotator=annotator or GOLD)
            if annotator is None or not repo.has_document(p.document.id):
                repo.stage_document(p.document, batch)  # a pass never rewrites an existing document's metadata
            done.append((aset, repo.stage_annotation(aset, batch, annotator or GOLD)))
        try:
            batch.commit()
        except OSError as exc:
            raise StoreError(f"writing failed ({exc}); nothing was written") from exc
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
