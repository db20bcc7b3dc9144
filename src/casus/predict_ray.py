"""``casus predict --engine ray``: span prediction over many input shards with Ray Data, on one machine or a
cluster (``ray start`` / ``RAY_ADDRESS``), resumable by shard.

Inputs are JSONL (``{"doc_id", "text"}`` per line) or parquet shards (columns ``doc_id``, ``text``): files, folders
of them, or any fsspec URL (``s3://``, ``gs://``, ``memory://``, ...). Each input shard becomes one output file
``OUT/<shard stem>.parquet`` (columns ``doc_id``, ``spans``: a list of ``{start, end, label, text}``), written
to a temporary name and renamed when complete, so a shard is either wholly there or absent: a run killed at any
point resumes with the shards not yet written (``--resume``), no document lost or written twice. Within a
shard, a pool of predictor actors (``map_batches`` with a callable class, ``--actors N``, ``--actor-cpus`` /
``--actor-gpus`` each) predicts batches of documents in a stream; an actor that dies is restarted and its batch
retried by Ray. Memory is bounded by the batch size and the actors' queues, not by the number of documents.

Ray is the ``scale`` extra; the single-process ``casus predict`` needs none of it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterable, Sequence

from .errors import FormatError, StoreError

SUFFIXES = (".jsonl", ".parquet")


def _fs_and_paths(spec: str) -> tuple[Any, list[str]]:
    """(pyarrow filesystem, shard paths) of a file, folder or URL; local paths get the local filesystem."""
    import fsspec
    from pyarrow.fs import FSSpecHandler, PyFileSystem

    fs, root = fsspec.core.url_to_fs(spec)
    if fs.isdir(root):
        paths = sorted(p for p in fs.find(root) if p.endswith(SUFFIXES))
    elif fs.exists(root):
        paths = [root]
    else:
        raise StoreError(f"{spec}: no such file, folder or URL")
    if not paths:
        raise StoreError(f"{spec}: no .jsonl or .parquet shards")
    return PyFileSystem(FSSpecHandler(fs)), paths


def shards_of(specs: Sequence[str]) -> list[tuple[Any, str]]:
    out: list[tuple[Any, str]] = []
    for spec in specs:
        fs, paths = _fs_and_paths(str(spec))
        out += [(fs, p) for p in paths]
    stems = [Path(p).name.split(".")[0] for _, p in out]
    dup = sorted({s for s in stems if stems.count(s) > 1})
    if dup:
        raise FormatError(f"two input shards share the name {dup[0]!r}: outputs are named after their input shard")
    return out


class SpanActor:
    """One predictor per actor (loaded once), called on batches of documents (a pandas DataFrame)."""

    def __init__(self, run_dir: str, threads: int = 1, backend: str = "torch", onnx_variant: str = "fp32",
                 die_once: str | None = None):
        from .predict import load_predictor

        if threads:
            import torch

            torch.set_num_threads(threads)
        self.predictor = load_predictor(run_dir, backend=backend, onnx_variant=onnx_variant)
        self.die_once = die_once  # tests: the path of a marker; the first actor to see it absent dies mid-batch

    def __call__(self, batch):
        import pandas as pd

        if self.die_once and not os.path.exists(self.die_once):
            Path(self.die_once).write_text("died\n")
            os._exit(1)
        texts = [str(t) for t in batch["text"]]
        preds = self.predictor.predict(texts)
        spans = [[{"start": int(a), "end": int(b), "label": lab, "text": t[a:b]} for a, b, lab in p]
                 for t, p in zip(texts, preds)]
        return pd.DataFrame({"doc_id": [str(d) for d in batch["doc_id"]], "spans": spans,
                             "path": [str(p) for p in batch["path"]]})


def _schema():
    import pyarrow as pa

    span = pa.struct([("start", pa.int32()), ("end", pa.int32()), ("label", pa.string()), ("text", pa.string())])
    return pa.schema([("doc_id", pa.string()), ("spans", pa.list_(span))])


def predict_shards(run_dir: Path | str, specs: Sequence[str], out_dir: Path | str, *, actors: int = 1,
                   actor_cpus: float = 1.0, actor_gpus: float = 0.0, batch_size: int = 32, threads: int = 1,
                   backend: str = "torch", onnx_variant: str = "fp32", resume: bool = False,
                   progress: bool = False, die_once: str | None = None) -> dict[str, Any]:
    """Predict every shard of ``specs`` into ``out_dir`` (see the module docstring). Returns counts: shards
    written, skipped (already complete), documents written."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    import ray

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    shards = shards_of(specs)
    if not ray.is_initialized():
        ray.init(ignore_reinit_error=True, include_dashboard=False, log_to_driver=False,
                 **({} if os.environ.get("RAY_ADDRESS") else {"num_cpus": max(1, int(actors * actor_cpus))}))
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = progress
    res = {"shards": len(shards), "written": 0, "skipped": 0, "documents": 0}
    pending: dict[int, tuple[Any, list[str]]] = {}  # by filesystem object (not hashable: keyed by id)
    for fs, path in shards:
        target = out_dir / f"{_stem(path)}.parquet"
        if target.is_file():
            if not resume:
                raise StoreError(f"{target} exists; pass --resume to skip complete shards (or choose another --out)")
            res["skipped"] += 1
            continue
        pending.setdefault(id(fs), (fs, []))[1].append(path)
    for fs, paths in pending.values():
        # one dataset over every pending shard of a filesystem: the actors load the model once and stay busy;
        # each output shard is closed and renamed as soon as all of its documents have come back
        expected = {_stem(p): _count(fs, p) for p in paths}
        writers: dict[str, Any] = {}
        got = {k: 0 for k in expected}
        for k, n in expected.items():
            if n == 0:
                _finish(out_dir, k, None)
                res["written"] += 1
        jsonl = [p for p in paths if not p.endswith(".parquet")]
        parq = [p for p in paths if p.endswith(".parquet")]
        parts = []
        # reading takes no CPU slot: the actors may hold every CPU (2 actors on 2 cores) and must still be fed
        if jsonl:
            parts.append(ray.data.read_json(jsonl, filesystem=fs, include_paths=True, ray_remote_args={"num_cpus": 0}))
        if parq:
            parts.append(ray.data.read_parquet(parq, filesystem=fs, include_paths=True, columns=["doc_id", "text"],
                                               ray_remote_args={"num_cpus": 0}))
        ds = parts[0] if len(parts) == 1 else parts[0].union(*parts[1:])
        ds = ds.map_batches(SpanActor, fn_constructor_kwargs={"run_dir": str(Path(run_dir).resolve()),
                                                              "threads": threads, "backend": backend,
                                                              "onnx_variant": onnx_variant, "die_once": die_once},
                            batch_size=batch_size, batch_format="pandas", concurrency=actors, num_cpus=actor_cpus,
                            num_gpus=actor_gpus, max_restarts=3, max_task_retries=3)
        try:
            for batch in ds.iter_batches(batch_format="pyarrow", batch_size=batch_size):
                rows = batch.to_pylist()
                by: dict[str, list[dict]] = {}
                for r in rows:
                    by.setdefault(_stem(r.pop("path")), []).append(r)
                for k, rs in by.items():
                    if k not in writers:
                        writers[k] = pq.ParquetWriter(out_dir / f".{k}.parquet.tmp", _schema())
                    writers[k].write_table(pa.Table.from_pylist(rs, schema=_schema()))
                    got[k] += len(rs)
                    if got[k] == expected[k]:
                        _finish(out_dir, k, writers.pop(k))
                        res["written"] += 1
                        res["documents"] += got[k]
        finally:
            for w in writers.values():  # an interrupted run: torn shards stay temporary, redone on --resume
                w.close()
        short = {k: (got[k], n) for k, n in expected.items() if got[k] != n}
        if short:
            raise StoreError(f"shards came back incomplete (documents got, expected): {short}")
    return res


def _stem(path: str) -> str:
    return Path(path).name.split(".")[0]


def _count(fs: Any, path: str) -> int:
    """Documents in a shard: its parquet row count, or its non-blank JSONL lines."""
    import pyarrow.parquet as pq

    if path.endswith(".parquet"):
        with fs.open_input_file(path) as fh:
            return pq.ParquetFile(fh).metadata.num_rows
    n = 0
    with fs.open_input_stream(path) as fh:
        for line in fh.read().splitlines():
            n += bool(line.strip())
    return n


def _finish(out_dir: Path, stem: str, writer: Any) -> None:
    tmp = out_dir / f".{stem}.parquet.tmp"
    if writer is None:
        import pyarrow.parquet as pq

        writer = pq.ParquetWriter(tmp, _schema())
    writer.close()
    os.replace(tmp, out_dir / f"{stem}.parquet")


def read_outputs(out_dir: Path | str) -> Iterable[dict[str, Any]]:
    """Every predicted document of ``out_dir``'s shards, shard by shard (bounded memory)."""
    import pyarrow.parquet as pq

    for p in sorted(Path(out_dir).glob("*.parquet")):
        for batch in pq.ParquetFile(p).iter_batches(batch_size=1024):
            yield from batch.to_pylist()
