"""The annotator ceiling of the event stage: each independent pass scored against gold with the same trigger,
argument and record measures as the model (``ceiling`` in an events run's metrics.json)."""

from __future__ import annotations

from typing import Any

from ..model import AnnotationSet
from ..store import Repo
from .event_inputs import EVENT_KEYS, _summary, casualty_triples


def annotator_ceiling(repo: Repo, split_ids: dict[str, list[str]], seed: int = 0, n_boot: int = 1000) -> dict[str, Any]:
    """Each annotator's independent pass against gold on the dev/test documents it covers: event
    scores, record scores and casualty attribute accuracy (the same functions as for the model)."""
    from ..metrics.agreement import blind_reference, original_versions

    out: dict[str, Any] = {}
    schema = repo.schema
    pooled: dict[str, dict[str, tuple[AnnotationSet, AnnotationSet]]] = {}
    originals = original_versions(repo)  # authors' own versions: references, not annotators of the ceiling
    for ann in [a for a in repo.annotators() if a not in set(originals.values())]:
        res: dict[str, Any] = {}
        for split, ids in split_ids.items():
            have = [d for d in ids if d in set(repo.pass_ids(ann))]
            if not have:
                continue
            pairs = {}
            for d in have:
                try:
                    pairs[d] = (blind_reference(repo, d, originals), repo.annotation(d, ann))
                except Exception:  # an unreadable pass is skipped, not fatal  # noqa: BLE001
                    continue
            if not pairs:
                continue
            pooled.setdefault(split, {}).update({f"{ann}/{d}": v for d, v in pairs.items()})
            res[split] = _ceiling_scores(pairs, schema, seed, n_boot)
        if res:
            out[ann] = res
    for split, pairs in pooled.items():
        out.setdefault("pooled", {})[split] = _ceiling_scores(pairs, schema, seed, n_boot)
    if out:
        out["note"] = ("blind passes scored against gold with the model's scorers; 'pooled' treats every "
                       "(annotator, document) as one resampling unit")
    return out


def _ceiling_scores(pairs: dict[str, tuple[AnnotationSet, AnnotationSet]], schema, seed: int, n_boot: int) -> dict[str, Any]:
    from ..events.records import assemble_records
    from ..metrics.events import score_events, score_modality
    from ..metrics.records import casualty_attribute_accuracy, score_records

    ev = score_events(pairs, seed=seed, n_boot=n_boot)
    recs = score_records({d: (assemble_records(g, schema), assemble_records(p, schema)) for d, (g, p) in pairs.items()},
                         seed=seed, n_boot=n_boot)
    cas = casualty_attribute_accuracy([(casualty_triples(g), casualty_triples(p)) for g, p in pairs.values()])
    return {"documents": len(pairs), "events": _summary(ev, EVENT_KEYS), "records": recs, "casualty_attributes": cas,
            "modality": score_modality(pairs, seed=seed, n_boot=n_boot)}
