"""Label Studio JSON: UTF-16 regions, per-region attributes, relations, annotation choice, labeling config."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings

from casus.errors import FormatError
from casus.formats import labelstudio
from casus.model import AnnotationSet, Document, Event, Span

from _format_cases import FIXTURES, SCHEMA, corpora


@settings(max_examples=60, deadline=None)
@given(corpora())
def test_round_trip_is_lossless(tmp_path_factory, asets):
    path = tmp_path_factory.mktemp("ls") / "tasks.json"
    labelstudio.write(asets, path, SCHEMA)
    assert labelstudio.read(path, SCHEMA) == asets


@settings(max_examples=30, deadline=None)
@given(corpora(crlf=False))
def test_predictions_and_crlf_round_trip(asets):
    raw = labelstudio.dumps(asets, SCHEMA, target="predictions", newline="crlf")
    assert labelstudio.loads(raw, SCHEMA) == []  # no annotations, only predictions
    assert labelstudio.loads(raw, SCHEMA, source="predictions", newline="lf") == asets


def test_attributes_are_per_region_results():
    doc = Document("d", "😀 Five soldiers died.")
    aset = AnnotationSet(doc, (Span("c1", 2, 15, "CASUALTY", {"status": "killed", "count": 5, "group": "military",
                                                               "note": "free text"}),
                               Span("t1", 16, 20, "TRIGGER")),
                         (Event("e1", "ATTACK", "t1", None, (), {"modality": "claimed", "same_as": "e1"}),))
    task = labelstudio.task(aset, SCHEMA)
    res = task["annotations"][0]["result"]
    assert res[0]["value"] == {"start": 3, "end": 16, "text": "Five soldiers", "labels": ["CASUALTY"]}
    by = {(r["id"], r["from_name"]): r for r in res}
    assert by[("c1", "status")]["type"] == "choices" and by[("c1", "status")]["value"]["choices"] == ["killed"]
    assert by[("c1", "count")]["type"] == "number" and by[("c1", "count")]["value"]["number"] == 5
    assert by[("t1", "label")]["value"]["labels"] == ["ATTACK"]
    assert by[("t1", "modality")]["value"]["choices"] == ["claimed"]
    assert by[("t1", "same_as")]["type"] == "textarea"
    assert ("c1", "note") not in by and task["data"]["casus"]["span_attrs"] == {"c1": {"note": "free text"}}
    assert labelstudio.loads(json.dumps([task]), SCHEMA) == [aset]


def test_relations_fixture_latest_first_all_and_predictions():
    path = FIXTURES / "labelstudio_relations.json"
    (latest,) = labelstudio.read(path, SCHEMA)  # the task without annotations is skipped
    assert latest.doc_id == "mopti-kidnap" and latest.annotator == "ann@example.org"
    spans = {s.id: (latest.span_text(s), s.label) for s in latest.spans}
    assert spans == {"Xk3_pQ9a1z": ("Suspected militants", "ACTOR"), "b7Yt-2LmQe": ("kidnapped", "TRIGGER"),
                     "Wq0pZ8s1Rt": ("12 aid workers", "CASUALTY"), "Mopti_r3g": ("Mopti", "LOCATION"),
                     "raid-01": ("raid", "TRIGGER"), "army-9": ("army", "ACTOR")}
    cas = latest.span_by_id()["Wq0pZ8s1Rt"]
    assert cas.attrs == {"status": "abducted", "count": 12, "count_qualifier": "exact", "group": "civilian"}
    kid, raid = latest.events
    assert (kid.id, kid.type, kid.subtype) == ("b7Yt-2LmQe", "ABDUCTION", "kidnapping")
    # the victim relation was drawn from the casualty to the trigger
    assert [(a.role, a.span) for a in kid.args] == [("perpetrator", "Xk3_pQ9a1z"), ("victim", "Wq0pZ8s1Rt"),
                                                   ("place", "Mopti_r3g")]
    assert (raid.type, raid.subtype, dict(raid.attrs)) == ("ATTACK", "raid", {"modality": "denied"})
    (first,) = labelstudio.read(path, SCHEMA, pick="first")
    assert first.annotator == "user3" and [s.label for s in first.spans] == ["ACTOR"]
    both = labelstudio.read(path, SCHEMA, pick="all")
    assert [a.annotator for a in both] == ["user3", "ann@example.org"]  # the cancelled one is ignored
    (pred,) = labelstudio.read(path, SCHEMA, source="predictions")
    assert pred.annotator == "crf-v1" and [e.subtype for e in pred.events] == [None]
    # latest written back and read again is unchanged
    assert labelstudio.loads(labelstudio.dumps([latest], SCHEMA), SCHEMA) == [latest]


def test_region_ids_that_are_not_casus_ids_are_replaced():
    task = {"data": {"text": "Gunmen fired"}, "annotations": [{"result": [
        {"id": "a b", "from_name": "label", "to_name": "text", "type": "labels",
         "value": {"start": 0, "end": 6, "labels": ["ACTOR"]}},
        {"id": "t#1", "from_name": "label", "to_name": "text", "type": "labels",
         "value": {"start": 7, "end": 12, "labels": ["ATTACK:shooting"]}},
        {"from_id": "t#1", "to_id": "a b", "type": "relation", "labels": ["attacker"]}]}]}
    (aset,) = labelstudio.loads(json.dumps(task), SCHEMA, file="x.json")
    assert [s.id for s in aset.spans] == ["_1", "_2"] and aset.doc_id == "x-1"
    assert aset.events[0].id == "_2" and aset.events[0].args[0].span == "_1"


def test_labeling_config_covers_the_schema():
    xml = labelstudio.labeling_config(SCHEMA)
    root = ET.fromstring(xml)
    labels = [e.get("value") for e in root.iter("Label")]
    assert labels[:4] == SCHEMA.entity_labels
    assert set(SCHEMA.trigger_classes) <= set(labels) and "ATTACK" in labels
    assert [e.get("value") for e in root.iter("Relation")] == SCHEMA.all_roles
    choices = {c.get("name"): [x.get("value") for x in c.iter("Choice")] for c in root.iter("Choices")}
    assert choices["status"] == SCHEMA.labels["CASUALTY"].attributes["status"].values
    assert choices["group"] == SCHEMA.labels["CASUALTY"].attributes["group"].values
    assert choices["modality"] == SCHEMA.event_attributes["modality"].values
    assert {n.get("name") for n in root.iter("Number")} == {"count", "count_max"}
    assert [t.get("name") for t in root.iter("TextArea")] == ["same_as"]
    assert all(c.get("perRegion") == "true" for c in root.iter("Choices"))
    assert root.find("Text").get("value") == "$text"


def test_malformed_names_file_and_task():
    with pytest.raises(FormatError) as exc:
        labelstudio.read(FIXTURES / "labelstudio_malformed.json", SCHEMA)
    msg = str(exc.value)
    assert "labelstudio_malformed.json: task 0, annotation 0, result 1:" in msg and "exactly one label" in msg


@pytest.mark.parametrize("result, message", [
    ([{"id": "a", "type": "labels", "value": {"start": 1, "end": 3, "labels": ["ACTOR"]}}], "surrogate pair"),
    ([{"id": "a", "type": "labels", "value": {"start": 0, "end": 99, "labels": ["ACTOR"]}}], "outside"),
    ([{"id": "a", "type": "choices", "from_name": "status", "value": {"choices": ["killed"]}}], "no labelled region"),
    ([{"id": "a", "type": "labels", "value": {"start": 0, "end": 2, "labels": ["ACTOR"]}},
      {"id": "b", "type": "labels", "value": {"start": 3, "end": 4, "labels": ["LOCATION"]}},
      {"from_id": "a", "to_id": "b", "type": "relation", "labels": ["near"]}], "neither of which is an event trigger"),
    ([{"id": "a", "type": "labels", "value": {"start": 0, "end": 2, "labels": ["ATTACK"]}},
      {"from_id": "a", "to_id": "zz", "type": "relation", "labels": ["victim"]}], "not in this annotation"),
    ([{"id": "a", "type": "labels", "value": {"start": 0, "end": 2, "labels": ["CASUALTY"]}},
      {"id": "a", "type": "choices", "from_name": "status", "value": {"choices": ["killed", "injured"]}}],
     "exactly one choice"),
])
def test_malformed_results(tmp_path, result, message):
    p = tmp_path / "tasks.json"
    tasks = [{"data": {"text": "fine"}, "annotations": []},
             {"data": {"text": "😀 ab", "doc_id": "d2"}, "annotations": [{"result": result}]}]
    p.write_text(json.dumps(tasks), encoding="utf-8")
    with pytest.raises(FormatError, match=message) as exc:
        labelstudio.read(p, SCHEMA)
    assert str(exc.value).startswith(f"{p}: task 1, annotation 0, result ")


def test_not_a_task_list(tmp_path):
    p = tmp_path / "t.json"
    p.write_text('[{"data": {"text": "a"}}, {"no": "data"}]', encoding="utf-8")
    with pytest.raises(FormatError, match=r"t\.json: task 1: a task must be"):
        labelstudio.read(p, SCHEMA)
    p.write_text('[{"data": {"text": 1', encoding="utf-8")
    with pytest.raises(FormatError, match=r"t\.json:1: not valid JSON"):
        labelstudio.read(p, SCHEMA)
