"""Label Studio JSON (task export/import) <-> casus, and a labeling config for the schema.

Offsets: Label Studio's text regions count ``start``/``end`` in **UTF-16 code units** (JavaScript
string indices), end exclusive, into ``data.text`` exactly as stored (an emoji counts 2). :func:`read`
converts to casus code points and :func:`write` converts back; ``offsets="codepoint"`` switches the
conversion off. An offset inside a surrogate pair is a FormatError.

Line endings: kept as they are (offsets refer to the text as stored); ``data.line_endings`` records
``lf``/``crlf``/``mixed``. ``read(..., newline="lf")`` normalises CRLF to LF moving the offsets,
``write(..., newline="crlf")`` the reverse.

A file is a JSON list of tasks (a single task object is accepted)::

    [{"data": {"text": "...", "doc_id": "casus-001", "line_endings": "lf", "casus": {...}},
      "annotations": [{"result": [...]}], "predictions": [{"model_version": "...", "result": [...]}]}]

Encoding of one annotation set (one task, one annotation; lossless for a valid annotation set):

* Each span is a ``labels`` region whose ``id`` is the casus span id:
  ``{"id": "c1", "from_name": "label", "to_name": "text", "type": "labels",
  "value": {"start": 5, "end": 12, "text": "...", "labels": ["CASUALTY"]}}``. A trigger span's label is
  its event's class ``TYPE:subtype`` (``TYPE`` without subtype), e.g. ``ATTACK:airstrike``; a ``TRIGGER``
  span without event is labelled ``TRIGGER``.
* Attributes are per-region results with the region's id and ``from_name`` = attribute name, typed by
  the schema: enum -> ``choices`` (``{"choices": ["killed"]}``), boolean -> ``choices``
  (``"true"``/``"false"``), integer -> ``number`` (``{"number": 23}``), string/event_ref (``same_as``)
  -> ``textarea`` (``{"text": ["e1"]}``). On a trigger region they are the *event's* attributes.
  Anything the schema does not type that way (an attribute unknown to the schema, a value of the
  wrong type, attributes on a trigger span itself) goes to ``data.casus.span_attrs`` /
  ``data.casus.event_attrs`` and is merged back on import.
* Each event argument is one ``relation`` result ``{"from_id": <trigger>, "to_id": <argument>,
  "type": "relation", "direction": "right", "labels": [<role>]}``, in argument order. On import, a
  relation with several labels gives one argument per label, and a relation drawn from an entity to
  a trigger counts too; one between two entities is a FormatError.
* ``data.casus`` also holds ``annotator``, ``provenance``, document ``metadata`` and ``events``:
  ``[[event id, trigger span id], ...]`` (event ids and order). A trigger region created in Label
  Studio makes an event whose id is the region id; events come in ``data.casus.events`` order, new ones
  after in text order. Region ids that are not valid casus ids are replaced by ``_1``, ``_2``, ...

Which annotation is imported: ``source="annotations"`` (default) or ``"predictions"``;
``pick="latest"`` (default: the one with the greatest ``updated_at``, else ``created_at``, ties and
missing dates going to the later in the list), ``"first"`` (first in the list) or ``"all"`` (one
AnnotationSet per annotation). Cancelled annotations (``was_cancelled``) are ignored; a task without
any is skipped. Annotator name: the ``annotator`` argument, else Label Studio's own record of who made
it (``completed_by``: the email, or ``user<N>``; ``model_version`` for predictions), else
``data.casus.annotator`` (what casus wrote: its annotations carry no ``completed_by``), else ``gold``;
with ``pick="all"`` a repeated name gets ``-2``, ``-3``, ...

Not writable (ModelError): an event whose trigger is not a ``TRIGGER`` span, or a trigger span anchoring
several events. :func:`labeling_config` builds the matching XML config.

Over 450 lines on purpose: one format, one module (casus.formats.registry): tasks, results, relations,
choices, the annotation/prediction pick and the labeling config all belong to Label Studio.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any, Iterable
from xml.sax.saxutils import quoteattr

from ..errors import FormatError, ModelError
from ..model import ID_RE, AnnotationSet, Argument, Document, Event, Span
from ..schema import AttributeDef, Schema
from . import jsonio
from .base import ID_GENERATED, ID_SOURCE, Format, Peek, generated_id
from .triggers import events_by_trigger
from .offsets import (OffsetConverter, OffsetError, PathOrFile, convert_newlines, format_error, fresh_id, is_int,
                      line_endings, read_source, write_target)

__all__ = ["read", "write", "loads", "dumps", "task", "labeling_config"]

LABELS_NAME = "label"
TEXT_NAME = "text"





def _encode_attr(value: Any, adef: AttributeDef | None) -> tuple[str, dict[str, Any]] | None:
    """(result type, value payload) for an attribute, or None when the schema does not type it so."""
    if adef is None:
        return None
    t = adef.type
    if t == "enum" and isinstance(value, str):
        return "choices", {"choices": [value]}
    if t == "boolean" and isinstance(value, bool):
        return "choices", {"choices": ["true" if value else "false"]}
    if t == "integer" and is_int(value):
        return "number", {"number": value}
    if t in ("string", "event_ref") and isinstance(value, str):
        return "textarea", {"text": [value]}
    return None


# -- write -----------------------------------------------------------------------------------------


def task(aset: AnnotationSet, schema: Schema, *, offsets: str = "utf16", newline: str = "keep",
         target: str = "annotations") -> dict[str, Any]:
    """One Label Studio task (JSON-ready dict) holding ``aset`` as its only annotation (or prediction)."""
    if target not in ("annotations", "predictions"):
        raise ValueError(f"target must be 'annotations' or 'predictions', not {target!r}")
    aset = convert_newlines(aset, newline)
    text = aset.document.text
    conv = OffsetConverter(text, offsets)
    by_trigger = events_by_trigger(aset, schema, "Label Studio")
    result: list[dict[str, Any]] = []
    span_fallback: dict[str, dict[str, Any]] = {}
    event_fallback: dict[str, dict[str, Any]] = {}
    for s in aset.spans:
        ev = by_trigger.get(s.id) if s.label == schema.trigger_label else None
        label = ev.trigger_class if ev is not None else s.label
        where = {"start": conv.from_cp(s.start), "end": conv.from_cp(s.end), "text": text[s.start:s.end]}
        result.append({"id": s.id, "from_name": LABELS_NAME, "to_name": TEXT_NAME, "type": "labels",
                       "value": {**where, "labels": [label]}})
        if ev is not None:
            attrs, defs, fallback, key = dict(ev.attrs), schema.event_attributes, event_fallback, ev.id
            if s.attrs:
                span_fallback[s.id] = dict(s.attrs)
        else:
            ldef = schema.labels.get(s.label)
            attrs, defs, fallback, key = dict(s.attrs), (ldef.attributes if ldef else {}), span_fallback, s.id
        for name, value in attrs.items():
            enc = _encode_attr(value, defs.get(name))
            if enc is None or name in (LABELS_NAME, TEXT_NAME):
                fallback.setdefault(key, {})[name] = value
                continue
            rtype, payload = enc
            result.append({"id": s.id, "from_name": name, "to_name": TEXT_NAME, "type": rtype,
                           "value": {**where, **payload}})
    for e in aset.events:
        for a in e.args:
            result.append({"from_id": e.trigger, "to_id": a.span, "type": "relation", "direction": "right",
                           "labels": [a.role]})
    casus: dict[str, Any] = {"annotator": aset.annotator}
    if aset.provenance:
        casus["provenance"] = dict(aset.provenance)
    if aset.document.metadata:
        casus["metadata"] = dict(aset.document.metadata)
    casus["events"] = [[e.id, e.trigger] for e in aset.events]
    if span_fallback:
        casus["span_attrs"] = span_fallback
    if event_fallback:
        casus["event_attrs"] = event_fallback
    data = {TEXT_NAME: text, "doc_id": aset.doc_id, "line_endings": line_endings(text), "casus": casus}
    if target == "annotations":
        return {"data": data, "annotations": [{"result": result, "was_cancelled": False, "ground_truth": False}],
                "predictions": []}
    return {"data": data, "annotations": [], "predictions": [{"model_version": aset.annotator, "result": result}]}


def dumps(asets: Iterable[AnnotationSet], schema: Schema, *, offsets: str = "utf16", newline: str = "keep",
          target: str = "annotations") -> str:
    tasks = [task(a, schema, offsets=offsets, newline=newline, target=target) for a in asets]
    return json.dumps(tasks, ensure_ascii=False, indent=1) + "\n"


def write(asets: Iterable[AnnotationSet], path: PathOrFile, schema: Schema, *, offsets: str = "utf16",
          newline: str = "keep", target: str = "annotations") -> None:
    """Write one task per AnnotationSet as a Label Studio JSON task list (importable as is).

    ``target="predictions"`` writes them as predictions (pre-annotations to review) instead of
    annotations. ``offsets``/``newline`` as in :func:`read`.
    """
    write_target(path, dumps(asets, schema, offsets=offsets, newline=newline, target=target))


# -- labeling config -------------------------------------------------------------------------------


def labeling_config(schema: Schema) -> str:
    """A Label Studio XML labeling config for ``schema``.

    One ``Labels`` control (``label``) with the entity labels, then for each event type the bare type
    and every ``TYPE:subtype`` (trigger classes); ``Relations`` with every role; per-region controls for
    attributes, shown when a region with a label that takes them is selected: ``Choices`` for enum and
    boolean attributes (``status``, ``group``, ``modality``, ...), ``Number`` for integers (``count``),
    ``TextArea`` for strings and event references (``same_as``). Event attributes apply to trigger
    labels. An attribute name shared by several labels becomes one control (enum values merged).
    """
    trigger_labels: list[str] = []
    for name, et in schema.event_types.items():
        trigger_labels.append(name)
        trigger_labels.extend(f"{name}:{st}" for st in et.subtypes)
    controls: dict[str, dict[str, Any]] = {}

    def add(attr: str, adef: AttributeDef, labels: list[str]) -> None:
        c = controls.get(attr)
        if c is None:
            controls[attr] = {"def": adef, "labels": list(labels), "values": list(adef.values or [])}
            return
        if c["def"].type != adef.type:
            raise ValueError(f"attribute {attr!r} has type {c['def'].type} for {c['labels']} and {adef.type} "
                             f"for {labels}; Label Studio needs one control per name")
        c["labels"].extend(lab for lab in labels if lab not in c["labels"])
        c["values"].extend(v for v in (adef.values or []) if v not in c["values"])

    for lab, ldef in schema.labels.items():
        for attr, adef in ldef.attributes.items():
            add(attr, adef, [lab])
    for attr, adef in schema.event_attributes.items():
        add(attr, adef, trigger_labels)

    q = quoteattr
    out = ["<View>", f"  <Labels name={q(LABELS_NAME)} toName={q(TEXT_NAME)}>"]
    for lab in schema.entity_labels:
        out.append(f"    <Label value={q(lab)}/>")
    for lab in trigger_labels:
        out.append(f"    <Label value={q(lab)}/>")
    out.append("  </Labels>")
    out.append(f"  <Text name={q(TEXT_NAME)} value=\"${TEXT_NAME}\"/>")
    if schema.all_roles:
        out.append("  <Relations>")
        out.extend(f"    <Relation value={q(r)}/>" for r in schema.all_roles)
        out.append("  </Relations>")
    groups: dict[tuple[str, ...], list[str]] = {}
    for attr, c in controls.items():
        groups.setdefault(tuple(c["labels"]), []).append(attr)
    for labels, attrs in groups.items():
        when = ",".join(labels)
        title = labels[0] if len(labels) == 1 else "event"
        out.append(f"  <View visibleWhen=\"region-selected\" whenLabelValue={q(when)}>")
        out.append(f"    <Header value={q(title + ' attributes')}/>")
        for attr in attrs:
            adef: AttributeDef = controls[attr]["def"]
            single = f" whenLabelValue={q(labels[0])}" if len(labels) == 1 else ""
            req = ' required="true"' if adef.required and len(labels) == 1 else ""
            common = f"name={q(attr)} toName={q(TEXT_NAME)} perRegion=\"true\"{single}"
            out.append(f"    <Header value={q(attr)} size=\"6\"/>")
            if adef.type in ("enum", "boolean"):
                values = controls[attr]["values"] if adef.type == "enum" else ["true", "false"]
                out.append(f"    <Choices {common} choice=\"single\" showInline=\"true\"{req}>")
                out.extend(f"      <Choice value={q(v)}/>" for v in values)
                out.append("    </Choices>")
            elif adef.type == "integer":
                bounds = (f" min=\"{adef.min}\"" if adef.min is not None else "") + (
                    f" max=\"{adef.max}\"" if adef.max is not None else "")
                out.append(f"    <Number {common}{bounds}{req}/>")
            else:
                out.append(f"    <TextArea {common} maxSubmissions=\"1\"{req}/>")
        out.append("  </View>")
    out.append("</View>")
    return "\n".join(out) + "\n"


# -- read ------------------------------------------------------------------------------------------


def _user_name(ann: dict[str, Any], source: str) -> str | None:
    if source == "predictions":
        mv = ann.get("model_version")
        return str(mv) if mv not in (None, "") else None
    cb = ann.get("completed_by")
    if isinstance(cb, dict):
        cb = cb.get("email") or cb.get("id")
    if is_int(cb):
        return f"user{cb}"
    return str(cb) if cb not in (None, "") else None


def _select(items: list[Any], pick: str) -> list[tuple[int, dict[str, Any]]]:
    live = [(i, a) for i, a in enumerate(items) if isinstance(a, dict) and not a.get("was_cancelled")]
    if not live or pick == "all":
        return live
    if pick == "first":
        return live[:1]
    best = max(live, key=lambda ia: (str(ia[1].get("updated_at") or ia[1].get("created_at") or ""), ia[0]))
    return [best]


def _decode_attr(ctx: "_Ctx", r: dict[str, Any], value: dict[str, Any], adef: AttributeDef | None) -> Any:
    rtype = r.get("type")
    if rtype == "choices":
        ch = value.get("choices")
        if not isinstance(ch, list) or len(ch) != 1 or not isinstance(ch[0], str):
            raise ctx.error(f"attribute {r.get('from_name')!r} must have exactly one choice, got {ch!r}")
        if adef is not None and adef.type == "boolean" and ch[0] in ("true", "false"):
            return ch[0] == "true"
        return ch[0]
    if rtype == "number":
        v = value.get("number")
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ctx.error(f"attribute {r.get('from_name')!r}: number {v!r} is not a number")
        return v
    if rtype == "rating":
        v = value.get("rating")
        if not is_int(v):
            raise ctx.error(f"attribute {r.get('from_name')!r}: rating {v!r} is not an integer")
        return v
    if rtype == "textarea":
        t = value.get("text")
        if isinstance(t, list) and len(t) == 1 and isinstance(t[0], str):
            return t[0]
        if isinstance(t, str):
            return t
        raise ctx.error(f"attribute {r.get('from_name')!r} must hold one text, got {t!r}")
    raise ctx.error(f"result type {rtype!r} is not supported (labels, relation, and per-region choices, "
                    "number, rating, textarea are)")


class _Ctx:
    def __init__(self, file: str, where: str):
        self.file, self.where = file, where

    def error(self, message: str) -> FormatError:
        return format_error(self.file, message, where=self.where)

    def at(self, extra: str) -> "_Ctx":
        return _Ctx(self.file, f"{self.where}, {extra}")


def _from_result(result: Any, text: str, doc: Document, casus: dict[str, Any], schema: Schema, ctx: _Ctx,
                 offsets: str, newline: str, annotator: str) -> AnnotationSet:
    if not isinstance(result, list):
        raise ctx.error("\"result\" must be a list")
    conv = OffsetConverter(text, offsets)
    regions: dict[str, dict[str, Any]] = {}  # raw region id -> info
    region_order: list[str] = []
    per_region: list[tuple[_Ctx, dict[str, Any]]] = []
    relations: list[tuple[_Ctx, dict[str, Any]]] = []
    for j, r in enumerate(result):
        rctx = ctx.at(f"result {j}")
        if not isinstance(r, dict):
            raise rctx.error("a result must be an object")
        rtype = r.get("type")
        if rtype == "relation":
            relations.append((rctx, r))
            continue
        rid = r.get("id")
        if not isinstance(rid, (str, int)) or isinstance(rid, bool):
            raise rctx.error(f"result of type {rtype!r} has no region id")
        rid = str(rid)
        value = r.get("value")
        if not isinstance(value, dict):
            raise rctx.error("\"value\" must be an object")
        if rtype == "labels":
            labs = value.get("labels")
            if not isinstance(labs, list) or len(labs) != 1 or not isinstance(labs[0], str) or not labs[0]:
                raise rctx.error(f"region {rid} must have exactly one label, got {labs!r}")
            s, e = value.get("start"), value.get("end")
            if not is_int(s) or not is_int(e):
                raise rctx.error(f"region {rid}: start/end must be integers, got {s!r}/{e!r}")
            if rid in regions:
                raise rctx.error(f"region id {rid!r} labels two regions")
            try:
                start, end = conv.to_cp(s), conv.to_cp(e)
            except OffsetError as exc:
                raise rctx.error(f"region {rid}: {exc}") from exc
            if start >= end:
                raise rctx.error(f"region {rid}: start {s} is not before end {e}")
            regions[rid] = {"start": start, "end": end, "label": labs[0], "ctx": rctx}
            region_order.append(rid)
        else:
            per_region.append((rctx, r))

    used: set[str] = {rid for rid in regions if ID_RE.match(rid)}
    cevents = casus.get("events") or []
    if not isinstance(cevents, list) or not all(isinstance(x, list) and len(x) == 2 and all(isinstance(y, str) for y in x)
                                               for x in cevents):
        raise ctx.error("data.casus.events must be a list of [event id, trigger id]")
    used |= {x[0] for x in cevents}
    sid_of: dict[str, str] = {rid: (rid if ID_RE.match(rid) else fresh_id(used)) for rid in region_order}
    trig_class: dict[str, tuple[str, str | None]] = {}
    for rid in region_order:
        cls = schema.parse_trigger_class(regions[rid]["label"])
        if cls is not None:
            trig_class[rid] = cls

    span_attrs: dict[str, dict[str, Any]] = {rid: {} for rid in region_order}
    event_attr_of_region: dict[str, dict[str, Any]] = {rid: {} for rid in trig_class}
    for rctx, r in per_region:
        rid = str(r["id"])
        if rid not in regions:
            raise rctx.error(f"{r.get('type')} result {r.get('from_name')!r} belongs to no labelled region "
                             f"(id {rid!r}); casus has no document-level classifications")
        name = r.get("from_name")
        if not isinstance(name, str) or not name:
            raise rctx.error("a per-region result needs from_name (the attribute name)")
        if rid in trig_class:
            adef = schema.event_attributes.get(name)
            bucket = event_attr_of_region[rid]
        else:
            ldef = schema.labels.get(regions[rid]["label"])
            adef = ldef.attributes.get(name) if ldef else None
            bucket = span_attrs[rid]
        if name in bucket:
            raise rctx.error(f"region {rid} has two {name!r} results")
        bucket[name] = _decode_attr(rctx, r, r["value"], adef)
    fb_spans = casus.get("span_attrs") or {}
    fb_events = casus.get("event_attrs") or {}
    if not isinstance(fb_spans, dict) or not isinstance(fb_events, dict):
        raise ctx.error("data.casus.span_attrs and event_attrs must be objects")

    by_sid = {sid_of[rid]: rid for rid in region_order}
    spans: list[Span] = []
    for rid in region_order:
        reg = regions[rid]
        sid = sid_of[rid]
        label = schema.trigger_label if (rid in trig_class or reg["label"] == schema.trigger_label) else reg["label"]
        attrs = {**span_attrs[rid], **(fb_spans.get(sid) or {})}
        try:
            spans.append(Span(id=sid, start=reg["start"], end=reg["end"], label=label, attrs=attrs))
        except ModelError as exc:
            raise reg["ctx"].error(str(exc)) from exc

    args: dict[str, list[Argument]] = {rid: [] for rid in trig_class}
    for rctx, r in relations:
        a, b = r.get("from_id"), r.get("to_id")
        a, b = (str(a) if a is not None else None), (str(b) if b is not None else None)
        if a not in regions or b not in regions:
            raise rctx.error(f"relation {a!r} -> {b!r} refers to a region not in this annotation")
        if a in trig_class:
            trig, arg = a, b
        elif b in trig_class:
            trig, arg = b, a
        else:
            raise rctx.error(f"relation {a} -> {b} joins two regions neither of which is an event trigger "
                             "(label TYPE:subtype); casus keeps only event-argument relations")
        labs = r.get("labels")
        if not isinstance(labs, list) or not labs or not all(isinstance(x, str) and x for x in labs):
            raise rctx.error(f"relation {a} -> {b} needs its role as a label, got {labs!r}")
        args[trig].extend(Argument(role=lab, span=sid_of[arg]) for lab in labs)

    events: list[Event] = []
    listed: dict[str, str] = {}  # trigger span id -> event id from data.casus
    for eid, trig in cevents:
        listed.setdefault(trig, eid)
    order = [by_sid[t] for t in listed if t in by_sid and by_sid[t] in trig_class]
    order += [rid for rid in region_order if rid in trig_class and sid_of[rid] not in listed]
    ev_ids: set[str] = set()
    for rid in order:
        sid = sid_of[rid]
        eid = listed.get(sid, sid)
        if eid in ev_ids:
            eid = fresh_id(used | ev_ids)
        ev_ids.add(eid)
        typ, sub = trig_class[rid]
        attrs = {**event_attr_of_region[rid], **(fb_events.get(eid) or {})}
        events.append(Event(id=eid, type=typ, subtype=sub, trigger=sid, args=tuple(args[rid]), attrs=attrs))
    prov = casus.get("provenance") or {}
    if not isinstance(prov, dict):
        raise ctx.error("data.casus.provenance must be an object")
    try:
        aset = AnnotationSet(document=doc, spans=tuple(spans), events=tuple(events), annotator=annotator,
                             provenance=prov)
        return convert_newlines(aset, newline)
    except (ModelError, OffsetError) as exc:
        raise ctx.error(str(exc)) from exc


def loads(raw: str, schema: Schema, *, file: str = "<labelstudio>", source: str = "annotations",
          pick: str = "latest", offsets: str = "utf16", newline: str = "keep",
          annotator: str | None = None) -> list[AnnotationSet]:
    """Parse a Label Studio JSON export from a string (see :func:`read`)."""
    if source not in ("annotations", "predictions"):
        raise ValueError(f"source must be 'annotations' or 'predictions', not {source!r}")
    if pick not in ("latest", "first", "all"):
        raise ValueError(f"pick must be 'latest', 'first' or 'all', not {pick!r}")
    recs = jsonio.records(raw, file)
    if len(recs) == 1 and recs[0].line is None and not isinstance(recs[0].value, (dict, list)):
        raise format_error(file, "a Label Studio export is a JSON list of tasks")
    out: list[AnnotationSet] = []
    for rec in recs:
        i, t = rec.index, rec.value
        ctx = _Ctx(file, f"task {i}" if rec.line is None else f"line {rec.line}")
        if not isinstance(t, dict) or not isinstance(t.get("data"), dict):
            raise ctx.error("a task must be an object with a \"data\" object")
        d = t["data"]
        text = d.get(TEXT_NAME)
        if not isinstance(text, str):
            raise ctx.error(f"data.{TEXT_NAME} must be a string")
        doc_id = d.get("doc_id", t.get("id"))
        id_source = ID_SOURCE if doc_id is not None else ID_GENERATED
        if doc_id is None:
            doc_id = generated_id(file, i + 1, "task")
        if is_int(doc_id):
            doc_id = str(doc_id)
        if not isinstance(doc_id, str) or not ID_RE.match(doc_id):
            raise ctx.error(f"document id {doc_id!r} is not a valid casus id (letters, digits, _ . -)")
        casus = d.get("casus") or {}
        if not isinstance(casus, dict):
            raise ctx.error("data.casus must be an object")
        meta = casus.get("metadata") or {}
        if not isinstance(meta, dict):
            raise ctx.error("data.casus.metadata must be an object")
        items = t.get(source) or []
        if not isinstance(items, list):
            raise ctx.error(f"\"{source}\" must be a list")
        chosen = _select(items, pick)
        doc = Document(id=doc_id, text=text, metadata=meta)
        names: list[str] = []
        for k, ann in chosen:
            name = annotator or _user_name(ann, source) or casus.get("annotator") or "gold"
            if name in names:
                name = f"{name}-{len(names) + 1}"
            names.append(name)
            actx = ctx.at(f"{source[:-1]} {k}")
            out.append(replace(_from_result(ann.get("result"), text, doc, casus, schema, actx, offsets, newline, name),
                               id_source=id_source))
    return out


def read(path_or_file: PathOrFile, schema: Schema, *, source: str = "annotations", pick: str = "latest",
         offsets: str = "utf16", newline: str = "keep", annotator: str | None = None) -> list[AnnotationSet]:
    """Read a Label Studio JSON export: AnnotationSets in task order.

    ``source``: ``"annotations"`` or ``"predictions"``. ``pick``: ``"latest"``, ``"first"`` or ``"all"``
    (see the module docstring). ``offsets``: ``"utf16"`` (Label Studio) or ``"codepoint"``. ``newline``:
    ``"keep"`` or ``"lf"``. Malformed input raises FormatError naming the file, task and result index.
    """
    name, raw = read_source(path_or_file)
    return loads(raw, schema, file=name, source=source, pick=pick, offsets=offsets, newline=newline,
                 annotator=annotator)


def _sniff(peek: Peek) -> bool:
    return isinstance(peek.first, dict) and isinstance(peek.first.get("data"), dict)


FORMAT = Format(
    name="labelstudio", summary="Label Studio JSON task export (annotations or predictions)", container="file",
    suffixes=(".json",), offsets="UTF-16 code units (or code points with offsets=codepoint), end exclusive",
    lossy="nothing for casus exports (data.casus keeps ids, attributes, metadata); plain Label Studio tasks "
          "have no casus attributes",
    read=read, write=write, sniff=_sniff, read_options=("source", "pick", "offsets", "newline", "annotator"),
    write_options=("offsets", "newline", "target"))
