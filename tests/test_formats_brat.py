"""brat standoff: code-point offsets, attributes, events with repeated roles, ids kept in notes."""

from __future__ import annotations

import shutil

import pytest
from hypothesis import given, settings

from casus.errors import FormatError, ModelError
from casus.formats import brat
from casus.model import AnnotationSet, Argument, Document, Event, Span

from _format_cases import FIXTURES, SCHEMA, corpora


@settings(max_examples=50, deadline=None)
@given(corpora())
def test_round_trip_is_lossless(tmp_path_factory, asets):
    folder = tmp_path_factory.mktemp("brat")
    brat.write(asets, folder, SCHEMA)
    for a in asets:
        assert (folder / f"{a.doc_id}.txt").read_bytes() == a.text.encode("utf-8")  # CRLF kept byte-exactly
    assert brat.read(folder, SCHEMA) == sorted(asets, key=lambda a: a.doc_id)


@settings(max_examples=25, deadline=None)
@given(corpora(crlf=False))
def test_crlf_export_and_lf_import(tmp_path_factory, asets):
    folder = tmp_path_factory.mktemp("brat")
    brat.write(asets, folder, SCHEMA, newline="crlf")
    assert brat.read(folder, SCHEMA, newline="lf") == sorted(asets, key=lambda a: a.doc_id)


def test_encoding_of_events_attributes_and_notes(tmp_path):
    doc = Document("d1", "Gunmen attacked Gao and Kidal.\n")
    aset = AnnotationSet(doc, (Span("a1", 0, 6, "ACTOR"), Span("x", 7, 15, "TRIGGER"), Span("l1", 16, 19, "LOCATION"),
                               Span("l2", 24, 29, "LOCATION")),
                         (Event("e1", "ATTACK", "x", "drone_strike",
                                (Argument("attacker", "a1"), Argument("place", "l1"), Argument("place", "l2")),
                                {"modality": "claimed"}),))
    ann = brat.dumps_ann(aset, SCHEMA).splitlines()
    assert ann[1] == "T2\tATTACK-drone_strike 7 15\tattacked"
    assert "E1\tATTACK-drone_strike:T2 attacker:T1 place:T3 place2:T4" in ann
    assert "A1\tmodality E1 claimed" in ann
    assert "#1\tAnnotatorNotes T1\tcasus_id=a1" in ann and "#5\tAnnotatorNotes E1\tcasus_id=e1" in ann
    brat.write([aset], tmp_path, SCHEMA)
    conf = (tmp_path / "annotation.conf").read_text()
    assert "\tATTACK-drone_strike\tattacker*:ACTOR" in conf and "modality\tArg:<EVENT>" in conf
    assert brat.read(tmp_path / "d1.ann", SCHEMA) == [aset]


def test_brat_attributes_fixture(tmp_path):
    (aset,) = brat.read(FIXTURES / "brat_attributes", SCHEMA)
    assert aset.doc_id == "attack" and aset.annotator == "gold"
    spans = {s.id: (aset.span_text(s), s.label) for s in aset.spans}
    assert spans["a1"] == ("Gunmen", "ACTOR")  # id from the AnnotatorNotes
    assert spans["T2"] == ("attacked", "TRIGGER")  # no note: the brat id
    assert spans["T4"] == ("Yagha\nprovince", "LOCATION")  # fragments split at the line break, merged
    cas = next(s for s in aset.spans if s.label == "CASUALTY")
    assert cas.attrs == {"status": "killed", "count": 100, "count_qualifier": "at_least", "group": "civilian"}
    attack, arrest = aset.events
    assert (attack.id, attack.type, attack.subtype, attack.trigger) == ("e1", "ATTACK", "shooting", "T2")
    assert [(a.role, a.span) for a in attack.args] == [("attacker", "a1"), ("place", "T3"), ("place", "T4"),
                                                       ("victim", "T5")]
    assert dict(attack.attrs) == {"modality": "claimed", "Negated": True}
    # ARREST trigger without an E line, arguments from R lines (R2 drawn towards the trigger)
    assert (arrest.id, arrest.type, arrest.subtype, arrest.trigger) == ("T7", "ARREST", "arrest", "T7")
    assert [(a.role, a.span) for a in arrest.args] == [("agent", "T6"), ("detainee", "T8"), ("place", "T9")]
    assert aset.span_text(aset.span_by_id()["T9"]) == "Dori"  # after an emoji: code points
    # written and read back unchanged
    brat.write([aset], tmp_path, SCHEMA)
    assert brat.read(tmp_path, SCHEMA) == [aset]


