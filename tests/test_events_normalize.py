"""Casualty normalisation against the committed table of cases (GUIDELINES 1.4, D13/D14/D16/D19)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from casus.events.normalize import normalize_casualty, normalize_in_text, parse_count

CASES = yaml.safe_load((Path(__file__).parent / "fixtures" / "casualty_cases.yaml").read_text())["cases"]
KEYS = ("status", "count", "count_max", "count_qualifier", "group")


def test_table_is_big_enough():
    assert len(CASES) >= 30


@pytest.mark.parametrize("case", CASES, ids=[f"{i:02d}-{c['span']}" for i, c in enumerate(CASES)])
def test_casualty_case(case):
    sent, span = case["sentence"], case["span"]
    start = case.get("at", sent.find(span))
    assert sent[start:start + len(span)] == span, "fixture error: span not found in sentence"
    got = normalize_casualty(span, sent, start, case.get("antecedent")).attrs()
    want = {k: case["expect"][k] for k in KEYS if k in case["expect"]}
    assert got == want


@pytest.mark.parametrize("phrase,expected", [
    ("at least 23 civilians", (23, None, "at_least")),
    ("two dozen", (24, None, "exact")),
    ("a dozen people", (12, None, "exact")),
    ("dozens of people", (None, None, None)),
    ("scores of fighters", (None, None, None)),
    ("a child", (1, None, "exact")),
    ("10 to 15 people", (10, 15, "range")),
    ("a 10-year-old boy", (1, None, "exact")),
    ("children", (None, None, None)),
])
def test_parse_count(phrase, expected):
    assert parse_count(phrase) == expected


def test_number_only_toll_takes_group_of_the_noun_it_stands_for():
    text = "The gunmen killed three soldiers and wounded five. Later the toll rose to 40."
    spans = [(text.find("three soldiers"), text.find("three soldiers") + 14), (text.find("five"), text.find("five") + 4),
             (text.find("40"), text.find("40") + 2)]
    a, b, c = normalize_in_text(text, spans)
    assert (a.status, a.group, a.count) == ("killed", "military", 3)
    assert (b.status, b.group, b.count) == ("injured", "military", 5)
    assert (c.status, c.count) == ("killed", 40)
