"""Streaming prediction in bounded memory: peak RSS of `casus predict` on 10k vs 100k generated documents.

    python bench/predict_memory.py --run runs/crf-baseline [--docs 100000]

Writes generated short reports to a JSONL file, runs `casus predict RUN --docs FILE --out OUT.jsonl` in a
fresh process for a tenth of the documents and for all of them, and prints both peak RSS figures and their
ratio (≈1.0 means memory does not grow with the input). The CRF run keeps the timing practical on 2 cores;
the transformer predictor streams through the same code path.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PLACES = ["Kidal", "Gao", "Mopti", "Sumy", "Kherson", "Marib", "Idlib", "Beni", "Goma", "Jolo", "Marawi", "Kunduz"]
ACTORS = ["Gunmen", "Militants", "Government forces", "Rebel fighters", "Unidentified assailants"]
WEAPONS = ["rockets", "a roadside bomb", "drones", "mortar rounds", "automatic rifles"]


def generate(path: Path, n: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            text = (f"{rng.choice(ACTORS)} attacked a checkpoint near {rng.choice(PLACES)} on Monday with "
                    f"{rng.choice(WEAPONS)}, killing {rng.randint(2, 40)} soldiers, officials said. "
                    f"Residents of {rng.choice(PLACES)} said {rng.randint(2, 9)} civilians were wounded.")
            fh.write(json.dumps({"id": f"gen-{i:06d}", "text": text}) + "\n")


def measure(run: str, src: Path, out: Path) -> tuple[float, float]:
    cmd = ["/usr/bin/time", "-f", "MAXRSS %M", sys.executable, "-m", "casus.cli", "predict", run, "--docs", str(src),
           "--out", str(out), "--chunk", "256"]
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(r.stderr[-2000:])
    rss = int([ln for ln in r.stderr.splitlines() if ln.startswith("MAXRSS")][-1].split()[1]) / 1024
    return rss, dt


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", default="runs/crf-baseline")
    ap.add_argument("--docs", type=int, default=100_000)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        small, big = Path(d) / "small.jsonl", Path(d) / "big.jsonl"
        generate(small, a.docs // 10)
        generate(big, a.docs)
        rss_s, t_s = measure(a.run, small, Path(d) / "o1.jsonl")
        rss_b, t_b = measure(a.run, big, Path(d) / "o2.jsonl")
        n_out = sum(1 for _ in open(Path(d) / "o2.jsonl"))
    print(f"{a.docs // 10} documents: peak RSS {rss_s:.0f} MiB ({t_s:.0f} s)")
    print(f"{a.docs} documents: peak RSS {rss_b:.0f} MiB ({t_b:.0f} s), {n_out} records written")
    print(f"ratio peak RSS {a.docs} / {a.docs // 10} documents: {rss_b / rss_s:.2f}x (1.0 = bounded)")


if __name__ == "__main__":
    main()
