"""Inter-annotator agreement: pairwise span F1 (the model matcher), token Cohen's kappa, attributes, events.

Every pair of annotation sources (independent passes, and each pass against gold) is compared over the
documents both annotated, with exactly the matcher used to score models (:mod:`casus.metrics.spans`):
strict and partial span F1, micro and per label. F1 is symmetric in the two sides; precision and recall
are reported with ``b`` as the reference (for a pass against gold, ``b`` is gold).

Cohen's kappa is computed on word tokens (:func:`casus.align.tokenize`, split at every span boundary of
either side so each span covers whole tokens) labelled with BIO tags (:func:`casus.align.bio_tags`),
pooled over the shared documents (``sklearn.metrics.cohen_kappa_score``). When both sides give every
token the same tag, kappa is reported as 1.0 (sklearn's 0/0 would be NaN).
"""

from __future__ import annotations

from itertools import combinations
from typing import Any, Iterable, Mapping, Sequence

from ..align import bio_tags, span_boundaries, tokenize
from ..model import AnnotationSet, Span
from .bootstrap import bootstrap_ci
from .scoring import score_spans
from .events import has_events, score_events
from .spans import Counts, DocScore, aggregate

CASUALTY_LABEL = "CASUALTY"
CASUALTY_ATTRS = ("status", "count", "group")


def entity_spans(aset: AnnotationSet, labels: Sequence[str] | None = None, trigger_label: str = "TRIGGER") -> list[Span]:
    """The spans of ``aset`` with a label in ``labels``; without ``labels``, every entity span (trigger spans
    are left out unless ``labels`` names the trigger label)."""
    if labels is None:
        return [s for s in aset.spans if s.label != trigger_label]
    keep = set(labels)
    return [s for s in aset.spans if s.label in keep]


def triples(aset: AnnotationSet, labels: Sequence[str] | None = None,
            trigger_label: str = "TRIGGER") -> list[tuple[int, int, str]]:
    return [(s.start, s.end, s.label) for s in entity_spans(aset, labels, trigger_label)]


def carries_attrs(asets: Iterable[AnnotationSet], label: str = CASUALTY_LABEL) -> bool:
    return any(s.attrs for a in asets for s in a.spans if s.label == label)


def attribute_accuracy(pairs: Iterable[tuple[AnnotationSet, AnnotationSet]], label: str = CASUALTY_LABEL,
                       attrs: Sequence[str] = CASUALTY_ATTRS) -> dict[str, Any]:
    """Attribute accuracy on strictly matched ``label`` spans (same start, end and label) where both
    sides carry attributes. Per attribute, pairs where neither side sets it are not counted; ``count``
    is compared exactly. ``all`` counts spans whose listed attributes all agree."""
    matched = 0
    all_ok = 0
    per = {a: [0, 0] for a in attrs}  # correct, compared
    for g, p in pairs:
        pm = {(s.start, s.end): s for s in p.spans if s.label == label}
        for s in g.spans:
            if s.label != label:
                continue
            q = pm.get((s.start, s.end))
            if q is None or not s.attrs or not q.attrs:
                continue
            matched += 1
            ok = True
            for a in attrs:
                gv, pv = s.attrs.get(a), q.attrs.get(a)
                if gv is None and pv is None:
                    continue
                per[a][1] += 1
                if gv == pv:
                    per[a][0] += 1
                else:
                    ok = False
            all_ok += ok
    return {
        "label": label,
        "matched_spans": matched,
        "attributes": {a: {"accuracy": (c / n if n else None), "correct": c, "compared": n}
                       for a, (c, n) in per.items()},
        "all": {"accuracy": (all_ok / matched if matched else None), "correct": all_ok, "compared": matched},
    }


