"""The dataset card (``README.md`` of a built dataset): YAML header for ``datasets`` plus prose."""

from __future__ import annotations

import json
from typing import Any

import yaml

from .schema import Schema

ABOUT = """\
**What this is.** Every article in this corpus was written for the casus project, in the project's own words,
about armed-conflict events. The first 121 documents (corpus v1) are wire-style reports by one team; corpus v2
adds documents by eight independent writers, each in one voice and style (`style`, `writer` in the metadata):
international wire copy with datelines, local press in non-native English, official military and police
statements, NGO/UN situation reports, live blogs, long round-ups, translated-sounding reports, scraped web pages
with their menus and links, and headline digests; some are hard negatives (`hard_negative: yes`:
conflict-adjacent texts with no attack, abduction or arrest). Some documents report well-known public events
using only widely known facts (`kind: report_of_public_event`); most are composites — invented incidents set
in real places (`kind: composite`). **It is not a news archive**: no sentence is copied from any news source,
and the texts must not be cited as reporting of real events.

**Splits.** `train`, `dev` and `test` share writers and styles (`test` is an in-style figure);
`style_test` holds every document of the held-out writers, whose styles never appear in the other splits
(an out-of-style figure). Neither is real news: the project also scores models on third-party real-news
excerpts, which are not part of this dataset.
"""


def _agreement_text(repo: Any) -> str:
    p = repo.root / "eval" / "agreement" / "metrics.json"
    if not p.is_file():
        return "No agreement figures have been computed yet (`casus agree`)."
    data = json.loads(p.read_text())
    lines = [f"Independent blind passes are scored against gold with the same matcher as models "
             f"(`casus agree`, {data.get('documents', '?')} documents):", ""]
    for row in data.get("rows", []):
        lines.append(f"- {row['a']} vs {row['b']}: strict span micro F1 {row['strict_f1']:.3f} "
                     f"(partial {row.get('partial_f1', float('nan')):.3f})")
    for key in ("style", "split"):
        by = (data.get("passes_vs_gold_by") or {}).get(key)
        if by:
            lines += ["", f"Passes against gold by {key} (pooled strict span micro F1, documents):", ""]
            lines += [f"- {v}: {r['strict_f1']:.3f} ({r['documents']})" for v, r in by.items()]
    return "\n".join(lines)


def dataset_card(repo: Any, schema: Schema, scheme: str, result: Any) -> str:
    from .features import CONFIGS, features

    configs = []
    infos = []
    splits = result.splits
    for config in CONFIGS:
        configs.append({"config_name": config, **({"default": True} if config == "documents" else {}),
                        "data_files": [{"split": s, "path": f"data/{config}/{s}.parquet"} for s in splits]})
        sizes = result.split_sizes if config == "documents" else result.window_sizes
        infos.append({"config_name": config, "features": features(schema, config, scheme)._to_yaml_list(),
                      "splits": [{"name": s, "num_bytes": result.num_bytes[config][s], "num_examples": sizes[s]}
                                 for s in splits]})
    header = {
        "pretty_name": "casus conflict-event corpus",
        "language": ["en"],
        "license": "cc-by-4.0",
        "task_categories": ["token-classification"],
        "task_ids": ["named-entity-recognition"],
        "annotations_creators": ["expert-generated"],
        "source_datasets": ["original"],
        "configs": configs,
        "dataset_info": infos,
    }
    labels = schema.entity_labels + [schema.trigger_label] + [f"event:{t}" for t in schema.event_type_names]
    table = ["| label | " + " | ".join(splits) + " |", "|---|" + "---|" * len(splits)]
    for lab in labels:
        table.append(f"| {lab} | " + " | ".join(str(result.label_counts[s].get(lab, 0)) for s in splits) + " |")
    sizes = " / ".join(f"{s} {result.split_sizes[s]}" for s in splits)
    wsizes = " / ".join(f"{s} {result.window_sizes[s]}" for s in splits)
    attrs = []
    for lab, d in schema.labels.items():
        for name, a in d.attributes.items():
            vals = ", ".join(a.values) if a.values else a.type
            attrs.append(f"- `{lab}.{name}`: {vals}{' (required)' if a.required else ''}")
    events = [f"- `{t}`: subtypes {', '.join(et.subtypes) or '—'}; roles "
              + "; ".join(f"{r} → {'/'.join(ls)}" for r, ls in et.roles.items()) for t, et in schema.event_types.items()]
    body = f"""# casus conflict-event corpus

{ABOUT}
## Loading

```python
from datasets import load_dataset
ds = load_dataset("path/to/this/folder")             # config "documents": one row per article
win = load_dataset("path/to/this/folder", "windows")  # one row per sentence, for token models
ds["train"].features["ner_tags"].feature.names        # the {scheme.upper()} tag names
```

Documents: {sizes}. Sentence windows: {wsizes}. Splits are by document (never by sentence), from the
frozen manifest `annotations/splits.json`, stratified by region and main event kind.

## Label scheme

Offsets are character offsets into `text` in Unicode code points, end exclusive (`text[start:end]`).
Entity tags (`ner_tags`, {scheme.upper()}): {", ".join(schema.entity_labels)}. The entity layer is flat.
Event triggers have their own tag layer (`trigger_tags`, classes `TYPE:subtype`); `events` holds each
frame with its role arguments (span ids into `spans`), its modality and `same_as` for repeated mentions.

Span attributes:
{chr(10).join(attrs)}

Event types:
{chr(10).join(events)}

Counts per split (spans by label; events by type):

{chr(10).join(table)}

## Annotation process and agreement

Articles were written and annotated in the casus inline format following `annotations/GUIDELINES.md`,
validated by `casus validate` (offsets, span texts, labels, attributes, roles) and added with `casus add`.
A blind second pass over a subset was made by an annotator who saw only the guidelines and the plain text;
disagreements are kept in `annotations/passes/` and measured, not edited away.

{_agreement_text(repo)}

## Licence

Texts and annotations: CC BY 4.0 (written for casus).

## Known limits

- Synthetic-but-realistic text: a model trained here has not seen real newswire noise, and composites
  are not evidence about real events.
- Small (about a hundred articles); per-label scores on the test split have wide confidence intervals.
- English only; one gold annotator per document, with a second blind pass on a subset.
- Unrepresentable span boundaries under this tokenisation: {result.unrepresentable} (the tokeniser splits
  at every span boundary).

## Fingerprint

`{result.fingerprint}` — sha256 of the schema, split manifest, tagging scheme, every text and every gold
annotation. Training runs record it; a changed fingerprint means the data changed.
"""
    return "---\n" + yaml.safe_dump(header, sort_keys=False, allow_unicode=True, width=10_000) + "---\n\n" + body
