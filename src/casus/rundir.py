"""A run folder as a type: where its files are, what ``casus_run.json`` says, and writing it atomically.

A run folder (``casus train``) holds ``casus_run.json`` (what a predictor needs: the kind and its decoding
settings), ``config.yaml``, ``run_info.json``, ``metrics.json``, ``model/``, ``predictions/<split>.jsonl``.
Every module reads and writes ``casus_run.json`` through :class:`RunDir`, so its name and its errors live
in one place.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .atomic import atomic_write
from .errors import StoreError

INFO = "casus_run.json"


class RunDir:
    def __init__(self, path: str | Path):
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"RunDir({str(self.path)!r})"

    @property
    def info_path(self) -> Path:
        return self.path / INFO

    @property
    def model_dir(self) -> Path:
        return self.path / "model"

    @property
    def metrics_path(self) -> Path:
        return self.path / "metrics.json"

    def predictions(self, split: str) -> Path:
        return self.path / "predictions" / f"{split}.jsonl"

    def has_info(self) -> bool:
        return self.info_path.is_file()

    def looks_like_run(self) -> bool:
        """A folder casus wrote (its info file or its resolved config): safe for casus to replace."""
        return self.has_info() or (self.path / "config.yaml").is_file()

    def info(self) -> dict[str, Any]:
        """The parsed ``casus_run.json``; a clear StoreError when it is missing or not a JSON object."""
        if not self.has_info():
            raise StoreError(f"{self.path}: not a casus run folder (no {INFO})")
        try:
            data = json.loads(self.info_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise StoreError(f"{self.info_path}: unreadable ({exc}); train the run again") from exc
        if not isinstance(data, dict):
            raise StoreError(f"{self.info_path}: not a JSON object; train the run again")
        return data

    def kind(self) -> str | None:
        return self.info().get("kind") if self.has_info() else None

    def write_info(self, data: dict[str, Any]) -> None:
        """Write ``casus_run.json`` atomically (a reader never sees half a file)."""
        atomic_write(self.info_path, json.dumps(data, indent=2) + "\n")
