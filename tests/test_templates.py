"""GTT-style template scoring (casus.metrics.templates) and template building (casus.events.templates),
checked on hand-computed cases."""

from __future__ import annotations

import pytest

from casus.events.templates import IncidentTypeClassifier, build_templates, types_of
from casus.metrics.templates import score_templates


def T(itype, **roles):
    return {"incident_type": itype, **roles}


def counts(rep):
    m = rep.micro
    return m.p_num, m.p_den, m.r_num, m.r_den


def test_perfect_prediction_scores_one():
    gold = {"d": [T("attack", PerpInd=[["guerrillas", "rebels"]], Victim=[["mayor"]])]}
    pred = {"d": [T("attack", PerpInd=[["rebels"]], Victim=[["the mayor"]])]}
    rep = score_templates(pred, gold)
    assert rep.micro.f1 == 1.0 and counts(rep) == (3, 3, 3, 3)


def test_hand_computed_partial_match():
    # incident 1/1 both sides; PerpInd: "rebels" right, "soldiers" wrong (p 1/2), gold entity recalled (r 1/1);
    # Victim: nothing predicted (p 0/0), the mayor missed (r 0/1)  ->  P = 2/3, R = 2/3
    gold = {"d": [T("attack", PerpInd=[["guerrillas", "rebels"]], Victim=[["mayor"]])]}
    pred = {"d": [T("attack", PerpInd=[["rebels"], ["soldiers"]], Victim=[])]}
    rep = score_templates(pred, gold)
    assert counts(rep) == (2, 3, 2, 3)
    assert rep.micro.f1 == pytest.approx(2 / 3)
    assert rep.by_slot["PerpInd"].p_num == 1 and rep.by_slot["PerpInd"].p_den == 2
    assert rep.by_slot["Victim"].r_den == 1 and rep.by_slot["Victim"].r_num == 0


def test_entities_are_not_aligned_one_to_one():
    # two predicted entities inside one gold entity are both correct (GTT), unlike CEAF-REE
    gold = {"d": [T("attack", PerpInd=[["guerrillas", "rebels"]])]}
    pred = {"d": [T("attack", PerpInd=[["rebels"], ["guerrillas"]])]}
    rep = score_templates(pred, gold)
    assert rep.by_slot["PerpInd"].p_num == 2 and rep.by_slot["PerpInd"].r_num == 1


def test_type_must_be_contained_in_the_gold_type():
    gold = {"d": [T("bombing / attack", Target=[["bridge"]])]}
    ok = score_templates({"d": [T("attack", Target=[["bridge"]])]}, gold)
    assert counts(ok) == (2, 2, 2, 2)
    wrong = score_templates({"d": [T("kidnapping", Target=[["bridge"]])]}, gold)
    assert counts(wrong) == (0, 2, 0, 2)  # spurious template + missing template


def test_best_alignment_is_chosen():
    gold = {"d": [T("attack", Victim=[["mayor"]]), T("bombing", Target=[["bridge"]])]}
    # the first prediction cannot align with the bombing (type) and matches nothing of the attack;
    # the second matches the attack: aligned pair 2/2, spurious 0/2, missing bombing 0/2
    pred = {"d": [T("attack", Target=[["bridge"]]), T("attack", Victim=[["mayor"]])]}
    rep = score_templates(pred, gold)
    assert counts(rep) == (2, 4, 2, 4)
    assert rep.alignments["d"] == {1: 0}


def test_duplicate_gold_templates_and_empty_entities_count_once():
    t = T("attack", Victim=[["mayor"]], Target=[[]])
    rep = score_templates({"d": []}, {"d": [t, dict(t)]})
    assert counts(rep) == (0, 0, 0, 2)  # one template: incident + one victim


def test_documents_without_templates_and_missing_predictions():
    gold = {"a": [], "b": [T("robbery", PerpInd=[["thieves"]])]}
    rep = score_templates({"a": [T("attack")], "zzz": [T("attack")]}, gold)
    # a: a spurious template (p_den 1); b: nothing predicted (r_den 2); zzz is not in gold: ignored
    assert counts(rep) == (0, 1, 0, 2) and rep.documents == 2


def test_greedy_fallback_is_reported_not_silent():
    gold = {"d": [T("attack", Victim=[[f"v{i}"]]) for i in range(4)]}
    pred = {"d": [T("attack", Victim=[[f"v{i}"]]) for i in range(4)]}
    exact = score_templates(pred, gold)
    greedy = score_templates(pred, gold, max_alignments=10)
    assert exact.approximated == [] and greedy.approximated == ["d"]
    assert exact.micro.f1 == greedy.micro.f1 == 1.0