def token_kappa(pairs: Iterable[tuple[AnnotationSet, AnnotationSet]], labels: Sequence[str] | None = None,
                trigger_label: str = "TRIGGER") -> dict[str, Any]:
    """Cohen's kappa over BIO tags of word tokens, pooled over documents (a = first, b = second side)."""
    from sklearn.metrics import cohen_kappa_score

    y1: list[str] = []
    y2: list[str] = []
    for a, b in pairs:
        sa, sb = entity_spans(a, labels, trigger_label), entity_spans(b, labels, trigger_label)
        toks = tokenize(a.text, span_boundaries(sa) | span_boundaries(sb))
        y1 += bio_tags(toks, sa)[0]
        y2 += bio_tags(toks, sb)[0]
    if not y1:
        return {"kappa": None, "tokens": 0, "observed_agreement": None}
    observed = sum(1 for u, v in zip(y1, y2) if u == v) / len(y1)
    if y1 == y2:
        kappa = 1.0
    else:
        kappa = float(cohen_kappa_score(y1, y2))
    return {"kappa": kappa, "tokens": len(y1), "observed_agreement": observed}


def pair_agreement(a: Mapping[str, AnnotationSet], b: Mapping[str, AnnotationSet], name_a: str, name_b: str,
                   labels: Sequence[str], trigger_label: str = "TRIGGER", seed: int = 0,
                   n_boot: int = 1000) -> tuple[dict[str, Any], dict[str, DocScore]]:
    """One row: ``a`` against ``b`` (``b`` the reference) over the documents both hold."""
    ids = sorted(set(a) & set(b))
    pairs = [(b[i], a[i]) for i in ids]  # (reference, other)
    scored = score_spans({i: triples(b[i], labels, trigger_label) for i in ids},
                         {i: triples(a[i], labels, trigger_label) for i in ids}, labels, seed=seed, n_boot=n_boot)
    per_doc, rep, ci = scored.per_doc, scored.report, scored.ci
    strict, partial = rep.micro("strict"), rep.micro("partial")
    row: dict[str, Any] = {
        "a": name_a, "b": name_b, "documents": len(ids), "doc_ids": ids,
        "strict_f1": strict.f1, "strict_precision": strict.precision, "strict_recall": strict.recall,
        "partial_f1": partial.f1, "exact_f1": rep.micro("exact").f1, "type_f1": rep.micro("type").f1,
        "strict_macro_f1": rep.macro_f1("strict"), "partial_macro_f1": rep.macro_f1("partial"),
        "strict_counts": strict.as_dict(), "partial_counts": partial.as_dict(),
        "ci95": ci,
        "per_label": {lab: {"strict": rep.per_scheme["strict"].get(lab, Counts()).as_dict(),
                            "partial": rep.per_scheme["partial"].get(lab, Counts()).as_dict()} for lab in labels},
    }
    row.update({k: v for k, v in token_kappa(pairs, labels, trigger_label).items()})
    row["attributes"] = (attribute_accuracy(pairs) if carries_attrs([x for x, _ in pairs])
                         and carries_attrs([y for _, y in pairs]) else None)
    row["events"] = (score_events(dict(zip(ids, pairs)), seed=seed, n_boot=n_boot)
                     if has_events([x for x, _ in pairs]) and has_events([y for _, y in pairs]) else None)
    return row, per_doc


def _pooled(per_doc: Mapping[str, DocScore], labels: Sequence[str], seed: int, n_boot: int) -> dict[str, Any]:
    rep = aggregate(list(per_doc.values()), labels)
    out = {"documents": len({k.split("\t", 1)[1] for k in per_doc}), "pairs": len(per_doc),
           "strict_f1": rep.micro("strict").f1, "partial_f1": rep.micro("partial").f1,
           "strict_macro_f1": rep.macro_f1("strict")}
    if n_boot:
        out["strict_f1_ci95"] = bootstrap_ci(per_doc, labels, seed=seed, n=n_boot).get("strict_micro_f1")
    return out


