"""Scoring: the one path from paired documents to figures (spans under every scheme, casualty attributes,
events), with bootstrap CIs over documents. ``casus evaluate``, ``report``, ``compare`` and ``reproduce`` use
:func:`evaluate`; training's dev/test figures use the same span scorer, :func:`casus.metrics.spans.score_spans`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from ..align import mid_word_spans
from ..metrics.agreement import CASUALTY_LABEL, attribute_accuracy, carries_attrs, triples
from ..metrics.events import has_events, score_events
from ..metrics.scoring import score_spans
from ..metrics.spans import SCHEMES, Counts, DocScore, SpanReport
from ..model import AnnotationSet
from ..schema import Schema
from .pairing import Pairing, pair_documents


def default_labels(schema: Schema | None, asets: Sequence[AnnotationSet], trigger_label: str = "TRIGGER") -> list[str]:
    """Entity labels that occur on either side, in schema order, then any others alphabetically."""
    seen = {s.label for a in asets for s in a.spans if s.label != trigger_label}
    order = [lab for lab in (schema.entity_labels if schema else []) if lab in seen]
    return order + sorted(seen - set(order))


def parse_labels(values: Sequence[str] | None) -> list[str] | None:
    if not values:
        return None
    out: list[str] = []
    for v in values:
        out += [x.strip() for x in v.split(",") if x.strip()]
    return out or None


@dataclass
class Evaluation:
    pairing: Pairing
    labels: list[str]
    report: SpanReport
    per_doc: dict[str, DocScore]
    ci: dict[str, Any]
    attributes: dict[str, Any] | None
    events: dict[str, Any] | None
    trigger_label: str = "TRIGGER"

    def micro(self, scheme: str = "strict") -> Counts:
        return self.report.micro(scheme)

    def f1_ci(self, key: str) -> list[float] | None:
        return self.ci.get(key)

    def mid_word_spans(self) -> dict[str, int]:
        """Spans starting or ending inside a word (casus.align.inside_word), per side: counted, never fixed."""
        out = {"gold": 0, "pred": 0}
        for g, p in self.pairing.pairs.values():
            out["gold"] += len(mid_word_spans(g.document.text, g.spans))
            out["pred"] += len(mid_word_spans(p.document.text, p.spans))
        return out

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"labels": self.labels, "documents": len(self.per_doc)}
        out.update(self.report.as_dict())
        out["mid_word_spans"] = self.mid_word_spans()
        out["ci95"] = self.ci
        out["matching"] = self.pairing.as_dict()
        out["attributes"] = self.attributes
        out["events"] = self.events
        return out


def evaluate(gold: Mapping[str, AnnotationSet], pred: Mapping[str, AnnotationSet], *,
             labels: Sequence[str] | None = None, schema: Schema | None = None, seed: int = 0,
             n_boot: int = 1000, pairing: Pairing | None = None) -> Evaluation:
    """Score ``pred`` against ``gold`` on the paired documents (see :func:`pair_documents`)."""
    trigger_label = schema.trigger_label if schema else "TRIGGER"
    pairing = pairing or pair_documents(gold, pred)
    pairs = pairing.pairs
    flat = [x for g, p in pairs.values() for x in (g, p)]
    labs = list(labels) if labels else default_labels(schema, flat, trigger_label)
    scored = score_spans({d: triples(g, labs, trigger_label) for d, (g, _) in pairs.items()},
                         {d: triples(p, labs, trigger_label) for d, (_, p) in pairs.items()}, labs,
                         seed=seed, n_boot=n_boot, schemes=SCHEMES, macro_ci=True)
    report, per_doc, ci = scored.report, scored.per_doc, scored.ci
    golds = [g for g, _ in pairs.values()]
    preds = [p for _, p in pairs.values()]
    attributes = None
    if carries_attrs(golds) and carries_attrs(preds):
        attributes = attribute_accuracy(pairs.values(), CASUALTY_LABEL)
    events = None
    if has_events(golds) and has_events(preds):
        events = score_events(pairs, seed=seed, n_boot=n_boot)
    return Evaluation(pairing=pairing, labels=labs, report=report, per_doc=per_doc, ci=ci, attributes=attributes,
                      events=events, trigger_label=trigger_label)


def fmt_ci(ci: Sequence[float] | None) -> str:
    if not ci or any(x is None or (isinstance(x, float) and math.isnan(x)) for x in ci):
        return ""
    return f"[{ci[0]:.3f}, {ci[1]:.3f}]"
