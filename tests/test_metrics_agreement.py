"""Agreement: token kappa, attribute agreement, and `casus agree` on a tiny repository with two passes.

Text: "Gunmen attacked Diallassagou, killing 23 civilians. Soldiers arrested two men in Bankass."
Gold: Gunmen/ACTOR, Diallassagou/LOCATION, "23 civilians"/CASUALTY, Soldiers/ACTOR, "two men"/ACTOR,
Bankass/LOCATION (6 spans). Pass ann1 = gold without Bankass, CASUALTY group civilian -> unknown.
Pass ann2 = gold but the CASUALTY span is only "civilians".

Hand-computed (b is the reference):
* ann1 vs ann2: strict tp 4, fp 1, fn 2 -> F1 8/11; partial tp 4.5, fp 0.5, fn 1.5 -> F1 0.9*0.75*2/1.65 = 9/11.
* ann1 vs gold: strict tp 5, fp 0, fn 1 -> F1 10/11 (partial the same); token kappa: 15 tokens, one
  differs (Bankass B-LOCATION vs O); gold tags O 7, B-ACTOR 3, I-ACTOR 1, B-LOCATION 2, B-CASUALTY 1,
  I-CASUALTY 1; ann1 the same with O 8, B-LOCATION 1: p_o = 14/15, p_e = 70/225 -> kappa = 140/155.
  Attributes on the one matched CASUALTY: status 1/1, count 1/1, group 0/1.
* ann2 vs gold: strict tp 5, fp 1, fn 1 -> F1 5/6; partial tp 5.5, fp 0.5, fn 0.5 -> F1 11/12.
* passes vs gold pooled: tp 10, fp 1, fn 2 -> F1 20/23.
"""

from __future__ import annotations

import json

import pytest

from casus.metrics.agreement import attribute_accuracy, token_kappa
from casus.model import AnnotationSet, Document, Span

from conftest import run_cli, span_dict, write_annotation, write_document

TEXT = "Gunmen attacked Diallassagou, killing 23 civilians. Soldiers arrested two men in Bankass."
CAS = {"status": "killed", "count": 23, "count_qualifier": "exact", "group": "civilian"}


def _span(sid, phrase, label, attrs=None):
    s = TEXT.index(phrase)
    return span_dict(TEXT, sid, s, s + len(phrase), label, attrs)


def _gold_spans():
    return [_span("a1", "Gunmen", "ACTOR"), _span("l1", "Diallassagou", "LOCATION"),
            _span("c1", "23 civilians", "CASUALTY", CAS), _span("a2", "Soldiers", "ACTOR"),
            _span("a3", "two men", "ACTOR"), _span("l2", "Bankass", "LOCATION")]


@pytest.fixture
def agree_repo(tmp_repo):
    write_document(tmp_repo, "doc-1", TEXT)
    write_annotation(tmp_repo, "doc-1", TEXT, _gold_spans())
    ann1 = [s for s in _gold_spans() if s["id"] != "l2"]
    ann1[2] = _span("c1", "23 civilians", "CASUALTY", {**CAS, "group": "unknown"})
    write_annotation(tmp_repo, "doc-1", TEXT, ann1, annotator="ann1")
    ann2 = _gold_spans()
    ann2[2] = _span("c1", "civilians", "CASUALTY", CAS)
    write_annotation(tmp_repo, "doc-1", TEXT, ann2, annotator="ann2")
    return tmp_repo


def test_agree_hand_checked_numbers(agree_repo):
    r = run_cli(["agree", "--format", "json", "--out", "eval/agreement", "--bootstrap", "50"], root=agree_repo)
    assert r.exit_code == 0, r.output
    data = json.loads((agree_repo / "eval" / "agreement" / "metrics.json").read_text())
    assert data["documents"] == 1
    rows = {(row["a"], row["b"]): row for row in data["rows"]}
    assert set(rows) == {("ann1", "ann2"), ("ann1", "gold"), ("ann2", "gold")}

    r12 = rows[("ann1", "ann2")]
    assert r12["documents"] == 1
    assert r12["strict_f1"] == pytest.approx(8 / 11)
    assert r12["strict_precision"] == pytest.approx(4 / 5) and r12["strict_recall"] == pytest.approx(4 / 6)
    assert r12["partial_f1"] == pytest.approx(9 / 11)

    r1g = rows[("ann1", "gold")]
    assert r1g["strict_f1"] == pytest.approx(10 / 11)
    assert r1g["partial_f1"] == pytest.approx(10 / 11)
    assert r1g["tokens"] == 15
    assert r1g["kappa"] == pytest.approx(140 / 155)
    assert r1g["per_label"]["LOCATION"]["strict"]["f1"] == pytest.approx(2 / 3)
    assert r1g["per_label"]["ACTOR"]["strict"]["f1"] == 1.0
    attrs = r1g["attributes"]
    assert attrs["matched_spans"] == 1
    assert attrs["attributes"]["status"]["accuracy"] == 1.0
    assert attrs["attributes"]["count"]["accuracy"] == 1.0
    assert attrs["attributes"]["group"]["accuracy"] == 0.0

    r2g = rows[("ann2", "gold")]
    assert r2g["strict_f1"] == pytest.approx(5 / 6)
    assert r2g["partial_f1"] == pytest.approx(11 / 12)
    assert r2g["attributes"]["matched_spans"] == 0

    assert data["passes_vs_gold"]["strict_f1"] == pytest.approx(20 / 23)
    # what casus/card.py reads
    for row in data["rows"]:
        assert {"a", "b", "strict_f1", "partial_f1"} <= set(row)


