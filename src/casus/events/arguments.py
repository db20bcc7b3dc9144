"""Argument linking: for each (trigger, entity span) pair in a window, predict the role or ``none``.

**Window** (``window_sentences``, default 2, chosen on dev): the entity lies in the trigger's sentence or
in one of the two sentences before or after it. On the gold corpus the trigger's own sentence holds 73 %
of all argument links, +-1 sentence 82 %, +-2 sentences 87 %; the rest are mostly tolls and places that a
main frame takes from later sentences. Toll updates further away are linked by a rule
(:func:`distant_toll_pairs`), and the record merges its same_as mentions' arguments. Only entity labels
that some role of the trigger's type accepts (schema ``roles``) are paired, and a pair's predicted role is
restricted to the roles that accept the entity's label (``none`` always allowed).

Two classifiers, same candidates, same decoding:

* :class:`FeatureArgumentClassifier` — scikit-learn logistic regression on hand features: trigger class,
  entity label, sentence distance, order, token distance, same-label entities and other triggers in
  between, the words and punctuation between, the words around the entity and trigger, the entity's
  head word. No parser, no gazetteer.
* :class:`MarkerArgumentClassifier` — the frozen shared encoder with marker tokens: ``[unused0]`` /
  ``[unused1]`` around the trigger and typed markers ``[unused2+2k]`` / ``[unused3+2k]`` (k = the entity
  label's index) around the entity, inserted into the local window (the sentences from the first to the
  last of the two), one forward pass per pair (``mode="pair"``); features = the states of the two opening
  markers, a logistic-regression head on top. ``mode="trigger"`` marks the trigger and *every*
  candidate entity of its window at once and runs one pass per trigger (cheaper, slightly different
  contexts).

Over 450 lines on purpose: the argument designs (hand features, entity markers, their ensemble) share the
candidate pairs, sentence views and role decoding defined at the top; apart, each would re-import them all.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from ..align import sentence_ranges, tokenize
from ..schema import Schema

NONE = "none"


@dataclass(frozen=True)
class Mention:
    id: str
    start: int
    end: int
    label: str   # entity label, or the trigger class TYPE:subtype for a trigger


@dataclass
class Pair:
    doc: int                 # index of the document in the batch
    trigger: Mention
    entity: Mention
    sent_dist: int
    role: str = NONE         # gold role (training) or predicted role
    allowed: tuple[str, ...] = ()
    proba: dict[str, float] = field(default_factory=dict)

    @property
    def event_type(self) -> str:
        return self.trigger.label.split(":", 1)[0]


def allowed_roles(schema: Schema, event_type: str, label: str) -> tuple[str, ...]:
    et = schema.event_types.get(event_type)
    if et is None:
        return ()
    return tuple(r for r, labs in et.roles.items() if label in labs)


def _sentence_index(sents: Sequence[tuple[int, int]], pos: int) -> int:
    starts = [a for a, _ in sents]
    return max(0, bisect.bisect_right(starts, pos) - 1)


def doc_sentences(text: str, spans: Iterable[Mention]) -> list[tuple[int, int]]:
    return sentence_ranges(text, [(s.start, s.end) for s in spans]) or [(0, len(text))]


def candidate_pairs(doc: int, text: str, triggers: Sequence[Mention], entities: Sequence[Mention], schema: Schema,
                    window: int = 1, gold: Mapping[tuple[str, str], str] | None = None) -> list[Pair]:
    """Every (trigger, entity) pair within ``window`` sentences whose label some role accepts."""
    sents = doc_sentences(text, list(triggers) + list(entities))
    out = []
    for t in triggers:
        typ = t.label.split(":", 1)[0]
        st = _sentence_index(sents, t.start)
        for e in entities:
            allowed = allowed_roles(schema, typ, e.label)
            if not allowed:
                continue
            d = _sentence_index(sents, e.start) - st
            if abs(d) > window:
                continue
            role = (gold or {}).get((t.id, e.id), NONE)
            out.append(Pair(doc, t, e, d, role if role in allowed else NONE, allowed))
    return out


def decode_roles(pairs: Sequence[Pair], classes: Sequence[str], proba: np.ndarray) -> None:
    """Set each pair's role: the most probable of ``none`` and its allowed roles."""
    idx = {c: k for k, c in enumerate(classes)}
    for p, row in zip(pairs, proba):
        p.proba = {c: float(row[k]) for c, k in idx.items()}
        best, best_p = NONE, row[idx[NONE]] if NONE in idx else -1.0
        for r in p.allowed:
            if r in idx and row[idx[r]] > best_p:
                best, best_p = r, row[idx[r]]
        p.role = best


