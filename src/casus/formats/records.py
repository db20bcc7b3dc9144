"""casus records: JSON Lines (or a JSON list) of ``{"doc_id", "text", "spans": [...], "events": [...]}``,
what ``casus predict`` and run folders (``predictions/<split>.jsonl``) write.

Offsets are casus code points, end exclusive, into ``text``. A span needs ``start``, ``end``, ``label``;
``id`` (else ``p1``, ``p2``, ... in file order) and ``attrs`` are optional, and so are ``events`` (casus
event objects) and ``annotator`` (default ``pred``). A record with neither ``doc_id`` nor ``id`` (or one
that is not a valid casus id) gets ``<file stem>-<line>``. Lost: document metadata and provenance.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable

from ..atomic import atomic_write
from ..errors import FormatError, ModelError
from ..model import ID_RE, AnnotationSet, Document, Span, event_from_dict
from ..schema import Schema
from . import jsonio
from .base import ID_GENERATED, ID_SOURCE, Format, Peek

__all__ = ["read", "write", "record_to_set"]


def record_to_set(rec: Any, where: str, default_id: str) -> AnnotationSet:
    """One record as an AnnotationSet; ``where`` names the file and line for errors."""
    if not isinstance(rec, dict) or not isinstance(rec.get("text"), str):
        raise FormatError(f"{where}: each record needs a \"text\" string")
    spans_raw = rec.get("spans") or []
    if not isinstance(spans_raw, list):
        raise FormatError(f"{where}: \"spans\" must be a list")
    raw_id = rec.get("doc_id", rec.get("id"))
    named = raw_id is not None and bool(ID_RE.match(str(raw_id)))
    doc_id = str(raw_id) if named else default_id
    try:
        spans = []
        used = {s.get("id") for s in spans_raw if isinstance(s, dict)}
        for i, s in enumerate(spans_raw):
            if not isinstance(s, dict):
                raise FormatError(f"{where}: spans[{i}] must be an object with start, end, label")
            sid = s.get("id")
            if not isinstance(sid, str) or not sid:
                sid = f"p{i + 1}"
                while sid in used:
                    sid = "_" + sid
            spans.append(Span(id=sid, start=s["start"], end=s["end"], label=s["label"], attrs=s.get("attrs") or {}))
        events = tuple(event_from_dict(e) for e in rec.get("events") or [])
        return AnnotationSet(document=Document(id=doc_id, text=rec["text"]), spans=tuple(spans), events=events,
                             annotator=str(rec.get("annotator") or "pred"),
                             id_source=ID_SOURCE if named else ID_GENERATED)
    except KeyError as exc:
        raise FormatError(f"{where}: missing key {exc}") from exc
    except (TypeError, ModelError) as exc:
        raise FormatError(f"{where}: {exc}") from exc


def read(path: str | Path, schema: Schema | None = None) -> list[AnnotationSet]:
    """Read casus records (the schema is not needed; accepted for the Format interface)."""
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise FormatError(f"{path}: cannot read: {exc}") from exc
    stem = path.name.split(".")[0]
    out = []
    for rec in jsonio.records(raw, str(path)):
        if rec.line is None:
            out.append(record_to_set(rec.value, f"{path} record {rec.index}", f"{stem}-{rec.index + 1}"))
        else:
            out.append(record_to_set(rec.value, f"{path}:{rec.line}", f"{stem}-{rec.line}"))
    return out


def record(aset: AnnotationSet) -> dict[str, Any]:
    """The record of one AnnotationSet (its annotation JSON plus the text)."""
    d = aset.to_dict()
    d["text"] = aset.text
    return d


def write(asets: Iterable[AnnotationSet], out: str | Path, schema: Schema | None = None) -> None:
    lines = [json.dumps(record(a), ensure_ascii=False) for a in asets]
    atomic_write(Path(out), "".join(line + "\n" for line in lines))


def _sniff(peek: Peek) -> bool:
    return isinstance(peek.first, dict) and "spans" in peek.first and "text" in peek.first


FORMAT = Format(
    name="casus", summary="casus records JSONL (casus predict, run folders' predictions/)", container="file",
    suffixes=(".jsonl",), offsets="code points, end exclusive", lossy="document metadata and provenance",
    read=read, write=write, sniff=_sniff)
