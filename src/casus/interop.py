"""Annotation-tool interop: import, export and model-assisted pre-annotation.

Formats (converters in :mod:`casus.formats`): ``doccano`` (JSONL), ``labelstudio`` (JSON task list),
``brat`` (a folder of ``.txt`` + ``.ann``), ``conll`` (BIO, lossy) and ``inline`` (``*.casus.txt``).

**Import** (:func:`plan_import` + :func:`apply_import`, or :func:`import_file`) is all or nothing: every
document of the source is read, converted to LF (``newline="lf"``, the default; offsets move with the
text), given an id, checked against the corpus (a different text under an existing id is refused) and
validated against the schema; only when *every* document passes is anything written.

Document ids: the id the source carries (doccano ``doc_id`` / ``meta.doc_id`` / ``id``; Label Studio
``data.doc_id`` / task ``id``; the brat file name; the CoNLL ``-DOCSTART-`` id; the inline header ``id``).
A document with none gets the id of the corpus document with the same text if there is one, else the
stable ``doc-`` + the first 12 hex digits of the sha256 of its (LF) text.

Metadata of a *new* corpus document: what the source carries (casus exports carry the full metadata),
completed with defaults for the required keys it lacks: ``title``/``region``/``licence`` ``"unknown"``,
``source`` the source file name, ``kind`` ``"imported"``, and ``date`` the import date (the validator
needs a real YYYY-MM-DD date) — ``notes`` then says which values are defaults, and that the line endings
were converted from CRLF to LF when they were. A document already in the corpus with the same text keeps
its corpus files untouched; only the annotation is written.

**Export** (:func:`export`) writes gold (or one annotator's pass), all documents or a selection
(``--split`` from ``annotations/splits.json``, ``--docs``).

Pre-annotation (a run's spans for review in a tool) is :mod:`casus.preannotate`.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from dataclasses import dataclass, field
from dataclasses import replace as dc_replace
from pathlib import Path
from typing import Any, Iterable, Sequence

from .errors import CasusError, ConflictError, FormatError, Problem, StoreError, ValidationFailed
from .formats.base import ID_GENERATED
from .model import ID_RE, AnnotationSet, Document, Span, text_sha256
from .store import GOLD, Repo, atomic_write, dumps_annotation
from .checks import META_REQUIRED, check_annotation, check_metadata

DEFAULT_META = {"title": "unknown", "region": "unknown", "licence": "unknown", "kind": "imported"}
INLINE_SUFFIX = ".casus.txt"


def formats() -> tuple[str, ...]:
    """The formats ``casus import`` reads: every registered format (casus.formats.registry)."""
    from .formats import registry

    return registry.names()


def export_formats() -> tuple[str, ...]:
    from .formats import registry

    return registry.names(writable=True) + ("labelstudio-config",)

__all__ = ["formats", "export_formats", "read_format", "write_format", "hash_id", "ImportItem", "ImportPlan",
           "plan_import", "apply_import", "import_file", "select", "export", "placeholder_attrs"]


def today() -> str:
    return _dt.date.today().isoformat()


def hash_id(text: str) -> str:
    """The stable id of a document that has none in its source: ``doc-`` + 12 hex digits of sha256."""
    return "doc-" + text_sha256(text)[:12]


def safe_name(name: str) -> str:
    """An annotator name usable as a folder under annotations/passes/."""
    s = re.sub(r"[^A-Za-z0-9_.\-]", "_", name).strip(".") or "annotator"
    return s if ID_RE.match(s) else "a" + s


_UNEXPECTED = (ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError, UnicodeError)


# -- reading and writing any format ----------------------------------------------------------------


def read_format(fmt: str, src: Path | str, schema: Any, *, source: str = "annotations", pick: str = "latest",
                offsets: str = "utf16") -> list[AnnotationSet]:
    """Read ``src`` in the registered format ``fmt`` (:mod:`casus.formats.registry`) with line endings as they
    are. Malformed input raises FormatError (or ValidationFailed for inline markup) naming the file and the
    place; never another exception."""
    from .formats import registry

    f = registry.get(fmt)
    src = Path(src)
    try:
        return f.read_with(src, schema, source=source, pick=pick, offsets=offsets)
    except CasusError:
        raise
    except _UNEXPECTED as exc:  # a converter tripped over input it did not foresee: still no traceback
        raise FormatError(f"{src}: cannot read as {fmt}: {type(exc).__name__}: {exc}") from exc


def write_format(fmt: str, asets: Sequence[AnnotationSet], out: Path | str, schema: Any, *,
                 offsets: str = "utf16", target: str = "annotations") -> None:
    """Write ``asets`` in ``fmt``: a file or a folder, as the format's ``container`` says."""
    from .formats import registry

    registry.get(fmt, writable=True).write_with(asets, Path(out), schema, offsets=offsets, target=target)


