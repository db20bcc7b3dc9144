"""Differential test of casus's overlap schemes against nervaluate 1.2.1 (the dev extra).

casus's rule (casus.metrics.spans.match): identical spans pair first, then gold and predicted spans pair one to
one by the largest overlap in characters. nervaluate walks the predictions in order and pairs each with the
first overlapping unmatched gold span (``partial``, ``exact``) or with the closest same-label one
(``ent_type``). The two agree on every document where overlaps are one to one (no span overlapping two spans
of the other side, the usual case for flat BIO predictions) and may differ only where one span overlaps
several: there casus credits the largest overlap. Both halves of that statement are tested here.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casus.metrics.spans import score_document

nervaluate = pytest.importorskip("nervaluate")
from nervaluate.entities import Entity  # noqa: E402
from nervaluate.strategies import (EntityTypeEvaluation, ExactEvaluation, PartialEvaluation,  # noqa: E402
                                   StrictEvaluation)

LABELS = ["A", "B", "C"]
STRATEGIES = {"strict": StrictEvaluation(), "exact": ExactEvaluation(), "partial": PartialEvaluation(),
              "type": EntityTypeEvaluation()}


def casus_counts(gold, pred) -> dict[str, tuple[float, float, float]]:
    ds = score_document(gold, pred)
    out = {}
    for sch in STRATEGIES:
        tp = sum(c.tp for c in ds.counts[sch].values())
        fp = sum(c.fp for c in ds.counts[sch].values())
        fn = sum(c.fn for c in ds.counts[sch].values())
        out[sch] = (tp, fp, fn)
    return out


def nervaluate_counts(gold, pred) -> dict[str, tuple[float, float, float]]:
    """nervaluate's result as TP/FP/FN: its precision is (COR + PAR/2) / ACT and recall (COR + PAR/2) / POS,
    so TP = COR + PAR/2, FP = ACT - TP, FN = POS - TP. Entities are end-inclusive there."""
    true = [Entity(lab, s, e - 1) for s, e, lab in sorted(gold)]
    prd = [Entity(lab, s, e - 1) for s, e, lab in sorted(pred)]
    out = {}
    for sch, strategy in STRATEGIES.items():
        r, _ = strategy.evaluate(true, prd, LABELS)
        tp = r.correct + 0.5 * r.partial
        act = r.correct + r.incorrect + r.partial + r.spurious
        pos = r.correct + r.incorrect + r.partial + r.missed
        out[sch] = (tp, act - tp, pos - tp)
    return out


def flat_spans(rng: random.Random, length: int = 60, n: int = 6) -> list[tuple[int, int, str]]:
    """Non-overlapping spans (one side of a flat BIO annotation)."""
    cuts = sorted(rng.sample(range(length), min(length, 2 * rng.randint(0, n))))
    return [(cuts[i], cuts[i + 1], rng.choice(LABELS)) for i in range(0, len(cuts) - 1, 2) if cuts[i] < cuts[i + 1]]


def one_to_one(gold, pred) -> bool:
    def ov(a, b):
        return min(a[1], b[1]) > max(a[0], b[0])

    return (all(sum(ov(g, p) for p in pred) <= 1 for g in gold)
            and all(sum(ov(g, p) for g in gold) <= 1 for p in pred))


@settings(max_examples=400, deadline=None)
@given(st.integers(0, 10**9))
def test_agrees_with_nervaluate_when_overlaps_are_one_to_one(seed):
    rng = random.Random(seed)
    gold, pred = flat_spans(rng), flat_spans(rng)
    if one_to_one(gold, pred):
        assert casus_counts(gold, pred) == nervaluate_counts(gold, pred), (gold, pred)


def test_differs_from_nervaluate_only_where_a_span_overlaps_several():
    rng = random.Random(7)
    differing = agreeing_many = 0
    for _ in range(3000):
        gold, pred = flat_spans(rng), flat_spans(rng)
        same = casus_counts(gold, pred) == nervaluate_counts(gold, pred)
        if not same:
            differing += 1
            assert not one_to_one(gold, pred), (gold, pred)
        elif not one_to_one(gold, pred):
            agreeing_many += 1
    # the rule has consequences (documents do differ) and is not everywhere (many one-to-many documents agree)
    assert differing > 0 and agreeing_many > differing


def test_the_largest_overlap_is_credited():
    """Hand case: one prediction overlaps two gold spans; casus pairs it with the one it covers most."""
    gold = [(0, 4, "A"), (5, 20, "A")]
    pred = [(2, 18, "A")]
    c = casus_counts(gold, pred)
    assert c["type"] == (1, 0, 1) and c["partial"] == (0.5, 0.5, 1.5)
    n = nervaluate_counts(gold, pred)
    assert n["type"] == (1, 0, 1)                   # closest boundaries: the second span too
    assert n["partial"] == (0.5, 0.5, 1.5)
    # a different label on the larger overlap: casus pairs by overlap (type wrong), nervaluate by label
    gold = [(0, 4, "A"), (5, 20, "B")]
    pred = [(2, 18, "A")]
    assert casus_counts(gold, pred)["type"] == (0, 1, 2)
    assert nervaluate_counts(gold, pred)["type"] == (1, 0, 1)
