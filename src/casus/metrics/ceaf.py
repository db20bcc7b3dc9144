"""CEAF-REE: entity-level role-filler scoring of MUC-4, as GRIT (Du, Rush & Cardie, EACL 2021) and GTT
compute it (``eval.py`` of github.com/xinyadu/grit_doc_event_entity, reimplemented here, not copied).

Input: per document, per role, a list of *entities*, each a list of mention strings (coreferent
mentions). Scoring, replicating ``eval.py``:

1. Every mention string, predicted and gold, is normalised (:func:`normalize_string`): lower-cased,
   ASCII punctuation (``string.punctuation``) deleted (``"ak-47"`` -> ``"ak47"``, no space inserted), the
   words ``a``/``an``/``the`` replaced by a space, whitespace collapsed.
2. For each document and role, a similarity matrix between gold entities ``G`` and predicted entities
   ``P``. ``phi_strict(G_i, P_j)`` is 1 when *every* mention of ``P_j`` is among ``G_i``'s mentions
   (for a one-mention prediction, GRIT's case: its string is one of the gold entity's mention strings),
   else 0. ``phi_prop(G_i, P_j)`` = (number of ``G_i``'s mentions that are in ``P_j``) / ``len(P_j)``.
3. An optimal one-to-one alignment maximising the summed similarity (Kuhn-Munkres,
   ``scipy.optimize.linear_sum_assignment``, as ``eval.py``); its sum is both the precision and the
   recall numerator; denominators are ``len(P)`` and ``len(G)``.
4. Numerators and denominators are summed over documents per role; micro average = sums over the five
   roles. P = num/den (0 when num is 0), F1 = 2PR/(P+R).

Documents scored: every gold document (``eval.py`` iterates over the gold file). Roles scored: the five
MUC-4 roles (``eval.py`` iterates over the gold document's roles, which are always these five).

Differences from ``eval.py``, only on inputs it does not handle: a gold document without a prediction
is scored as an empty prediction and listed in ``missing_predictions`` (``eval.py`` raises KeyError); a
role missing on either side counts as no entities (KeyError there); empty entities (no mention) are
dropped on both sides and counted (``eval.py``'s loader drops empty gold entities; an empty *predicted*
entity would there match any gold entity under phi_strict, vacuously, and divide by zero under phi_prop).
Predictions for documents without gold are ignored and listed in ``extra_predictions``.

Verified: scoring GRIT's released test predictions (``model_grit/preds_s_t.out``) against
``data/muc/processed/test.json`` gives P 64.19 / R 47.36 / F1 54.50 (phi_strict, micro), see
``bench/muc4_grit.py`` and ``tests/test_ceaf.py``.
"""

from __future__ import annotations

import json
import re
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

__all__ = [
    "ROLES",
    "normalize_string",
    "phi_strict",
    "phi_prop",
    "ceaf_counts",
    "CeafCounts",
    "CeafReport",
    "score_ceaf_ree",
    "entities_from_mentions",
    "load_grit_predictions",
    "load_grit_gold",
]

ROLES = ("PerpInd", "PerpOrg", "Target", "Victim", "Weapon")
EntitiesByRole = Mapping[str, Sequence[Sequence[str]]]

_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)
_PUNCT = set(string.punctuation)


def normalize_string(s: str) -> str:
    """GRIT's mention normalisation: lower, drop punctuation, articles -> space, collapse whitespace."""
    s = s.lower()
    s = "".join(ch for ch in s if ch not in _PUNCT)
    s = _ARTICLES.sub(" ", s)
    return " ".join(s.split())


def phi_strict(gold: Sequence[str], pred: Sequence[str]) -> float:
    """1 if every predicted mention is a mention of the gold entity, else 0."""
    return 1.0 if all(m in gold for m in pred) else 0.0


def phi_prop(gold: Sequence[str], pred: Sequence[str]) -> float:
    """The share of the predicted entity made of the gold entity's mentions (as GRIT computes it:
    gold mentions found in the prediction, over the prediction's size)."""
    return len([m for m in gold if m in pred]) / len(pred)


PHIS: dict[str, Callable[[Sequence[str], Sequence[str]], float]] = {"strict": phi_strict, "prop": phi_prop}


def ceaf_counts(pred: Sequence[Sequence[str]], gold: Sequence[Sequence[str]],
                phi: Callable[[Sequence[str], Sequence[str]], float] = phi_strict) -> tuple[float, int, float, int]:
    """(p_num, p_den, r_num, r_den) of one document and role: optimal one-to-one alignment of entities."""
    if not pred or not gold:
        return 0.0, len(pred), 0.0, len(gold)
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    scores = np.zeros((len(gold), len(pred)))
    for i, g in enumerate(gold):
        for j, p in enumerate(pred):
            scores[i, j] = phi(g, p)
    rows, cols = linear_sum_assignment(-scores)
    sim = float(scores[rows, cols].sum())
    return sim, len(pred), sim, len(gold)


@dataclass
class CeafCounts:
    p_num: float = 0.0
    p_den: float = 0.0
    r_num: float = 0.0
    r_den: float = 0.0

    def add(self, other: "CeafCounts") -> None:
        self.p_num += other.p_num
        self.p_den += other.p_den
        self.r_num += other.r_num
        self.r_den += other.r_den

    @property
    def precision(self) -> float:
        return 0.0 if self.p_num == 0 else self.p_num / self.p_den

    @property
    def recall(self) -> float:
        return 0.0 if self.r_num == 0 else self.r_num / self.r_den

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 0.0 if p + r == 0 else 2 * p * r / (p + r)

    def as_dict(self) -> dict[str, float]:
        return {"precision": self.precision, "recall": self.recall, "f1": self.f1, "p_num": self.p_num,
                "p_den": self.p_den, "r_num": self.r_num, "r_den": self.r_den}


