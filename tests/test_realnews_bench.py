"""bench/realnews.py: the real-news dev set read with casus's importer and scored like any run (skips
without ../shared). The scorer is checked on a run folder whose predictor returns the gold spans."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "benchmarks" / "realnews" / "dev.doccano.jsonl"
pytestmark = pytest.mark.skipif(not DATA.is_file(), reason="../shared/benchmarks/realnews absent")


def _bench():
    spec = importlib.util.spec_from_file_location("realnews_bench", ROOT / "bench" / "realnews.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_realnews_reads_with_code_point_offsets():
    gold = _bench().load_gold(DATA)
    assert len(gold) >= 2
    raw = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    for a, r in zip(gold, raw):
        assert a.doc_id == r["id"] and a.document.text == r["text"]
        assert sorted((s.start, s.end, s.label) for s in a.spans) == sorted(tuple(x) for x in r["label"])


def test_realnews_scores_a_perfect_and_a_word_cutting_run(monkeypatch, tmp_path):
    bench = _bench()
    gold = bench.load_gold(DATA)
    spans = {a.document.text: [(s.start, s.end, s.label) for s in a.spans] for a in gold}

    class Perfect:
        def predict(self, texts, progress=False):
            return [spans[t] for t in texts]

    class Cutting:  # every gold span shortened by one character: strict 0, type-overlap 1, all mid-word
        def predict(self, texts, progress=False):
            return [[(a, b - 1, lab) for a, b, lab in spans[t]] for t in texts]

    import casus.predict

    for cls, strict, mid in ((Perfect, 1.0, 0), (Cutting, 0.0, None)):
        monkeypatch.setattr(casus.predict, "load_predictor", lambda run, cls=cls: cls())
        res = bench.score_run(tmp_path, gold)
        assert res["strict"]["micro"]["f1"] == pytest.approx(strict)
        assert res["type"]["micro"]["f1"] == pytest.approx(1.0)
        if mid is not None:
            assert res["mid_word_spans"] == mid
        else:
            assert res["mid_word_spans"] > 0
