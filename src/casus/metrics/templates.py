"""Template-level scoring of MUC-4 event templates, as GTT (Du, Huang & Cardie, NAACL 2021) scores them.

A document has zero or more templates; a template is an incident type plus, for each role (PerpInd,
PerpOrg, Target, Victim, Weapon), a list of entities, each a list of coreferent mention strings.

Per document, predicted templates are aligned one-to-one with gold templates (or left unaligned), choosing
the alignment with the highest micro F1 for that document; ties keep the first alignment in the order
GTT enumerates them (``itertools.product`` of gold indices plus "none", over the predicted templates).
A predicted template can only be aligned with a gold template whose incident type *contains* the
predicted type as a substring (so a prediction ``attack`` aligns with a gold ``bombing / attack``).

For an aligned pair:

* ``incident_type`` counts one true positive on both sides;
* a predicted entity of a role is correct when some gold entity of that role contains *all* its mentions
  (phi_strict); a gold entity is recalled when some predicted entity of the role matches it. Unlike
  CEAF-REE (:mod:`casus.metrics.ceaf`), this is not a one-to-one entity alignment, as in GTT's scorer.

An unaligned predicted template adds its incident type and every entity to the precision denominators
only; an unaligned gold template adds its to the recall denominators only. Mention strings are normalised
(:func:`casus.metrics.ceaf.normalize_string`); gold templates that are exact duplicates within a document
are counted once and gold entities without mentions are dropped, as GTT's loader does.

The exhaustive alignment search is exact up to ``max_alignments`` candidate alignments per document
(default 200,000, far above the test split's largest case); beyond it a greedy alignment is used and the
document is listed in ``TemplateReport.approximated`` (never silently).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from .bootstrap import percentile_interval
from .bootstrap import resamples as draw_resamples
from .ceaf import ROLES, CeafCounts, normalize_string

SLOTS = ("incident_type",) + ROLES

__all__ = ["ROLES", "SLOTS", "TemplateCounts", "TemplateReport", "normalize_templates", "score_templates",
           "score_document"]


# the same four counts as CEAF-REE (p_num / p_den / r_num / r_den, micro P/R/F1 from their sums)
TemplateCounts = CeafCounts


def _micro(by_slot: Mapping[str, TemplateCounts], roles: Sequence[str]) -> TemplateCounts:
    tot = TemplateCounts()
    for s in ("incident_type", *roles):
        tot.add(by_slot[s])
    return tot


@dataclass
class TemplateReport:
    roles: tuple[str, ...]
    by_slot: dict[str, TemplateCounts]
    documents: int = 0
    approximated: list[str] = field(default_factory=list)
    alignments: dict[str, dict[int, int]] = field(default_factory=dict)
    per_doc: dict[str, TemplateCounts] = field(default_factory=dict)

    def ci95(self, resamples: int = 1000, seed: int = 13) -> tuple[float, float]:
        """Percentile bootstrap over documents of the micro F1 (documents drawn with replacement)."""
        docs = [self.per_doc[d] for d in sorted(self.per_doc)]
        if not docs:
            return (0.0, 0.0)
        vals = []
        for pick in draw_resamples(docs, seed, resamples):
            tot = TemplateCounts()
            for c in pick:
                tot.add(c)
            vals.append(tot.f1)
        lo, hi = percentile_interval(vals)
        return lo, hi

    @property
    def micro(self) -> TemplateCounts:
        return _micro(self.by_slot, self.roles)

    def as_dict(self) -> dict[str, Any]:
        return {"micro": self.micro.as_dict(), "per_slot": {k: v.as_dict() for k, v in self.by_slot.items()},
                "documents": self.documents, "approximated": list(self.approximated)}


Template = Mapping[str, Any]  # {"incident_type": str, role: [[mention, ...], ...]}


def normalize_templates(templates: Iterable[Any], roles: Sequence[str] = ROLES, *, gold: bool = False) -> list[dict]:
    """Plain dicts with normalised mention strings. Accepts dicts or objects with ``incident_type`` and
    ``fillers`` (:class:`casus.formats.muc4.Template`). ``gold=True`` also drops duplicate templates and
    entities without mentions (GTT's gold loader does both)."""
    out: list[dict] = []
    for t in templates:
        if isinstance(t, Mapping):
            itype, fillers = t.get("incident_type"), t
        else:
            itype, fillers = t.incident_type, t.fillers
        if not isinstance(itype, str):
            raise ValueError(f"a template's incident_type must be a string, not {itype!r}")
        d: dict[str, Any] = {"incident_type": itype}
        for r in roles:
            ents = []
            for e in fillers.get(r, ()) or ():
                ms = [normalize_string(m) for m in e]
                if ms or not gold:
                    ents.append(ms)
            d[r] = ents
        if gold and d in out:
            continue
        out.append(d)
    return out


def _pair_counts(p: dict, g: dict, roles: Sequence[str]) -> dict[str, TemplateCounts]:
    c = {s: TemplateCounts() for s in SLOTS if s == "incident_type" or s in roles}
    c["incident_type"] = TemplateCounts(1, 1, 1, 1)
    for r in roles:
        pe, ge = p.get(r, []), g.get(r, [])
        hit_p = sum(1 for x in pe if any(all(m in y for m in x) for y in ge))
        hit_g = sum(1 for y in ge if any(all(m in y for m in x) for x in pe))
        c[r] = TemplateCounts(hit_p, len(pe), hit_g, len(ge))
    return c


def _alone(t: dict, roles: Sequence[str], side: str) -> dict[str, TemplateCounts]:
    c = {"incident_type": TemplateCounts()}
    for r in roles:
        c[r] = TemplateCounts()
    for s in c:
        n = 1 if s == "incident_type" else len(t.get(s, []))
        if side == "pred":
            c[s].p_den += n
        else:
            c[s].r_den += n
    return c


def _compatible(p: dict, g: dict) -> bool:
    return p["incident_type"] in g["incident_type"]


def _score_mapping(mapping: Sequence[int], pred: list[dict], gold: list[dict], roles: Sequence[str],
                   pair_cache: dict) -> dict[str, TemplateCounts]:
    tot = {s: TemplateCounts() for s in ("incident_type", *roles)}
    used_gold: set[int] = set()
    for pi, gi in enumerate(mapping):
        if gi >= 0 and _compatible(pred[pi], gold[gi]):
            key = (pi, gi)
            if key not in pair_cache:
                pair_cache[key] = _pair_counts(pred[pi], gold[gi], roles)
            part = pair_cache[key]
            used_gold.add(gi)
        else:
            part = _alone(pred[pi], roles, "pred")
        for s, c in part.items():
            tot[s].add(c)
    for gi, g in enumerate(gold):
        if gi not in used_gold:
            for s, c in _alone(g, roles, "gold").items():
                tot[s].add(c)
    return tot


def score_document(pred: list[dict], gold: list[dict], roles: Sequence[str] = ROLES,
                   max_alignments: int = 200_000) -> tuple[dict[str, TemplateCounts], dict[int, int], bool]:
    """Best alignment of one document's (normalised) templates: (counts per slot, pred->gold map, exact)."""
    pair_cache: dict = {}
    n_candidates = (len(gold) + 1) ** len(pred)
    if n_candidates <= max_alignments:
        best, best_map, best_f1 = None, None, -1.0
        choices = list(range(len(gold))) + [-1]
        for mapping in itertools.product(choices, repeat=len(pred)):
            taken = [g for g in mapping if g >= 0]
            if len(taken) != len(set(taken)):
                continue  # one gold template per prediction
            tot = _score_mapping(mapping, pred, gold, roles, pair_cache)
            f = _micro(tot, roles).f1
            if best is None or f > best_f1:
                best, best_map, best_f1 = tot, mapping, f
        exact = True
    else:  # greedy: repeatedly take the (pred, gold) pair that raises the document F1 most
        mapping = [-1] * len(pred)
        cur = _micro(_score_mapping(mapping, pred, gold, roles, pair_cache), roles).f1
        while True:
            step = None
            for pi in range(len(pred)):
                if mapping[pi] >= 0:
                    continue
                for gi in range(len(gold)):
                    if gi in mapping:
                        continue
                    trial = list(mapping)
                    trial[pi] = gi
                    f = _micro(_score_mapping(trial, pred, gold, roles, pair_cache), roles).f1
                    if f > cur and (step is None or f > step[0]):
                        step = (f, pi, gi)
            if step is None:
                break
            cur, mapping[step[1]] = step[0], step[2]
        best_map = tuple(mapping)
        best = _score_mapping(best_map, pred, gold, roles, pair_cache)
        exact = False
    assert best is not None and best_map is not None
    aligned = {pi: gi for pi, gi in enumerate(best_map) if gi >= 0 and _compatible(pred[pi], gold[gi])}
    return best, aligned, exact


def score_templates(pred: Mapping[str, Iterable[Any]], gold: Mapping[str, Iterable[Any]], *,
                    roles: Sequence[str] = ROLES, max_alignments: int = 200_000) -> TemplateReport:
    """Template-level P/R/F1 over the gold documents (a gold document without predictions counts as
    predicted empty; predictions for documents not in gold are ignored, as in GTT's scorer)."""
    by_slot = {s: TemplateCounts() for s in ("incident_type", *roles)}
    rep = TemplateReport(roles=tuple(roles), by_slot=by_slot)
    for doc_id in sorted(gold):
        g = normalize_templates(gold[doc_id], roles, gold=True)
        p = normalize_templates(pred.get(doc_id, ()), roles)
        counts, aligned, exact = score_document(p, g, roles, max_alignments)
        for s, c in counts.items():
            by_slot[s].add(c)
        rep.documents += 1
        rep.alignments[doc_id] = aligned
        rep.per_doc[doc_id] = _micro(counts, roles)
        if not exact:
            rep.approximated.append(doc_id)
    return rep
