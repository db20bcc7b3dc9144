"""doccano JSONL (sequence labelling and relation projects) <-> casus.

Offsets: doccano counts character offsets in **UTF-16 code units** (its front end is JavaScript), end
exclusive, into the record's ``text`` exactly as stored. An emoji or other astral character counts 2.
:func:`read` converts them to casus code points and :func:`write` converts back
(:class:`casus.formats.offsets.Utf16Index`). ``offsets="codepoint"`` reads/writes files from tools that
already count code points. An offset inside a surrogate pair is a FormatError.

Line endings: the text is kept as it is, and offsets refer to it (CRLF included). Each written record
says ``"line_endings": "lf" | "crlf" | "mixed"``. ``read(..., newline="lf")`` turns CRLF into LF and moves
the offsets with it (the casus corpus is LF-only); ``write(..., newline="crlf")`` does the reverse.

Read, one JSON object per line (a JSON array of such objects is accepted too), either form::

    {"text": "...", "label": [[start, end, "LABEL"], ...]}
    {"text": "...", "entities": [{"id": 1, "start_offset": 0, "end_offset": 5, "label": "ACTOR"}, ...],
                    "relations": [{"id": 1, "from_id": 2, "to_id": 1, "type": "attacker"}, ...]}

Written: the ``entities`` form. The encoding (lossless for a valid annotation set):

* Document id: top-level ``"doc_id"`` (read also from ``meta.doc_id``, then from ``"id"``; a record with
  none gets ``<file stem>-<line>``).
* Entity labels are the casus labels. A trigger span is an entity labelled with its event's class,
  ``TYPE:subtype`` (``TYPE`` when the event has no subtype), e.g. ``ATTACK:airstrike``; a ``TRIGGER``
  span that anchors no event is labelled ``TRIGGER``. Entity ids are 1, 2, ... in text order.
* Each event argument is one relation ``{"from_id": <trigger entity>, "to_id": <argument entity>,
  "type": <role>}``, in argument order.
* The record's ``"casus"`` object keeps what doccano has no place for: ``annotator``, ``provenance``,
  document ``metadata``, ``spans`` (``[{"start_offset", "end_offset", "label", "id", "attrs"}]``, offsets
  in the file's convention: the casus span id and attributes of each entity) and ``events``
  (``[{"id", "trigger", "attrs"}]``: event id, trigger span id and event attributes, in event order).
  On import, entities are matched to ``casus.spans`` by offsets and label (then by offsets alone, so a
  label changed in doccano keeps its id). Entities with no match get fresh ids ``_1``, ``_2``, ...; a
  new trigger's event takes the trigger's id. doccano renumbers entity ids on import, so nothing is
  keyed by them.

A written record is read back to an equal AnnotationSet (spans, attributes, events and their order,
annotator, provenance, metadata). Not writable (ModelError): an event whose trigger is not a
``TRIGGER`` span, or a trigger span anchoring several events. Read from plain doccano data: no
attributes (doccano has none), ids generated. A relation between a trigger entity and another entity is
an argument of the trigger's event whichever way it was drawn; one between two non-trigger entities is a
FormatError (casus has only event-argument relations).
"""

from __future__ import annotations

import json
from typing import Any, Iterable

from ..errors import FormatError, ModelError
from ..model import ID_RE, AnnotationSet, Argument, Document, Event, Span
from ..schema import Schema
from . import jsonio
from .base import ID_GENERATED, ID_SOURCE, Format, Peek, generated_id
from .triggers import events_by_trigger
from .offsets import (OffsetConverter, OffsetError, PathOrFile, convert_newlines, format_error, fresh_id, is_int,
                      line_endings, read_source, write_target)

__all__ = ["read", "write", "loads", "dumps"]





# -- write -----------------------------------------------------------------------------------------


