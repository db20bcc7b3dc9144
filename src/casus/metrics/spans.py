"""Span scoring over core spans, whoever made them (model, CRF, second annotator, another tool's export).

Schemes (as in nervaluate / SemEval-2013 task 9.1):

* ``strict``  — exact start, end and label.
* ``exact``   — exact start and end, label ignored.
* ``partial`` — boundaries overlap, label ignored; an overlapping but inexact match counts 0.5.
* ``type``    — boundaries overlap and the label matches.

For ``strict`` the counts are plain TP/FP/FN over (start, end, label) triples, so results equal
seqeval's on the same BIO sequences. For the overlap schemes each gold span is matched to at most one
predicted span and vice versa (greedy by largest overlap, then position), as nervaluate does.

Counts are kept per document so that bootstrap resampling over documents (``metrics.bootstrap``) is cheap.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

SCHEMES = ("strict", "exact", "partial", "type")
SpanT = tuple[int, int, str]


@dataclass
class Counts:
    tp: float = 0.0
    fp: float = 0.0
    fn: float = 0.0

    def add(self, other: "Counts") -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float]:
        return {"precision": self.precision, "recall": self.recall, "f1": self.f1,
                "tp": self.tp, "fp": self.fp, "fn": self.fn}


@dataclass
class DocScore:
    """Per-document counts: scheme -> label -> Counts (label "*" is the label-agnostic total)."""

    counts: dict[str, dict[str, Counts]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(Counts)))


def _overlap(a: SpanT, b: SpanT) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def score_document(gold: Iterable[SpanT], pred: Iterable[SpanT]) -> DocScore:
    gold = sorted(set(gold))
    pred = sorted(set(pred))
    ds = DocScore()
    c = ds.counts
    # strict: triples
    gset, pset = set(gold), set(pred)
    for s in gset & pset:
        c["strict"][s[2]].tp += 1
    for s in pset - gset:
        c["strict"][s[2]].fp += 1
    for s in gset - pset:
        c["strict"][s[2]].fn += 1
    # overlap schemes: one-to-one greedy matching by overlap size
    pairs = [(-_overlap(g, p), gi, pi) for gi, g in enumerate(gold) for pi, p in enumerate(pred) if _overlap(g, p) > 0]
    pairs.sort()
    g_used: dict[int, int] = {}
    p_used: set[int] = set()
    for _, gi, pi in pairs:
        if gi in g_used or pi in p_used:
            continue
        g_used[gi] = pi
        p_used.add(pi)
    for gi, g in enumerate(gold):
        lab = g[2]
        if gi not in g_used:
            for sch in ("exact", "partial", "type"):
                c[sch][lab].fn += 1
            continue
        p = pred[g_used[gi]]
        same_bounds = (g[0], g[1]) == (p[0], p[1])
        # exact: boundaries equal, type ignored
        if same_bounds:
            c["exact"][lab].tp += 1
        else:
            c["exact"][lab].fn += 1
            c["exact"][p[2]].fp += 1
        # partial: overlap, half credit unless exact
        if same_bounds:
            c["partial"][lab].tp += 1
        else:
            c["partial"][lab].tp += 0.5
            c["partial"][lab].fn += 0.5
            c["partial"][p[2]].fp += 0.5
        # type: overlap with the same label
        if p[2] == lab:
            c["type"][lab].tp += 1
        else:
            c["type"][lab].fn += 1
            c["type"][p[2]].fp += 1
    for pi, p in enumerate(pred):
        if pi not in p_used:
            for sch in ("exact", "partial", "type"):
                c[sch][p[2]].fp += 1
    return ds


@dataclass
class SpanReport:
    labels: list[str]
    per_scheme: dict[str, dict[str, Counts]]

    def micro(self, scheme: str = "strict") -> Counts:
        tot = Counts()
        for lab in self.labels:
            tot.add(self.per_scheme[scheme].get(lab, Counts()))
        return tot

    def macro_f1(self, scheme: str = "strict") -> float:
        if not self.labels:
            return 0.0
        return sum(self.per_scheme[scheme].get(lab, Counts()).f1 for lab in self.labels) / len(self.labels)

    def as_dict(self) -> dict:
        out: dict = {}
        for sch in SCHEMES:
            m = self.micro(sch)
            out[sch] = {"micro": m.as_dict(), "macro_f1": self.macro_f1(sch),
                        "per_label": {lab: self.per_scheme[sch].get(lab, Counts()).as_dict() for lab in self.labels}}
        return out


def aggregate(doc_scores: Sequence[DocScore], labels: Sequence[str] | None = None) -> SpanReport:
    per: dict[str, dict[str, Counts]] = {s: defaultdict(Counts) for s in SCHEMES}
    seen: set[str] = set()
    for ds in doc_scores:
        for sch, by_label in ds.counts.items():
            for lab, cnt in by_label.items():
                per[sch][lab].add(cnt)
                seen.add(lab)
    labs = list(labels) if labels is not None else sorted(seen)
    # labels never seen in gold or predictions still get a row (all zeros) when asked for
    return SpanReport(labels=labs, per_scheme={k: dict(v) for k, v in per.items()})


def score_corpus(gold: Mapping[str, Iterable[SpanT]], pred: Mapping[str, Iterable[SpanT]],
                 labels: Sequence[str] | None = None) -> tuple[SpanReport, dict[str, DocScore]]:
    """Score documents present on both sides (callers report one-sided documents themselves)."""
    docs = sorted(set(gold) & set(pred))
    per_doc = {d: score_document(gold[d], pred[d]) for d in docs}
    return aggregate(list(per_doc.values()), labels), per_doc
