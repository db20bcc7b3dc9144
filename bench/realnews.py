"""Real-news dev set: trained run folders scored on third-party news excerpts, beside their in-corpus figures.

    python bench/realnews.py runs/minilm-ner runs/crf-baseline [--show] [--out eval/benchmarks/realnews.json]

Trains nothing. Reads ``../shared/benchmarks/realnews/dev.doccano.jsonl`` (real news from public web pages,
annotated to casus's GUIDELINES for the four entity labels, code-point offsets) with casus's doccano
importer, predicts with each run, and prints per run: strict and type-with-overlap micro F1 (95 % bootstrap
CI over documents), per-label strict / type F1, the number of predicted spans that start or end inside a
word, and the run's own in-style ``test`` and out-of-style ``style_test`` strict F1 from its metrics.json.

The texts are a third party's: they are evaluated, never copied. The JSON written holds figures only (no
text, no spans); ``--show`` prints the predictions to the terminal so that a person can look at them.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "benchmarks" / "realnews" / "dev.doccano.jsonl"
LABELS = ["ACTOR", "WEAPON", "LOCATION", "CASUALTY"]


def load_gold(path: Path):
    from casus.formats import doccano
    from casus.schema import load_schema

    schema = load_schema(ROOT / "annotations" / "schema.yaml")
    return doccano.read(path, schema, offsets="codepoint")


def score_run(run: Path, gold, seed: int = 0, show: bool = False) -> dict:
    from casus.align import mid_word_spans
    from casus.metrics.bootstrap import bootstrap_ci
    from casus.metrics.spans import score_corpus
    from casus.predict import load_predictor

    pred = load_predictor(run)
    texts = [a.document.text for a in gold]
    t0 = time.perf_counter()
    out = pred.predict(texts)
    secs = time.perf_counter() - t0
    g = {a.doc_id: [(s.start, s.end, s.label) for s in a.spans if s.label in LABELS] for a in gold}
    p = {a.doc_id: [s for s in spans if s[2] in LABELS] for a, spans in zip(gold, out)}
    report, per_doc = score_corpus(g, p, LABELS)
    d = report.as_dict()
    ci = bootstrap_ci(per_doc, LABELS, seed=seed, schemes=("strict", "type"))
    mid = sum(len(mid_word_spans(a.document.text, p[a.doc_id])) for a in gold)
    res = {"run": str(run), "documents": len(gold), "gold_spans": sum(len(v) for v in g.values()),
           "pred_spans": sum(len(v) for v in p.values()), "mid_word_spans": mid,
           "subword_conflicts": getattr(pred, "subword_conflicts", 0), "predict_seconds": round(secs, 2),
           "strict": {"micro": d["strict"]["micro"], "per_label": {k: v["f1"] for k, v in d["strict"]["per_label"].items()},
                      "ci95": ci.get("strict_micro_f1")},
           "type": {"micro": d["type"]["micro"], "per_label": {k: v["f1"] for k, v in d["type"]["per_label"].items()},
                    "ci95": ci.get("type_micro_f1")}}
    mpath = run / "metrics.json"
    if mpath.is_file():
        m = json.loads(mpath.read_text())
        res["recipe"] = m.get("recipe")
        for split in ("test", "style_test"):
            if split in m:
                res[f"in_corpus_{split}_strict_f1"] = m[split]["strict"]["micro"]["f1"]
                res[f"in_corpus_{split}_type_f1"] = m[split]["type"]["micro"]["f1"]
    if show:
        for a, spans in zip(gold, out):
            text = a.document.text
            gs = {(s.start, s.end, s.label) for s in a.spans}
            print(f"\n== {run.name} on {a.doc_id}")
            for s in sorted(set(spans) | gs):
                mark = "ok " if s in gs and s in spans else ("MISS" if s in gs else "SPUR")
                print(f"  {mark} {s[2]:9s} {text[s[0]:s[1]]!r}")
    return res


def _f(x) -> str:
    return "-" if x is None else f"{x:.3f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="+", type=Path, help="casus run folders (runs/minilm-ner, runs/crf-baseline, ...)")
    ap.add_argument("--data", type=Path, default=DATA, help="doccano JSONL with code-point offsets")
    ap.add_argument("--out", type=Path, default=ROOT / "eval" / "benchmarks" / "realnews.json")
    ap.add_argument("--show", action="store_true", help="print every gold and predicted span (not written to disk)")
    args = ap.parse_args()
    if not args.data.is_file():
        sys.exit(f"{args.data}: the real-news dev set is not here (it lives in ../shared beside the checkout)")
    gold = load_gold(args.data)
    rows = [score_run(r, gold, show=args.show) for r in args.runs]
    print(f"\nreal-news dev set: {len(gold)} documents, {rows[0]['gold_spans']} gold spans ({args.data})")
    head = (f"{'run':22s} {'strict F1':>9s} {'[95% CI]':>15s} {'type F1':>8s} " + " ".join(f"{lab[:7]:>7s}" for lab in LABELS)
            + f" {'mid-word':>8s} {'test':>6s} {'style_t':>7s}")
    print(head)
    for r in rows:
        ci = r["strict"]["ci95"] or [float("nan")] * 2
        per = " ".join(f"{_f(r['strict']['per_label'].get(lab)):>7s}" for lab in LABELS)
        print(f"{Path(r['run']).name:22s} {r['strict']['micro']['f1']:9.3f} [{ci[0]:.3f}, {ci[1]:.3f}] "
              f"{r['type']['micro']['f1']:8.3f} {per} {r['mid_word_spans']:8d} "
              f"{_f(r.get('in_corpus_test_strict_f1')):>6s} {_f(r.get('in_corpus_style_test_strict_f1')):>7s}")
    print("per-label columns: strict F1; test / style_t: the run's own in-style test and out-of-style style_test strict F1")
    body = {"data": str(args.data.relative_to(ROOT.parent)) if args.data.is_relative_to(ROOT.parent) else str(args.data),
            "documents": len(gold), "runs": rows, "command": " ".join(["python", "bench/realnews.py", *sys.argv[1:]]),
            "machine": {"python": platform.python_version(), "platform": platform.platform()}}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(body, indent=2, sort_keys=True) + "\n")
    print(f"written {args.out}")


if __name__ == "__main__":
    main()
