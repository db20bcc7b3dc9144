"""Ray Data scaling on this machine: `casus predict --engine ray` with 1 and 2 predictor actors (1 CPU, 1 torch
thread each) on the same synthetic shards, printed as the ratio 2 actors / 1 actor; then 100,000 synthetic documents
through the engine with peak memory. Written into eval/benchmarks/speed.json under "ray".

    python bench/ray_scale.py --run runs/minilm-ner [--docs 400] [--big-run runs/crf-baseline --big 100000]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import tempfile
import time
from pathlib import Path

import _common

SENTENCES = ["Gunmen attacked a market in {p}, killing at least {n} civilians, local officials said on Sunday.",
             "A drone struck an oil depot near {p}; the regional governor said {n} workers were wounded.",
             "Police in {p} said two suicide bombers were killed at a checkpoint before they could reach the mosque.",
             "Residents of {p} reported heavy shelling overnight and said the army had withdrawn from the town."]
PLACES = ["Diallassagou", "Belgorod", "Kano", "Marib", "Kharkiv", "Goma", "Idlib", "Mogadishu"]


def make_shards(folder: Path, n_docs: int, per_shard: int, sentences: int) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    k = 0
    for s in range(0, n_docs, per_shard):
        with open(folder / f"shard{s // per_shard:04d}.jsonl", "w") as fh:
            for i in range(s, min(n_docs, s + per_shard)):
                text = " ".join(SENTENCES[(i + j) % 4].format(p=PLACES[(i * 7 + j) % 8], n=(i + j) % 40 + 2)
                                for j in range(sentences))
                fh.write(json.dumps({"doc_id": f"d{i:06d}", "text": text}) + "\n")
                k += 1
    return k


def timed(run: str, shards: Path, actors: int, batch: int) -> tuple[float, int]:
    from casus.predict_ray import predict_shards

    out = Path(tempfile.mkdtemp())
    try:
        t0 = time.perf_counter()
        res = predict_shards(run, [str(shards)], out, actors=actors, actor_cpus=1, threads=1, batch_size=batch)
        return time.perf_counter() - t0, res["documents"]
    finally:
        shutil.rmtree(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", default="runs/minilm-ner")
    ap.add_argument("--docs", type=int, default=400)
    ap.add_argument("--big-run", default="runs/crf-baseline")
    ap.add_argument("--big", type=int, default=100_000)
    ap.add_argument("--out", default=str(_common.ROOT / "eval" / "benchmarks" / "speed.json"))
    a = ap.parse_args()
    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    tmp = Path(tempfile.mkdtemp())
    try:
        n = make_shards(tmp / "small", a.docs, max(1, a.docs // 4), 3)
        timed(a.run, tmp / "small", 1, 16)  # warm-up: model files in the page cache, Ray workers started
        t1, d1 = timed(a.run, tmp / "small", 1, 16)
        t2, d2 = timed(a.run, tmp / "small", 2, 16)
        assert d1 == d2 == n
        print(f"{n} documents, {a.run}: 1 actor {t1:.1f} s, 2 actors {t2:.1f} s -> 2 actors / 1 actor = {t1 / t2:.2f}x")
        nb = make_shards(tmp / "big", a.big, 10_000, 1)
        rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        tb, db = timed(a.big_run, tmp / "big", 2, 256)
        rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{db} of {nb} documents with {a.big_run} and 2 actors in {tb:.0f} s; driver peak RSS {rss0:.0f} -> "
              f"{rss1:.0f} MiB")
    finally:
        shutil.rmtree(tmp)
    p = Path(a.out)
    data = json.loads(p.read_text()) if p.is_file() else {"predict": {}}
    data["ray"] = {"actors_2_vs_1": round(t1 / t2, 3), "documents": n, "run": a.run, "seconds_1_actor": round(t1, 2),
                   "seconds_2_actors": round(t2, 2), "big_documents": db, "big_run": a.big_run,
                   "big_seconds": round(tb, 1), "driver_peak_rss_mib": round(rss1, 1),
                   "command": f"python bench/ray_scale.py --run {a.run} --docs {a.docs} --big-run {a.big_run} --big {a.big}"}
    p.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    print(f"-> {p}")


if __name__ == "__main__":
    main()
