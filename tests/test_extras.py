"""The core install (no extras) runs the corpus commands: nothing outside pyproject's core dependencies is
imported by them; a command that needs an extra says which one, never a traceback."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import typer

from conftest import PROJECT_ROOT

BLOCK = ("torch", "transformers", "matplotlib", "tensorboard", "safetensors", "accelerate", "nervaluate", "onnx",
         "onnxruntime", "onnxscript", "ray")

SCRIPT = f"""
import sys
for name in {BLOCK!r}:
    sys.modules[name] = None          # import of these now fails, as on a core-only install
from typer.testing import CliRunner
from casus.cli import app
import casus.evaluation, casus.interop, casus.dataset, casus.validate, casus.formats.registry, casus.train.crf
r = CliRunner().invoke(app, ["validate", "--root", sys.argv[1]])
print("exit", r.exit_code)
print(r.output)
r = CliRunner().invoke(app, ["stats", "--root", sys.argv[1]])
print("exit", r.exit_code)
"""


def test_core_commands_need_no_extra():
    res = subprocess.run([sys.executable, "-c", SCRIPT, str(PROJECT_ROOT)], capture_output=True, text=True,
                         timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    assert res.stdout.count("exit 0") == 2, res.stdout[-3000:] + res.stderr[-3000:]


def test_a_missing_extra_names_the_extra(capsys):
    from casus.cli._app import handled

    with pytest.raises(typer.Exit):
        with handled():
            raise ModuleNotFoundError("No module named 'torch'", name="torch")
    err = capsys.readouterr()
    assert "'train' extra" in err.err + err.out and "pip install" in err.err + err.out
    with pytest.raises(ModuleNotFoundError):  # anything else is a real bug: not hidden
        with handled():
            raise ModuleNotFoundError("No module named 'nosuchthing'", name="nosuchthing")


def test_extras_declare_what_the_message_promises():
    meta = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    from casus.cli._app import EXTRAS

    extras = meta["optional-dependencies"]
    for module, extra in EXTRAS.items():
        dist = {"sklearn": "scikit-learn"}.get(module, module)
        assert any(req.startswith(dist) for req in extras[extra]), (module, extra)
    core = " ".join(meta["dependencies"])
    assert not any(m in core for m in ("torch", "transformers", "matplotlib", "accelerate"))
    assert Path(PROJECT_ROOT / "constraints.txt").read_text().count("nervaluate==") == 1
