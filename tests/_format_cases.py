"""Shared helpers for tests/test_formats_*.py: the schema, and hypothesis strategies for annotation sets
with unicode and astral (emoji) characters, CRLF line breaks, adjacent spans, and spans at the very
start and end of the text."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import strategies as st

from casus.formats.offsets import crlf_to_lf, lf_to_crlf
from casus.model import AnnotationSet, Argument, Document, Event, Span
from casus.schema import load_schema

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = load_schema(ROOT / "annotations" / "schema.yaml")
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "formats"

# Word characters: ASCII, accented, CJK, astral emoji and symbols (2 UTF-16 code units each).
WORD_CHARS = "abcXYZ019éüßЖж中文😀💥🇺🇸𝔘-'’.,"
GAP_PIECES = [" ", "  ", "\n", "\r\n", "\r\n\r\n", "\t", ", ", ". ", " 😀 ", " (", ") ", "\u00a0", ""]


def words(min_size: int = 1) -> st.SearchStrategy[str]:
    return st.text(alphabet=WORD_CHARS, min_size=min_size, max_size=6)


@st.composite
def span_text(draw) -> str:
    """Non-empty, no whitespace at either edge, maybe whitespace (even CRLF) inside."""
    first = draw(words())
    rest = draw(st.lists(st.tuples(st.sampled_from([" ", "\r\n", "\n", " "]), words()), max_size=2))
    return first + "".join(sep + w for sep, w in rest)


@st.composite
def annotation_sets(draw, doc_id: str | None = None, crlf: bool | None = None) -> AnnotationSet:
    """A valid-shaped AnnotationSet: flat spans (adjacent allowed), CASUALTY attributes, events with
    arguments (repeated roles), modality and same_as; text maybe starting/ending inside a span."""
    n = draw(st.integers(min_value=0, max_value=6))
    pieces: list[tuple[str, str | None]] = []
    lead = draw(st.sampled_from(["", "", "😀 ", "Lead text. "]))
    if lead:
        pieces.append((lead, None))
    for i in range(n):
        pieces.append((draw(span_text()), "S"))
        if i < n - 1 or draw(st.booleans()):
            gap = draw(st.sampled_from(GAP_PIECES))
            if gap == "" and draw(st.booleans()):
                gap = draw(words()) + " "
            if gap:
                pieces.append((gap, None))
    text = ""
    ranges: list[tuple[int, int]] = []
    for piece, kind in pieces:
        if kind == "S":
            ranges.append((len(text), len(text) + len(piece)))
        text += piece
    if crlf is not None:  # force LF-only (False) or CRLF-only (True) line breaks, moving the ranges
        lf, to_lf = crlf_to_lf(text)
        ranges = [(to_lf(s), to_lf(e)) for s, e in ranges]
        text = lf
        if crlf:
            text, to_crlf = lf_to_crlf(lf)
            ranges = [(to_crlf(s), to_crlf(e)) for s, e in ranges]

    labels = SCHEMA.entity_labels
    ids = draw(st.lists(st.from_regex(r"[a-z][a-z0-9_]{0,3}", fullmatch=True), min_size=len(ranges),
                        max_size=len(ranges), unique=True))
    spans: list[Span] = []
    trig_ids: list[str] = []
    for (s, e), sid in zip(ranges, ids):
        is_trig = draw(st.integers(0, 3)) == 0
        if is_trig:
            spans.append(Span(id=sid, start=s, end=e, label=SCHEMA.trigger_label))
            trig_ids.append(sid)
            continue
        label = draw(st.sampled_from(labels))
        attrs: dict = {}
        if label == "CASUALTY":
            attrs["status"] = draw(st.sampled_from(["killed", "injured", "missing", "abducted", "unknown"]))
            attrs["group"] = draw(st.sampled_from(["civilian", "military", "police", "militant", "unknown"]))
            if draw(st.booleans()):
                attrs["count"] = draw(st.integers(0, 500))
                attrs["count_qualifier"] = draw(st.sampled_from(["exact", "at_least", "about"]))
        spans.append(Span(id=sid, start=s, end=e, label=label, attrs=attrs))
    entities = [sp for sp in spans if sp.label != SCHEMA.trigger_label]
    events: list[Event] = []
    for k, tid in enumerate(trig_ids):
        etype = draw(st.sampled_from(SCHEMA.event_type_names))
        et = SCHEMA.event_types[etype]
        sub = draw(st.sampled_from(et.subtypes + [None])) if et.subtypes else None
        args: list[Argument] = []
        if entities:
            for _ in range(draw(st.integers(0, 4))):
                role = draw(st.sampled_from(list(et.roles)))
                target = draw(st.sampled_from(entities)).id
                if (role, target) not in {(a.role, a.span) for a in args}:
                    args.append(Argument(role=role, span=target))
        attrs = {}
        if draw(st.booleans()):
            attrs["modality"] = draw(st.sampled_from(["claimed", "denied", "hypothetical", "asserted"]))
        eid = tid if draw(st.booleans()) else f"ev{k}"
        if eid != tid and eid in ids:
            eid = tid
        if events and draw(st.booleans()):
            attrs["same_as"] = events[0].id
        events.append(Event(id=eid, type=etype, subtype=sub, trigger=tid, args=tuple(args), attrs=attrs))
    events = draw(st.permutations(events)) if len(events) > 1 else events
    meta = draw(st.sampled_from([{}, {"title": "Ünïcode 😀 title", "date": "2024-01-02"}]))
    doc = Document(id=doc_id or draw(st.from_regex(r"doc-[a-z0-9]{1,6}", fullmatch=True)), text=text, metadata=meta)
    annotator = draw(st.sampled_from(["gold", "alice"]))
    return AnnotationSet(document=doc, spans=tuple(spans), events=tuple(events), annotator=annotator)


@st.composite
def corpora(draw, max_docs: int = 3, crlf: bool | None = None) -> list[AnnotationSet]:
    k = draw(st.integers(1, max_docs))
    return [draw(annotation_sets(doc_id=f"doc-{i}", crlf=crlf)) for i in range(k)]


def keys(aset: AnnotationSet) -> list[tuple[int, int, str]]:
    return sorted(s.key for s in aset.spans)


def nows(text: str) -> str:
    return "".join(text.split())


def blank_ws(text: str) -> str:
    return re.sub(r"\s", " ", text)