# -- hand features ---------------------------------------------------------------------------------

def _bucket(n: int) -> str:
    for lim, name in ((0, "0"), (2, "1-2"), (5, "3-5"), (10, "6-10"), (20, "11-20")):
        if n <= lim:
            return name
    return ">20"


class _DocView:
    """Word tokens and mention positions of one document, for hand features."""

    def __init__(self, text: str, mentions: Sequence[Mention]):
        self.text = text
        self.words = tokenize(text, {b for m in mentions for b in (m.start, m.end)})
        self.starts = [a for a, _ in self.words]

    def widx(self, pos: int) -> int:
        return max(0, bisect.bisect_right(self.starts, pos) - 1)

    def w(self, i: int) -> str:
        if 0 <= i < len(self.words):
            a, b = self.words[i]
            return self.text[a:b].lower()
        return "<pad>"


def pair_features(p: Pair, view: _DocView, triggers: Sequence[Mention], entities: Sequence[Mention]) -> dict[str, Any]:
    t, e = p.trigger, p.entity
    lab, tcls, typ = e.label, t.label, p.event_type
    ti0, ti1 = view.widx(t.start), view.widx(t.end - 1)
    ei0, ei1 = view.widx(e.start), view.widx(e.end - 1)
    before = e.end <= t.start
    order = "before" if before else "after"
    lo, hi = (e.end, t.start) if before else (t.end, e.start)
    wlo, whi = (ei1 + 1, ti0) if before else (ti1 + 1, ei0)
    between_words = [view.w(i) for i in range(wlo, whi)]
    between_text = view.text[lo:hi] if hi > lo else ""
    n_between = max(0, whi - wlo)
    same_between = sum(1 for x in entities if x.label == lab and x is not e and lo <= x.start and x.end <= hi)
    trig_between = sum(1 for x in triggers if x is not t and lo <= x.start and x.end <= hi)
    f: dict[str, Any] = {
        "bias": 1.0,
        f"tcls={tcls}": 1.0, f"type={typ}": 1.0, f"lab={lab}": 1.0, f"type_lab={typ}|{lab}": 1.0,
        f"tcls_lab={tcls}|{lab}": 1.0,
        f"sd={p.sent_dist}|{lab}": 1.0, f"sd_type={p.sent_dist}|{typ}|{lab}": 1.0,
        f"order={order}|{lab}": 1.0, f"order_type={order}|{typ}|{lab}": 1.0,
        f"dist={_bucket(n_between)}|{lab}": 1.0, f"dist_order={_bucket(n_between)}|{order}|{lab}": 1.0,
        f"same_between={min(same_between, 2)}|{lab}": 1.0,
        f"trig_between={min(trig_between, 2)}": 1.0,
        f"nearest_same={'y' if same_between == 0 else 'n'}|{order}|{lab}": 1.0,
        f"commas={min(between_text.count(','), 3)}|{lab}": 1.0,
        "quote_between": float(any(q in between_text for q in "\"“”")),
        "semicolon_between": float(";" in between_text),
        "paren_between": float("(" in between_text),
        "said_between": float(any(w in ("said", "says", "told", "according") for w in between_words)),
        f"tw={view.w(ti0)}": 1.0, f"tw_lab={view.w(ti0)}|{lab}": 1.0,
        f"e-1={view.w(ei0 - 1)}|{lab}": 1.0, f"e-2={view.w(ei0 - 2)}|{lab}": 1.0,
        f"e-1_order={view.w(ei0 - 1)}|{order}|{lab}": 1.0,
        f"e+1={view.w(ei1 + 1)}|{lab}": 1.0,
        f"eh={view.w(ei1)}|{lab}": 1.0, f"ef={view.w(ei0)}": 1.0,
        f"t-1={view.w(ti0 - 1)}": 1.0, f"t+1={view.w(ti1 + 1)}|{lab}": 1.0,
    }
    if n_between <= 6:
        for w in between_words:
            f[f"bw={w}|{order}|{lab}"] = 1.0
        if n_between <= 3:
            f[f"between={' '.join(between_words)}|{lab}"] = 1.0
    else:
        for w in between_words[:2]:
            f[f"bw_first={w}|{order}|{lab}"] = 1.0
        for w in between_words[-2:]:
            f[f"bw_last={w}|{order}|{lab}"] = 1.0
    return f


