"""Validation of a repository: every corpus document, gold and pass annotation and inline file, walked in
sorted order and checked with :mod:`casus.checks` (the pure checks, re-exported here).

Validation counts and shows problems. It never repairs, drops or truncates anything: every problem
is reported with the file, the line (where known), the span/event id, what is wrong and how to fix it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .checks import (ANNOTATION_KEYS, ARG_KEYS, DATE_RE, DOC_KINDS, EVENT_KEYS, HARD_NEGATIVE_VALUES,  # noqa: F401
                     META_KNOWN, META_REQUIRED, SPAN_KEYS, Locator, check_annotation, check_hard_negative,
                     check_metadata, json_locator, parse_json, read_text_file)
from .errors import Problem


def validate_annotation_file(path: Path, repo: Any) -> list[Problem]:
    """Validate one annotation JSON file of a repository (gold or a pass) against its corpus text."""
    raw, problems = read_text_file(path)
    if raw is None:
        return problems
    data, problems = parse_json(raw, str(path))
    if problems:
        return problems
    doc_id = path.stem
    text_path = repo.text_path(doc_id)
    if not text_path.is_file():
        return [Problem(file=str(path), code="no-document", line=1,
                        message=f"annotation for {doc_id!r} has no corpus document ({text_path} is missing)",
                        hint="add the article with `casus add`, or delete this annotation")]
    text, problems = read_text_file(text_path)
    if text is None:
        return problems
    problems = check_annotation(data, text, repo.schema, str(path), json_locator(raw), expected_doc_id=doc_id)
    meta_path = repo.meta_path(doc_id)
    if meta_path.is_file():
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            meta = None  # reported by the corpus document's own check
        problems += check_hard_negative(meta, data, str(path))
    return problems


def validate_corpus_document(text_path: Path) -> list[Problem]:
    text, problems = read_text_file(text_path)
    meta_path = text_path.with_name(text_path.name[: -len(".txt")] + ".meta.json")
    if not meta_path.is_file():
        return problems + [Problem(file=str(text_path), code="missing-metadata-file",
                                   message=f"no metadata file {meta_path.name}", hint="add it (casus add writes it)")]
    raw, more = read_text_file(meta_path)
    if raw is None:
        return problems + more
    meta, more = parse_json(raw, str(meta_path))
    if more:
        return problems + more
    return problems + check_metadata(meta, text, str(meta_path))


def validate_repo(repo: Any, paths: list[Path] | None = None) -> tuple[list[Problem], int]:
    """Validate a whole repository, or only ``paths`` (files or folders) inside it.

    Returns (problems, number of files checked).
    """
    from .errors import SchemaError

    try:
        repo.schema  # noqa: B018 - loads and validates the schema
    except SchemaError as exc:
        return [Problem(file=str(repo.annotations_dir / "schema.yaml"), code="bad-schema", message=str(exc),
                        hint="fix annotations/schema.yaml")], 1

    targets: list[Path] = []
    if paths:
        for p in paths:
            p = p.resolve()
            if p.is_dir():
                targets.extend(sorted(x for x in p.rglob("*") if x.is_file()))
            elif p.exists():
                targets.append(p)
            else:
                return [Problem(file=str(p), code="no-such-path", message="path does not exist", hint="check the path")], 0
    else:
        for folder in (repo.corpus_dir, repo.gold_dir):
            if folder.is_dir():
                targets.extend(sorted(folder.glob("*")))
        for ann in repo.annotators():
            targets.extend(sorted((repo.passes_dir / ann).glob("*")))

    problems: list[Problem] = []
    checked = 0
    gold_dir = repo.gold_dir.resolve()
    passes_dir = repo.passes_dir.resolve()
    corpus_dir = repo.corpus_dir.resolve()
    for t in targets:
        t = t.resolve()
        if t.name.startswith("."):
            continue
        parent = t.parent
        if parent == corpus_dir:
            if t.name.endswith(".meta.json"):
                if not t.with_name(t.name[: -len(".meta.json")] + ".txt").is_file():
                    problems.append(Problem(file=str(t), code="orphan-metadata", message="metadata without a text file",
                                            hint="add the text or delete the metadata"))
                continue
            if t.suffix == ".txt":
                checked += 1
                problems += validate_corpus_document(t)
                if not (gold_dir / f"{t.stem}.json").is_file():
                    problems.append(Problem(file=str(t), code="no-gold", severity="warning",
                                            message="corpus document without a gold annotation",
                                            hint="annotate it (casus add) or remove it"))
                continue
        elif parent == gold_dir or parent.parent == passes_dir:
            if t.suffix == ".json":
                checked += 1
                problems += validate_annotation_file(t, repo)
                continue
        elif t.name.endswith(".casus.txt"):
            from .formats import inline
            from .errors import InlineSyntaxError

            checked += 1
            raw_inline, more = read_text_file(t)
            if raw_inline is None:
                problems += more
                continue
            try:
                inline.parse(raw_inline, repo.schema, str(t))
            except InlineSyntaxError as exc:
                problems += exc.problems
            continue
        elif t.suffix == ".json" and t.name != "splits.json":
            checked += 1
            problems += validate_annotation_file(t, repo)
            continue
        if paths:
            problems.append(Problem(file=str(t), code="unknown-file", severity="warning",
                                    message="not a corpus, annotation or inline file; skipped",
                                    hint="point validate at corpus/, annotations/ or *.casus.txt files"))
    return problems, checked
