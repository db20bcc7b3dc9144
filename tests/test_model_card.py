"""Every transformer run writes model/README.md, a Hugging Face model card whose YAML header parses (with
huggingface_hub's ModelCard when installed) and whose figures are the run's own metrics, caveat included."""

from __future__ import annotations

import json

import pytest
import yaml

from test_training import _recipe, _train, small_repo, tiny_encoder  # noqa: F401  (fixtures)


def test_a_run_writes_its_model_card(tmp_path, small_repo, tiny_encoder):  # noqa: F811
    out = tmp_path / "run"
    r = _train(small_repo, _recipe(tmp_path, tiny_encoder, train={"epochs": 1}), out)
    assert r.returncode == 0, r.stderr[-2000:]
    text = (out / "model" / "README.md").read_text(encoding="utf-8")
    assert text.startswith("---\n")
    header = yaml.safe_load(text.split("---\n")[1])
    metrics = json.loads((out / "metrics.json").read_text())
    assert header["pipeline_tag"] == "token-classification" and header["library_name"] == "transformers"
    assert header["casus"]["dataset_fingerprint"] == metrics["dataset_fingerprint"]
    assert header["casus"]["labels"] == sorted(metrics["test"]["strict"]["per_label"])
    res = {x["dataset"]["split"]: x for x in header["model-index"][0]["results"]}
    assert res["test"]["metrics"][0]["value"] == round(metrics["test"]["strict"]["micro"]["f1"], 4)
    assert res["test"]["metrics"][0]["args"]["ci95"] == [round(x, 4) for x in metrics["test"]["ci95"]["strict_micro_f1"]]
    assert "In-style figures overstate quality" in text
    hub = pytest.importorskip("huggingface_hub")
    card = hub.ModelCard.load(out / "model" / "README.md")
    assert card.data.to_dict()["pipeline_tag"] == "token-classification"
    assert card.data.eval_results and card.data.eval_results[0].metric_type == "f1"
