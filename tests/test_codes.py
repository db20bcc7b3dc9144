"""The problem-code catalogue: every code written in the source is registered (casus.codes), every registered
code is used somewhere, and docs/problem-codes.md is the generated table."""

from __future__ import annotations

import re
from pathlib import Path

from casus.codes import CATALOGUE, CODES, markdown

ROOT = Path(__file__).resolve().parents[1]
# every way a code is written at its emit site: Problem(code="x"), collector.add("x", ...), err("x", ...)
EMIT_RE = re.compile(r'(?:\bcode="|\.add\("|\berr\(")([a-z0-9_-]+)"')


def emitted_codes() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted((ROOT / "src" / "casus").rglob("*.py")):
        if path.name == "codes.py":
            continue
        for m in EMIT_RE.finditer(path.read_text(encoding="utf-8")):
            found.setdefault(m.group(1), []).append(str(path.relative_to(ROOT)))
    return found


def test_every_emitted_code_is_registered():
    missing = {c: files for c, files in emitted_codes().items() if c not in CODES}
    assert not missing, f"add these problem codes to src/casus/codes.py: {missing}"


def test_every_registered_code_is_emitted_and_listed_once():
    used = emitted_codes()
    assert [c for c in CODES if c not in used] == []
    assert len(CODES) == len(CATALOGUE)


def test_the_scan_finds_a_planted_code(tmp_path):
    assert EMIT_RE.findall('c.add("brand-new-code", "msg")') == ["brand-new-code"]
    assert "brand-new-code" not in CODES


def test_docs_table_is_the_generated_one():
    assert (ROOT / "docs" / "problem-codes.md").read_text(encoding="utf-8") == markdown()
