"""Turn validated gold annotations into a ``datasets.DatasetDict`` (and a dataset card).

Two configs:

* ``documents`` (default): one row per document, whole text, tokens with character offsets, BIO (or
  IOBES) ``ner_tags`` as ``List(ClassLabel)``, ``trigger_tags``, every span with its attributes, every
  event with its role arguments, and metadata.
* ``windows``: one row per sentence (never cutting a span), offsets relative to the window text, plus
  ``char_start`` to map back to the document. This is the config for token models.

The output folder is what ``datasets.load_dataset(DIR)`` loads directly: ``data/<config>/<split>.parquet``
plus ``README.md`` whose YAML header declares the configs, features and split sizes. Builds are
deterministic: two builds of the same commit are byte-identical.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .align import bio_tags, sentence_ranges, span_boundaries, tag_prefixes, tags_to_token_spans, tokenize
from .errors import DatasetError, SchemaError
from .features import CONFIGS, attribute_columns, features
from .model import AnnotationSet
from .schema import Schema
from .splits import IN_STYLE, SPLITS, Manifest, check_against_corpus, check_style_disjoint, create, place_missing
from .store import Repo, atomic_write, dumps_annotation

@dataclass
class BuildResult:
    out: Path
    fingerprint: str
    split_sizes: dict[str, int]
    window_sizes: dict[str, int]
    unrepresentable: int
    placed: list[str] = field(default_factory=list)
    manifest_created: bool = False
    label_counts: dict[str, dict[str, int]] = field(default_factory=dict)
    num_bytes: dict[str, dict[str, int]] = field(default_factory=dict)
    splits: list[str] = field(default_factory=lambda: list(IN_STYLE))  # the splits written (style_test if any)


def fingerprint(repo: Repo, asets: list[AnnotationSet], manifest: Manifest, scheme: str) -> str:
    """sha256 of the schema, the split manifest, the tagging scheme, and every text and gold annotation."""
    h = hashlib.sha256()
    h.update((repo.annotations_dir / "schema.yaml").read_bytes())
    h.update(manifest.to_json().encode())
    h.update(scheme.upper().encode())
    for a in sorted(asets, key=lambda x: x.doc_id):
        h.update(a.doc_id.encode() + b"\0" + a.document.sha256.encode() + b"\0")
        h.update(dumps_annotation(a).encode())
    return h.hexdigest()


def _trigger_spans(aset: AnnotationSet, schema: Schema) -> list[Any]:
    """Trigger spans relabelled with their event's class (``TYPE:subtype``) for the trigger tag layer."""
    from .model import Span

    cls = {e.trigger: e.trigger_class for e in aset.events}
    out = []
    for s in aset.triggers(schema.trigger_label):
        label = cls.get(s.id)
        if label in schema.trigger_classes:
            out.append(Span(id=s.id, start=s.start, end=s.end, label=label))
    return out


def _rows_for(aset: AnnotationSet, schema: Schema, scheme: str, lo: int, hi: int) -> dict[str, Any]:
    """Row content for text[lo:hi] with offsets relative to lo."""
    text = aset.text[lo:hi]
    attr_cols = attribute_columns(schema)
    ents = [s for s in aset.entities(schema.trigger_label) if lo <= s.start and s.end <= hi]
    trigs = [s for s in _trigger_spans(aset, schema) if lo <= s.start and s.end <= hi]
    inside = {s.id for s in aset.spans if lo <= s.start and s.end <= hi}
    bounds = {b - lo for b in span_boundaries(aset.spans) if lo <= b <= hi}
    toks = tokenize(text, bounds)
    shift = [type(s)(id=s.id, start=s.start - lo, end=s.end - lo, label=s.label) for s in ents]
    tshift = [type(s)(id=s.id, start=s.start - lo, end=s.end - lo, label=s.label) for s in trigs]
    ner, bad1 = bio_tags(toks, shift, scheme)
    trig, bad2 = bio_tags(toks, tshift, scheme)
    spans = []
    for s in aset.spans:
        if s.id not in inside:
            continue
        row = {"id": s.id, "start": s.start - lo, "end": s.end - lo, "label": s.label, "text": aset.text[s.start:s.end]}
        row.update({k: s.attrs.get(k) for k in attr_cols})
        spans.append(row)
    by_id = aset.span_by_id()
    events = []
    for e in aset.events:
        t = by_id[e.trigger]
        if not (lo <= t.start and t.end <= hi):
            continue
        events.append({"id": e.id, "type": e.type, "subtype": e.subtype, "trigger": e.trigger,
                       "trigger_start": t.start - lo, "trigger_end": t.end - lo,
                       "modality": str(e.attrs.get("modality", "asserted")),
                       "same_as": e.attrs.get("same_as"),
                       "args": [{"role": a.role, "span": a.span} for a in e.args]})
    meta = aset.document.metadata
    return {
        "text": text,
        "tokens": [text[a:b] for a, b in toks],
        "token_starts": [a for a, _ in toks],
        "token_ends": [b for _, b in toks],
        "ner_tags": ner,
        "trigger_tags": trig,
        "spans": spans,
        "events": events,
        "title": str(meta.get("title", "")), "date": str(meta.get("date", "")),
        "region": str(meta.get("region", "")), "country": str(meta.get("country", "")),
        "kind": str(meta.get("kind", "")),
        "_unrepresentable": bad1 + bad2,
    }


