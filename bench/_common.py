"""Shared helpers for the benchmark scripts (run each measured side in its own process for peak RSS)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_side(script: Path, args: list[str]) -> dict:
    """Run ``script --side ...`` in a fresh interpreter; it prints one JSON line last. Adds peak RSS (MiB)."""
    cmd = ["/usr/bin/time", "-f", "MAXRSS %M", sys.executable, str(script), *args]
    env = dict(os.environ, HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{r.stderr[-3000:]}")
    out = json.loads([ln for ln in r.stdout.splitlines() if ln.startswith("{")][-1])
    rss = [ln for ln in r.stderr.splitlines() if ln.startswith("MAXRSS ")]
    out["peak_rss_mib"] = int(rss[-1].split()[1]) / 1024 if rss else None
    return out


def texts_for(split: str = "test", repeat: int = 1) -> list[str]:
    import pyarrow.parquet as pq

    p = ROOT / "build" / "dataset" / "data" / "documents" / f"{split}.parquet"
    if not p.is_file():
        raise SystemExit(f"{p} missing: run `casus build` first")
    return [r["text"] for r in pq.read_table(p).to_pylist()] * repeat