def record(aset: AnnotationSet, schema: Schema, *, offsets: str = "utf16", newline: str = "keep") -> dict[str, Any]:
    """One doccano record (a JSON-ready dict) for ``aset``."""
    aset = convert_newlines(aset, newline)
    text = aset.document.text
    conv = OffsetConverter(text, offsets)
    by_trigger = events_by_trigger(aset, schema, "doccano")
    ent_id: dict[str, int] = {}
    entities: list[dict[str, Any]] = []
    cspans: list[dict[str, Any]] = []
    for i, s in enumerate(aset.spans, start=1):
        ent_id[s.id] = i
        if s.label == schema.trigger_label and s.id in by_trigger:
            label = by_trigger[s.id].trigger_class
        else:
            label = s.label
        start, end = conv.from_cp(s.start), conv.from_cp(s.end)
        entities.append({"id": i, "start_offset": start, "end_offset": end, "label": label})
        cspans.append({"start_offset": start, "end_offset": end, "label": label, "id": s.id, "attrs": dict(s.attrs)})
    relations: list[dict[str, Any]] = []
    for e in aset.events:
        for a in e.args:
            relations.append({"id": len(relations) + 1, "from_id": ent_id[e.trigger], "to_id": ent_id[a.span],
                              "type": a.role})
    casus: dict[str, Any] = {"annotator": aset.annotator}
    if aset.provenance:
        casus["provenance"] = dict(aset.provenance)
    if aset.document.metadata:
        casus["metadata"] = dict(aset.document.metadata)
    casus["spans"] = cspans
    casus["events"] = [{"id": e.id, "trigger": e.trigger, "attrs": dict(e.attrs)} for e in aset.events]
    return {"doc_id": aset.doc_id, "text": text, "entities": entities, "relations": relations,
            "line_endings": line_endings(text), "casus": casus}


def dumps(asets: Iterable[AnnotationSet], schema: Schema, *, offsets: str = "utf16", newline: str = "keep") -> str:
    """JSONL text: one record per AnnotationSet, in the order given."""
    lines = [json.dumps(record(a, schema, offsets=offsets, newline=newline), ensure_ascii=False) for a in asets]
    return "".join(line + "\n" for line in lines)


def write(asets: Iterable[AnnotationSet], path: PathOrFile, schema: Schema, *, offsets: str = "utf16",
          newline: str = "keep") -> None:
    """Write ``asets`` as doccano JSONL (``entities`` + ``relations`` form) to a path or open file.

    ``offsets``: ``"utf16"`` (doccano, default) or ``"codepoint"``. ``newline``: ``"keep"`` the text as
    it is, or write it with ``"crlf"`` / ``"lf"`` line breaks (offsets follow).
    """
    write_target(path, dumps(asets, schema, offsets=offsets, newline=newline))


# -- read ------------------------------------------------------------------------------------------


class _Ctx:
    def __init__(self, file: str, line: int | None, where: str | None):
        self.file, self.line, self.where = file, line, where

    def error(self, message: str) -> FormatError:
        return format_error(self.file, message, line=self.line, where=self.where)


def _int(ctx: _Ctx, v: Any, what: str) -> int:
    if not is_int(v):
        raise ctx.error(f"{what} must be an integer, got {v!r}")
    return v


def _doc_id(ctx: _Ctx, rec: dict[str, Any]) -> str | None:
    """The id the record names (``doc_id``, ``meta.doc_id``, ``id``), or None."""
    meta = rec.get("meta") if isinstance(rec.get("meta"), dict) else {}
    for v in (rec.get("doc_id"), meta.get("doc_id"), rec.get("id")):
        if v is None:
            continue
        if is_int(v):
            v = str(v)
        if not isinstance(v, str) or not ID_RE.match(v):
            raise ctx.error(f"document id {v!r} is not a valid casus id (letters, digits, _ . -)")
        return v
    return None


