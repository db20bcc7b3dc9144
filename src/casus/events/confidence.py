"""Confidence on every record cell, and withholding the doubtful ones (``casus predict --events --min-confidence``).

* a record's ``confidence`` is its trigger mentions' best confidence (the trigger model's probability of the
  span: CRF marginals, the head's or the fine-tuned tagger's probabilities, averaged over the span's words);
* an entity field value (``attackers``, ``targets``, ``place``, ``weapons``, ``casualties``) gets the argument
  model's probability of its role for the best of the record's trigger mentions; a toll (``killed`` ...)
  the best confidence of the casualty mentions it was computed from; links made by a rule (distant tolls)
  have ``confidence: null`` (no model said it);
* ``min_cell_confidence`` is the lowest confidence in the record (the record's doubt: sort by it to review
  the weakest records first).

:func:`withhold` moves every value below a threshold into the record's ``withheld`` list (field, text, span,
confidence) and drops records whose own confidence is below it, returning how many of each: nothing is
removed without being listed or counted.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from .records import ENTITY_FIELDS, STATUSES


def _best(values: Sequence[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return max(vals) if vals else None


def attach_confidence(records: list[dict[str, Any]], conf: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Set ``confidence`` on each record and each of its cells from ``conf`` (one document's
    ``EventModels.last_confidence`` entry: trigger spans and (trigger, entity) link probabilities)."""
    trig = conf.get("triggers", {})
    links = conf.get("links", {})
    for rec in records:
        tspans = [(t["start"], t["end"]) for t in rec.get("triggers") or []]
        rec["confidence"] = _best([trig.get(s) for s in tspans])
        cells: list[float | None] = [rec["confidence"]]

        def link(item: Mapping[str, Any]) -> float | None:
            return _best([links.get((a, b, item["start"], item["end"])) for a, b in tspans])

        for f in ENTITY_FIELDS + ("casualties",):
            for item in rec.get(f) or []:
                item["confidence"] = link(item)
                cells.append(item["confidence"])
        by_span = {(c["start"], c["end"]): c.get("confidence") for c in rec.get("casualties") or []}
        for st in STATUSES:
            t = rec.get(st)
            if t:
                t["confidence"] = _best([by_span.get((s["start"], s["end"])) for s in t.get("spans") or []])
        known = [c for c in cells if c is not None]
        rec["min_cell_confidence"] = min(known) if known else None
    return records


def withhold(records: list[dict[str, Any]], threshold: float) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Records and values at or above ``threshold`` (values without a confidence are kept); the rest are
    listed in each kept record's ``withheld`` and counted."""
    kept, counts = [], {"records": 0, "values": 0}
    for rec in records:
        if rec.get("confidence") is not None and rec["confidence"] < threshold:
            counts["records"] += 1
            continue
        withheld = list(rec.get("withheld") or [])
        for f in ENTITY_FIELDS + ("casualties",):
            keep = []
            for item in rec.get(f) or []:
                c = item.get("confidence")
                if c is not None and c < threshold:
                    withheld.append({"field": f, "text": item["text"], "start": item["start"], "end": item["end"],
                                     "confidence": c})
                    counts["values"] += 1
                else:
                    keep.append(item)
            rec[f] = keep
        for st in STATUSES:
            t = rec.get(st)
            if t and t.get("confidence") is not None and t["confidence"] < threshold:
                span = (t.get("spans") or [{}])[0]
                withheld.append({"field": st, "text": t.get("text"), "start": span.get("start"),
                                 "end": span.get("end"), "confidence": t["confidence"]})
                counts["values"] += 1
                rec[st] = None
        rec["withheld"] = withheld
        kept.append(rec)
    for k, rec in enumerate(kept, 1):
        rec["rank"] = k
    return kept, counts
