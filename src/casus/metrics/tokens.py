"""Fast strict entity scoring over BIO/IOBES tag sequences, identical to seqeval's default mode.

seqeval re-extracts entities for every metric it reports and builds per-label numpy arrays; here each
sequence is decoded once (:func:`casus.align.tags_to_token_spans`) and the counts are plain integers.
The numbers are the same as ``seqeval.metrics.classification_report`` / ``f1_score`` (a differential test
checks it), so large evaluations (100k sentences) are cheap.
"""

from __future__ import annotations

from typing import Sequence

from .spans import Counts


def _encode(seqs: Sequence[Sequence[str]], codes: dict[str, int]) -> "tuple[np.ndarray, np.ndarray]":
    """All sequences as one int array with an "O" separator after each, and each sequence's start offset."""
    import numpy as np

    flat: list[int] = []
    starts = []
    o = codes.setdefault("O", 0)
    for seq in seqs:
        starts.append(len(flat))
        flat.extend([codes.setdefault(t, len(codes)) for t in seq])
        flat.append(o)
    return np.asarray(flat, dtype=np.int64), np.asarray(starts, dtype=np.int64)


def _chunk_keys(ids: "np.ndarray", codes: dict[str, int]) -> "tuple[np.ndarray, np.ndarray]":
    """seqeval's default (lenient) chunking, vectorised: returns (keys, labels) of every chunk, where a key
    encodes (start, end) positions in the flat array."""
    import numpy as np

    n_codes = max(codes.values()) + 1
    prefix = np.zeros(n_codes, dtype=np.int8)   # 0 O, 1 B, 2 I, 3 E, 4 S
    label = np.zeros(n_codes, dtype=np.int64)
    lab_ids: dict[str, int] = {}
    for tag, c in codes.items():
        if tag == "O" or "-" not in tag:
            prefix[c] = 0 if tag == "O" else 2
            label[c] = lab_ids.setdefault(tag, len(lab_ids) + 1) if tag != "O" else 0
            continue
        p, _, lab = tag.partition("-")
        prefix[c] = {"B": 1, "I": 2, "E": 3, "S": 4}.get(p, 2)
        label[c] = lab_ids.setdefault(lab, len(lab_ids) + 1)
    P, L = prefix[ids], label[ids]
    prevP = np.concatenate(([0], P[:-1]))
    prevL = np.concatenate(([0], L[:-1]))
    non_o = P != 0
    start = non_o & ((P == 1) | (P == 4) | (prevP == 0) | (prevP == 3) | (prevP == 4) | (prevL != L))
    s_idx = np.flatnonzero(start)
    # a chunk runs from its start to the position before the next start or the next O
    boundary = np.flatnonzero(start | ~non_o)
    nxt = np.searchsorted(boundary, s_idx, side="right")
    e_idx = boundary[nxt] - 1
    n = len(ids) + 1
    keys = s_idx * n + e_idx
    return keys, L[s_idx], lab_ids


def strict_counts(y_true: Sequence[Sequence[str]], y_pred: Sequence[Sequence[str]]) -> dict[str, Counts]:
    """Per-label TP/FP/FN over all sequences (entities never cross sequence boundaries)."""
    import numpy as np

    if len(y_true) != len(y_pred):
        raise ValueError("y_true and y_pred must have the same number of sequences")
    codes: dict[str, int] = {}
    t_ids, t_starts = _encode(y_true, codes)
    p_ids, p_starts = _encode(y_pred, codes)
    if len(t_ids) != len(p_ids) or not np.array_equal(t_starts, p_starts):
        bad = next(i for i, (t, p) in enumerate(zip(y_true, y_pred)) if len(t) != len(p))
        raise ValueError(f"sequence {bad}: {len(y_true[bad])} gold tags but {len(y_pred[bad])} predicted tags")
    gk, gl, labs = _chunk_keys(t_ids, codes)
    pk, pl, labs2 = _chunk_keys(p_ids, codes)
    names = {v: k for k, v in labs.items()}
    n_lab = len(labs) + 1
    gkey = gk * n_lab + gl
    pkey = pk * n_lab + pl
    hit = np.isin(gkey, pkey, assume_unique=True)
    tp = np.bincount(gl[hit], minlength=n_lab)
    fn = np.bincount(gl[~hit], minlength=n_lab)
    fp = np.bincount(pl, minlength=n_lab) - tp
    out = {}
    for i in range(1, n_lab):
        if tp[i] or fp[i] or fn[i]:
            out[names[i]] = Counts(float(tp[i]), float(fp[i]), float(fn[i]))
    return dict(sorted(out.items()))


def strict_report(y_true: Sequence[Sequence[str]], y_pred: Sequence[Sequence[str]]) -> dict:
    """Micro and macro F1 plus per-label P/R/F1/support, as seqeval's classification_report gives them.

    Macro averages over labels that occur in gold or predictions (seqeval's label set)."""
    per = strict_counts(y_true, y_pred)
    micro = Counts()
    for c in per.values():
        micro.add(c)
    macro = sum(c.f1 for c in per.values()) / len(per) if per else 0.0
    return {"micro": micro.as_dict(), "macro_f1": macro,
            "per_label": {lab: {**c.as_dict(), "support": int(c.tp + c.fn)} for lab, c in per.items()}}
