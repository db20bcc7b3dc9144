"""ConfliBERT "CAMEO NER" actor files (``data/cameo_ner/{train,test}.txt``) -> casus.

Layout: ``token TAG`` (one space), a blank line between sentences, BIO tags over three actor roles:
``S`` (source actor, the initiator), ``T`` (target actor) and ``R`` (reciprocal/related co-actor, e.g.
"X and Y"). There is no ``-DOCSTART-`` and no document structure, so each sentence becomes one
AnnotationSet, named ``cameo-<file stem>-<5-digit index>`` (``cameo-train-00001``); the text is the
sentence's tokens joined by single spaces (the original spacing is not in the file). Spans carry the
labels ``S``/``T``/``R`` as they are; they are benchmark labels, not casus schema labels. Reading is
done by :mod:`casus.formats.conll` (see :mod:`casus.formats.conll2003` for the shared rules).
"""

from __future__ import annotations

from pathlib import Path

from ..model import AnnotationSet
from .conll2003 import read_conll_benchmark
from .offsets import PathOrFile, source_name

__all__ = ["CAMEO_LABELS", "read_cameo"]

CAMEO_LABELS = ("S", "T", "R")


def read_cameo(path_or_file: PathOrFile, *, doc_prefix: str | None = None,
               annotator: str = "gold") -> list[AnnotationSet]:
    """Read a CAMEO actor file: one AnnotationSet per sentence, spans labelled S/T/R."""
    prefix = doc_prefix if doc_prefix is not None else "cameo-" + Path(source_name(path_or_file)).stem
    return read_conll_benchmark(path_or_file, CAMEO_LABELS, doc_prefix=prefix, per_sentence=True,
                                provenance={"benchmark": "conflibert_cameo_ner"}, annotator=annotator)
