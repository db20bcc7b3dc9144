"""CoNLL-layout benchmark files (CoNLL-2003 ``eng.*``, re3d and ConfliBERT CoNLL splits) -> casus.

:mod:`casus.formats.conll` reads the token lines and tags of these files itself: the 4-column layout
``token POS chunk NER`` (tag last), the 2-column ``token TAG`` layout (tab or space), CRLF line ends,
``-DOCSTART-`` lines and IOB1 tags (an ``I-`` after ``O`` or after another type opens a chunk, ``B-`` only
separates two adjacent chunks of one type; :func:`casus.align.tags_to_token_spans` decodes IOB1 and
IOB2 alike). This module adds only what a *benchmark* file needs on top of that reader:

* a label set of the benchmark's own (CoNLL-2003: LOC/MISC/ORG/PER). These labels are not casus
  schema labels; nothing here validates them against ``annotations/schema.yaml``. A tag whose type is
  not in the benchmark's label set is a :class:`~casus.errors.FormatError` (never silently read).
* document ids: ``conll.read`` names ``-DOCSTART- -X- O O`` documents ``<file stem>-<n>``, and the
  stem of ``eng.train``, ``eng.testa`` and ``eng.testb`` is ``eng`` for all three, so ids would clash
  across the files. Here documents are named ``<file name>-<running index>``: ``eng.train-0001``,
  ``eng.testb-0231``.
* sentence-level files (re3d, ConfliBERT CAMEO; no ``-DOCSTART-``) are read as one document per
  sentence (``per_sentence=True``), named ``<prefix>-<5-digit running index>``.

Text is rebuilt as ``conll.read`` does: the tokens of a sentence joined by single spaces, sentences by
``\\n``. The original whitespace is not in these files and cannot be recovered.

IOB1 -> IOB2: the spans read are tag-scheme-free; writing them back (``conll.write``) gives IOB2 (BIO)
tags, and :func:`iob1_to_iob2` converts a tag sequence directly (for seqeval's strict mode).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from ..align import tags_to_token_spans
from ..model import AnnotationSet, Document, Span
from ..schema import LabelDef, Schema
from . import conll
from .offsets import PathOrFile, format_error, read_source

__all__ = [
    "CONLL2003_LABELS",
    "benchmark_schema",
    "iob1_to_iob2",
    "read_conll_benchmark",
    "read_conll2003",
    "split_sentences",
]

CONLL2003_LABELS = ("LOC", "MISC", "ORG", "PER")


def benchmark_schema(labels: Iterable[str]) -> Schema:
    """A throw-away schema holding a benchmark's entity labels and no event types, so that
    :func:`casus.formats.conll.loads` reads every chunk as an entity span (never as a trigger)."""
    labs = list(labels)
    if not labs:
        raise ValueError("a benchmark needs at least one label")
    return Schema(labels={lab: LabelDef() for lab in labs})


def iob1_to_iob2(tags: Sequence[str]) -> list[str]:
    """Convert IOB1 (or already IOB2) tags to IOB2: every chunk starts with ``B-``."""
    out = ["O"] * len(tags)
    for i, j, label in tags_to_token_spans(list(tags)):
        out[i] = f"B-{label}"
        for k in range(i + 1, j + 1):
            out[k] = f"I-{label}"
    return out


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.\-]", "_", name) or "doc"


def split_sentences(aset: AnnotationSet, first_index: int, prefix: str,
                    provenance: Mapping[str, Any] | None = None) -> list[AnnotationSet]:
    """One AnnotationSet per ``\\n``-separated line of ``aset``'s text (a CoNLL sentence), spans shifted.
    Documents are named ``<prefix>-<index:05d>`` from ``first_index`` on; spans keep their order."""
    text = aset.document.text
    out: list[AnnotationSet] = []
    spans = sorted(aset.spans, key=lambda s: s.start)
    k = 0
    pos = 0
    for n, line in enumerate(text.split("\n")):
        end = pos + len(line)
        mine: list[Span] = []
        while k < len(spans) and spans[k].start < end + 1:
            s = spans[k]
            if s.end > end:  # cannot happen for text rebuilt by conll.loads (tokens have no newline)
                raise ValueError(f"{aset.doc_id}: span {s.id} crosses a sentence boundary")
            mine.append(Span(id=f"s{len(mine) + 1}", start=s.start - pos, end=s.end - pos, label=s.label,
                             attrs=s.attrs))
            k += 1
        doc = Document(id=f"{prefix}-{first_index + n:05d}", text=line)
        out.append(AnnotationSet(document=doc, spans=tuple(mine), annotator=aset.annotator,
                                 provenance=provenance or {}))
        pos = end + 1
    return out


def read_conll_benchmark(path_or_file: PathOrFile, labels: Iterable[str], *, doc_prefix: str | None = None,
                         per_sentence: bool = False, provenance: Mapping[str, Any] | None = None,
                         annotator: str = "gold") -> list[AnnotationSet]:
    """Read a CoNLL-layout benchmark file with its own label set (see the module docstring).

    ``per_sentence=False``: one AnnotationSet per ``-DOCSTART-`` document (a file without any is one
    document), named ``<doc_prefix>-<index:04d>`` (``doc_prefix`` defaults to the file name).
    ``per_sentence=True``: one AnnotationSet per sentence, named ``<doc_prefix>-<index:05d>``.
    Span labels outside ``labels`` raise FormatError, naming them."""
    name, raw = read_source(path_or_file)
    labs = list(labels)
    schema = benchmark_schema(labs)
    asets = conll.loads(raw, schema, file=name, annotator=annotator)
    unknown = sorted({s.label for a in asets for s in a.spans} - set(labs))
    if unknown:
        raise format_error(name, f"tag types {unknown} are not in this benchmark's label set {labs}")
    prefix = _safe(doc_prefix if doc_prefix is not None else Path(name).name)
    prov = dict(provenance or {})
    prov.setdefault("file", Path(name).name)
    out: list[AnnotationSet] = []
    if per_sentence:
        for a in asets:
            out += split_sentences(a, len(out) + 1, prefix, prov)
        return out
    for k, a in enumerate(asets, start=1):
        doc = Document(id=f"{prefix}-{k:04d}", text=a.document.text, metadata=a.document.metadata)
        out.append(AnnotationSet(document=doc, spans=a.spans, events=a.events, annotator=a.annotator,
                                 provenance=prov))
    return out


def read_conll2003(path_or_file: PathOrFile, *, annotator: str = "gold") -> list[AnnotationSet]:
    """Read CoNLL-2003 ``eng.train``/``eng.testa``/``eng.testb`` (``token POS chunk NER``, IOB1):
    one AnnotationSet per ``-DOCSTART-`` document, ids ``<file name>-<index:04d>`` (``eng.testa-0001``),
    labels LOC/MISC/ORG/PER. POS and chunk columns are dropped."""
    return read_conll_benchmark(path_or_file, CONLL2003_LABELS, per_sentence=False,
                                provenance={"benchmark": "conll2003"}, annotator=annotator)
