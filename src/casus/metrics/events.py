"""Event-level scores (TextEE / OneIE style), computed per document so they bootstrap over documents.

Levels, each a set of tuples per document, scored as plain TP/FP/FN on sets:

* ``trigger_id``   — trigger identification: the trigger span's ``(start, end)``.
* ``trigger_cls``  — trigger classification: ``(start, end, TYPE:subtype)`` (``TYPE`` without subtype).
* ``trigger_type`` — ``(start, end, TYPE)``, the subtype ignored.
* ``arg_id``       — argument identification: ``(trigger start, trigger end, TYPE, arg start, arg end)``.
* ``arg_cls``      — argument classification: ``arg_id`` plus the role.

An argument carries its trigger's offsets and its event type, so it counts only when its trigger is
matched too (the TextEE end-to-end convention). Arguments and triggers are compared by character
offsets, never by span id, so annotations made by different people (or tools) compare. Events whose
trigger or argument id is missing from the annotation set are skipped (AnnotationSet forbids them).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable, Mapping, Sequence

from ..model import AnnotationSet
from .bootstrap import percentile_interval, resamples
from .spans import Counts

LEVELS = ("trigger_id", "trigger_cls", "trigger_type", "arg_id", "arg_cls")
LEVEL_NAMES = {
    "trigger_id": "trigger identification",
    "trigger_cls": "trigger classification (type:subtype)",
    "trigger_type": "trigger classification (type)",
    "arg_id": "argument identification",
    "arg_cls": "argument classification (role)",
}


def event_class(type_: str, subtype: str | None) -> str:
    return type_ + (f":{subtype}" if subtype else "")


def event_tuples(aset: AnnotationSet) -> dict[str, set[tuple]]:
    """The tuples of every level for one annotation set."""
    spans = aset.span_by_id()
    out: dict[str, set[tuple]] = {lvl: set() for lvl in LEVELS}
    for e in aset.events:
        t = spans.get(e.trigger)
        if t is None:
            continue
        out["trigger_id"].add((t.start, t.end))
        out["trigger_cls"].add((t.start, t.end, event_class(e.type, e.subtype)))
        out["trigger_type"].add((t.start, t.end, e.type))
        for a in e.args:
            s = spans.get(a.span)
            if s is None:
                continue
            out["arg_id"].add((t.start, t.end, e.type, s.start, s.end))
            out["arg_cls"].add((t.start, t.end, e.type, a.role, s.start, s.end))
    return out


def _set_counts(gold: set, pred: set) -> Counts:
    return Counts(tp=float(len(gold & pred)), fp=float(len(pred - gold)), fn=float(len(gold - pred)))


def score_events_document(gold: AnnotationSet, pred: AnnotationSet) -> dict[str, Any]:
    """Counts per level, per event type (trigger_cls by TYPE) and per role (arg_cls) for one document."""
    g, p = event_tuples(gold), event_tuples(pred)
    levels = {lvl: _set_counts(g[lvl], p[lvl]) for lvl in LEVELS}
    by_type: dict[str, Counts] = defaultdict(Counts)
    for typ in {t[2] for t in g["trigger_type"] | p["trigger_type"]}:
        gs = {t for t in g["trigger_type"] if t[2] == typ}
        ps = {t for t in p["trigger_type"] if t[2] == typ}
        by_type[typ] = _set_counts(gs, ps)
    by_role: dict[str, Counts] = defaultdict(Counts)
    for role in {t[3] for t in g["arg_cls"] | p["arg_cls"]}:
        gs = {t for t in g["arg_cls"] if t[3] == role}
        ps = {t for t in p["arg_cls"] if t[3] == role}
        by_role[role] = _set_counts(gs, ps)
    return {"levels": levels, "by_type": dict(by_type), "by_role": dict(by_role)}


def has_events(asets: Iterable[AnnotationSet]) -> bool:
    return any(a.events for a in asets)


def bootstrap_counts(per_doc: Sequence[Mapping[str, Counts]], keys: Sequence[str], seed: int = 0, n: int = 1000,
                     alpha: float = 0.05) -> dict[str, list[float]]:
    """Percentile CIs of F1 for each key, resampling documents (each a mapping key -> Counts)."""
    if not per_doc:
        return {}
    samples: dict[str, list[float]] = {k: [] for k in keys}
    for pick in resamples(per_doc, seed, n):
        for k in keys:
            tot = Counts()
            for d in pick:
                c = d.get(k)
                if c is not None:
                    tot.add(c)
            samples[k].append(tot.f1)
    return {k: percentile_interval(vals, alpha) for k, vals in samples.items()}


def score_events(pairs: Mapping[str, tuple[AnnotationSet, AnnotationSet]], seed: int = 0,
                 n_boot: int = 1000) -> dict[str, Any]:
    """Corpus event scores over (gold, pred) pairs keyed by document id: micro P/R/F1 per level with a
    95 % bootstrap CI over documents, plus trigger classification per event type and arguments per role."""
    docs = [score_events_document(g, p) for _, (g, p) in sorted(pairs.items())]
    levels: dict[str, Counts] = {lvl: Counts() for lvl in LEVELS}
    by_type: dict[str, Counts] = defaultdict(Counts)
    by_role: dict[str, Counts] = defaultdict(Counts)
    for d in docs:
        for lvl, c in d["levels"].items():
            levels[lvl].add(c)
        for k, c in d["by_type"].items():
            by_type[k].add(c)
        for k, c in d["by_role"].items():
            by_role[k].add(c)
    ci = bootstrap_counts([d["levels"] for d in docs], LEVELS, seed=seed, n=n_boot) if n_boot else {}
    out: dict[str, Any] = {"documents": len(docs)}
    for lvl in LEVELS:
        out[lvl] = {**levels[lvl].as_dict(), "ci95": ci.get(lvl)}
    out["per_type"] = {k: by_type[k].as_dict() for k in sorted(by_type)}
    out["per_role"] = {k: by_role[k].as_dict() for k in sorted(by_role)}
    out["convention"] = ("TextEE: trigger_id (start,end); trigger_cls (+TYPE:subtype); arg_id (trigger start,end, "
                         "TYPE, arg start,end); arg_cls (+role); arguments count only with their trigger matched")
    return out


# -- modality --------------------------------------------------------------------------------------

MODALITIES = ("asserted", "claimed", "denied", "hypothetical")


def _modalities(aset: AnnotationSet) -> dict[tuple[int, int, str], str]:
    spans = aset.span_by_id()
    out = {}
    for e in aset.events:
        t = spans.get(e.trigger)
        if t is not None:
            out[(t.start, t.end, event_class(e.type, e.subtype))] = e.modality
    return out


def score_modality(pairs: Mapping[str, tuple[AnnotationSet, AnnotationSet]], seed: int = 0,
                   n_boot: int = 1000) -> dict[str, Any]:
    """Modality on the triggers both sides share (same offsets and ``TYPE:subtype``): accuracy, macro F1
    over the modalities present in gold, per-modality P/R/F1, the accuracy of always answering
    ``asserted`` (the majority baseline) and a bootstrap CI over documents for the accuracy."""
    per_doc: list[list[tuple[str, str]]] = []
    for _, (g, p) in sorted(pairs.items()):
        gm, pm = _modalities(g), _modalities(p)
        per_doc.append([(gm[k], pm[k]) for k in sorted(set(gm) & set(pm))])
    flat = [x for d in per_doc for x in d]

    def acc(items: Sequence[tuple[str, str]]) -> float:
        return sum(a == b for a, b in items) / len(items) if items else 0.0

    per: dict[str, dict[str, float]] = {}
    present = [m for m in MODALITIES if any(g == m for g, _ in flat)]
    for m in MODALITIES:
        tp = sum(1 for g, p in flat if g == m and p == m)
        fp = sum(1 for g, p in flat if g != m and p == m)
        fn = sum(1 for g, p in flat if g == m and p != m)
        c = Counts(tp, fp, fn)
        per[m] = {"precision": c.precision, "recall": c.recall, "f1": c.f1, "support": tp + fn}
    out: dict[str, Any] = {"matched_triggers": len(flat), "accuracy": acc(flat),
                           "macro_f1": sum(per[m]["f1"] for m in present) / len(present) if present else 0.0,
                           "majority_accuracy": acc([(g, "asserted") for g, _ in flat]), "per_modality": per}
    if n_boot and per_doc:
        out["accuracy_ci95"] = percentile_interval(
            [acc([x for doc in pick for x in doc]) for pick in resamples(per_doc, seed, n_boot)])
    return out
