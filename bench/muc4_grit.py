"""Recompute GRIT's MUC-4 test result (CEAF-REE) from its released predictions, with casus's scorer.

    python bench/muc4_grit.py                  # reads ../shared/benchmarks/muc4 beside the project
    python bench/muc4_grit.py --muc4 PATH --json

Prints micro and per-role P/R/F1 (phi_strict, GRIT's reported metric; phi_prop too), the raw
numerators/denominators, and the importer's account of the test gold (mentions without a span, key
strings GRIT's preprocessing dropped). Expected: P 64.19 / R 47.36 / F1 54.50.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from casus.formats import muc4
from casus.metrics.ceaf import ROLES, load_grit_gold, load_grit_predictions, score_ceaf_ree

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "muc4"
PUBLISHED = {"precision": 64.19, "recall": 47.36, "f1": 54.50}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--muc4", type=Path, default=DEFAULT, help="the shared benchmarks/muc4 folder")
    ap.add_argument("--preds", type=Path, default=None, help="prediction file (default: GRIT's preds_s_t.out)")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    args = ap.parse_args(argv)
    preds_path = args.preds or args.muc4 / "grit_predictions" / "preds_s_t.out"
    gold_path = args.muc4 / "grit_ree" / "test.json"
    for p in (preds_path, gold_path):
        if not p.is_file():
            print(f"missing {p} (pass --muc4)", file=sys.stderr)
            return 2
    pred, gold_in_file = load_grit_predictions(preds_path)
    gold = load_grit_gold(gold_path)
    reports = {phi: score_ceaf_ree(pred, gold, phi=phi) for phi in ("strict", "prop")}
    same_as_file_gold = (score_ceaf_ree(pred, gold_in_file).micro.as_dict()
                         == reports["strict"].micro.as_dict()) if gold_in_file else None
    split = muc4.load_grit(gold_path)
    proc = args.muc4 / "proc_output_gtt"
    upstream = (muc4.upstream_unfound(proc / "doc_test.txt", proc / "keys_test.txt")
                if (proc / "keys_test.txt").is_file() else None)

    out = {
        "predictions": str(preds_path),
        "gold": str(gold_path),
        "documents": len(reports["strict"].per_doc),
        "strict": reports["strict"].as_dict(),
        "prop": reports["prop"].as_dict(),
        "published_strict": PUBLISHED,
        "gold_in_prediction_file_gives_same_scores": same_as_file_gold,
        "gold_mentions_without_span": len(split.unmatched),
        "key_strings_dropped_by_grit_preprocessing": None if upstream is None else len(upstream),
    }
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    print(f"GRIT test predictions: {preds_path}")
    print(f"gold: {gold_path} ({out['documents']} documents)")
    for phi, rep in reports.items():
        print(f"\nCEAF-REE phi_{phi}       P       R      F1    p_num/p_den  r_num/r_den")
        for name, c in [(r, rep.per_role[r]) for r in ROLES] + [("micro", rep.micro)]:
            print(f"  {name:<16} {c.precision * 100:6.2f}  {c.recall * 100:6.2f}  {c.f1 * 100:6.2f}"
                  f"    {c.p_num:5g}/{c.p_den:<5g}  {c.r_num:5g}/{c.r_den:<5g}")
    m = reports["strict"].micro
    print(f"\npublished (phi_strict, micro): P {PUBLISHED['precision']:.2f} / R {PUBLISHED['recall']:.2f} / "
          f"F1 {PUBLISHED['f1']:.2f}; recomputed: P {m.precision * 100:.2f} / R {m.recall * 100:.2f} / "
          f"F1 {m.f1 * 100:.2f}")
    print(f"gold copy inside the prediction file gives the same scores: {same_as_file_gold}")
    print(f"test gold mentions the importer could not place in the text: {len(split.unmatched)}")
    if upstream is not None:
        print(f"key strings of the 5 roles GRIT's preprocessing dropped (not in the text): {len(upstream)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
