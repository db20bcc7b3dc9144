"""The article's main event, the most specific place, confidences on every cell and --min-confidence.

A new plain-text article (written for this test) reports a main missile strike, an interception of drones
the same night and a strike on the same village two years before. The spans, triggers and role links are
given as the models would give them (what `casus predict --events` feeds the record layer), so the test
checks the record layer exactly: the main record's place, attacker, weapon and counts, and that the
interception and the past strike are records of their own that are not the main one.
"""

from __future__ import annotations

import pytest

from casus.events.arguments import Pair
from casus.events.confidence import attach_confidence, withhold
from casus.events.main_event import dateline, place_level, place_of, rank_records, stays_apart
from casus.events.record_io import write_records
from casus.events.records import assemble_records, attach_events, build_annotation
from casus.metrics.records import main_fields, score_records
from casus.model import Document
from casus.schema import load_schema

from conftest import SCHEMA_SRC

SCHEMA = load_schema(SCHEMA_SRC)

ARTICLE = (
    "KHARKIV, Ukraine, 4 December (casus) - Russian forces fired two Iskander missiles at the village of Tsyrkuny "
    "in the Kharkiv region early on Thursday, killing four civilians and wounding 17, the regional governor said.\n\n"
    "Air defences shot down six Shahed drones over the region overnight, the air force said.\n\n"
    "The village was last hit in May 2024, when a missile strike killed nine people.\n\n"
    "Rescuers said the toll from Thursday's strike could rise.\n")


def at(text: str, phrase: str, nth: int = 0) -> tuple[int, int]:
    i = -1
    for _ in range(nth + 1):
        i = text.index(phrase, i + 1)
    return i, i + len(phrase)


def predicted(text: str = ARTICLE, date: str | None = "2026-12-04", shot_down_first: bool = False):
    """Entities, triggers and links as the models give them; returns (annotation set, confidences)."""
    ents = [(*at(text, "Russian forces"), "ACTOR"), (*at(text, "Iskander missiles"), "WEAPON"),
            (*at(text, "village of Tsyrkuny"), "LOCATION"), (*at(text, "Kharkiv region"), "LOCATION"),
            (*at(text, "four civilians"), "CASUALTY"), (*at(text, "17"), "CASUALTY"),
            (*at(text, "Air defences"), "ACTOR"), (*at(text, "Shahed drones"), "WEAPON"),
            (*at(text, "nine people"), "CASUALTY")]
    trigs = [(*at(text, "fired"), "ATTACK:missile_strike"), (*at(text, "shot down"), "ATTACK:other"),
             (*at(text, "missile strike"), "ATTACK:missile_strike"), (*at(text, "strike", 1), "ATTACK:missile_strike")]
    doc = Document("kharkiv-new", text, {"date": date} if date else {})
    aset, ent_m, trig_m = build_annotation(doc, ents, trigs, SCHEMA)
    by = {text[m.start:m.end]: m for m in ent_m}
    t_main, t_down, t_past, t_again = sorted(trig_m, key=lambda m: m.start)
    links = [(t_main, "Russian forces", "attacker", 0.93), (t_main, "Iskander missiles", "instrument", 0.88),
             (t_main, "village of Tsyrkuny", "place", 0.91), (t_main, "Kharkiv region", "place", 0.84),
             (t_main, "four civilians", "victim", 0.95), (t_main, "17", "victim", 0.41),
             (t_down, "Air defences", "attacker", 0.7), (t_down, "Shahed drones", "instrument", 0.66),
             (t_past, "nine people", "victim", 0.8)]
    pairs = []
    for t, e, role, p in links:
        pair = Pair(0, t, by[e], 0, role)
        pair.proba = {role: p, "none": 1 - p}
        pairs.append(pair)
    aset = attach_events(aset, trig_m, pairs)
    conf = {"triggers": {(t_main.start, t_main.end): 0.97, (t_down.start, t_down.end): 0.6,
                         (t_past.start, t_past.end): 0.75, (t_again.start, t_again.end): 0.55},
            "links": {(p.trigger.start, p.trigger.end, p.entity.start, p.entity.end): p.proba[p.role] for p in pairs}}
    return aset, conf


def test_main_record_is_the_missile_strike_with_its_place_attacker_weapon_and_counts():
    aset, _ = predicted()
    recs = assemble_records(aset, SCHEMA)
    main = recs[0]
    assert main["article_role"] == "main" and main["rank"] == 1
    assert [t["text"] for t in main["triggers"]] == ["fired", "strike"]  # "Thursday's strike" is the same event
    assert main["place_main"]["text"] == "village of Tsyrkuny" and main["place_main"]["source"] == "argument"
    assert [a["text"] for a in main["attackers"]] == ["Russian forces"]
    assert [w["text"] for w in main["weapons"]] == ["Iskander missiles"]
    assert main["killed"]["count"] == 4 and main["injured"]["count"] == 17
    roles = {r["triggers"][0]["text"]: r["article_role"] for r in recs}
    assert roles == {"fired": "main", "shot down": "air_defence", "missile strike": "past"}
    assert [r["rank"] for r in recs] == [1, 2, 3]
    past = next(r for r in recs if r["article_role"] == "past")
    assert past["killed"]["count"] == 9  # the 2024 toll stays with the 2024 strike