class FeatureArgumentClassifier:
    name = "features"

    def __init__(self, vec: Any = None, clf: Any = None):
        self.vec, self.clf = vec, clf

    @staticmethod
    def featurize(pairs: Sequence[Pair], docs: Sequence[tuple[str, Sequence[Mention], Sequence[Mention]]]) -> list[dict]:
        views: dict[int, _DocView] = {}
        feats = []
        for p in pairs:
            text, trigs, ents = docs[p.doc]
            if p.doc not in views:
                views[p.doc] = _DocView(text, list(trigs) + list(ents))
            feats.append(pair_features(p, views[p.doc], trigs, ents))
        return feats

    def fit(self, pairs: Sequence[Pair], docs, C: float = 1.0, seed: int = 0) -> dict[str, Any]:
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.linear_model import LogisticRegression

        self.vec = DictVectorizer()
        X = self.vec.fit_transform(self.featurize(pairs, docs))
        self.clf = LogisticRegression(C=C, max_iter=2000, random_state=seed)
        self.clf.fit(X, [p.role for p in pairs])
        return {"train_pairs": len(pairs), "features": int(X.shape[1])}

    def predict(self, pairs: Sequence[Pair], docs, progress: bool = False) -> None:
        if not pairs:
            return
        proba = self.clf.predict_proba(self.vec.transform(self.featurize(pairs, docs)))
        decode_roles(pairs, list(self.clf.classes_), proba)

    def save(self, d: Path) -> None:
        import joblib

        d.mkdir(parents=True, exist_ok=True)
        joblib.dump({"vec": self.vec, "clf": self.clf}, d / "arguments_features.joblib")

    @classmethod
    def load(cls, d: Path, encoder: Any = None) -> "FeatureArgumentClassifier":
        import joblib

        obj = joblib.load(d / "arguments_features.joblib")
        return cls(obj["vec"], obj["clf"])


# -- encoder with markers --------------------------------------------------------------------------

