"""Evaluation and comparison: load gold and predicted annotations from any source casus reads, pair the
documents, and score them (spans, casualty attributes, events), with bootstrap CIs over documents.

Sources (``load_source``; the kind is detected from the path, or forced with ``fmt``):

* ``run``         — a casus run folder (or ``eval/<recipe>/``): ``predictions/<split>.jsonl``.
* ``annotations`` — a folder of casus annotation JSON files (``annotations/gold``, a pass folder);
  texts come from the corpus of the repository holding the folder (or the given one). ``gold`` and a
  pass name are accepted as shorthands inside a repository.
* ``casus``       — casus JSONL/JSON predictions (``{"doc_id", "text", "spans": [...]}`` per record, as
  ``casus predict`` and run folders write them).
* ``doccano``, ``labelstudio``, ``brat`` (folder of .txt/.ann), ``conll``, ``inline`` (a file or folder
  of the inline contributor format) — read with :mod:`casus.formats` and the repository schema.

Documents are paired by id, else by identical text, else by text equal up to whitespace (CoNLL rebuilds
texts); a predicted text that differs only in whitespace has its offsets moved onto the gold text.
Documents on one side only are listed and counted, never silently dropped; they are not scored.
"""

from __future__ import annotations

import bisect
import json
import math
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from .align import mid_word_spans
from .errors import EvaluationError, FormatError, ModelError, StoreError
from .metrics.agreement import CASUALTY_LABEL, attribute_accuracy, carries_attrs, triples
from .metrics.bootstrap import bootstrap_ci, paired_bootstrap
from .metrics.events import has_events, score_events
from .metrics.spans import SCHEMES, Counts, DocScore, SpanReport, aggregate, score_document
from .model import AnnotationSet, Argument, Document, Event, Span, annotation_from_dict, event_from_dict
from .schema import Schema, load_schema
from .rundir import RunDir
from .store import Repo, find_root

KINDS = ("run", "annotations", "casus", "doccano", "labelstudio", "brat", "conll", "inline")
NEEDS_SCHEMA = ("doccano", "labelstudio", "brat", "conll", "inline")
CONLL_SUFFIXES = (".conll", ".conllx", ".bio", ".iob", ".iob2", ".bioes", ".iobes", ".tsv")




# -- sources ---------------------------------------------------------------------------------------


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


def _first_record(path: Path) -> Any:
    with open(path, encoding="utf-8-sig", errors="replace") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                try:
                    return json.loads(line)
                except json.JSONDecodeError as exc:
                    raise FormatError(f"{path}:{n}: not valid JSON (column {exc.colno}): {exc.msg}") from exc
    raise FormatError(f"{path}: empty file, no records")


def _looks_conll(head: str) -> bool:
    lines = [ln for ln in head.splitlines() if ln.strip()][:20]
    if not lines:
        return False
    if lines[0].startswith("-DOCSTART-"):
        return True
    import re

    tag = re.compile(r"^(O|[BIES]-\S+)$")
    return all(tag.match(ln.split()[-1]) or ln.startswith("-DOCSTART-") for ln in lines if len(ln.split()) >= 2)


def _looks_inline(head: str) -> bool:
    return head.lstrip("\ufeff").startswith("---")


