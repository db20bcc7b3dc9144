"""Incident templates (MUC-4 style) from a role-filler tagger: the event stage's document-level variant.

MUC-4 has no trigger annotations, so the corpus's trigger tagger and argument linker cannot be trained on
it. This module builds GTT-style templates (incident type + role-filler entities) from what can be
trained on MUC-4:

1. **Incident types** — :class:`IncidentTypeClassifier`, a multi-label document classifier (scikit-learn:
   TF-IDF of word uni- and bigrams, one logistic regression per type). Its decision threshold is chosen on
   dev by template-level F1 (:func:`tune_threshold`). One template per predicted type.
2. **Role fillers** — the spans of a casus NER run trained on MUC-4's role labels (PerpInd, PerpOrg,
   Target, Victim, Weapon), grouped into entities by normalised string
   (:func:`casus.metrics.ceaf.entities_from_mentions`).
3. **Assignment** — with one predicted type every entity goes to its template; with several, each entity
   goes to the template whose type has a cue word (:data:`TYPE_CUES`) nearest, in characters, to one of the
   entity's mentions (the first template when the document has no cue of any predicted type).

A document predicted to have no incident gets no template, whatever the tagger found (MUC-4 fillers only
exist for relevant incidents).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from ..metrics.ceaf import ROLES, entities_from_mentions, normalize_string

INCIDENT_TYPES = ("attack", "bombing", "kidnapping", "arson", "robbery", "forced work stoppage")

# word-stem cues of each incident type, used only to attach fillers when a document has several types
TYPE_CUES: dict[str, tuple[str, ...]] = {
    "attack": ("attack", "kill", "murder", "assassinat", "shot", "shoot", "ambush", "massacre", "machinegun",
               "wound", "fired", "clash", "slain", "dead"),
    "bombing": ("bomb", "explosi", "explod", "dynamite", "blast", "detonat", "car-bomb", "tnt"),
    "kidnapping": ("kidnap", "abduct", "hostage", "captiv", "ransom", "released"),
    "arson": ("arson", "burn", "fire", "torch", "blaze", "molotov"),
    "robbery": ("robber", "rob", "stole", "steal", "loot", "hold-up", "holdup"),
    "forced work stoppage": ("strike", "stoppage", "shutdown", "paralyz", "paro"),
}

__all__ = ["ROLES", "INCIDENT_TYPES", "TYPE_CUES", "IncidentTypeClassifier", "types_of", "build_templates",
           "tune_threshold"]


def types_of(templates: Iterable) -> set[str]:
    """The base incident types of a document's gold templates ("bombing / attack" gives both)."""
    out: set[str] = set()
    for t in templates:
        itype = t["incident_type"] if isinstance(t, Mapping) else t.incident_type
        for part in itype.split("/"):
            part = part.strip()
            if part in INCIDENT_TYPES:
                out.add(part)
    return out


@dataclass
class IncidentTypeClassifier:
    """Multi-label incident-type classifier over document text (fit on gold template types)."""

    C: float = 4.0
    seed: int = 13
    threshold: float = 0.5
    per_type: dict | None = None  # type -> threshold, overriding ``threshold`` (see tune_per_type)

    def fit(self, texts: Sequence[str], labels: Sequence[set[str]]) -> "IncidentTypeClassifier":
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        self.vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, lowercase=True)
        x = self.vectorizer.fit_transform(texts)
        self.models: dict[str, object] = {}
        self.types = [t for t in INCIDENT_TYPES if any(t in lab for lab in labels)]
        for t in self.types:
            y = [1 if t in lab else 0 for lab in labels]
            m = LogisticRegression(C=self.C, max_iter=2000, class_weight="balanced", random_state=self.seed)
            m.fit(x, y)
            self.models[t] = m
        return self

    def proba(self, texts: Sequence[str]) -> list[dict[str, float]]:
        x = self.vectorizer.transform(texts)
        cols = {t: m.predict_proba(x)[:, 1] for t, m in self.models.items()}
        return [{t: float(cols[t][i]) for t in self.types} for i in range(len(texts))]

    def predict(self, texts: Sequence[str], threshold: float | None = None) -> list[list[str]]:
        return [self.types_for(p, threshold) for p in self.proba(texts)]

    def types_for(self, p: Mapping[str, float], threshold: float | None = None) -> list[str]:
        """The types of one document from its probabilities (per-type thresholds when tuned)."""
        if threshold is not None:
            return [t for t in self.types if p[t] >= threshold]
        per = self.per_type or {}
        return [t for t in self.types if p[t] >= per.get(t, self.threshold)]


