"""CoNLL BIO: tokens split at span boundaries, optional offsets, the CoNLL-2003 layout, what is lost."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from casus.errors import FormatError, ModelError
from casus.formats import conll
from casus.model import AnnotationSet, Document, Event, Span

from _format_cases import FIXTURES, SCHEMA, blank_ws, corpora, keys, nows


def _classes(aset: AnnotationSet) -> list[tuple[int, int, str | None, str | None]]:
    by = aset.span_by_id()
    out = []
    for e in aset.events:
        s = by[e.trigger]
        out.append((s.start, s.end, e.type, e.subtype))
    return sorted(out)


def _first_classes(aset: AnnotationSet):
    seen, out = set(), []
    by = aset.span_by_id()
    for e in aset.events:
        if e.trigger not in seen:
            seen.add(e.trigger)
            out.append((by[e.trigger].start, by[e.trigger].end, e.type, e.subtype))
    return sorted(out)


@settings(max_examples=50, deadline=None)
@given(corpora())
def test_round_trip_with_offsets_keeps_spans_and_event_types(tmp_path_factory, asets):
    path = tmp_path_factory.mktemp("conll") / "out.conll"
    conll.write(asets, path, SCHEMA, offsets=True)
    back = conll.read(path, SCHEMA)
    assert [b.doc_id for b in back] == [a.doc_id for a in asets]
    for a, b in zip(asets, back):
        assert keys(b) == keys(a)
        assert b.text == blank_ws(a.text)[:len(b.text)] and not blank_ws(a.text)[len(b.text):].strip()
        assert _classes(b) == _first_classes(a)
        assert all(not s.attrs for s in b.spans) and all(not e.args and not e.attrs for e in b.events)


@settings(max_examples=50, deadline=None)
@given(corpora())
def test_round_trip_without_offsets_keeps_labels_and_surface(asets):
    for scheme in ("BIO", "IOBES"):
        back = conll.loads(conll.dumps(asets, SCHEMA, scheme=scheme), SCHEMA)
        for a, b in zip(asets, back):
            assert [(nows(a.span_text(s)), s.label) for s in a.spans] == \
                   [(nows(b.span_text(s)), s.label) for s in b.spans]
            assert nows(b.text) == nows(a.text)
            assert "\r" not in b.text and "  " not in b.text


def test_written_layout_splits_at_span_boundaries():
    doc = Document("d1", "The US-led airstrikes hit\r\nGao.")
    aset = AnnotationSet(doc, (Span("a", 4, 6, "ACTOR"), Span("t", 14, 21, "TRIGGER"), Span("l", 27, 30, "LOCATION")),
                         (Event("t", "ATTACK", "t", "airstrike"),))
    lines = conll.dumps([aset], SCHEMA).splitlines()
    assert lines[:2] == ["-DOCSTART-\td1", ""]
    assert lines[2:9] == ["The\tO", "US\tB-ACTOR", "-led\tO", "air\tO", "strikes\tB-ATTACK:airstrike", "hit\tO",
                          "Gao\tB-LOCATION"]
    (back,) = conll.loads("\n".join(lines), SCHEMA)
    assert back.text == "The US -led air strikes hit Gao ."
    with_off = conll.dumps([aset], SCHEMA, offsets=True).splitlines()
    assert with_off[3] == "US\t4\t6\tB-ACTOR"
    (back,) = conll.loads("\n".join(with_off), SCHEMA)
    assert back.text == "The US-led airstrikes hit  Gao." and keys(back) == keys(aset)
    no_trig = conll.dumps([aset], SCHEMA, triggers=False)
    assert "strikes\tO" in no_trig


def test_conll2003_four_columns_and_iob1():
    d1, d2 = conll.read(FIXTURES / "conll2003_4col.conll", SCHEMA)
    assert (d1.doc_id, d2.doc_id) == ("conll2003_4col-1", "conll2003_4col-2")
    assert d1.text == "Gunmen attacked Solhan .\nFive soldiers died ."
    assert [(d1.span_text(s), s.label) for s in d1.spans] == [
        ("Gunmen", "ACTOR"), ("attacked", "TRIGGER"), ("Solhan", "LOCATION"), ("Five soldiers", "CASUALTY")]
    assert [(e.type, e.subtype, e.trigger) for e in d1.events] == [("ATTACK", "shooting", d1.spans[1].id)]
    assert [(d2.span_text(s), s.label) for s in d2.spans] == [
        ("Rockets", "WEAPON"), ("Kharkiv", "LOCATION"), ("Sumy", "LOCATION"), ("Erbil", "LOCATION")]


def test_unwritable_spans_raise_model_error():
    doc = Document("d", "Gunmen  fired")
    with pytest.raises(ModelError, match="whitespace"):
        conll.dumps([AnnotationSet(doc, (Span("a", 0, 7, "ACTOR"),))], SCHEMA)
    with pytest.raises(ModelError, match="overlap"):
        conll.dumps([AnnotationSet(doc, (Span("a", 0, 6, "ACTOR"), Span("b", 3, 13, "WEAPON")))], SCHEMA)


def test_malformed_names_file_and_line():
    with pytest.raises(FormatError) as exc:
        conll.read(FIXTURES / "conll_malformed.conll", SCHEMA)
    assert "conll_malformed.conll:4:" in str(exc.value) and "X-ATTACK" in str(exc.value)


@pytest.mark.parametrize("body, message", [
    ("Gunmen\n", "expected 'token<TAB>tag'"),
    ("Gunmen\t0\t6\tB-ACTOR\nfired\t3\t8\tO\n", "overlaps or precedes"),
    ("Gunmen\t0\t9\tB-ACTOR\n", "has 6 characters"),
    ("Gunmen\t0\t6\tB-ACTOR\nfired\tO\n", "layout"),
    ("-DOCSTART-\tbad/id\n", "not a valid casus id"),
])
def test_malformed_lines(tmp_path, body, message):
    p = tmp_path / "x.conll"
    p.write_text("-DOCSTART-\tok\n\n" + body, encoding="utf-8")
    with pytest.raises(FormatError, match=message) as exc:
        conll.read(p, SCHEMA)
    assert str(exc.value).startswith(f"{p}:")
