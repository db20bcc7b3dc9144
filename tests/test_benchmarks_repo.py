"""casus.benchmarks.make_repo: imported benchmark AnnotationSets -> a casus repository on which
`casus validate`, `casus build` and a CRF `casus train` run. Tiny committed fixtures always; the real
re3d split from ../shared/benchmarks when present."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from casus.benchmarks import (PLACEHOLDER_DATE, carve_dev, flatten_spans, load_benchmark, make_repo, read_info,
                              subset_train)
from casus.formats import conll2003, muc4
from casus.model import AnnotationSet, Document, Span
from casus.store import Repo
from casus.validate import check_metadata, validate_repo

from conftest import run_cli

FIX = Path(__file__).resolve().parent / "fixtures" / "benchmarks"
BENCH = Path(__file__).resolve().parents[2] / "shared" / "benchmarks"
LABELS = list(conll2003.CONLL2003_LABELS)


def _conll(prefix: str) -> list[AnnotationSet]:
    return conll2003.read_conll_benchmark(FIX / "eng.mini", LABELS, doc_prefix=prefix, per_sentence=True)


@pytest.fixture
def conll_repo(tmp_path: Path) -> Path:
    """train: 6 sentences (no dev given: one is carved out), test: 3 sentences."""
    make_repo({"train": _conll("a") + _conll("b"), "test": _conll("t")}, tmp_path / "bench", LABELS,
              benchmark="conll2003")
    return tmp_path / "bench"


def test_layout_schema_metadata_and_splits(conll_repo: Path):
    repo = Repo.open(conll_repo)
    assert repo.schema.entity_labels == LABELS
    assert repo.schema.event_types == {}
    assert all(not d.attributes for d in repo.schema.labels.values())
    assert len(repo.doc_ids()) == 9 and repo.gold_ids() == repo.doc_ids()
    doc = repo.document("t-00002")
    assert doc.text == "Anna Berg Karl Lund met Nordic Bank staff ."
    meta = dict(doc.metadata)
    assert meta["title"] == "t-00002" and meta["date"] == PLACEHOLDER_DATE and meta["kind"] == "imported"
    assert "CoNLL-2003" in meta["source"] and "research" in meta["licence"] and meta["region"]
    assert check_metadata(meta, doc.text, "x") == []
    gold = repo.annotation("t-00002")
    assert [(s.label, doc.text[s.start:s.end]) for s in gold.spans] == [
        ("PER", "Anna Berg"), ("PER", "Karl Lund"), ("ORG", "Nordic Bank")]
    problems, checked = validate_repo(repo)
    assert [p for p in problems if p.severity == "error"] == [] and checked > 0
    manifest = json.loads(repo.splits_path.read_text())
    assert manifest["splits"]["test"] == ["t-00001", "t-00002", "t-00003"]
    assert len(manifest["splits"]["dev"]) == 1 and len(manifest["splits"]["train"]) == 5
    assert not set(manifest["splits"]["dev"]) & set(manifest["splits"]["train"])
    info = read_info(conll_repo)
    assert info["dev"].startswith("carved from train") and info["split_sizes"] == {"train": 5, "dev": 1, "test": 3}
    assert info["spans"]["test"] == {"LOC": 2, "MISC": 1, "ORG": 1, "PER": 2}
    assert info["flattened_dropped_total"] == 0


def test_given_dev_split_is_kept(tmp_path: Path):
    make_repo({"train": _conll("a"), "dev": _conll("d"), "test": _conll("t")}, tmp_path / "r", LABELS)
    m = json.loads((tmp_path / "r" / "annotations" / "splits.json").read_text())["splits"]
    assert m == {"train": ["a-00001", "a-00002", "a-00003"], "dev": ["d-00001", "d-00002", "d-00003"],
                 "test": ["t-00001", "t-00002", "t-00003"]}
    assert read_info(tmp_path / "r")["dev"] == "given"


def test_build_and_crf_training_run_on_the_benchmark_repo(conll_repo: Path, tmp_path: Path):
    pytest.importorskip("sklearn_crfsuite")
    r = run_cli(["validate"], conll_repo)
    assert r.exit_code == 0, r.output
    ds = tmp_path / "ds"
    r = run_cli(["build", "--out", str(ds)], conll_repo)
    assert r.exit_code == 0, r.output
    build = json.loads((ds / "casus_build.json").read_text())
    assert build["split_sizes"]["documents"] == {"train": 5, "dev": 1, "test": 3}
    assert build["unrepresentable_spans"] == 0
    recipe = tmp_path / "crf.yaml"
    recipe.write_text(f"name: crf\nseed: 1\nkind: crf\ndata:\n  dataset_dir: {ds}\ncrf:\n  max_iterations: 30\n")
    run = tmp_path / "run"
    r = run_cli(["train", str(recipe), "--out", str(run)], conll_repo)
    assert r.exit_code == 0, r.output
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["test"]["documents"] == 3 and metrics["train_documents"] == 5
    assert set(metrics["test"]["strict"]["per_label"]) == set(LABELS)
    preds = [json.loads(x) for x in (run / "predictions" / "test.jsonl").read_text().splitlines()]
    assert [p["doc_id"] for p in preds] == ["t-00001", "t-00002", "t-00003"]


def test_muc4_overlaps_are_flattened_longest_wins_and_counted(tmp_path: Path):
    split = muc4.load_grit(FIX / "muc4_grit_mini.jsonl", occurrences="all")
    assert split.overlapping_pairs > 0
    expect = Counter()
    for a in split.asets:
        _, dropped = flatten_spans(a.spans)
        expect.update(s.label for s in dropped)
    asets = split.asets
    make_repo({"train": asets[:2], "test": asets[2:]}, tmp_path / "m", list(muc4.ROLES), benchmark="muc4")
    info = read_info(tmp_path / "m")
    assert info["flattened_dropped"] == dict(expect) and info["flattened_dropped_total"] == sum(expect.values()) > 0
    assert sum(info["flattened_dropped_by_split"].values()) == info["flattened_dropped_total"]
    assert info["attrs_dropped"] == sum(len(a.spans) for a in asets)  # entity/mention indices are not schema attrs
    repo = Repo.open(tmp_path / "m")
    problems, _ = validate_repo(repo)
    assert [p for p in problems if p.severity == "error"] == []
    g = repo.annotation("TST3-MUC4-0001")
    spans = sorted(g.spans, key=lambda s: s.start)
    assert all(a.end <= b.start for a, b in zip(spans, spans[1:]))
    texts = {g.text[s.start:s.end] for s in g.spans}
    # "urban guerrilla front" (PerpOrg) lies inside the longer PerpInd phrase at 0: the phrase wins there
    assert "armed men of the urban guerrilla front" in texts
    assert all(not s.attrs for s in g.spans)
    assert dict(repo.document("TST3-MUC4-0001").metadata)["region"] == "Latin America"


def test_flatten_spans_tie_breaks():
    a = Span(id="a", start=0, end=5, label="X")
    b = Span(id="b", start=3, end=8, label="Y")   # same length, later start: loses
    c = Span(id="c", start=2, end=4, label="Z")   # nested in a: loses
    d = Span(id="d", start=9, end=10, label="X")
    kept, dropped = flatten_spans([b, c, d, a])
    assert [s.id for s in kept] == ["a", "d"] and sorted(s.id for s in dropped) == ["b", "c"]


def test_whitespace_edges_trimmed_and_blank_dropped(tmp_path: Path):
    doc = Document(id="w1", text="  Oslo  and  Bergen ")
    aset = AnnotationSet(document=doc, spans=(Span(id="s1", start=1, end=7, label="LOC"),
                                              Span(id="s2", start=6, end=8, label="LOC"),    # "  "
                                              Span(id="s3", start=12, end=19, label="LOC")))  # " Bergen"
    test = AnnotationSet(document=Document(id="w2", text="Oslo"), spans=(Span(id="s1", start=0, end=4, label="LOC"),))
    make_repo({"train": [aset, aset.with_(document=Document(id="w3", text=doc.text))], "test": [test]},
              tmp_path / "w", ["LOC"])
    info = read_info(tmp_path / "w")
    assert info["trimmed"] == 4 and info["blank_dropped"] == 2  # two documents, each: 2 trimmed, 1 blank
    g = Repo.open(tmp_path / "w").annotation("w1")
    assert [g.text[s.start:s.end] for s in g.spans] == ["Oslo", "Bergen"]


def test_refusals(tmp_path: Path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(FileExistsError):
        make_repo({"train": _conll("a"), "test": _conll("t")}, tmp_path / "full", LABELS)
    with pytest.raises(ValueError, match="not in the benchmark's label set"):
        make_repo({"train": _conll("a"), "test": _conll("t")}, tmp_path / "r1", ["LOC", "PER"])
    with pytest.raises(ValueError, match="two splits"):
        make_repo({"train": _conll("a"), "dev": _conll("a"), "test": _conll("t")}, tmp_path / "r2", LABELS)
    with pytest.raises(ValueError, match="train and test"):
        make_repo({"train": _conll("a")}, tmp_path / "r3", LABELS)


def test_carve_dev_and_subset_are_seeded():
    ids = [f"d{i:03d}" for i in range(50)]
    tr, dv = carve_dev(ids, 0.1, seed=13)
    assert len(dv) == 5 and sorted(tr + dv) == ids
    assert carve_dev(list(reversed(ids)), 0.1, seed=13) == (tr, dv)
    assert carve_dev(ids, 0.1, seed=14) != (tr, dv)
    asets = _conll("a") + _conll("b") + _conll("c")
    s1 = subset_train(asets, 4, seed=13)
    assert [a.doc_id for a in s1] == [a.doc_id for a in subset_train(list(reversed(asets)), 4, seed=13)]
    assert len(s1) == 4 and subset_train(asets, None) == asets


@pytest.mark.skipif(not (BENCH / "re3d" / "conflibert_splits").is_dir(), reason="../shared/benchmarks absent")
def test_real_re3d_split_counts_as_source_md(tmp_path: Path):
    data = load_benchmark("re3d", BENCH)
    make_repo(data.splits, tmp_path / "re3d", data.labels, benchmark="re3d")
    info = read_info(tmp_path / "re3d")
    assert info["split_sizes"] == {"train": 574, "dev": 191, "test": 200}
    assert sum(info["spans"]["train"].values()) == 2021 and sum(info["spans"]["test"].values()) == 676
    assert info["spans"]["train"]["Weapon"] == 60 and info["flattened_dropped_total"] == 0
    problems, _ = validate_repo(Repo.open(tmp_path / "re3d"))
    assert [p for p in problems if p.severity == "error"] == []
