"""`casus evaluate`, `casus compare` and `casus curve` on small hand-made inputs.

The doccano case (two scored documents, one paired by text, one document on each side only):

d1 "Gunmen attacked Diallassagou, killing 23 civilians. Soldiers arrested two men in Bankass."
   gold: Gunmen/ACTOR Diallassagou/LOCATION "23 civilians"/CASUALTY Soldiers/ACTOR "two men"/ACTOR Bankass/LOCATION
   pred: Gunmen/ACTOR ok, Diallassagou/ACTOR (label error), civilians/CASUALTY (boundary error), Soldiers ok,
         "two men" missed, Bankass ok, attacked/WEAPON (spurious)         -> tp 3, fp 3, fn 3
d2 "Rebels shelled Goma with mortars. Three soldiers were wounded."  (predicted under another id: paired by text)
   gold: Rebels/ACTOR Goma/LOCATION mortars/WEAPON "Three soldiers"/CASUALTY
   pred: Rebels, Goma, mortars ok; soldiers/CASUALTY (boundary); wounded/ACTOR (spurious) -> tp 3, fp 2, fn 1
strict micro: tp 6, fp 5, fn 4 -> P 6/11, R 6/10, F1 12/21 = 0.5714
partial micro: tp 8, fp 3, fn 2 -> F1 12.8/16.8 = 0.7619
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import PROJECT_ROOT, run_cli

T1 = "Gunmen attacked Diallassagou, killing 23 civilians. Soldiers arrested two men in Bankass."
T2 = "Rebels shelled Goma with mortars. Three soldiers were wounded."
T3 = "Police arrested a suspect in Bamako."
T4 = "Nothing happened in Mopti."


def _lab(text, phrase, label, nth=0):
    s = -1
    for _ in range(nth + 1):
        s = text.index(phrase, s + 1)
    return [s, s + len(phrase), label]


GOLD = [
    {"doc_id": "d1", "text": T1, "label": [_lab(T1, "Gunmen", "ACTOR"), _lab(T1, "Diallassagou", "LOCATION"),
                                           _lab(T1, "23 civilians", "CASUALTY"), _lab(T1, "Soldiers", "ACTOR"),
                                           _lab(T1, "two men", "ACTOR"), _lab(T1, "Bankass", "LOCATION")]},
    {"doc_id": "d2", "text": T2, "label": [_lab(T2, "Rebels", "ACTOR"), _lab(T2, "Goma", "LOCATION"),
                                           _lab(T2, "mortars", "WEAPON"), _lab(T2, "Three soldiers", "CASUALTY")]},
    {"doc_id": "d4", "text": T4, "label": [_lab(T4, "Mopti", "LOCATION")]},
]
PRED = [
    {"doc_id": "d1", "text": T1, "label": [_lab(T1, "Gunmen", "ACTOR"), _lab(T1, "Diallassagou", "ACTOR"),
                                           _lab(T1, "civilians", "CASUALTY"), _lab(T1, "Soldiers", "ACTOR"),
                                           _lab(T1, "Bankass", "LOCATION"), _lab(T1, "attacked", "WEAPON")]},
    {"doc_id": "x-99", "text": T2, "label": [_lab(T2, "Rebels", "ACTOR"), _lab(T2, "Goma", "LOCATION"),
                                             _lab(T2, "mortars", "WEAPON"), _lab(T2, "soldiers", "CASUALTY"),
                                             _lab(T2, "wounded", "ACTOR")]},
    {"doc_id": "d3", "text": T3, "label": [_lab(T3, "Police", "ACTOR")]},
]


def _jsonl(path: Path, records) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture
def doccano_files(tmp_repo, tmp_path):
    return _jsonl(tmp_path / "gold.jsonl", GOLD), _jsonl(tmp_path / "pred.jsonl", PRED)


def test_evaluate_doccano_exact_strict_f1(tmp_repo, tmp_path, doccano_files):
    gold, pred = doccano_files
    out = tmp_path / "out"
    r = run_cli(["evaluate", "--gold", str(gold), "--pred", str(pred), "--out", str(out)], root=tmp_repo)
    assert r.exit_code == 0, r.output
    assert "strict micro F1 = 0.5714" in r.output
    assert "P 0.5455, R 0.6000" in r.output
    # one-sided documents are reported, not dropped silently
    assert "d4" in r.output and "d3" in r.output
    assert "only in gold" in r.output and "only in predictions" in r.output
    assert "paired by identical text" in r.output
    m = json.loads((out / "metrics.json").read_text())
    assert m["strict"]["micro"]["f1"] == pytest.approx(12 / 21)
    assert (m["strict"]["micro"]["tp"], m["strict"]["micro"]["fp"], m["strict"]["micro"]["fn"]) == (6, 5, 4)
    assert m["partial"]["micro"]["f1"] == pytest.approx(12.8 / 16.8)
    assert m["documents"] == 2
    assert m["matching"]["gold_only"] == ["d4"] and m["matching"]["pred_only"] == ["d3"]
    assert m["matching"]["matched_by_text"] == [["d2", "x-99"]]
    lo, hi = m["ci95"]["strict_micro_f1"]
    assert lo <= 12 / 21 <= hi
    assert m["strict"]["per_label"]["WEAPON"]["fp"] == 1
    assert m["gold"]["kind"] == "doccano" and m["pred"]["kind"] == "doccano"


def test_evaluate_labels_filter(tmp_repo, doccano_files):
    gold, pred = doccano_files
    r = run_cli(["evaluate", "--gold", str(gold), "--pred", str(pred), "--labels", "LOCATION,WEAPON",
                 "--format", "json"], root=tmp_repo)
    assert r.exit_code == 0, r.output
    m = json.loads(r.output)
    assert m["labels"] == ["LOCATION", "WEAPON"]
    # LOCATION: tp 3 (Bankass, Goma... ) fn 1 (Diallassagou); WEAPON: tp 1 (mortars), fp 1 (attacked)
    assert (m["strict"]["micro"]["tp"], m["strict"]["micro"]["fp"], m["strict"]["micro"]["fn"]) == (3, 1, 1)


def test_evaluate_conll_against_doccano_moves_offsets(tmp_repo, tmp_path, doccano_files):
    """CoNLL rebuilds the text (tokens joined by spaces): offsets are moved onto the gold text."""
    from casus.formats import conll, doccano
    from casus.store import Repo

    gold, _ = doccano_files
    schema = Repo.open(tmp_repo).schema
    conll.write(doccano.read(gold, schema), tmp_path / "pred.conll", schema)
    r = run_cli(["evaluate", "--gold", str(gold), "--pred", str(tmp_path / "pred.conll")], root=tmp_repo)
    assert r.exit_code == 0, r.output
    assert "strict micro F1 = 1.0000" in r.output
    assert "whitespace only" in r.output


@pytest.mark.parametrize("content, needle", [
    ('{"text": "abc", "label": [[0, 9, "ACTOR"]]}\n', "pred.jsonl"),
    ('{"text": "abc", "label": [[0, 2, "ACTOR"]]\n', "not valid JSON"),
    ("just some words\n", "cannot tell"),
])
def test_evaluate_unreadable_input_exits_1(tmp_repo, tmp_path, doccano_files, content, needle):
    gold, _ = doccano_files
    bad = tmp_path / ("pred.jsonl" if "{" in content else "pred.data")
    bad.write_text(content, encoding="utf-8")
    r = run_cli(["evaluate", "--gold", str(gold), "--pred", str(bad)], root=tmp_repo)
    assert r.exit_code == 1, r.output
    assert "error" in r.output and needle in r.output
    assert "Traceback" not in r.output
    assert r.exception is None or isinstance(r.exception, SystemExit)


def test_evaluate_missing_path_exits_1(tmp_repo, doccano_files):
    gold, _ = doccano_files
    r = run_cli(["evaluate", "--gold", str(gold), "--pred", "/nonexistent/preds.jsonl"], root=tmp_repo)
    assert r.exit_code == 1
    assert "no such file" in r.output


# -- run folders, compare ------------------------------------------------------------------------------


def _make_run(path: Path, preds: dict[str, tuple[str, list]], recipe: str = "r", seed: int = 1) -> Path:
    (path / "predictions").mkdir(parents=True)
    lines = [json.dumps({"doc_id": d, "text": t, "spans": [{"start": s, "end": e, "label": lab, "text": t[s:e]}
                                                           for s, e, lab in spans]})
             for d, (t, spans) in preds.items()]
    (path / "predictions" / "test.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (path / "metrics.json").write_text(json.dumps({"recipe": recipe, "seed": seed}), encoding="utf-8")
    return path


@pytest.fixture
def run_repo(tmp_repo):
    """A repository with gold for d1 and d2 (annotation files + corpus texts)."""
    from conftest import span_dict, write_annotation, write_document

    for rec in GOLD[:2]:
        t = rec["text"]
        write_document(tmp_repo, rec["doc_id"], t)
        spans = [span_dict(t, f"s{i}", s, e, lab, {"status": "killed", "group": "civilian"} if lab == "CASUALTY" else None)
                 for i, (s, e, lab) in enumerate(rec["label"])]
        write_annotation(tmp_repo, rec["doc_id"], t, spans)
    return tmp_repo


def _pred_spans(rec):
    return [tuple(x) for x in rec["label"]]


def test_evaluate_run_folder_against_repo_gold(run_repo, tmp_path):
    run = _make_run(tmp_path / "run1", {"d1": (T1, _pred_spans(PRED[0])), "d2": (T2, _pred_spans(PRED[1]))})
    r = run_cli(["evaluate", "--pred", str(run)], root=run_repo)  # gold defaults to the repository's
    assert r.exit_code == 0, r.output
    assert "strict micro F1 = 0.5714" in r.output
    r = run_cli(["evaluate", "--gold", "gold", "--pred", str(run / "predictions" / "test.jsonl")], root=run_repo)
    assert r.exit_code == 0, r.output
    assert "strict micro F1 = 0.5714" in r.output
    r = run_cli(["evaluate", "--pred", str(run), "--split", "dev"], root=run_repo)
    assert r.exit_code == 1 and "predictions/dev.jsonl" in r.output


def test_compare_identical_runs_not_significant(run_repo, tmp_path):
    preds = {"d1": (T1, _pred_spans(PRED[0])), "d2": (T2, _pred_spans(PRED[1]))}
    a = _make_run(tmp_path / "a", preds, seed=1)
    b = _make_run(tmp_path / "b", preds, seed=2)
    out = tmp_path / "cmp.json"
    r = run_cli(["compare", str(a), str(b), "--out", str(out), "--bootstrap", "500"], root=run_repo)
    assert r.exit_code == 0, r.output
    assert "p = 1.000" in r.output
    assert "not significant at 0.05" in r.output
    assert "0.571 ± 0.000" in r.output  # one recipe, two seeds
    res = json.loads(out.read_text())
    assert res["runs"][1]["vs_first"]["difference"] == 0.0
    assert res["runs"][1]["vs_first"]["p_value"] == 1.0
    assert res["recipes"][0]["runs"] == 2


def test_compare_better_run(run_repo, tmp_path):
    a = _make_run(tmp_path / "a", {"d1": (T1, _pred_spans(PRED[0])), "d2": (T2, _pred_spans(PRED[1]))}, recipe="x")
    perfect = {rec["doc_id"]: (rec["text"], _pred_spans(rec)) for rec in GOLD[:2]}
    b = _make_run(tmp_path / "b", perfect, recipe="y")
    r = run_cli(["compare", str(a), str(b), "--out", str(tmp_path / "o")], root=run_repo)
    assert r.exit_code == 0, r.output
    res = json.loads((tmp_path / "o" / "compare.json").read_text())
    assert res["runs"][1]["strict_f1"] == 1.0
    assert res["runs"][1]["vs_first"]["difference"] == pytest.approx(1 - 12 / 21)
    assert "paired bootstrap p" in r.output


def test_compare_different_documents_is_an_error(run_repo, tmp_path):
    a = _make_run(tmp_path / "a", {"d1": (T1, []), "d2": (T2, [])})
    b = _make_run(tmp_path / "b", {"d1": (T1, [])})
    r = run_cli(["compare", str(a), str(b)], root=run_repo)
    assert r.exit_code == 1
    assert "d2" in r.output and "not on the same" in r.output
    assert "Traceback" not in r.output


# -- learning curve ------------------------------------------------------------------------------------


@pytest.fixture
def curve_repo(tmp_path):
    ids = sorted(p.stem for p in (PROJECT_ROOT / "annotations" / "gold").glob("*.json"))[:8]
    if len(ids) < 8:
        pytest.skip("the shipped corpus has too few documents")
    root = tmp_path / "crepo"
    (root / "annotations" / "gold").mkdir(parents=True)
    (root / "corpus").mkdir()
    shutil.copy(PROJECT_ROOT / "annotations" / "schema.yaml", root / "annotations" / "schema.yaml")
    for d in ids:
        shutil.copy(PROJECT_ROOT / "annotations" / "gold" / f"{d}.json", root / "annotations" / "gold")
        shutil.copy(PROJECT_ROOT / "corpus" / f"{d}.txt", root / "corpus")
        shutil.copy(PROJECT_ROOT / "corpus" / f"{d}.meta.json", root / "corpus")
    splits = {"seed": 1, "ratios": {"train": 0.5, "dev": 0.25, "test": 0.25},
              "splits": {"train": ids[:4], "dev": ids[4:6], "test": ids[6:]}}
    (root / "annotations" / "splits.json").write_text(json.dumps(splits))
    (root / "tiny-crf.yaml").write_text(
        "name: tiny-crf\nseed: 3\nkind: crf\ndata:\n  dataset_dir: build/ds\ncrf:\n  max_iterations: 5\n")
    (root / "eval" / "agreement").mkdir(parents=True)
    (root / "eval" / "agreement" / "metrics.json").write_text(
        json.dumps({"documents": 2, "rows": [], "passes_vs_gold": {"strict_f1": 0.85, "partial_f1": 0.9}}))
    return root


def test_curve_tiny_crf(curve_repo):
    out = curve_repo / "curve-out"
    r = run_cli(["curve", str(curve_repo / "tiny-crf.yaml"), "--fractions", "0.5,1.0", "--seeds", "2",
                 "--out", str(out)], root=curve_repo)
    assert r.exit_code == 0, r.output
    res = json.loads((out / "curve.json").read_text())
    assert [s["fraction"] for s in res["summary"]] == [0.5, 1.0]
    assert [s["train_documents"] for s in res["summary"]] == [2, 4]
    assert len(res["points"]) == 4 and res["seeds"] == [3, 4]
    assert all(0.0 <= p["test_strict_f1"] <= 1.0 for p in res["points"])
    assert res["human_ceiling_strict_f1"] == 0.85
    png = (out / "curve.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    md = (out / "curve.md").read_text()
    assert "| 0.5 | 2 | 2 |" in md and "0.8500" in md
    assert "human agreement ceiling: 0.850" in r.output


@pytest.mark.parametrize("kind", ["labelstudio", "labelstudio-predictions", "brat", "casus", "inline"])
def test_evaluate_reads_every_format(tmp_repo, tmp_path, doccano_files, kind):
    """The doccano gold written out in another format scores 1.0 against itself (format detected)."""
    from casus.formats import brat, doccano, inline, labelstudio
    from casus.store import Repo

    gold, _ = doccano_files
    schema = Repo.open(tmp_repo).schema
    asets = doccano.read(gold, schema)
    if kind.startswith("labelstudio"):
        target = tmp_path / "tasks.json"
        labelstudio.write(asets, target, schema)
        if kind == "labelstudio-predictions":  # a model's output: predictions, no annotations
            tasks = json.loads(target.read_text(encoding="utf-8"))
            for t in tasks:
                t["predictions"] = t.pop("annotations")
            target.write_text(json.dumps(tasks), encoding="utf-8")
    elif kind == "brat":
        target = tmp_path / "brat"
        brat.write(asets, target, schema)
    elif kind == "casus":
        target = tmp_path / "preds.json"
        target.write_text(json.dumps([{**a.to_dict(), "text": a.text} for a in asets]), encoding="utf-8")
    else:
        target = tmp_path / "inline"
        target.mkdir()
        for a in asets:
            from conftest import BASE_META
            from casus.model import Document

            from casus.model import Span

            spans = tuple(Span(x.id, x.start, x.end, x.label, {"status": "killed", "group": "civilian"}
                               if x.label == "CASUALTY" else {}) for x in a.spans)
            a = a.with_(document=Document(a.doc_id, a.text, {**BASE_META}), spans=spans)
            (target / f"{a.doc_id}.txt").write_text(inline.dump(a, schema), encoding="utf-8")
    r = run_cli(["evaluate", "--gold", str(gold), "--pred", str(target), "--format", "json", "--bootstrap", "0"],
                root=tmp_repo)
    assert r.exit_code == 0, r.output
    m = json.loads(r.output)
    assert m["pred"]["kind"] == kind.split("-")[0]
    assert m["documents"] == 3
    assert m["strict"]["micro"]["f1"] == 1.0


def test_evaluate_attributes_and_events(tmp_repo):
    """Annotation folders (gold vs a pass): casualty attributes and TextEE event scores are reported."""
    from conftest import span_dict, write_annotation, write_document

    t = "Gunmen attacked Diallassagou, killing 23 civilians."

    def sp(sid, phrase, label, attrs=None):
        s = t.index(phrase)
        return span_dict(t, sid, s, s + len(phrase), label, attrs)

    cas = {"status": "killed", "count": 23, "count_qualifier": "exact", "group": "civilian"}
    spans = [sp("a1", "Gunmen", "ACTOR"), sp("e1", "attacked", "TRIGGER"), sp("l1", "Diallassagou", "LOCATION"),
             sp("c1", "23 civilians", "CASUALTY", cas)]
    ev = [{"id": "e1", "type": "ATTACK", "subtype": "shooting", "trigger": "e1",
           "args": [{"role": "attacker", "span": "a1"}, {"role": "victim", "span": "c1"}, {"role": "place", "span": "l1"}]}]
    write_document(tmp_repo, "doc-1", t)
    write_annotation(tmp_repo, "doc-1", t, spans, ev)
    spans2 = spans[:3] + [sp("c1", "23 civilians", "CASUALTY", {**cas, "count": 20, "group": "unknown"})]
    ev2 = [{**ev[0], "subtype": "raid", "args": ev[0]["args"][:2] + [{"role": "target", "span": "l1"}]}]
    write_annotation(tmp_repo, "doc-1", t, spans2, ev2, annotator="p1")
    r = run_cli(["evaluate", "--gold", "gold", "--pred", "p1", "--format", "json", "--bootstrap", "20"], root=tmp_repo)
    assert r.exit_code == 0, r.output
    m = json.loads(r.output)
    assert m["strict"]["micro"]["f1"] == 1.0
    a = m["attributes"]["attributes"]
    assert m["attributes"]["matched_spans"] == 1
    assert (a["status"]["accuracy"], a["count"]["accuracy"], a["group"]["accuracy"]) == (1.0, 0.0, 0.0)
    e = m["events"]
    assert e["trigger_id"]["f1"] == 1.0 and e["trigger_cls"]["f1"] == 0.0 and e["trigger_type"]["f1"] == 1.0
    assert e["arg_id"]["f1"] == 1.0
    assert e["arg_cls"]["tp"] == 2 and e["arg_cls"]["fp"] == 1 and e["arg_cls"]["fn"] == 1
    r = run_cli(["evaluate", "--gold", "gold", "--pred", "p1"], root=tmp_repo)
    assert r.exit_code == 0, r.output
    assert "CASUALTY attributes" in r.output and "argument classification" in r.output


def test_default_gold_pairs_by_text_when_ids_differ(run_repo, tmp_path):
    pred = _jsonl(tmp_path / "p.jsonl", [{**PRED[0], "doc_id": "other-id"}])
    r = run_cli(["evaluate", "--pred", str(pred), "--format", "json", "--bootstrap", "0"], root=run_repo)
    assert r.exit_code == 0, r.output
    m = json.loads(r.output)
    assert m["matching"]["matched_by_text"] == [["d1", "other-id"]]
    assert m["matching"]["gold_only"] == [] and m["documents"] == 1
    assert (m["strict"]["micro"]["tp"], m["strict"]["micro"]["fp"], m["strict"]["micro"]["fn"]) == (3, 3, 3)


def test_nothing_in_common_is_an_error(run_repo, tmp_path):
    pred = _jsonl(tmp_path / "p.jsonl", [{"doc_id": "zz", "text": "Unrelated text.", "label": []}])
    r = run_cli(["evaluate", "--pred", str(pred)], root=run_repo)
    assert r.exit_code == 1
    assert "no document is on both sides" in r.output and "zz" in r.output
