"""Public benchmarks as throw-away casus repositories, so that every casus command runs on them.

:func:`make_repo` turns imported benchmark AnnotationSets (:mod:`casus.formats.muc4`, ``re3d``,
``conll2003``, ``conflibert``) into a repository folder::

    <root>/annotations/schema.yaml    the benchmark's own labels, no attributes, no event types
    <root>/corpus/<doc>.txt, .meta.json
    <root>/annotations/gold/<doc>.json
    <root>/annotations/splits.json    the benchmark's own train/dev/test split
    <root>/benchmark.json             what was changed on the way in (counts), and where the split came from

after which ``casus validate/build/train/evaluate --root <root>`` work as on the project's corpus.

What is changed, and counted in ``benchmark.json``:

* **Flat layer.** casus's entity layer is flat (two spans may not overlap; ``casus validate`` refuses
  it). Overlapping or nested spans (MUC-4: a PerpOrg inside a PerpInd phrase; re3d with
  ``flat=False``) are flattened: the longest span wins, ties broken by earlier start, then label, then
  id; every dropped span is counted per label (``flattened_dropped``).
* **No attributes.** Span attributes of the importers (MUC-4 entity/mention indices, re3d confidence)
  are not in the benchmark schema and are dropped (``attrs_dropped`` counts the spans that had some).
* **Whitespace edges.** A span starting or ending on whitespace is trimmed, a whitespace-only span
  dropped (both counted; the shipped importers produce none).
* **Metadata placeholders** that pass :func:`casus.validate.check_metadata`: ``title`` = the document
  id, ``date`` = the importer's date when it has one, else ``1970-01-01`` (a placeholder: none of these
  files carries a per-document date), ``region``/``source``/``licence`` from the benchmark's
  ``SOURCE.md`` (:data:`BENCHMARK_META`), ``kind: imported``.
* **Splits.** The benchmark's own train/dev/test. Where it has no dev split (ConfliBERT CAMEO), dev is
  carved out of train: the sorted train ids are shuffled with ``random.Random(seed)`` and the first
  ``round(dev_fraction * n)`` (at least one) become dev. ``benchmark.json`` says which.

Files are written directly (not through :class:`casus.store.WriteBatch`, whose per-file fsync costs
minutes on 60,000 files); every annotation and metadata record is checked with the same validators
first, so a repository that is written is valid.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from .errors import ValidationFailed
from .model import AnnotationSet, Document, Span
from .splits import IN_STYLE as SPLITS  # benchmarks have no out-of-style split
from .store import Repo, dumps_annotation, dumps_meta

__all__ = [
    "BENCHMARK_META",
    "PLACEHOLDER_DATE",
    "BenchmarkData",
    "RepoInfo",
    "flatten_spans",
    "prepare",
    "carve_dev",
    "schema_yaml",
    "make_repo",
    "read_info",
    "load_benchmark",
    "subset_train",
]

PLACEHOLDER_DATE = "1970-01-01"

# region / source / licence of each benchmark, as its SOURCE.md in ../shared/benchmarks states them
BENCHMARK_META: dict[str, dict[str, str]] = {
    "re3d": {
        "region": "Middle East",
        "source": "re3d (Dstl 2017), ConfliBERT CoNLL split: github.com/eventdata/ConfliBERT@0b630014 data/re3d",
        "licence": "per source part (BBC CC BY-NC 3.0, Wikipedia CC BY-SA 3.0, OGL v3.0, CC BY 3.0 AU, "
                   "US Gov public domain, EC notice); research benchmarking only, not redistributed",
    },
    "conll2003": {
        "region": "international",
        "source": "CoNLL-2003 English NER (Reuters RCV1), mirror github.com/synalp/NER@c0ea07c8",
        "licence": "Reuters RCV1 research agreement; the mirror has no licence; internal research "
                   "benchmarking only, not redistributed",
    },
    "muc4": {
        "region": "Latin America",
        "source": "MUC-3/4 role fillers, GRIT processed files: github.com/xinyadu/grit_doc_event_entity@d8212bc3",
        "licence": "no explicit data licence found (1989-1992 FBIS translations); research use only, "
                   "not redistributed",
    },
    "cameo": {
        "region": "international",
        "source": "ConfliBERT CAMEO NER actors: github.com/eventdata/ConfliBERT@0b630014 data/cameo_ner",
        "licence": "no data-specific licence found (\"We don't own the copyrights\"); research use only, "
                   "not redistributed",
    },
}
_DEFAULT_META = {"region": "unknown", "source": "imported benchmark", "licence": "unknown; research use only"}


@dataclass
class RepoInfo:
    """What :func:`make_repo` changed (also written to ``<root>/benchmark.json``)."""

    benchmark: str
    labels: list[str]
    split_sizes: dict[str, int] = field(default_factory=dict)
    spans: dict[str, dict[str, int]] = field(default_factory=dict)  # split -> label -> spans kept
    flattened_dropped: dict[str, int] = field(default_factory=dict)  # label -> spans dropped by flattening
    flattened_dropped_by_split: dict[str, int] = field(default_factory=dict)
    attrs_dropped: int = 0
    trimmed: int = 0
    blank_dropped: int = 0
    dev: str = "given"
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"benchmark": self.benchmark, "labels": list(self.labels), "split_sizes": dict(self.split_sizes),
                "spans": {k: dict(v) for k, v in self.spans.items()},
                "flattened_dropped": dict(self.flattened_dropped),
                "flattened_dropped_total": sum(self.flattened_dropped.values()),
                "flattened_dropped_by_split": dict(self.flattened_dropped_by_split),
                "attrs_dropped": self.attrs_dropped, "trimmed": self.trimmed, "blank_dropped": self.blank_dropped,
                "dev": self.dev, "notes": list(self.notes)}


def flatten_spans(spans: Iterable[Span]) -> tuple[list[Span], list[Span]]:
    """(kept, dropped): no two kept spans overlap; the longest wins (ties: earlier start, label, id)."""
    order = sorted(spans, key=lambda s: (-(s.end - s.start), s.start, s.label, s.id))
    kept: list[Span] = []
    dropped: list[Span] = []
    for s in order:
        if any(s.start < k.end and k.start < s.end for k in kept):
            dropped.append(s)
        else:
            kept.append(s)
    kept.sort(key=lambda s: (s.start, s.end, s.label))
    return kept, dropped


def prepare(aset: AnnotationSet, labels: Sequence[str], info: RepoInfo | None = None,
            meta: Mapping[str, str] | None = None) -> AnnotationSet:
    """One imported AnnotationSet as a casus gold annotation: attributes dropped, whitespace edges
    trimmed, overlaps flattened (longest wins), metadata placeholders, no events. Counts go to ``info``."""
    info = info if info is not None else RepoInfo(benchmark="?", labels=list(labels))
    text = aset.text
    unknown = sorted({s.label for s in aset.spans} - set(labels))
    if unknown:
        raise ValueError(f"{aset.doc_id}: labels {unknown} are not in the benchmark's label set {list(labels)}")
    clean: list[Span] = []
    for s in aset.spans:
        if s.attrs:
            info.attrs_dropped += 1
        frag = text[s.start:s.end]
        if not frag.strip():
            info.blank_dropped += 1
            continue
        start, end = s.start, s.end
        if frag != frag.strip():
            info.trimmed += 1
            start += len(frag) - len(frag.lstrip())
            end -= len(frag) - len(frag.rstrip())
        clean.append(Span(id=s.id, start=start, end=end, label=s.label))
    kept, dropped = flatten_spans(clean)
    for s in dropped:
        info.flattened_dropped[s.label] = info.flattened_dropped.get(s.label, 0) + 1
    m = dict(meta or _DEFAULT_META)
    old = aset.document.metadata
    date = old.get("date")
    metadata = {
        "title": aset.doc_id,
        "date": date if isinstance(date, str) and len(date) == 10 else PLACEHOLDER_DATE,
        "region": m.get("region") or _DEFAULT_META["region"],
        "source": m.get("source") or _DEFAULT_META["source"],
        "licence": m.get("licence") or _DEFAULT_META["licence"],
        "kind": "imported",
    }
    if isinstance(old.get("sourceUrl"), str) and old["sourceUrl"]:
        metadata["url"] = old["sourceUrl"]
    if "\r" in text:  # corpus texts are LF-only; none of the shipped importers produce CR
        raise ValueError(f"{aset.doc_id}: the text contains carriage returns; convert it before import")
    doc = Document(id=aset.doc_id, text=text, metadata=metadata)
    return AnnotationSet(document=doc, spans=tuple(kept), annotator="gold",
                         provenance=dict(aset.provenance))


def carve_dev(train_ids: Sequence[str], fraction: float = 0.1, seed: int = 13) -> tuple[list[str], list[str]]:
    """(train, dev): the sorted ids shuffled with ``random.Random(seed)``; the first
    ``max(1, round(fraction * n))`` become dev. Deterministic for a given id set, fraction and seed."""
    ids = sorted(train_ids)
    if len(ids) < 2:
        raise ValueError("need at least two training documents to carve out a dev split")
    random.Random(seed).shuffle(ids)
    k = min(len(ids) - 1, max(1, round(fraction * len(ids))))
    return sorted(ids[k:]), sorted(ids[:k])


def schema_yaml(labels: Sequence[str], benchmark: str = "") -> str:
    """A schema with the benchmark's labels only (no attributes, no event types)."""
    import yaml

    if not labels:
        raise ValueError("a benchmark needs at least one label")
    body = {"version": 1, "labels": {lab: {"description": f"{benchmark} label {lab}".strip(), "attributes": {}}
                                     for lab in labels},
            "trigger_label": "TRIGGER" if "TRIGGER" not in labels else "_TRIGGER_",
            "event_types": {}}
    head = (f"# Benchmark schema ({benchmark or 'imported'}): the benchmark's own labels, written by\n"
            "# casus.benchmarks.make_repo. No attributes, no event types.\n")
    return head + yaml.safe_dump(body, sort_keys=False)