def detect_kind(path: Path) -> str:
    """The source kind of ``path`` from its layout, extension and first bytes."""
    if path.is_dir():
        if (path / "predictions").is_dir() or (path / "metrics.json").is_file() or RunDir(path).has_info():
            return "run"
        if any(path.glob("*.ann")):
            return "brat"
        if any(path.glob("*.json")):
            return "annotations"
        for f in sorted(path.glob("*.txt")) + sorted(path.glob("*.md")):
            if _looks_inline(f.read_text(encoding="utf-8", errors="replace")[:200]):
                return "inline"
        raise FormatError(f"{path}: cannot tell what this folder holds (no predictions/, *.ann, *.json or inline "
                          "files); pass --gold-format/--pred-format")
    if not path.is_file():
        raise StoreError(f"{path}: no such file or folder")
    suffix = path.suffix.lower()
    if suffix in CONLL_SUFFIXES:
        return "conll"
    try:
        head = path.read_text(encoding="utf-8-sig", errors="replace")[:4000]
    except OSError as exc:
        raise FormatError(f"{path}: cannot read: {exc}") from exc
    stripped = head.lstrip()
    if suffix == ".jsonl" or (stripped.startswith("{") and suffix != ".json"):
        rec = _first_record(path)
        if isinstance(rec, dict):
            if "entities" in rec or "label" in rec:
                return "doccano"
            if "spans" in rec:
                return "casus"
            if isinstance(rec.get("data"), dict):
                return "labelstudio"
        raise FormatError(f"{path}: the first record is neither casus JSONL (text + spans) nor doccano JSONL "
                          "(text + entities/label); pass --gold-format/--pred-format")
    if suffix == ".json" or stripped.startswith(("[", "{")):
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise FormatError(f"{path}: not valid JSON: {exc}") from exc
        items = data if isinstance(data, list) else [data]
        first = next((x for x in items if isinstance(x, dict)), None)
        if first is None:
            if isinstance(data, list) and not data:
                raise FormatError(f"{path}: an empty JSON list holds no documents")
            raise FormatError(f"{path}: JSON that is not a list of objects")
        if isinstance(first.get("data"), dict):
            return "labelstudio"
        if "spans" in first and "text" in first:
            return "casus"
        if "spans" in first and isinstance(data, dict):
            return "annotations"
        if "entities" in first or "label" in first:
            return "doccano"
        raise FormatError(f"{path}: JSON of an unknown layout (not Label Studio tasks, casus records or an "
                          "annotation file); pass --gold-format/--pred-format")
    if _looks_inline(head):
        return "inline"
    if _looks_conll(head):
        return "conll"
    raise FormatError(f"{path}: cannot tell the format from its name or contents; pass --gold-format/--pred-format "
                      f"({', '.join(KINDS)})")


def _index(asets: Sequence[AnnotationSet], where: str) -> dict[str, AnnotationSet]:
    out: dict[str, AnnotationSet] = {}
    for a in asets:
        if a.doc_id in out:
            raise FormatError(f"{where}: document {a.doc_id!r} appears twice; cannot tell which to score")
        out[a.doc_id] = a
    return out


def _safe_id(raw: Any, default: str) -> str:
    from .model import ID_RE

    s = str(raw) if raw is not None else default
    return s if ID_RE.match(s) else default


def _record_to_set(rec: Any, where: str, default_id: str) -> AnnotationSet:
    if not isinstance(rec, dict) or not isinstance(rec.get("text"), str):
        raise FormatError(f"{where}: each record needs a \"text\" string")
    spans_raw = rec.get("spans") or []
    if not isinstance(spans_raw, list):
        raise FormatError(f"{where}: \"spans\" must be a list")
    doc_id = _safe_id(rec.get("doc_id", rec.get("id")), default_id)
    try:
        spans = []
        used = {s.get("id") for s in spans_raw if isinstance(s, dict)}
        for i, s in enumerate(spans_raw):
            if not isinstance(s, dict):
                raise FormatError(f"{where}: spans[{i}] must be an object with start, end, label")
            sid = s.get("id")
            if not isinstance(sid, str) or not sid:
                sid = f"p{i + 1}"
                while sid in used:
                    sid = "_" + sid
            spans.append(Span(id=sid, start=s["start"], end=s["end"], label=s["label"], attrs=s.get("attrs") or {}))
        events = tuple(event_from_dict(e) for e in rec.get("events") or [])
        return AnnotationSet(document=Document(id=doc_id, text=rec["text"]), spans=tuple(spans), events=events,
                             annotator=str(rec.get("annotator") or "pred"))
    except KeyError as exc:
        raise FormatError(f"{where}: missing key {exc}") from exc
    except (TypeError, ModelError) as exc:
        raise FormatError(f"{where}: {exc}") from exc


