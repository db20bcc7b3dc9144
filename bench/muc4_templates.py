"""MUC-4 template filling (GTT's template-level metric) with casus's document-level event stage.

    python bench/muc4_templates.py --run NAME=RUN_DIR [--run NAME=RUN_DIR ...] [--out FILE]

RUN_DIR is a casus NER run trained on MUC-4 role labels by ``bench/benchmarks.py --bench muc4 --keep``
(its ``predictions/dev.jsonl`` and ``predictions/test.jsonl`` are the role-filler spans). For each run:

1. the incident-type classifier (``casus.events.templates.IncidentTypeClassifier``) is fit on the GTT train
   templates' types (1,300 documents), its thresholds tuned on the dev documents the run predicted, by
   template-level F1 (one global threshold, then per type by coordinate ascent);
2. test templates are built (``build_templates``) and scored with ``casus.metrics.templates`` against
   ``gtt_templates/test.json`` (200 documents), with a bootstrap CI over documents;
3. two oracle rows split the error: gold incident types with the run's fillers, and the classifier's types
   with gold fillers (GRIT's role-filler spans, every occurrence); plus gold types with gold fillers, the
   ceiling of the template assembly itself.

Writes eval/benchmarks/templates/muc4.json and prints a markdown table (for eval/benchmarks.md).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "benchmarks" / "muc4"


def _texts(split: str) -> dict[str, str]:
    rows = [json.loads(ln) for ln in (SHARED / "grit_ree" / f"{split}.json").read_text().splitlines() if ln.strip()]
    return {r["docid"]: r["doctext"] for r in rows}


def _spans(run: Path, split: str) -> dict[str, list[tuple[int, int, str]]]:
    out = {}
    for ln in (run / "predictions" / f"{split}.jsonl").read_text().splitlines():
        r = json.loads(ln)
        out[r["doc_id"]] = [(x["start"], x["end"], x["label"]) for x in r["spans"]]
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", action="append", required=True, help="NAME=RUN_DIR (repeatable)")
    ap.add_argument("--out", type=Path, default=ROOT / "eval" / "benchmarks" / "templates" / "muc4.json")
    ap.add_argument("--seed", type=int, default=13)
    a = ap.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    from casus.events.templates import IncidentTypeClassifier, build_templates, tune_per_type, tune_threshold, types_of
    from casus.formats import muc4
    from casus.metrics.templates import score_templates

    t0 = time.perf_counter()
    gold = {s: muc4.load_templates(SHARED / "gtt_templates" / f"{s}.json") for s in ("train", "dev", "test")}
    texts = {s: _texts(s) for s in ("train", "dev", "test")}
    gold_fillers = {a_.document.id: [(x.start, x.end, x.label) for x in a_.spans]
                    for a_ in muc4.load_grit(SHARED / "grit_ree" / "test.json", occurrences="all").asets}
    train_ids = sorted(texts["train"])
    test_ids = sorted(texts["test"])
    gold_types = {d: list(dict.fromkeys(t.incident_type.split(" / ")[0] for t in gold["test"][d])) for d in test_ids}

    def row(system: str, pred: dict, note: str) -> dict:
        rep = score_templates(pred, gold["test"])
        lo, hi = rep.ci95(seed=a.seed)
        d = rep.as_dict()
        return {"system": system, "f1": 100 * rep.micro.f1, "precision": 100 * rep.micro.precision,
                "recall": 100 * rep.micro.recall, "ci95": [100 * lo, 100 * hi],
                "per_slot_f1": {k: 100 * v["f1"] for k, v in d["per_slot"].items()},
                "approximated_documents": rep.approximated, "note": note}

    rows = []
    for spec in a.run:
        name, _, path = spec.partition("=")
        run = Path(path)
        dev_spans, test_spans = _spans(run, "dev"), _spans(run, "test")
        clf = IncidentTypeClassifier(seed=a.seed).fit([texts["train"][d] for d in train_ids],
                                                      [types_of(gold["train"][d]) for d in train_ids])
        dev_ids = sorted(dev_spans)
        dev_texts, dev_gold = [texts["dev"][d] for d in dev_ids], {d: gold["dev"][d] for d in dev_ids}
        th, curve = tune_threshold(clf, dev_texts, dev_ids, dev_spans, dev_gold)
        per, dev_f1 = tune_per_type(clf, dev_texts, dev_ids, dev_spans, dev_gold)
        pred_types = dict(zip(test_ids, clf.predict([texts["test"][d] for d in test_ids])))
        full = {d: build_templates(texts["test"][d], pred_types[d], test_spans.get(d, ())) for d in test_ids}
        per_s = ", ".join(f"{t} {v}" for t, v in per.items())
        rows.append(row(f"casus: incident classifier + {name} fillers", full,
                        f"per-type thresholds tuned on {len(dev_ids)} dev documents ({per_s}; dev F1 "
                        f"{100 * dev_f1:.2f}, global threshold {th}: {100 * max(c[1] for c in curve):.2f})"))
        rows[-1]["dev_curve"] = curve
        rows[-1]["per_type_thresholds"] = per
        rows.append(row(f"oracle incident types + {name} fillers",
                        {d: build_templates(texts["test"][d], gold_types[d], test_spans.get(d, ())) for d in test_ids},
                        "gold incident types (one template per distinct gold type)"))
        if not any(r["system"].startswith("incident classifier + gold fillers") for r in rows):
            rows.append(row("incident classifier + gold fillers",
                            {d: build_templates(texts["test"][d], pred_types[d], gold_fillers.get(d, ()))
                             for d in test_ids}, f"thresholds as above ({name} run); GRIT's gold role-filler spans"))
    rows.append(row("oracle incident types + gold fillers (assembly ceiling)",
                    {d: build_templates(texts["test"][d], gold_types[d], gold_fillers.get(d, ())) for d in test_ids},
                    "what one template per gold type with string-grouped entities can reach"))
    res = {"benchmark": "muc4-templates", "command": "python bench/muc4_templates.py " + shlex.join(sys.argv[1:]),
           "date": time.strftime("%Y-%m-%d"),
           "metric": "GTT template-level micro P/R/F1 (incident type + 5 role slots, phi_strict, "
                     "casus.metrics.templates), 200 test documents",
           "rows": rows, "wall_s": time.perf_counter() - t0}
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    print(f"Command: `{res['command']}`.  \nMetric: {res['metric']}.\n")
    print("| system | F1 [95% CI] | P | R | incident type F1 | PerpInd | PerpOrg | Target | Victim | Weapon | note |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        ps = r["per_slot_f1"]
        print(f"| {r['system']} | {r['f1']:.2f} [{r['ci95'][0]:.1f}, {r['ci95'][1]:.1f}] | {r['precision']:.2f} | "
              f"{r['recall']:.2f} | {ps['incident_type']:.1f} | {ps['PerpInd']:.1f} | {ps['PerpOrg']:.1f} | "
              f"{ps['Target']:.1f} | {ps['Victim']:.1f} | {ps['Weapon']:.1f} | {r['note']} |")
    print(f"\nwrote {a.out}")


if __name__ == "__main__":
    main()
