"""Sources: read gold and predicted annotations from anything casus reads, keyed by document id.

Kinds (``load_source``; detected from the path, or forced with ``fmt``):

* ``run``         — a casus run folder (or ``eval/<recipe>/``): ``predictions/<split>.jsonl``.
* ``annotations`` — a folder of casus annotation JSON files (``annotations/gold``, a pass folder), or one
  such file; texts come from the corpus of the repository holding it (or the given one). ``gold`` and a
  pass name are accepted as shorthands inside a repository.
* every registered format (:mod:`casus.formats.registry`): ``casus`` records, ``doccano``,
  ``labelstudio``, ``brat``, ``conll``, ``inline``, and any format registered later — read with its
  converter and the repository schema; a path's format is the first whose sniffer recognises it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from ..errors import FormatError, ModelError, StoreError
from ..formats import registry
from ..formats.records import read as read_casus_records
from ..model import AnnotationSet, annotation_from_dict
from ..rundir import RunDir
from ..schema import Schema, load_schema
from ..store import Repo, find_root
from .pairing import squash

SOURCE_KINDS = ("run", "annotations")  # the kinds that are not annotation formats


def kinds() -> tuple[str, ...]:
    """Every source kind: run folders, annotation files, and the registered formats."""
    return SOURCE_KINDS + registry.names()


@dataclass
class Source:
    spec: str
    kind: str
    path: Path | None
    sets: dict[str, AnnotationSet]
    info: dict[str, Any] = field(default_factory=dict)  # run folders: metrics.json (recipe, seed, ...)

    def describe(self) -> dict[str, Any]:
        return {"source": self.spec, "kind": self.kind, "documents": len(self.sets),
                **({"recipe": self.info.get("recipe"), "seed": self.info.get("seed")} if self.kind == "run" else {})}


def _is_annotation_file(first: Any, json_list: bool) -> bool:
    return isinstance(first, dict) and "spans" in first and "text" not in first and not json_list


def detect_kind(path: Path) -> str:
    """The source kind of ``path`` from its layout, extension and first bytes."""
    if path.is_dir():
        if (path / "predictions").is_dir() or (path / "metrics.json").is_file() or RunDir(path).has_info():
            return "run"
        fmt = registry.sniff(path)
        if fmt is not None:
            return fmt.name
        if any(path.glob("*.json")):
            return "annotations"
        raise FormatError(f"{path}: cannot tell what this folder holds (no predictions/, *.ann, *.json or inline "
                          "files); pass --gold-format/--pred-format")
    if not path.is_file():
        raise StoreError(f"{path}: no such file or folder")
    peeked = registry.peek(path)
    fmt = registry.sniff(path, peeked=peeked)
    if fmt is not None:
        return fmt.name
    if _is_annotation_file(peeked.first, peeked.json_list):
        return "annotations"
    stripped = peeked.head.lstrip()
    if stripped.startswith("[") and peeked.first is None and stripped[1:].strip().startswith("]"):
        raise FormatError(f"{path}: an empty JSON list holds no documents")
    if stripped.startswith(("[", "{")) or path.suffix.lower() in (".json", ".jsonl"):
        if peeked.first is None:
            from ..formats import jsonio

            jsonio.records(path.read_text(encoding="utf-8-sig", errors="replace"), str(path))  # raises the error
        raise FormatError(f"{path}: JSON of an unknown layout (not Label Studio tasks, doccano or casus records, or "
                          "an annotation file); pass --gold-format/--pred-format")
    raise FormatError(f"{path}: cannot tell the format from its name or contents; pass --gold-format/--pred-format "
                      f"({', '.join(kinds())})")


def _index(asets: Sequence[AnnotationSet], where: str) -> dict[str, AnnotationSet]:
    out: dict[str, AnnotationSet] = {}
    for a in asets:
        if a.doc_id in out:
            raise FormatError(f"{where}: document {a.doc_id!r} appears twice; cannot tell which to score")
        out[a.doc_id] = a
    return out


def _repo_for(path: Path, repo: Repo | None) -> Repo | None:
    try:
        return Repo(find_root(path if path.is_dir() else path.parent))
    except StoreError:
        return repo


def read_annotation_folder(path: Path, repo: Repo | None) -> list[AnnotationSet]:
    """casus annotation JSON files; each text comes from the corpus (checked against text_sha256)."""
    from ..checks import parse_json

    r = _repo_for(path, repo)
    out = []
    files = sorted(path.glob("*.json")) if path.is_dir() else [path]
    if not files:
        raise StoreError(f"{path}: no annotation files (*.json)")
    for f in files:
        try:
            raw = f.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise FormatError(f"{f}: cannot read: {exc}") from exc
        data, problems = parse_json(raw, str(f))
        if problems:
            from ..errors import ValidationFailed

            raise ValidationFailed(problems)
        if not isinstance(data, dict) or not isinstance(data.get("spans", []), list):
            raise FormatError(f"{f}: not a casus annotation file (an object with doc_id and spans)")
        doc_id = data.get("doc_id") or f.stem
        if r is None or not isinstance(doc_id, str) or not r.has_document(doc_id):
            raise StoreError(f"{f}: no corpus text for document {doc_id!r}; annotation files hold offsets only — "
                             "run inside the repository whose corpus/ holds the text, or pass --root")
        doc = r.document(doc_id)
        sha = data.get("text_sha256")
        if sha and sha != doc.sha256:
            raise StoreError(f"{f}: text_sha256 does not match {r.text_path(doc_id)}; the text changed after it "
                             "was annotated")
        try:
            out.append(annotation_from_dict(data, doc))
        except KeyError as exc:
            raise FormatError(f"{f}: missing key {exc}") from exc
        except (TypeError, ModelError) as exc:
            raise FormatError(f"{f}: {exc}") from exc
    return out


def resolve_schema(repo: Repo | None, path: Path | None = None) -> Schema | None:
    if repo is not None:
        return repo.schema
    if path is not None:
        for cand in (path / "schema.yaml", path.parent / "schema.yaml"):
            if cand.is_file():
                return load_schema(cand)
    return None


def load_source(spec: str | Path, repo: Repo | None = None, fmt: str | None = None, split: str = "test",
                annotator: str | None = None) -> Source:
    """Read any source casus knows (see the module docstring) into annotation sets keyed by document id."""
    spec_s = str(spec)
    path = Path(spec_s)
    if fmt is not None and fmt not in kinds():
        raise FormatError(f"unknown format {fmt!r}; use one of {', '.join(kinds())}")
    if not path.exists() and repo is not None and fmt in (None, "annotations"):
        if spec_s == "gold" and repo.gold_dir.is_dir():
            path = repo.gold_dir
        elif spec_s in repo.annotators():
            path = repo.passes_dir / spec_s
    if not path.exists():
        raise StoreError(f"{spec_s}: no such file or folder")
    kind = fmt or detect_kind(path)
    info: dict[str, Any] = {}
    try:
        if kind == "run":
            asets, info = _read_run(path, split)
        elif kind == "annotations":
            asets = read_annotation_folder(path, repo)
        else:
            asets = _read_format(kind, path, repo, annotator)
    except (OSError, UnicodeDecodeError) as exc:
        raise FormatError(f"{path}: cannot read: {exc}") from exc
    return Source(spec=spec_s, kind=kind, path=path, sets=_index(asets, str(path)), info=info)


def _read_run(path: Path, split: str) -> tuple[list[AnnotationSet], dict[str, Any]]:
    pred = path / "predictions" / f"{split}.jsonl"
    if not pred.is_file():
        have = sorted(p.name for p in (path / "predictions").glob("*.jsonl")) if (path / "predictions").is_dir() else []
        raise StoreError(f"{path}: no predictions/{split}.jsonl in this run folder"
                         + (f" (it has {', '.join(have)})" if have else " (is training finished?)"))
    info: dict[str, Any] = {}
    mp = path / "metrics.json"
    if mp.is_file():
        try:
            info = json.loads(mp.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise FormatError(f"{mp}: not valid JSON: {exc.msg}") from exc
    return read_casus_records(pred), info


def _read_format(kind: str, path: Path, repo: Repo | None, annotator: str | None) -> list[AnnotationSet]:
    f = registry.get(kind)
    schema = resolve_schema(repo, path if path.is_dir() else path.parent)
    if schema is None and kind != "casus":
        raise StoreError(f"{path}: reading {kind} needs the annotation schema; run inside a casus repository "
                         "or pass --root")
    opts: dict[str, Any] = {"annotator": annotator} if annotator is not None else {}
    asets = f.read_with(path, schema, **opts)
    if kind == "labelstudio" and not asets:  # a model's output: tasks holding predictions only
        asets = f.read_with(path, schema, source="predictions", **opts)
    return asets


def gold_for(repo: Repo, doc_ids: Sequence[str], texts: Sequence[str] = ()) -> Source:
    """The repository's gold annotations for ``doc_ids`` (those that have gold), plus the gold documents
    whose text equals (up to whitespace) one of ``texts`` — predictions made under other ids."""
    have = set(repo.gold_ids())
    sets = {d: repo.annotation(d) for d in doc_ids if d in have}
    wanted = {squash(t) for t in texts}
    if wanted:
        for d in sorted(have - set(sets)):
            if squash(repo.document(d).text) in wanted:
                sets[d] = repo.annotation(d)
    return Source(spec=str(repo.gold_dir), kind="annotations", path=repo.gold_dir, sets=sets)


def gold_for_source(repo: Repo, pred: Source) -> Source:
    """Default gold: the repository's gold for the predicted documents, by id or else by text."""
    have = set(repo.gold_ids())
    return gold_for(repo, list(pred.sets), [a.text for d, a in pred.sets.items() if d not in have])