def test_same_as_may_name_a_brat_event_id(tmp_path):
    (tmp_path / "d.txt").write_text("Strike. Strike.", encoding="utf-8")
    (tmp_path / "d.ann").write_text("T1\tATTACK-airstrike 0 6\tStrike\nT2\tATTACK-airstrike 8 14\tStrike\n"
                                    "E1\tATTACK-airstrike:T1\nE2\tATTACK-airstrike:T2\nA1\tsame_as E2 E1\n"
                                    "#1\tAnnotatorNotes E1\tcasus_id=main\n", encoding="utf-8")
    (aset,) = brat.read(tmp_path, SCHEMA)
    assert [e.id for e in aset.events] == ["main", "E2"] and aset.events[1].attrs["same_as"] == "main"


def test_unwritable_values_raise_model_error(tmp_path):
    doc = Document("d", "Five died.")
    aset = AnnotationSet(doc, (Span("c", 0, 4, "CASUALTY", {"status": "killed", "note": "two words"}),))
    with pytest.raises(ModelError, match="cannot be written in brat"):
        brat.write([aset], tmp_path, SCHEMA)
    with pytest.raises(ModelError, match="one per text"):
        brat.write([AnnotationSet(doc), AnnotationSet(doc, annotator="bob")], tmp_path / "x", SCHEMA)


def test_discontinuous_span_names_file_and_line():
    with pytest.raises(FormatError) as exc:
        brat.read(FIXTURES / "brat_malformed", SCHEMA)
    msg = str(exc.value)
    assert "bad.ann:2:" in msg and "discontinuous" in msg


@pytest.mark.parametrize("ann, message", [
    ("T1\tACTOR 0 6\tGunmen\nT2\tLOCATION 16 99\tKidal\n", "outside the text"),
    ("T1\tACTOR 0 6\tGunmen\nT2\tLOCATION 17 22\tKidal\n", "does not match the .txt"),
    ("T1\tACTOR 0 6\tGunmen\nT2 LOCATION 16 21 Kidal\n", "cannot read T line"),
    ("T1\tACTOR 0 6\tGunmen\nE1\tATTACK:T9\n", "trigger T9 is not a T line"),
    ("T1\tACTOR 0 6\tGunmen\nA1\tstatus T7 killed\n", "not a T or E line"),
    ("T1\tCASUALTY 0 6\tGunmen\nA1\tcount T1 many\n", "not an integer"),
    ("T1\tACTOR 0 6\tGunmen\nR1\tnear Arg1:T1 Arg2:T1\n", "neither a trigger nor an event"),
    ("T1\tACTOR 0 6\tGunmen\nX1\twhat\n", "unknown line type"),
    ("T1\tACTOR 0 6\tGunmen\nT1\tACTOR 0 6\tGunmen\n", "used twice"),
])
def test_malformed_ann(tmp_path, ann, message):
    (tmp_path / "doc.txt").write_text("Gunmen attacked Kidal and Gao.\n", encoding="utf-8")
    (tmp_path / "doc.ann").write_text(ann, encoding="utf-8")
    with pytest.raises(FormatError, match=message) as exc:
        brat.read(tmp_path, SCHEMA)
    assert str(exc.value).startswith(f"{tmp_path / 'doc.ann'}:2:")


def test_missing_text_file(tmp_path):
    shutil.copy(FIXTURES / "brat_malformed" / "bad.ann", tmp_path / "lonely.ann")
    with pytest.raises(FormatError, match="no text file lonely.txt"):
        brat.read(tmp_path, SCHEMA)