class MarkerArgumentClassifier:
    name = "markers"

    def __init__(self, encoder: Any, labels: Sequence[str], mode: str = "pair", max_tokens: int = 96,
                 clf: Any = None):
        if mode not in ("pair", "trigger"):
            raise ValueError(f"marker mode must be 'pair' or 'trigger', not {mode!r}")
        self.encoder = encoder
        self.labels = list(labels)
        self.mode = mode
        self.max_tokens = max_tokens
        self.clf = clf
        self._tok_cache: dict[tuple[int, int, int], tuple[list[int], list[tuple[int, int]]]] = {}
        self.passes = 0

    def _marker_ids(self, label: str | None) -> tuple[int, int]:
        tok = self.encoder.tokenizer
        if label is None:
            names = ("[unused0]", "[unused1]")
        else:
            k = self.labels.index(label) if label in self.labels else len(self.labels)
            names = (f"[unused{2 + 2 * k}]", f"[unused{3 + 2 * k}]")
        ids = tok.convert_tokens_to_ids(list(names))
        if any(i is None or i == tok.unk_token_id for i in ids):
            raise ValueError(f"the encoder's vocabulary has no {names} marker tokens")
        return ids[0], ids[1]

    def _tokens(self, doc_key: int, text: str, lo: int, hi: int) -> tuple[list[int], list[tuple[int, int]]]:
        key = (doc_key, lo, hi)
        if key not in self._tok_cache:
            enc = self.encoder.tokenizer(text[lo:hi], add_special_tokens=False, return_offsets_mapping=True)
            self._tok_cache[key] = (list(enc["input_ids"]), [(a + lo, b + lo) for a, b in enc["offset_mapping"]])
        return self._tok_cache[key]

    def _build(self, ids: list[int], offs: list[tuple[int, int]], marks: Sequence[tuple[int, int, int, int]],
               focus: tuple[int, int]) -> tuple[list[int], list[int]]:
        """Insert markers (start, end, open id, close id) into ids; crop to max_tokens around ``focus``
        (character range that must stay). Returns (ids with [CLS]/[SEP], positions of each opening marker)."""
        opens: dict[int, list[tuple[int, int]]] = {}
        closes: dict[int, list[int]] = {}
        for k, (s, e, o, c) in enumerate(marks):
            i = next((j for j, (a, _) in enumerate(offs) if a >= s), len(offs))
            j = next((j for j in range(len(offs) - 1, -1, -1) if offs[j][1] <= e), -1) + 1
            j = max(j, i)
            opens.setdefault(i, []).append((k, o))
            closes.setdefault(j, []).append(c)
        seq: list[int] = []
        char_of: list[int] = []
        pos = [0] * len(marks)
        for i in range(len(ids) + 1):
            for c in closes.get(i, []):
                seq.append(c)
                char_of.append(offs[i - 1][1] if i > 0 else 0)
            for k, o in opens.get(i, []):
                pos[k] = len(seq)
                seq.append(o)
                char_of.append(offs[i][0] if i < len(offs) else (offs[-1][1] if offs else 0))
            if i < len(ids):
                seq.append(ids[i])
                char_of.append(offs[i][0])
        budget = self.max_tokens - 2
        if len(seq) > budget:
            f_lo = min(p for p in pos)
            f_hi = max(p for p in pos) + 1
            for q, ch in enumerate(char_of):
                if focus[0] <= ch < focus[1]:
                    f_lo = min(f_lo, q)
                    f_hi = max(f_hi, q + 1)
            need = f_hi - f_lo
            if need >= budget:
                lo = f_lo
            else:
                lo = max(0, min(f_lo - (budget - need) // 2, len(seq) - budget))
            seq = seq[lo:lo + budget]
            pos = [min(max(p - lo, 0), len(seq) - 1) for p in pos]
        tok = self.encoder.tokenizer
        return [tok.cls_token_id] + seq + [tok.sep_token_id], [p + 1 for p in pos]

    def features(self, pairs: Sequence[Pair], docs, progress: bool = False) -> np.ndarray:
        t_open, t_close = self._marker_ids(None)
        seqs: list[list[int]] = []
        where: list[list[tuple[int, int, int]]] = []  # per sequence: (pair index, trigger pos, entity pos)
        sents_of: dict[int, list[tuple[int, int]]] = {}

        def sents(d: int) -> list[tuple[int, int]]:
            if d not in sents_of:
                text, trigs, ents = docs[d]
                sents_of[d] = doc_sentences(text, list(trigs) + list(ents))
            return sents_of[d]

        if self.mode == "pair":
            for k, p in enumerate(pairs):
                text = docs[p.doc][0]
                ss = sents(p.doc)
                a = _sentence_index(ss, min(p.trigger.start, p.entity.start))
                b = _sentence_index(ss, max(p.trigger.start, p.entity.start))
                ids, offs = self._tokens(p.doc, text, ss[a][0], ss[b][1])
                e_open, e_close = self._marker_ids(p.entity.label)
                seq, pos = self._build(ids, offs, [(p.trigger.start, p.trigger.end, t_open, t_close),
                                                   (p.entity.start, p.entity.end, e_open, e_close)],
                                       (min(p.trigger.start, p.entity.start), max(p.trigger.end, p.entity.end)))
                seqs.append(seq)
                where.append([(k, pos[0], pos[1])])
        else:
            groups: dict[tuple[int, str], list[int]] = {}
            for k, p in enumerate(pairs):
                groups.setdefault((p.doc, p.trigger.id), []).append(k)
            for (d, _), ks in groups.items():
                text = docs[d][0]
                ss = sents(d)
                trig = pairs[ks[0]].trigger
                lo_s = min(_sentence_index(ss, pairs[k].entity.start) for k in ks + [ks[0]])
                lo_s = min(lo_s, _sentence_index(ss, trig.start))
                hi_s = max(max(_sentence_index(ss, pairs[k].entity.start) for k in ks), _sentence_index(ss, trig.start))
                ids, offs = self._tokens(d, text, ss[lo_s][0], ss[hi_s][1])
                marks = [(trig.start, trig.end, t_open, t_close)]
                for k in ks:
                    o, c = self._marker_ids(pairs[k].entity.label)
                    marks.append((pairs[k].entity.start, pairs[k].entity.end, o, c))
                seq, pos = self._build(ids, offs, marks, (trig.start, trig.end))
                seqs.append(seq)
                where.append([(k, pos[0], pos[1 + n]) for n, k in enumerate(ks)])
        self.passes += len(seqs)
        states = self.encoder.run(seqs, progress=progress)
        H = self.encoder.hidden_size
        X = np.zeros((len(pairs), 2 * H), dtype=np.float32)
        for h, ws in zip(states, where):
            for k, tp, ep in ws:
                X[k, :H] = h[tp]
                X[k, H:] = h[ep]
        return X

    def fit(self, pairs: Sequence[Pair], docs, C: float = 1.0, seed: int = 0, progress: bool = False) -> dict[str, Any]:
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        X = self.features(pairs, docs, progress=progress)
        self.clf = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=2000, random_state=seed))
        self.clf.fit(X, [p.role for p in pairs])
        return {"train_pairs": len(pairs), "features": int(X.shape[1]), "mode": self.mode}

    def predict(self, pairs: Sequence[Pair], docs, progress: bool = False) -> None:
        if not pairs:
            return
        proba = self.clf.predict_proba(self.features(pairs, docs, progress=progress))
        decode_roles(pairs, list(self.clf.classes_), proba)

    def save(self, d: Path) -> None:
        import joblib

        d.mkdir(parents=True, exist_ok=True)
        joblib.dump({"clf": self.clf, "labels": self.labels, "mode": self.mode, "max_tokens": self.max_tokens},
                    d / "arguments_markers.joblib")

    @classmethod
    def load(cls, d: Path, encoder: Any) -> "MarkerArgumentClassifier":
        import joblib

        obj = joblib.load(d / "arguments_markers.joblib")
        return cls(encoder, obj["labels"], obj["mode"], obj["max_tokens"], obj["clf"])


