"""Reading and writing the corpus and annotations on disk.

Layout (sorted, deterministic):

    corpus/<doc_id>.txt                          UTF-8 text, LF line endings
    corpus/<doc_id>.meta.json                    title, date, region, country, source, licence, kind, sha256
    annotations/schema.yaml                      the schema
    annotations/gold/<doc_id>.json               gold annotations
    annotations/passes/<annotator>/<doc_id>.json independent annotators' passes
    annotations/splits.json                      the frozen split manifest

Every write is atomic: a temporary file in the same folder, fsync, then ``os.replace``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Iterator

from .errors import ConflictError, StoreError, ValidationFailed
from .model import ID_RE, AnnotationSet, Document, annotation_from_dict
from .schema import Schema, load_schema
from .atomic import WriteBatch, atomic_write  # noqa: F401 (the store's writes; re-exported)
from .checks import check_annotation, check_metadata, json_locator, parse_json, read_text_file

GOLD = "gold"


def dumps_annotation(aset: AnnotationSet) -> str:
    """Stable JSON: top-level keys one per line, one span / event per line (diff- and line-friendly)."""
    d = aset.to_dict()
    lines = ["{"]
    keys = list(d)
    for i, k in enumerate(keys):
        comma = "," if i < len(keys) - 1 else ""
        v = d[k]
        if isinstance(v, list):
            if not v:
                lines.append(f'  "{k}": []{comma}')
                continue
            lines.append(f'  "{k}": [')
            for j, item in enumerate(v):
                sep = "," if j < len(v) - 1 else ""
                lines.append("    " + json.dumps(item, ensure_ascii=False) + sep)
            lines.append(f"  ]{comma}")
        else:
            lines.append(f'  "{k}": {json.dumps(v, ensure_ascii=False)}{comma}')
    lines.append("}")
    return "\n".join(lines) + "\n"


def dumps_meta(doc: Document) -> str:
    meta = dict(doc.metadata)
    meta["sha256"] = doc.sha256
    return json.dumps(meta, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def find_root(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` holding ``annotations/schema.yaml``."""
    here = (start or Path.cwd()).resolve()
    for p in [here, *here.parents]:
        if (p / "annotations" / "schema.yaml").is_file():
            return p
    raise StoreError(f"no casus repository (annotations/schema.yaml) at or above {here}; pass --root")