def _from_record(rec: Any, schema: Schema, ctx: _Ctx, default_id: str, offsets: str, newline: str,
                 annotator: str | None) -> AnnotationSet:
    if not isinstance(rec, dict):
        raise ctx.error(f"a record must be a JSON object, got {type(rec).__name__}")
    text = rec.get("text")
    if not isinstance(text, str):
        raise ctx.error("the record has no \"text\" string")
    named = _doc_id(ctx, rec)
    doc_id = named or default_id
    conv = OffsetConverter(text, offsets)
    casus = rec.get("casus") or {}
    if not isinstance(casus, dict):
        raise ctx.error("\"casus\" must be an object")

    # entities as (entity id, start, end, label), offsets still in the file's convention
    raw_ents: list[tuple[Any, int, int, str]] = []
    if "entities" in rec:
        ents = rec["entities"]
        if not isinstance(ents, list):
            raise ctx.error("\"entities\" must be a list")
        for i, ent in enumerate(ents):
            if not isinstance(ent, dict):
                raise ctx.error(f"entities[{i}] must be an object")
            for k in ("start_offset", "end_offset", "label"):
                if k not in ent:
                    raise ctx.error(f"entities[{i}] has no {k!r}")
            s = _int(ctx, ent["start_offset"], f"entities[{i}].start_offset")
            e = _int(ctx, ent["end_offset"], f"entities[{i}].end_offset")
            lab = ent["label"]
            if not isinstance(lab, str) or not lab:
                raise ctx.error(f"entities[{i}].label must be a non-empty string")
            eid = ent.get("id", f"#{i}")
            if not isinstance(eid, (int, str)) or isinstance(eid, bool):
                raise ctx.error(f"entities[{i}].id must be an integer or a string, got {eid!r}")
            raw_ents.append((eid, s, e, lab))
    elif "label" in rec:
        labs = rec["label"]
        if not isinstance(labs, list):
            raise ctx.error("\"label\" must be a list of [start, end, label]")
        for i, item in enumerate(labs):
            if not isinstance(item, list) or len(item) != 3 or not isinstance(item[2], str) or not item[2]:
                raise ctx.error(f"label[{i}] must be [start, end, \"LABEL\"], got {item!r}"
                                " (a text-classification record has no spans)")
            raw_ents.append((f"#{i}", _int(ctx, item[0], f"label[{i}] start"), _int(ctx, item[1], f"label[{i}] end"),
                             item[2]))
    seen_ent: set[Any] = set()
    for eid, *_ in raw_ents:
        if eid in seen_ent:
            raise ctx.error(f"entity id {eid!r} is used twice")
        seen_ent.add(eid)

    # casus span info, matched by (start, end, label) then by (start, end)
    cspans = casus.get("spans") or []
    if not isinstance(cspans, list):
        raise ctx.error("casus.spans must be a list")
    exact: dict[tuple[int, int, str], list[int]] = {}
    loose: dict[tuple[int, int], list[int]] = {}
    for j, cs in enumerate(cspans):
        if (not isinstance(cs, dict) or not is_int(cs.get("start_offset")) or not is_int(cs.get("end_offset"))
                or not isinstance(cs.get("id"), str) or not isinstance(cs.get("attrs", {}), dict)):
            raise ctx.error(f"casus.spans[{j}] must be {{start_offset, end_offset, label, id, attrs}}")
        exact.setdefault((cs["start_offset"], cs["end_offset"], cs.get("label")), []).append(j)
        loose.setdefault((cs["start_offset"], cs["end_offset"]), []).append(j)
    taken: set[int] = set()

    def claim(s: int, e: int, lab: str) -> dict[str, Any] | None:
        for cands in (exact.get((s, e, lab), []), loose.get((s, e), [])):
            for j in cands:
                if j not in taken:
                    taken.add(j)
                    return cspans[j]
        return None

    matched: list[dict[str, Any] | None] = [claim(s, e, lab) for _, s, e, lab in raw_ents]
    used_ids = {m["id"] for m in matched if m is not None}
    ceventss = casus.get("events") or []
    if not isinstance(ceventss, list) or not all(isinstance(x, dict) and isinstance(x.get("id"), str)
                                                 and isinstance(x.get("trigger"), str) for x in ceventss):
        raise ctx.error("casus.events must be a list of {id, trigger, attrs}")
    used_ids |= {x["id"] for x in ceventss}

    spans: list[Span] = []
    ent_span: dict[Any, str] = {}
    trig_class: dict[str, tuple[str, str | None]] = {}
    order: list[str] = []
    for (eid, s, e, lab), m in zip(raw_ents, matched):
        try:
            start, end = conv.to_cp(s), conv.to_cp(e)
        except OffsetError as exc:
            raise ctx.error(f"entity {eid}: {exc}") from exc
        if start >= end:
            raise ctx.error(f"entity {eid}: start {s} is not before end {e}")
        sid = m["id"] if m is not None else fresh_id(used_ids)
        if m is not None and sid in ent_span.values():
            raise ctx.error(f"casus span id {sid!r} is used twice")
        cls = schema.parse_trigger_class(lab)
        label = schema.trigger_label if (cls is not None or lab == schema.trigger_label) else lab
        if cls is not None:
            trig_class[sid] = cls
            order.append(sid)
        try:
            spans.append(Span(id=sid, start=start, end=end, label=label, attrs=(m or {}).get("attrs") or {}))
        except ModelError as exc:
            raise ctx.error(f"entity {eid}: {exc}") from exc
        ent_span[eid] = sid

    # relations -> arguments of the event anchored at the trigger end
    args: dict[str, list[Argument]] = {sid: [] for sid in trig_class}
    rels = rec.get("relations") or []
    if not isinstance(rels, list):
        raise ctx.error("\"relations\" must be a list")
    for i, r in enumerate(rels):
        if not isinstance(r, dict) or not {"from_id", "to_id", "type"} <= set(r):
            raise ctx.error(f"relations[{i}] must be {{id, from_id, to_id, type}}")
        if not all(isinstance(r[k], (int, str)) for k in ("from_id", "to_id")):
            raise ctx.error(f"relations[{i}]: from_id and to_id must be entity ids")
        if r["from_id"] not in ent_span or r["to_id"] not in ent_span:
            missing = r["from_id"] if r["from_id"] not in ent_span else r["to_id"]
            raise ctx.error(f"relations[{i}] refers to entity {missing!r}, which is not in this record")
        src, dst = ent_span[r["from_id"]], ent_span[r["to_id"]]
        if src not in trig_class and dst in trig_class:
            src, dst = dst, src  # drawn from the argument to the trigger
        if src not in trig_class:
            raise ctx.error(f"relations[{i}] ({r['type']!r}) joins entities {r['from_id']} and {r['to_id']}, neither "
                            "of which is an event trigger (label TYPE:subtype); casus keeps only event-argument "
                            "relations")
        if not isinstance(r["type"], str) or not r["type"]:
            raise ctx.error(f"relations[{i}].type must be a role name")
        args[src].append(Argument(role=r["type"], span=dst))

    # events: casus order first, then triggers new in doccano, in text order
    cev_by_trigger: dict[str, dict[str, Any]] = {}
    for x in ceventss:
        cev_by_trigger.setdefault(x["trigger"], x)
    events: list[Event] = []
    ev_ids: set[str] = set()
    listed = list(dict.fromkeys(x["trigger"] for x in ceventss if x["trigger"] in trig_class))
    for sid in listed + [t for t in order if t not in cev_by_trigger]:
        x = cev_by_trigger.get(sid, {})
        eid = x.get("id", sid)
        if eid in ev_ids:
            eid = fresh_id(used_ids | ev_ids | set(ent_span.values()))
        ev_ids.add(eid)
        typ, sub = trig_class[sid]
        if not isinstance(x.get("attrs", {}), dict):
            raise ctx.error(f"casus.events: attrs of {eid} must be an object")
        events.append(Event(id=eid, type=typ, subtype=sub, trigger=sid, args=tuple(args[sid]),
                            attrs=x.get("attrs") or {}))

    meta = casus.get("metadata") or {}
    prov = casus.get("provenance") or {}
    if not isinstance(meta, dict) or not isinstance(prov, dict):
        raise ctx.error("casus.metadata and casus.provenance must be objects")
    try:
        doc = Document(id=doc_id, text=text, metadata=meta)
        aset = AnnotationSet(document=doc, spans=tuple(spans), events=tuple(events),
                             annotator=annotator or casus.get("annotator") or "gold", provenance=prov,
                             id_source=ID_SOURCE if named else ID_GENERATED)
        return convert_newlines(aset, newline)
    except (ModelError, OffsetError) as exc:
        raise ctx.error(str(exc)) from exc


