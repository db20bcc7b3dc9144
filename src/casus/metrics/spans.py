"""Span scoring over core spans, whoever made them (model, CRF, second annotator, another tool's export).

Schemes (named as in SemEval-2013 task 9.1 and nervaluate; the pairing rule is casus's, below):

* ``strict``  — exact start, end and label.
* ``exact``   — exact start and end, label ignored.
* ``partial`` — boundaries overlap, label ignored; an overlapping but inexact match counts 0.5.
* ``type``    — boundaries overlap and the label matches.

For ``strict`` the counts are plain TP/FP/FN over (start, end, label) triples, so results equal
seqeval's on the same BIO sequences. For the overlap schemes each gold span is paired with at most one
predicted span and vice versa by :func:`match`: identical spans first, then greedily by the largest overlap
in characters (ties by position). This is casus's own rule. nervaluate 1.2.1 walks the predictions in order and
takes the first overlapping gold span (``partial``, ``exact``) or the closest one of the same label
(``ent_type``); the two give identical counts whenever overlaps are one to one, and may differ only where a span
overlaps several spans of the other side (tests/test_metrics_nervaluate.py checks both statements).

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


def match(gold: Sequence[SpanT], pred: Sequence[SpanT]) -> dict[int, int]:
    """The one span matching of casus (scores and error analysis alike): gold index -> pred index, one to
    one. Identical spans (start, end, label) pair first; the rest pair greedily by largest overlap in
    characters, ties by gold then prediction position (both sorted by start, end, label)."""
    g_used: dict[int, int] = {}
    p_used: set[int] = set()
    p_index = {p: i for i, p in enumerate(pred)}
    for gi, g in enumerate(gold):
        pi = p_index.get(g)
        if pi is not None and pi not in p_used:
            g_used[gi] = pi
            p_used.add(pi)
    pairs = sorted((-_overlap(g, p), gi, pi) for gi, g in enumerate(gold) if gi not in g_used
                   for pi, p in enumerate(pred) if pi not in p_used and _overlap(g, p) > 0)
    for _, gi, pi in pairs:
        if gi in g_used or pi in p_used:
            continue
        g_used[gi] = pi
        p_used.add(pi)
    return g_used


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
    # overlap schemes: the one-to-one matching of match()
    g_used = match(gold, pred)
    p_used = set(g_used.values())
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
