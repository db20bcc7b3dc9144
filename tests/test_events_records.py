"""Event records: assembly from given spans and role links, toll rule, dates, output files, Label Studio."""

from __future__ import annotations

import csv
import json

import pytest

from casus.events.arguments import Mention, Pair
from casus.events.record_io import export_labelstudio, import_labelstudio, write_records
from casus.events.records import assemble_records, attach_events, build_annotation, event_date, toll
from casus.model import Document
from casus.schema import load_schema

from conftest import SCHEMA_SRC

SCHEMA = load_schema(SCHEMA_SRC)

TEXT = ("Gunmen attacked the village of Diallassagou in central Mali on Sunday, killing at least 23 civilians. "
        "The toll later rose to 32, officials said. Two soldiers were wounded in the attack. "
        "In a separate incident, police arrested three suspects in Bamako.")


def at(text: str, phrase: str, nth: int = 0) -> tuple[int, int]:
    i = -1
    for _ in range(nth + 1):
        i = text.index(phrase, i + 1)
    return i, i + len(phrase)


def predicted_annotation(text: str = TEXT, date: str | None = "2022-06-21"):
    """What the pipeline builds from NER spans, trigger spans and role links (given here by hand)."""
    ents = [(*at(text, "Gunmen"), "ACTOR"), (*at(text, "village of Diallassagou"), "LOCATION"),
            (*at(text, "central Mali"), "LOCATION"), (*at(text, "at least 23 civilians"), "CASUALTY"),
            (*at(text, "32"), "CASUALTY"), (*at(text, "Two soldiers"), "CASUALTY"),
            (*at(text, "police"), "ACTOR"), (*at(text, "three suspects"), "ACTOR"), (*at(text, "Bamako"), "LOCATION")]
    trigs = [(*at(text, "attacked"), "ATTACK:raid"), (*at(text, "attack", 1), "ATTACK:raid"),
             (*at(text, "arrested"), "ARREST:arrest")]
    doc = Document("new-article", text, {"date": date} if date else {})
    aset, ent_m, trig_m = build_annotation(doc, ents, trigs, SCHEMA)
    by_text = {text[m.start:m.end]: m for m in ent_m}
    t_att, t_att2, t_arr = trig_m
    links = [(t_att, "Gunmen", "attacker"), (t_att, "village of Diallassagou", "target"),
             (t_att, "central Mali", "place"), (t_att, "at least 23 civilians", "victim"), (t_att, "32", "victim"),
             (t_att2, "Two soldiers", "victim"), (t_arr, "police", "agent"), (t_arr, "three suspects", "detainee"),
             (t_arr, "Bamako", "place")]
    pairs = [Pair(0, t, by_text[e], 0, role) for t, e, role in links]
    pairs.append(Pair(0, t_att, by_text["Bamako"], 3, "none"))
    return attach_events(aset, trig_m, pairs)


def test_casualty_attributes_are_normalised_on_predicted_spans():
    aset = predicted_annotation()
    cas = {aset.span_text(s): dict(s.attrs) for s in aset.spans if s.label == "CASUALTY"}
    assert cas["at least 23 civilians"] == {"status": "killed", "count": 23, "count_qualifier": "at_least",
                                            "group": "civilian"}
    assert cas["Two soldiers"]["status"] == "injured" and cas["Two soldiers"]["group"] == "military"


