"""The event stage: casualty normalisation, trigger tagging, argument linking and event records.

* :mod:`casus.events.normalize` — CASUALTY phrase -> count / qualifier / group / status (rules + table);
* :mod:`casus.events.triggers` — trigger taggers (frozen-encoder head, CRF) and the shared frozen encoder;
* :mod:`casus.events.arguments` — (trigger, entity) role classifiers (hand features, encoder markers);
* :mod:`casus.events.records` — same_as clusters, event records with spans, CSV/JSONL/Parquet, Label Studio;
* :class:`EventPredictor` — a trained events run (``casus train training/minilm-events.yaml``) applied to
  new text: NER run -> entities, trigger model -> triggers, argument model -> role links -> records.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Sequence

__all__ = ["EventPredictor", "predict_records"]


class EventPredictor:
    """Loads an events run folder; ``annotate`` / ``records`` run the whole pipeline on raw texts."""

    def __init__(self, run_dir: Path, info: dict[str, Any], schema, ner, models):
        self.run_dir = run_dir
        self.info = info
        self.schema = schema
        self.ner = ner
        self.models = models

    @classmethod
    def load(cls, run_dir: Path | str, threads: int | None = None) -> "EventPredictor":
        from ..errors import StoreError
        from ..predict import load_predictor
        from ..schema import load_schema
        from ..train.events import EventModels
        from .arguments import FeatureArgumentClassifier, MarkerArgumentClassifier
        from ..train.provenance import file_sha256
        from .triggers import CrfTriggerTagger, FrozenEncoder, HeadTriggerTagger

        run_dir = Path(run_dir)
        from ..rundir import RunDir

        info = RunDir(run_dir).info()
        if info.get("kind") != "events":
            raise StoreError(f"{run_dir}: a {info.get('kind')!r} run, not an events run (train one with "
                             "casus train training/minilm-events.yaml)")
        ner_run = None
        for cand in (run_dir / info["ner_run_relative"] if info.get("ner_run_relative") else None,
                     Path(info["ner_run"]) if info.get("ner_run") else None):
            if cand is not None and RunDir(cand).has_info():
                ner_run = cand
                break
        if ner_run is None:
            raise StoreError(f"{run_dir}: its NER run {info.get('ner_run')} is gone; the events run needs it")
        want = info.get("ner_model_sha256")
        weights = ner_run / "model" / "model.safetensors"
        if want and weights.is_file() and file_sha256(weights) != want:
            raise StoreError(f"{run_dir}: the NER run {ner_run} was retrained after this events run "
                             "(model.safetensors changed); retrain the events run")
        schema = load_schema(run_dir / "schema.yaml")
        ner = load_predictor(ner_run)
        model_dir = run_dir / "model"
        trig_name, arg_name = info["trigger_model"], info["argument_model"]
        encoder = None
        if trig_name == "head" or arg_name == "markers":
            encoder = FrozenEncoder(_encoder_path(info, ner_run), max_length=info.get("max_length", 512),
                                    stride=info.get("stride", 64), batch_size=info.get("batch_size", 16),
                                    threads=threads, layer=info.get("encoder_layer", -1))
        from .finetuned import FinetunedArgumentClassifier, FinetunedTriggerTagger

        if trig_name == "head":
            triggers: dict[str, Any] = {"head": HeadTriggerTagger.load(model_dir, encoder)}
        elif trig_name == "finetuned":
            triggers = {"finetuned": FinetunedTriggerTagger.load(model_dir, threads=threads)}
        elif trig_name == "ner":
            from .finetuned import NerTriggerTagger

            triggers = {"ner": NerTriggerTagger.load(ner_run, threads=threads)}
        else:
            triggers = {"crf": CrfTriggerTagger.load(model_dir / "trigger_crf.crfsuite", info.get("crf_window", 2))}
        if arg_name == "markers":
            arguments: dict[str, Any] = {"markers": MarkerArgumentClassifier.load(model_dir, encoder)}
        elif arg_name == "finetuned":
            arguments = {"finetuned": FinetunedArgumentClassifier.load(model_dir, threads=threads)}
        elif arg_name == "ensemble":
            from .arguments import EnsembleArgumentClassifier

            arguments = {"ensemble": EnsembleArgumentClassifier([FeatureArgumentClassifier.load(model_dir),
                                                                 FinetunedArgumentClassifier.load(model_dir, threads=threads)])}
        else:
            arguments = {"features": FeatureArgumentClassifier.load(model_dir)}
        from .modality import ModalityClassifier

        models = EventModels(schema, encoder, triggers, arguments, info.get("window_sentences", 1),
                             cluster=info.get("same_as", "class"),
                             distant_tolls=info.get("distant_tolls", False),
                             modality=ModalityClassifier.load(model_dir))
        return cls(run_dir, info, schema, ner, models)

    def annotate(self, items: Sequence[tuple[str, str]], metadata: Sequence[dict] | None = None) -> list:
        """(doc_id, text) pairs -> predicted annotation sets (entities, triggers, events with roles, same_as)."""
        from ..model import Document

        docs = [Document(id=d, text=t, metadata=(metadata[k] if metadata else {})) for k, (d, t) in enumerate(items)]
        ents = self.ner.predict([d.text for d in docs])
        return self.models.annotate(docs, ents, self.info["trigger_model"], self.info["argument_model"])

    def records(self, items: Sequence[tuple[str, str]], dates: Sequence[Any] | None = None) -> list[dict[str, Any]]:
        """Records of every document, main event first within each, every cell with its confidence."""
        from .confidence import attach_confidence
        from .records import assemble_records

        asets = self.annotate(items)
        conf = self.models.last_confidence
        out: list[dict[str, Any]] = []
        for k, aset in enumerate(asets):
            recs = assemble_records(aset, self.schema, dates[k] if dates else None)
            out.extend(attach_confidence(recs, conf[k] if k < len(conf) else {}))
        return out


def _encoder_path(info: dict[str, Any], ner_run: Path) -> str:
    from ..train.events import resolve_encoder_path

    spec = info.get("encoder", "base")
    if spec not in ("ner", "base") and info.get("encoder_path") and os.path.exists(info["encoder_path"]):
        return info["encoder_path"]
    return resolve_encoder_path(spec, ner_run)


def predict_records(run: Path, specs: Sequence[str], out: Path, repo: Any = None, date: str | None = None,
                    labelstudio: Path | None = None, min_confidence: float | None = None,
                    withheld: dict[str, int] | None = None) -> int:
    """``casus predict RUN --events``: records of every input document written to ``out`` (JSONL, CSV or
    Parquet by extension); optionally the same records as Label Studio tasks for correction.

    Date: a corpus id takes its metadata date; any other input takes ``date`` (``--date``) or null.
    ``min_confidence``: records and values below it are withheld (listed in each record's ``withheld``,
    counted into ``withheld`` for the caller to report; :func:`casus.events.confidence.withhold`)."""
    from ..model import Document
    from ..predict_io import iter_inputs
    from .record_io import export_labelstudio, write_records

    pred = EventPredictor.load(run)
    items = list(iter_inputs(list(specs), repo))
    dates = []
    metas = []
    for doc_id, text in items:
        meta: dict[str, Any] = {}
        if repo is not None and repo.has_document(doc_id):
            cdoc = repo.document(doc_id)
            if cdoc.text == text:
                meta = dict(cdoc.metadata)
        d = meta.get("date") or date
        dates.append(d)
        metas.append({**meta, "date": d} if d else meta)
    records = pred.records(items, dates)
    if min_confidence is not None:
        from .confidence import withhold

        by_doc: dict[str, list] = {}
        for r in records:
            by_doc.setdefault(r["doc_id"], []).append(r)
        records = []
        for recs in by_doc.values():
            kept, counts = withhold(recs, min_confidence)
            records += kept
            if withheld is not None:
                for k, v in counts.items():
                    withheld[k] = withheld.get(k, 0) + v
    n = write_records(out, records)
    if labelstudio is not None:
        docs = {doc_id: Document(id=doc_id, text=text, metadata=m) for (doc_id, text), m in zip(items, metas)}
        export_labelstudio(records, docs, labelstudio, pred.schema)
    return n
