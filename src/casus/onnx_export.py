"""ONNX Runtime backend for transformer runs: export the token classifier as ONNX, optionally quantised to int8,
and an adapter so :class:`casus.predict.TransformerPredictor` runs it with the same windows, length bucketing and
word-safe decoding as torch (``casus predict --backend onnx``).

``casus export onnx RUN`` writes ``RUN/onnx/``:

* ``model.onnx`` — fp32, inputs ``input_ids`` and ``attention_mask`` [batch x sequence] (int64), output
  ``logits`` [batch x sequence x labels]; both axes dynamic; the opset is recorded;
* ``model.int8-dynamic.onnx`` (``--quantize dynamic``) — int8 weights, activations quantised on the fly
  (onnxruntime.quantization.quantize_dynamic): the cheap option, no calibration;
* ``model.int8-static.onnx`` (``--quantize static``) — int8 weights and activations (QDQ), the activation
  ranges calibrated on windows of training-split documents (``--calibration N`` documents, the first N of
  the split in id order);
* ``export.json`` — opset, dynamic axes, torch / onnx / onnxruntime versions, sha256 of every file, and
  the calibration documents.

Needs the ``onnx`` extra (onnx, onnxruntime) besides ``train``.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Iterable, Sequence

from .atomic import atomic_write
from .errors import ModelError
from .train.provenance import file_sha256, package_versions

VARIANTS = {"fp32": "model.onnx", "int8-dynamic": "model.int8-dynamic.onnx", "int8-static": "model.int8-static.onnx"}
QUANTIZATIONS = ("none", "dynamic", "static")
DEFAULT_OPSET = 18


def onnx_dir(run_dir: Path | str) -> Path:
    return Path(run_dir) / "onnx"


def export_onnx(run_dir: Path | str, *, quantize: str = "none", opset: int = DEFAULT_OPSET,
                calibration_texts: Sequence[str] = (), calibration_ids: Sequence[str] = ()) -> dict[str, Any]:
    """Export ``run_dir``'s model to ``run_dir/onnx/`` (see the module docstring); returns export.json's content."""
    import torch
    from transformers import AutoModelForTokenClassification

    run_dir = Path(run_dir)
    if quantize not in QUANTIZATIONS:
        raise ModelError(f"--quantize must be one of {', '.join(QUANTIZATIONS)}, not {quantize!r}")
    model_dir = run_dir / "model"
    if not (model_dir / "config.json").is_file():
        raise ModelError(f"{run_dir}: no transformer model (model/config.json); only transformer runs export to ONNX")
    if quantize == "static" and not calibration_texts:
        raise ModelError("static quantisation needs calibration documents (the training split)")
    model = AutoModelForTokenClassification.from_pretrained(model_dir)
    model.eval()

    class _Logits(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask):
            return self.m(input_ids=input_ids, attention_mask=attention_mask).logits

    out = onnx_dir(run_dir)
    out.mkdir(parents=True, exist_ok=True)
    fp32 = out / VARIANTS["fp32"]
    ids = torch.ones((2, 16), dtype=torch.long)
    mask = torch.ones((2, 16), dtype=torch.long)
    axes = {"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"},
            "logits": {0: "batch", 1: "sequence"}}
    mask[1, 10:] = 0  # a padded row, so the attention mask is part of the graph
    tmp = out / (fp32.name + ".tmp")
    # the torch.export-based exporter (dynamo=True): the legacy TorchScript exporter traces transformers' mask
    # handling into constants and its logits drift (tests/test_onnx.py compares both sides)
    batch, seq = torch.export.Dim("batch"), torch.export.Dim("sequence")
    prog = torch.onnx.export(_Logits(model).eval(), (ids, mask), input_names=["input_ids", "attention_mask"],
                             output_names=["logits"], opset_version=opset, dynamo=True, external_data=False,
                             dynamic_shapes=({0: batch, 1: seq}, {0: batch, 1: seq}))
    prog.save(str(tmp))
    fused = _optimize(tmp, model.config)
    tmp.replace(fp32)
    info: dict[str, Any] = {"opset": opset, "inputs": ["input_ids", "attention_mask"], "outputs": ["logits"],
                            "dynamic_axes": {k: {str(a): n for a, n in v.items()} for k, v in axes.items()},
                            "id2label": {str(k): v for k, v in model.config.id2label.items()},
                            "versions": package_versions(("torch", "transformers", "onnx", "onnxruntime")), "files": {}, "graph_optimizer": fused}
    if quantize == "dynamic":
        _quantize_dynamic(fp32, out / VARIANTS["int8-dynamic"])
    elif quantize == "static":
        _quantize_static(fp32, out / VARIANTS["int8-static"], run_dir, calibration_texts)
        info["calibration"] = {"split": "train", "documents": len(calibration_texts), "doc_ids": list(calibration_ids)}
    for variant, name in VARIANTS.items():
        if (out / name).is_file():
            info["files"][variant] = {"file": name, "sha256": file_sha256(out / name), "bytes": (out / name).stat().st_size}
    atomic_write(out / "export.json", json.dumps(info, indent=2, sort_keys=True) + "\n")
    return info


def _optimize(path: Path, config: Any) -> dict[str, Any]:
    """ONNX Runtime's transformer graph optimiser (model_type bert: LayerNorm, GELU, skip-connection fusions),
    in place; returns which operators it fused (kept in export.json)."""
    from onnxruntime.transformers.optimizer import optimize_model

    opt = optimize_model(str(path), model_type="bert", num_heads=int(config.num_attention_heads),
                         hidden_size=int(config.hidden_size), opt_level=1)
    opt.save_model_to_file(str(path))
    return {k: int(v) for k, v in opt.get_fused_operator_statistics().items() if v}


def _preprocessed(src: Path) -> Path:
    """onnxruntime's recommended pre-processing for quantisation (shape inference + graph optimisation)."""
    from onnxruntime.quantization.shape_inference import quant_pre_process

    dst = src.with_name(src.stem + ".pre.onnx")
    quant_pre_process(str(src), str(dst), skip_symbolic_shape=True)
    return dst


