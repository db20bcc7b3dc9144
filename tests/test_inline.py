"""The inline contributor format (GUIDELINES section 3): round trip and located markup errors."""

from __future__ import annotations

import copy
import unicodedata

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from casus.errors import InlineSyntaxError, ModelError
from casus.formats import inline
from casus.model import AnnotationSet, Argument, Document, Event, Span, text_sha256
from casus.schema import Schema, load_schema
from casus.validate import check_annotation
from conftest import BASE_META, INLINE_HEADER, SCHEMA_SRC

SCHEMA = load_schema(SCHEMA_SRC)
HEADER = INLINE_HEADER.format(id="d1")
BODY_LINE = HEADER.count("\n") + 1  # line number of the first body line (11)


def _extended_schema() -> Schema:
    """The project schema plus free-text `note` attributes (to exercise value quoting)."""
    raw = yaml.safe_load(SCHEMA_SRC.read_text(encoding="utf-8"))
    raw = copy.deepcopy(raw)
    raw["labels"]["ACTOR"].setdefault("attributes", {})
    raw["labels"]["ACTOR"]["attributes"] = dict(raw["labels"]["ACTOR"]["attributes"] or {},
                                                note={"type": "string", "required": False})
    raw["event_attributes"]["note"] = {"type": "string", "required": False}
    return Schema.model_validate(raw)


def _parse_errors(raw: str, schema: Schema = SCHEMA) -> list[tuple]:
    with pytest.raises(InlineSyntaxError) as info:
        inline.parse(raw, schema, "doc.casus.txt")
    for p in info.value.problems:
        assert p.file == "doc.casus.txt"
    return [(p.code, p.line, p.column) for p in info.value.problems if p.severity == "error"]


# --------------------------------------------------------------------------------------------------
# Hand-written inputs
# --------------------------------------------------------------------------------------------------

GUIDELINE_EXAMPLE = HEADER + (
    "[Gunmen](ACTOR #a1) [attacked](ATTACK:shooting #e1 attacker=a1 victim=c1 place=l1,l2) the village of\n"
    "[Diallassagou](LOCATION #l1) in [central Mali](LOCATION #l2), killing [at least 23 civilians](CASUALTY #c1\n"
    "status=killed count=23 count_qualifier=at_least group=civilian).\n"
)


def test_parse_guideline_example():
    parsed = inline.parse(GUIDELINE_EXAMPLE, SCHEMA, "example.casus.txt")
    text = "Gunmen attacked the village of\nDiallassagou in central Mali, killing at least 23 civilians.\n"
    assert parsed.document.text == text
    assert parsed.document.id == "d1"
    got = [(s.id, text[s.start:s.end], s.label, dict(s.attrs)) for s in parsed.annotation.spans]
    assert got == [
        ("a1", "Gunmen", "ACTOR", {}),
        ("e1", "attacked", "TRIGGER", {}),
        ("l1", "Diallassagou", "LOCATION", {}),
        ("l2", "central Mali", "LOCATION", {}),
        ("c1", "at least 23 civilians", "CASUALTY",
         {"status": "killed", "count": 23, "count_qualifier": "at_least", "group": "civilian"}),
    ]
    (ev,) = parsed.annotation.events
    assert (ev.id, ev.type, ev.subtype, ev.trigger) == ("e1", "ATTACK", "shooting", "e1")
    assert [(a.role, a.span) for a in ev.args] == [("attacker", "a1"), ("victim", "c1"), ("place", "l1"),
                                                   ("place", "l2")]
    assert parsed.document.metadata["sha256"] == text_sha256(text)
    assert parsed.document.metadata["date"] == "2022-06-19"
    assert "id" not in parsed.document.metadata


def test_escapes_become_literal_characters():
    parsed = inline.parse(HEADER + r"a \[b\] c \\ [d\]e](WEAPON #w1)" + "\n", SCHEMA)
    assert parsed.document.text == "a [b] c \\ d]e\n"
    (s,) = parsed.annotation.spans
    assert parsed.document.text[s.start:s.end] == "d]e"


