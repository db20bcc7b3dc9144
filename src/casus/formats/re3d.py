"""re3d (Dstl, 2017) -> casus: the original char-offset JSON and the CoNLL splits.

**Original** (``dstl_original/<Source>/{documents,entities}.json``, mongoexport JSON lines):
``documents.json`` rows ``{_id, title, text, sourceName, sourceUrl, wordCount, sentenceCount}``;
``entities.json`` rows ``{_id, documentId, begin, end, type, value, confidence}``, offsets being
code-point offsets into ``text``, end exclusive (checked: they are Python string indices). The
entity rows are *candidates*: the same range can appear under two types (``Syria`` as Location with
confidence 0 and as Organisation with confidence 1), and candidates overlap or nest.

:func:`load_original` makes one AnnotationSet per document (id = the document's ``_id``) and decides,
counting every decision in :class:`Re3dStats`:

* **confidence**: candidates with ``confidence < min_confidence`` are dropped (default 0.5, kept when
  equal, as the juand-r/ConfliBERT CoNLL conversion did).
* **duplicates**: a second candidate with the same (begin, end, type) is dropped.
* **overlap** (``flat=True``, the default): one flat layer, *the longest span wins*, as in the juand-r
  conversion; ties go to the higher confidence, then the earlier start, then the type name. Every
  candidate dropped because it overlaps a kept one is counted. ``flat=False`` keeps nested and
  overlapping spans (casus spans may overlap; the CoNLL writer refuses them).
* **value mismatch**: the offsets are authoritative (a span's text is always ``text[start:end]``);
  rows whose ``value`` differs from ``text[begin:end]`` (5 in the release: curly vs straight quotes,
  a newline read as a space) are kept and listed.
* **whitespace**: a candidate that starts or ends on whitespace (``"the U.S.-led "``) is trimmed to its
  non-space text (casus spans never start or end on whitespace; counted in ``trimmed``, 4 in the
  release); a whitespace-only candidate (3 in the release, one with confidence 0.87) is dropped and listed
  in ``blank``. Trimming happens before confidence filtering, de-duplication and the flat layer.
* rows whose offsets fall outside the text, or that name an unknown document, are dropped and listed.

On the release (defaults): 4,838 candidates -> 1,336 below 0.5, 3 blank, 1 duplicate (the trimmed
`` the Book of Revelation``), 85 dropped by the flat layer, 3,413 spans kept. The juand-r CoNLL
conversion of the same data holds the same counts per type except one Organisation (and it left out
Vehicle, CommsIdentifier and Frequency); ``flat=False`` keeps 3,498.

Span ids are generated (``e1``, ``e2``, ...); each span's attrs keep ``confidence`` and the row's
``re3d_id``. Labels are re3d's own types (Organisation, Location, Person, Weapon, ...), not casus labels.

**CoNLL** (``conflibert_splits/{train,dev,test}.txt``, ``juand-r_conll/re3d-{train,test}.conll``):
``token<TAB>BIO-tag``, CRLF line ends in the ConfliBERT copy, sentences only. :func:`read_conll`
gives one AnnotationSet per sentence (``re3d-<stem>-00001``; a stem already starting with ``re3d`` is
not prefixed again), text = tokens joined by single spaces.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..model import AnnotationSet, Document, Span
from .conll2003 import read_conll_benchmark
from .offsets import PathOrFile, format_error, source_name

__all__ = ["RE3D_LABELS", "Re3dStats", "Re3dImport", "load_original", "read_original", "read_conll"]

# Every type in the original release (14); the CoNLL splits hold the first ten only.
RE3D_LABELS = (
    "Organisation", "Location", "Person", "Nationality", "Temporal", "Quantity", "Weapon",
    "DocumentReference", "MilitaryPlatform", "Money", "Vehicle", "Coordinate", "CommsIdentifier", "Frequency",
)


@dataclass
class Re3dStats:
    documents: int = 0
    candidates: int = 0  # entity rows read
    candidates_by_type: Counter = field(default_factory=Counter)
    low_confidence: int = 0
    duplicates: int = 0
    overlap_dropped: int = 0  # flat layer: dropped because a longer (or tied, better) span overlaps it
    overlap_dropped_by_type: Counter = field(default_factory=Counter)
    kept: int = 0
    kept_by_type: Counter = field(default_factory=Counter)
    trimmed: int = 0  # spans with leading/trailing whitespace, trimmed to the non-space text
    blank: list[dict[str, Any]] = field(default_factory=list)  # whitespace-only candidates, dropped
    value_mismatches: list[dict[str, Any]] = field(default_factory=list)
    bad_rows: list[dict[str, Any]] = field(default_factory=list)  # unknown document / offsets out of range

    def as_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents, "candidates": self.candidates,
            "candidates_by_type": dict(self.candidates_by_type), "low_confidence": self.low_confidence,
            "duplicates": self.duplicates, "overlap_dropped": self.overlap_dropped,
            "overlap_dropped_by_type": dict(self.overlap_dropped_by_type), "kept": self.kept,
            "kept_by_type": dict(self.kept_by_type), "trimmed": self.trimmed, "blank": list(self.blank),
            "value_mismatches": list(self.value_mismatches),
            "bad_rows": list(self.bad_rows),
        }


@dataclass
class Re3dImport:
    asets: list[AnnotationSet]
    stats: Re3dStats


def _json_lines(path: Path) -> list[dict[str, Any]]:
    rows = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise format_error(str(path), f"not a JSON line: {exc.msg}", line=n) from exc
    return rows


def _source_dirs(root: Path) -> list[Path]:
    if (root / "documents.json").is_file():
        return [root]
    dirs = sorted(p for p in root.iterdir() if p.is_dir() and (p / "documents.json").is_file())
    if not dirs:
        raise format_error(str(root), "no documents.json here nor in any sub-folder (expected dstl_original/)")
    return dirs


def _flat(cands: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    order = sorted(cands, key=lambda c: (-(c["end"] - c["begin"]), -c["confidence"], c["begin"], c["type"]))
    kept: list[dict[str, Any]] = []
    dropped: list[dict[str, Any]] = []
    for c in order:
        if any(c["begin"] < k["end"] and k["begin"] < c["end"] for k in kept):
            dropped.append(c)
        else:
            kept.append(c)
    return kept, dropped


def load_original(root: str | Path, *, min_confidence: float = 0.5, flat: bool = True,
                  annotator: str = "gold") -> Re3dImport:
    """Read ``dstl_original/`` (or one ``<Source>/`` folder) into AnnotationSets plus the counts of
    every candidate dropped or questioned (see the module docstring)."""
    root = Path(root)
    stats = Re3dStats()
    asets: list[AnnotationSet] = []
    for d in _source_dirs(root):
        docs = _json_lines(d / "documents.json")
        ents = _json_lines(d / "entities.json") if (d / "entities.json").is_file() else []
        texts = {doc["_id"]: doc["text"] for doc in docs}
        by_doc: dict[str, list[dict[str, Any]]] = {doc["_id"]: [] for doc in docs}
        for e in ents:
            stats.candidates += 1
            stats.candidates_by_type[e["type"]] += 1
            text = texts.get(e["documentId"])
            if text is None:
                stats.bad_rows.append({"id": e["_id"], "why": "unknown documentId", "folder": d.name})
                continue
            b, en = e["begin"], e["end"]
            if not (isinstance(b, int) and isinstance(en, int) and 0 <= b < en <= len(text)):
                stats.bad_rows.append({"id": e["_id"], "why": f"offsets {b}-{en} outside the text", "folder": d.name})
                continue
            if text[b:en] != e["value"]:
                stats.value_mismatches.append({"id": e["_id"], "value": e["value"], "text": text[b:en]})
            frag = text[b:en]
            if not frag.strip():
                stats.blank.append({"id": e["_id"], "begin": b, "end": en, "confidence": e["confidence"]})
                continue
            if frag != frag.strip():
                stats.trimmed += 1
                b, en = b + len(frag) - len(frag.lstrip()), en - (len(frag) - len(frag.rstrip()))
                e = {**e, "begin": b, "end": en}
            if e["confidence"] < min_confidence:
                stats.low_confidence += 1
                continue
            by_doc[e["documentId"]].append(e)
        for doc in docs:
            stats.documents += 1
            cands: list[dict[str, Any]] = []
            seen: set[tuple[int, int, str]] = set()
            for e in sorted(by_doc[doc["_id"]], key=lambda c: (c["begin"], c["end"], c["type"], -c["confidence"])):
                key = (e["begin"], e["end"], e["type"])
                if key in seen:
                    stats.duplicates += 1
                    continue
                seen.add(key)
                cands.append(e)
            if flat:
                cands, dropped = _flat(cands)
                stats.overlap_dropped += len(dropped)
                stats.overlap_dropped_by_type.update(c["type"] for c in dropped)
            cands.sort(key=lambda c: (c["begin"], c["end"], c["type"]))
            spans = tuple(
                Span(id=f"e{i}", start=c["begin"], end=c["end"], label=c["type"],
                     attrs={"confidence": c["confidence"], "re3d_id": c["_id"]})
                for i, c in enumerate(cands, start=1)
            )
            stats.kept += len(spans)
            stats.kept_by_type.update(s.label for s in spans)
            meta = {k: doc[k] for k in ("title", "sourceName", "sourceUrl") if doc.get(k) is not None}
            meta["folder"] = d.name
            asets.append(AnnotationSet(
                document=Document(id=doc["_id"], text=doc["text"], metadata=meta), spans=spans,
                annotator=annotator,
                provenance={"benchmark": "re3d", "format": "dstl_original", "min_confidence": min_confidence,
                            "flat": flat},
            ))
    return Re3dImport(asets=asets, stats=stats)


def read_original(root: str | Path, *, min_confidence: float = 0.5, flat: bool = True,
                  annotator: str = "gold") -> list[AnnotationSet]:
    """:func:`load_original` without the counts."""
    return load_original(root, min_confidence=min_confidence, flat=flat, annotator=annotator).asets


def read_conll(path_or_file: PathOrFile, *, doc_prefix: str | None = None,
               annotator: str = "gold") -> list[AnnotationSet]:
    """Read a re3d CoNLL split (ConfliBERT ``train/dev/test.txt`` or juand-r ``re3d-*.conll``):
    one AnnotationSet per sentence, labels as in the file."""
    stem = Path(source_name(path_or_file)).stem
    prefix = doc_prefix if doc_prefix is not None else (stem if stem.startswith("re3d") else f"re3d-{stem}")
    return read_conll_benchmark(path_or_file, RE3D_LABELS, doc_prefix=prefix, per_sentence=True,
                                provenance={"benchmark": "re3d", "format": "conll"}, annotator=annotator)
