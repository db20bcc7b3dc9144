"""Evaluation speed: casus strict scoring vs seqeval on 100k random BIO sentences (identical numbers).

    python bench/metric_speed.py [--sentences 100000]

Prints the ratio seqeval_time / casus_time (higher is better for casus) and checks the figures agree.
"""

from __future__ import annotations

import argparse
import random
import time

from seqeval.metrics import classification_report, f1_score

from casus.metrics.tokens import strict_report


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sentences", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    tags = ["O"] * 6 + [f"{p}-{lab}" for lab in ("ACTOR", "WEAPON", "LOCATION", "CASUALTY") for p in ("B", "I")]
    y_true, y_pred = [], []
    for _ in range(a.sentences):
        n = rng.randint(5, 30)
        t = [rng.choice(tags) for _ in range(n)]
        p = [x if rng.random() < 0.8 else rng.choice(tags) for x in t]
        y_true.append(t)
        y_pred.append(p)
    t0 = time.perf_counter()
    ours = strict_report(y_true, y_pred)
    t_casus = time.perf_counter() - t0
    t0 = time.perf_counter()
    rep = classification_report(y_true, y_pred, output_dict=True)  # micro, macro and per label in one call
    t_report = time.perf_counter() - t0
    t0 = time.perf_counter()
    micro = f1_score(y_true, y_pred)
    t_f1 = time.perf_counter() - t0
    same = (abs(ours["micro"]["f1"] - micro) < 1e-12 and abs(ours["micro"]["f1"] - rep["micro avg"]["f1-score"]) < 1e-12
            and abs(ours["macro_f1"] - rep["macro avg"]["f1-score"]) < 1e-12
            and all(abs(ours["per_label"][k]["f1"] - rep[k]["f1-score"]) < 1e-12
                    and ours["per_label"][k]["support"] == rep[k]["support"] for k in ours["per_label"]))
    print(f"sentences: {a.sentences}")
    print(f"casus strict_report (micro, macro, per label): {t_casus:.2f} s")
    print(f"seqeval classification_report (same figures): {t_report:.2f} s;  seqeval f1_score (micro only): {t_f1:.2f} s")
    print(f"identical numbers: {same}  (micro F1 {ours['micro']['f1']:.6f})")
    print(f"ratio seqeval classification_report / casus: {t_report / t_casus:.1f}x")
    print(f"ratio seqeval f1_score (micro only) / casus (everything): {t_f1 / t_casus:.1f}x")


if __name__ == "__main__":
    main()