def _cue_positions(text: str) -> dict[str, list[int]]:
    low = text.lower()
    out: dict[str, list[int]] = {}
    for t, cues in TYPE_CUES.items():
        pos = []
        for c in cues:
            pos += [m.start() for m in re.finditer(r"\b" + re.escape(c), low)]
        out[t] = sorted(pos)
    return out


def build_templates(text: str, types: Sequence[str], spans: Iterable[tuple[int, int, str]]) -> list[dict]:
    """Templates of one document from its predicted incident types and role-filler spans
    ``(start, end, role)`` (character offsets into ``text``, end exclusive)."""
    types = list(dict.fromkeys(types))
    if not types:
        return []
    by_role: dict[str, list[tuple[int, str]]] = {r: [] for r in ROLES}
    for s, e, role in sorted(spans):
        if role in by_role:
            by_role[role].append((s, text[s:e]))
    temps = [{"incident_type": t, **{r: [] for r in ROLES}} for t in types]
    cues = _cue_positions(text) if len(types) > 1 else {}
    for role, occ in by_role.items():
        ents = entities_from_mentions({role: [m for _, m in occ]})[role]
        where: dict[str, list[int]] = {}
        for s, m in occ:
            where.setdefault(normalize_string(m), []).append(s)
        for ent in ents:
            k = 0
            if len(types) > 1:
                best = None
                mention_pos = where.get(normalize_string(ent[0]), [])
                for ti, t in enumerate(types):
                    for p in mention_pos:
                        for c in cues.get(t, []):
                            d = abs(c - p)
                            if best is None or d < best[0]:
                                best = (d, ti)
                k = best[1] if best is not None else 0
            temps[k][role].append(list(ent))
    return temps


def _dev_f1(clf: IncidentTypeClassifier, probs: Sequence[Mapping[str, float]], texts: Sequence[str],
            doc_ids: Sequence[str], spans: Mapping[str, Sequence[tuple[int, int, str]]], gold: Mapping[str, Sequence],
            thresholds: Mapping[str, float]) -> float:
    """Template-level micro F1 of the templates built with per-type ``thresholds``."""
    from ..metrics.templates import score_templates

    pred = {d: build_templates(tx, [t for t in clf.types if p[t] >= thresholds[t]], spans.get(d, ()))
            for d, tx, p in zip(doc_ids, texts, probs)}
    return score_templates(pred, gold).micro.f1


def tune_threshold(clf: IncidentTypeClassifier, texts: Sequence[str], doc_ids: Sequence[str],
                   spans: Mapping[str, Sequence[tuple[int, int, str]]], gold: Mapping[str, Sequence],
                   grid: Sequence[float] = (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7)) -> tuple[float, list]:
    """The threshold on dev with the best template-level micro F1; returns (threshold, [(t, f1), ...])."""
    probs = clf.proba(texts)
    curve = [(th, _dev_f1(clf, probs, texts, doc_ids, spans, gold, {t: th for t in clf.types})) for th in grid]
    best = max(curve, key=lambda x: (x[1], -abs(x[0] - 0.5)))
    clf.threshold = best[0]
    return best[0], curve


def tune_per_type(clf: IncidentTypeClassifier, texts: Sequence[str], doc_ids: Sequence[str],
                  spans: Mapping[str, Sequence[tuple[int, int, str]]], gold: Mapping[str, Sequence],
                  grid: Sequence[float] = (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.7),
                  rounds: int = 2) -> tuple[dict[str, float], float]:
    """Per-type thresholds by coordinate ascent on dev template F1, starting from the tuned global
    threshold (:func:`tune_threshold` first); a type's threshold moves only when dev F1 strictly rises."""
    probs = clf.proba(texts)
    per = {t: clf.threshold for t in clf.types}
    best = _dev_f1(clf, probs, texts, doc_ids, spans, gold, per)
    for _ in range(rounds):
        for t in clf.types:
            for v in grid:
                trial = {**per, t: v}
                f = _dev_f1(clf, probs, texts, doc_ids, spans, gold, trial)
                if f > best:
                    best, per = f, trial
    clf.per_type = per
    return per, best
