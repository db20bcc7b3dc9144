"""The frozen split manifest (``annotations/splits.json``): train/dev/test/style_test by document, never by sentence.

The first manifest is made by a seeded, stratified assignment (stratum = style + region + main event kind).
Afterwards it is frozen: documents already listed never move. A document missing from the manifest is
placed deterministically (the split furthest below its target share within its stratum, ties broken
by a seeded hash of its id) and reported; a document listed in two splits is refused.

``style_test`` is the out-of-style split: the manifest names held-out writers (``style_test_writers``);
every document whose metadata ``writer`` is one of them goes to ``style_test`` and nowhere else, so its
writers and styles never appear in train, dev or test. A held-out writer's document found in another split,
or a style of a held-out writer also written by a training writer, stops the build.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import DatasetError
from .model import AnnotationSet

SPLITS = ("train", "dev", "test", "style_test")
IN_STYLE = ("train", "dev", "test")  # the splits dealt by ratio; style_test is decided by writer
DEFAULT_RATIOS = {"train": 0.7, "dev": 0.15, "test": 0.15}


def stratum(aset: AnnotationSet) -> str:
    """Stratum key of a document: its style (if any), region and the subtype of its first main event frame."""
    meta = aset.document.metadata
    region = str(meta.get("region", "?"))
    main = [e for e in aset.events if "same_as" not in e.attrs]
    kind = (main[0].subtype or main[0].type) if main else "none"
    style = meta.get("style")
    return f"{style}|{region}|{kind}" if style else f"{region}|{kind}"


def _tiebreak(seed: int, doc_id: str) -> str:
    return hashlib.sha256(f"{seed}:{doc_id}".encode()).hexdigest()


@dataclass
class Manifest:
    seed: int
    ratios: dict[str, float]
    splits: dict[str, list[str]]
    added: list[str] = field(default_factory=list)  # ids placed by the last `place_missing` call
    created: bool = False  # True when this manifest was made fresh (no manifest on disk)
    style_test_writers: list[str] = field(default_factory=list)  # held-out writers: their documents -> style_test

    def split_of(self) -> dict[str, str]:
        where: dict[str, str] = {}
        dup: list[str] = []
        for name in self.splits:
            for d in self.splits[name]:
                if d in where:
                    dup.append(f"{d} ({where[d]} and {name})")
                where[d] = name
        if dup:
            raise DatasetError("documents present in two splits: " + ", ".join(sorted(dup))
                               + " — remove each from all but one split in annotations/splits.json")
        return where

    def to_json(self) -> str:
        body = {"seed": self.seed, "ratios": self.ratios,
                "note": "frozen: documents never move; new documents are appended (see casus.splits); "
                        "documents of the style_test_writers go to style_test only",
                "style_test_writers": sorted(self.style_test_writers),
                "splits": {k: list(self.splits.get(k, [])) for k in SPLITS}}
        return json.dumps(body, indent=2) + "\n"

    @classmethod
    def load(cls, path: Path) -> "Manifest":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise DatasetError(f"{path}:{exc.lineno}:{exc.colno}: malformed JSON: {exc.msg}") from exc
        if not isinstance(data, dict) or not isinstance(data.get("splits"), dict) or "seed" not in data:
            raise DatasetError(f"{path}: expected {{\"seed\", \"ratios\", \"splits\": {{train, dev, test, style_test}}}}")
        unknown = set(data["splits"]) - set(SPLITS)
        if unknown:
            raise DatasetError(f"{path}: unknown split names {sorted(unknown)}; use {SPLITS}")
        writers = data.get("style_test_writers", [])
        if not isinstance(writers, list) or not all(isinstance(w, str) for w in writers):
            raise DatasetError(f"{path}: style_test_writers must be a list of writer names")
        m = cls(seed=int(data["seed"]), ratios=dict(data.get("ratios") or DEFAULT_RATIOS),
                splits={k: list(data["splits"].get(k, [])) for k in SPLITS}, style_test_writers=list(writers))
        m.split_of()
        return m


def create(asets: list[AnnotationSet], seed: int = 13, ratios: dict[str, float] | None = None,
           style_test_writers: list[str] | None = None) -> Manifest:
    """A fresh stratified assignment. Within each stratum documents are shuffled with ``seed`` and dealt
    to the split furthest below its share; strata are processed in sorted order."""
    ratios = dict(ratios or DEFAULT_RATIOS)
    m = Manifest(seed=seed, ratios=ratios, splits={k: [] for k in SPLITS},
                 style_test_writers=list(style_test_writers or []))
    _place(m, sorted(asets, key=lambda a: a.doc_id), fresh=True)
    m.added = []
    m.created = True
    return m


def held_out(m: Manifest, aset: AnnotationSet) -> bool:
    return str(aset.document.metadata.get("writer", "")) in set(m.style_test_writers)


def _place(m: Manifest, asets: list[AnnotationSet], fresh: bool) -> None:
    by_stratum: dict[str, list[AnnotationSet]] = defaultdict(list)
    for a in asets:
        if held_out(m, a):
            m.splits["style_test"].append(a.doc_id)
            m.added.append(a.doc_id)
            continue
        by_stratum[stratum(a)].append(a)
    rng = random.Random(m.seed)
    total = Counter({k: len(m.splits[k]) for k in IN_STYLE})
    for key in sorted(by_stratum):
        docs = by_stratum[key]
        if fresh:
            rng.shuffle(docs)
        else:
            docs = sorted(docs, key=lambda a: _tiebreak(m.seed, a.doc_id))
        local: Counter = Counter()
        for a in docs:
            n_local = sum(local.values()) + 1
            n_total = sum(total.values()) + 1

            def deficit(s: str) -> tuple[float, float, str]:
                # global quota first (small strata would otherwise all land in train), then the stratum's
                return (m.ratios[s] * n_total - total[s], m.ratios[s] * n_local - local[s], s)

            best = max(IN_STYLE, key=deficit)
            m.splits[best].append(a.doc_id)
            local[best] += 1
            total[best] += 1
            m.added.append(a.doc_id)
    for k in SPLITS:
        m.splits[k].sort()


def place_missing(m: Manifest, asets: list[AnnotationSet]) -> Manifest:
    """Append documents missing from the manifest without moving any listed one (``m.added`` lists them)."""
    where = m.split_of()
    missing = [a for a in asets if a.doc_id not in where]
    m.added = []
    if missing:
        before = {k: list(v) for k, v in m.splits.items()}
        _place(m, missing, fresh=False)
        for k in SPLITS:  # listed documents keep their split; only appended ids are new
            assert set(before[k]) <= set(m.splits[k])
        m.splits["style_test"].sort()
    return m


def check_style_disjoint(m: Manifest, asets: list[AnnotationSet]) -> None:
    """style_test holds exactly the held-out writers' documents, and no held-out style is written by a writer
    whose documents are in train, dev or test."""
    where = m.split_of()
    wrong = []
    styles_in: dict[str, set[str]] = defaultdict(set)
    styles_out: dict[str, set[str]] = defaultdict(set)
    for a in asets:
        split = where.get(a.doc_id)
        if split is None:
            continue
        meta = a.document.metadata
        if held_out(m, a) != (split == "style_test"):
            wrong.append(f"{a.doc_id} (writer {meta.get('writer')!r}, in {split})")
        style = meta.get("style")
        if style:
            (styles_out if split == "style_test" else styles_in)[str(style)].add(str(meta.get("writer", "")))
    if wrong:
        raise DatasetError("style_test must hold exactly the documents of the held-out writers "
                           f"{sorted(m.style_test_writers)}: " + ", ".join(sorted(wrong))
                           + " — move each to the right split in annotations/splits.json (or change its writer)")
    shared = sorted(set(styles_in) & set(styles_out))
    if shared:
        raise DatasetError("styles both held out and trained on: " + ", ".join(
            f"{s} (held out by {sorted(styles_out[s])}, in train/dev/test by {sorted(styles_in[s])})" for s in shared)
            + " — give each held-out style to held-out writers only")


def check_against_corpus(m: Manifest, doc_ids: list[str]) -> None:
    where = m.split_of()
    unknown = sorted(set(where) - set(doc_ids))
    if unknown:
        raise DatasetError(f"annotations/splits.json lists documents with no gold annotation: {', '.join(unknown)} — "
                           "remove them from the manifest or restore the documents")


def summary(m: Manifest) -> dict[str, Any]:
    return {k: len(v) for k, v in m.splits.items()}
