"""doccano JSONL: UTF-16 offsets, CRLF texts, lossless round trip of spans, attributes and events."""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import given, settings

from casus.errors import FormatError, ModelError
from casus.formats import doccano
from casus.formats.offsets import annotation_to_lf
from casus.model import AnnotationSet, Argument, Document, Event, Span

from _format_cases import FIXTURES, SCHEMA, corpora


@settings(max_examples=60, deadline=None)
@given(corpora())
def test_round_trip_is_lossless(tmp_path_factory, asets):
    path = tmp_path_factory.mktemp("doccano") / "out.jsonl"
    doccano.write(asets, path, SCHEMA)
    assert doccano.read(path, SCHEMA) == asets


@settings(max_examples=40, deadline=None)
@given(corpora())
def test_round_trip_in_code_points_and_via_streams(asets):
    buf = io.BytesIO()
    doccano.write(asets, buf, SCHEMA, offsets="codepoint")
    buf.seek(0)
    assert doccano.read(buf, SCHEMA, offsets="codepoint") == asets


@settings(max_examples=40, deadline=None)
@given(corpora(crlf=False))
def test_crlf_export_and_lf_normalising_import(asets):
    raw = doccano.dumps(asets, SCHEMA, newline="crlf")
    recs = [json.loads(line) for line in raw.splitlines()]
    for rec, aset in zip(recs, asets):
        if "\n" in aset.text:
            assert "\r\n" in rec["text"] and rec["line_endings"] == "crlf"
    kept = doccano.loads(raw, SCHEMA)  # offsets refer to the CRLF text as stored
    for k, aset in zip(kept, asets):
        assert [k.span_text(s).replace("\r\n", "\n") for s in k.spans] == [aset.span_text(s) for s in aset.spans]
    assert doccano.loads(raw, SCHEMA, newline="lf") == asets


def test_emoji_before_span_fixture_utf16_offsets():
    a, b = doccano.read(FIXTURES / "emoji_before_span.jsonl", SCHEMA)
    assert a.doc_id == "101" and b.doc_id == "102"
    assert [(a.span_text(s), s.label) for s in a.spans] == [
        ("Gunmen", "ACTOR"), ("attacked", "TRIGGER"), ("Kidal", "LOCATION"), ("five soldiers", "CASUALTY")]
    assert a.spans[0].start == 3  # "🚀😀 " is 3 code points, 5 UTF-16 code units
    (ev,) = a.events
    trig = next(s for s in a.spans if s.label == "TRIGGER")
    assert (ev.type, ev.subtype, ev.trigger, ev.id) == ("ATTACK", "shooting", trig.id, trig.id)
    by_id = a.span_by_id()
    # the victim relation was drawn from the casualty to the trigger: still an argument of the event
    assert [(x.role, a.span_text(by_id[x.span])) for x in ev.args] == [
        ("attacker", "Gunmen"), ("place", "Kidal"), ("victim", "five soldiers")]
    assert all(s.id.startswith("_") for s in a.spans)  # plain doccano data: generated ids
    assert [(b.span_text(s), s.label) for s in b.spans] == [("Drone strike", "TRIGGER"), ("Gao", "LOCATION")]
    assert b.events[0].type == "ATTACK" and b.events[0].subtype == "drone_strike"
    # written back, the offsets are UTF-16 again
    rec = json.loads(doccano.dumps([a], SCHEMA))
    assert [(e["start_offset"], e["end_offset"]) for e in rec["entities"]] == [(5, 11), (15, 23), (27, 32), (42, 55)]


def test_crlf_text_fixture_keep_and_normalise():
    (kept,) = doccano.read(FIXTURES / "crlf_text.jsonl", SCHEMA)
    assert "\r\n" in kept.text and kept.doc_id == "solhan"
    texts = [kept.span_text(s) for s in kept.spans]
    assert texts == ["Gunmen", "attacked", "Solhan", "At least 100 civilians", "army", "jihadists"]
    (lf,) = doccano.read(FIXTURES / "crlf_text.jsonl", SCHEMA, newline="lf")
    assert "\r" not in lf.text
    assert [lf.span_text(s) for s in lf.spans] == texts
    assert lf.spans[3].start == kept.spans[3].start - 1  # one CR before it
    assert lf.spans[-1].start == kept.spans[-1].start - 3
    assert lf == annotation_to_lf(kept)
    assert [a.role for a in lf.events[0].args] == ["attacker", "place", "victim"]
    assert lf.events[0].subtype is None


