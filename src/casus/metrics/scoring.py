"""The one span-scoring path: per-document counts under every scheme (:func:`casus.metrics.spans.score_document`),
their aggregate, and bootstrap CIs over documents. Training's dev/test figures, ``casus evaluate``, ``report``,
``compare`` and ``reproduce`` all score spans through :func:`score_spans`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from .bootstrap import bootstrap_ci, macro_f1_ci
from .spans import DocScore, SpanReport, SpanT, aggregate, score_document


@dataclass
class SpanScores:
    report: SpanReport
    per_doc: dict[str, DocScore]
    ci: dict[str, Any] = field(default_factory=dict)


def score_spans(gold: Mapping[str, Iterable[SpanT]], pred: Mapping[str, Iterable[SpanT]], labels: Sequence[str], *,
                seed: int = 0, n_boot: int = 1000, schemes: Sequence[str] = ("strict", "partial"),
                macro_ci: bool = False) -> SpanScores:
    """Score the documents present on both sides (callers report one-sided documents themselves). CIs: micro
    F1 per scheme in ``schemes`` and strict F1 per label; with ``macro_ci`` also macro F1 per scheme."""
    docs = sorted(set(gold) & set(pred))
    per_doc = {d: score_document(gold[d], pred[d]) for d in docs}
    report = aggregate(list(per_doc.values()), labels)
    ci: dict[str, Any] = {}
    if per_doc and n_boot:
        ci = bootstrap_ci(per_doc, labels, seed=seed, n=n_boot, schemes=schemes)
        if macro_ci:
            for sch in schemes:
                ci[f"{sch}_macro_f1"] = macro_f1_ci(per_doc, labels, sch, seed, n_boot)
    return SpanScores(report=report, per_doc=per_doc, ci=ci)
