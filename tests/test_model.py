"""Core model invariants (casus.model) and schema loading (casus.schema)."""

from __future__ import annotations

import pytest

from casus.errors import CasusError, ModelError, SchemaError
from casus.model import (AnnotationSet, Argument, Document, Event, Span, annotation_from_dict, text_sha256)
from casus.schema import load_schema
from conftest import SCHEMA_SRC

TEXT = "Gunmen attacked Solhan."


def doc(text=TEXT):
    return Document("d1", text)


def test_model_error_is_a_casus_and_value_error():
    assert issubclass(ModelError, CasusError) and issubclass(ModelError, ValueError)


@pytest.mark.parametrize("start,end", [(3, 3), (5, 2), (-1, 2)])
def test_span_needs_0_le_start_lt_end(start, end):
    with pytest.raises(ModelError):
        Span("a1", start, end, "ACTOR")


@pytest.mark.parametrize("start,end", [(True, 2), (0, 2.0), ("0", 2), (None, 2)])
def test_span_offsets_must_be_ints(start, end):
    with pytest.raises(ModelError):
        Span("a1", start, end, "ACTOR")


@pytest.mark.parametrize("sid", ["", "a b", "-a", ".a", "a/b", "é", 7])
def test_bad_span_ids(sid):
    with pytest.raises(ModelError):
        Span(sid, 0, 1, "ACTOR")


def test_span_label_required():
    with pytest.raises(ModelError):
        Span("a1", 0, 1, "")


def test_valid_span_and_overlap():
    a, b, c = Span("a", 0, 6, "ACTOR"), Span("b", 5, 9, "ACTOR"), Span("c", 6, 9, "ACTOR")
    assert a.overlaps(b) and b.overlaps(a)
    assert not a.overlaps(c) and not c.overlaps(a)
    assert a.key == (0, 6, "ACTOR")


def test_span_attrs_are_read_only():
    s = Span("c1", 0, 1, "CASUALTY", {"status": "killed"})
    with pytest.raises(TypeError):
        s.attrs["status"] = "injured"  # type: ignore[index]


def test_annotation_set_span_beyond_text_raises():
    with pytest.raises(ModelError, match="beyond text length"):
        AnnotationSet(doc(), spans=(Span("a1", 16, len(TEXT) + 1, "LOCATION"),))
    AnnotationSet(doc(), spans=(Span("a1", 16, len(TEXT), "LOCATION"),))  # end == len(text) is fine


def test_annotation_set_duplicate_span_id_raises():
    with pytest.raises(ModelError, match="duplicate"):
        AnnotationSet(doc(), spans=(Span("a1", 0, 6, "ACTOR"), Span("a1", 16, 22, "LOCATION")))


def test_event_trigger_must_be_a_span():
    spans = (Span("a1", 0, 6, "ACTOR"), Span("e1", 7, 15, "TRIGGER"))
    with pytest.raises(ModelError, match="trigger"):
        AnnotationSet(doc(), spans=spans, events=(Event("e1", "ATTACK", "e9"),))
    AnnotationSet(doc(), spans=spans, events=(Event("e1", "ATTACK", "e1"),))


def test_event_argument_must_be_a_span():
    spans = (Span("a1", 0, 6, "ACTOR"), Span("e1", 7, 15, "TRIGGER"))
    with pytest.raises(ModelError, match="argument"):
        AnnotationSet(doc(), spans=spans, events=(Event("e1", "ATTACK", "e1", args=(Argument("attacker", "a9"),)),))


def test_event_args_must_be_arguments():
    with pytest.raises(ModelError):
        Event("e1", "ATTACK", "e1", args=({"role": "attacker", "span": "a1"},))  # type: ignore[arg-type]


@pytest.mark.parametrize("role,span", [("", "a1"), ("attacker", ""), ("attacker", None)])
def test_argument_needs_role_and_span(role, span):
    with pytest.raises(ModelError):
        Argument(role, span)


def test_event_needs_type():
    with pytest.raises(ModelError):
        Event("e1", "", "e1")


def test_document_checks():
    with pytest.raises(ModelError):
        Document("bad id", "x")
    with pytest.raises(ModelError):
        Document("d1", b"bytes")  # type: ignore[arg-type]
    d = Document("d1", "é💥")
    assert d.sha256 == text_sha256("é💥") == __import__("hashlib").sha256("é💥".encode("utf-8")).hexdigest()


@pytest.mark.parametrize("make", [lambda: Document("d1\n", "x"), lambda: Span("a1\n", 0, 1, "ACTOR")])
def test_ids_with_trailing_newline_are_rejected(make):
    with pytest.raises(ModelError):
        make()


def test_spans_are_sorted_and_dict_round_trip():
    spans = (Span("l1", 16, 22, "LOCATION"), Span("a1", 0, 6, "ACTOR"), Span("e1", 7, 15, "TRIGGER"))
    events = (Event("e1", "ATTACK", "e1", "other", (Argument("attacker", "a1"), Argument("place", "l1")),
                    {"modality": "claimed"}),)
    aset = AnnotationSet(doc(), spans=spans, events=events, annotator="bob")
    assert [s.id for s in aset.spans] == ["a1", "e1", "l1"]
    d = aset.to_dict()
    assert d["text_sha256"] == text_sha256(TEXT)
    assert [s["text"] for s in d["spans"]] == ["Gunmen", "attacked", "Solhan"]
    back = annotation_from_dict(d, doc())
    assert back == aset
    assert aset.events[0].modality == "claimed" and aset.events[0].fillers("place") == ["l1"]
    assert Event("e2", "ATTACK", "e1").modality == "asserted"
    assert [s.id for s in aset.entities()] == ["a1", "l1"] and [s.id for s in aset.triggers()] == ["e1"]


def test_load_schema_and_errors(tmp_path):
    schema = load_schema(SCHEMA_SRC)
    assert schema.trigger_label == "TRIGGER"
    assert "CASUALTY" in schema.entity_labels and schema.is_label("TRIGGER")
    with pytest.raises(SchemaError, match="not found"):
        load_schema(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("labels:\n  ACTOR: {}\nevent_types:\n  ATTACK:\n    roles:\n      attacker: [PERSON]\n",
                   encoding="utf-8")
    with pytest.raises(SchemaError, match="PERSON"):
        load_schema(bad)
    bad.write_text("labels: [\n", encoding="utf-8")
    with pytest.raises(SchemaError, match="YAML"):
        load_schema(bad)
