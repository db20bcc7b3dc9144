"""The model card of a transformer run: ``model/README.md`` with the Hugging Face YAML header (language,
license, library, pipeline tag, labels, the dataset fingerprint and ``model-index`` metrics with their CIs) and
a body saying what the model is for, how it was measured and where it stops being trustworthy — the in-style
caveat first. Written by ``casus train`` beside the weights, so the folder can be published as it is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..atomic import atomic_write

SPLIT_NAMES = {"dev": "dev (in-style)", "test": "test (in-style: the same writers and styles as train)",
               "style_test": "style_test (out-of-style: held-out writers and styles)"}


def card_text(recipe: Any, metrics: dict[str, Any], info: dict[str, Any]) -> str:
    tc = recipe.transformer
    labels = sorted({lab for sp in ("test", "dev") if sp in metrics for lab in metrics[sp]["strict"]["per_label"]})
    results = []
    for split in ("test", "style_test", "dev"):
        if split not in metrics:
            continue
        m = metrics[split]
        ci = m.get("ci95", {}).get("strict_micro_f1")
        results.append({
            "task": {"type": "token-classification", "name": "Named entity recognition (conflict events)"},
            "dataset": {"type": "casus", "name": f"casus corpus, {split}", "split": split,
                        "revision": metrics.get("dataset_fingerprint", "")[:16]},
            "metrics": [{"type": "f1", "name": "strict span micro F1", "value": round(m["strict"]["micro"]["f1"], 4),
                         **({"args": {"ci95": [round(ci[0], 4), round(ci[1], 4)], "unit": "document"}} if ci else {})},
                        {"type": "precision", "name": "strict span micro precision",
                         "value": round(m["strict"]["micro"]["precision"], 4)},
                        {"type": "recall", "name": "strict span micro recall",
                         "value": round(m["strict"]["micro"]["recall"], 4)}],
        })
    header = {"language": ["en"], "license": "apache-2.0", "library_name": "transformers",
              "pipeline_tag": "token-classification", "tags": ["casus", "ner", "conflict-events"],
              "base_model": str(tc.encoder), "casus": {"recipe": recipe.name, "seed": recipe.seed,
                                                       "dataset_fingerprint": metrics.get("dataset_fingerprint"),
                                                       "labels": labels, "max_length": tc.max_length,
                                                       "stride": tc.stride, "aggregation": tc.aggregation,
                                                       "decoding": tc.decoding, "git": info.get("git")},
              "model-index": [{"name": recipe.name, "results": results}]}
    rows = []
    for split in ("test", "style_test", "dev"):
        if split in metrics:
            m = metrics[split]
            ci = m.get("ci95", {}).get("strict_micro_f1")
            per = ", ".join(f"{lab} {m['strict']['per_label'][lab]['f1']:.3f}" for lab in labels
                            if lab in m["strict"]["per_label"])
            rows.append(f"| {SPLIT_NAMES[split]} | {m['documents']} | {m['strict']['micro']['f1']:.3f}"
                        + (f" [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else "") + f" | {per} |")
    body = f"""
# {recipe.name}

A token classifier for conflict-event reports, trained by casus (recipe
`{recipe.name}`, seed {recipe.seed}) from `{tc.encoder}`: it tags {", ".join(labels)} spans (BIO) in news text.

## Results (strict span micro F1, 95 % bootstrap CI over documents)

| split | documents | strict F1 | per label |
|---|---|---|---|
{chr(10).join(rows)}

**In-style figures overstate quality on other news.** `test` shares writers and styles with the training data;
`style_test` holds writers and styles never seen in training and is the better guide to new sources. Real news
(long, multi-topic pages) is harder still; see casus's `bench/realnews.py`.

## Use

```python
from transformers import pipeline
ner = pipeline("token-classification", model="PATH/model", aggregation_strategy="first")
```

casus trains and predicts on windows of {tc.max_length} sub-words overlapping by {tc.stride}, decoding one tag per
word (`aggregation: {tc.aggregation}`, `decoding: {tc.decoding}`). The plain pipeline gives the same spans for a
text that fits one window; for longer articles use `casus predict` (or pass `stride=` to the pipeline), which
covers every sub-word.

## Limitations

- Trained on English wire-style reports written for the casus corpus; other languages, genres and registers
  are out of scope.
- ACTOR is the weakest label out of style (generic nouns such as "the regime" over-fire); casualty counts and
  attributes come from casus's rule-based normaliser, not from this model.
- Predictions are suggestions for analysts; they need review before any count is reported.
"""
    return "---\n" + yaml.safe_dump(header, sort_keys=False, allow_unicode=True) + "---\n" + body


def write_model_card(model_dir: Path, recipe: Any, metrics: dict[str, Any], info: dict[str, Any]) -> Path:
    path = Path(model_dir) / "README.md"
    atomic_write(path, card_text(recipe, metrics, info))
    return path