def loads(raw: str, schema: Schema, *, file: str = "<doccano>", offsets: str = "utf16", newline: str = "keep",
          annotator: str | None = None) -> list[AnnotationSet]:
    """Parse doccano JSONL (or a JSON array of records) from a string."""
    out = []
    for rec in jsonio.records(raw, file):
        ctx = _Ctx(file, rec.line, None if rec.line is not None else rec.where)
        default = generated_id(file, rec.line if rec.line is not None else rec.index + 1)
        out.append(_from_record(rec.value, schema, ctx, default, offsets, newline, annotator))
    return out


def read(path_or_file: PathOrFile, schema: Schema, *, offsets: str = "utf16", newline: str = "keep",
         annotator: str | None = None) -> list[AnnotationSet]:
    """Read a doccano JSONL file: one AnnotationSet per record, in file order.

    ``offsets``: ``"utf16"`` (doccano, default) or ``"codepoint"``. ``newline``: ``"keep"`` the text as it
    is (offsets refer to it), or ``"lf"`` to replace CRLF by LF, moving offsets. ``annotator`` overrides
    the annotator name (default: the one recorded by casus, else ``gold``). Malformed input raises
    FormatError naming the file and line.
    """
    name, raw = read_source(path_or_file)
    return loads(raw, schema, file=name, offsets=offsets, newline=newline, annotator=annotator)


def _sniff(peek: Peek) -> bool:
    return isinstance(peek.first, dict) and ("entities" in peek.first or "label" in peek.first)


FORMAT = Format(
    name="doccano", summary="doccano JSONL (sequence labelling + relations)", container="file",
    suffixes=(".jsonl", ".json"), offsets="UTF-16 code units (or code points with offsets=codepoint), end exclusive",
    lossy="nothing for casus exports (the casus object keeps ids, attributes, metadata); plain doccano data has "
          "no attributes and no ids", read=read, write=write, sniff=_sniff,
    read_options=("offsets", "newline", "annotator"), write_options=("offsets", "newline"))
