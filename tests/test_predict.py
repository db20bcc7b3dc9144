"""`casus predict`: inputs of every kind, casus and doccano outputs, streaming with resume."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from casus.cli import app
from casus.store import Repo
from casus.train.recipe import load_recipe
from casus.train.run import run_recipe

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def crf_run(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("repo")
    (root / "annotations" / "gold").mkdir(parents=True)
    (root / "corpus").mkdir()
    shutil.copy(ROOT / "annotations" / "schema.yaml", root / "annotations")
    ids = sorted(p.stem for p in (ROOT / "annotations" / "gold").glob("*.json"))[:10]
    for d in ids:
        shutil.copy(ROOT / "annotations" / "gold" / f"{d}.json", root / "annotations" / "gold")
        shutil.copy(ROOT / "corpus" / f"{d}.txt", root / "corpus")
        shutil.copy(ROOT / "corpus" / f"{d}.meta.json", root / "corpus")
    (root / "annotations" / "splits.json").write_text(json.dumps(
        {"seed": 1, "splits": {"train": ids[:6], "dev": ids[6:8], "test": ids[8:]}}))
    rp = root / "crf.yaml"
    rp.write_text("name: crf\nseed: 1\nkind: crf\ncrf:\n  max_iterations: 30\n")
    res = run_recipe(load_recipe(rp), Repo.open(root), out=root / "runs" / "crf", progress=False)
    return root, res["out"]


def _cli(args: list[str], root: Path):
    r = CliRunner().invoke(app, args + ["--root", str(root)])
    assert r.exception is None or isinstance(r.exception, SystemExit), r.output
    return r


def test_predict_inputs_and_formats(crf_run, tmp_path):
    root, run = crf_run
    txt = tmp_path / "new-article.txt"
    txt.write_text("Gunmen attacked a police post in Gao on Monday, killing three officers.\n")
    jl = tmp_path / "in.jsonl"
    jl.write_text(json.dumps({"id": "j1", "text": "Rockets hit Sumy overnight."}) + "\n")
    out = tmp_path / "out.jsonl"
    r = _cli(["predict", str(run), "--docs", "casus-000", str(txt), str(jl), "--out", str(out)], root)
    assert r.exit_code == 0, r.output
    recs = [json.loads(line) for line in out.read_text().splitlines()]
    assert [x["doc_id"] for x in recs] == ["casus-000", "new-article", "j1"]
    for rec in recs:
        for s in rec["spans"]:
            assert rec["text"][s["start"]:s["end"]] == s["text"]
    # the same predictions as the library predictor
    from casus.predict import load_predictor

    ours = load_predictor(run).predict([recs[1]["text"]])[0]
    assert [(s["start"], s["end"], s["label"]) for s in recs[1]["spans"]] == ours
    dc = tmp_path / "out-doccano.jsonl"
    assert _cli(["predict", str(run), "--docs", str(txt), "--out", str(dc), "--format", "doccano"], root).exit_code == 0
    from casus.formats import doccano

    back = doccano.read(dc, Repo.open(root).schema)
    assert [(s.start, s.end, s.label) for s in back[0].spans] == ours


def test_predict_streams_and_resumes(crf_run, tmp_path):
    root, run = crf_run
    src = tmp_path / "many.jsonl"
    src.write_text("".join(json.dumps({"id": f"d{i:03d}", "text": f"Militants shelled Kidal on day {i}, killing {i} soldiers."})
                           + "\n" for i in range(50)))
    full = tmp_path / "full.jsonl"
    assert _cli(["predict", str(run), "--docs", str(src), "--out", str(full), "--chunk", "7"], root).exit_code == 0
    lines = full.read_text().splitlines()
    assert len(lines) == 50
    # a run killed mid-write: 20 whole records and a torn one
    part = tmp_path / "part.jsonl"
    part.write_text("\n".join(lines[:20]) + "\n" + lines[20][: len(lines[20]) // 2])
    r = _cli(["predict", str(run), "--docs", str(src), "--out", str(part), "--resume", "--chunk", "7"], root)
    assert r.exit_code == 0 and "30 document(s)" in r.output
    assert part.read_text().splitlines() == lines


def test_predict_bad_input_is_a_clear_error(crf_run, tmp_path):
    root, run = crf_run
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "text": "ok"}\n{"id": broken\n')
    r = _cli(["predict", str(run), "--docs", str(bad), "--out", str(tmp_path / "o.jsonl")], root)
    assert r.exit_code == 1 and "bad.jsonl:2" in r.output
    r = _cli(["predict", str(tmp_path), "--docs", "casus-000", "--out", str(tmp_path / "o.jsonl")], root)
    assert r.exit_code == 1 and "not a casus run folder" in r.output
    r = _cli(["predict", str(run), "--docs", "casus-000", "--out", str(tmp_path / "o.jsonl"), "--precision", "int8"],
             root)
    assert r.exit_code == 2 and "Invalid value for '--precision'" in r.output and "bf16" in r.output


def test_predict_export_preannotation_round_trip(crf_run, tmp_path):
    """`casus predict RUN --docs ... --export labelstudio FILE` writes predictions an annotator corrects and
    imports back; untouched, the import gives back exactly the predicted spans."""
    root, run = crf_run
    out = tmp_path / "tasks.json"
    r = _cli(["predict", str(run), "--docs", "casus-000", "--export", "labelstudio", str(out)], root)
    assert r.exit_code == 0, r.output
    tasks = json.loads(out.read_text())
    assert len(tasks) == 1 and tasks[0]["predictions"]
    from casus.formats import labelstudio
    from casus.predict import load_predictor

    back = labelstudio.read(out, Repo.open(root).schema, source="predictions")
    expected = load_predictor(run).predict([Repo.open(root).document("casus-000").text])[0]
    assert sorted((s.start, s.end, s.label) for s in back[0].spans) == sorted(expected)
