"""Corpus statistics (``casus stats``)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from .align import tokenize
from .store import Repo


def corpus_stats(repo: Repo) -> dict[str, Any]:
    schema = repo.schema
    docs = repo.doc_ids()
    labels: Counter = Counter({lab: 0 for lab in schema.entity_labels})
    events: Counter = Counter()
    casualties: Counter = Counter()
    regions: Counter = Counter()
    countries: set[str] = set()
    kinds: Counter = Counter()
    styles: Counter = Counter()
    writers: Counter = Counter()
    negatives: Counter = Counter()
    tokens = 0
    words: list[int] = []
    n_spans = n_events = 0
    gold_ids = repo.gold_ids()
    for doc_id in gold_ids:
        aset = repo.annotation(doc_id)
        meta = aset.document.metadata
        regions[str(meta.get("region", "?"))] += 1
        kinds[str(meta.get("kind", "?"))] += 1
        style = str(meta.get("style") or "wire-v1")  # corpus v1 (casus-000..120) was written in one wire style
        styles[style] += 1
        writers[str(meta.get("writer") or "corpus-v1")] += 1
        if meta.get("hard_negative") == "yes":
            negatives[style] += 1
        if meta.get("country"):
            countries.add(str(meta["country"]))
        toks = tokenize(aset.text)
        tokens += len(toks)
        words.append(len(aset.text.split()))
        for s in aset.spans:
            if s.label == schema.trigger_label:
                continue
            n_spans += 1
            labels[s.label] += 1
            if "status" in s.attrs:
                key = f"{s.attrs['status']}/{s.attrs.get('group', 'unknown')}"
                casualties[key] += int(s.attrs.get("count", 0) or 0)
        for e in aset.events:
            n_events += 1
            events[e.trigger_class] += 1
    passes = {a: len(repo.pass_ids(a)) for a in repo.annotators()}
    double = sorted(set().union(*[set(repo.pass_ids(a)) for a in repo.annotators()]) & set(gold_ids)) if passes else []
    return {
        "documents": len(docs),
        "gold_documents": len(gold_ids),
        "tokens": tokens,
        "words_per_doc_min": min(words) if words else 0,
        "words_per_doc_max": max(words) if words else 0,
        "spans": n_spans,
        "spans_per_label": dict(labels),
        "events": n_events,
        "events_per_type": dict(sorted(events.items())),
        "casualty_totals": dict(sorted(casualties.items())),
        "double_annotated_documents": len(double),
        "passes": passes,
        "regions": len(regions),
        "countries": len(countries),
        "documents_per_region": dict(sorted(regions.items())),
        "documents_per_kind": dict(sorted(kinds.items())),
        "styles": len(styles),
        "writers": len(writers),
        "documents_per_style": dict(sorted(styles.items())),
        "documents_per_writer": dict(sorted(writers.items())),
        "hard_negatives": sum(negatives.values()),
        "hard_negative_share": sum(negatives.values()) / len(gold_ids) if gold_ids else 0.0,
        "hard_negatives_per_style": dict(sorted(negatives.items())),
    }
