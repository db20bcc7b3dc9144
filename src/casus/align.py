"""Character spans <-> word tokens <-> sub-words, and windows.

Word tokenisation is a regex over the text that is additionally split at every span boundary given,
so that each span maps onto whole tokens. Offsets are code-point offsets, end exclusive.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Iterable, Sequence

from .errors import SchemaError

# the tagging schemes, in one place: every BIO/IOBES check in casus goes through tag_prefixes()
TAG_SCHEMES = ("BIO", "IOBES")
_PREFIXES = {"BIO": ("B", "I"), "IOBES": ("B", "I", "E", "S")}


def tag_prefixes(scheme: str) -> tuple[str, ...]:
    """The tag prefixes of ``scheme`` (case-insensitive): BIO -> B, I; IOBES -> B, I, E, S. SchemaError else."""
    prefixes = _PREFIXES.get(str(scheme).upper())
    if prefixes is None:
        raise SchemaError(f"unknown tagging scheme {scheme!r}; use {' or '.join(TAG_SCHEMES)}")
    return prefixes

TOKEN_RE = re.compile(r"\d+(?:[.,:]\d+)*|\w+(?:['’\-]\w+)*|[^\w\s]", re.UNICODE)
# Sentence ends: . ! ? (optionally followed by closing quotes/brackets) then whitespace, or a blank line.
SENT_END_RE = re.compile(r"(?<=[.!?])[\"'”’)\]]*(?=\s)|\n\s*\n")


def tokenize(text: str, boundaries: Iterable[int] = ()) -> list[tuple[int, int]]:
    """Word tokens as (start, end), split additionally at each offset in ``boundaries``."""
    cuts = sorted(set(boundaries))
    out: list[tuple[int, int]] = []
    import bisect

    for m in TOKEN_RE.finditer(text):
        s, e = m.start(), m.end()
        i = bisect.bisect_right(cuts, s)
        while i < len(cuts) and cuts[i] < e:
            out.append((s, cuts[i]))
            s = cuts[i]
            i += 1
        out.append((s, e))
    return out


def span_boundaries(spans: Iterable) -> set[int]:
    b: set[int] = set()
    for s in spans:
        b.add(s.start)
        b.add(s.end)
    return b


def sentence_ranges(text: str, keep_together: Sequence[tuple[int, int]] = ()) -> list[tuple[int, int]]:
    """Sentence (start, end) ranges covering the non-space text; never cuts inside a keep_together range."""
    cuts = [0]
    for m in SENT_END_RE.finditer(text):
        pos = m.end()
        if any(s < pos < e for s, e in keep_together):
            continue
        cuts.append(pos)
    cuts.append(len(text))
    out = []
    for a, b in zip(cuts, cuts[1:]):
        seg = text[a:b]
        lead = len(seg) - len(seg.lstrip())
        trail = len(seg) - len(seg.rstrip())
        if b - trail > a + lead:
            out.append((a + lead, b - trail))
    return out


def bio_tags(tokens: Sequence[tuple[int, int]], spans: Iterable, scheme: str = "BIO") -> tuple[list[str], int]:
    """Tags for ``tokens`` from ``spans`` (objects with start/end/label). Returns (tags, unrepresentable).

    A span whose boundaries do not fall on token boundaries cannot be represented: it is counted, and
    its tokens are still tagged by overlap (never hidden, never silently dropped).
    """
    tags = ["O"] * len(tokens)
    starts = {s: i for i, (s, _) in enumerate(tokens)}
    ends = {e: i for i, (_, e) in enumerate(tokens)}
    bad = 0
    for sp in spans:
        i, j = starts.get(sp.start), ends.get(sp.end)
        if i is None or j is None:
            bad += 1
            idx = [k for k, (s, e) in enumerate(tokens) if s < sp.end and sp.start < e]
            if not idx:
                continue
            i, j = idx[0], idx[-1]
        for k in range(i, j + 1):
            tags[k] = f"I-{sp.label}"
        tags[i] = f"B-{sp.label}"
        if "S" in tag_prefixes(scheme):
            if i == j:
                tags[i] = f"S-{sp.label}"
            else:
                tags[j] = f"E-{sp.label}"
    return tags, bad


def tags_to_token_spans(tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """Decode BIO/IOBES tags into (first_token, last_token_inclusive, label), seqeval-compatible (strict).

    Follows seqeval's default (non-strict) chunking for BIO: an I- after O or another label starts a chunk.
    """
    out: list[tuple[int, int, str]] = []
    cur: list | None = None
    for i, t in enumerate(list(tags) + ["O"]):
        prefix, _, label = t.partition("-") if t != "O" else ("O", "", "")
        if cur is not None:
            end_here = prefix in ("O", "B", "S") or label != cur[2]
            if end_here:
                out.append((cur[0], cur[1], cur[2]))
                cur = None
        if prefix in ("B", "S") or (prefix in ("I", "E") and cur is None):
            cur = [i, i, label]
        elif prefix in ("I", "E") and cur is not None:
            cur[1] = i
        if prefix in ("E", "S") and cur is not None:
            out.append((cur[0], cur[1], cur[2]))
            cur = None
    return out


# -- word safety ------------------------------------------------------------------------------------
# A span boundary is "inside a word" when it separates two letters/digits ("Liberia|n", "Mad|uro"), or
# splits one user-perceived character: before a combining mark, a zero-width joiner, a variation selector
# or an emoji skin-tone modifier, right after a zero-width joiner, or between the two regional-indicator
# letters of a flag. Hyphens, apostrophes, spaces and punctuation are word edges ("Liberian|-flagged").

_JOINERS = {"\u200d", "\ufe0e", "\ufe0f"}


def _alnum(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LN"


def _regional(ch: str) -> bool:
    return "\U0001F1E6" <= ch <= "\U0001F1FF"


def inside_word(text: str, pos: int) -> bool:
    """True when a span boundary at ``pos`` would cut a word or a character cluster of ``text``."""
    if pos <= 0 or pos >= len(text):
        return False
    left, right = text[pos - 1], text[pos]
    if unicodedata.category(right)[0] == "M" or right in _JOINERS or left == "\u200d":
        return True
    if "\U0001F3FB" <= right <= "\U0001F3FF":
        return True
    if _regional(left) and _regional(right):
        run = 0  # flags pair regional indicators from the left: cut only between two flags
        i = pos - 1
        while i >= 0 and _regional(text[i]):
            run += 1
            i -= 1
        return run % 2 == 1
    return _alnum(left) and _alnum(right)


def mid_word_spans(text: str, spans: Iterable) -> list[tuple[int, int, str]]:
    """The spans (start, end, label) of ``spans`` (triples or objects with start/end/label) that start or
    end inside a word of ``text`` (see :func:`inside_word`)."""
    out = []
    for sp in spans:
        a, b, lab = (sp.start, sp.end, sp.label) if hasattr(sp, "start") else (sp[0], sp[1], sp[2])
        if inside_word(text, a) or inside_word(text, b):
            out.append((a, b, lab))
    return out