def document_row(aset: AnnotationSet, schema: Schema, scheme: str = "BIO") -> dict[str, Any]:
    row = {"id": aset.doc_id, "doc_id": aset.doc_id}
    row.update(_rows_for(aset, schema, scheme, 0, len(aset.text)))
    return row


def window_rows(aset: AnnotationSet, schema: Schema, scheme: str = "BIO") -> list[dict[str, Any]]:
    rows = []
    for i, (lo, hi) in enumerate(sentence_ranges(aset.text, [(s.start, s.end) for s in aset.spans])):
        row = {"id": f"{aset.doc_id}#w{i:03d}", "doc_id": aset.doc_id, "window_index": i, "char_start": lo}
        row.update(_rows_for(aset, schema, scheme, lo, hi))
        rows.append(row)
    return rows


def spans_from_tags(row: dict[str, Any], tag_names: list[str]) -> list[tuple[int, int, str]]:
    """(start, end, label) character spans decoded from a row's ner_tags and token offsets."""
    tags = [tag_names[t] if isinstance(t, int) else t for t in row["ner_tags"]]
    return [(row["token_starts"][i], row["token_ends"][j], lab) for i, j, lab in tags_to_token_spans(tags)]


def load_manifest(repo: Repo, asets: list[AnnotationSet], seed: int = 13) -> Manifest:
    if repo.splits_path.is_file():
        m = Manifest.load(repo.splits_path)
        check_against_corpus(m, [a.doc_id for a in asets])
        m = place_missing(m, asets)
    else:
        m = create(asets, seed=seed)
    check_style_disjoint(m, asets)
    return m


def build(repo: Repo, out: Path, scheme: str = "BIO", write_manifest: bool = True, progress: bool = False) -> BuildResult:
    """Build the dataset folder. Raises DatasetError on leakage or an unreadable manifest."""
    from datasets import Dataset

    try:
        tag_prefixes(scheme)
    except SchemaError as exc:
        raise DatasetError(str(exc)) from exc
    schema = repo.schema
    ids = repo.gold_ids()
    if not ids:
        raise DatasetError(f"{repo.gold_dir}: no gold annotations to build from")
    iterator = ids
    if progress:
        from tqdm import tqdm

        iterator = tqdm(ids, desc="reading gold", unit="doc")
    asets = [repo.annotation(d) for d in iterator]
    manifest = load_manifest(repo, asets)
    placed = list(manifest.added)
    if (placed or manifest.created) and write_manifest:
        atomic_write(repo.splits_path, manifest.to_json())
    where = manifest.split_of()
    fp = fingerprint(repo, asets, manifest, scheme)

    rows: dict[str, dict[str, list]] = {c: {s: [] for s in SPLITS} for c in CONFIGS}
    bad = 0
    label_counts: dict[str, dict[str, int]] = {s: {} for s in SPLITS}
    for a in asets:
        split = where[a.doc_id]
        r = document_row(a, schema, scheme)
        bad += r.pop("_unrepresentable")
        rows["documents"][split].append(r)
        for w in window_rows(a, schema, scheme):
            w.pop("_unrepresentable")
            rows["windows"][split].append(w)
        for s in a.spans:
            label_counts[split][s.label] = label_counts[split].get(s.label, 0) + 1
        for e in a.events:
            key = f"event:{e.type}"
            label_counts[split][key] = label_counts[split].get(key, 0) + 1

    out = Path(out)
    sizes: dict[str, dict[str, int]] = {}
    nbytes: dict[str, dict[str, int]] = {}
    written = [s for s in SPLITS if s in IN_STYLE or manifest.splits.get(s)]
    for config in CONFIGS:
        feats = features(schema, config, scheme)
        sizes[config] = {}
        for split in SPLITS:
            if split not in written:  # an empty out-of-style split is not written (nor left over from before)
                (out / "data" / config / f"{split}.parquet").unlink(missing_ok=True)
                continue
            data = sorted(rows[config][split], key=lambda r: r["id"])
            ds = (Dataset.from_list(data, features=feats) if data
                  else Dataset.from_dict({k: [] for k in feats}, features=feats))
            path = out / "data" / config / f"{split}.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".parquet.tmp")
            ds.to_parquet(str(tmp))
            tmp.replace(path)
            sizes[config][split] = len(data)
            nbytes.setdefault(config, {})[split] = int(ds.data.nbytes)
    result = BuildResult(out=out, fingerprint=fp, split_sizes=sizes["documents"], window_sizes=sizes["windows"],
                         unrepresentable=bad, placed=placed, manifest_created=manifest.created, label_counts=label_counts, num_bytes=nbytes,
                         splits=written)
    from .card import dataset_card

    atomic_write(out / "README.md", dataset_card(repo, schema, scheme, result))
    atomic_write(out / "casus_build.json", json.dumps({
        "fingerprint": fp, "scheme": scheme.upper(), "split_sizes": sizes, "unrepresentable_spans": bad,
        "splits": {k: list(v) for k, v in manifest.splits.items()}}, indent=2, sort_keys=True) + "\n")
    return result


def read_fingerprint(out: Path) -> str | None:
    p = Path(out) / "casus_build.json"
    if not p.is_file():
        return None
    return json.loads(p.read_text()).get("fingerprint")