def test_the_past_strike_of_the_same_subtype_is_not_merged_into_the_main_event():
    aset, _ = predicted()
    by_trigger = {aset.span_text(aset.span_by_id()[e.trigger]): e for e in aset.events}
    assert "same_as" not in by_trigger["missile strike"].attrs
    assert by_trigger["strike"].attrs.get("same_as") == by_trigger["fired"].id
    assert stays_apart(ARTICLE, *at(ARTICLE, "missile strike"), "2026-12-04")
    assert stays_apart(ARTICLE, *at(ARTICLE, "shot down"))
    assert not stays_apart(ARTICLE, *at(ARTICLE, "fired"), "2026-12-04")
    # a year named in the article's own year is not the past
    assert not stays_apart("They struck in 2026 again.", 5, 11, "2026-12-04")


def test_an_interception_is_never_the_main_event_even_when_it_is_alone():
    text = "Air defences shot down six drones over Odesa overnight, the air force said."
    doc = Document("odesa", text, {"date": "2026-12-04"})
    aset, ent_m, trig_m = build_annotation(doc, [(*at(text, "Odesa"), "LOCATION")],
                                           [(*at(text, "shot down"), "ATTACK:other")], SCHEMA)
    recs = assemble_records(attach_events(aset, trig_m, []), SCHEMA)
    assert [r["article_role"] for r in recs] == ["air_defence"]


def test_places_resolve_to_the_most_specific_and_fall_back_to_the_dateline():
    assert place_level("village of Tsyrkuny") < place_level("Kharkiv region") < place_level("Ukraine")
    assert place_level("Bakhmut district") == 2 and place_level("a market in Gao") == 0
    assert dateline(ARTICLE)["text"] == "KHARKIV"
    assert dateline("Gunmen attacked a village.") is None
    rec = {"place": []}
    assert place_of(rec, ARTICLE)["source"] == "dateline" and place_of(rec, ARTICLE)["text"] == "KHARKIV"
    assert place_of(rec, "No dateline here.") is None


def test_every_cell_carries_a_confidence_and_min_confidence_withholds_and_lists():
    aset, conf = predicted()
    recs = attach_confidence(assemble_records(aset, SCHEMA), conf)
    main = recs[0]
    assert main["confidence"] == pytest.approx(0.97)  # the best of its trigger mentions
    assert {a["text"]: a["confidence"] for a in main["place"]} == {"village of Tsyrkuny": 0.91, "Kharkiv region": 0.84}
    assert main["injured"]["confidence"] == pytest.approx(0.41)
    assert main["min_cell_confidence"] == pytest.approx(0.41)
    kept, counts = withhold([dict(r) for r in recs], 0.5)
    # the "17" victim link (0.41) goes to withheld, with the injured toll computed from it; no record < 0.5
    assert counts == {"records": 0, "values": 2}
    k_main = kept[0]
    assert k_main["injured"] is None and [c["text"] for c in k_main["casualties"]] == ["four civilians"]
    assert [(w["field"], w["text"], w["confidence"]) for w in k_main["withheld"]] == [
        ("casualties", "17", 0.41), ("injured", "17", 0.41)]
    assert [r["rank"] for r in kept] == [1, 2, 3]
    kept, counts = withhold(attach_confidence(assemble_records(aset, SCHEMA), conf), 0.8)
    assert counts["records"] == 2  # the interception (0.6) and the past strike (0.75)
    assert [r["article_role"] for r in kept] == ["main"]


def test_records_with_confidences_write_to_csv_and_parquet(tmp_path):
    aset, conf = predicted()
    recs = attach_confidence(assemble_records(aset, SCHEMA), conf)
    assert write_records(tmp_path / "r.csv", recs) == 3
    header = (tmp_path / "r.csv").read_text().splitlines()[0].split(",")
    assert {"rank", "article_role", "place_main", "confidence", "min_cell_confidence", "withheld"} <= set(header)
    pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    write_records(tmp_path / "r.parquet", recs)
    rows = pq.read_table(tmp_path / "r.parquet").to_pylist()
    assert rows[0]["article_role"] == "main" and rows[0]["place"][0]["confidence"] == pytest.approx(0.91)


def test_main_record_scores_count_a_wrong_main_choice_and_each_field():
    aset, _ = predicted()
    gold = assemble_records(aset, SCHEMA)
    assert main_fields(gold[0], gold[0]) == {k: True for k in ("record", "place", "attackers", "weapons", "killed",
                                                               "injured", "all5")}
    wrong = [dict(r) for r in gold]
    wrong[0] = {**wrong[0], "article_role": "secondary"}
    wrong[1] = {**wrong[1], "article_role": "main"}  # the interception chosen as the main event
    res = score_records({"d": (gold, rank_records(gold[:0], ARTICLE) or gold), "e": (gold, wrong)}, n_boot=0)
    assert res["main/record"]["accuracy"] == 0.5 and res["main/all5"]["accuracy"] == 0.5
    assert res["main/killed"]["gold"] == 2