def test_build_templates_one_type_takes_all_fillers():
    text = "Rebels shot the mayor in Lima."
    spans = [(0, 6, "PerpInd"), (16, 21, "Victim")]
    (t,) = build_templates(text, ["attack"], spans)
    assert t["incident_type"] == "attack" and t["PerpInd"] == [["Rebels"]] and t["Victim"] == [["mayor"]]
    assert build_templates(text, [], spans) == []


def test_build_templates_assigns_fillers_to_the_nearest_cue():
    text = ("Gunmen kidnapped the Engineer on Monday. " + "Nothing else happened that day. " * 5
            + "A bomb damaged the bridge.")
    eng = text.index("Engineer")
    bridge = text.index("bridge")
    spans = [(eng, eng + 8, "Victim"), (bridge, bridge + 6, "Target")]
    temps = build_templates(text, ["kidnapping", "bombing"], spans)
    by_type = {t["incident_type"]: t for t in temps}
    assert by_type["kidnapping"]["Victim"] == [["Engineer"]] and by_type["kidnapping"]["Target"] == []
    assert by_type["bombing"]["Target"] == [["bridge"]] and by_type["bombing"]["Victim"] == []


def test_types_of_splits_combined_types():
    assert types_of([T("bombing / attack"), T("kidnapping")]) == {"bombing", "attack", "kidnapping"}


def test_incident_classifier_learns_types():
    texts = ["a bomb exploded near the bank", "the bomb destroyed a bus", "rebels kidnapped two engineers",
             "the mayor was kidnapped", "a bomb exploded and rebels kidnapped a guard", "the weather was fine",
             "talks continued in caracas", "a bomb and a kidnapping"] * 3
    labels = [{"bombing"}, {"bombing"}, {"kidnapping"}, {"kidnapping"}, {"bombing", "kidnapping"}, set(), set(),
              {"bombing", "kidnapping"}] * 3
    clf = IncidentTypeClassifier().fit(texts, labels)
    pred = clf.predict(["another bomb exploded", "two engineers were kidnapped", "talks continued"])
    assert pred[0] == ["bombing"] and pred[1] == ["kidnapping"] and pred[2] == []


def test_bootstrap_interval_brackets_the_point_estimate():
    gold = {f"d{i}": [T("attack", Victim=[[f"v{i}"]])] for i in range(30)}
    pred = {f"d{i}": [T("attack", Victim=[[f"v{i}" if i % 3 else "nobody"]])] for i in range(30)}
    rep = score_templates(pred, gold)
    lo, hi = rep.ci95(resamples=300)
    assert lo < rep.micro.f1 < hi and 0.6 < lo and hi < 1.0
    assert sum(c.p_num for c in rep.per_doc.values()) == rep.micro.p_num


SHARED_GTT = __import__("pathlib").Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks" / "muc4" / "gtt_templates"


@pytest.mark.skipif(not (SHARED_GTT / "test.json").is_file(), reason=f"{SHARED_GTT} is absent")
def test_gtt_gold_scores_itself_exactly():
    from casus.formats import muc4

    from casus.metrics.templates import normalize_templates

    gold = muc4.load_templates(SHARED_GTT / "test.json")
    # as GTT's loader does, gold drops duplicate templates and empty entities; predictions are taken as
    # given, so the raw file scored against itself has spurious duplicates, the cleaned one does not
    raw = score_templates(gold, gold)
    assert raw.micro.recall == 1.0 and raw.micro.precision < 1.0
    clean = {d: normalize_templates(ts, gold=True) for d, ts in gold.items()}
    rep = score_templates(clean, gold)
    assert rep.documents == 200 and rep.approximated == []
    assert rep.micro.f1 == 1.0
    # dropping every template of one document costs exactly its slots on the recall side
    some = next(d for d, ts in sorted(gold.items()) if ts)
    rep2 = score_templates({**clean, some: []}, gold)
    assert rep2.micro.precision == 1.0 and rep2.micro.r_den == rep.micro.r_den
    assert rep.micro.r_num - rep2.micro.r_num == rep.per_doc[some].r_num


def test_per_type_thresholds_never_lower_dev_f1():
    from casus.events.templates import tune_per_type, tune_threshold

    texts = ["a bomb exploded near the bank", "rebels kidnapped two engineers", "the weather was fine",
             "a bomb exploded and rebels kidnapped a guard"] * 4
    labels = [{"bombing"}, {"kidnapping"}, set(), {"bombing", "kidnapping"}] * 4
    clf = IncidentTypeClassifier().fit(texts, labels)
    ids = [f"d{i}" for i in range(len(texts))]
    gold = {d: [T(t) for t in sorted(lab)] for d, lab in zip(ids, labels)}
    th, curve = tune_threshold(clf, texts, ids, {}, gold)
    per, best = tune_per_type(clf, texts, ids, {}, gold)
    assert best >= max(f for _, f in curve) and set(per) == set(clf.types)
    assert clf.predict(texts) == [clf.types_for(p) for p in clf.proba(texts)]
