"""Evaluation: load gold and predicted annotations from any source casus reads (:mod:`.sources`), pair the
documents (:mod:`.pairing`), score them on the one scoring path (:mod:`.scoring`), align spans for error
analysis (:mod:`.alignment`), compare runs (:mod:`.compare`) and passes (:mod:`.agreement`)."""

from __future__ import annotations

from .agreement import repo_agreement
from .alignment import ERROR_CLASSES, align_spans, confusion
from .compare import compare_runs
from .pairing import Pairing, pair_documents, remap_onto
from .scoring import Evaluation, default_labels, evaluate, fmt_ci, parse_labels
from .sources import (Source, detect_kind, gold_for, gold_for_source, kinds, load_source, read_annotation_folder,
                      resolve_schema)

__all__ = ["ERROR_CLASSES", "Evaluation", "Pairing", "Source", "align_spans", "compare_runs", "confusion",
           "default_labels", "detect_kind", "evaluate", "fmt_ci", "gold_for", "gold_for_source", "kinds",
           "load_source", "pair_documents", "parse_labels", "read_annotation_folder", "remap_onto", "repo_agreement",
           "resolve_schema"]
