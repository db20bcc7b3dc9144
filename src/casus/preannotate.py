"""Model-assisted pre-annotation: a trained run's spans written for review in an annotation tool (Label Studio
*predictions* with ``model_version`` = the run name, or doccano JSONL). After correction in the tool,
``casus import labelstudio FILE --annotator NAME`` (or ``casus import doccano FILE --annotator NAME``) brings
them back as a pass (:mod:`casus.interop`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from .errors import CasusError, StoreError
from .interop import placeholder_attrs, today, write_format
from .model import ID_RE, AnnotationSet, Document, Span
from .store import Repo


def run_name(run_dir: Path | str) -> str:
    """The run's name: the folder name (``runs/crf-base`` -> ``crf-base``)."""
    p = Path(run_dir).resolve()
    return p.name or "model"



def preannotate(run_dir: Path | str, doc_specs: Sequence[str], fmt: str, out: Path | str, *,
                repo: Repo | None = None, model_version: str | None = None,
                fill_required: bool = True) -> list[AnnotationSet]:
    """Predict spans for ``doc_specs`` (corpus ids, .txt files, folders of .txt, JSONL with ``text``) with the
    trained run ``run_dir`` and write them for review: ``fmt="labelstudio"`` -> Label Studio tasks whose
    ``predictions`` hold the spans (``model_version`` = the run name), ``fmt="doccano"`` -> doccano JSONL.

    Required attributes the model cannot predict (CASUALTY ``status``, ``group``) are filled with
    ``unknown`` when ``fill_required`` so the file imports cleanly; ``provenance.preannotation`` records the
    run and which attributes are placeholders. Returns the AnnotationSets written."""
    from .predict import load_predictor
    from .predict_io import gather_inputs

    if fmt not in ("labelstudio", "doccano"):
        raise CasusError(f"pre-annotation exports labelstudio or doccano, not {fmt!r}")
    run_dir = Path(run_dir)
    repo = repo if repo is not None else Repo.open()
    schema = repo.schema
    items = gather_inputs(list(doc_specs), repo)
    if not items:
        raise StoreError("no documents to pre-annotate")
    bad = [d for d, _ in items if not ID_RE.match(d)]
    if bad:
        raise CasusError(f"document ids not valid casus ids: {', '.join(bad)}")
    predictor = load_predictor(run_dir)
    preds = predictor.predict([t for _, t in items])
    name = model_version or run_name(run_dir)
    asets: list[AnnotationSet] = []
    for (doc_id, text), spans in zip(items, preds):
        meta: dict[str, Any] = {}
        if repo.has_document(doc_id) and repo.document(doc_id).text == text:
            meta = {k: v for k, v in repo.document(doc_id).metadata.items() if k != "sha256"}
        filled: set[str] = set()
        out_spans = []
        for i, (s, e, lab) in enumerate(sorted(spans), start=1):
            attrs = placeholder_attrs(lab, schema) if fill_required else {}
            filled |= set(attrs)
            out_spans.append(Span(id=f"p{i}", start=s, end=e, label=lab, attrs=attrs))
        prov = {"preannotation": {"run": name, "run_dir": str(run_dir), "date": today(),
                                  "placeholder_attrs": sorted(filled)}}
        asets.append(AnnotationSet(document=Document(id=doc_id, text=text, metadata=meta), spans=tuple(out_spans),
                                   annotator=name, provenance=prov))
    out = Path(out)
    if fmt == "labelstudio":
        write_format("labelstudio", asets, out, schema, target="predictions")
    else:
        write_format("doccano", asets, out, schema)
    return asets
