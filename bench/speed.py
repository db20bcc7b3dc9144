"""Prediction throughput of every backend side by side, each with its test strict F1 (written to
eval/benchmarks/speed.json; printed as ratios against the transformers pipeline measured in the same run).

    python bench/speed.py --run runs/minilm-ner [--repeat 2] [--threads 2]

Sides, each in its own process with the same thread count, on the same texts (dev + test documents, repeated):
casus torch fp32 (the precision of eval/), torch bf16, ONNX Runtime fp32, ONNX int8 (dynamic), ONNX int8 (static,
calibrated on 32 training documents), and pipeline("token-classification", aggregation_strategy="first") one text
at a time: as it comes (it truncates every text at 512 sub-words: 14 % of these tokens are never read, hence its
lower F1) and with ``stride=64`` (overlapping 512-sub-word windows: the whole text, the fair peer). Throughput is sub-word tokens per second of prediction (model loading excluded, one
warm-up call); test strict F1 scores each side's spans on the test split against gold with casus's scorer. The
ONNX files are exported first when missing (`casus export onnx RUN --quantize dynamic|static`).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import _common

SIDES = {  # name -> (side, predictor options)
    "torch_fp32": ("casus", {"precision": "fp32"}),
    "torch_bf16": ("casus", {"precision": "bf16"}),
    "onnx_fp32": ("casus", {"backend": "onnx", "onnx_variant": "fp32"}),
    "onnx_int8_dynamic": ("casus", {"backend": "onnx", "onnx_variant": "int8-dynamic"}),
    "onnx_int8_static": ("casus", {"backend": "onnx", "onnx_variant": "int8-static"}),
    "pipeline": ("pipeline", {}),
    "pipeline_stride": ("pipeline", {"stride": 64}),
}


def _test_f1(test_rows: list[dict], preds: list[list]) -> float:
    from casus.metrics.scoring import score_spans

    labels = sorted({s["label"] for r in test_rows for s in r["spans"] if s["label"] != "TRIGGER"})
    gold = {r["doc_id"]: [(s["start"], s["end"], s["label"]) for s in r["spans"] if s["label"] in labels]
            for r in test_rows}
    pred = {r["doc_id"]: [tuple(x) for x in p if x[2] in labels] for r, p in zip(test_rows, preds)}
    return score_spans(gold, pred, labels, n_boot=0).report.micro("strict").f1


def side(args) -> None:
    import pyarrow.parquet as pq
    import torch

    torch.set_num_threads(args.threads)
    test_rows = pq.read_table(_common.ROOT / "build" / "dataset" / "data" / "documents" / "test.parquet").to_pylist()
    texts = _common.texts_for("dev", args.repeat) + _common.texts_for("test", args.repeat)
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(Path(args.run) / "model")
    n_tokens = sum(len(tok(t, add_special_tokens=False)["input_ids"]) for t in texts)
    kind, opts = SIDES[args.name]
    if kind == "casus":
        from casus.predict import TransformerPredictor

        pred = TransformerPredictor.load(Path(args.run), threads=args.threads, **opts)
        predict = pred.predict
    else:
        from transformers import pipeline

        pipe = pipeline("token-classification", model=str(Path(args.run) / "model"), aggregation_strategy="first",
                        device=-1)

        def predict(ts):
            return [[(int(e["start"]), int(e["end"]), e["entity_group"]) for e in pipe(t, **opts)] for t in ts]
    predict(texts[:2])  # warm-up
    t0 = time.perf_counter()
    predict(texts)
    dt = time.perf_counter() - t0
    f1 = _test_f1(test_rows, predict([r["text"] for r in test_rows]))
    print(json.dumps({"side": args.name, "texts": len(texts), "tokens": n_tokens, "seconds": dt,
                      "tokens_per_s": n_tokens / dt, "test_strict_f1": f1}))


def ensure_exported(run: Path) -> None:
    from casus.onnx_export import VARIANTS, export_onnx, onnx_dir
    from casus.splits import Manifest
    from casus.store import Repo

    have = {v for v, f in VARIANTS.items() if (onnx_dir(run) / f).is_file()}
    if "graph_optimizer" not in json.loads((onnx_dir(run) / "export.json").read_text()) if have else True:
        have = set()  # exported by an older casus: export again
    if "int8-dynamic" not in have:
        export_onnx(run, quantize="dynamic")
    if "int8-static" not in have:
        repo = Repo.open(_common.ROOT)
        ids = sorted(Manifest.load(repo.splits_path).splits["train"])[:32]
        export_onnx(run, quantize="static", calibration_texts=[repo.document(d).text for d in ids],
                    calibration_ids=ids)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", default="runs/minilm-ner")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--name", choices=list(SIDES))
    ap.add_argument("--out", default=str(_common.ROOT / "eval" / "benchmarks" / "speed.json"))
    a = ap.parse_args()
    if a.name:
        return side(a)
    run = Path(a.run)
    ensure_exported(run)
    me = Path(__file__).resolve()
    base = ["--run", a.run, "--repeat", str(a.repeat), "--threads", str(a.threads)]
    res = {name: _common.run_side(me, base + ["--name", name]) for name in SIDES}
    pipe = res["pipeline"]["tokens_per_s"]
    pipe_s = res["pipeline_stride"]["tokens_per_s"]
    print(f"texts {res['pipeline']['texts']}, sub-word tokens {res['pipeline']['tokens']}, {a.threads} threads")
    out: dict = {"predict": {}, "ray": None}
    for name, r in res.items():
        ratio = r["tokens_per_s"] / pipe
        out["predict"][name] = {"tokens_per_s": round(r["tokens_per_s"], 1), "ratio_vs_pipeline": round(ratio, 3),
                                "ratio_vs_pipeline_stride": round(r["tokens_per_s"] / pipe_s, 3),
                                "test_strict_f1": round(r["test_strict_f1"], 4), "seconds": round(r["seconds"], 2),
                                "peak_rss_mib": round(r["peak_rss_mib"] or 0, 1)}
        print(f"{name:18s} {r['tokens_per_s']:9.0f} tokens/s  {ratio:5.2f}x pipeline  "
              f"{r['tokens_per_s'] / pipe_s:5.2f}x pipeline(stride)  test strict F1 "
              f"{r['test_strict_f1']:.4f}  peak RSS {r['peak_rss_mib']:.0f} MiB")
    f32 = res["torch_fp32"]["test_strict_f1"]
    for name in ("onnx_fp32", "onnx_int8_dynamic", "onnx_int8_static"):
        print(f"{name} vs torch fp32: F1 {res[name]['test_strict_f1'] - f32:+.4f}, speed "
              f"{res[name]['tokens_per_s'] / res['torch_fp32']['tokens_per_s']:.2f}x")
    import onnxruntime
    import torch

    out["machine"] = {"cpu_count": os.cpu_count(), "threads": a.threads, "platform": platform.platform(),
                      "processor": platform.processor(), "python": platform.python_version(),
                      "torch": torch.__version__, "onnxruntime": onnxruntime.__version__}
    out["texts"] = res["pipeline"]["texts"]
    out["tokens"] = res["pipeline"]["tokens"]
    out["command"] = f"python bench/speed.py --run {a.run} --repeat {a.repeat} --threads {a.threads}"
    prev = {}
    p = Path(a.out)
    if p.is_file():
        prev = json.loads(p.read_text())
    if prev.get("ray") is not None:
        out["ray"] = prev["ray"]  # measured by bench/ray_scale.py; kept
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(json.dumps(out, indent=2, sort_keys=True) + "\n")
    print(f"-> {p}")


if __name__ == "__main__":
    main()