def test_auto_ids_skip_explicit_ones():
    parsed = inline.parse(HEADER + "[a](ACTOR) [b](ACTOR #_1) [c](LOCATION)\n", SCHEMA)
    assert [(s.id, parsed.document.text[s.start:s.end]) for s in parsed.annotation.spans] == [
        ("_2", "a"), ("_1", "b"), ("_3", "c")]


def test_quoted_values_and_types():
    schema = _extended_schema()
    parsed = inline.parse(HEADER + r'[x](ACTOR #a1 note="say \"hi\" (twice) \\ ok")' + "\n", schema)
    (s,) = parsed.annotation.spans
    assert dict(s.attrs) == {"note": 'say "hi" (twice) \\ ok'}


# (name, body, expected [(code, line, column)]) -- the body starts on line BODY_LINE (11).
L = BODY_LINE
MARKUP_ERRORS = [
    ("unclosed_bracket", "Some text\nand [Gunmen came.\n", [("unclosed-span", L + 1, 5)]),
    ("nested_markup", "ab [Gunmen [x](ACTOR #a2)](ACTOR #a1)\n",
     [("nested-markup", L, 12), ("unmatched-bracket", L, 26)]),
    ("missing_annotation", "x\ny [Gunmen] came\n", [("missing-annotation", L + 1, 10)]),
    ("space_before_annotation", "[Gunmen] (ACTOR #a1)\n", [("missing-annotation", L, 8)]),
    ("bad_escape", "abc\nde \\n f\n", [("bad-escape", L + 1, 4)]),
    ("unknown_label", "line one\n  [Gunmen](PERSON #a1) came\n", [("unknown-label", L + 1, 3)]),
    ("carriage_return", "ab\r\ncd\n", [("carriage-return", L, 3)]),
    ("carriage_return_after_markup", "ab\ncd [x](ACTOR #a1)\r\n", [("carriage-return", L + 1, 18)]),
    ("unclosed_annotation", "ok\n[x](ACTOR #a1\n", [("unclosed-annotation", L + 1, 4)]),
    ("unmatched_close", "ab ] c\n", [("unmatched-bracket", L, 4)]),
    ("bad_token", "ab [x](ACTOR #a1 foo)\n", [("bad-token", L, 8)]),
    ("two_ids", "[x](ACTOR #a1 #a2)\n", [("two-ids", L, 5)]),
    ("subtype_on_entity", "[x](ACTOR:foo #a1)\n", [("unknown-event-type", L, 5), ("unknown-label", L, 1)]),
    ("whitespace_edge", "x [ Gunmen](ACTOR #a1)\n", [("whitespace-edge", L, 3)]),
    ("multiline_annotation_missing_attr",
     "[Gunmen](ACTOR #a1) [attacked](ATTACK:shooting #e1\n attacker=a1 victim=c1) [five](CASUALTY #c1\n"
     " status=killed count=5 count_qualifier=exact)\n",
     [("missing-attribute", L + 1, 25)]),
    ("dangling_argument", "[shot](ATTACK:shooting #e1 victim=c9) x\n", [("dangling-argument", L, 8)]),
    ("role_label", "[Mali](LOCATION #l1) [shot](ATTACK:shooting #e1 attacker=l1)\n", [("role-label", L, 29)]),
]


@pytest.mark.parametrize("name,body,expected", MARKUP_ERRORS, ids=[m[0] for m in MARKUP_ERRORS])
def test_markup_errors_carry_line_and_column(name, body, expected):
    assert _parse_errors(HEADER + body) == expected


def test_missing_header():
    assert _parse_errors("id: d1\n[x](ACTOR)\n") == [("missing-header", 1, 1)]


def test_unclosed_header():
    assert _parse_errors("---\nid: d1\n[x](ACTOR)\n") == [("unclosed-header", 1, 1)]


def test_header_without_id():
    raw = HEADER.replace("id: d1\n", "") + "[x](ACTOR #a1)\n"
    codes = [c for c, _, _ in _parse_errors(raw)]
    assert "missing-id" in codes


def test_errors_render_with_file_line_column():
    with pytest.raises(InlineSyntaxError) as info:
        inline.parse(HEADER + "ab\ny [Gunmen] came\n", SCHEMA, "some/dir/x.casus.txt")
    (p,) = info.value.problems
    assert p.render().startswith(f"some/dir/x.casus.txt:{L + 1}:10: error missing-annotation:")


