"""Record-level scores: event records (:mod:`casus.events.records`) of a system against gold records.

Trigger and argument F1 come from :mod:`casus.metrics.events` (TextEE convention); this module scores
what an analyst sees, one row per event:

* **record matching** — a predicted record matches a gold record of the same document and type when one
  of its trigger mentions overlaps one of the gold record's trigger mentions; one-to-one, greedily by the
  number of overlapping mentions. ``record`` counts matched / unmatched records (P/R/F1), ``record_cls``
  requires the subtype too.
* **entity fields** (``attackers``, ``targets``, ``place``, ``weapons``) — value-level P/R/F1. A value of a
  gold record that has no match is a false negative, one of an unmatched predicted record a false
  positive. ``exact``: same case-folded text; ``overlap``: the character spans overlap or one text contains
  the other (one-to-one).
* **casualty counts** (``killed``, ``injured``) — per gold record with a count: ``exact`` (same count) and
  ``within10`` (|pred - gold| <= 10 % of gold). ``accuracy`` = correct / gold records with a count
  (unmatched gold records and missing counts are wrong); P/R/F1 treat a count of a predicted record
  whose gold record has none (or that is wrong) as a false positive.
* **date** — ``exact`` over matched records whose gold date is known.
* **main record** (``main/*``, accuracy over documents whose gold has a main record, :mod:`casus.events.main_event`)
  — ``main/record``: the predicted main record is the gold main record (same type, overlapping triggers);
  ``main/place`` (``place_main``, case-folded text), ``main/attackers`` and ``main/weapons`` (the same set of
  case-folded values), ``main/killed`` and ``main/injured`` (the same count, both absent counts as right);
  ``main/all5``: the main record and all five fields right — what an analyst copying the article's main
  event into a dataset gets right.

Every figure gets a 95 % percentile bootstrap CI resampling **documents** (as :mod:`casus.metrics.bootstrap`).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Callable, Mapping, Sequence

from .bootstrap import percentile_interval, resamples
from .spans import Counts

ENTITY_FIELDS = ("attackers", "targets", "place", "weapons")
COUNT_FIELDS = ("killed", "injured")
Record = Mapping[str, Any]


def _overlap(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    return a["start"] < b["end"] and b["start"] < a["end"]


def match_records(gold: Sequence[Record], pred: Sequence[Record]) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """One-to-one matching: (pairs of indices, unmatched gold, unmatched pred)."""
    cands = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(pred):
            if g["type"] != p["type"]:
                continue
            n = sum(1 for a in g["triggers"] for b in p["triggers"] if _overlap(a, b))
            if n:
                first = min(a["start"] for a in g["triggers"])
                cands.append((-n, abs(first - min(b["start"] for b in p["triggers"])), gi, pi))
    cands.sort()
    gu: set[int] = set()
    pu: set[int] = set()
    pairs = []
    for _, _, gi, pi in cands:
        if gi in gu or pi in pu:
            continue
        gu.add(gi)
        pu.add(pi)
        pairs.append((gi, pi))
    return pairs, [i for i in range(len(gold)) if i not in gu], [i for i in range(len(pred)) if i not in pu]


def _value_counts(g: Sequence[Mapping[str, Any]], p: Sequence[Mapping[str, Any]]) -> tuple[Counts, Counts]:
    gt = {x["text"].casefold() for x in g}
    pt = {x["text"].casefold() for x in p}
    exact = Counts(tp=len(gt & pt), fp=len(pt - gt), fn=len(gt - pt))
    used: set[int] = set()
    tp = 0
    for x in g:
        xt = x["text"].casefold()
        for k, y in enumerate(p):
            if k in used:
                continue
            yt = y["text"].casefold()
            if _overlap(x, y) or xt in yt or yt in xt:
                used.add(k)
                tp += 1
                break
    overlap = Counts(tp=tp, fp=len(p) - tp, fn=len(g) - tp)
    return exact, overlap


def _count(rec: Record | None, field: str) -> int | None:
    if rec is None:
        return None
    t = rec.get(field)
    return None if not t else t.get("count")


def score_records_document(gold: Sequence[Record], pred: Sequence[Record]) -> dict[str, Counts]:
    """Counts for one document (keys like ``record``, ``attackers/exact``, ``killed/within10``)."""
    pairs, ug, up = match_records(gold, pred)
    c: dict[str, Counts] = defaultdict(Counts)
    c["record"].add(Counts(tp=len(pairs), fp=len(up), fn=len(ug)))
    cls_ok = sum(1 for gi, pi in pairs if gold[gi].get("subtype") == pred[pi].get("subtype"))
    c["record_cls"].add(Counts(tp=cls_ok, fp=len(pred) - cls_ok, fn=len(gold) - cls_ok))
    aligned: list[tuple[Record | None, Record | None]] = [(gold[gi], pred[pi]) for gi, pi in pairs]
    aligned += [(gold[gi], None) for gi in ug] + [(None, pred[pi]) for pi in up]
    for g, p in aligned:
        for f in ENTITY_FIELDS:
            ex, ov = _value_counts((g or {}).get(f) or [], (p or {}).get(f) or [])
            c[f"{f}/exact"].add(ex)
            c[f"{f}/overlap"].add(ov)
            c["fields/exact"].add(ex)
            c["fields/overlap"].add(ov)
        for f in COUNT_FIELDS:
            gc, pc = _count(g, f), _count(p, f)
            for name, ok in (("exact", lambda a, b: a == b), ("within10", lambda a, b: abs(a - b) <= 0.1 * a)):
                key = f"{f}/{name}"
                if gc is not None and pc is not None and ok(gc, pc):
                    c[key].add(Counts(tp=1))
                    c[f"counts/{name}"].add(Counts(tp=1))
                else:
                    extra = Counts(fn=1.0 if gc is not None else 0.0, fp=1.0 if pc is not None else 0.0)
                    c[key].add(extra)
                    c[f"counts/{name}"].add(extra)
        if g is not None and p is not None and (g.get("date") or {}).get("value"):
            same = (g["date"] or {}).get("value") == (p.get("date") or {}).get("value")
            c["date/exact"].add(Counts(tp=1.0 if same else 0.0, fn=0.0 if same else 1.0, fp=0.0 if same else 1.0))
    gm = next((r for r in gold if r.get("article_role") == "main"), None)
    if gm is not None:
        pm = next((r for r in pred if r.get("article_role") == "main"), None)
        for k, ok in main_fields(gm, pm).items():
            c[f"main/{k}"].add(Counts(tp=1.0) if ok else Counts(fn=1.0))
    return dict(c)


MAIN_FIELDS = ("place", "attackers", "weapons", "killed", "injured")


def main_fields(gold: Record, pred: Record | None) -> dict[str, bool]:
    """Which parts of the predicted main record equal the gold main record (see the module docstring)."""
    if pred is None:
        return {k: False for k in ("record",) + MAIN_FIELDS + ("all5",)}

    def vals(r: Record, f: str) -> set[str]:
        return {v["text"].casefold() for v in r.get(f) or []}

    def place(r: Record) -> str | None:
        pm = r.get("place_main")
        return pm["text"].casefold() if pm else None

    out = {"record": gold.get("type") == pred.get("type") and any(
        _overlap(a, b) for a in gold.get("triggers") or [] for b in pred.get("triggers") or []),
        "place": place(gold) == place(pred),
        "attackers": vals(gold, "attackers") == vals(pred, "attackers"),
        "weapons": vals(gold, "weapons") == vals(pred, "weapons"),
        "killed": _count(gold, "killed") == _count(pred, "killed"),
        "injured": _count(gold, "injured") == _count(pred, "injured")}
    out["all5"] = all(out.values())
    return out


def _stat(c: Counts, kind: str) -> float:
    return c.recall if kind == "accuracy" else c.f1


def bootstrap(per_doc: Sequence[Mapping[str, Counts]], keys: Sequence[str], stat: Callable[[str], str],
              seed: int = 0, n: int = 1000, alpha: float = 0.05) -> dict[str, list[float]]:
    """Percentile CIs resampling documents; ``stat(key)`` is ``"f1"`` or ``"accuracy"`` (= recall)."""
    if not per_doc:
        return {}
    samples: dict[str, list[float]] = {k: [] for k in keys}
    for pick in resamples(per_doc, seed, n):
        for k in keys:
            tot = Counts()
            for d in pick:
                if k in d:
                    tot.add(d[k])
            samples[k].append(_stat(tot, stat(k)))
    return {k: percentile_interval(vals, alpha) for k, vals in samples.items()}


def score_records(pairs: Mapping[str, tuple[Sequence[Record], Sequence[Record]]], seed: int = 0,
                  n_boot: int = 1000) -> dict[str, Any]:
    """Corpus record scores over {doc_id: (gold records, predicted records)} with bootstrap CIs."""
    docs = [score_records_document(g, p) for _, (g, p) in sorted(pairs.items())]
    tot: dict[str, Counts] = defaultdict(Counts)
    for d in docs:
        for k, v in d.items():
            tot[k].add(v)
    keys = sorted(tot)

    def stat(k: str) -> str:
        return "accuracy" if k.split("/")[0] in COUNT_FIELDS + ("counts", "date", "main") else "f1"

    ci_f1 = bootstrap(docs, keys, lambda k: "f1", seed=seed, n=n_boot) if n_boot else {}
    ci_acc = bootstrap(docs, [k for k in keys if stat(k) == "accuracy"], lambda k: "accuracy", seed=seed,
                       n=n_boot) if n_boot else {}
    out: dict[str, Any] = {"documents": len(docs), "gold_records": int(tot["record"].tp + tot["record"].fn),
                           "predicted_records": int(tot["record"].tp + tot["record"].fp)}
    for k in keys:
        entry = {**tot[k].as_dict(), "ci95": ci_f1.get(k)}
        if stat(k) == "accuracy":
            entry["accuracy"] = tot[k].recall
            entry["accuracy_ci95"] = ci_acc.get(k)
            entry["gold"] = tot[k].tp + tot[k].fn
        out[k] = entry
    out["convention"] = ("records matched one-to-one by overlapping trigger mentions of the same type; field values "
                         "scored over all records (unmatched gold -> FN, unmatched predicted -> FP); count accuracy = "
                         "correct / gold records with a count; CIs resample documents")
    return out


def casualty_attribute_accuracy(pairs: Sequence[tuple[Sequence[tuple[int, int, Mapping[str, Any]]],
                                                      Sequence[tuple[int, int, Mapping[str, Any]]]]],
                                attrs: Sequence[str] = ("count", "count_qualifier", "group", "status")) -> dict[str, Any]:
    """Mention-level accuracy of casualty attributes on strictly matched spans: per document
    ([(start, end, gold attrs)], [(start, end, predicted attrs)]). ``count`` compared exactly (absent = None)."""
    per = {a: [0, 0] for a in attrs}
    matched = 0
    gold_n = 0
    for g, p in pairs:
        pm = {(s, e): a for s, e, a in p}
        for s, e, ga in g:
            gold_n += 1
            pa = pm.get((s, e))
            if pa is None:
                continue
            matched += 1
            for a in attrs:
                per[a][1] += 1
                per[a][0] += int(ga.get(a) == pa.get(a))
    return {"gold_spans": gold_n, "matched_spans": matched,
            **{a: (c / n if n else None) for a, (c, n) in per.items()}}
