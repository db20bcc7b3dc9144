"""Data-parallel training with accelerate: `accelerate launch --num_processes 2 --cpu -m casus train` trains the
tiny test model to the same losses and metrics as one process (gloo; no dropout, so only floating-point order
differs), and rank 0 alone writes the run folder."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("accelerate")

from test_training import _recipe, _train, _vocab_dir, small_repo  # noqa: E402,F401  (fixtures)


@pytest.fixture(scope="module")
def tiny_encoder_no_dropout(tmp_path_factory) -> Path:
    import torch
    from transformers import AutoTokenizer, BertConfig, BertModel

    out = tmp_path_factory.mktemp("tiny-bert-nodrop")
    tok = AutoTokenizer.from_pretrained(_vocab_dir())
    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=tok.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                     intermediate_size=64, max_position_embeddings=512, hidden_dropout_prob=0.0,
                     attention_probs_dropout_prob=0.0)
    BertModel(cfg).save_pretrained(out)
    tok.save_pretrained(out)
    return out


def _log(run: Path) -> list[dict]:
    with open(run / "log.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def test_two_processes_train_like_one(tmp_path, small_repo, tiny_encoder_no_dropout):  # noqa: F811
    launcher = shutil.which("accelerate", path=str(Path(sys.executable).parent)) or shutil.which("accelerate")
    if launcher is None:
        pytest.skip("the accelerate launcher is not on PATH")
    recipe = _recipe(tmp_path, tiny_encoder_no_dropout, train={"epochs": 3, "batch_size": 4, "patience": 5},
                     transformer={"dropout": 0.0})
    one = tmp_path / "one"
    r = _train(small_repo, recipe, one)
    assert r.returncode == 0, r.stderr[-2000:]
    two = tmp_path / "two"
    env = dict(os.environ, HF_HUB_OFFLINE="1", OMP_NUM_THREADS="1", TOKENIZERS_PARALLELISM="false")
    cmd = [launcher, "launch", "--num_processes", "2", "--num_machines", "1", "--cpu", "--mixed_precision", "no",
           "--dynamo_backend", "no", "-m", "casus", "train", str(recipe), "--root", str(small_repo), "--out", str(two)]
    r2 = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
    assert r2.returncode == 0, r2.stdout[-2000:] + r2.stderr[-3000:]
    l1, l2 = _log(one), _log(two)
    assert len(l1) == len(l2) == 3
    for a, b in zip(l1, l2):
        assert float(b["train_loss"]) == pytest.approx(float(a["train_loss"]), rel=1e-4, abs=1e-6)
        assert float(b["dev_f1"]) == pytest.approx(float(a["dev_f1"]), abs=0.01)
    m1, m2 = json.loads((one / "metrics.json").read_text()), json.loads((two / "metrics.json").read_text())
    for split in ("dev", "test"):
        assert m2[split]["strict"]["micro"]["f1"] == pytest.approx(m1[split]["strict"]["micro"]["f1"], abs=0.01)
    assert float(l1[-1]["train_loss"]) < float(l1[0]["train_loss"])  # it learned something: not a vacuous match
    assert sorted(p.name for p in two.iterdir()) == sorted(p.name for p in one.iterdir())