def test_all_markup_errors_are_reported_together():
    body = "a ] b\nc \\q d\n[e](NOPE #n1)\n"
    assert _parse_errors(HEADER + body) == [("unmatched-bracket", L, 3), ("bad-escape", L + 1, 3),
                                           ("unknown-label", L + 2, 1)]


def test_trailing_key_without_value_is_an_error():
    raw = HEADER + "[Gunmen](ACTOR #a1) [attacked](ATTACK:shooting #e1 attacker=) them\n"
    _parse_errors(raw)


# --------------------------------------------------------------------------------------------------
# dump refuses what the format cannot express
# --------------------------------------------------------------------------------------------------

def _doc(text="Gunmen attacked Solhan."):
    return Document(id="d1", text=text, metadata=BASE_META)


def test_dump_refuses_overlap():
    aset = AnnotationSet(_doc(), spans=(Span("a1", 0, 6, "ACTOR"), Span("a2", 3, 8, "ACTOR")))
    with pytest.raises(ModelError):
        inline.dump(aset, SCHEMA)


def test_dump_refuses_trigger_without_event():
    aset = AnnotationSet(_doc(), spans=(Span("e1", 7, 15, "TRIGGER"),))
    with pytest.raises(ModelError):
        inline.dump(aset, SCHEMA)


def test_dump_refuses_event_id_differing_from_trigger():
    aset = AnnotationSet(_doc(), spans=(Span("t1", 7, 15, "TRIGGER"),),
                         events=(Event("e1", "ATTACK", "t1", "other"),))
    with pytest.raises(ModelError):
        inline.dump(aset, SCHEMA)


# --------------------------------------------------------------------------------------------------
# Round trip (hypothesis)
# --------------------------------------------------------------------------------------------------

SPECIALS = list("[]()\\#=\",:;-_ \n\t") + ["💥", "🇲🇱", "é", "ß", "١", "\u00a0", "\u2028", "\x00", "---"]
CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters="\r")
GAP = st.lists(st.one_of(st.sampled_from(SPECIALS), CHARS), max_size=8).map("".join)
IDS = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,4}", fullmatch=True)


def _clean_edges(s: str) -> bool:
    return bool(s) and s == s.strip() and not any(unicodedata.category(c) == "Zs" for c in (s[0], s[-1]))


SURFACE = st.lists(st.one_of(st.sampled_from(SPECIALS), CHARS), min_size=1, max_size=6).map("".join).filter(_clean_edges)


@st.composite
def casualty_attrs(draw, labdef):
    a = labdef.attributes
    attrs = {"status": draw(st.sampled_from(a["status"].values)), "group": draw(st.sampled_from(a["group"].values))}
    if draw(st.booleans()):
        count = draw(st.integers(0, 10_000))
        attrs["count"] = count
        qual = draw(st.sampled_from(a["count_qualifier"].values))
        attrs["count_qualifier"] = qual
        if qual == "range":
            attrs["count_max"] = count + draw(st.integers(0, 100))
    return attrs


TEXT_VALUES = st.lists(st.one_of(st.sampled_from(SPECIALS), CHARS, st.just("\n")), min_size=1, max_size=8).map("".join)


