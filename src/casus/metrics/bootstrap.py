"""Bootstrap confidence intervals and paired tests, resampling documents (never tokens or sentences).

Documents are the unit of annotation and of error correlation, so CIs resample whole documents with
replacement and recompute micro F1 from the summed per-document counts.
"""

from __future__ import annotations

import random
from typing import Iterator, Mapping, Sequence, TypeVar

from .spans import Counts, DocScore

T = TypeVar("T")


def resample_indices(m: int, seed: int = 0, n: int = 1000) -> Iterator[list[int]]:
    """The one resampler: ``n`` lists of ``m`` indices drawn with replacement from ``range(m)`` (documents);
    every CI and paired test below draws through it (same seed, same resamples)."""
    rng = random.Random(seed)
    for _ in range(n):
        yield [rng.randrange(m) for _ in range(m)]


def resamples(units: Sequence[T], seed: int = 0, n: int = 1000) -> Iterator[list[T]]:
    """``n`` bootstrap resamples of ``units`` (documents), each drawn with replacement, same size."""
    for idx in resample_indices(len(units), seed, n):
        yield [units[i] for i in idx]


def percentile_interval(values: Sequence[float], alpha: float = 0.05) -> list[float]:
    """The ``1 - alpha`` percentile interval of bootstrap statistics."""
    vals = sorted(values)
    k = len(vals)
    return [vals[int((alpha / 2) * (k - 1))], vals[int((1 - alpha / 2) * (k - 1))]]


def _micro(docs: Sequence[DocScore], labels: Sequence[str], scheme: str) -> float:
    tot = Counts()
    for d in docs:
        for lab in labels:
            c = d.counts.get(scheme, {}).get(lab)
            if c is not None:
                tot.add(c)
    return tot.f1


def _label_f1(docs: Sequence[DocScore], label: str, scheme: str) -> float:
    tot = Counts()
    for d in docs:
        c = d.counts.get(scheme, {}).get(label)
        if c is not None:
            tot.add(c)
    return tot.f1


def bootstrap_ci(per_doc: Mapping[str, DocScore], labels: Sequence[str], seed: int = 0, n: int = 1000,
                 alpha: float = 0.05, schemes: Sequence[str] = ("strict", "partial")) -> dict:
    """95 % percentile CIs of micro F1 (per scheme) and per-label strict F1."""
    ids = sorted(per_doc)
    if not ids:
        return {}
    docs = [per_doc[i] for i in ids]
    samples: dict[str, list[float]] = {f"{s}_micro_f1": [] for s in schemes}
    samples.update({f"strict_f1:{lab}": [] for lab in labels})
    for pick in resamples(docs, seed, n):
        for s in schemes:
            samples[f"{s}_micro_f1"].append(_micro(pick, labels, s))
        for lab in labels:
            samples[f"strict_f1:{lab}"].append(_label_f1(pick, lab, "strict"))
    out: dict = {k: percentile_interval(vals, alpha) for k, vals in samples.items()}
    out["resamples"] = n
    out["unit"] = "document"
    return out


def paired_bootstrap(a: Mapping[str, DocScore], b: Mapping[str, DocScore], labels: Sequence[str], seed: int = 0,
                     n: int = 2000, scheme: str = "strict") -> dict:
    """Paired bootstrap over shared documents: difference b - a in micro F1, its 95 % CI, and a two-sided
    p-value (share of resamples whose difference has the other sign than the observed, doubled)."""
    ids = sorted(set(a) & set(b))
    if set(a) != set(b):
        raise ValueError("paired comparison needs the same documents on both sides")
    da, db = [a[i] for i in ids], [b[i] for i in ids]
    observed = _micro(db, labels, scheme) - _micro(da, labels, scheme)
    diffs = []
    for idx in resample_indices(len(ids), seed, n):
        diffs.append(_micro([db[i] for i in idx], labels, scheme) - _micro([da[i] for i in idx], labels, scheme))
    diffs.sort()
    if observed >= 0:
        tail = sum(1 for d in diffs if d <= 0) / n
    else:
        tail = sum(1 for d in diffs if d >= 0) / n
    return {"difference": observed, "ci95": [diffs[int(0.025 * (n - 1))], diffs[int(0.975 * (n - 1))]],
            "p_value": min(1.0, 2 * tail), "resamples": n, "documents": len(ids), "scheme": scheme}


def paired_counts_bootstrap(a: Sequence[Mapping[str, Counts]], b: Sequence[Mapping[str, Counts]], key: str,
                            stat: str = "f1", seed: int = 0, n: int = 2000) -> dict:
    """Paired bootstrap over documents for any per-document counts (event and record scores): ``a`` and ``b``
    are per-document ``{key: Counts}`` in the same document order; ``stat`` is ``f1`` or ``accuracy``
    (= recall: correct / gold). Returns the difference b - a, its 95 % CI and a two-sided p-value."""
    if len(a) != len(b):
        raise ValueError("paired comparison needs the same documents on both sides")

    def value(docs: Sequence[Mapping[str, Counts]], idx: Sequence[int]) -> float:
        tot = Counts()
        for i in idx:
            c = docs[i].get(key)
            if c is not None:
                tot.add(c)
        return tot.recall if stat == "accuracy" else tot.f1

    every = range(len(a))
    va, vb = value(a, every), value(b, every)
    diffs = []
    for idx in resample_indices(len(a), seed, n):
        diffs.append(value(b, idx) - value(a, idx))
    diffs.sort()
    observed = vb - va
    tail = (sum(1 for d in diffs if d <= 0) if observed >= 0 else sum(1 for d in diffs if d >= 0)) / n
    return {"a": va, "b": vb, "difference": observed,
            "ci95": [diffs[int(0.025 * (n - 1))], diffs[int(0.975 * (n - 1))]],
            "p_value": min(1.0, 2 * tail), "resamples": n, "documents": len(a), "stat": stat}


def macro_f1_ci(per_doc: Mapping[str, DocScore], labels: Sequence[str], scheme: str = "strict", seed: int = 0,
                n: int = 1000, alpha: float = 0.05) -> list[float] | None:
    """Percentile CI of macro F1 (the mean of per-label F1) under ``scheme``, resampling documents through
    :func:`resample_indices` (seed + 1, so it does not reuse the micro CIs' draws); vectorised as resample
    weights x per-document count matrix."""
    import numpy as np

    ids = sorted(per_doc)
    if not ids or not labels or not n:
        return None
    counts = np.zeros((len(ids), len(labels), 3))
    for i, d in enumerate(ids):
        by_label = per_doc[d].counts.get(scheme, {})
        for j, lab in enumerate(labels):
            c = by_label.get(lab)
            if c is not None:
                counts[i, j] = (c.tp, c.fp, c.fn)
    flat = counts.reshape(len(ids), -1)
    weights = np.stack([np.bincount(idx, minlength=len(ids)) for idx in resample_indices(len(ids), seed + 1, n)])
    tot = (weights.astype(float) @ flat).reshape(n, len(labels), 3)
    tp, fp, fn = tot[..., 0], tot[..., 1], tot[..., 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        denom = 2 * tp + fp + fn
        f1 = np.where(denom > 0, 2 * tp / np.where(denom > 0, denom, 1), 0.0)
    return percentile_interval(f1.mean(axis=1).tolist(), alpha)
