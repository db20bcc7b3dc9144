"""Error analysis: every gold and predicted span aligned by the one matching of the span scores
(:func:`casus.metrics.spans.match`), classed as correct, wrong label, wrong boundary, both, missed or spurious;
and the label confusion matrix over those alignments."""

from __future__ import annotations

from typing import Any, Sequence

from ..metrics.agreement import triples
from ..metrics.spans import match
from .scoring import Evaluation


ERROR_CLASSES = ("correct", "wrong_label", "wrong_boundary", "wrong_label_boundary", "missed", "spurious")


def align_spans(gold: Sequence[tuple[int, int, str]], pred: Sequence[tuple[int, int, str]]) -> list[dict[str, Any]]:
    """One entry per gold/pred pairing of :func:`casus.metrics.spans.match` (identical spans first, then one to
    one by largest overlap), so the error classes agree with the exact/partial/type counts. Each entry has
    ``gold``, ``pred`` (a triple or None) and ``error`` (one of ERROR_CLASSES)."""
    gold = sorted(set(gold))
    pred = sorted(set(pred))
    pairs = match(gold, pred)
    out: list[dict[str, Any]] = []
    for gi, g in enumerate(gold):
        if gi not in pairs:
            out.append({"gold": g, "pred": None, "error": "missed"})
            continue
        p = pred[pairs[gi]]
        if p == g:
            err = "correct"
        elif (g[0], g[1]) == (p[0], p[1]):
            err = "wrong_label"
        else:
            err = "wrong_boundary" if g[2] == p[2] else "wrong_label_boundary"
        out.append({"gold": g, "pred": p, "error": err})
    used = set(pairs.values())
    out += [{"gold": None, "pred": p, "error": "spurious"} for pi, p in enumerate(pred) if pi not in used]
    out.sort(key=lambda e: (e["gold"] or e["pred"])[:2])
    return out


def confusion(ev: Evaluation) -> tuple[list[str], list[list[int]]]:
    """Label confusion over aligned (overlapping) gold/pred span pairs, with a ``none`` row/column for
    missed (gold label -> none) and spurious (none -> pred label) spans. Rows: gold; columns: predicted."""
    from sklearn.metrics import confusion_matrix

    y_true, y_pred = [], []
    for g, p in ev.pairing.pairs.values():
        for e in align_spans(triples(g, ev.labels, ev.trigger_label), triples(p, ev.labels, ev.trigger_label)):
            y_true.append(e["gold"][2] if e["gold"] else "none")
            y_pred.append(e["pred"][2] if e["pred"] else "none")
    labels = list(ev.labels) + ["none"]
    if not y_true:
        return labels, [[0] * len(labels) for _ in labels]
    m = confusion_matrix(y_true, y_pred, labels=labels)
    return labels, [[int(x) for x in row] for row in m]