@st.composite
def annotation_sets(draw, schema: Schema, with_notes: bool = False):
    n = draw(st.integers(0, 7))
    ids = draw(st.lists(IDS, min_size=n, max_size=n, unique=True))
    labels = [draw(st.sampled_from(schema.entity_labels + [schema.trigger_label])) for _ in range(n)]
    pieces: list[str] = []
    spans: list[Span] = []
    pos = 0
    for sid, label in zip(ids, labels):
        gap, surface = draw(GAP), draw(SURFACE)
        start = pos + len(gap)
        end = start + len(surface)
        pieces += [gap, surface]
        pos = end
        attrs = {}
        if label == "CASUALTY":
            attrs = draw(casualty_attrs(schema.labels["CASUALTY"]))
        elif with_notes and label == "ACTOR" and draw(st.booleans()):
            attrs = {"note": draw(TEXT_VALUES)}
        spans.append(Span(sid, start, end, label, attrs))
    pieces.append(draw(GAP))
    text = "".join(pieces)

    triggers = [s for s in spans if s.label == schema.trigger_label]
    events: list[Event] = []
    for s in triggers:
        etype = draw(st.sampled_from(schema.event_type_names))
        et = schema.event_types[etype]
        subtype = draw(st.one_of(st.none(), st.sampled_from(et.subtypes)))
        args: list[Argument] = []
        for role, allowed in et.roles.items():
            candidates = [x.id for x in spans if x.label in allowed]
            if candidates:
                for target in draw(st.lists(st.sampled_from(candidates), unique=True, max_size=3)):
                    args.append(Argument(role, target))
        args = draw(st.permutations(args)) if args else []
        attrs = {}
        if draw(st.booleans()):
            attrs["modality"] = draw(st.sampled_from(schema.event_attributes["modality"].values))
        others = [t.id for t in triggers if t.id != s.id]
        if others and draw(st.booleans()):
            attrs["same_as"] = draw(st.sampled_from(others))
        if with_notes and draw(st.booleans()):
            attrs["note"] = draw(TEXT_VALUES)
        events.append(Event(s.id, etype, s.id, subtype, tuple(args), attrs))
    doc_id = draw(IDS)
    doc = Document(doc_id, text, metadata=BASE_META)
    return AnnotationSet(doc, tuple(spans), tuple(events))


def _view(aset: AnnotationSet):
    spans = [(s.id, s.start, s.end, s.label, dict(s.attrs)) for s in aset.spans]
    events = sorted((e.id, e.type, e.subtype, e.trigger, tuple((a.role, a.span) for a in e.args), dict(e.attrs))
                    for e in aset.events)
    return aset.document.id, aset.document.text, spans, events


def _round_trip(aset: AnnotationSet, schema: Schema) -> None:
    # the generated annotation is valid by construction; the validator must agree
    problems = check_annotation(aset.to_dict(), aset.text, schema, "gen")
    assert [p for p in problems if p.severity == "error"] == []
    raw = inline.dump(aset, schema)
    parsed = inline.parse(raw, schema, "gen.casus.txt")
    assert _view(parsed.annotation) == _view(aset)
    assert parsed.document.text == aset.document.text
    assert dict(parsed.document.metadata) == {**BASE_META, "sha256": text_sha256(aset.document.text)}
    # and dumping again is a fixed point
    assert inline.dump(parsed.annotation, schema) == raw


@settings(max_examples=200)
@given(annotation_sets(SCHEMA))
def test_round_trip(aset):
    _round_trip(aset, SCHEMA)


_EXT = _extended_schema()


@settings(max_examples=100)
@given(annotation_sets(_EXT, with_notes=True))
def test_round_trip_with_free_text_values(aset):
    _round_trip(aset, _EXT)


def test_free_text_value_with_trailing_newline_round_trips():
    aset = AnnotationSet(Document("d1", "x", BASE_META), (Span("a1", 0, 1, "ACTOR", {"note": ":\n"}),))
    parsed = inline.parse(inline.dump(aset, _EXT), _EXT)
    assert dict(parsed.annotation.spans[0].attrs) == {"note": ":\n"}


def test_round_trip_hand_written_tricky_text():
    text = "[x] \\ (y) 💥\n---\nnext ] [ line\n"
    spans = (Span("a1", 0, 3, "ACTOR"), Span("w1", 6, 9, "WEAPON"), Span("e1", 10, 11, "TRIGGER"))
    events = (Event("e1", "ATTACK", "e1", "bombing", (Argument("instrument", "w1"), Argument("attacker", "a1"))),)
    aset = AnnotationSet(Document("d1", text, BASE_META), spans, events)
    raw = inline.dump(aset, SCHEMA)
    assert raw.endswith("---\n[\\[x\\]](ACTOR #a1) \\\\ [(y)](WEAPON #w1) [💥](ATTACK:bombing #e1 instrument=w1 "
                        "attacker=a1)\n---\nnext \\] \\[ line\n")
    _round_trip(aset, SCHEMA)
