"""The event stage: trigger tagging, argument linking and event records, trained and measured in one run.

``casus train training/minilm-events.yaml`` (``kind: events``) needs a finished NER run
(``events.ner_run``, default ``runs/minilm-ner``): its entity predictions are the end-to-end entities, and
its fine-tuned encoder (``events.encoder: ner``) is the frozen shared encoder of the trigger head and the
marker argument classifier.

Both trigger designs (encoder head, CRF) and both argument classifiers (encoder markers, hand features)
are trained and scored in every run; ``events.trigger_model`` / ``events.argument_model`` choose the pair
that ``casus predict --events`` uses. Scores (dev and test, 95 % bootstrap CIs over documents):

* ``triggers.<design>`` — trigger identification / classification (:mod:`casus.metrics.events`);
* ``arguments_gold_input.<classifier>`` — argument identification / classification on gold triggers and
  gold entities (the linking step alone);
* ``end_to_end.<classifier>`` — NER entities + predicted triggers + predicted links: event scores and
  record scores (:mod:`casus.metrics.records`); ``records_gold_input`` the records from gold spans;
* ``casualty_normalizer`` — attribute accuracy of the normaliser on gold CASUALTY spans and on NER spans;
* ``same_as`` — pairwise precision/recall of the same_as rule on gold triggers;
* ``ceiling`` — the same measures for each independent annotator pass against gold.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any, Sequence

from ..errors import ConfigError
from ..model import AnnotationSet, Event
from ..store import Repo, atomic_write
from .event_ceiling import annotator_ceiling
from .event_inputs import (EVENT_KEYS, _summary, casualty_triples, gold_candidate_pairs, gold_inputs, mentions_of,
                           normalized_triples, pairs_by_doc, same_as_pairwise, trigger_only, with_predicted_args)
from .recipe import EventsRecipe

TRIGGER_DESIGNS = ("head", "crf", "ner", "finetuned")
ARGUMENT_DESIGNS = ("markers", "features", "finetuned", "ensemble")


# -- helpers shared with the predictor -----------------------------------------------------------------

def resolve_run(repo_root: Path, path: str) -> Path:
    p = Path(path)
    return p if p.is_absolute() else repo_root / p


def ner_model_dir(ner_run: Path) -> Path:
    from ..rundir import RunDir

    if not RunDir(ner_run).has_info():
        raise ConfigError(f"events.ner_run: {ner_run} is not a finished casus run (no casus_run.json); "
                          "train it first: casus train training/minilm-ner.yaml")
    return ner_run / "model"


def resolve_encoder_path(spec: str, ner_run: Path) -> str:
    from .encoding import resolve_encoder
    from .recipe import DEFAULT_ENCODER

    if spec == "ner":
        from ..rundir import RunDir

        info = RunDir(ner_run).info()
        if info.get("kind") == "crf":
            raise ConfigError(f"events.encoder: ner needs a transformer NER run, {ner_run} is a CRF run; "
                              "set events.encoder: base")
        return str(ner_run / "model")
    if spec == "base":
        return resolve_encoder(DEFAULT_ENCODER)
    return resolve_encoder(spec)


def argument_designs(recipe: EventsRecipe) -> list[str]:
    """Argument classifiers a run trains: the hand-feature one always, the marker one when asked for
    (``events.markers``) or when it is the one ``casus predict --events`` uses, the fine-tuned one and
    the ensemble of it with the hand features (mean of their probabilities) with ``events.finetune`` or when
    one of them is the one used."""
    ec = recipe.events
    fine = ec.finetune or ec.argument_model in ("finetuned", "ensemble")
    return (["features"] + (["markers"] if ec.markers or ec.argument_model == "markers" else [])
            + (["finetuned", "ensemble"] if fine else []))


def trigger_designs(recipe: EventsRecipe, ner_head: bool = False) -> list[str]:
    """Trigger taggers a run trains or scores: the encoder head and the CRF always, the NER run's multi-task
    trigger head (``ner``) when that run has one, the fine-tuned tagger with ``events.finetune`` or when it
    is the one used."""
    ec = recipe.events
    return (["head", "crf"] + (["ner"] if ner_head or ec.trigger_model == "ner" else [])
            + (["finetuned"] if ec.finetune or ec.trigger_model == "finetuned" else []))


def pick_best(choice: str, dev_scores: dict[str, float]) -> str:
    """``best``: the design with the highest dev score (ties: the first trained); else the named design."""
    if choice != "best":
        return choice
    return max(dev_scores, key=lambda k: (dev_scores[k], -list(dev_scores).index(k)))


# -- the pipeline for a batch of documents ------------------------------------------------------------

class EventModels:
    """The trained pieces of an events run (encoder, trigger taggers, argument classifiers)."""

    def __init__(self, schema, encoder, triggers: dict[str, Any], arguments: dict[str, Any], window: int,
                 cluster: bool | str = True, distant_tolls: bool = True, modality: Any = None):
        self.modality = modality
        self.schema = schema
        self.encoder = encoder
        self.triggers = triggers
        self.arguments = arguments
        self.window = window
        self.cluster = cluster
        self.distant_tolls = distant_tolls
        self.last_confidence: list[dict[str, Any]] = []  # per document of the last annotate() call

    def link(self, design: str, docs: Sequence[tuple[str, list, list]], gold_links: Sequence[dict] | None = None) -> list:
        """Candidate pairs of every document with predicted roles."""
        from ..events.arguments import candidate_pairs, distant_toll_pairs

        pairs = []
        for d, (text, trigs, ents) in enumerate(docs):
            pairs += candidate_pairs(d, text, trigs, ents, self.schema, self.window,
                                     gold_links[d] if gold_links else None)
        self.arguments[design].predict(pairs, docs)
        if self.distant_tolls:
            pairs += distant_toll_pairs(pairs, docs, self.schema)
        return pairs

    def annotate(self, documents: Sequence, entities: Sequence[Sequence[tuple[int, int, str]]],
                 trigger_design: str, argument_design: str,
                 triggers: Sequence[Sequence[tuple[int, int, str]]] | None = None) -> list[AnnotationSet]:
        """End to end: given NER entities (and optionally precomputed triggers), predicted annotation sets."""
        from ..events.records import attach_events, build_annotation

        trig_conf: list[dict[tuple[int, int], float]] = [{} for _ in documents]
        if triggers is None:
            scored = self.triggers[trigger_design].predict_scored([d.text for d in documents])  # every design has it
            triggers = [[(a, b, lab) for a, b, lab, _ in doc] for doc in scored]
            trig_conf = [{(a, b): c for a, b, _, c in doc} for doc in scored]
        built = [build_annotation(doc, ents, trigs, self.schema) for doc, ents, trigs in zip(documents, entities, triggers)]
        docs = [(doc.text, tm, em) for doc, (_, em, tm) in zip(documents, built)]
        by_doc = pairs_by_doc(self.link(argument_design, docs))
        # confidences for the records (casus.events.confidence): trigger spans, and (trigger, entity) links
        self.last_confidence = [
            {"triggers": trig_conf[d],
             "links": {(p.trigger.start, p.trigger.end, p.entity.start, p.entity.end): p.proba.get(p.role)
                       for p in by_doc.get(d, []) if p.role != "none"}}
            for d in range(len(documents))]
        mods: list[dict[str, str]] = [{} for _ in built]
        if self.modality is not None:
            items = [(doc.text, t.start, t.end, t.label) for doc, (_, _, tm) in zip(documents, built) for t in tm]
            pred = iter(self.modality.predict(items))
            mods = [{t.id: next(pred) for t in tm} for _, _, tm in built]
        return [attach_events(aset, tm, by_doc.get(d, []), self.cluster, mods[d])
                for d, (aset, _, tm) in enumerate(built)]


# -- training ------------------------------------------------------------------------------------------

def run_events(recipe: EventsRecipe, repo: Repo, out: Path, rows: dict, fp: str, rebuilt: bool, t0: float,
               train_docs: list[dict], train_windows: list[dict], progress: bool = True) -> dict[str, Any]:
    from ..features import trigger_tag_names
    from ..events.arguments import FeatureArgumentClassifier, MarkerArgumentClassifier
    from ..events.records import assemble_records
    from ..events.triggers import CrfTriggerTagger, FrozenEncoder, HeadTriggerTagger
    from .provenance import file_sha256
    from ..metrics.events import score_events, score_modality
    from ..metrics.records import casualty_attribute_accuracy, score_records
    from ..predict import load_predictor
    from .provenance import git_commit, package_versions

    ec = recipe.events
    schema = repo.schema
    timing: dict[str, float] = {}

    def lap(name: str, since: float) -> float:
        now = time.time()
        timing[name] = round(now - since, 2)
        return now

    import torch

    torch.set_num_threads(recipe.train.threads)
    torch.manual_seed(recipe.seed)
    ner_run = resolve_run(repo.root, ec.ner_run)
    ner_model = ner_model_dir(ner_run)
    enc_path = resolve_encoder_path(ec.encoder, ner_run)
    tag_names = trigger_tag_names(schema, recipe.data.scheme)
    model_dir = out / "model"
    model_dir.mkdir(parents=True, exist_ok=True)

    eval_names = [s for s in ("dev", "test", "style_test") if rows["documents"].get(s)]
    split_ids = {s: [r["doc_id"] for r in rows["documents"][s]] for s in eval_names}
    train_ids = [r["doc_id"] for r in train_docs]
    gold = {d: repo.annotation(d) for d in train_ids + [d for s in eval_names for d in split_ids[s]]}

    # 1. NER entities for the end-to-end setting
    t = time.time()
    ner = load_predictor(ner_run)
    eval_ids = [d for s in eval_names for d in split_ids[s]]
    ner_pred = dict(zip(eval_ids, ner.predict([gold[d].text for d in eval_ids])))
    del ner
    t = lap("ner_predict", t)

    # 2. the frozen encoder, one forward pass over every document
    encoder = FrozenEncoder(enc_path, max_length=ec.max_length, stride=ec.stride, batch_size=ec.batch_size,
                            layer=ec.encoder_layer)
    encoder.states([gold[d].text for d in train_ids + eval_ids], progress=progress)
    t = lap("encoder_pass", t)

    # 3. triggers, both designs
    head = HeadTriggerTagger(encoder)
    head_info = head.fit(train_docs, tag_names, C=ec.trigger_C, seed=recipe.seed, o_keep=ec.trigger_o_keep)
    head.save(model_dir)
    t = lap("trigger_head_fit", t)
    crf = CrfTriggerTagger(window=recipe.crf.window)
    crf_info = crf.fit(train_windows, tag_names, model_dir / "trigger_crf.crfsuite", c1=recipe.crf.c1, c2=recipe.crf.c2,
                       max_iterations=ec.crf_iterations)
    t = lap("trigger_crf_fit", t)
    taggers: dict[str, Any] = {"head": head, "crf": crf}
    tagger_info: dict[str, Any] = {}
    from ..events.finetuned import NerTriggerTagger

    ner_head = NerTriggerTagger.available(ner_run)
    if "ner" in trigger_designs(recipe, ner_head):
        if not ner_head:
            raise ConfigError(f"events.trigger_model: ner needs a NER run trained with transformer.trigger_head: true; "
                              f"{ner_run} has no model/trigger_head.safetensors")
        taggers["ner"] = NerTriggerTagger.load(ner_run, threads=recipe.train.threads)
    if "finetuned" in trigger_designs(recipe):
        from ..events.finetuned import FinetunedTriggerTagger

        ft = FinetunedTriggerTagger()
        tagger_info = ft.fit(recipe, model_dir, train_docs, rows["documents"]["dev"], tag_names, progress=progress)
        taggers["finetuned"] = ft
        t = lap("trigger_finetuned_fit", t)
    trig_pred: dict[str, dict[str, list]] = {}
    for name, tagger in taggers.items():
        t1 = time.time()
        trig_pred[name] = dict(zip(eval_ids, tagger.predict([gold[d].text for d in eval_ids])))
        lap(f"trigger_{name}_predict", t1)
    t = time.time()

    # 4. argument classifiers, both designs, trained on gold triggers and entities of the training split
    train_docs_m, train_links = gold_inputs(gold, train_ids, schema)
    train_pairs = gold_candidate_pairs(train_docs_m, train_links, schema, ec.window_sentences)
    feat = FeatureArgumentClassifier()
    feat_info = feat.fit(train_pairs, train_docs_m, C=ec.argument_C, seed=recipe.seed)
    feat.save(model_dir)
    t = lap("arguments_features_fit", t)
    arg_models: dict[str, Any] = {"features": feat}
    designs = argument_designs(recipe)
    mark_info: dict[str, Any] = {"trained": False}
    if "markers" in designs:
        mark = MarkerArgumentClassifier(encoder, schema.entity_labels, mode=ec.marker_mode,
                                        max_tokens=ec.marker_max_tokens)
        mark_info = mark.fit(train_pairs, train_docs_m, C=ec.marker_C, seed=recipe.seed, progress=progress)
        mark_info["encoder_passes"] = mark.passes
        mark.save(model_dir)
        arg_models["markers"] = mark
        t = lap("arguments_markers_fit", t)
    ft_arg_info: dict[str, Any] = {"trained": False}
    if "finetuned" in designs:
        from ..events.finetuned import FinetunedArgumentClassifier

        dev_m, dev_links = gold_inputs(gold, split_ids.get("dev", []), schema)
        dev_pairs = gold_candidate_pairs(dev_m, dev_links, schema, ec.window_sentences)
        roles = sorted({r for et in schema.event_types.values() for r in et.roles})
        fta = FinetunedArgumentClassifier(schema.entity_labels, ["none"] + roles, window=ec.window_sentences,
                                          max_length=ec.argument_max_length, batch_size=ec.argument_batch_size,
                                          threads=recipe.train.threads)
        ft_arg_info = fta.fit(train_pairs, train_docs_m, (dev_pairs, dev_m) if dev_pairs else None,
                              encoder=recipe.transformer.encoder, epochs=ec.argument_epochs, lr=ec.argument_lr,
                              head_lr=ec.argument_head_lr, seed=recipe.seed, threads=recipe.train.threads,
                              progress=progress)
        fta.save(model_dir)
        arg_models["finetuned"] = fta
        t = lap("arguments_finetuned_fit", t)
    if "ensemble" in designs:
        from ..events.arguments import EnsembleArgumentClassifier

        arg_models["ensemble"] = EnsembleArgumentClassifier([arg_models["features"], arg_models["finetuned"]])
    # 5. modality of each trigger mention, trained on the gold triggers of the training split
    from ..events.modality import ModalityClassifier

    def modality_items(ids_: Sequence[str]) -> tuple[list, list]:
        items_, labels_ = [], []
        for d in ids_:
            _, trigs, _ = mentions_of(gold[d], schema)
            mods = {e.trigger: e.modality for e in gold[d].events}
            for tr in trigs:
                items_.append((gold[d].text, tr.start, tr.end, tr.label))
                labels_.append(mods[tr.id])
        return items_, labels_

    modality = ModalityClassifier()
    mod_info = modality.fit(*modality_items(train_ids), C=ec.modality_C, seed=recipe.seed)
    modality.save(model_dir)
    t = lap("modality_fit", t)
    models = EventModels(schema, encoder, taggers, arg_models, ec.window_sentences, cluster=ec.same_as,
                         distant_tolls=ec.distant_tolls, modality=modality)

    # the designs `casus predict --events` uses: as named, or (best) the best of each stage on dev
    tdesigns = trigger_designs(recipe, ner_head)
    dev_choice: dict[str, dict[str, float]] = {"triggers": {}, "arguments": {}}
    if "dev" in split_ids:
        dids = split_ids["dev"]
        for name in tdesigns:
            ev = score_events({d: (gold[d], trigger_only(gold[d], trig_pred[name][d], schema)) for d in dids}, n_boot=0)
            dev_choice["triggers"][name] = ev["trigger_cls"]["f1"]
        gd, gl = gold_inputs(gold, dids, schema)
        for design in designs:
            by_doc = pairs_by_doc(models.link(design, gd, gl))
            ev = score_events({d: (gold[d], with_predicted_args(gold[d], by_doc.get(k, []))) for k, d in enumerate(dids)},
                              n_boot=0)
            dev_choice["arguments"][design] = ev["arg_cls"]["f1"]
    trig_primary = pick_best(ec.trigger_model, dev_choice["triggers"] or {tdesigns[0]: 0.0})
    arg_primary = pick_best(ec.argument_model, dev_choice["arguments"] or {designs[0]: 0.0})

    metrics: dict[str, Any] = {"recipe": recipe.name, "kind": "events", "seed": recipe.seed, "dataset_fingerprint": fp,
                               "train_documents": len(train_ids), "ner_run": str(ec.ner_run), "encoder": ec.encoder,
                               "primary": {"trigger_model": trig_primary, "argument_model": arg_primary,
                                           "asked": {"trigger_model": ec.trigger_model,
                                                     "argument_model": ec.argument_model},
                                           "dev_scores": dev_choice},
                               "trigger_designs": tdesigns,
                               "encoder_layer": encoder.layer, "window_sentences": ec.window_sentences,
                               "argument_designs": designs, "marker_mode": ec.marker_mode if "markers" in designs else None}
    predictions: dict[str, list[dict]] = {}
    nb = ec.bootstrap
    for split in eval_names:
        ids = split_ids[split]
        gsets = [gold[d] for d in ids]
        m: dict[str, Any] = {"documents": len(ids)}
        # triggers alone
        m["triggers"] = {}
        for name in tdesigns:
            pairs = {d: (gold[d], trigger_only(gold[d], trig_pred[name][d], schema)) for d in ids}
            ev = score_events(pairs, seed=recipe.seed, n_boot=nb)
            m["triggers"][name] = _summary(ev, ("documents", "trigger_id", "trigger_cls", "trigger_type", "per_type"))
        # arguments on gold triggers and gold entities
        gdocs, glinks = gold_inputs(gold, ids, schema)
        gold_records = {d: assemble_records(gold[d], schema) for d in ids}
        m["arguments_gold_input"], m["records_gold_input"] = {}, {}
        for design in designs:
            t1 = time.time()
            pairs = models.link(design, gdocs, glinks)
            lap(f"arguments_{design}_predict_gold_{split}", t1)
            cand_links = sum(1 for p in pairs if glinks[p.doc].get((p.trigger.id, p.entity.id)))
            by_doc = pairs_by_doc(pairs)
            psets = {d: with_predicted_args(gold[d], by_doc.get(k, [])) for k, d in enumerate(ids)}
            ev = score_events({d: (gold[d], psets[d]) for d in ids}, seed=recipe.seed, n_boot=nb)
            entry = _summary(ev, ("documents", "arg_id", "arg_cls", "per_role"))
            entry["candidate_pairs"] = len(pairs)
            entry["gold_links"] = int(sum(len({(e.trigger, a.span) for e in gold[d].events for a in e.args}) for d in ids))
            entry["gold_links_reachable"] = cand_links
            m["arguments_gold_input"][design] = entry
            m["records_gold_input"][design] = score_records(
                {d: (gold_records[d], assemble_records(psets[d], schema)) for d in ids}, seed=recipe.seed, n_boot=nb)
        # end to end
        m["end_to_end"] = {}
        docs = [gold[d].document for d in ids]
        ents = [ner_pred[d] for d in ids]
        for design in designs:
            t1 = time.time()
            psets_l = models.annotate(docs, ents, trig_primary, design,
                                      triggers=[trig_pred[trig_primary][d] for d in ids])
            lap(f"end_to_end_{design}_{split}", t1)
            psets = dict(zip(ids, psets_l))
            ev = score_events({d: (gold[d], psets[d]) for d in ids}, seed=recipe.seed, n_boot=nb)
            precs = {d: assemble_records(psets[d], schema) for d in ids}
            m["end_to_end"][design] = {"events": _summary(ev, EVENT_KEYS),
                                       "records": score_records({d: (gold_records[d], precs[d]) for d in ids},
                                                                seed=recipe.seed, n_boot=nb)}
            if design == arg_primary:
                primary = psets
                predictions[split] = [{"doc_id": d, "annotation": psets[d].to_dict(), "records": precs[d]} for d in ids]
        # modality: on gold triggers (the classifier alone) and on the end-to-end triggers that match gold
        items, _ = modality_items(ids)
        mod_pred = iter(modality.predict(items))
        gold_trig_sets = {}
        for d in ids:
            new = []
            for e in gold[d].events:
                attrs = {k: v for k, v in e.attrs.items() if k != "modality"}
                mp = next(mod_pred)
                if mp != "asserted":
                    attrs["modality"] = mp
                new.append(Event(e.id, e.type, e.trigger, e.subtype, e.args, attrs))
            gold_trig_sets[d] = gold[d].with_(events=tuple(new), annotator="model")
        m["modality"] = {"gold_triggers": score_modality({d: (gold[d], gold_trig_sets[d]) for d in ids},
                                                         seed=recipe.seed, n_boot=nb),
                         "end_to_end": score_modality({d: (gold[d], primary[d]) for d in ids},
                                                      seed=recipe.seed, n_boot=nb)}
        m["casualty_normalizer"] = {
            "gold_spans": casualty_attribute_accuracy([(casualty_triples(a), normalized_triples(a)) for a in gsets]),
            "ner_spans": casualty_attribute_accuracy([(casualty_triples(gold[d]), casualty_triples(primary[d]))
                                                      for d in ids]),
        }
        m["same_as_rule_on_gold_triggers"] = {rule: same_as_pairwise(gsets, rule) for rule in ("class", "class_place")}
        metrics[split] = m
    t = time.time()
    metrics["ceiling"] = annotator_ceiling(repo, split_ids, seed=recipe.seed, n_boot=nb)
    t = lap("ceiling", t)
    metrics["models"] = {"trigger_head": head_info, "trigger_crf": crf_info, "arguments_features": feat_info,
                         "arguments_markers": mark_info, "modality": mod_info,
                         "trigger_finetuned": tagger_info or {"trained": False}, "arguments_finetuned": ft_arg_info}
    metrics["timing_seconds"] = timing

    # run folder
    from ..rundir import RunDir

    RunDir(out).write_info({
        "kind": "events", "ner_run": str(ner_run.resolve()),
        "ner_run_relative": os.path.relpath(ner_run.resolve(), out.resolve()), "ner_model_sha256": file_sha256(ner_model / "model.safetensors")
        if (ner_model / "model.safetensors").is_file() else None,
        "encoder": ec.encoder, "encoder_path": enc_path if ec.encoder != "ner" else None,
        "encoder_layer": encoder.layer,
        "max_length": ec.max_length, "stride": ec.stride, "batch_size": ec.batch_size,
        "trigger_model": trig_primary, "argument_model": arg_primary, "window_sentences": ec.window_sentences,
        "crf_window": recipe.crf.window, "same_as": ec.same_as, "distant_tolls": ec.distant_tolls, "scheme": recipe.data.scheme})
    for split, recs in predictions.items():
        atomic_write(out / "predictions" / f"{split}.jsonl",
                     "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs))
    wall = time.time() - t0
    info = {"recipe": recipe.name, "seed": recipe.seed, "dataset_fingerprint": fp, "dataset_rebuilt": rebuilt,
            "git": git_commit(repo.root), "packages": package_versions(), "wall_seconds": wall,
            "ner_run": str(ner_run), "encoder_path": enc_path, "threads": recipe.train.threads,
            "train": {"timing_seconds": timing, "encoder_tokens": encoder.tokens_run}}
    import platform

    info.update({"python": platform.python_version(), "platform": platform.platform()})
    atomic_write(out / "run_info.json", json.dumps(info, indent=2, sort_keys=True) + "\n")
    atomic_write(out / "metrics.json", json.dumps(metrics, indent=2, sort_keys=True) + "\n")
    return {"out": out, "metrics": metrics, "info": info}


# -- the ceiling: annotators' blind passes scored like the model --------------------------------------