def test_agree_table_and_annotator_choice(agree_repo):
    r = run_cli(["agree", "--annotators", "ann1", "gold", "--bootstrap", "0"], root=agree_repo)
    assert r.exit_code == 0, r.output
    assert "ann1" in r.output and "gold" in r.output and "ann2" not in r.output
    assert "0.909" in r.output  # ann1 vs gold strict F1 10/11


def test_agree_unknown_pass_is_an_error(agree_repo):
    r = run_cli(["agree", "--annotators", "nobody"], root=agree_repo)
    assert r.exit_code == 1
    assert "nobody" in r.output
    assert "Traceback" not in r.output


def test_kappa_perfect_and_attribute_none():
    doc = Document("d", "Gunmen attacked.")
    a = AnnotationSet(doc, (Span("s1", 0, 6, "ACTOR"),))
    assert token_kappa([(a, a)])["kappa"] == 1.0
    empty = AnnotationSet(doc)
    assert token_kappa([(empty, empty)])["kappa"] == 1.0
    res = attribute_accuracy([(a, a)])
    assert res["matched_spans"] == 0 and res["all"]["accuracy"] is None


def test_agreement_grouped_by_style_hand_computed():
    """Pooled pass-vs-gold F1 per group: one style agrees fully, the other half (hand-computed)."""
    from casus.metrics.agreement import agreement

    def aset(doc, spans, who):
        text = "Gunmen attacked Kidal and Gao."
        d = Document(id=doc, text=text)
        return AnnotationSet(document=d, annotator=who, spans=tuple(
            Span(id=f"s{i}", start=text.index(w), end=text.index(w) + len(w), label=lab) for i, (w, lab) in enumerate(spans)))

    gold_sp = [("Gunmen", "ACTOR"), ("Kidal", "LOCATION"), ("Gao", "LOCATION")]
    sets = {"gold": {"d1": aset("d1", gold_sp, "gold"), "d2": aset("d2", gold_sp, "gold")},
            "ann": {"d1": aset("d1", gold_sp, "ann"), "d2": aset("d2", [("Gunmen", "ACTOR"), ("Kidal", "ACTOR")], "ann")}}
    res = agreement(sets, ["ACTOR", "LOCATION"], seed=0, n_boot=50,
                    groups={"style": {"d1": "wire", "d2": "liveblog"}})
    by = res["passes_vs_gold_by"]["style"]
    assert by["wire"]["strict_f1"] == pytest.approx(1.0) and by["wire"]["documents"] == 1
    # d2: tp 1 (Gunmen), fp 1 (Kidal as ACTOR), fn 2 -> P 1/2, R 1/3, F1 0.4
    assert by["liveblog"]["strict_f1"] == pytest.approx(0.4)
    assert res["passes_vs_gold"]["strict_f1"] == pytest.approx(2 * 4 / 5 * 4 / 6 / (4 / 5 + 4 / 6))


def test_blind_pass_pooled_against_original_not_adjudicated_gold():
    """After adjudication gold may follow the blind pass; the pooled figure keeps comparing the two
    independent versions (the author's original and the blind pass), and never pools the original itself."""
    from casus.metrics.agreement import agreement

    text = "Gunmen attacked Kidal and Gao."

    def aset(spans, who):
        return AnnotationSet(document=Document(id="d1", text=text), annotator=who, spans=tuple(
            Span(id=f"s{i}", start=text.index(w), end=text.index(w) + len(w), label=lab) for i, (w, lab) in enumerate(spans)))

    blind = [("Gunmen", "ACTOR"), ("Kidal", "LOCATION"), ("Gao", "LOCATION")]
    original = [("Gunmen", "ACTOR"), ("Kidal", "LOCATION")]
    sets = {"gold": {"d1": aset(blind, "gold")}, "ann": {"d1": aset(blind, "ann")}, "writer-1": {"d1": aset(original, "writer-1")}}
    res = agreement(sets, ["ACTOR", "LOCATION"], n_boot=0, originals={"d1": "writer-1"})
    assert res["passes_vs_gold"]["strict_f1"] == pytest.approx(0.8)  # ann vs writer-1: P 2/3, R 1
    assert res["passes_vs_gold"]["pairs"] == 1
    plain = agreement(sets, ["ACTOR", "LOCATION"], n_boot=0)
    assert plain["passes_vs_gold"]["pairs"] == 2  # without originals every pass is pooled against gold
