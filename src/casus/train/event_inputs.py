"""What the event stage's training and scoring feed its designs: mentions of an annotation set, gold inputs and
candidate pairs, predicted links put back into annotation sets, and the same_as / casualty views that
:func:`casus.train.events.run_events` scores."""

from __future__ import annotations

from itertools import combinations
from typing import Any, Sequence

from ..model import AnnotationSet, Argument, Event


def mentions_of(aset: AnnotationSet, schema) -> tuple[list, list, dict[tuple[str, str], str]]:
    """Entity mentions, trigger mentions (labelled TYPE:subtype) and gold role links of an annotation set."""
    from ..events.arguments import Mention

    spans = aset.span_by_id()
    ents = [Mention(s.id, s.start, s.end, s.label) for s in aset.entities(schema.trigger_label)]
    trigs, gold = [], {}
    for e in aset.events:
        t = spans.get(e.trigger)
        if t is None:
            continue
        trigs.append(Mention(e.trigger, t.start, t.end, e.type + (f":{e.subtype}" if e.subtype else "")))
        for a in e.args:
            gold.setdefault((e.trigger, a.span), a.role)
    return ents, trigs, gold


def gold_inputs(gold: dict[str, AnnotationSet], ids: Sequence[str], schema) -> tuple[list, list]:
    """Per document of ``ids``: (text, trigger mentions, entity mentions), and its gold role links."""
    docs, links = [], []
    for d in ids:
        ents, trigs, lk = mentions_of(gold[d], schema)
        docs.append((gold[d].text, trigs, ents))
        links.append(lk)
    return docs, links


def gold_candidate_pairs(docs: Sequence, links: Sequence, schema, window: int) -> list:
    """Candidate (trigger, entity) pairs of :func:`gold_inputs` documents, with their gold roles."""
    from ..events.arguments import candidate_pairs

    out = []
    for k, (text, trigs, ents) in enumerate(docs):
        out += candidate_pairs(k, text, trigs, ents, schema, window, links[k])
    return out


def pairs_by_doc(pairs: Sequence) -> dict[int, list]:
    by_doc: dict[int, list] = {}
    for p in pairs:
        by_doc.setdefault(p.doc, []).append(p)
    return by_doc


def with_predicted_args(aset: AnnotationSet, pairs: Sequence) -> AnnotationSet:
    """Gold spans and events, arguments replaced by the predicted links (gold-input setting)."""
    args: dict[str, list[Argument]] = {}
    for p in sorted(pairs, key=lambda p: p.entity.start):
        if p.role != "none":
            args.setdefault(p.trigger.id, []).append(Argument(p.role, p.entity.id))
    events = [Event(e.id, e.type, e.trigger, e.subtype, tuple(args.get(e.trigger, [])), e.attrs) for e in aset.events]
    return aset.with_(events=tuple(events), annotator="model")


def trigger_only(aset: AnnotationSet, triggers: Sequence[tuple[int, int, str]], schema) -> AnnotationSet:
    from ..model import Span

    spans, events = [], []
    for k, (s, e, cls) in enumerate(sorted(set(triggers)), 1):
        typ, _, sub = cls.partition(":")
        spans.append(Span(f"e{k}", s, e, schema.trigger_label))
        events.append(Event(f"e{k}", typ, f"e{k}", sub or None))
    return AnnotationSet(document=aset.document, spans=tuple(spans), events=tuple(events), annotator="model")


def same_as_pairwise(asets: Sequence[AnnotationSet], rule: str = "class") -> dict[str, float]:
    """Pairwise P/R/F1 of the same_as rule (:func:`cluster_events`) on gold triggers (and, for
    ``class_place``, their gold place arguments)."""
    from ..events.records import cluster_events, roots
    from ..metrics.ceaf import normalize_string

    tp = fp = fn = 0
    for a in asets:
        spans = a.span_by_id()
        gold = roots(a)
        places = None
        if rule == "class_place":
            places = {e.id: {normalize_string(a.text[spans[x.span].start:spans[x.span].end])
                             for x in e.args if x.role == "place" and x.span in spans} for e in a.events}
        pred = cluster_events([(e.id, e.type, e.subtype, spans[e.trigger].start) for e in a.events], places)
        for x, y in combinations([e.id for e in a.events], 2):
            g, p = gold[x] == gold[y], pred[x] == pred[y]
            tp += g and p
            fp += p and not g
            fn += g and not p
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    return {"precision": prec, "recall": rec, "f1": 2 * prec * rec / (prec + rec) if prec + rec else 0.0,
            "pairs_gold": tp + fn}


def casualty_triples(aset: AnnotationSet) -> list[tuple[int, int, dict]]:
    return [(s.start, s.end, dict(s.attrs)) for s in aset.spans if s.label == "CASUALTY"]


def normalized_triples(aset: AnnotationSet) -> list[tuple[int, int, dict]]:
    from ..events.normalize import normalize_in_text

    cas = [s for s in aset.spans if s.label == "CASUALTY"]
    res = normalize_in_text(aset.text, [(s.start, s.end) for s in cas])
    return [(s.start, s.end, r.attrs()) for s, r in zip(cas, res)]
def _summary(ev: dict[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    return {k: ev[k] for k in keys if k in ev}


EVENT_KEYS = ("documents", "trigger_id", "trigger_cls", "trigger_type", "arg_id", "arg_cls", "per_type", "per_role")
