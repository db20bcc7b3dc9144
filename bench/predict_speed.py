"""Prediction throughput: casus's predictor vs transformers' pipeline("token-classification").

    python bench/predict_speed.py --run runs/minilm-ner [--repeat 3]

Both sides load the same saved model, run on the same texts (dev + test documents, repeated), each in its own
process with 2 torch threads. Prints sub-word tokens/s of each, the ratio casus/pipeline and peak RSS.
casus batches windows of similar length (padding only to the batch maximum) under torch.inference_mode, in
fp32 (the precision of the numbers in eval/) and in bf16 (`casus predict --precision bf16`); the pipeline runs one
text at a time (its default), then with batch_size=8 for reference. Each side's spans are compared with the
pipeline's (F1 of one set against the other: the sides differ where casus's 256-sub-word windows meet).
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

        pred = TransformerPredictor.load(Path(args.run), threads=args.threads, precision=args.precision,
                                         bucketing=not args.no_bucketing)
        pred.predict(texts[:2])  # warm-up
        t0 = time.perf_counter()
        out = pred.predict(texts)
        dt = time.perf_counter() - t0
        n_spans = sum(len(o) for o in out)
    else:
        from transformers import pipeline

        pipe = pipeline("token-classification", model=str(Path(args.run) / "model"), aggregation_strategy="first",
                        device=-1)
        pipe(texts[:2])
        t0 = time.perf_counter()
        out = pipe(texts, batch_size=args.batch) if args.batch > 1 else [pipe(t) for t in texts]
        dt = time.perf_counter() - t0
        n_spans = sum(len(o) for o in out)
    if args.side == "pipeline":
        out = [[(int(e["start"]), int(e["end"]), e["entity_group"]) for e in o] for o in out]
    print(json.dumps({"side": args.side, "batch": args.batch, "texts": len(texts), "tokens": n_tokens,
                      "seconds": dt, "tokens_per_s": n_tokens / dt, "spans": n_spans,
                      "predictions": [sorted(map(list, o)) for o in out]}))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", default="runs/minilm-ner")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--side", choices=["casus", "pipeline"])
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--precision", default="fp32", choices=["fp32", "bf16"])
    ap.add_argument("--no-bucketing", action="store_true", help="casus side: windows in document order")
    a = ap.parse_args()
    if a.side:
        return side(a)
    me = Path(__file__).resolve()
    base = ["--run", a.run, "--repeat", str(a.repeat), "--threads", str(a.threads)]
    c = _common.run_side(me, base + ["--side", "casus"])
    cn = _common.run_side(me, base + ["--side", "casus", "--no-bucketing"])
    cb = _common.run_side(me, base + ["--side", "casus", "--precision", "bf16"])
    p1 = _common.run_side(me, base + ["--side", "pipeline"])
    p8 = _common.run_side(me, base + ["--side", "pipeline", "--batch", "8"])
    print(f"texts {c['texts']}, sub-word tokens {c['tokens']}")
    ref = p1["predictions"]
    for name, r in (("casus fp32", c), ("casus fp32 unbucketed", cn), ("casus bf16", cb), ("pipeline (batch 1)", p1),
                    ("pipeline (batch 8)", p8)):
        both = sum(len({tuple(x) for x in a} & {tuple(x) for x in b}) for a, b in zip(r["predictions"], ref))
        agree = 2 * both / max(1, sum(map(len, r["predictions"])) + sum(map(len, ref)))
        print(f"{name:22s} {r['tokens_per_s']:9.0f} tokens/s  {r['seconds']:7.2f} s  peak RSS {r['peak_rss_mib']:.0f} MiB"
              f"  span agreement with the pipeline (F1): {agree:.3f}")
    print(f"what bucketing buys (casus fp32 / unbucketed): {c['tokens_per_s'] / cn['tokens_per_s']:.2f}x;"
          f"  what bf16 buys (casus bf16 / fp32): {cb['tokens_per_s'] / c['tokens_per_s']:.2f}x")
    for name, r in (("casus fp32", c), ("casus bf16", cb)):
        print(f"ratio {name} / pipeline (default, batch 1): {r['tokens_per_s'] / p1['tokens_per_s']:.2f}x;"
              f"  / pipeline (batch 8): {r['tokens_per_s'] / p8['tokens_per_s']:.2f}x")


if __name__ == "__main__":
    main()