def make_repo(asets_by_split: Mapping[str, Sequence[AnnotationSet]], root: Path | str, labels: Sequence[str], *,
              benchmark: str = "", meta: Mapping[str, str] | None = None, dev_fraction: float = 0.1,
              seed: int = 13) -> Repo:
    """Write a casus repository at ``root`` (which must be empty or absent) holding the benchmark's
    documents, gold annotations, schema and split (see the module docstring). ``asets_by_split`` maps
    ``train``/``dev``/``test`` to AnnotationSets; a missing or empty ``dev`` is carved out of train with
    ``dev_fraction`` and ``seed``. Returns the opened :class:`~casus.store.Repo`."""
    from .checks import check_annotation, check_metadata

    root = Path(root)
    if root.exists() and any(root.iterdir()):
        raise FileExistsError(f"{root} exists and is not empty; make_repo writes a fresh repository")
    unknown = sorted(set(asets_by_split) - set(SPLITS))
    if unknown:
        raise ValueError(f"unknown split names {unknown}; use {list(SPLITS)}")
    if not asets_by_split.get("train") or not asets_by_split.get("test"):
        raise ValueError("a benchmark repository needs train and test documents")
    labels = list(labels)
    if len(set(labels)) != len(labels):
        raise ValueError(f"duplicate labels in {labels}")
    meta = meta if meta is not None else BENCHMARK_META.get(benchmark, _DEFAULT_META)
    info = RepoInfo(benchmark=benchmark or "imported", labels=labels)
    splits: dict[str, list[str]] = {s: [a.doc_id for a in asets_by_split.get(s) or []] for s in SPLITS}
    if not splits["dev"]:
        splits["train"], splits["dev"] = carve_dev(splits["train"], dev_fraction, seed)
        info.dev = (f"carved from train: sorted train ids shuffled with random.Random({seed}), "
                    f"first {len(splits['dev'])} ({dev_fraction:.0%}) are dev")
    seen: dict[str, str] = {}
    for s in SPLITS:
        for d in splits[s]:
            if d in seen:
                raise ValueError(f"document {d} is in two splits ({seen[d]} and {s})")
            seen[d] = s

    (root / "annotations" / "gold").mkdir(parents=True, exist_ok=True)
    (root / "corpus").mkdir(parents=True, exist_ok=True)
    (root / "annotations" / "schema.yaml").write_text(schema_yaml(labels, benchmark), encoding="utf-8")
    repo = Repo(root.resolve())
    schema = repo.schema
    where = {d: s for s, ids in splits.items() for d in ids}
    for split_name in SPLITS:
        info.spans[split_name] = {lab: 0 for lab in labels}
    for aset in (a for s in SPLITS for a in (asets_by_split.get(s) or [])):
        before = sum(info.flattened_dropped.values())
        g = prepare(aset, labels, info, meta)
        split_of = where[g.doc_id]
        info.flattened_dropped_by_split[split_of] = (info.flattened_dropped_by_split.get(split_of, 0)
                                                     + sum(info.flattened_dropped.values()) - before)
        problems = check_metadata({**dict(g.document.metadata), "sha256": g.document.sha256}, g.text,
                                  str(repo.meta_path(g.doc_id)))
        raw = dumps_annotation(g)
        problems += check_annotation(json.loads(raw), g.text, schema, str(repo.annotation_path(g.doc_id)),
                                     expected_doc_id=g.doc_id)
        if [p for p in problems if p.severity == "error"]:
            raise ValidationFailed(problems)
        repo.text_path(g.doc_id).write_text(g.text, encoding="utf-8", newline="")
        repo.meta_path(g.doc_id).write_text(dumps_meta(g.document), encoding="utf-8")
        repo.annotation_path(g.doc_id).write_text(raw, encoding="utf-8")
        for sp in g.spans:
            info.spans[split_of][sp.label] += 1
    info.split_sizes = {s: len(splits[s]) for s in SPLITS}
    total = sum(info.split_sizes.values())
    manifest = {"seed": seed, "ratios": {s: round(info.split_sizes[s] / total, 4) for s in SPLITS},
                "note": f"the benchmark's own split ({benchmark or 'imported'}); dev: {info.dev}",
                "splits": {s: sorted(splits[s]) for s in SPLITS}}
    repo.splits_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    (root / "benchmark.json").write_text(json.dumps(info.as_dict(), indent=2) + "\n", encoding="utf-8")
    return repo