def _quantize_dynamic(src: Path, dst: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    pre = _preprocessed(src)
    try:
        quantize_dynamic(str(pre), str(dst), weight_type=QuantType.QInt8)
    finally:
        pre.unlink(missing_ok=True)


def _calibration_batches(run_dir: Path, texts: Sequence[str]) -> Iterable[dict[str, Any]]:
    """Windows of the calibration documents as the predictor feeds them (one window per batch)."""
    import numpy as np
    from transformers import AutoTokenizer

    from .align import tokenize
    from .rundir import RunDir
    from .train.encoding import encode_document, windows

    tok = AutoTokenizer.from_pretrained(run_dir / "model")
    info = RunDir(run_dir).info()
    max_length, stride = info.get("max_length", 256), info.get("stride", 64)
    for k, text in enumerate(texts):
        enc = encode_document(tok, str(k), text, tokenize(text))
        for lo, hi in windows(len(enc.input_ids), max_length, stride):
            seq = [tok.cls_token_id] + enc.input_ids[lo:hi] + [tok.sep_token_id]
            yield {"input_ids": np.array([seq], dtype=np.int64), "attention_mask": np.ones((1, len(seq)), dtype=np.int64)}


def _quantize_static(src: Path, dst: Path, run_dir: Path, texts: Sequence[str]) -> None:
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

    class _Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self.it = iter(_calibration_batches(run_dir, texts))

        def get_next(self):
            return next(self.it, None)

    pre = _preprocessed(src)
    try:
        quantize_static(str(pre), str(dst), _Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                        activation_type=QuantType.QInt8, weight_type=QuantType.QInt8)
    finally:
        pre.unlink(missing_ok=True)


class OnnxTokenClassifier:
    """An ONNX Runtime session that answers like a transformers token classifier for the predictor:
    ``model(input_ids=..., attention_mask=...).logits`` (torch tensors in and out), ``config.id2label``."""

    def __init__(self, path: Path | str, config: Any, threads: int | None = None):
        import onnxruntime as ort

        so = ort.SessionOptions()
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if threads:
            so.intra_op_num_threads = threads
            so.inter_op_num_threads = 1
        self.path = Path(path)
        self.session = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
        self.config = config

    def eval(self) -> "OnnxTokenClassifier":
        return self

    def parameters(self):
        import torch

        yield torch.empty(0)  # the predictor asks for the device: ONNX Runtime here runs on the CPU

    def __call__(self, input_ids, attention_mask):
        import torch

        (logits,) = self.session.run(["logits"], {"input_ids": input_ids.numpy(),
                                                  "attention_mask": attention_mask.numpy()})
        return SimpleNamespace(logits=torch.from_numpy(logits))


def load_onnx(run_dir: Path | str, variant: str = "fp32", threads: int | None = None) -> OnnxTokenClassifier:
    from transformers import AutoConfig

    if variant not in VARIANTS:
        raise ModelError(f"ONNX variant must be one of {', '.join(VARIANTS)}, not {variant!r}")
    path = onnx_dir(run_dir) / VARIANTS[variant]
    if not path.is_file():
        q = {"fp32": "", "int8-dynamic": " --quantize dynamic", "int8-static": " --quantize static"}[variant]
        raise ModelError(f"{path}: not exported; run `casus export onnx {run_dir}{q}` first")
    return OnnxTokenClassifier(path, AutoConfig.from_pretrained(Path(run_dir) / "model"), threads=threads)
