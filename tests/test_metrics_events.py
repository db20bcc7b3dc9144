"""Event-level scores (TextEE style) on a hand-computed example."""

from __future__ import annotations

import pytest

from casus.metrics.events import event_tuples, score_events, score_events_document
from casus.model import AnnotationSet, Argument, Document, Event, Span

TEXT = "Gunmen attacked the village, killing 5 people. Police arrested two men."


def _sp(sid: str, phrase: str, label: str, nth: int = 0, extend: int = 0) -> Span:
    start = -1
    for _ in range(nth + 1):
        start = TEXT.index(phrase, start + 1)
    return Span(id=sid, start=start, end=start + len(phrase) + extend, label=label)


def _gold() -> AnnotationSet:
    spans = [_sp("a1", "Gunmen", "ACTOR"), _sp("e1", "attacked", "TRIGGER"), _sp("l1", "the village", "LOCATION"),
             _sp("c1", "5 people", "CASUALTY"), _sp("a2", "Police", "ACTOR"), _sp("e2", "arrested", "TRIGGER"),
             _sp("a3", "two men", "ACTOR")]
    events = [Event(id="E1", type="ATTACK", subtype="shooting", trigger="e1",
                    args=(Argument("attacker", "a1"), Argument("place", "l1"), Argument("victim", "c1"))),
              Event(id="E2", type="ARREST", subtype="arrest", trigger="e2",
                    args=(Argument("agent", "a2"), Argument("detainee", "a3")))]
    return AnnotationSet(Document("d1", TEXT), tuple(spans), tuple(events))


def _pred() -> AnnotationSet:
    # ids differ from gold on purpose: matching is by offsets
    spans = [_sp("x1", "Gunmen", "ACTOR"), _sp("t1", "attacked", "TRIGGER"), _sp("x2", "the village", "LOCATION"),
             _sp("x3", "5 people", "CASUALTY"), _sp("x4", "Police", "ACTOR"),
             _sp("t2", "arrested", "TRIGGER", extend=4),  # trigger boundary wrong: "arrested two"
             _sp("x5", "men", "ACTOR"), _sp("t3", "killing", "TRIGGER")]
    events = [Event(id="P1", type="ATTACK", subtype="armed_clash", trigger="t1",   # subtype wrong
                    args=(Argument("attacker", "x1"), Argument("target", "x2"), Argument("victim", "x3"))),
              Event(id="P2", type="ARREST", subtype="arrest", trigger="t2",        # trigger not matched
                    args=(Argument("agent", "x4"), Argument("detainee", "x5"))),
              Event(id="P3", type="ATTACK", subtype=None, trigger="t3")]          # spurious
    return AnnotationSet(Document("d1", TEXT), tuple(spans), tuple(events))


def test_event_tuples_use_offsets():
    t = event_tuples(_gold())
    s = TEXT.index("attacked")
    assert (s, s + 8) in t["trigger_id"]
    assert (s, s + 8, "ATTACK:shooting") in t["trigger_cls"]
    assert len(t["arg_id"]) == 5 and len(t["arg_cls"]) == 5


def test_hand_computed_event_scores():
    res = score_events({"d1": (_gold(), _pred())}, n_boot=200)
    # triggers: gold {attacked, arrested}; pred {attacked, "arrested two", killing}
    assert res["trigger_id"]["tp"] == 1 and res["trigger_id"]["fp"] == 2 and res["trigger_id"]["fn"] == 1
    assert res["trigger_id"]["precision"] == pytest.approx(1 / 3)
    assert res["trigger_id"]["recall"] == pytest.approx(1 / 2)
    assert res["trigger_id"]["f1"] == pytest.approx(0.4)
    # classification: the one matched trigger has the wrong subtype
    assert res["trigger_cls"]["f1"] == 0.0
    assert res["trigger_type"]["f1"] == pytest.approx(0.4)
    # arguments of P1 count (trigger matched, type ATTACK); those of P2 do not (trigger unmatched)
    assert (res["arg_id"]["tp"], res["arg_id"]["fp"], res["arg_id"]["fn"]) == (3, 2, 2)
    assert res["arg_id"]["f1"] == pytest.approx(0.6)
    # roles: attacker and victim right, target (gold: place) wrong
    assert (res["arg_cls"]["tp"], res["arg_cls"]["fp"], res["arg_cls"]["fn"]) == (2, 3, 3)
    assert res["arg_cls"]["f1"] == pytest.approx(0.4)
    assert res["per_role"]["place"]["fn"] == 1 and res["per_role"]["target"]["fp"] == 1
    assert res["documents"] == 1
    assert res["trigger_id"]["ci95"] == [pytest.approx(0.4), pytest.approx(0.4)]  # one document: no spread


def test_identical_events_score_one():
    d = score_events_document(_gold(), _gold())
    assert all(c.f1 == 1.0 for c in d["levels"].values())


def test_paired_counts_bootstrap_by_hand():
    from casus.metrics.bootstrap import paired_counts_bootstrap
    from casus.metrics.spans import Counts

    a = [{"k": Counts(tp=1, fn=1)}, {"k": Counts(tp=0, fn=2)}]   # accuracy 1/4
    b = [{"k": Counts(tp=2)}, {"k": Counts(tp=1, fn=1)}]         # accuracy 3/4
    res = paired_counts_bootstrap(a, b, "k", stat="accuracy", n=500)
    assert res["a"] == 0.25 and res["b"] == 0.75 and res["difference"] == 0.5
    assert res["ci95"][0] > 0  # every resample improves
    same = paired_counts_bootstrap(a, a, "k", n=100)
    assert same["difference"] == 0.0 and same["p_value"] == 1.0