def read_info(root: Path | str) -> dict[str, Any]:
    """The ``benchmark.json`` that :func:`make_repo` wrote."""
    return json.loads((Path(root) / "benchmark.json").read_text(encoding="utf-8"))


# -- loading the shared benchmark files -------------------------------------------------------------

@dataclass
class BenchmarkData:
    """A benchmark read from ``../shared/benchmarks``: AnnotationSets per split, its labels, and for
    MUC-4 the gold entities of every split (doc -> role -> entities -> mention strings, for CEAF-REE)."""

    name: str
    splits: dict[str, list[AnnotationSet]]
    labels: list[str]
    entities: dict[str, dict[str, dict[str, list[list[str]]]]] = field(default_factory=dict)  # split -> doc -> ...
    sentence_level: bool = True   # one document per sentence (its words are the text split on " ")
    notes: list[str] = field(default_factory=list)


def _present(labels: Sequence[str], asets: Iterable[AnnotationSet]) -> list[str]:
    seen = {s.label for a in asets for s in a.spans}
    return [lab for lab in labels if lab in seen]


def load_benchmark(name: str, bench_dir: Path | str) -> BenchmarkData:
    """Read one benchmark (``re3d``, ``conll2003``, ``muc4``, ``cameo``) from ``bench_dir``
    (``../shared/benchmarks``) with the project's importers:

    * re3d: ConfliBERT ``conflibert_splits/{train,dev,test}.txt`` (574/191/200 sentences), the 10 types present;
    * conll2003: ``eng.train/testa/testb`` one document per sentence (14,041/3,250/3,453), IOB1 decoded;
    * muc4: GRIT ``grit_ree/{train,dev,test}.json`` with ``occurrences="all"`` (every occurrence of a
      filler string is a span, for tagger supervision), plus the gold entities for CEAF-REE;
    * cameo: ConfliBERT ``cameo_ner/{train,test}.txt`` (no dev split: :func:`make_repo` carves one).
    """
    from .formats import conflibert, conll2003, muc4, re3d

    d = Path(bench_dir)
    if name == "re3d":
        base = d / "re3d" / "conflibert_splits"
        sp = {s: re3d.read_conll(base / f"{s}.txt", doc_prefix=f"re3d-{s}") for s in SPLITS}
        return BenchmarkData("re3d", sp, _present(re3d.RE3D_LABELS, (a for v in sp.values() for a in v)))
    if name == "conll2003":
        base = d / "conll2003"
        files = {"train": "eng.train", "dev": "eng.testa", "test": "eng.testb"}
        sp = {s: conll2003.read_conll_benchmark(base / f, conll2003.CONLL2003_LABELS, per_sentence=True,
                                                provenance={"benchmark": "conll2003"})
              for s, f in files.items()}
        return BenchmarkData("conll2003", sp, list(conll2003.CONLL2003_LABELS))
    if name == "muc4":
        base = d / "muc4" / "grit_ree"
        sp, ents = {}, {}
        for s in SPLITS:
            split = muc4.load_grit(base / f"{s}.json", occurrences="all")
            sp[s], ents[s] = split.asets, split.entities
        return BenchmarkData("muc4", sp, list(muc4.ROLES), entities=ents, sentence_level=False)
    if name == "cameo":
        base = d / "conflibert_cameo_ner"
        sp = {"train": conflibert.read_cameo(base / "train.txt"), "dev": [],
              "test": conflibert.read_cameo(base / "test.txt")}
        return BenchmarkData("cameo", sp, list(conflibert.CAMEO_LABELS))
    raise ValueError(f"unknown benchmark {name!r}; use re3d, conll2003, muc4 or cameo")


def subset_train(asets: Sequence[AnnotationSet], limit: int | None, seed: int = 13) -> list[AnnotationSet]:
    """``limit`` training documents drawn with ``random.Random(seed)`` from the sorted ids (all when
    ``limit`` is None or not smaller), returned in id order."""
    if limit is None or limit >= len(asets):
        return list(asets)
    ids = sorted(a.doc_id for a in asets)
    keep = set(random.Random(seed).sample(ids, limit))
    return sorted((a for a in asets if a.doc_id in keep), key=lambda a: a.doc_id)