def agreement(sets: Mapping[str, Mapping[str, AnnotationSet]], labels: Sequence[str], gold: str = "gold",
              trigger_label: str = "TRIGGER", seed: int = 0, n_boot: int = 1000,
              groups: Mapping[str, Mapping[str, str]] | None = None,
              originals: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Rows for every pair of non-gold sources (alphabetical) and each source against ``gold`` (when
    present). ``passes_vs_gold`` pools every pass-against-gold document (the human ceiling).

    ``groups`` (e.g. ``{"style": {doc_id: style}, "split": {doc_id: split}}``) adds ``passes_vs_gold_by``:
    the same pooled figure, with its bootstrap CI, for each value of each grouping (documents without a
    value are grouped under ``"-"``).

    ``originals`` maps a document to the source holding its author's own annotation as written, before
    adjudication (``annotations/passes/<writer>/``, see :func:`original_versions`). For those documents a
    blind pass is pooled against that original, not against the adjudicated gold (which the pass itself
    helped to settle), and the originals themselves are never pooled: the pooled figure is always two
    independent annotations of the same text."""
    names = sorted(n for n in sets if n != gold)
    rows: list[dict[str, Any]] = []
    skipped: list[dict[str, str]] = []
    pooled: list[DocScore] = []
    pooled_docs: set[str] = set()
    pooled_by: dict[str, DocScore] = {}
    jobs = list(combinations(names, 2)) + ([(n, gold) for n in names] if gold in sets else [])
    for x, y in jobs:
        if not set(sets[x]) & set(sets[y]):
            skipped.append({"a": x, "b": y, "reason": "no shared documents"})
            continue
        row, per_doc = pair_agreement(sets[x], sets[y], x, y, labels, trigger_label, seed, n_boot)
        rows.append(row)
        orig = originals or {}
        if x in set(orig.values()):
            continue  # an original version against gold or another pass is not an independent pair
        if y == gold:
            keep = {d: sc for d, sc in per_doc.items() if d not in orig}
        else:
            keep = {d: sc for d, sc in per_doc.items() if orig.get(d) == y}
        pooled.extend(keep.values())
        pooled_docs |= set(keep)
        pooled_by.update({f"{x}\t{d}": sc for d, sc in keep.items()})
    docs = sorted({d for r in rows for d in r["doc_ids"]})
    out: dict[str, Any] = {"documents": len(docs), "labels": list(labels), "annotators": names,
                           "rows": rows, "skipped": skipped,
                           "note": "F1 is symmetric; precision/recall take b as the reference"}
    if pooled:
        rep = aggregate(pooled, labels)
        out["passes_vs_gold"] = {"reference": "gold, or the document's original version where one is kept","documents": len(pooled_docs), "pairs": len(pooled),
                                 "strict_f1": rep.micro("strict").f1, "partial_f1": rep.micro("partial").f1,
                                 "strict_macro_f1": rep.macro_f1("strict")}
    else:
        out["passes_vs_gold"] = None
    if groups and pooled_by:
        out["passes_vs_gold_by"] = {}
        for key, where in groups.items():
            values = sorted({where.get(k.split("\t", 1)[1], "-") for k in pooled_by})
            out["passes_vs_gold_by"][key] = {
                v: _pooled({k: sc for k, sc in pooled_by.items() if where.get(k.split("\t", 1)[1], "-") == v},
                           labels, seed, n_boot) for v in values}
    return out


def agreement_groups(repo: Any) -> dict[str, dict[str, str]]:
    """The groupings ``casus agree`` reports: each gold document's ``style`` (``wire-v1`` for the first corpus,
    which has none), ``writer`` and split (from annotations/splits.json, when present)."""
    import json

    style: dict[str, str] = {}
    writer: dict[str, str] = {}
    for d in repo.gold_ids():
        meta = repo.annotation(d).document.metadata
        style[d] = str(meta.get("style") or "wire-v1")
        writer[d] = str(meta.get("writer") or "corpus-v1")
    out = {"style": style, "writer": writer}
    if repo.splits_path.is_file():
        data = json.loads(repo.splits_path.read_text(encoding="utf-8"))
        out["split"] = {d: name for name, ids in (data.get("splits") or {}).items() for d in ids}
    return out


def original_versions(repo: Any) -> dict[str, str]:
    """Documents whose author's own annotation, as written before adjudication, is kept as a pass named after
    the ``writer`` in their metadata: {doc_id: pass name}."""
    out: dict[str, str] = {}
    have = set(repo.annotators())
    for d in repo.gold_ids():
        w = repo.annotation(d).document.metadata.get("writer")
        if w and str(w) in have and d in set(repo.pass_ids(str(w))):
            out[d] = str(w)
    return out


def blind_reference(repo: Any, doc_id: str, originals: Mapping[str, str]) -> AnnotationSet:
    """What a blind pass of ``doc_id`` is scored against: the original version if kept, else gold."""
    return repo.annotation(doc_id, originals[doc_id]) if doc_id in originals else repo.annotation(doc_id)
