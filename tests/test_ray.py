"""`casus predict --engine ray`: Ray Data over JSONL / parquet shards with a pool of predictor actors (a local Ray,
2 CPUs, no network). Every document comes out exactly once with the single-process spans; an actor killed
mid-batch is restarted and its batch retried; a resumed run skips complete shards and redoes the rest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ray = pytest.importorskip("ray")

from casus.predict import load_predictor  # noqa: E402
from casus.predict_ray import predict_shards, read_outputs  # noqa: E402
from test_training import small_repo  # noqa: E402,F401  (fixture)

SENTENCES = ["Gunmen attacked a market in Diallassagou, killing at least 23 civilians.",
             "A drone struck an oil depot near Belgorod on Sunday.",
             "Police in Kano said two bombers were killed at a checkpoint."]


@pytest.fixture(scope="module")
def crf_run(tmp_path_factory, small_repo):  # noqa: F811
    """A small CRF run (fast to train and to predict with): the engine is independent of the model."""
    import subprocess
    import sys

    import yaml

    root = tmp_path_factory.mktemp("rayrun")
    repo = small_repo
    recipe = root / "crf.yaml"
    recipe.write_text(yaml.safe_dump({"name": "crf", "seed": 1, "kind": "crf", "crf": {"max_iterations": 20},
                                      "data": {"dataset_dir": str(root / "ds")}}))
    out = root / "run"
    r = subprocess.run([sys.executable, "-m", "casus", "train", str(recipe), "--root", str(repo), "--out", str(out)],
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-2000:]
    return out


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, ignore_reinit_error=True, log_to_driver=False)
    yield
    ray.shutdown()


def _shards(tmp: Path, n_shards: int = 3, per: int = 40) -> dict[str, str]:
    docs = {}
    tmp.mkdir(parents=True, exist_ok=True)
    for s in range(n_shards):
        lines = []
        for i in range(per):
            d = f"s{s}-{i:03d}"
            docs[d] = f"{SENTENCES[i % 3]} Report {i} of shard {s}."
            lines.append(json.dumps({"doc_id": d, "text": docs[d]}))
        (tmp / f"shard{s}.jsonl").write_text("\n".join(lines) + "\n")
    return docs


def _check(out: Path, docs: dict[str, str], run: Path) -> None:
    got = list(read_outputs(out))
    assert sorted(r["doc_id"] for r in got) == sorted(docs)  # every document exactly once
    pred = load_predictor(run)
    ids = sorted(docs)
    want = dict(zip(ids, pred.predict([docs[d] for d in ids])))
    for r in got:
        assert [(s["start"], s["end"], s["label"]) for s in r["spans"]] == [tuple(x) for x in want[r["doc_id"]]]
    assert any(r["spans"] for r in got)


def test_two_actors_predict_every_document_once(crf_run, local_ray, tmp_path):
    docs = _shards(tmp_path / "in")
    res = predict_shards(crf_run, [str(tmp_path / "in")], tmp_path / "out", actors=2, batch_size=16)
    assert res == {"shards": 3, "written": 3, "skipped": 0, "documents": 120}
    _check(tmp_path / "out", docs, crf_run)


def test_a_killed_actor_loses_and_duplicates_nothing(crf_run, local_ray, tmp_path):
    docs = _shards(tmp_path / "in", n_shards=2)
    marker = tmp_path / "died"
    predict_shards(crf_run, [str(tmp_path / "in")], tmp_path / "out", actors=2, batch_size=8, die_once=str(marker))
    assert marker.is_file()  # an actor did die mid-batch
    _check(tmp_path / "out", docs, crf_run)


def test_resume_skips_complete_shards_and_redoes_torn_ones(crf_run, local_ray, tmp_path):
    docs = _shards(tmp_path / "in")
    out = tmp_path / "out"
    predict_shards(crf_run, [str(tmp_path / "in" / "shard0.jsonl")], out, actors=1)
    (out / ".shard1.parquet.tmp").write_bytes(b"torn")  # a run killed while writing shard1
    with pytest.raises(Exception, match="--resume"):
        predict_shards(crf_run, [str(tmp_path / "in")], out, actors=1)
    res = predict_shards(crf_run, [str(tmp_path / "in")], out, actors=2, resume=True)
    assert (res["written"], res["skipped"]) == (2, 1)
    assert not (out / ".shard1.parquet.tmp").exists()
    _check(out, docs, crf_run)


def test_parquet_and_fsspec_url_inputs(crf_run, local_ray, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    docs = {f"p{i}": SENTENCES[i % 3] for i in range(20)}
    (tmp_path / "in").mkdir()
    pq.write_table(pa.table({"doc_id": list(docs), "text": list(docs.values()), "extra": [1] * 20}),
                   tmp_path / "in" / "part.parquet")
    res = predict_shards(crf_run, [f"file://{tmp_path / 'in'}"], tmp_path / "out", actors=1)
    assert res["documents"] == 20
    _check(tmp_path / "out", docs, crf_run)