@dataclass
class Repo:
    root: Path

    @classmethod
    def open(cls, root: Path | str | None = None) -> "Repo":
        return cls(Path(root).resolve() if root else find_root())

    # -- paths -----------------------------------------------------------------------------------
    @property
    def corpus_dir(self) -> Path:
        return self.root / "corpus"

    @property
    def annotations_dir(self) -> Path:
        return self.root / "annotations"

    @property
    def gold_dir(self) -> Path:
        return self.annotations_dir / "gold"

    @property
    def passes_dir(self) -> Path:
        return self.annotations_dir / "passes"

    @property
    def splits_path(self) -> Path:
        return self.annotations_dir / "splits.json"

    @cached_property
    def schema(self) -> Schema:
        return load_schema(self.annotations_dir / "schema.yaml")

    def text_path(self, doc_id: str) -> Path:
        return self.corpus_dir / f"{doc_id}.txt"

    def meta_path(self, doc_id: str) -> Path:
        return self.corpus_dir / f"{doc_id}.meta.json"

    def annotation_path(self, doc_id: str, annotator: str = GOLD) -> Path:
        if annotator == GOLD:
            return self.gold_dir / f"{doc_id}.json"
        return self.passes_dir / annotator / f"{doc_id}.json"

    # -- listing ---------------------------------------------------------------------------------
    def doc_ids(self) -> list[str]:
        if not self.corpus_dir.is_dir():
            return []
        return sorted(p.name[: -len(".txt")] for p in self.corpus_dir.glob("*.txt"))

    def gold_ids(self) -> list[str]:
        return sorted(p.stem for p in self.gold_dir.glob("*.json")) if self.gold_dir.is_dir() else []

    def annotators(self) -> list[str]:
        if not self.passes_dir.is_dir():
            return []
        return sorted(p.name for p in self.passes_dir.iterdir() if p.is_dir())

    def pass_ids(self, annotator: str) -> list[str]:
        d = self.passes_dir / annotator
        return sorted(p.stem for p in d.glob("*.json")) if d.is_dir() else []

    # -- reading ---------------------------------------------------------------------------------
    def has_document(self, doc_id: str) -> bool:
        return self.text_path(doc_id).is_file()

    def document(self, doc_id: str) -> Document:
        tp = self.text_path(doc_id)
        if not tp.is_file():
            raise StoreError(f"{tp}: no corpus document {doc_id!r}")
        text, problems = read_text_file(tp)
        if problems:
            raise ValidationFailed(problems)
        meta: dict[str, Any] = {}
        mp = self.meta_path(doc_id)
        if mp.is_file():
            data, problems = parse_json(mp.read_text(encoding="utf-8"), str(mp))
            if problems:
                raise ValidationFailed(problems)
            meta = data if isinstance(data, dict) else {}
        return Document(id=doc_id, text=text or "", metadata=meta)

    def annotation(self, doc_id: str, annotator: str = GOLD, *, check: bool = True) -> AnnotationSet:
        """Read one annotation file; with ``check`` (default) it must validate, else ValidationFailed."""
        path = self.annotation_path(doc_id, annotator)
        if not path.is_file():
            raise StoreError(f"{path}: no {annotator} annotation for {doc_id!r}")
        doc = self.document(doc_id)
        raw = path.read_text(encoding="utf-8")
        data, problems = parse_json(raw, str(path))
        if not problems and check:
            problems = check_annotation(data, doc.text, self.schema, str(path), json_locator(raw), expected_doc_id=doc_id)
        if [p for p in problems if p.severity == "error"]:
            raise ValidationFailed(problems)
        return annotation_from_dict(data, doc)

    def gold(self) -> Iterator[AnnotationSet]:
        for doc_id in self.gold_ids():
            yield self.annotation(doc_id)

    # -- writing ---------------------------------------------------------------------------------
    def check_clash(self, doc: Document) -> None:
        tp = self.text_path(doc.id)
        if tp.is_file():
            existing, _ = read_text_file(tp)
            if existing != doc.text:
                raise ConflictError(f"{tp}: a different text already exists under id {doc.id!r}; "
                                    "nothing was written — choose a new id, or edit the corpus text deliberately")

    def stage_document(self, doc: Document, batch: WriteBatch) -> None:
        """Check a document (id clash, metadata) and add its text and metadata files to ``batch``."""
        self.check_clash(doc)
        problems = check_metadata({**dict(doc.metadata), "sha256": doc.sha256}, doc.text, str(self.meta_path(doc.id)))
        if [p for p in problems if p.severity == "error"]:
            raise ValidationFailed(problems)
        if not self.text_path(doc.id).is_file():
            batch.add(self.text_path(doc.id), doc.text)
        batch.add(self.meta_path(doc.id), dumps_meta(doc))

    def stage_annotation(self, aset: AnnotationSet, batch: WriteBatch, annotator: str = GOLD) -> Path:
        """Validate an annotation and add its file to ``batch``; returns the target path."""
        if annotator != GOLD and not ID_RE.match(annotator):
            raise StoreError(f"annotator name {annotator!r} must be letters, digits, _ . - (it names a folder)")
        path = self.annotation_path(aset.doc_id, annotator)
        data = json.loads(dumps_annotation(aset))
        problems = check_annotation(data, aset.text, self.schema, str(path), expected_doc_id=aset.doc_id)
        if [p for p in problems if p.severity == "error"]:
            raise ValidationFailed(problems)
        batch.add(path, dumps_annotation(aset))
        return path

    def write_document(self, doc: Document) -> None:
        batch = WriteBatch()
        self.stage_document(doc, batch)
        batch.commit()

    def write_annotation(self, aset: AnnotationSet, annotator: str = GOLD) -> Path:
        batch = WriteBatch()
        path = self.stage_annotation(aset, batch, annotator)
        batch.commit()
        return path
