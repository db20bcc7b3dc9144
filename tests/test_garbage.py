"""Garbage in, clean failure out: `casus validate` and `casus add` never raise on bad input.

Every property: the command exits 1 (or 0 only when the input is in fact valid), no uncaught
exception escapes (``result.exception`` is None or the SystemExit of a normal exit), and a failure
names the offending file. Each example works in its own fresh temporary repository.
"""

from __future__ import annotations

import copy
import json
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import (FIXTURE_CORPUS, FIXTURES, INLINE_HEADER, assert_no_crash, make_repo, repo_files, run_cli,
                      write_annotation, write_document)

CLEAN = json.loads((FIXTURES / "valid" / "fix-001.json").read_text(encoding="utf-8"))

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)


def _fixture_repo(tmp: str) -> Path:
    root = make_repo(Path(tmp) / "repo")
    for name in ("fix-001.txt", "fix-001.meta.json"):
        shutil.copyfile(FIXTURE_CORPUS / name, root / "corpus" / name)
    return root


def _validate_gold_bytes(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = _fixture_repo(tmp)
        (root / "annotations" / "gold" / "fix-001.json").write_bytes(raw)
        result = run_cli(["validate"], root)
        assert_no_crash(result)
        assert result.exit_code in (0, 1), result.output
        if result.exit_code == 1:
            assert "fix-001.json" in result.output
            assert "error" in result.output
        report = run_cli(["validate", "--format", "json"], root)
        assert_no_crash(report)
        data = json.loads(report.stdout)
        assert data["ok"] is (result.exit_code == 0)
        assert all(p["file"].endswith("fix-001.json") for p in data["problems"])


@given(st.binary(max_size=300))
def test_validate_random_bytes(raw):
    _validate_gold_bytes(raw)


@given(JSON_VALUES)
def test_validate_random_json(value):
    _validate_gold_bytes(json.dumps(value).encode("utf-8"))


def _paths(obj, prefix=()):
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _paths(v, prefix + (i,))


@given(st.data())
def test_validate_mutated_annotation(data):
    """The clean fixture with one value replaced by arbitrary JSON, or one key deleted."""
    doc = copy.deepcopy(CLEAN)
    path = data.draw(st.sampled_from([p for p in _paths(doc) if p]))
    parent = doc
    for k in path[:-1]:
        parent = parent[k]
    if data.draw(st.booleans()) and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = data.draw(JSON_VALUES)
    _validate_gold_bytes(json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8"))


# --------------------------------------------------------------------------------------------------
# casus add
# --------------------------------------------------------------------------------------------------

MARKUP_TOKENS = st.sampled_from([
    "[", "]", "(", ")", "](", "\\", "\\[", "\\]", "\\\\", '"', "#", "=", ",", ":", " ", "\n", "\r", "\t",
    "ACTOR", "WEAPON", "LOCATION", "CASUALTY", "TRIGGER", "ATTACK", "ATTACK:shooting", "ARREST:arrest", "PERSON",
    "#a1", "#a2", "#c1", "#e1", "#_1", "status=killed", "group=civilian", "count=3", "count_qualifier=exact",
    "attacker=a1", "victim=c1", "place=a1,c1", "same_as=e1", "modality=claimed", 'note="x y"',
    "Gunmen", "attacked", "💥", "é", "---", "x",
])
BODIES = st.lists(st.one_of(MARKUP_TOKENS, st.characters(blacklist_categories=("Cs",))), max_size=25).map("".join)
INLINE_FILES = st.one_of(
    st.text(max_size=200),
    BODIES.map(lambda b: INLINE_HEADER.format(id="g-1") + b),
    st.tuples(st.text(max_size=30), BODIES).map(lambda t: "---\n" + t[0] + "\n---\n" + t[1]),
)


def _add_file(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = make_repo(Path(tmp) / "repo")
        f = Path(tmp) / "contrib.casus.txt"
        f.write_bytes(raw)
        before = repo_files(root)
        result = run_cli(["add", str(f)], root)
        assert_no_crash(result)
        assert result.exit_code in (0, 1), result.output
        if result.exit_code == 1:
            assert "contrib.casus.txt" in result.output
            assert repo_files(root) == before, "a refused add must write nothing"
        else:
            assert repo_files(root) != before
            # whatever add accepts, validate accepts
            check = run_cli(["validate"], root)
            assert check.exit_code == 0, check.output


@given(INLINE_FILES)
def test_add_random_text(raw):
    _add_file(raw.encode("utf-8"))


@given(st.binary(max_size=200))
def test_add_random_bytes(raw):
    _add_file(raw)


# --------------------------------------------------------------------------------------------------
# Deterministic reproductions of crashes found (and since fixed) in src
# --------------------------------------------------------------------------------------------------

def _validate_raw_gold(tmp_path: Path, raw: str):
    root = _fixture_repo(str(tmp_path))
    (root / "annotations" / "gold" / "fix-001.json").write_text(raw, encoding="utf-8")
    return run_cli(["validate"], root)


@pytest.mark.parametrize("field,value", [("role", ["attacker"]), ("span", {"id": "a1"})])
def test_unhashable_argument_role_or_span(tmp_path, field, value):
    doc = copy.deepcopy(CLEAN)
    doc["events"][0]["args"][0][field] = value
    result = _validate_raw_gold(tmp_path, json.dumps(doc))
    assert_no_crash(result)
    assert result.exit_code == 1 and "fix-001.json" in result.output


def test_deeply_nested_json(tmp_path):
    result = _validate_raw_gold(tmp_path, "[" * 100_000)
    assert_no_crash(result)
    assert result.exit_code == 1 and "fix-001.json" in result.output


def test_huge_integer_in_json(tmp_path):
    result = _validate_raw_gold(tmp_path, '{"doc_id": ' + "9" * 5000 + "}")
    assert_no_crash(result)
    assert result.exit_code == 1 and "fix-001.json" in result.output


def test_huge_integer_in_inline_value(tmp_repo, tmp_path):
    f = tmp_path / "big.casus.txt"
    f.write_text(INLINE_HEADER.format(id="d1") + "[x](CASUALTY #c1 status=killed group=civilian count="
                 + "9" * 5000 + " count_qualifier=exact)\n", encoding="utf-8")
    result = run_cli(["add", str(f)], tmp_repo)
    assert_no_crash(result)
    assert result.exit_code == 1 and "big.casus.txt" in result.output


def test_deeply_nested_inline_header(tmp_repo, tmp_path):
    f = tmp_path / "deep.casus.txt"
    f.write_text("---\nid: " + "[" * 5000 + "\n---\nx\n", encoding="utf-8")
    result = run_cli(["add", str(f)], tmp_repo)
    assert_no_crash(result)
    assert result.exit_code == 1 and "deep.casus.txt" in result.output


def test_existing_annotation_that_is_garbage_does_not_crash_add(tmp_repo, tmp_path):
    """add compares with an existing annotation; a broken existing file is reported, not raised."""
    text = "Gunmen came.\n"
    write_document(tmp_repo, "d1", text)
    write_annotation(tmp_repo, "d1", text, [])
    (tmp_repo / "annotations" / "gold" / "d1.json").write_text("{not json", encoding="utf-8")
    f = tmp_path / "d1.casus.txt"
    f.write_text(INLINE_HEADER.format(id="d1") + "[Gunmen](ACTOR #a1) came.\n", encoding="utf-8")
    result = run_cli(["add", str(f)], tmp_repo)
    assert_no_crash(result)
    assert result.exit_code == 1
    assert "d1.json" in result.output
