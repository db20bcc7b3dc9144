"""The shared Typer app and the error handling every command uses."""

from __future__ import annotations

import json
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Iterator, Optional

import typer
from rich.console import Console

from ..errors import CasusError, Problem, ValidationFailed
from ..store import Repo

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="casus: hand-annotated conflict-event corpora, datasets and measured models.")
console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)

class OutputFormat(str, Enum):
    text = "text"
    json = "json"


class SplitName(str, Enum):
    train = "train"
    dev = "dev"
    test = "test"
    style_test = "style_test"


RootOption = typer.Option(None, "--root", help="repository root (default: nearest folder with annotations/schema.yaml)")


def open_repo(root: Optional[Path]) -> Repo:
    return Repo.open(root)


def print_problems(problems: list[Problem], fmt: str = "text") -> None:
    if fmt == "json":
        return
    for p in problems:
        style = "red" if p.severity == "error" else "yellow"
        err_console.print(p.render(), style=style, markup=False, highlight=False)


# optional packages -> the extra of pyproject.toml that installs them
EXTRAS = {"torch": "train", "transformers": "train", "safetensors": "train", "tensorboard": "train",
          "matplotlib": "report", "accelerate": "bench", "nervaluate": "dev", "onnx": "onnx", "onnxruntime": "onnx",
          "onnxscript": "onnx", "ray": "scale", "fsspec": "scale"}


@contextmanager
def handled(fmt: str = "text") -> Iterator[None]:
    """Turn library exceptions into a message and exit code 1."""
    try:
        yield
    except ValidationFailed as exc:
        if fmt == "json":
            typer.echo(json.dumps({"ok": False, "problems": [p.to_dict() for p in exc.problems]}, indent=2))
        else:
            print_problems(exc.problems)
            n = sum(1 for p in exc.problems if p.severity == "error")
            err_console.print(f"{n} error(s); nothing was written.", style="bold red")
        raise typer.Exit(1)
    except CasusError as exc:
        if fmt == "json":
            typer.echo(json.dumps({"ok": False, "error": str(exc)}))
        else:
            err_console.print(f"error: {exc}", style="bold red", markup=False, highlight=False)
        raise typer.Exit(getattr(exc, "exit_code", 1))
    except ModuleNotFoundError as exc:
        extra = EXTRAS.get((exc.name or "").split(".")[0])
        if extra is None:
            raise
        msg = (f"this command needs {exc.name}, part of casus's {extra!r} extra: "
               f"pip install -c constraints.txt -e '.[{extra}]' (torch: pip install torch==2.13.0 first for the CPU build)")
        if fmt == "json":
            typer.echo(json.dumps({"ok": False, "error": msg}))
        else:
            err_console.print(f"error: {msg}", style="bold red", markup=False, highlight=False)
        raise typer.Exit(1)