def read_casus_records(path: Path) -> list[AnnotationSet]:
    """casus JSONL (one record a line) or a JSON list of records: ``{"doc_id", "text", "spans", ...}``."""
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise FormatError(f"{path}: cannot read: {exc}") from exc
    out = []
    stem = path.name.split(".")[0]
    if raw.lstrip().startswith("["):
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise FormatError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}") from exc
        for i, rec in enumerate(data):
            out.append(_record_to_set(rec, f"{path} record {i}", f"{stem}-{i + 1}"))
        return out
    for n, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            raise FormatError(f"{path}:{n}: not valid JSON (column {exc.colno}): {exc.msg}") from exc
        out.append(_record_to_set(rec, f"{path}:{n}", f"{stem}-{n}"))
    return out


def _repo_for(path: Path, repo: Repo | None) -> Repo | None:
    try:
        return Repo(find_root(path if path.is_dir() else path.parent))
    except StoreError:
        return repo


def read_annotation_folder(path: Path, repo: Repo | None) -> list[AnnotationSet]:
    """casus annotation JSON files; each text comes from the corpus (checked against text_sha256)."""
    from .checks import parse_json

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
            from .errors import ValidationFailed

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
    if fmt is not None and fmt not in KINDS:
        raise FormatError(f"unknown format {fmt!r}; use one of {', '.join(KINDS)}")
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
            pred = path / "predictions" / f"{split}.jsonl"
            if not pred.is_file():
                have = sorted(p.name for p in (path / "predictions").glob("*.jsonl")) if (path / "predictions").is_dir() else []
                raise StoreError(f"{path}: no predictions/{split}.jsonl in this run folder"
                                 + (f" (it has {', '.join(have)})" if have else " (is training finished?)"))
            asets = read_casus_records(pred)
            mp = path / "metrics.json"
            if mp.is_file():
                try:
                    info = json.loads(mp.read_text(encoding="utf-8"))
                except json.JSONDecodeError as exc:
                    raise FormatError(f"{mp}: not valid JSON: {exc.msg}") from exc
        elif kind == "annotations":
            asets = read_annotation_folder(path, repo)
        elif kind == "casus":
            asets = read_casus_records(path)
        else:
            schema = resolve_schema(repo, path if path.is_dir() else path.parent)
            if schema is None:
                raise StoreError(f"{path}: reading {kind} needs the annotation schema; run inside a casus repository "
                                 "or pass --root")
            if kind == "doccano":
                from .formats import doccano

                asets = doccano.read(path, schema, annotator=annotator)
            elif kind == "labelstudio":
                from .formats import labelstudio

                asets = labelstudio.read(path, schema, annotator=annotator)
                if not asets:  # a model's output: tasks holding predictions only
                    asets = labelstudio.read(path, schema, source="predictions", annotator=annotator)
            elif kind == "brat":
                from .formats import brat

                asets = brat.read(path, schema, annotator=annotator)
            elif kind == "conll":
                from .formats import conll

                asets = conll.read(path, schema, annotator=annotator or "gold")
            else:  # inline
                from .formats import inline

                files = ([path] if path.is_file() else
                         [f for f in sorted(path.glob("*.txt")) + sorted(path.glob("*.md"))])
                asets = []
                for f in files:
                    asets.append(inline.parse(f.read_text(encoding="utf-8"), schema, str(f)).annotation)
    except (OSError, UnicodeDecodeError) as exc:
        raise FormatError(f"{path}: cannot read: {exc}") from exc
    return Source(spec=spec_s, kind=kind, path=path, sets=_index(asets, str(path)), info=info)


