"""Contributing annotations (``casus add``): inline-markup files checked as a whole, then written all or nothing.

:func:`plan_add` parses and validates every file, refuses a different text under an existing id, an annotation
that would replace a different one (without ``replace``) and two files with one id, and raises
:class:`~casus.errors.ValidationFailed` listing every problem; :func:`apply_add` writes the plan in one batch.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any, Sequence

from .atomic import WriteBatch
from .errors import ConflictError, InlineSyntaxError, Problem, StoreError, ValidationFailed
from .formats import inline
from .model import ID_RE, AnnotationSet
from .store import GOLD, Repo


def plan_add(repo: Repo, files: Sequence[Path], annotator: str | None = None, replace: bool = False) -> list[Any]:
    """The parsed files (``inline.ParsedInline``) that may be written; every problem raised at once."""
    if annotator is not None and (annotator == GOLD or not ID_RE.match(annotator)):
        raise StoreError(f"--annotator {annotator!r}: use letters, digits, _ . - (not 'gold'); it names a folder")
    parsed = []
    problems: list[Problem] = []
    for f in files:
        try:
            raw = Path(f).read_bytes().decode("utf-8")
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
    return parsed


def apply_add(repo: Repo, parsed: Sequence[Any], annotator: str | None = None) -> list[tuple[AnnotationSet, Path]]:
    """Write a plan in one batch: new documents (a pass never rewrites an existing document's metadata) and
    the annotations. Returns (annotation, path) per file."""
    batch = WriteBatch()
    done = []
    for p in parsed:
        aset = p.annotation.with_(annotator=annotator or GOLD)
        if annotator is None or not repo.has_document(p.document.id):
            repo.stage_document(p.document, batch)
        done.append((aset, repo.stage_annotation(aset, batch, annotator or GOLD)))
    try:
        batch.commit()
    except OSError as exc:
        raise StoreError(f"writing failed ({exc}); nothing was written") from exc
    return done