def test_ids_and_attrs_survive_label_edits_in_doccano():
    doc = Document("d1", "Five soldiers died in Gao.")
    aset = AnnotationSet(doc, (Span("c1", 0, 13, "CASUALTY", {"status": "killed", "group": "military", "count": 5}),
                               Span("k", 14, 18, "TRIGGER"), Span("l1", 22, 25, "LOCATION")),
                         (Event("e9", "ATTACK", "k", "other", (Argument("victim", "c1"), Argument("place", "l1")),
                                {"modality": "claimed"}),))
    rec = doccano.record(aset, SCHEMA)
    assert rec["entities"][1]["label"] == "ATTACK:other"
    assert rec["relations"][0] == {"id": 1, "from_id": 2, "to_id": 1, "type": "victim"}
    rec["entities"][2]["label"] = "ACTOR"  # an annotator relabels l1 in doccano
    rec["entities"] = list(reversed(rec["entities"]))  # and doccano reorders
    for i, e in enumerate(rec["entities"]):  # and renumbers entity ids
        old = e["id"]
        e["id"] = 100 + i
        for r in rec["relations"]:
            r["from_id"] = 100 + i if r["from_id"] == old else r["from_id"]
            r["to_id"] = 100 + i if r["to_id"] == old else r["to_id"]
    (back,) = doccano.loads(json.dumps(rec), SCHEMA)
    assert [(s.id, s.label) for s in back.spans] == [("c1", "CASUALTY"), ("k", "TRIGGER"), ("l1", "ACTOR")]
    assert back.spans[0].attrs == {"status": "killed", "group": "military", "count": 5}
    assert back.events == aset.events


def test_unwritable_annotation_raises_model_error():
    doc = Document("d", "Gunmen attacked.")
    two = AnnotationSet(doc, (Span("t", 7, 15, "TRIGGER"),), (Event("e1", "ATTACK", "t"), Event("e2", "ATTACK", "t")))
    with pytest.raises(ModelError, match="anchors events"):
        doccano.dumps([two], SCHEMA)


def test_malformed_names_file_and_line():
    with pytest.raises(FormatError) as exc:
        doccano.read(FIXTURES / "doccano_malformed.jsonl", SCHEMA)
    msg = str(exc.value)
    assert "doccano_malformed.jsonl:2:" in msg and "surrogate pair" in msg
    assert exc.value.line == 2


@pytest.mark.parametrize("line, message", [
    ('{"text": "abc", "label": [[0, 9, "ACTOR"]]}', "outside the text"),
    ('{"text": "abc", "label": [[2, 1, "ACTOR"]]}', "not before end"),
    ('{"text": "abc", "label": ["ACTOR"]}', "must be \\[start, end"),
    ('{"label": []}', 'no "text"'),
    ('{"text": "abc", "entities": [{"id": 1, "start_offset": 0, "end_offset": 1, "label": "ACTOR"}, '
     '{"id": 2, "start_offset": 2, "end_offset": 3, "label": "LOCATION"}], '
     '"relations": [{"id": 1, "from_id": 1, "to_id": 2, "type": "near"}]}', "neither of which is an event trigger"),
    ('{"text": "abc", "entities": [], "relations": [{"id": 1, "from_id": 1, "to_id": 2, "type": "x"}]}',
     "not in this record"),
    ('{"text": "abc", "doc_id": "bad id"}', "not a valid casus id"),
    ('{"text": "abc", "label": [[0, 1, "ACTOR"]]', "not valid JSON"),
])
def test_malformed_records(tmp_path, line, message):
    p = tmp_path / "in.jsonl"
    p.write_text('{"text": "ok"}\n\n' + line + "\n", encoding="utf-8")
    with pytest.raises(FormatError, match=message) as exc:
        doccano.read(p, SCHEMA)
    assert str(exc.value).startswith(f"{p}:3:")
