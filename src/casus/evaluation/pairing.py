"""Pairing gold and predicted documents: by id, then by identical text, then by text equal up to
whitespace (CoNLL rebuilds texts); a predicted text that differs only in whitespace has its offsets moved onto
the gold text. Documents on one side only are listed and counted, never silently dropped; they are not scored.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any, Mapping

from ..model import AnnotationSet, Argument, Document, Event, Span


def squash(text: str) -> str:
    return "".join(text.split())


def remap_onto(pred: AnnotationSet, doc: Document) -> AnnotationSet | None:
    """``pred`` moved onto ``doc``'s text when the two texts differ in whitespace only (else None).

    A span keeps its first and last non-whitespace characters; spans of whitespace only are dropped,
    and so are events whose trigger was dropped (and arguments pointing at dropped spans)."""
    src, dst = pred.text, doc.text
    if src == dst:
        return pred.with_(document=doc)
    sp = [i for i, c in enumerate(src) if not c.isspace()]
    dp = [i for i, c in enumerate(dst) if not c.isspace()]
    if len(sp) != len(dp) or any(src[i] != dst[j] for i, j in zip(sp, dp)):
        return None
    spans = []
    for s in pred.spans:
        k0 = bisect.bisect_left(sp, s.start)
        k1 = bisect.bisect_left(sp, s.end) - 1
        if k0 > k1:
            continue
        spans.append(Span(id=s.id, start=dp[k0], end=dp[k1] + 1, label=s.label, attrs=s.attrs))
    kept = {s.id for s in spans}
    events = [Event(id=e.id, type=e.type, subtype=e.subtype, trigger=e.trigger, attrs=e.attrs,
                    args=tuple(Argument(role=a.role, span=a.span) for a in e.args if a.span in kept))
              for e in pred.events if e.trigger in kept]
    return AnnotationSet(document=doc, spans=tuple(spans), events=tuple(events), annotator=pred.annotator,
                         provenance=pred.provenance)


@dataclass
class Pairing:
    pairs: dict[str, tuple[AnnotationSet, AnnotationSet]]  # gold doc id -> (gold, pred on the gold text)
    by_text: list[tuple[str, str]] = field(default_factory=list)        # (gold id, pred id)
    remapped: list[str] = field(default_factory=list)                   # whitespace-only text differences
    gold_only: list[str] = field(default_factory=list)
    pred_only: list[str] = field(default_factory=list)
    text_mismatch: list[str] = field(default_factory=list)              # same id, different text

    def as_dict(self) -> dict[str, Any]:
        return {"matched": len(self.pairs), "matched_by_text": [list(x) for x in self.by_text],
                "whitespace_remapped": self.remapped, "gold_only": self.gold_only, "pred_only": self.pred_only,
                "text_mismatch": self.text_mismatch}

    @property
    def one_sided(self) -> int:
        return len(self.gold_only) + len(self.pred_only) + len(self.text_mismatch)


def pair_documents(gold: Mapping[str, AnnotationSet], pred: Mapping[str, AnnotationSet]) -> Pairing:
    """Pair by document id, then by identical text, then by text equal up to whitespace."""
    res = Pairing(pairs={})
    g_left = dict(gold)
    p_left = dict(pred)
    for did in list(gold):
        if did not in pred:
            continue
        g, p = gold[did], pred[did]
        del g_left[did], p_left[did]
        r = remap_onto(p, g.document)
        if r is None:
            res.text_mismatch.append(did)
            continue
        if g.text != p.text:
            res.remapped.append(did)
        res.pairs[did] = (g, r)
    for key in (lambda t: t, squash):
        index: dict[str, list[str]] = {}
        for gid, g in g_left.items():
            index.setdefault(key(g.text), []).append(gid)
        for pid, p in list(p_left.items()):
            cands = [c for c in index.get(key(p.text), []) if c in g_left]
            if len(cands) != 1:
                continue
            gid = cands[0]
            r = remap_onto(p, g_left[gid].document)
            if r is None:
                continue
            g = g_left.pop(gid)
            del p_left[pid]
            if g.text != p.text:
                res.remapped.append(gid)
            res.by_text.append((gid, pid))
            res.pairs[gid] = (g, r)
    res.gold_only = sorted(g_left)
    res.pred_only = sorted(p_left)
    return res
