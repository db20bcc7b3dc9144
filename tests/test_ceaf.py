"""CEAF-REE (GRIT's MUC-4 metric): hand-made cases, GRIT's normalisation, and GRIT's published test
figures recomputed from its released predictions (skipped without ../shared)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from casus.formats import muc4
from casus.metrics.ceaf import (
    ROLES,
    entities_from_mentions,
    load_grit_gold,
    load_grit_predictions,
    normalize_string,
    score_ceaf_ree,
)

FIX = Path(__file__).resolve().parent / "fixtures" / "benchmarks"
SHARED = Path(__file__).resolve().parents[2] / "shared"
MUC4 = SHARED / "benchmarks" / "muc4"

CASES = json.loads((FIX / "ceaf_cases.json").read_text(encoding="utf-8"))["cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_hand_made_cases(case):
    rep = score_ceaf_ree(case["pred"], case["gold"], phi=case["phi"])
    m = rep.micro
    exp = case["expected"]
    for k in ("p_num", "p_den", "r_num", "r_den"):
        assert getattr(m, k) == pytest.approx(exp[k]), k
    assert m.f1 == pytest.approx(exp["f1"])
    assert rep.missing_predictions == case.get("missing_predictions", [])
    assert rep.empty_entities_dropped["pred"] == case.get("empty_pred_dropped", 0)


@pytest.mark.parametrize("raw, norm", [
    ("The Shining Path", "shining path"),
    ("  an   A-K 47,  rifle. ", "ak 47 rifle"),
    ("ak-47", "ak47"),
    ("thea bandana", "thea bandana"),  # articles only as whole words
    ("(FMLN) urban commandos", "fmln urban commandos"),
    ("the", ""),
])
def test_normalisation_is_grits(raw, norm):
    assert normalize_string(raw) == norm


def test_per_role_and_micro_on_a_mini_prediction_file():
    """muc4_preds_mini.json against muc4_grit_mini.jsonl; counts worked out by hand:
    PerpInd 1/1 p, 1/2 r; PerpOrg 1/1, 1/1; Target 1/3, 1/1; Victim 1/1, 1/3; Weapon 1/1, 1/1."""
    pred, gold_in_file = load_grit_predictions(FIX / "muc4_preds_mini.json")
    gold = load_grit_gold(FIX / "muc4_grit_mini.jsonl")
    assert sorted(gold) == ["30001", "30002", "40003"]
    for g in (gold, gold_in_file):
        rep = score_ceaf_ree(pred, g)
        want = {"PerpInd": (1, 1, 1, 2), "PerpOrg": (1, 1, 1, 1), "Target": (1, 3, 1, 1),
                "Victim": (1, 1, 1, 3), "Weapon": (1, 1, 1, 1)}
        for role, (pn, pd, rn, rd) in want.items():
            c = rep.per_role[role]
            assert (c.p_num, c.p_den, c.r_num, c.r_den) == (pn, pd, rn, rd), role
        m = rep.micro
        assert (m.precision, m.recall) == (pytest.approx(5 / 7), pytest.approx(5 / 8))
        assert m.f1 == pytest.approx(2 / 3)
        assert rep.per_role["Target"].f1 == pytest.approx(0.5)
        assert rep.missing_predictions == [] and rep.extra_predictions == []


def test_gold_from_the_importer_scores_like_the_file():
    split = muc4.load_grit(FIX / "muc4_grit_mini.jsonl")
    pred, _ = load_grit_predictions(FIX / "muc4_preds_mini.json")
    by_doc = {muc4.grit_numeric_id(d): e for d, e in split.entities.items()}
    assert score_ceaf_ree(pred, by_doc).micro.as_dict() == score_ceaf_ree(
        pred, load_grit_gold(FIX / "muc4_grit_mini.jsonl")).micro.as_dict()


def test_entities_from_mentions_dedupes_normalised_strings():
    ents = entities_from_mentions({"PerpOrg": ["The FMLN", "fmln", "army"], "Weapon": []})
    assert ents == {"PerpOrg": [["The FMLN"], ["army"]], "Weapon": []}


def test_bad_phi_is_refused():
    with pytest.raises(ValueError):
        score_ceaf_ree({}, {}, phi="loose")


needs_muc4 = pytest.mark.skipif(not (MUC4 / "grit_predictions" / "preds_s_t.out").is_file(),
                                reason="../shared/benchmarks/muc4 is absent")


@needs_muc4
def test_grit_published_test_result_is_recomputed():
    pred, gold_in_file = load_grit_predictions(MUC4 / "grit_predictions" / "preds_s_t.out")
    gold = load_grit_gold(MUC4 / "grit_ree" / "test.json")
    assert len(gold) == 200 and set(pred) == set(gold)
    rep = score_ceaf_ree(pred, gold)
    m = rep.micro
    assert (m.p_num, m.p_den, m.r_den) == (242, 377, 511)
    assert round(m.precision * 100, 2) == pytest.approx(64.19, abs=0.01)
    assert round(m.recall * 100, 2) == pytest.approx(47.36, abs=0.01)
    assert round(m.f1 * 100, 2) == pytest.approx(54.50, abs=0.01)
    per_role_f1 = {r: round(rep.per_role[r].f1 * 100, 2) for r in ROLES}
    assert per_role_f1 == {"PerpInd": 49.55, "PerpOrg": 51.85, "Target": 48.98, "Victim": 67.84, "Weapon": 59.13}
    # GRIT's normalisation matters: without it 5 fewer predictions match
    assert score_ceaf_ree(pred, gold, normalize=False).micro.p_num == 237
    # the gold copy inside the prediction file gives the same figures
    assert score_ceaf_ree(pred, gold_in_file).micro.as_dict() == m.as_dict()
    # and so does the gold read by the casus importer
    split = muc4.load_grit(MUC4 / "grit_ree" / "test.json")
    by_num = {muc4.grit_numeric_id(d): e for d, e in split.entities.items()}
    assert score_ceaf_ree(pred, by_num).micro.as_dict() == m.as_dict()