def gold_for(repo: Repo, doc_ids: Sequence[str], texts: Sequence[str] = ()) -> Source:
    """The repository's gold annotations for ``doc_ids`` (those that have gold), plus the gold documents
    whose text equals (up to whitespace) one of ``texts`` — predictions made under other ids."""
    have = set(repo.gold_ids())
    sets = {d: repo.annotation(d) for d in doc_ids if d in have}
    wanted = {_squash(t) for t in texts}
    if wanted:
        for d in sorted(have - set(sets)):
            if _squash(repo.document(d).text) in wanted:
                sets[d] = repo.annotation(d)
    return Source(spec=str(repo.gold_dir), kind="annotations", path=repo.gold_dir, sets=sets)


def gold_for_source(repo: Repo, pred: Source) -> Source:
    """Default gold: the repository's gold for the predicted documents, by id or else by text."""
    have = set(repo.gold_ids())
    return gold_for(repo, list(pred.sets), [a.text for d, a in pred.sets.items() if d not in have])


# -- pairing ---------------------------------------------------------------------------------------


def _squash(text: str) -> str:
    return "".join(text.split())


def remap_onto(pred: AnnotationSet, doc: Document) -> AnnotationSet | None:
    """``pred`` moved onto ``doc``'s text when the two texts differ in whitespace only (else None).

    A span keeps its first and last non-whitespace characters; spans of whitespace only are dropped,
    and so are events whose trigger was dropped (and arguments pointing at dropped spans)."""
    src, dst = pred.text, doc.text
    if src == dst:
        return pred.with_(document=doc)
    sp = [i for i, c in enumerate(src) if not c.isspace()]
    dp = [i for i, c in enumerate(dst) if not c.isspace()]
    if len(sp) != len(dp) or any(src[i] != dst[j] for i, j in zip(sp, dp)):
        return None
    spans = []
    for s in pred.spans:
        k0 = bisect.bisect_left(sp, s.start)
        k1 = bisect.bisect_left(sp, s.end) - 1
        if k0 > k1:
            continue
        spans.append(Span(id=s.id, start=dp[k0], end=dp[k1] + 1, label=s.label, attrs=s.attrs))
    kept = {s.id for s in spans}
    events = [Event(id=e.id, type=e.type, subtype=e.subtype, trigger=e.trigger, attrs=e.attrs,
                    args=tuple(Argument(role=a.role, span=a.span) for a in e.args if a.span in kept))
              for e in pred.events if e.trigger in kept]
    return AnnotationSet(document=doc, spans=tuple(spans), events=tuple(events), annotator=pred.annotator,
                         provenance=pred.provenance)


@dataclass
class Pairing:
    pairs: dict[str, tuple[AnnotationSet, AnnotationSet]]  # gold doc id -> (gold, pred on the gold text)
    by_text: list[tuple[str, str]] = field(default_factory=list)        # (gold id, pred id)
    remapped: list[str] = field(default_factory=list)                   # whitespace-only text differences
    gold_only: list[str] = field(default_factory=list)
    pred_only: list[str] = field(default_factory=list)
    text_mismatch: list[str] = field(default_factory=list)              # same id, different text

    def as_dict(self) -> dict[str, Any]:
        return {"matched": len(self.pairs), "matched_by_text": [list(x) for x in self.by_text],
                "whitespace_remapped": self.remapped, "gold_only": self.gold_only, "pred_only": self.pred_only,
                "text_mismatch": self.text_mismatch}

    @property
    def one_sided(self) -> int:
        return len(self.gold_only) + len(self.pred_only) + len(self.text_mismatch)


