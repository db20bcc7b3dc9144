"""Dataset commands: build."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from ..dataset import build as build_dataset
from ..export import export_conll, export_jsonl
from ._app import RootOption, app, console, handled, open_repo


class BuildFormat(str, Enum):
    hf = "hf"
    conll = "conll"
    jsonl = "jsonl"


class Scheme(str, Enum):
    BIO = "BIO"
    IOBES = "IOBES"


@app.command()
def build(
    out: Path = typer.Option(Path("build/dataset"), "--out", help="output folder"),
    fmt: BuildFormat = typer.Option(BuildFormat.hf, "--format", help="hf (parquet + card, default), conll or jsonl"),
    scheme: Scheme = typer.Option(Scheme.BIO, "--scheme", help="BIO or IOBES"),
    root: Optional[Path] = RootOption,
) -> None:
    """Build the HuggingFace dataset (load it with datasets.load_dataset(OUT)), or export CoNLL / JSONL."""
    fmt, scheme = fmt.value, scheme.value
    with handled():
        repo = open_repo(root)
        if fmt == "hf":
            res = build_dataset(repo, out, scheme=scheme, progress=True)
            if res.manifest_created:
                console.print("created the split manifest annotations/splits.json (seeded, stratified)", style="yellow")
            for d in res.placed:
                console.print(f"placed new document {d} in the split manifest (annotations/splits.json)", style="yellow")
            console.print(f"dataset written to {out}: documents {res.split_sizes}, windows {res.window_sizes}")
            style = "red" if res.unrepresentable else "green"
            console.print(f"unrepresentable span boundaries: {res.unrepresentable}", style=style)
            console.print(f"fingerprint {res.fingerprint}")
        elif fmt in ("conll", "jsonl"):
            n = (export_conll if fmt == "conll" else export_jsonl)(repo, out, scheme)
            console.print(f"{fmt} export written to {out} ({n} documents)")
        else:
            raise typer.BadParameter("use --format hf, conll or jsonl")
