"""Event modality (GUIDELINES §2.4): asserted, claimed, denied or hypothetical, per trigger mention.

A scikit-learn logistic regression over hand features of the trigger's context, trained on the gold
triggers of the training split:

* the trigger's words and its event class;
* the words of its sentence before and after it (bag of words, lower-cased, separately);
* the two words on each side and the nearest verb-like cue before it within the sentence
  (``said``, ``claimed``, ``denied``, ``vowed``, ``could`` ... are learnt, not listed: every word
  within four tokens before the trigger is a feature with its distance bucket);
* negation words (``not``, ``no``, ``never``, ``denied``-like words) anywhere in the sentence.

Most events are asserted (about three in four in the corpus), so the majority-class baseline is reported
beside the classifier in the events run's metrics.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Sequence

from ..align import sentence_ranges
from ..metrics.events import MODALITIES
_WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?|\d+")
_NEG = {"not", "no", "never", "denied", "denies", "deny", "rejected", "dismissed", "n't"}

__all__ = ["MODALITIES", "modality_features", "ModalityClassifier"]


def _sentence(sents: Sequence[tuple[int, int]], start: int) -> tuple[int, int]:
    for a, b in sents:
        if a <= start < b:
            return a, b
    return 0, 0


def modality_features(text: str, start: int, end: int, event_class: str,
                      sents: Sequence[tuple[int, int]] | None = None) -> dict[str, Any]:
    """Features of one trigger mention ``text[start:end]`` of class ``TYPE:subtype``."""
    if sents is None:
        sents = sentence_ranges(text)
    a, b = _sentence(sents, start)
    if b <= a:
        a, b = max(0, start - 200), min(len(text), end + 200)
    before = [w.lower() for w in _WORD.findall(text[a:start])]
    after = [w.lower() for w in _WORD.findall(text[end:b])]
    f: dict[str, Any] = {"class=" + event_class: 1, "type=" + event_class.split(":")[0]: 1}
    for w in _WORD.findall(text[start:end]):
        f["trig=" + w.lower()] = 1
    for w in before:
        f["sb=" + w] = 1
    for w in after:
        f["sa=" + w] = 1
    for k, w in enumerate(reversed(before[-4:]), 1):
        f[f"b{k}=" + w] = 1
        f["b4=" + w] = 1
    for k, w in enumerate(after[:2], 1):
        f[f"a{k}=" + w] = 1
    if _NEG & set(before + after):
        f["negation"] = 1
    if start - a < 3:
        f["sentence_initial"] = 1
    return f


class ModalityClassifier:
    name = "modality"

    def __init__(self, vec: Any = None, clf: Any = None):
        self.vec, self.clf = vec, clf

    def fit(self, items: Sequence[tuple[str, int, int, str]], labels: Sequence[str], C: float = 1.0,
            seed: int = 0) -> dict[str, Any]:
        """``items``: (text, start, end, event class) of gold trigger mentions; ``labels``: their modality."""
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.linear_model import LogisticRegression

        self.vec = DictVectorizer()
        X = self.vec.fit_transform(self._feats(items))
        self.clf = LogisticRegression(C=C, max_iter=3000, random_state=seed)
        self.clf.fit(X, list(labels))
        counts = {m: int(sum(1 for x in labels if x == m)) for m in MODALITIES}
        return {"train_triggers": len(items), "features": int(X.shape[1]), "train_counts": counts}

    @staticmethod
    def _feats(items: Sequence[tuple[str, int, int, str]]) -> list[dict]:
        cache: dict[int, list] = {}
        out = []
        for text, s, e, cls in items:
            key = id(text)
            if key not in cache:
                cache[key] = sentence_ranges(text)
            out.append(modality_features(text, s, e, cls, cache[key]))
        return out

    def predict(self, items: Sequence[tuple[str, int, int, str]]) -> list[str]:
        if not items:
            return []
        return [str(x) for x in self.clf.predict(self.vec.transform(self._feats(items)))]

    def save(self, d: Path) -> None:
        import joblib

        d.mkdir(parents=True, exist_ok=True)
        joblib.dump({"vec": self.vec, "clf": self.clf}, d / "modality.joblib")

    @classmethod
    def load(cls, d: Path) -> "ModalityClassifier | None":
        import joblib

        p = Path(d) / "modality.joblib"
        if not p.is_file():
            return None  # runs trained before modality was predicted
        obj = joblib.load(p)
        return cls(obj["vec"], obj["clf"])
