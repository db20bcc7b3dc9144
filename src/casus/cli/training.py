"""Training commands: train, predict, reproduce."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer
from rich.table import Table

from ..errors import StoreError
from ._app import RootOption, app, console, handled, open_repo


def _events_table(title: str, metrics: dict) -> Table:
    """Summary of an events run (kind: events): test/dev F1 of the primary designs, end to end."""
    t = Table(title=title)
    for col in ("split", "trigger cls F1 [95% CI]", "arg cls F1 (gold input)", "arg cls F1 (end to end)",
                "record F1", "killed count acc."):
        t.add_column(col, justify="right")
    prim = metrics.get("primary", {})
    for split in [s for s in ("dev", "test", "style_test") if s in metrics]:
        m = metrics[split]
        trig = m["triggers"][prim.get("trigger_model", "crf")]["trigger_cls"]
        ci = trig.get("ci95") or [float("nan")] * 2
        arg = prim.get("argument_model", "features")
        e2e = m["end_to_end"][arg]
        killed = e2e["records"].get("killed/exact", {}).get("accuracy")
        t.add_row(split, f"{trig['f1']:.3f} [{ci[0]:.3f}, {ci[1]:.3f}]",
                  f"{m['arguments_gold_input'][arg]['arg_cls']['f1']:.3f}", f"{e2e['events']['arg_cls']['f1']:.3f}",
                  f"{e2e['records']['record']['f1']:.3f}", "-" if killed is None else f"{killed:.3f}")
    return t


def _summary_table(title: str, metrics: dict) -> Table:
    if metrics.get("kind") == "events":
        return _events_table(title, metrics)
    t = Table(title=title)
    t.add_column("split")
    t.add_column("strict P", justify="right")
    t.add_column("strict R", justify="right")
    t.add_column("strict F1 [95% CI]", justify="right")
    t.add_column("macro F1", justify="right")
    t.add_column("partial F1", justify="right")
    for split in [s for s in ("dev", "test", "style_test") if s in metrics]:
        m = metrics[split]
        ci = m.get("ci95", {}).get("strict_micro_f1", [float("nan")] * 2)
        t.add_row(split, f"{m['strict']['micro']['precision']:.3f}", f"{m['strict']['micro']['recall']:.3f}",
                  f"{m['strict']['micro']['f1']:.3f} [{ci[0]:.3f}, {ci[1]:.3f}]", f"{m['strict']['macro_f1']:.3f}",
                  f"{m['partial']['micro']['f1']:.3f}")
    return t


@app.command()
def train(
    config: Path = typer.Argument(..., help="recipe YAML (training/*.yaml)"),
    set_: List[str] = typer.Option([], "--set", help="dotted override, e.g. --set train.epochs=5 (repeatable)"),
    out: Optional[Path] = typer.Option(None, "--out", help="run folder (default: output_dir of the recipe)"),
    resume: bool = typer.Option(False, "--resume", help="continue from the last checkpoint in the run folder"),
    root: Optional[Path] = RootOption,
) -> None:
    """Train a recipe: build or reuse the dataset, train, evaluate on dev and test, record everything."""
    from ..train.recipe import load_recipe
    from ..train.run import run_recipe

    with handled():
        repo = open_repo(root)
        recipe = load_recipe(config, set_)
        res = run_recipe(recipe, repo, out=out, resume=resume)
    if res["metrics"] is None:  # a data-parallel rank other than 0: rank 0 reports
        return
    console.print(_summary_table(f"{recipe.name} ({recipe.kind})", res["metrics"]))
    console.print(f"run folder: {res['out']}  ({res['info']['wall_seconds']:.0f} s)")


class PredictFormat(str, Enum):
    casus = "casus"
    doccano = "doccano"


class Engine(str, Enum):
    local = "local"
    ray = "ray"


class Backend(str, Enum):
    torch = "torch"
    onnx = "onnx"


class OnnxVariant(str, Enum):
    fp32 = "fp32"
    int8_dynamic = "int8-dynamic"
    int8_static = "int8-static"


class Precision(str, Enum):
    fp32 = "fp32"
    bf16 = "bf16"


@app.command()
def predict(
    run: Path = typer.Argument(..., help="a casus run folder"),
    more: List[str] = typer.Argument(None, help="more inputs after --docs (so `--docs a b c` works)", show_default=False),
    docs: List[str] = typer.Option(..., "--docs", help="corpus ids, text files, folders of .txt, or JSONL with a text field"),
    out: Optional[Path] = typer.Option(None, "--out", help="output: .jsonl (streamed, resumable) or .json (one array)"),
    fmt: PredictFormat = typer.Option(PredictFormat.casus, "--format", help="casus or doccano"),
    export: Optional[str] = typer.Option(None, "--export", help="pre-annotation for a tool: labelstudio or doccano; "
                                         "the next argument after the format (or --out) is the file"),
    resume: bool = typer.Option(False, "--resume", help="skip documents already in the .jsonl output"),
    batch_docs: int = typer.Option(64, "--chunk", help="documents predicted per chunk (bounds memory)"),
    events: bool = typer.Option(False, "--events", help="RUN is an events run: write event records (.jsonl, .csv "
                                "or .parquet by --out extension); --export labelstudio FILE also writes them as "
                                "Label Studio tasks"),
    date: Optional[str] = typer.Option(None, "--date", help="with --events: the article date (YYYY-MM-DD) for "
                                       "inputs that are not corpus ids (corpus ids use their metadata date)"),
    min_confidence: Optional[float] = typer.Option(None, "--min-confidence", min=0.0, max=1.0,
                                                   help="with --events: withhold records and values whose model "
                                                   "confidence is below this (listed in each record's `withheld`, "
                                                   "counted here)"),
    precision: Precision = typer.Option(Precision.fp32, "--precision", help="transformer runs: fp32 (the numbers in eval/) or "
                                  "bf16 (about 1.7x faster on CPUs with AVX512-BF16/AMX; spans may differ slightly)"),
    backend: Backend = typer.Option(Backend.torch, "--backend", help="transformer runs: torch, or onnx (ONNX Runtime; "
                                    "export first with `casus export onnx RUN`)"),
    onnx_variant: OnnxVariant = typer.Option(OnnxVariant.fp32, "--onnx-model", help="with --backend onnx: fp32, "
                                             "int8-dynamic or int8-static"),
    engine: Engine = typer.Option(Engine.local, "--engine", help="local (one process) or ray: --docs are JSONL / "
                                  "parquet shards (files, folders, fsspec URLs), --out a folder of parquet shards"),
    actors: int = typer.Option(1, "--actors", min=1, help="--engine ray: predictor actors"),
    actor_cpus: float = typer.Option(1.0, "--actor-cpus", help="--engine ray: CPUs per actor"),
    actor_gpus: float = typer.Option(0.0, "--actor-gpus", help="--engine ray: GPUs per actor"),
    root: Optional[Path] = RootOption,
) -> None:
    """Turn documents into character spans with a trained run (streams JSONL in bounded memory)."""
    fmt, precision = fmt.value, precision.value
    if min_confidence is not None and not events:
        raise typer.BadParameter("--min-confidence applies to --events records only")
    if events:
        from ..events import predict_records

        ls_file: Optional[Path] = None
        if export is not None:
            if export != "labelstudio":
                raise typer.BadParameter("--events exports records to labelstudio only")
            if not more:
                raise typer.BadParameter("--export labelstudio needs a FILE after it")
            ls_file, more = Path(more[-1]), more[:-1]
        if out is None:
            raise typer.BadParameter("--out FILE is required")
        with handled():
            try:
                repo = open_repo(root)
            except StoreError:
                repo = None
            held: dict[str, int] = {}
            n = predict_records(run, list(docs) + list(more or []), out, repo=repo, date=date, labelstudio=ls_file,
                                min_confidence=min_confidence, withheld=held)
        console.print(f"{n} event record(s) -> {out}" + (f"; Label Studio tasks -> {ls_file}" if ls_file else ""))
        if min_confidence is not None:
            console.print(f"below confidence {min_confidence:g}: {held.get('records', 0)} record(s) withheld, "
                          f"{held.get('values', 0)} value(s) moved to `withheld`")
        return
    if engine == Engine.ray:
        if out is None:
            raise typer.BadParameter("--engine ray needs --out FOLDER (parquet shards)")
        from ..predict_ray import predict_shards

        with handled():
            res = predict_shards(run, list(docs) + list(more or []), out, actors=actors, actor_cpus=actor_cpus,
                                 actor_gpus=actor_gpus, batch_size=batch_docs, backend=backend.value,
                                 onnx_variant=onnx_variant.value, resume=resume, progress=True)
        console.print(f"{res['documents']} document(s) in {res['written']} shard(s) -> {out}"
                      + (f"; {res['skipped']} complete shard(s) skipped" if res["skipped"] else ""))
        return
    from ..predict import load_predictor
    from ..predict_io import iter_inputs, stream_predict, write_outputs
    from ..schema import load_schema

    docs = list(docs) + list(more or [])
    if export is not None:
        # `--export labelstudio FILE`: FILE arrives as the last extra argument unless --out names it
        if out is None:
            if not more:
                raise typer.BadParameter("--export FORMAT needs an output FILE (e.g. --export labelstudio tasks.json)")
            out, docs = Path(docs[-1]), docs[:-1]
        from ..preannotate import preannotate

        with handled():
            try:
                repo = open_repo(root)
            except StoreError:
                repo = None
            asets = preannotate(run, docs, export, out, repo=repo)
        console.print(f"{len(asets)} pre-annotated document(s) -> {out}; after correction in the tool: "
                      f"casus import {export} {out} --annotator NAME")
        return
    if out is None:
        raise typer.BadParameter("--out FILE is required")
    with handled():
        predictor = load_predictor(run, precision=precision, backend=backend.value, onnx_variant=onnx_variant.value)
        try:
            repo = open_repo(root)
        except StoreError:
            repo = None
        schema = repo.schema if repo is not None else load_schema(run / "schema.yaml")
        if out.suffix == ".jsonl":
            n = stream_predict(predictor, iter_inputs(docs, repo), out, fmt, schema, chunk=batch_docs, resume=resume)
        else:
            items = list(iter_inputs(docs, repo))
            preds = predictor.predict([t for _, t in items], progress=True)
            n = write_outputs(out, items, preds, fmt, schema)
    console.print(f"{n} document(s) -> {out}")


class Profile(str, Enum):
    fast = "fast"
    full = "full"


@app.command()
def reproduce(
    recipes: List[Path] = typer.Option([], "--recipe", help="recipes to run, in order (default: the profile's; "
                                       "the events recipe needs the NER run before it)"),
    profile: Profile = typer.Option(Profile.fast, "--profile",
                                    help="fast: the reference recipes (<= 10 min on 2 cores), results in eval/; "
                                    "full: their slower best variants (training/*-full.yaml), results in eval/full/"),
    eval_dir: Optional[Path] = typer.Option(None, "--eval-dir", help="where reference results are written "
                                            "(default: the profile's)"),
    set_: List[str] = typer.Option([], "--set", help="dotted override applied to every recipe"),
    root: Optional[Path] = RootOption,
) -> None:
    """The main job: validate, build, train the reference recipes, evaluate on test, write eval/<recipe>/."""
    from ..reference import profile_recipes, run_reproduce

    with handled():
        repo = open_repo(root)
        default_recipes, default_eval = profile_recipes(repo.root, profile.value)
        table_md, seconds = run_reproduce(
            repo, list(recipes or default_recipes), eval_dir or default_eval, list(set_),
            on_result=lambda recipe, r: console.print(_summary_table(f"{recipe.name} ({recipe.kind})", r["metrics"])),
            echo=console.print)
    console.print(table_md, markup=False)
    console.print(f"reproduce finished in {seconds:.0f} s")