@dataclass
class CeafReport:
    phi: str
    roles: tuple[str, ...]
    per_role: dict[str, CeafCounts]
    per_doc: dict[str, dict[str, CeafCounts]]  # doc -> role -> counts (for bootstrap over documents)
    missing_predictions: list[str] = field(default_factory=list)
    extra_predictions: list[str] = field(default_factory=list)
    empty_entities_dropped: dict[str, int] = field(default_factory=lambda: {"gold": 0, "pred": 0})

    @property
    def micro(self) -> CeafCounts:
        tot = CeafCounts()
        for r in self.roles:
            tot.add(self.per_role[r])
        return tot

    def as_dict(self) -> dict:
        return {"phi": self.phi, "micro": self.micro.as_dict(),
                "per_role": {r: self.per_role[r].as_dict() for r in self.roles},
                "documents": len(self.per_doc), "missing_predictions": list(self.missing_predictions),
                "extra_predictions": list(self.extra_predictions),
                "empty_entities_dropped": dict(self.empty_entities_dropped)}


def _prepare(entities: Sequence[Sequence[str]] | None, normalize: bool) -> tuple[list[list[str]], int]:
    out, empty = [], 0
    for e in entities or []:
        ms = [normalize_string(m) if normalize else m for m in e]
        if ms:
            out.append(ms)
        else:
            empty += 1
    return out, empty


def score_ceaf_ree(pred: Mapping[str, EntitiesByRole], gold: Mapping[str, EntitiesByRole], *,
                   phi: str = "strict", roles: Iterable[str] = ROLES, docids: Iterable[str] | None = None,
                   normalize: bool = True) -> CeafReport:
    """CEAF-REE over documents ``docids`` (default: every gold document), micro over ``roles``.

    ``pred``/``gold``: doc id -> role -> entities -> mention strings. See the module docstring."""
    if phi not in PHIS:
        raise ValueError(f"phi must be one of {sorted(PHIS)}, not {phi!r}")
    fn = PHIS[phi]
    roles = tuple(roles)
    docs = list(gold) if docids is None else list(docids)
    report = CeafReport(phi=phi, roles=roles, per_role={r: CeafCounts() for r in roles}, per_doc={})
    report.extra_predictions = sorted(set(pred) - set(docs))
    for d in docs:
        g_doc = gold.get(d, {})
        if d not in pred:
            report.missing_predictions.append(d)
        p_doc = pred.get(d, {})
        report.per_doc[d] = {}
        for r in roles:
            g, ge = _prepare(g_doc.get(r), normalize)
            p, pe = _prepare(p_doc.get(r), normalize)
            report.empty_entities_dropped["gold"] += ge
            report.empty_entities_dropped["pred"] += pe
            c = CeafCounts(*ceaf_counts(p, g, fn))
            report.per_doc[d][r] = c
            report.per_role[r].add(c)
    return report


def entities_from_mentions(mentions: Mapping[str, Iterable[str]], *, normalize: bool = True) -> dict[str, list[list[str]]]:
    """Predicted role -> mention strings (e.g. the text of a tagger's spans, in text order) as CEAF-REE
    entities: one single-mention entity per distinct (normalised) string, in order of first appearance.
    A tagger does not cluster coreferent mentions; two strings of one gold entity predicted separately
    cost a false positive under phi_strict, as two separate GRIT predictions would."""
    out: dict[str, list[list[str]]] = {}
    for role, ms in mentions.items():
        seen: set[str] = set()
        ents: list[list[str]] = []
        for m in ms:
            key = normalize_string(m) if normalize else m
            if not key or key in seen:
                continue
            seen.add(key)
            ents.append([m])
        out[role] = ents
    return out


def load_grit_predictions(path: str | Path) -> tuple[dict[str, dict], dict[str, dict]]:
    """Read a GRIT/GTT prediction file (``preds_s_t.out``: JSON keyed by numeric doc id with
    ``pred_extracts`` and ``gold_extracts``). Returns (pred, gold_in_file), both doc id -> role -> entities."""
    with Path(path).open(encoding="utf-8") as f:
        raw = json.load(f)
    pred = {d: v["pred_extracts"] for d, v in raw.items()}
    gold = {d: v["gold_extracts"] for d, v in raw.items() if "gold_extracts" in v}
    return pred, gold


def load_grit_gold(path: str | Path, *, numeric_ids: bool = True) -> dict[str, dict[str, list[list[str]]]]:
    """Gold entities from a GRIT role-filler file (``test.json``), as ``eval.py`` reads them: mention
    strings only (offsets dropped), empty entities dropped, keyed by GRIT's numeric id (``30001``) when
    ``numeric_ids`` (to match prediction files), else by the doc id."""
    from ..formats.muc4 import grit_numeric_id

    out: dict[str, dict[str, list[list[str]]]] = {}
    with Path(path).open(encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            row = json.loads(line)
            key = grit_numeric_id(row["docid"]) if numeric_ids else row["docid"]
            out[key] = {role: [[m[0] for m in ent] for ent in ents if ent]
                        for role, ents in row["extracts"].items()}
    return out