# -- tolls outside the window ------------------------------------------------------------------------


def distant_toll_pairs(pairs: Sequence[Pair], docs, schema: Schema) -> list[Pair]:
    """Victim links for toll updates outside the candidate window (GUIDELINES 2.3: the main frame takes every
    toll of its event, "including tolls in later sentences").

    A CASUALTY mention that no pair links to and whose sentence speaks of a toll (``toll``, ``death toll``,
    ``number of dead``, ``rose to``, ...) becomes a ``victim`` of the main mention of the nearest ATTACK or
    ABDUCTION trigger before it: the first trigger in the document with that trigger's class (the
    same_as rule of :func:`casus.events.records.cluster_events`).
    """
    import re

    toll_re = re.compile(r"\b(?:toll|number of (?:dead|wounded|injured|victims|casualties)|rose to|risen to|"
                         r"raising it to|climbed to|revised|later put)\b", re.IGNORECASE)
    linked = {(p.doc, p.entity.id) for p in pairs if p.role != NONE}
    out: list[Pair] = []
    for d, (text, trigs, ents) in enumerate(docs):
        sents = doc_sentences(text, list(trigs) + list(ents))
        for e in ents:
            if e.label != "CASUALTY" or (d, e.id) in linked:
                continue
            lo, hi = sents[_sentence_index(sents, e.start)]
            if not toll_re.search(text[lo:hi]):
                continue
            before = [t for t in trigs if t.end <= e.start and "victim" in allowed_roles(schema, t.label.split(":")[0], e.label)]
            if not before:
                continue
            near = max(before, key=lambda t: t.start)
            main = min((t for t in trigs if t.label == near.label), key=lambda t: t.start)
            out.append(Pair(d, main, e, _sentence_index(sents, e.start) - _sentence_index(sents, main.start), "victim",
                            ("victim",)))
    return out


class EnsembleArgumentClassifier:
    """Design ``ensemble``: the mean of its members' role probabilities (each member predicts on its own copy
    of the pairs), decoded like the others. Trains nothing. In the full recipe the members are the hand
    features and the fine-tuned span-pair classifier (dev argument F1 0.771 against 0.744 and 0.755 alone)."""

    name = "ensemble"

    def __init__(self, members: Sequence[Any]):
        self.members = list(members)

    def predict(self, pairs: Sequence[Pair], docs, progress: bool = False) -> None:
        import copy

        if not pairs:
            return
        probas = []
        for m in self.members:
            mine = copy.deepcopy(list(pairs))
            m.predict(mine, docs)
            probas.append([p.proba for p in mine])
        classes = sorted({c for per in probas for row in per for c in row})
        avg = np.array([[sum(per[i].get(c, 0.0) for per in probas) / len(probas) for c in classes]
                        for i in range(len(pairs))])
        decode_roles(pairs, classes, avg)
