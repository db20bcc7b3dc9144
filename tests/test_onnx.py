"""ONNX Runtime backend: `casus export onnx RUN` and `casus predict --backend onnx` give the torch spans (fp32)
with the same windows and word-safe decoding; int8 variants load and predict; errors are clear."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("onnxscript")

from conftest import run_cli  # noqa: E402
from test_training import _recipe, _train, small_repo, tiny_encoder  # noqa: E402,F401  (fixtures)


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory, small_repo, tiny_encoder):  # noqa: F811
    tmp = tmp_path_factory.mktemp("onnx")
    recipe = _recipe(tmp, tiny_encoder, transformer={"subword_labels": "all", "decoding": "viterbi_bounds"},
                     train={"epochs": 1})
    out = tmp / "run"
    r = _train(small_repo, recipe, out)
    assert r.returncode == 0, r.stderr[-2000:]
    return out


def _texts(run: Path) -> list[str]:
    rows = [json.loads(line) for line in (run / "predictions" / "test.jsonl").read_text().splitlines()]
    return [r["text"] for r in rows] + ["Gunmen attacked a market in Diallassagou, killing at least 23 civilians. 🙂",
                                        "A Liberian-flagged tanker was hit by a drone off Hodeidah."]


def test_fp32_onnx_spans_equal_torch_spans(tiny_run, small_repo):  # noqa: F811
    from casus.predict import TransformerPredictor

    r = run_cli(["export", "onnx", str(tiny_run), "--quantize", "dynamic"], root=small_repo)
    assert r.exit_code == 0, r.output
    info = json.loads((tiny_run / "onnx" / "export.json").read_text())
    assert info["opset"] == 18 and set(info["files"]) == {"fp32", "int8-dynamic"}
    assert info["dynamic_axes"]["input_ids"] == {"0": "batch", "1": "sequence"}
    texts = _texts(tiny_run)  # the test split of the repository, plus emoji and hyphenated names
    torch_spans = TransformerPredictor.load(tiny_run, batch_size=3).predict(texts)
    onnx_spans = TransformerPredictor.load(tiny_run, backend="onnx", batch_size=3).predict(texts)
    assert onnx_spans == torch_spans
    assert any(torch_spans)  # the comparison is not between two empty lists
    int8 = TransformerPredictor.load(tiny_run, backend="onnx", onnx_variant="int8-dynamic").predict(texts)
    assert len(int8) == len(texts)


def test_predict_cli_backend_onnx(tiny_run, small_repo, tmp_path):  # noqa: F811
    run_cli(["export", "onnx", str(tiny_run)], root=small_repo)
    texts = _texts(tiny_run)
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"doc_id": f"d{i}", "text": t}) + "\n" for i, t in enumerate(texts)))
    outs = {}
    for backend in ("torch", "onnx"):
        out = tmp_path / f"{backend}.jsonl"
        r = run_cli(["predict", str(tiny_run), "--docs", str(src), "--out", str(out), "--backend", backend],
                    root=small_repo)
        assert r.exit_code == 0, r.output
        outs[backend] = out.read_text()
    assert outs["torch"] == outs["onnx"]


def test_onnx_errors_are_clear(tiny_run, small_repo, tmp_path):  # noqa: F811
    r = run_cli(["predict", str(tiny_run), "--docs", "x", "--out", str(tmp_path / "o.jsonl"), "--backend", "onnx",
                 "--onnx-model", "int8-static"], root=small_repo)
    assert r.exit_code == 1 and "casus export onnx" in r.output and "--quantize static" in r.output
    r = run_cli(["export", "onnx", str(tmp_path)], root=small_repo)
    assert r.exit_code == 1 and "only transformer runs export to ONNX" in r.output
