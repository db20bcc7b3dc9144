"""The casus command line: one Typer app, one module per command group.

Commands are thin wrappers: they call the library and turn its typed exceptions into a message and an
exit code (1 for invalid input, 2 for usage errors). No traceback reaches a user for bad input.
"""

from __future__ import annotations

import sys

from ._app import app
from . import corpus  # noqa: F401  (registers commands)


def _register_optional() -> None:
    import importlib

    for name in ("data", "training", "evaluation", "interop"):
        try:
            importlib.import_module(f"casus.cli.{name}")
        except ModuleNotFoundError as exc:  # only a missing module of ours is tolerated
            if exc.name != f"casus.cli.{name}":
                raise


_register_optional()


def main() -> None:
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