def pair_documents(gold: Mapping[str, AnnotationSet], pred: Mapping[str, AnnotationSet]) -> Pairing:
    """Pair by document id, then by identical text, then by text equal up to whitespace."""
    res = Pairing(pairs={})
    g_left = dict(gold)
    p_left = dict(pred)
    for did in list(gold):
        if did not in pred:
            continue
        g, p = gold[did], pred[did]
        del g_left[did], p_left[did]
        r = remap_onto(p, g.document)
        if r is None:
            res.text_mismatch.append(did)
            continue
        if g.text != p.text:
            res.remapped.append(did)
        res.pairs[did] = (g, r)
    for key in (lambda t: t, _squash):
        index: dict[str, list[str]] = {}
        for gid, g in g_left.items():
            index.setdefault(key(g.text), []).append(gid)
        for pid, p in list(p_left.items()):
            cands = [c for c in index.get(key(p.text), []) if c in g_left]
            if len(cands) != 1:
                continue
            gid = cands[0]
            r = remap_onto(p, g_left[gid].document)
            if r is None:
                continue
            g = g_left.pop(gid)
            del p_left[pid]
            if g.text != p.text:
                res.remapped.append(gid)
            res.by_text.append((gid, pid))
            res.pairs[gid] = (g, r)
    res.gold_only = sorted(g_left)
    res.pred_only = sorted(p_left)
    return res


# -- scoring ---------------------------------------------------------------------------------------


def default_labels(schema: Schema | None, asets: Sequence[AnnotationSet], trigger_label: str = "TRIGGER") -> list[str]:
    """Entity labels that occur on either side, in schema order, then any others alphabetically."""
    seen = {s.label for a in asets for s in a.spans if s.label != trigger_label}
    order = [lab for lab in (schema.entity_labels if schema else []) if lab in seen]
    return order + sorted(seen - set(order))


def parse_labels(values: Sequence[str] | None) -> list[str] | None:
    if not values:
        return None
    out: list[str] = []
    for v in values:
        out += [x.strip() for x in v.split(",") if x.strip()]
    return out or None


def _macro_ci(per_doc: Mapping[str, DocScore], labels: Sequence[str], scheme: str, seed: int, n: int) -> list[float] | None:
    """95 % percentile CI of macro F1, resampling documents (vectorised: resample weights x count matrix)."""
    import numpy as np

    ids = sorted(per_doc)
    if not ids or not labels or not n:
        return None
    counts = np.zeros((len(ids), len(labels), 3))
    for i, d in enumerate(ids):
        by_label = per_doc[d].counts.get(scheme, {})
        for j, lab in enumerate(labels):
            c = by_label.get(lab)
            if c is not None:
                counts[i, j] = (c.tp, c.fp, c.fn)
    rng = np.random.default_rng(seed + 1)
    flat = counts.reshape(len(ids), -1)
    vals = []
    for lo in range(0, n, 200):
        m = min(200, n - lo)
        idx = rng.integers(0, len(ids), size=(m, len(ids)))
        w = np.stack([np.bincount(row, minlength=len(ids)) for row in idx]).astype(float)
        tot = (w @ flat).reshape(m, len(labels), 3)
        tp, fp, fn = tot[..., 0], tot[..., 1], tot[..., 2]
        with np.errstate(divide="ignore", invalid="ignore"):
            denom = 2 * tp + fp + fn
            f1 = np.where(denom > 0, 2 * tp / np.where(denom > 0, denom, 1), 0.0)
        vals.extend(f1.mean(axis=1).tolist())
    vals.sort()
    return [vals[int(0.025 * (n - 1))], vals[int(0.975 * (n - 1))]]


