"""The pure checks: an annotation's raw JSON structure, a document's metadata, hard-negative flags — against
the schema and the text, with no file system and no repository (:mod:`casus.validate` walks the repository).

Validation counts and shows problems. It never repairs, drops or truncates anything: every problem
is reported with the file, the line (where known), the span/event id, what is wrong and how to fix it.

:func:`check_annotation` works on the raw JSON structure of an annotation file (a ``dict``), so the
same checks serve JSON files on disk, the inline contributor format and every imported format.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path
from typing import Any, Callable

from .align import inside_word
from .errors import Problem
from .model import ID_RE, text_sha256
from .schema import Schema

ANNOTATION_KEYS = {"doc_id", "text_sha256", "annotator", "provenance", "spans", "events"}
SPAN_KEYS = {"id", "start", "end", "label", "text", "attrs"}
EVENT_KEYS = {"id", "type", "subtype", "trigger", "args", "attrs"}
ARG_KEYS = {"role", "span"}
META_REQUIRED = ("title", "date", "region", "source", "licence", "sha256")
META_KNOWN = set(META_REQUIRED) | {"country", "kind", "url", "notes", "author", "language", "style", "writer",
                                   "hard_negative"}
HARD_NEGATIVE_VALUES = ("yes", "no")
DOC_KINDS = ("report_of_public_event", "composite", "imported")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# Locator: (kind, id) -> (line, column) or None; kind is "span" or "event".
Locator = Callable[..., "tuple[int, int | None] | None"]


def _no_locator(kind: str, ident: str, nth: int = 0) -> None:
    return None


class _Collector:
    def __init__(self, file: str, locate: Locator):
        self.file = file
        self.locate = locate
        self.problems: list[Problem] = []

    def add(self, code: str, message: str, hint: str = "", *, kind: str | None = None, obj_id: str | None = None,
            line: int | None = None, column: int | None = None, severity: str = "error", nth: int = 0) -> None:
        if line is None and kind and obj_id:
            loc = self.locate(kind, obj_id, nth) if nth else self.locate(kind, obj_id)
            if loc:
                line, column = loc
        self.problems.append(Problem(file=self.file, message=message, hint=hint, code=code, severity=severity,
                                     line=line, column=column, obj_id=obj_id))


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _check_attrs(c: _Collector, kind: str, obj_id: str, attrs: Any, defs: dict, owner: str) -> None:
    if not isinstance(attrs, dict):
        c.add("attrs-type", f"attrs of {owner} must be an object, got {type(attrs).__name__}",
              "write attrs as {\"name\": value}", kind=kind, obj_id=obj_id)
        return
    for name, value in attrs.items():
        d = defs.get(name)
        if d is None:
            allowed = ", ".join(defs) or "none"
            c.add("unknown-attribute", f"unknown attribute {name!r} on {owner}",
                  f"use one of: {allowed} (or add it to annotations/schema.yaml)", kind=kind, obj_id=obj_id)
            continue
        msg = d.check(value)
        if msg:
            vals = f"one of {d.values}" if d.values else f"a {d.type}"
            c.add("bad-attribute-value", f"attribute {name} of {owner}: {msg}", f"use {vals}", kind=kind, obj_id=obj_id)
    for name, d in defs.items():
        if d.required and name not in attrs:
            c.add("missing-attribute", f"{owner} lacks the required attribute {name!r}",
                  f"add {name}=<{'|'.join(d.values) if d.values else d.type}>", kind=kind, obj_id=obj_id)


def _check_count_convention(c: _Collector, obj_id: str, attrs: dict, defs: dict) -> None:
    """The count convention (GUIDELINES 1.4) where the label has count/count_qualifier/count_max."""
    if not {"count", "count_qualifier"} <= set(defs):
        return
    count, qual, cmax = attrs.get("count"), attrs.get("count_qualifier"), attrs.get("count_max")
    if qual is not None and count is None:
        c.add("qualifier-without-count", f"count_qualifier={qual} but no count", "add count=N or drop count_qualifier",
              kind="span", obj_id=obj_id)
    if count is not None and qual is None:
        c.add("count-without-qualifier", f"count={count} but no count_qualifier",
              "add count_qualifier=exact (or at_least/at_most/about/range)", kind="span", obj_id=obj_id)
    if "count_max" in defs:
        if qual == "range" and cmax is None:
            c.add("range-without-max", "count_qualifier=range needs count_max", "add count_max=N (upper bound)",
                  kind="span", obj_id=obj_id)
        if cmax is not None and qual != "range":
            c.add("max-without-range", f"count_max={cmax} needs count_qualifier=range",
                  "set count_qualifier=range or drop count_max", kind="span", obj_id=obj_id)
        if _is_int(cmax) and _is_int(count) and cmax < count:
            c.add("bad-range", f"count_max {cmax} is below count {count}", "swap the bounds", kind="span", obj_id=obj_id)


def check_annotation(data: Any, text: str | None, schema: Schema, file: str, locate: Locator = _no_locator,
                     expected_doc_id: str | None = None) -> list[Problem]:
    """Check one annotation structure against its document text and the schema. Returns every problem."""
    c = _Collector(file, locate)
    if not isinstance(data, dict):
        c.add("not-an-object", f"an annotation file must hold a JSON object, got {type(data).__name__}",
              "see README, 'Annotation files'", line=1)
        return c.problems
    for k in sorted(set(data) - ANNOTATION_KEYS):
        c.add("unknown-key", f"unknown top-level key {k!r}", f"allowed keys: {', '.join(sorted(ANNOTATION_KEYS))}")
    doc_id = data.get("doc_id")
    if not isinstance(doc_id, str) or not ID_RE.match(doc_id or ""):
        c.add("bad-doc-id", f"doc_id {doc_id!r} is missing or not a valid id", "set doc_id to the corpus document id")
    elif expected_doc_id is not None and doc_id != expected_doc_id:
        c.add("doc-id-mismatch", f"doc_id {doc_id!r} does not match the file name ({expected_doc_id!r})",
              "name the file <doc_id>.json or fix doc_id")
    if "annotator" in data and not isinstance(data["annotator"], str):
        c.add("bad-annotator", "annotator must be a string", "set annotator to a name")
    if text is not None:
        sha = data.get("text_sha256")
        if sha is None:
            c.add("missing-text-hash", "text_sha256 is missing", f"set text_sha256 to {text_sha256(text)}")
        elif sha != text_sha256(text):
            c.add("text-hash-mismatch", "text_sha256 does not match the corpus document: the text changed since "
                  "this file was annotated", "re-check every span against the new text, then update text_sha256")

    spans = data.get("spans", [])
    events = data.get("events", [])
    if not isinstance(spans, list):
        c.add("spans-type", "spans must be a list", "write spans as [ {...}, ... ]")
        spans = []
    if not isinstance(events, list):
        c.add("events-type", "events must be a list", "write events as [ {...}, ... ]")
        events = []

    span_label: dict[str, str] = {}
    dup_seen: dict[tuple[str, str], int] = {}
    good: list[tuple[int, int, str]] = []
    for i, s in enumerate(spans):
        if not isinstance(s, dict):
            c.add("span-type", f"spans[{i}] is not an object", "each span is {\"id\", \"start\", \"end\", \"label\", ...}")
            continue
        sid = s.get("id")
        sid_str = sid if isinstance(sid, str) else f"spans[{i}]"
        if not isinstance(sid, str) or not ID_RE.match(sid):
            c.add("bad-span-id", f"span id {sid!r} is missing or invalid", "use letters, digits, _ . -",
                  obj_id=sid_str)
        elif sid in span_label:
            dup_seen[("span", sid)] = dup_seen.get(("span", sid), 0) + 1
            c.add("duplicate-span-id", f"span id {sid!r} is used more than once", "give every span its own id",
                  kind="span", obj_id=sid, nth=dup_seen[("span", sid)])
            sid = None
        for k in sorted(set(s) - SPAN_KEYS):
            c.add("unknown-key", f"unknown span key {k!r}", f"allowed: {', '.join(sorted(SPAN_KEYS))}",
                  kind="span", obj_id=sid_str)
        label = s.get("label")
        if not isinstance(label, str) or not schema.is_label(label):
            known = ", ".join(schema.entity_labels + [schema.trigger_label])
            c.add("unknown-label", f"unknown label {label!r}", f"use one of {known} (or add it to the schema)",
                  kind="span", obj_id=sid_str)
            label = None
        if isinstance(sid, str):
            span_label[sid] = label or ""
        start, end = s.get("start"), s.get("end")
        ok = True
        if not _is_int(start) or not _is_int(end):
            c.add("bad-offset-type", f"start/end must be integers, got {start!r}/{end!r}",
                  "offsets are code-point indices into the text", kind="span", obj_id=sid_str)
            ok = False
        elif start >= end:
            c.add("empty-or-reversed", f"start {start} >= end {end}", "end is exclusive: end = start + length",
                  kind="span", obj_id=sid_str)
            ok = False
        elif start < 0 or (text is not None and end > len(text)):
            n = len(text) if text is not None else "?"
            c.add("offset-out-of-range", f"offsets {start}-{end} outside the text (length {n})",
                  "re-anchor the span on the current text", kind="span", obj_id=sid_str)
            ok = False
        if ok and text is not None:
            surface = text[start:end]
            if "text" not in s:
                c.add("missing-span-text", "span has no `text` copy", f"add \"text\": {json.dumps(surface, ensure_ascii=False)}",
                      kind="span", obj_id=sid_str)
            elif s["text"] != surface:
                c.add("text-mismatch", f"span text {s['text']!r} != document text {surface!r} at {start}-{end}",
                      "fix the offsets (or the text copy) so that text[start:end] equals it", kind="span", obj_id=sid_str)
            if surface != surface.strip() or any(unicodedata.category(ch) == "Zs" for ch in (surface[0], surface[-1])):
                c.add("whitespace-edge", f"span {surface!r} starts or ends with whitespace",
                      "move start/end to the first/last non-space character", kind="span", obj_id=sid_str)
            for edge, pos in (("starts", start), ("ends", end)):
                if inside_word(text, pos):
                    c.add("mid-word-boundary",
                          f"span {surface!r} {edge} inside a word ({text[max(0, pos - 8):pos]!r}|{text[pos:pos + 8]!r})",
                          "extend the span to the whole word (spans cover whole words, GUIDELINES 1.5)",
                          kind="span", obj_id=sid_str, severity="warning")
            good.append((start, end, sid_str))
        attrs = s.get("attrs", {})
        if label in schema.labels:
            defs = schema.labels[label].attributes
            _check_attrs(c, "span", sid_str, attrs, defs, f"{label} span")
            if isinstance(attrs, dict):
                _check_count_convention(c, sid_str, attrs, defs)
        elif label == schema.trigger_label and attrs:
            c.add("trigger-attrs", "trigger spans carry no attributes (the event holds type and attributes)",
                  "move them to the event's attrs", kind="span", obj_id=sid_str)

    good.sort()
    max_end, max_id, max_start = -1, "", -1
    for s1, e1, id1 in good:
        if s1 < max_end:
            c.add("overlap", f"span {id1} ({s1}-{e1}) overlaps span {max_id} ({max_start}-{max_end}); the layer is flat",
                  "keep one of them (GUIDELINES 1.5, nested mentions)", kind="span", obj_id=id1)
        if e1 > max_end:
            max_end, max_id, max_start = e1, id1, s1

    event_ids: set[str] = set()
    trigger_use: dict[str, str] = {}
    same_as_refs: list[tuple[str, str]] = []
    for i, e in enumerate(events):
        if not isinstance(e, dict):
            c.add("event-type", f"events[{i}] is not an object", "each event is {\"id\", \"type\", \"trigger\", \"args\"}")
            continue
        eid = e.get("id")
        eid_str = eid if isinstance(eid, str) else f"events[{i}]"
        if not isinstance(eid, str) or not ID_RE.match(eid):
            c.add("bad-event-id", f"event id {eid!r} is missing or invalid", "use letters, digits, _ . -", obj_id=eid_str)
        elif eid in event_ids:
            dup_seen[("event", eid)] = dup_seen.get(("event", eid), 0) + 1
            c.add("duplicate-event-id", f"event id {eid!r} is used more than once", "give every event its own id",
                  kind="event", obj_id=eid, nth=dup_seen[("event", eid)])
        else:
            event_ids.add(eid)
        for k in sorted(set(e) - EVENT_KEYS):
            c.add("unknown-key", f"unknown event key {k!r}", f"allowed: {', '.join(sorted(EVENT_KEYS))}",
                  kind="event", obj_id=eid_str)
        etype = e.get("type")
        et = schema.event_types.get(etype) if isinstance(etype, str) else None
        if et is None:
            c.add("unknown-event-type", f"unknown event type {etype!r}",
                  f"use one of {', '.join(schema.event_type_names)}", kind="event", obj_id=eid_str)
        sub = e.get("subtype")
        if et is not None and sub is not None and sub not in et.subtypes:
            c.add("unknown-subtype", f"subtype {sub!r} is not a subtype of {etype}",
                  f"use one of {', '.join(et.subtypes)}", kind="event", obj_id=eid_str)
        trig = e.get("trigger")
        if not isinstance(trig, str) or trig not in span_label:
            c.add("dangling-trigger", f"trigger {trig!r} is not the id of a span in this file",
                  "point trigger at a TRIGGER span id", kind="event", obj_id=eid_str)
        else:
            if span_label[trig] and span_label[trig] != schema.trigger_label:
                c.add("trigger-label", f"trigger {trig} is a {span_label[trig]} span, not {schema.trigger_label}",
                      f"label the trigger span {schema.trigger_label}", kind="event", obj_id=eid_str)
            if trig in trigger_use:
                c.add("shared-trigger", f"trigger span {trig} is already the trigger of event {trigger_use[trig]}",
                      "one trigger span anchors one event; use same_as for repeated mentions", kind="event", obj_id=eid_str)
            trigger_use[trig] = eid_str
        args = e.get("args", [])
        if not isinstance(args, list):
            c.add("args-type", "args must be a list of {role, span}", "write args as [{\"role\":..., \"span\":...}]",
                  kind="event", obj_id=eid_str)
            args = []
        seen_args: set[tuple[str, str]] = set()
        for a in args:
            if not isinstance(a, dict) or set(a) - ARG_KEYS or not {"role", "span"} <= set(a):
                c.add("arg-shape", f"argument {a!r} must be {{\"role\": ..., \"span\": ...}}", "fix the argument",
                      kind="event", obj_id=eid_str)
                continue
            role, target = a["role"], a["span"]
            if not isinstance(role, str) or not isinstance(target, str):
                c.add("arg-shape", f"argument role and span must be strings, got {role!r} / {target!r}",
                      "write {\"role\": \"attacker\", \"span\": \"a1\"}", kind="event", obj_id=eid_str)
                continue
            if (role, target) in seen_args:
                c.add("duplicate-arg", f"argument {role}={target} appears twice", "remove the repeat",
                      kind="event", obj_id=eid_str)
            seen_args.add((role, target))
            if et is not None and role not in et.roles:
                c.add("unknown-role", f"role {role!r} is not a role of {etype}", f"use one of {', '.join(et.roles)}",
                      kind="event", obj_id=eid_str)
            if not isinstance(target, str) or target not in span_label:
                c.add("dangling-argument", f"argument {role} points at missing span {target!r}",
                      "point it at the id of a span in this file", kind="event", obj_id=eid_str)
                continue
            if et is not None and role in et.roles:
                lab = span_label[target]
                allowed = et.roles[role]
                if lab and lab not in allowed:
                    c.add("role-label", f"argument {role}={target} is a {lab} span; {etype}.{role} takes {'/'.join(allowed)}",
                          "link a span with an allowed label or change the role", kind="event", obj_id=eid_str)
        attrs = e.get("attrs", {})
        _check_attrs(c, "event", eid_str, attrs, schema.event_attributes, f"{etype} event")
        if isinstance(attrs, dict):
            for name, value in attrs.items():
                d = schema.event_attributes.get(name)
                if d is not None and d.type == "event_ref" and isinstance(value, str):
                    same_as_refs.append((eid_str, value))
    for eid, ref in same_as_refs:
        if ref == eid:
            c.add("self-reference", f"event {eid} refers to itself", "point same_as at the main frame", kind="event", obj_id=eid)
        elif ref not in event_ids:
            c.add("dangling-event-ref", f"event {eid} refers to missing event {ref!r}", "use the id of an event in this file",
                  kind="event", obj_id=eid)
    for sid, lab in span_label.items():
        if lab == schema.trigger_label and sid not in trigger_use:
            c.add("orphan-trigger", f"trigger span {sid} anchors no event", "add an event with this trigger or remove the span",
                  kind="span", obj_id=sid)
    return c.problems


def json_locator(raw: str) -> Locator:
    """Find the line of a span/event object by id in a JSON annotation file's raw text."""
    spans_at = raw.find('"spans"')
    events_at = raw.find('"events"')

    def locate(kind: str, ident: str, nth: int = 0) -> tuple[int, int | None] | None:
        start = events_at if kind == "event" else spans_at
        if start < 0:
            return None
        end = events_at if kind == "span" and events_at > spans_at else len(raw)
        pat = re.compile(r'"id"\s*:\s*' + re.escape(json.dumps(ident)))
        found = list(pat.finditer(raw, start, end))
        if len(found) <= nth:
            return None
        m = found[nth]
        line = raw.count("\n", 0, m.start()) + 1
        col = m.start() - (raw.rfind("\n", 0, m.start()) + 1) + 1
        return line, col

    return locate


