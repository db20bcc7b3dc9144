"""Span scoring: a committed table of hand-computed cases, and a differential test against seqeval."""

from __future__ import annotations

import json
import warnings

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casus.align import tags_to_token_spans
from casus.metrics.spans import aggregate, score_corpus, score_document

from conftest import FIXTURES

CASES = json.loads((FIXTURES / "metrics" / "hand_cases.json").read_text(encoding="utf-8"))["cases"]


def _report(case):
    docs = [score_document([tuple(s) for s in d["gold"]], [tuple(s) for s in d["pred"]]) for d in case["docs"]]
    return aggregate(docs)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_hand_computed_case(case):
    rep = _report(case)
    for scheme in ("strict", "partial", "exact", "type"):
        want = case.get(scheme)
        if want is None:
            continue
        got = rep.micro(scheme).as_dict()
        for k, v in want.items():
            assert got[k] == pytest.approx(v), f"{case['name']}: {scheme} {k} = {got[k]}, expected {v}"
    for lab, want in case.get("strict_per_label", {}).items():
        got = rep.per_scheme["strict"][lab].as_dict()
        for k, v in want.items():
            assert got[k] == pytest.approx(v), f"{case['name']}: strict {lab} {k} = {got[k]}, expected {v}"


def test_score_corpus_ignores_one_sided_documents():
    rep, per_doc = score_corpus({"d1": [(0, 1, "A")], "d2": [(0, 1, "A")]}, {"d1": [(0, 1, "A")], "d3": []})
    assert sorted(per_doc) == ["d1"]
    assert rep.micro("strict").f1 == 1.0


# -- differential test against seqeval ---------------------------------------------------------------

LABELS = ("PER", "LOC", "ORG")
TAGS = ["O"] + [f"{p}-{lab}" for lab in LABELS for p in ("B", "I")]

sequences = st.lists(st.sampled_from(TAGS), min_size=0, max_size=12)
# a corpus: pairs of (gold, pred) tag sequences of equal length
corpora = st.lists(
    st.integers(min_value=0, max_value=12).flatmap(
        lambda n: st.tuples(st.lists(st.sampled_from(TAGS), min_size=n, max_size=n),
                            st.lists(st.sampled_from(TAGS), min_size=n, max_size=n))),
    min_size=1, max_size=6)


def _spans(tags):
    return [(i, j + 1, lab) for i, j, lab in tags_to_token_spans(tags)]


@given(corpora)
def test_strict_scores_equal_seqeval(corpus):
    from seqeval.metrics import classification_report, f1_score, precision_score, recall_score

    y_true = [g for g, _ in corpus]
    y_pred = [p for _, p in corpus]
    gold = {f"d{i}": _spans(g) for i, (g, _) in enumerate(corpus)}
    pred = {f"d{i}": _spans(p) for i, (_, p) in enumerate(corpus)}
    rep, _ = score_corpus(gold, pred)
    micro = rep.micro("strict")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sp = precision_score(y_true, y_pred, zero_division=0)
        sr = recall_score(y_true, y_pred, zero_division=0)
        sf = f1_score(y_true, y_pred, zero_division=0)
        per = classification_report(y_true, y_pred, output_dict=True, zero_division=0)
    assert micro.precision == pytest.approx(sp)
    assert micro.recall == pytest.approx(sr)
    assert micro.f1 == pytest.approx(sf)
    seq_labels = {k for k in per if k not in ("micro avg", "macro avg", "weighted avg")}
    ours = {lab for lab in rep.labels if rep.per_scheme["strict"][lab].tp + rep.per_scheme["strict"][lab].fp
            + rep.per_scheme["strict"][lab].fn > 0}
    assert ours == seq_labels
    for lab in seq_labels:
        c = rep.per_scheme["strict"][lab]
        assert c.precision == pytest.approx(per[lab]["precision"]), lab
        assert c.recall == pytest.approx(per[lab]["recall"]), lab
        assert c.f1 == pytest.approx(per[lab]["f1-score"]), lab
        assert c.tp + c.fn == per[lab]["support"], lab


@given(sequences)
def test_tags_to_token_spans_matches_seqeval_get_entities(tags):
    from seqeval.metrics.sequence_labeling import get_entities

    ours = sorted((lab, i, j) for i, j, lab in tags_to_token_spans(tags))
    theirs = sorted(get_entities(list(tags)))
    assert ours == theirs