@dataclass
class Evaluation:
    pairing: Pairing
    labels: list[str]
    report: SpanReport
    per_doc: dict[str, DocScore]
    ci: dict[str, Any]
    attributes: dict[str, Any] | None
    events: dict[str, Any] | None
    trigger_label: str = "TRIGGER"

    def micro(self, scheme: str = "strict") -> Counts:
        return self.report.micro(scheme)

    def f1_ci(self, key: str) -> list[float] | None:
        return self.ci.get(key)

    def mid_word_spans(self) -> dict[str, int]:
        """Spans starting or ending inside a word (casus.align.inside_word), per side: counted, never fixed."""
        out = {"gold": 0, "pred": 0}
        for g, p in self.pairing.pairs.values():
            out["gold"] += len(mid_word_spans(g.document.text, g.spans))
            out["pred"] += len(mid_word_spans(p.document.text, p.spans))
        return out

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"labels": self.labels, "documents": len(self.per_doc)}
        out.update(self.report.as_dict())
        out["mid_word_spans"] = self.mid_word_spans()
        out["ci95"] = self.ci
        out["matching"] = self.pairing.as_dict()
        out["attributes"] = self.attributes
        out["events"] = self.events
        return out


def evaluate(gold: Mapping[str, AnnotationSet], pred: Mapping[str, AnnotationSet], *,
             labels: Sequence[str] | None = None, schema: Schema | None = None, seed: int = 0,
             n_boot: int = 1000, pairing: Pairing | None = None) -> Evaluation:
    """Score ``pred`` against ``gold`` on the paired documents (see :func:`pair_documents`)."""
    trigger_label = schema.trigger_label if schema else "TRIGGER"
    pairing = pairing or pair_documents(gold, pred)
    pairs = pairing.pairs
    flat = [x for g, p in pairs.values() for x in (g, p)]
    labs = list(labels) if labels else default_labels(schema, flat, trigger_label)
    per_doc = {d: score_document(triples(g, labs, trigger_label), triples(p, labs, trigger_label))
               for d, (g, p) in sorted(pairs.items())}
    report = aggregate(list(per_doc.values()), labs)
    ci: dict[str, Any] = {}
    if per_doc and n_boot:
        ci = bootstrap_ci(per_doc, labs, seed=seed, n=n_boot, schemes=SCHEMES)
        for sch in SCHEMES:
            ci[f"{sch}_macro_f1"] = _macro_ci(per_doc, labs, sch, seed, n_boot)
    golds = [g for g, _ in pairs.values()]
    preds = [p for _, p in pairs.values()]
    attributes = None
    if carries_attrs(golds) and carries_attrs(preds):
        attributes = attribute_accuracy(pairs.values(), CASUALTY_LABEL)
    events = None
    if has_events(golds) and has_events(preds):
        events = score_events(pairs, seed=seed, n_boot=n_boot)
    return Evaluation(pairing=pairing, labels=labs, report=report, per_doc=per_doc, ci=ci, attributes=attributes,
                      events=events, trigger_label=trigger_label)


# -- span alignment for error analysis --------------------------------------------------------------

ERROR_CLASSES = ("correct", "wrong_label", "wrong_boundary", "wrong_label_boundary", "missed", "spurious")