def parse_json(raw: str, file: str) -> tuple[Any, list[Problem]]:
    try:
        return json.loads(raw), []
    except json.JSONDecodeError as exc:
        return None, [Problem(file=file, code="malformed-json", message=exc.msg, line=exc.lineno, column=exc.colno,
                              hint="fix the JSON syntax at this place")]
    except (RecursionError, ValueError) as exc:  # absurd nesting depth or integer size
        return None, [Problem(file=file, code="malformed-json", message=f"unreadable JSON: {exc}", line=1,
                              hint="this is not an annotation file casus can read; rewrite it")]


def check_metadata(meta: Any, text: str | None, file: str) -> list[Problem]:
    c = _Collector(file, _no_locator)
    if not isinstance(meta, dict):
        c.add("meta-type", "metadata must be a JSON object", "see README, 'Corpus layout'")
        return c.problems
    for k in META_REQUIRED:
        if k not in meta or meta[k] in (None, ""):
            c.add("missing-metadata", f"metadata lacks {k!r}", f"add \"{k}\"")
    for k in sorted(set(meta) - META_KNOWN):
        c.add("unknown-metadata", f"unknown metadata key {k!r}", f"allowed: {', '.join(sorted(META_KNOWN))}")
    date = meta.get("date")
    if isinstance(date, str) and date and not DATE_RE.match(date):
        c.add("bad-date", f"date {date!r} is not YYYY-MM-DD", "write the date as YYYY-MM-DD")
    kind = meta.get("kind")
    if kind is not None and kind not in DOC_KINDS:
        c.add("bad-kind", f"kind {kind!r} is not one of {DOC_KINDS}", f"use one of {', '.join(DOC_KINDS)}")
    neg = meta.get("hard_negative")
    if neg is not None and neg not in HARD_NEGATIVE_VALUES:
        c.add("bad-hard-negative", f"hard_negative {neg!r} is not one of {HARD_NEGATIVE_VALUES}",
              "write hard_negative: yes (a conflict-adjacent text with no attack, abduction or arrest) or no")
    if text is not None:
        if "sha256" in meta and meta["sha256"] != text_sha256(text):
            c.add("text-hash-mismatch", "sha256 in metadata does not match the text file",
                  "the text changed: re-validate its annotations, then update sha256")
        if "\r" in text:
            line = text[: text.index("\r")].count("\n") + 1
            c.add("crlf", "the text contains carriage returns (CR); corpus texts are LF-only", "convert line endings to LF",
                  line=line)
    return c.problems


