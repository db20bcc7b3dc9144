"""Training-data augmentation by entity swapping and "X of Y" heads, for recipes that ask for it.

``entity_swap(rows, ...)`` returns extra training document rows: copies of the training documents in which
each entity mention of the chosen labels is, with probability ``p``, replaced by another surface form of the
same label drawn from the training split itself ("Kharkiv" -> "Gao", "al-Shabaab" -> "Wagner Group
mercenaries"). Text, token offsets and tags are rebuilt so every row is as consistent as a built one; the
replacement is seeded per (seed, copy, document), so a run is reproducible. Only training rows are ever
augmented; dev, test and style_test are scored on the documents as written.

``of_phrase`` (``q``) also wraps, with probability ``q``, a proper-name mention in one of the "X of Y" heads
that the training split's own spans of that label use, inside the span as GUIDELINES D26 says ("Kidal" ->
"the region of Kidal", span "region of Kidal"; "al-Shabaab" -> "fighters of al-Shabaab"), so a model meets
the construction, frequent in translated and local-press reports, more often than the wire style shows it.
"""

from __future__ import annotations

import hashlib
import random
from typing import Any, Sequence

from ..align import tags_to_token_spans, tokenize


def _tags_for(n: int, label: str, tag_names: Sequence[str]) -> list[int]:
    idx = {t: i for i, t in enumerate(tag_names)}
    if "S-" + label in idx:  # IOBES
        if n == 1:
            return [idx["S-" + label]]
        return [idx["B-" + label]] + [idx["I-" + label]] * (n - 2) + [idx["E-" + label]]
    return [idx["B-" + label]] + [idx["I-" + label]] * (n - 1)


def surface_pool(rows: Sequence[dict[str, Any]], tag_names: Sequence[str], labels: Sequence[str]) -> dict[str, list[str]]:
    pool: dict[str, set[str]] = {lab: set() for lab in labels}
    for r in rows:
        tags = [tag_names[t] for t in r["ner_tags"]]
        for i, j, lab in tags_to_token_spans(tags):
            if lab in pool:
                pool[lab].add(r["text"][r["token_starts"][i]:r["token_ends"][j]])
    return {lab: sorted(v) for lab, v in pool.items()}


ARTICLES = ("the", "a", "an")
OF_LABELS = ("ACTOR", "LOCATION")  # the labels D26 keeps "X of Y" inside
# "north of Gao" situates a place relative to another (D25): not a head to wrap a name in
DIRECTIONS = {"north", "south", "east", "west", "northeast", "northwest", "southeast", "southwest"}


def of_heads(pool: dict[str, list[str]], min_count: int = 2) -> dict[str, list[str]]:
    """The lower-case heads ("town", "fighters") that at least ``min_count`` distinct "X of Y" surfaces of a
    surface pool use, per label of OF_LABELS."""
    from collections import Counter

    heads: dict[str, Counter[str]] = {lab: Counter() for lab in pool if lab in OF_LABELS}
    for lab, surfaces in pool.items():
        if lab not in heads:
            continue
        for sf in surfaces:
            if " of " not in sf:
                continue
            head = sf.split(" of ", 1)[0].split()
            if head and head[0].lower() in ARTICLES:
                head = head[1:]
            if 1 <= len(head) <= 2 and all(w.isalpha() and w.islower() for w in head) and head[-1] not in DIRECTIONS:
                heads[lab][" ".join(head)] += 1
    return {lab: sorted(h for h, n in c.items() if n >= min_count) for lab, c in heads.items()}


def _swap_row(row: dict[str, Any], tag_names: Sequence[str], pool: dict[str, list[str]], p: float,
              rng: random.Random, suffix: str, heads: dict[str, list[str]] | None = None,
              q: float = 0.0) -> dict[str, Any]:
    text, starts, ends, tags = row["text"], row["token_starts"], row["token_ends"], list(row["ner_tags"])
    spans = [s for s in tags_to_token_spans([tag_names[t] for t in tags]) if s[2] in pool and pool[s[2]]]
    replace: dict[int, tuple[int, str, str, str]] = {}  # first token -> (last token, label, surface, prefix)
    for i, j, lab in spans:
        surface = text[starts[i]:ends[j]]
        swapped = rng.random() < p
        if swapped:
            surface = rng.choice(pool[lab])
        prefix = ""
        if heads and heads.get(lab) and rng.random() < q and surface[:1].isupper() and " of " not in surface:
            before = text[:starts[i]].rstrip().rsplit(None, 1)
            prefix = "" if before and before[-1].lower() in ARTICLES else "the "
            surface = f"{rng.choice(heads[lab])} of {surface}"
            swapped = True
        if swapped:
            replace[i] = (j, lab, surface, prefix)
    out_text: list[str] = []
    new_starts: list[int] = []
    new_ends: list[int] = []
    new_tags: list[int] = []
    pos = 0  # position in the old text
    length = 0  # length of the new text so far
    k = 0
    n = len(starts)
    while k < n:
        gap = text[pos:starts[k]]
        out_text.append(gap)
        length += len(gap)
        if k in replace:
            j, lab, surface, prefix = replace[k]
            for a, b in tokenize(prefix):  # an article outside the span (O), when the wrapped mention had none
                new_starts.append(length + a)
                new_ends.append(length + b)
                new_tags.append(0)
            out_text.append(prefix)
            length += len(prefix)
            toks = tokenize(surface)
            new_tags += _tags_for(len(toks), lab, tag_names)
            new_starts += [length + a for a, _ in toks]
            new_ends += [length + b for _, b in toks]
            out_text.append(surface)
            length += len(surface)
            pos = ends[j]
            k = j + 1
        else:
            piece = text[starts[k]:ends[k]]
            new_starts.append(length)
            new_ends.append(length + len(piece))
            new_tags.append(tags[k])
            out_text.append(piece)
            length += len(piece)
            pos = ends[k]
            k += 1
    out_text.append(text[pos:])
    return {"doc_id": f"{row['doc_id']}{suffix}", "text": "".join(out_text), "token_starts": new_starts,
            "token_ends": new_ends, "ner_tags": new_tags, "spans": []}


def entity_swap(rows: Sequence[dict[str, Any]], tag_names: Sequence[str], labels: Sequence[str], p: float,
                copies: int, seed: int, of_phrase: float = 0.0) -> list[dict[str, Any]]:
    """``copies`` augmented copies of ``rows`` (document rows with text, token_starts/ends, ner_tags):
    mentions swapped with probability ``p``, proper names wrapped in an "X of Y" head with ``of_phrase``."""
    if (p <= 0 and of_phrase <= 0) or copies <= 0:
        return []
    pool = surface_pool(rows, tag_names, labels)
    heads = of_heads(pool) if of_phrase > 0 else None
    out = []
    for c in range(copies):
        for r in sorted(rows, key=lambda r: r["doc_id"]):
            h = int(hashlib.sha256(f"{seed}:{c}:{r['doc_id']}".encode()).hexdigest()[:16], 16)
            out.append(_swap_row(r, tag_names, pool, p, random.Random(h), f"#swap{c}", heads, of_phrase))
    return out