def test_records_merge_same_as_and_point_at_the_right_words():
    aset = predicted_annotation()
    ev = {aset.span_text(aset.span_by_id()[e.trigger]): e for e in aset.events}
    assert ev["attack"].attrs.get("same_as") == ev["attacked"].id  # same TYPE:subtype -> one event
    recs = assemble_records(aset, SCHEMA)
    assert [r["type"] for r in recs] == ["ATTACK", "ARREST"]
    attack, arrest = recs
    assert [t["text"] for t in attack["triggers"]] == ["attacked", "attack"]
    # every cell carries its span; the span is the cell's text in the article
    for rec in recs:
        for field in ("triggers", "attackers", "targets", "place", "weapons"):
            for item in rec[field]:
                assert TEXT[item["start"]:item["end"]] == item["text"]
        for st in ("killed", "injured"):
            for ref in (rec[st] or {}).get("spans", []):
                assert TEXT[ref["start"]:ref["end"]] == ref["text"]
    assert [a["text"] for a in attack["attackers"]] == ["Gunmen"]
    assert [t["text"] for t in attack["targets"]] == ["village of Diallassagou"]
    assert [p["text"] for p in attack["place"]] == ["central Mali"]
    assert attack["place"][0]["start"] == TEXT.index("central Mali")
    # revised toll: the latest revision wins over the first figure
    assert (attack["killed"]["count"], attack["killed"]["rule"]) == (32, "latest revision")
    assert attack["killed"]["spans"] == [{"text": "32", "start": TEXT.index("32"), "end": TEXT.index("32") + 2}]
    assert (attack["injured"]["count"], attack["injured"]["group"]) == (2, "military")
    # the date: "on Sunday" in the event's sentence, counted back from the article date (a Tuesday)
    assert attack["date"]["value"] == "2022-06-19" and attack["date"]["source"] == "text"
    assert TEXT[attack["date"]["start"]:attack["date"]["end"]] == "Sunday"
    assert arrest["date"] == {"value": "2022-06-21", "source": "article", "text": None, "start": None, "end": None}
    assert [a["text"] for a in arrest["attackers"]] == ["police"]
    assert [a["text"] for a in arrest["targets"]] == ["three suspects"]
    assert arrest["killed"] is None


def test_no_article_date_gives_null_unless_the_text_has_one():
    assert event_date("Gunmen attacked on Sunday.", [(0, 26)], None)["value"] is None
    d = event_date("The attack on 12 March 2021 killed five.", [(0, 40)], None)
    assert d["value"] == "2021-03-12" and d["text"] == "12 March 2021"
    assert event_date("Yesterday gunmen attacked.", [(0, 26)], "2022-01-05")["value"] == "2022-01-04"


def _m(text, start, count, group="unknown", qual="exact", status="killed"):
    return {"text": text, "start": start, "end": start + len(text),
            "attrs": {"status": status, "count": count, "count_qualifier": qual, "group": group}}


def test_toll_rule():
    text = "x" * 400
    sents = [(0, 400)]
    # largest figure: a later subgroup mention never lowers the total
    t = toll([_m("at least 17 people", 0, 17, qual="at_least"), _m("two dozen", 50, 24),
              _m("nine children", 100, 9, "civilian")], text, sents)
    assert (t["count"], t["rule"]) == (24, "largest")
    # several groups add up
    t = toll([_m("three soldiers", 0, 3, "military"), _m("two civilians", 40, 2, "civilian")], text, sents)
    assert (t["count"], t["group"], t["rule"], len(t["spans"])) == (5, "mixed", "sum over groups", 2)
    # no count: the mentions are kept, count is null
    t = toll([{"text": "dozens of people", "start": 0, "end": 16, "attrs": {"status": "killed", "group": "unknown"}}],
             text, sents)
    assert t["count"] is None and t["text"] == "dozens of people"
    # in a revision sentence the figure right after the cue is the toll, not the subgroups after it
    text3 = "By nightfall the toll had risen to two dozen, including nine children from three families."
    t = toll([_m("two dozen", text3.index("two dozen"), 24), _m("nine children", text3.index("nine"), 9, "civilian"),
              _m("three families", text3.index("three"), 3, "civilian")], text3, [(0, len(text3))])
    assert (t["count"], t["text"], t["rule"]) == (24, "two dozen", "latest revision")
    # a revision wins even when it lowers the figure
    text2 = "Officials first said 40 died. The toll was later revised to 31."
    t = toll([_m("40", text2.index("40"), 40), _m("31", text2.index("31"), 31)], text2, [(0, 29), (30, len(text2))])
    assert (t["count"], t["rule"]) == (31, "latest revision")


