"""Metrics: span scoring (strict and partial schemes), seqeval-compatible token scoring, bootstrap CIs."""

from .spans import SCHEMES, Counts, DocScore, SpanReport, aggregate, score_corpus, score_document

__all__ = ["SCHEMES", "Counts", "DocScore", "SpanReport", "aggregate", "score_corpus", "score_document"]