# -- import ----------------------------------------------------------------------------------------


@dataclass
class ImportItem:
    aset: AnnotationSet          # final: LF text (unless newline="keep"), final id, target annotator
    target: str                  # "gold" or a pass name
    id_from_source: bool
    crlf_converted: bool
    new_document: bool           # False: the corpus already holds this exact text under this id
    unchanged: bool = False      # the target annotation file already holds exactly this annotation


@dataclass
class ImportPlan:
    fmt: str
    src: Path
    items: list[ImportItem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    tasks_without_annotation: int = 0


def _meta_for(aset: AnnotationSet, src: Path, fmt: str, date: str, crlf: bool) -> dict[str, Any]:
    meta = {k: v for k, v in aset.document.metadata.items() if k != "sha256"}
    defaulted: list[str] = []
    for k in META_REQUIRED:
        if k == "sha256" or meta.get(k) not in (None, ""):
            continue
        if k == "source":
            meta[k] = src.name
        elif k == "date":
            meta[k] = date
        else:
            meta[k] = DEFAULT_META[k]
        defaulted.append(k)
    meta.setdefault("kind", DEFAULT_META["kind"])
    notes = []
    if defaulted:
        notes.append(f"imported from {src.name} ({fmt}) on {date}; defaults for {', '.join(defaulted)}"
                     + (" (date = the import date, not the article's)" if "date" in defaulted else ""))
    if crlf:
        notes.append("line endings converted CRLF -> LF on import (offsets moved with the text)")
    if notes:
        old = meta.get("notes")
        meta["notes"] = "; ".join(([str(old)] if old else []) + notes)
    return meta


def plan_import(repo: Repo, fmt: str, src: Path | str, *, annotator: str | None = GOLD, newline: str = "lf",
                replace: bool = False, date: str | None = None, source: str = "annotations",
                pick: str = "latest", offsets: str = "utf16", placeholders: bool = False) -> ImportPlan:
    """Read and check everything; write nothing. ``annotator``: ``"gold"``, a pass name, or None to use the
    annotator each annotation records (Label Studio ``completed_by`` etc.; ``gold`` stays gold).
    ``placeholders``: fill required attributes the source lacks (CoNLL and plain doccano / Label Studio
    data carry none) with the schema value ``unknown``; ``provenance.import.placeholder_attrs`` lists them.

    Raises ValidationFailed with every problem found (id clashes, schema violations, ...)."""
    from .formats.offsets import OffsetError, annotation_to_lf

    from .formats import registry

    registry.get(fmt)
    if newline not in ("lf", "keep"):
        raise CasusError(f"--newline must be lf or keep, not {newline!r}")
    if annotator is not None and annotator != GOLD and not ID_RE.match(annotator):
        raise CasusError(f"annotator name {annotator!r} must be letters, digits, _ . - (it names a folder)")
    src = Path(src)
    date = date or today()
    schema = repo.schema
    asets = read_format(fmt, src, schema, source=source, pick=pick, offsets=offsets)
    plan = ImportPlan(fmt=fmt, src=src)
    if fmt == "labelstudio":
        try:
            data = json.loads(src.read_text(encoding="utf-8-sig"))
            n_tasks = 1 if isinstance(data, dict) else len(data)
            plan.tasks_without_annotation = max(0, n_tasks - len({a.doc_id for a in asets}))
        except (OSError, ValueError, TypeError):
            pass
    corpus_by_sha: dict[str, str] | None = None
    problems: list[Problem] = []
    seen: dict[tuple[str, str], ImportItem] = {}

    for aset in asets:
        where = f"{src} [{aset.doc_id}]"
        crlf = "\r\n" in aset.text
        if newline == "lf":
            try:
                aset = annotation_to_lf(aset)
            except OffsetError as exc:
                problems.append(Problem(file=where, code="crlf-offset", message=str(exc),
                                        hint="a span boundary falls inside a CRLF pair; fix it in the tool"))
                continue
        else:
            crlf = False
        from_source = aset.id_source != ID_GENERATED  # the converter says where the id came from
        doc_id = aset.doc_id
        if not from_source:
            if corpus_by_sha is None:
                corpus_by_sha = {}
                for d in repo.doc_ids():
                    try:
                        corpus_by_sha.setdefault(text_sha256(repo.text_path(d).read_bytes().decode("utf-8")), d)
                    except (OSError, UnicodeDecodeError):
                        continue
            doc_id = corpus_by_sha.get(aset.document.sha256) or hash_id(aset.text)
            where = f"{src} [{doc_id}]"
        target = annotator if annotator is not None else (GOLD if aset.annotator == GOLD else safe_name(aset.annotator))
        meta = _meta_for(aset, src, fmt, date, crlf)
        doc = Document(id=doc_id, text=aset.text, metadata=meta)
        aset = aset.with_(document=doc, annotator=target)
        prov = dict(aset.provenance)
        prov["import"] = {"format": fmt, "file": src.name, "date": date}
        if placeholders:
            filled: dict[str, list[str]] = {}
            spans = []
            for s in aset.spans:
                missing = {k: v for k, v in placeholder_attrs(s.label, schema).items() if k not in s.attrs}
                if missing:
                    filled[s.id] = sorted(missing)
                    s = Span(id=s.id, start=s.start, end=s.end, label=s.label, attrs={**s.attrs, **missing})
                spans.append(s)
            if filled:
                prov["import"]["placeholder_attrs"] = filled
                aset = aset.with_(spans=tuple(spans))
        aset = aset.with_(provenance=prov)

        # same document twice in one source
        key = (doc_id, target)
        if key in seen:
            prev = seen[key].aset
            if prev.text == aset.text and (prev.spans, prev.events) == (aset.spans, aset.events):
                continue
            problems.append(Problem(file=where, code="duplicate-id",
                                    message=f"document {doc_id!r} ({target}) occurs twice in the source with "
                                    "different text or annotations", hint="give each document its own id"))
            continue
        other = next((it for (d, _), it in seen.items() if d == doc_id and it.aset.text != aset.text), None)
        if other is not None:
            problems.append(Problem(file=where, code="id-clash",
                                    message=f"two documents with different texts share id {doc_id!r} in the source",
                                    hint="give each document its own id"))
            continue
        # the corpus
        new_doc = True
        if repo.has_document(doc_id):
            try:
                repo.check_clash(doc)
            except ConflictError:
                problems.append(Problem(file=where, code="id-clash",
                                        message=f"document id {doc_id!r} already exists in the corpus with a different "
                                        "text; nothing was written",
                                        hint="change the id in the source (or fix the text) and import again"))
                continue
            new_doc = False
        else:
            problems += check_metadata({**meta, "sha256": doc.sha256}, doc.text, f"{where} metadata")
        # the annotation
        data = json.loads(dumps_annotation(aset))
        problems += check_annotation(data, aset.text, schema, where, expected_doc_id=doc_id)
        item = ImportItem(aset=aset, target=target, id_from_source=from_source, crlf_converted=crlf,
                          new_document=new_doc)
        path = repo.annotation_path(doc_id, target)
        if path.is_file():
            try:
                existing = repo.annotation(doc_id, target, check=False)
                same = (existing.spans, existing.events) == (aset.spans, aset.events)
            except CasusError:
                same = False
            if same:
                item.unchanged = True
            elif not replace:
                problems.append(Problem(file=where, code="would-overwrite",
                                        message=f"{path.relative_to(repo.root)} already holds a different annotation",
                                        hint="pass --replace to overwrite it on purpose"))
                continue
        seen[key] = item
        plan.items.append(item)

    if [p for p in problems if p.severity == "error"]:
        hint = " (or import with --placeholders to fill required attributes the source cannot carry with 'unknown')"
        problems = [dc_replace(p, hint=p.hint + hint) if p.code == "missing-attribute" and not placeholders else p
                    for p in problems]
        raise ValidationFailed(problems)
    plan.warnings = [p for p in problems if p.severity != "error"]
    return plan


def apply_import(repo: Repo, plan: ImportPlan) -> list[Path]:
    """Write a checked plan, all or nothing across every file of every document: corpus text + metadata of
    new documents and the annotation files go into one :class:`~casus.atomic.WriteBatch`, committed once (a
    failure part-way restores what was there and removes what was new)."""
    from .atomic import WriteBatch

    batch = WriteBatch()
    written: list[Path] = []
    for it in plan.items:
        if it.new_document:
            repo.stage_document(it.aset.document, batch)
            written.append(repo.text_path(it.aset.doc_id))
    for it in plan.items:
        if not it.unchanged:
            written.append(repo.stage_annotation(it.aset, batch, it.target))
    batch.commit()
    return written


def import_file(repo: Repo, fmt: str, src: Path | str, *, dry_run: bool = False, **kw: Any) -> ImportPlan:
    plan = plan_import(repo, fmt, src, **kw)
    if not dry_run:
        apply_import(repo, plan)
    return plan


# -- export ----------------------------------------------------------------------------------------


def _split_ids(values: Iterable[str] | None) -> list[str]:
    out: list[str] = []
    for v in values or []:
        out += [x.strip() for x in str(v).split(",") if x.strip()]
    return out


def select(repo: Repo, *, split: str | None = None, docs: Iterable[str] | None = None,
           annotator: str = GOLD) -> list[AnnotationSet]:
    """The annotations to export: every document of ``annotator`` (gold by default), or those of one split
    of annotations/splits.json, or the ``docs`` listed (comma-separated allowed); each must validate."""
    annotator = annotator or GOLD
    available = repo.gold_ids() if annotator == GOLD else repo.pass_ids(annotator)
    ids = _split_ids(docs)
    if split is not None:
        from .splits import SPLITS, Manifest

        if split not in SPLITS:
            raise CasusError(f"unknown split {split!r}; use {', '.join(SPLITS)}")
        if not repo.splits_path.is_file():
            raise StoreError(f"{repo.splits_path}: no split manifest (casus build creates it)")
        in_split = Manifest.load(repo.splits_path).splits.get(split, [])
        ids = [d for d in ids if d in set(in_split)] if ids else list(in_split)
    elif not ids:
        ids = list(available)
    missing = [d for d in ids if d not in set(available)]
    if missing:
        who = "gold" if annotator == GOLD else f"annotator {annotator!r}"
        raise StoreError(f"no {who} annotation for: {', '.join(missing)}")
    if not ids:
        raise StoreError("nothing to export (no annotations selected)")
    problems: list[Problem] = []
    out: list[AnnotationSet] = []
    for d in ids:
        try:
            out.append(repo.annotation(d, annotator))
        except ValidationFailed as exc:
            problems += exc.problems
    if problems:
        raise ValidationFailed(problems)
    return out


def export(repo: Repo, fmt: str, out: Path | str, *, split: str | None = None, docs: Iterable[str] | None = None,
           annotator: str = GOLD, force: bool = False, offsets: str = "utf16") -> int:
    """Write the selected annotations in ``fmt`` to ``out``; returns the number of documents.
    ``labelstudio-config`` writes the Label Studio labeling config XML for the schema instead."""
    from .formats import labelstudio, registry

    if fmt not in export_formats():
        raise CasusError(f"unknown format {fmt!r}; use one of: {', '.join(export_formats())}")
    out = Path(out)
    if fmt == "labelstudio-config":
        atomic_write(out, labelstudio.labeling_config(repo.schema))
        return 0
    asets = select(repo, split=split, docs=docs, annotator=annotator)
    if registry.get(fmt).container == "folder":
        if out.exists() and not out.is_dir():
            raise StoreError(f"{out} is a file; {fmt} export writes a folder")
        if out.is_dir() and any(out.iterdir()) and not force:
            raise StoreError(f"{out} is not empty; old files there would be imported with the new ones — "
                             "choose an empty folder or pass --force")
    elif out.is_dir():
        raise StoreError(f"{out} is a folder; {fmt} export writes one file")
    write_format(fmt, asets, out, repo.schema, offsets=offsets)
    return len(asets)


# -- placeholders ----------------------------------------------------------------------------------


def placeholder_attrs(label: str, schema: Any) -> dict[str, Any]:
    """Required attributes the model does not predict, filled with the schema's ``unknown`` value (so the
    pre-annotation validates; the annotator corrects them in the tool)."""
    ldef = schema.labels.get(label)
    out: dict[str, Any] = {}
    for name, adef in (ldef.attributes.items() if ldef else []):
        if adef.required and adef.values and "unknown" in adef.values:
            out[name] = "unknown"
    return out