def test_write_jsonl_csv_parquet(tmp_path):
    recs = assemble_records(predicted_annotation(), SCHEMA)
    n = write_records(tmp_path / "r.jsonl", recs)
    assert n == 2
    back = [json.loads(line) for line in (tmp_path / "r.jsonl").read_text().splitlines()]
    assert back == recs
    write_records(tmp_path / "r.csv", recs)
    rows = list(csv.DictReader(open(tmp_path / "r.csv", encoding="utf-8")))
    assert rows[0]["attackers"] == "Gunmen" and rows[0]["killed_count"] == "32"
    s, e = map(int, rows[0]["place_spans"].split("-"))
    assert TEXT[s:e] == rows[0]["place"] == "central Mali"
    pq = pytest.importorskip("pyarrow.parquet")
    write_records(tmp_path / "r.parquet", recs)
    table = pq.read_table(tmp_path / "r.parquet").to_pylist()
    assert table[0]["killed"]["count"] == 32 and table[0]["attackers"][0]["text"] == "Gunmen"
    assert table[1]["killed"] is None
    with pytest.raises(Exception):
        write_records(tmp_path / "r.xlsx", recs)


def test_labelstudio_export_import_round_trip_and_correction(tmp_path):
    aset = predicted_annotation()
    recs = assemble_records(aset, SCHEMA)
    path = tmp_path / "tasks.json"
    export_labelstudio(recs, {aset.doc_id: aset.document}, path, SCHEMA, target="annotations")
    tasks = json.loads(path.read_text())
    res = tasks[0]["annotations"][0]["result"]
    rels = [r for r in res if r["type"] == "relation"]
    assert {r["labels"][0] for r in rels} >= {"attacker", "target", "place", "victim", "agent", "detainee"}
    labels = {r["value"]["text"]: r["value"]["labels"][0] for r in res if r["type"] == "labels"}
    assert labels["attacked"] == "ATTACK:raid" and labels["Gunmen"] == "ACTOR"
    back = import_labelstudio(path, SCHEMA)
    assert back == recs
    # an analyst corrects the revised toll (32 -> 35) and removes the wrong attacker link in Label Studio
    gid = next(r["id"] for r in res if r["type"] == "labels" and r["value"]["text"] == "Gunmen")
    cid = next(r["id"] for r in res if r["type"] == "labels" and r["value"]["text"] == "32")
    for r in res:
        if r.get("id") == cid and r.get("from_name") == "count":
            r["value"]["number"] = 35
    tasks[0]["annotations"][0]["result"] = [r for r in res if not (r["type"] == "relation" and r["to_id"] == gid)]
    path.write_text(json.dumps(tasks))
    fixed = import_labelstudio(path, SCHEMA)
    assert fixed[0]["killed"]["count"] == 35 and fixed[0]["attackers"] == []
    assert fixed[1] == recs[1]


def test_cluster_events_class_place_keeps_two_towns_apart():
    from casus.events.records import cluster_events

    ev = [("e1", "ATTACK", "airstrike", 0), ("e2", "ATTACK", "airstrike", 50), ("e3", "ATTACK", "airstrike", 90),
          ("e4", "ATTACK", "shelling", 120)]
    # class: one event per TYPE:subtype
    assert cluster_events(ev) == {"e1": "e1", "e2": "e1", "e3": "e1", "e4": "e4"}
    # class_place: e2 names another town -> its own event; e3 has no place -> joins the first cluster;
    # "centre of kharkiv" contains "kharkiv" -> compatible
    places = {"e1": {"kharkiv"}, "e2": {"izium"}, "e3": set(), "e4": {"centre of kharkiv"}}
    assert cluster_events(ev, places) == {"e1": "e1", "e2": "e2", "e3": "e1", "e4": "e4"}
    places["e3"] = {"centre of kharkiv"}
    assert cluster_events(ev, places)["e3"] == "e1"
