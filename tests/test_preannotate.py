"""Model-assisted pre-annotation: a tiny CRF run -> Label Studio predictions / doccano -> back into casus."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from casus import preannotate
from casus.predict import load_predictor
from casus.store import Repo

from conftest import PROJECT_ROOT, assert_no_crash, make_repo, run_cli

N_DOCS = 6


@pytest.fixture(scope="module")
def crf_run(tmp_path_factory) -> tuple[Path, Path]:
    """(repo, run folder): 6 shipped documents, a split manifest, a CRF trained for 30 iterations (10 predicts nothing at all)."""
    from casus.train.recipe import load_recipe
    from casus.train.run import run_recipe

    tmp = tmp_path_factory.mktemp("pre")
    root = make_repo(tmp / "repo")
    ids = sorted(p.stem for p in (PROJECT_ROOT / "annotations" / "gold").glob("*.json"))[:N_DOCS + 2]
    for d in ids:
        for suffix in (".txt", ".meta.json"):
            shutil.copy(PROJECT_ROOT / "corpus" / f"{d}{suffix}", root / "corpus" / f"{d}{suffix}")
    for d in ids[:N_DOCS]:  # the last two stay without gold: pre-annotation targets
        shutil.copy(PROJECT_ROOT / "annotations" / "gold" / f"{d}.json", root / "annotations" / "gold" / f"{d}.json")
    splits = {"seed": 1, "ratios": {"train": 0.67, "dev": 0.17, "test": 0.16},
              "splits": {"train": ids[:4], "dev": ids[4:5], "test": ids[5:6]}}
    (root / "annotations" / "splits.json").write_text(json.dumps(splits))
    recipe = tmp / "crf.yaml"
    recipe.write_text(f"name: crf-tiny\nseed: 3\nkind: crf\ndata:\n  dataset_dir: {tmp / 'ds'}\n")
    run = tmp / "runs" / "crf-tiny"
    run_recipe(load_recipe(recipe, ["crf.max_iterations=30"]), Repo.open(root), out=run, progress=False)
    return root, run


def test_preannotate_labelstudio_round_trip(crf_run, tmp_path):
    root, run = crf_run
    repo = Repo.open(root)
    targets = [d for d in repo.doc_ids() if d not in set(repo.gold_ids())]
    assert len(targets) == 2
    out = tmp_path / "pre.json"
    r = run_cli(["preannotate", str(run), "--docs", ",".join(targets), "--export", "labelstudio", str(out)], root)
    assert_no_crash(r)
    assert r.exit_code == 0, r.output
    assert "casus import labelstudio" in r.output

    preds = load_predictor(run).predict([repo.document(d).text for d in targets])
    assert sum(map(len, preds)) > 0, "the tiny CRF predicts nothing; the test would prove nothing"
    tasks = json.loads(out.read_text(encoding="utf-8"))
    assert [t["data"]["doc_id"] for t in tasks] == targets
    assert all(t["annotations"] == [] and t["predictions"][0]["model_version"] == "crf-tiny" for t in tasks)

    # as exported (nothing corrected yet): import the predictions as a pass
    r = run_cli(["import", "labelstudio", str(out), "--source", "predictions", "--annotator", "model"], root)
    assert r.exit_code == 0, r.output
    for d, p in zip(targets, preds):
        a = repo.annotation(d, "model")
        assert sorted((s.start, s.end, s.label) for s in a.spans) == sorted(p)
        assert a.provenance["preannotation"]["run"] == "crf-tiny"
        assert all(s.attrs == {"status": "unknown", "group": "unknown"} for s in a.spans if s.label == "CASUALTY")
    # the corpus texts were already there: untouched
    assert not any("imported" in (root / "corpus" / f"{d}.meta.json").read_text() for d in targets)

    # after "correction" in Label Studio (it copies a prediction into an annotation on submit)
    for t in tasks:
        t["annotations"] = [dict(t["predictions"][0], completed_by={"email": "ann@example.org"})]
        t["annotations"][0].pop("model_version")
        t["annotations"][0]["result"] = [x for x in t["annotations"][0]["result"][1:]
                                         if x.get("id") != t["annotations"][0]["result"][0]["id"]]
    (tmp_path / "corrected.json").write_text(json.dumps(tasks))
    r = run_cli(["import", "labelstudio", str(tmp_path / "corrected.json"), "--annotator", "ann"], root)
    assert r.exit_code == 0, r.output
    for d, p in zip(targets, preds):
        got = sorted((s.start, s.end, s.label) for s in repo.annotation(d, "ann").spans)
        assert got == sorted(p)[1:] if p else got == []


def test_preannotate_doccano_and_library(crf_run, tmp_path):
    root, run = crf_run
    repo = Repo.open(root)
    # default documents: the corpus documents without gold
    r = run_cli(["preannotate", str(run), "--export", "doccano", str(tmp_path / "pre.jsonl")], root)
    assert r.exit_code == 0, r.output
    recs = [json.loads(x) for x in (tmp_path / "pre.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(recs) == 2
    # a plain text file works too, and the library call is what `casus predict --export` uses
    txt = tmp_path / "new-article.txt"
    txt.write_text(repo.document(repo.gold_ids()[0]).text, encoding="utf-8")
    asets = preannotate.preannotate(run, [str(txt)], "doccano", tmp_path / "one.jsonl", repo=repo)
    assert [a.doc_id for a in asets] == ["new-article"] and asets[0].annotator == "crf-tiny"
    fresh = make_repo(tmp_path / "fresh")
    r = run_cli(["import", "doccano", str(tmp_path / "one.jsonl"), "--annotator", "ann"], fresh)
    assert r.exit_code == 0, r.output
    back = Repo.open(fresh).annotation("new-article", "ann")
    assert [s.key for s in back.spans] == [s.key for s in asets[0].spans]
    assert Repo.open(fresh).document("new-article").metadata["kind"] == "imported"

    r = run_cli(["preannotate", str(tmp_path), "--docs", "x", "--export", "labelstudio", str(tmp_path / "x.json")],
                root)
    assert_no_crash(r)
    assert r.exit_code == 1
    r = run_cli(["preannotate", str(run), "--docs", repo.gold_ids()[0], "--export", "conll", str(tmp_path / "x")],
                root)
    assert r.exit_code == 1 and "labelstudio or doccano" in r.output
