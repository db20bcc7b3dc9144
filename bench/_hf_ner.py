"""The canonical HuggingFace token-classification recipe, as transformers' ``examples/pytorch/token-classification/run_ner.py``
does it, for bench/benchmarks.py (run in its own process):

    python bench/_hf_ner.py JOB.json RESULT.json

JOB.json: ``{"train": [{"words": [...], "tags": [...]}], "test": [{"words": [...]}], "tag_names": [...],
"encoder": PATH, "epochs", "batch_size", "lr", "weight_decay", "warmup_ratio", "max_length", "seed", "threads",
"workdir"}``. Words are tokenised with ``is_split_into_words=True`` (truncation at ``max_length``); the first
sub-word of each word carries the word's label, the other sub-words and the special tokens -100
(run_ner's ``label_all_tokens=False``). ``Trainer`` + ``DataCollatorForTokenClassification``, no evaluation
during training, the final model predicts the test sentences (``trainer.predict``); a word's tag is the
argmax at its first sub-word. Words with no sub-word (truncated, or nothing the tokenizer keeps) are tagged
``O`` and counted. RESULT.json: ``{"pred": [[tag, ...], ...], "train_seconds", "predict_seconds",
"truncated_words", "train_examples"}``.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path


def main(job_path: str, result_path: str) -> None:
    job = json.loads(Path(job_path).read_text(encoding="utf-8"))
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import numpy as np
    import torch
    from datasets import Dataset
    from transformers import (AutoModelForTokenClassification, AutoTokenizer, DataCollatorForTokenClassification,
                              Trainer, TrainingArguments, set_seed)

    torch.set_num_threads(int(job["threads"]))
    names = job["tag_names"]
    label2id = {t: i for i, t in enumerate(names)}
    tokenizer = AutoTokenizer.from_pretrained(job["encoder"])
    max_length = int(job["max_length"])

    def encode(batch, with_labels: bool):
        enc = tokenizer(batch["words"], is_split_into_words=True, truncation=True, max_length=max_length)
        if with_labels:
            labels = []
            for i, tags in enumerate(batch["tags"]):
                prev = None
                lab = []
                for w in enc.word_ids(batch_index=i):
                    lab.append(-100 if w is None or w == prev else label2id[tags[w]])
                    prev = w
                labels.append(lab)
            enc["labels"] = labels
        return enc

    train_raw = Dataset.from_list([{"words": s["words"], "tags": s["tags"]} for s in job["train"]])
    test_raw = Dataset.from_list([{"words": s["words"]} for s in job["test"]])
    train_ds = train_raw.map(lambda b: encode(b, True), batched=True, remove_columns=["words", "tags"])
    test_ds = test_raw.map(lambda b: encode(b, False), batched=True, remove_columns=["words"])

    set_seed(int(job["seed"]))
    model = AutoModelForTokenClassification.from_pretrained(
        job["encoder"], num_labels=len(names), id2label=dict(enumerate(names)), label2id=label2id)
    args = TrainingArguments(
        output_dir=str(Path(job["workdir"]) / "hf-trainer"), per_device_train_batch_size=int(job["batch_size"]),
        per_device_eval_batch_size=int(job["batch_size"]), num_train_epochs=float(job["epochs"]),
        learning_rate=float(job["lr"]), weight_decay=float(job["weight_decay"]),
        warmup_steps=float(job["warmup_ratio"]), seed=int(job["seed"]), save_strategy="no", eval_strategy="no",
        logging_strategy="no", report_to="none", use_cpu=True, dataloader_num_workers=0, disable_tqdm=True)
    trainer = Trainer(model=model, args=args, train_dataset=train_ds,
                      data_collator=DataCollatorForTokenClassification(tokenizer))
    t0, c0 = time.perf_counter(), time.process_time()
    trainer.train()
    train_seconds, train_cpu = time.perf_counter() - t0, time.process_time() - c0

    t0 = time.perf_counter()
    out = trainer.predict(test_ds)
    predict_seconds = time.perf_counter() - t0
    logits = out.predictions
    ids = np.argmax(logits, axis=-1)
    pred: list[list[str]] = []
    missing = 0
    for i, s in enumerate(job["test"]):
        enc = tokenizer(s["words"], is_split_into_words=True, truncation=True, max_length=max_length)
        first: dict[int, int] = {}
        for pos, w in enumerate(enc.word_ids()):
            if w is not None and w not in first:
                first[w] = pos
        tags = []
        for w in range(len(s["words"])):
            if w in first:
                tags.append(names[int(ids[i][first[w]])])
            else:
                tags.append("O")
                missing += 1
        pred.append(tags)
    Path(result_path).write_text(json.dumps({
        "pred": pred, "train_seconds": train_seconds, "train_cpu_seconds": train_cpu, "predict_seconds": predict_seconds,
        "truncated_words": missing, "train_examples": len(train_ds),
        "transformers_args": {"lr": job["lr"], "weight_decay": job["weight_decay"],
                              "warmup_ratio": job["warmup_ratio"], "epochs": job["epochs"],
                              "batch_size": job["batch_size"], "max_length": max_length}}), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