def _ov(a: tuple[int, int, str], b: tuple[int, int, str]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def align_spans(gold: Sequence[tuple[int, int, str]], pred: Sequence[tuple[int, int, str]]) -> list[dict[str, Any]]:
    """One entry per gold/pred pairing: strict matches first, then one-to-one greedy matching of the
    rest by largest overlap (as :func:`casus.metrics.spans.score_document`). Each entry has ``gold``,
    ``pred`` (a triple or None) and ``error`` (one of ERROR_CLASSES)."""
    gold = sorted(set(gold))
    pred = sorted(set(pred))
    pset = set(pred)
    out: list[dict[str, Any]] = []
    g_rest = []
    for g in gold:
        if g in pset:
            out.append({"gold": g, "pred": g, "error": "correct"})
        else:
            g_rest.append(g)
    used_pred = {g for g in gold if g in pset}
    p_rest = [p for p in pred if p not in used_pred]
    cand = sorted((-_ov(g, p), gi, pi) for gi, g in enumerate(g_rest) for pi, p in enumerate(p_rest) if _ov(g, p) > 0)
    gm: dict[int, int] = {}
    pm: set[int] = set()
    for _, gi, pi in cand:
        if gi in gm or pi in pm:
            continue
        gm[gi] = pi
        pm.add(pi)
    for gi, g in enumerate(g_rest):
        if gi not in gm:
            out.append({"gold": g, "pred": None, "error": "missed"})
            continue
        p = p_rest[gm[gi]]
        same_b = (g[0], g[1]) == (p[0], p[1])
        err = "wrong_label" if same_b else ("wrong_boundary" if g[2] == p[2] else "wrong_label_boundary")
        out.append({"gold": g, "pred": p, "error": err})
    for pi, p in enumerate(p_rest):
        if pi not in pm:
            out.append({"gold": None, "pred": p, "error": "spurious"})
    out.sort(key=lambda e: (e["gold"] or e["pred"])[:2])
    return out


def confusion(ev: Evaluation) -> tuple[list[str], list[list[int]]]:
    """Label confusion over aligned (overlapping) gold/pred span pairs, with a ``none`` row/column for
    missed (gold label -> none) and spurious (none -> pred label) spans. Rows: gold; columns: predicted."""
    from sklearn.metrics import confusion_matrix

    y_true, y_pred = [], []
    for g, p in ev.pairing.pairs.values():
        for e in align_spans(triples(g, ev.labels, ev.trigger_label), triples(p, ev.labels, ev.trigger_label)):
            y_true.append(e["gold"][2] if e["gold"] else "none")
            y_pred.append(e["pred"][2] if e["pred"] else "none")
    labels = list(ev.labels) + ["none"]
    if not y_true:
        return labels, [[0] * len(labels) for _ in labels]
    m = confusion_matrix(y_true, y_pred, labels=labels)
    return labels, [[int(x) for x in row] for row in m]


# -- comparing runs --------------------------------------------------------------------------------


def _run_name(src: Source) -> str:
    return src.path.name if src.path else src.spec


def compare_runs(runs: Sequence[str | Path], repo: Repo | None, *, gold_spec: str | None = None,
                 split: str = "test", labels: Sequence[str] | None = None, seed: int = 0,
                 n_boot: int = 1000, n_paired: int = 2000) -> dict[str, Any]:
    """Runs side by side on the same documents: strict micro F1 with CI, the difference to the first run
    with a paired bootstrap p-value and CI, and mean ± sd per recipe over seeds."""
    if not runs:
        raise EvaluationError("compare needs at least one run folder")
    sources = [load_source(r, repo, fmt=None if Path(r).is_file() else "run", split=split) for r in runs]
    base = sources[0]
    for s in sources[1:]:
        only_s = sorted(set(s.sets) - set(base.sets))
        only_b = sorted(set(base.sets) - set(s.sets))
        if only_s or only_b:
            parts = []
            if only_b:
                parts.append(f"only in {base.spec}: {', '.join(only_b[:20])}" + (" ..." if len(only_b) > 20 else ""))
            if only_s:
                parts.append(f"only in {s.spec}: {', '.join(only_s[:20])}" + (" ..." if len(only_s) > 20 else ""))
            raise EvaluationError(f"runs are not on the same {split} documents ({len(base.sets)} vs {len(s.sets)}); "
                                  + "; ".join(parts))
        diff_text = sorted(d for d in base.sets if base.sets[d].text != s.sets[d].text)
        if diff_text:
            raise EvaluationError(f"{s.spec} and {base.spec} have different texts for {', '.join(diff_text[:20])}")
    if gold_spec:
        gold = load_source(gold_spec, repo)
    else:
        if repo is None:
            raise StoreError("compare needs gold annotations: run inside the repository or pass --gold")
        gold = gold_for_source(repo, base)
    schema = repo.schema if repo is not None else resolve_schema(None, base.path)
    pairing0 = pair_documents(gold.sets, base.sets)
    if not pairing0.pairs:
        raise EvaluationError(f"no document of {base.spec} has gold annotations in {gold.spec}")
    if labels is None:
        flat = [g for g, _ in pairing0.pairs.values()] + [a for s in sources for a in s.sets.values()]
        labels = default_labels(schema, flat, schema.trigger_label if schema else "TRIGGER")
    evals = [evaluate(gold.sets, s.sets, labels=labels, schema=schema, seed=seed, n_boot=n_boot) for s in sources]
    rows = []
    for i, (s, ev) in enumerate(zip(sources, evals)):
        m = ev.micro("strict")
        row: dict[str, Any] = {"run": s.spec, "name": _run_name(s), "recipe": s.info.get("recipe"),
                               "seed": s.info.get("seed"), "documents": len(ev.per_doc),
                               "strict_precision": m.precision, "strict_recall": m.recall, "strict_f1": m.f1,
                               "strict_f1_ci95": ev.ci.get("strict_micro_f1"),
                               "strict_macro_f1": ev.report.macro_f1("strict"),
                               "partial_f1": ev.micro("partial").f1}
        if i > 0:
            pb = paired_bootstrap(evals[0].per_doc, ev.per_doc, labels, seed=seed, n=n_paired)
            row["vs_first"] = {**pb, "significant_at_0.05": pb["p_value"] < 0.05}
        rows.append(row)
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        if r["recipe"] is not None:
            groups.setdefault(r["recipe"], []).append(r)
    recipes = []
    for name, rs in groups.items():
        seeds = {r["seed"] for r in rs}
        if len(rs) > 1 and len(seeds) > 1:
            vals = [r["strict_f1"] for r in rs]
            recipes.append({"recipe": name, "runs": len(rs), "seeds": sorted(x for x in seeds if x is not None),
                            "mean_strict_f1": statistics.fmean(vals), "sd_strict_f1": statistics.stdev(vals)})
    return {"split": split, "labels": list(labels), "gold": gold.describe(), "runs": rows, "recipes": recipes,
            "matching": pairing0.as_dict(), "documents": len(evals[0].per_doc)}


def fmt_ci(ci: Sequence[float] | None) -> str:
    if not ci or any(x is None or (isinstance(x, float) and math.isnan(x)) for x in ci):
        return ""
    return f"[{ci[0]:.3f}, {ci[1]:.3f}]"


def repo_agreement(repo: Repo, wanted: Sequence[str] = (), labels: Sequence[str] | None = None, *, seed: int = 0,
                   n_boot: int = 1000) -> dict[str, Any]:
    """``casus agree``: agreement between the independent passes named in ``wanted`` (default: every pass) and,
    when ``gold`` is named, nothing is named or one pass is, of each with gold on the documents they share;
    grouped by style, writer and split, blind passes against the writer's original where recorded."""
    from .metrics.agreement import agreement, agreement_groups, original_versions

    have = repo.annotators()
    missing = [n for n in wanted if n != "gold" and n not in have]
    if missing:
        raise StoreError(f"no pass folder annotations/passes/{missing[0]}/ (passes: {', '.join(have) or 'none'})")
    chosen = [n for n in wanted if n != "gold"] or have
    include_gold = not wanted or "gold" in wanted or len(chosen) == 1
    if not chosen:
        raise StoreError(f"no independent passes in {repo.passes_dir}; agreement needs at least one pass")
    sets = {n: {d: repo.annotation(d, n) for d in repo.pass_ids(n)} for n in chosen}
    if include_gold:
        shared = set().union(*(set(s) for s in sets.values()))
        sets["gold"] = {d: repo.annotation(d) for d in repo.gold_ids() if d in shared}
    flat = [a for s in sets.values() for a in s.values()]
    labs = list(labels or []) or default_labels(repo.schema, flat, repo.schema.trigger_label)
    return agreement(sets, labs, trigger_label=repo.schema.trigger_label, seed=seed, n_boot=n_boot,
                     groups=agreement_groups(repo), originals=original_versions(repo))