def check_hard_negative(meta: Any, data: Any, file: str) -> list[Problem]:
    """A gold annotation of a document marked ``hard_negative: yes`` has no event frame (GUIDELINES D34)."""
    if not isinstance(meta, dict) or meta.get("hard_negative") != "yes" or not isinstance(data, dict):
        return []
    if data.get("annotator", "gold") != "gold":
        return []  # a pass that finds an event in a hard negative disagrees with gold; agreement measures it
    events = [e.get("id") for e in data.get("events") or [] if isinstance(e, dict)]
    if not events:
        return []
    return [Problem(file=file, code="hard-negative-with-events", line=2, obj_id=str(events[0]),
                    message=f"the document is marked hard_negative: yes but has {len(events)} event frame(s) "
                            f"({', '.join(map(str, events[:5]))})",
                    hint="a hard negative reports no specific attack, abduction or arrest (D34): remove the "
                         "events, or set hard_negative: no")]


def read_text_file(path: Path) -> tuple[str | None, list[Problem]]:
    try:
        return path.read_bytes().decode("utf-8"), []
    except UnicodeDecodeError as exc:
        return None, [Problem(file=str(path), code="not-utf8", message=f"not valid UTF-8 at byte {exc.start}",
                              hint="save the file as UTF-8")]
    except OSError as exc:
        return None, [Problem(file=str(path), code="unreadable", message=str(exc), hint="check the path")]
