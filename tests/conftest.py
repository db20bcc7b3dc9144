"""Shared helpers for the casus test suite.

Every test works on a throw-away repository under ``tmp_path`` (never on the real corpus/ or
annotations/): ``tmp_repo`` copies ``annotations/schema.yaml`` into ``<tmp>/annotations/schema.yaml``
and creates ``<tmp>/corpus`` and ``<tmp>/annotations/gold``.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any, Sequence

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("NO_COLOR", "1")
os.environ.pop("FORCE_COLOR", None)

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from casus.model import text_sha256  # noqa: E402

TESTS_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = TESTS_DIR.parent
SCHEMA_SRC = PROJECT_ROOT / "annotations" / "schema.yaml"
FIXTURES = TESTS_DIR / "fixtures"
INVALID_DIR = FIXTURES / "invalid"
FIXTURE_CORPUS = INVALID_DIR / "corpus"
FIXTURE_DOC_ID = "fix-001"

# Modest example counts keep the suite fast; HYPOTHESIS_PROFILE=thorough for a long fuzzing run.
settings.register_profile(
    "casus", max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "thorough", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "casus"))

# Metadata that passes check_metadata (sha256 is added per text).
BASE_META = {
    "title": "A test article",
    "date": "2022-06-19",
    "region": "Sahel",
    "country": "Mali",
    "source": "written for the casus test suite",
    "licence": "CC-BY-4.0",
    "kind": "composite",
}

# A header for the inline format; format with id=...
INLINE_HEADER = (
    "---\n"
    "id: {id}\n"
    "title: A test article\n"
    "date: 2022-06-19\n"
    "region: Sahel\n"
    "country: Mali\n"
    "source: written for the casus test suite\n"
    "licence: CC-BY-4.0\n"
    "kind: composite\n"
    "---\n"
)


def make_repo(root: Path) -> Path:
    """Create an empty casus repository at ``root`` (schema copied from the project)."""
    (root / "annotations" / "gold").mkdir(parents=True, exist_ok=True)
    (root / "corpus").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SCHEMA_SRC, root / "annotations" / "schema.yaml")
    return root


@pytest.fixture
def tmp_repo(tmp_path: Path) -> Path:
    """A fresh, empty casus repository (schema only)."""
    return make_repo(tmp_path / "repo")


@pytest.fixture
def fixture_repo(tmp_repo: Path) -> Path:
    """``tmp_repo`` holding the fixture corpus document fix-001 (text + metadata, no annotation)."""
    for name in ("fix-001.txt", "fix-001.meta.json"):
        shutil.copyfile(FIXTURE_CORPUS / name, tmp_repo / "corpus" / name)
    return tmp_repo


def write_document(root: Path, doc_id: str, text: str, meta: dict[str, Any] | None = None,
                   sha: str | None = None) -> None:
    """Write corpus/<id>.txt (bytes exactly as given) and a valid .meta.json for it."""
    (root / "corpus").mkdir(parents=True, exist_ok=True)
    (root / "corpus" / f"{doc_id}.txt").write_bytes(text.encode("utf-8"))
    m = dict(BASE_META if meta is None else meta)
    m["sha256"] = sha if sha is not None else text_sha256(text)
    (root / "corpus" / f"{doc_id}.meta.json").write_text(json.dumps(m, indent=2, sort_keys=True) + "\n",
                                                         encoding="utf-8")


def span_dict(text: str, sid: str, start: int, end: int, label: str, attrs: dict | None = None) -> dict:
    return {"id": sid, "start": start, "end": end, "label": label, "text": text[start:end], "attrs": attrs or {}}


def write_annotation(root: Path, doc_id: str, text: str, spans: list[dict], events: list[dict] | None = None,
                     annotator: str = "gold") -> Path:
    data = {"doc_id": doc_id, "text_sha256": text_sha256(text), "annotator": annotator,
            "spans": spans, "events": events or []}
    path = (root / "annotations" / "gold" / f"{doc_id}.json" if annotator == "gold"
            else root / "annotations" / "passes" / annotator / f"{doc_id}.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def run_cli(args: Sequence[str], root: Path | None = None):
    """Invoke ``casus`` in-process; ``--root`` is appended when ``root`` is given."""
    from casus.cli import app

    argv = list(args) + (["--root", str(root)] if root is not None else [])
    return CliRunner().invoke(app, argv, catch_exceptions=True)


def assert_no_crash(result) -> None:
    """No uncaught exception: either none, or the SystemExit of a normal typer exit."""
    exc = result.exception
    assert exc is None or isinstance(exc, SystemExit), (
        f"uncaught {type(exc).__name__}: {exc!r}\n{result.output}"
    )


def all_files(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (relative path -> bytes), to compare before/after a command."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def repo_files(root: Path) -> dict[str, bytes]:
    return {k: v for k, v in all_files(root).items() if k.startswith(("corpus", "annotations"))}
