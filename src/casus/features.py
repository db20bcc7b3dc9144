"""The dataset's columns: configs, typed span-attribute columns, trigger tag names and the ``datasets.Features``
of each config (what :mod:`casus.dataset` writes and :mod:`casus.card` declares)."""

from __future__ import annotations

from typing import Any

from .align import tag_prefixes
from .schema import Schema

CONFIGS = ("documents", "windows")


def attribute_columns(schema: Schema) -> dict[str, str]:
    """Typed columns for every span attribute in the schema: name -> arrow dtype."""
    cols: dict[str, str] = {}
    for lab in schema.labels.values():
        for name, d in lab.attributes.items():
            cols.setdefault(name, {"integer": "int32", "boolean": "bool"}.get(d.type, "string"))
    return cols


def trigger_tag_names(schema: Schema, scheme: str = "BIO") -> list[str]:
    prefixes = tag_prefixes(scheme)
    return ["O"] + [f"{p}-{c}" for c in schema.trigger_classes for p in prefixes]


def features(schema: Schema, config: str, scheme: str = "BIO"):
    from datasets import ClassLabel, Features, List, Value

    span_f = {"id": Value("string"), "start": Value("int32"), "end": Value("int32"), "label": Value("string"),
              "text": Value("string")}
    span_f.update({k: Value(v) for k, v in attribute_columns(schema).items()})
    event_f = {"id": Value("string"), "type": Value("string"), "subtype": Value("string"), "trigger": Value("string"),
               "trigger_start": Value("int32"), "trigger_end": Value("int32"), "modality": Value("string"),
               "same_as": Value("string"), "args": List({"role": Value("string"), "span": Value("string")})}
    f: dict[str, Any] = {"id": Value("string"), "doc_id": Value("string")}
    if config == "windows":
        f.update({"window_index": Value("int32"), "char_start": Value("int32")})
    f.update({
        "text": Value("string"),
        "tokens": List(Value("string")),
        "token_starts": List(Value("int32")),
        "token_ends": List(Value("int32")),
        "ner_tags": List(ClassLabel(names=schema.bio_tags(scheme))),
        "trigger_tags": List(ClassLabel(names=trigger_tag_names(schema, scheme))),
        "spans": List(span_f),
        "events": List(event_f),
        "title": Value("string"), "date": Value("string"), "region": Value("string"),
        "country": Value("string"), "kind": Value("string"),
    })
    return Features(f)
