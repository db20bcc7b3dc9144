"""Inputs and outputs of ``casus predict``: gather texts from ids, files, folders and JSONL; write spans."""

from __future__ import annotations

import json
import os
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


def iter_inputs(specs: Sequence[str], repo: Any | None) -> Iterator[tuple[str, str]]:
    """(doc_id, text) lazily for each spec: a corpus id, a .txt file, a folder of .txt files, or a JSONL file.

    Folders are listed in sorted order and read one file at a time; JSONL is read line by line, so inputs
    of any size stream in bounded memory."""
    for spec in specs:
        p = Path(spec)
        if repo is not None and not p.exists() and repo.has_document(spec):
            yield spec, repo.document(spec).text
        elif p.is_dir():
            for f in sorted(p.glob("*.txt")):
                yield f.name[: -len(".txt")], f.read_text(encoding="utf-8")
        elif p.is_file() and p.suffix == ".jsonl":
            yield from iter_jsonl_texts(p)
        elif p.is_file():
            yield p.name.split(".")[0], p.read_text(encoding="utf-8")
        else:
            raise StoreError(f"{spec}: not a corpus id, file or folder")


def gather_inputs(specs: Sequence[str], repo: Any | None) -> list[tuple[str, str]]:
    return list(iter_inputs(specs, repo))


def done_ids(out: Path) -> set[str]:
    """Document ids already written to a JSONL output (for --resume); a torn last line is ignored."""
    ids: set[str] = set()
    if not out.is_file():
        return ids
    with open(out, encoding="utf-8") as fh:
        for line in fh:
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                continue
            d = obj.get("doc_id", obj.get("id"))
            if d is not None:
                ids.add(str(d))
    return ids


def _record(aset: AnnotationSet, fmt: str, schema: Any) -> dict:
    if fmt == "doccano":
        from .formats import doccano

        return doccano.record(aset, schema)
    from .formats.records import record

    return record(aset)


def stream_predict(predictor: Any, items: Iterator[tuple[str, str]], out: Path, fmt: str = "casus", schema: Any = None,
                   chunk: int = 64, resume: bool = False, progress: bool = True) -> int:
    """Predict ``items`` chunk by chunk and append one JSONL record per document to ``out``.

    Memory stays bounded by the chunk size. With ``resume`` the documents already in ``out`` are skipped
    (a torn last line from a killed run is dropped first), so an interrupted run continues where it stopped."""
    if fmt not in ("casus", "doccano"):
        raise FormatError(f"unknown output format {fmt!r}; use casus or doccano")
    out.parent.mkdir(parents=True, exist_ok=True)
    skip: set[str] = set()
    if resume and out.is_file():
        raw = out.read_bytes()
        if raw and not raw.endswith(b"\n"):
            out.write_bytes(raw[: raw.rfind(b"\n") + 1])
        skip = done_ids(out)
    elif out.exists():
        out.unlink()
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(desc="predicting", unit="doc")
    n = 0
    buf: list[tuple[str, str]] = []

    def flush() -> None:
        nonlocal n
        if not buf:
            return
        preds = predictor.predict([t for _, t in buf])
        with open(out, "a", encoding="utf-8") as fh:
            for (doc_id, text), spans in zip(buf, preds):
                fh.write(json.dumps(_record(to_annotation(doc_id, text, spans), fmt, schema), ensure_ascii=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        n += len(buf)
        if bar is not None:
            bar.update(len(buf))
        buf.clear()

    for doc_id, text in items:
        if doc_id in skip:
            continue
        buf.append((doc_id, text))
        if len(buf) >= chunk:
            flush()
    flush()
    if bar is not None:
        bar.close()
    return n


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
