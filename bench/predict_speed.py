"""Prediction throughput: casus's predictor vs transformers' pipeline("token-classification").

    python bench/predict_speed.py --run runs/minilm-ner [--repeat 3]

Both sides load the same saved model, run on the same texts (dev + test documents, repeated), each in its own
process with 2 torch threads. Prints sub-word tokens/s of each, the ratio casus/pipeline and peak RSS.
casus batches windows of similar length (padding only to the batch maximum) under torch.inference_mode;
the pipeline runs one text at a time (its default), then with batch_size=8 for reference.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import _common


def side(args) -> None:
    import torch

    torch.set_num_threads(args.threads)
    texts = _common.texts_for("dev", args.repeat) + _common.texts_for("test", args.repeat)
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(Path(args.run) / "model")
    n_tokens = sum(len(tok(t, add_special_tokens=False)["input_ids"]) for t in texts)
    if args.side == "casus":
        from casus.predict import TransformerPredictor

        pred = TransformerPredictor.load(Path(args.run), threads=args.threads)
        pred.predict(texts[:2])  # warm-up
        t0 = time.perf_counter()
        out = pred.predict(texts)
        dt = time.perf_counter() - t0
        n_spans = sum(len(o) for o in out)
    else:
        from transformers import pipeline

        pipe = pipeline("token-classification", model=str(Path(args.run) / "model"), aggregation_strategy="simple",
                        device=-1)
        pipe(texts[:2])
        t0 = time.perf_counter()
        out = pipe(texts, batch_size=args.batch) if args.batch > 1 else [pipe(t) for t in texts]
        dt = time.perf_counter() - t0
        n_spans = sum(len(o) for o in out)
    print(json.dumps({"side": args.side, "batch": args.batch, "texts": len(texts), "tokens": n_tokens,
                      "seconds": dt, "tokens_per_s": n_tokens / dt, "spans": n_spans}))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", default="runs/minilm-ner")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--side", choices=["casus", "pipeline"])
    ap.add_argument("--batch", type=int, default=1)
    a = ap.parse_args()
    if a.side:
        return side(a)
    me = Path(__file__).resolve()
    base = ["--run", a.run, "--repeat", str(a.repeat), "--threads", str(a.threads)]
    c = _common.run_side(me, base + ["--side", "casus"])
    p1 = _common.run_side(me, base + ["--side", "pipeline"])
    p8 = _common.run_side(me, base + ["--side", "pipeline", "--batch", "8"])
    print(f"texts {c['texts']}, sub-word tokens {c['tokens']}")
    for name, r in (("casus", c), ("pipeline (batch 1)", p1), ("pipeline (batch 8)", p8)):
        print(f"{name:20s} {r['tokens_per_s']:9.0f} tokens/s  {r['seconds']:7.2f} s  peak RSS {r['peak_rss_mib']:.0f} MiB")
    print(f"ratio casus / pipeline (default, batch 1): {c['tokens_per_s'] / p1['tokens_per_s']:.2f}x")
    print(f"ratio casus / pipeline (batch 8):          {c['tokens_per_s'] / p8['tokens_per_s']:.2f}x")


if __name__ == "__main__":
    main()
