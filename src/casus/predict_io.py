"""Inputs and outputs of ``casus predict``: gather texts from ids, files, folders and JSONL; write spans."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator, Sequence

from .errors import FormatError, StoreError
from .model import AnnotationSet, Document, Span
from .store import atomic_write


def iter_jsonl_texts(path: Path) -> Iterator[tuple[str, str]]:
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise FormatError(f"{path}:{n}:{exc.colno}: malformed JSON: {exc.msg}") from exc
            if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
                raise FormatError(f"{path}:{n}: each line needs a \"text\" string")
            yield str(obj.get("doc_id", obj.get("id", f"{path.stem}-{n}"))), obj["text"]


def gather_inputs(specs: Sequence[str], repo: Any | None) -> list[tuple[str, str]]:
    """(doc_id, text) for each spec: a corpus id, a .txt file, a folder of .txt files, or a JSONL file."""
    items: list[tuple[str, str]] = []
    for spec in specs:
        p = Path(spec)
        if repo is not None and not p.exists() and repo.has_document(spec):
            items.append((spec, repo.document(spec).text))
        elif p.is_dir():
            for f in sorted(p.glob("*.txt")):
                items.append((f.name[: -len(".txt")], f.read_text(encoding="utf-8")))
        elif p.is_file() and p.suffix == ".jsonl":
            items.extend(iter_jsonl_texts(p))
        elif p.is_file():
            items.append((p.name.split(".")[0], p.read_text(encoding="utf-8")))
        else:
            raise StoreError(f"{spec}: not a corpus id, file or folder")
    return items


def to_annotation(doc_id: str, text: str, spans: Sequence[tuple[int, int, str]], annotator: str = "model") -> AnnotationSet:
    doc = Document(id=doc_id, text=text)
    return AnnotationSet(document=doc, annotator=annotator,
                         spans=tuple(Span(id=f"p{i + 1}", start=s, end=e, label=lab) for i, (s, e, lab) in enumerate(spans)))


def write_outputs(out: Path, items: Sequence[tuple[str, str]], preds: Sequence[Sequence[tuple[int, int, str]]],
                  fmt: str = "casus", schema: Any = None) -> int:
    asets = [to_annotation(d, t, p) for (d, t), p in zip(items, preds)]
    if fmt == "doccano":
        from .formats import doccano

        doccano.write(asets, out, schema)
    elif fmt == "casus":
        recs = []
        for a in asets:
            d = a.to_dict()
            d["text"] = a.text
            recs.append(d)
        if out.suffix == ".jsonl":
            atomic_write(out, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs))
        else:
            atomic_write(out, json.dumps(recs, ensure_ascii=False, indent=1) + "\n")
    else:
        raise FormatError(f"unknown output format {fmt!r}; use casus or doccano")
    return len(asets)
