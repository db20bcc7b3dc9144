"""Exports of the built dataset for users outside HuggingFace: CoNLL (BIO) and JSONL, one file per split."""

from __future__ import annotations

import json
from pathlib import Path

from .dataset import document_row, load_manifest
from .splits import SPLITS
from .store import Repo, atomic_write


def _split_docs(repo: Repo):
    asets = [repo.annotation(d) for d in repo.gold_ids()]
    where = load_manifest(repo, asets).split_of()
    return {s: [a for a in asets if where[a.doc_id] == s] for s in SPLITS}


def export_conll(repo: Repo, out: Path, scheme: str = "BIO") -> int:
    """``out/<split>.conll``: the entity layer of each split in casus's one CoNLL writer
    (:func:`casus.formats.conll.dumps`, ``triggers=False``): ``-DOCSTART-<TAB><doc_id>``, one token and tag per
    line, a blank line after each sentence — the same file ``casus export conll`` writes, without triggers."""
    from .formats import conll

    schema = repo.schema
    n = 0
    for split, asets in _split_docs(repo).items():
        n += len(asets)
        atomic_write(Path(out) / f"{split}.conll", conll.dumps(asets, schema, triggers=False, scheme=scheme))
    return n


def export_jsonl(repo: Repo, out: Path, scheme: str = "BIO") -> int:
    """``out/<split>.jsonl``: the ``documents`` rows (tags as strings)."""
    schema = repo.schema
    n = 0
    for split, asets in _split_docs(repo).items():
        rows = []
        for a in asets:
            n += 1
            r = document_row(a, schema, scheme)
            r.pop("_unrepresentable")
            rows.append(json.dumps(r, ensure_ascii=False, sort_keys=True))
        atomic_write(Path(out) / f"{split}.jsonl", "\n".join(rows) + ("\n" if rows else ""))
    return n
