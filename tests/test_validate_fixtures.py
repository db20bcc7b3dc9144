"""`casus validate` on committed fixture files, one per kind of error (tests/fixtures/invalid/).

Each fixture is a copy of the clean annotation tests/fixtures/valid/fix-001.json with exactly one
defect; it annotates tests/fixtures/invalid/corpus/fix-001.txt. The test copies it into a temporary
repository as annotations/gold/fix-001.json and checks that validate fails with that one error,
naming the file, the line:column and the span/event id.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from casus.model import text_sha256
from conftest import FIXTURE_CORPUS, FIXTURES, INVALID_DIR, assert_no_crash, run_cli

GOLD_REL = "annotations/gold/fix-001.json"

ANY = "any"  # some line:column, not checked here

# fixture file -> (error code, span/event id or None, (line, column), None for no location, or ANY)
# Lines are those of the fixture files (one span / event per line: spans on lines 6-12, events 15-16).
EXPECTED: dict[str, tuple[str, str | None, tuple[int, int | None] | None]] = {
    "bad_offset.json": ("offset-out-of-range", "c1", (9, 6)),
    "bad_offset_type.json": ("bad-offset-type", "l1", (8, 6)),
    "broken_json.json": ("malformed-json", None, (7, 5)),
    "count_without_qualifier.json": ("count-without-qualifier", "c1", (9, 6)),
    "dangling_event_argument.json": ("dangling-argument", "e1", (15, 6)),
    "dangling_same_as.json": ("dangling-event-ref", "e2", (16, 6)),
    "dangling_trigger.json": ("dangling-trigger", "e2", (15, 6)),
    "doc_id_mismatch.json": ("doc-id-mismatch", None, None),
    "duplicate_event_id.json": ("duplicate-event-id", "e1", ANY),  # line: see test_duplicate_id_points_at_the_repeat
    "duplicate_id.json": ("duplicate-span-id", "a2", ANY),
    "missing_required_attribute.json": ("missing-attribute", "c1", (9, 6)),
    "missing_span_text.json": ("missing-span-text", "l1", (8, 6)),
    "not_an_object.json": ("not-an-object", None, (1, None)),
    "not_utf8.json": ("not-utf8", None, None),
    "orphan_trigger.json": ("orphan-trigger", "e3", (9, 6)),
    "overlapping_spans.json": ("overlap", "l2", (9, 6)),
    "range_without_max.json": ("range-without-max", "c1", (9, 6)),
    "role_label_not_allowed.json": ("role-label", "e1", (15, 6)),
    "start_ge_end.json": ("empty-or-reversed", "a2", (10, 6)),
    "text_hash_mismatch.json": ("text-hash-mismatch", None, None),
    "trigger_with_attrs.json": ("trigger-attrs", "e1", (7, 6)),
    "unknown_attribute_value.json": ("bad-attribute-value", "c1", (9, 6)),
    "unknown_event_type.json": ("unknown-event-type", "e2", (16, 6)),
    "unknown_key.json": ("unknown-key", "l1", (8, 6)),
    "unknown_label.json": ("unknown-label", "a1", (6, 6)),
    "unknown_role.json": ("unknown-role", "e1", (15, 6)),
    "unknown_subtype.json": ("unknown-subtype", "e1", (15, 6)),
    "whitespace_edge.json": ("whitespace-edge", "a1", (6, 6)),
    "wrong_span_text.json": ("text-mismatch", "l1", (8, 6)),
}


def _install(repo: Path, fixture: Path) -> Path:
    for name in ("fix-001.txt", "fix-001.meta.json"):
        shutil.copyfile(FIXTURE_CORPUS / name, repo / "corpus" / name)
    target = repo / GOLD_REL
    shutil.copyfile(fixture, target)
    return target


def test_every_fixture_has_an_expectation():
    on_disk = {p.name for p in INVALID_DIR.glob("*.json")}
    assert on_disk == set(EXPECTED)


def test_fixture_corpus_document_is_consistent():
    text = (FIXTURE_CORPUS / "fix-001.txt").read_bytes().decode("utf-8")
    meta = json.loads((FIXTURE_CORPUS / "fix-001.meta.json").read_text(encoding="utf-8"))
    assert meta["sha256"] == text_sha256(text)
    clean = json.loads((FIXTURES / "valid" / "fix-001.json").read_text(encoding="utf-8"))
    assert clean["text_sha256"] == text_sha256(text)
    for s in clean["spans"]:
        assert text[s["start"]:s["end"]] == s["text"]


def test_clean_fixture_validates(tmp_repo):
    _install(tmp_repo, FIXTURES / "valid" / "fix-001.json")
    result = run_cli(["validate"], tmp_repo)
    assert_no_crash(result)
    assert result.exit_code == 0, result.output
    assert "2 file(s) checked: 0 error(s), 0 warning(s)" in result.output


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_invalid_fixture_fails_with_its_error(tmp_repo, name):
    code, obj_id, loc = EXPECTED[name]
    _install(tmp_repo, INVALID_DIR / name)
    result = run_cli(["validate"], tmp_repo)
    assert_no_crash(result)
    assert result.exit_code == 1, result.output
    out = result.output
    assert "fix-001.json" in out
    assert f"error {code}:" in out
    where = re.escape("fix-001.json")
    if loc == ANY:
        where += r":\d+:\d+"
    elif loc is not None:
        line, col = loc
        where += f":{line}" + (f":{col}" if col is not None else "")
    if obj_id is not None:
        where += re.escape(f" [{obj_id}]")
    assert re.search(f"{where}: error {re.escape(code)}:", out), out
    assert "1 error(s)" in out and f"(1 {code})" in out, out


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_invalid_fixture_json_report(tmp_repo, name):
    """--format json: parseable, not ok, and holds exactly the one expected problem."""
    code, obj_id, loc = EXPECTED[name]
    gold = _install(tmp_repo, INVALID_DIR / name)
    result = run_cli(["validate", "--format", "json"], tmp_repo)
    assert_no_crash(result)
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert report["errors"] == 1
    assert report["files_checked"] == 2
    errors = [p for p in report["problems"] if p["severity"] == "error"]
    assert [p["code"] for p in errors] == [code]
    (p,) = errors
    assert Path(p["file"]).resolve() == gold.resolve()
    assert p["id"] == obj_id
    if loc == ANY:
        assert isinstance(p["line"], int)
    elif loc is not None:
        assert (p["line"], p["column"]) == loc
    else:
        assert p["line"] is None
    assert p["message"] and p["hint"]


def test_broken_json_reports_line_and_column(tmp_repo):
    _install(tmp_repo, INVALID_DIR / "broken_json.json")
    result = run_cli(["validate"], tmp_repo)
    assert result.exit_code == 1
    assert "fix-001.json:7:5: error malformed-json: Expecting ',' delimiter" in result.output


@pytest.mark.parametrize("name,line", [("duplicate_id.json", 12), ("duplicate_event_id.json", 16)])
def test_duplicate_id_points_at_the_repeat(tmp_repo, name, line):
    _install(tmp_repo, INVALID_DIR / name)
    report = json.loads(run_cli(["validate", "--format", "json"], tmp_repo).stdout)
    (p,) = report["problems"]
    assert p["line"] == line


def test_all_problems_of_a_file_are_listed(tmp_repo):
    """A file with three distinct errors reports all three (validation never stops at the first)."""
    _install(tmp_repo, FIXTURES / "three_problems.json")
    result = run_cli(["validate"], tmp_repo)
    assert_no_crash(result)
    assert result.exit_code == 1
    out = result.output
    assert "fix-001.json:8:6 [l1]: error text-mismatch:" in out
    assert "fix-001.json:10:6 [a2]: error unknown-label:" in out
    assert "fix-001.json:15:6 [e1]: error dangling-argument:" in out
    assert "3 error(s)" in out

    result = run_cli(["validate", "--format", "json"], tmp_repo)
    report = json.loads(result.stdout)
    assert report["errors"] == 3
    got = sorted((p["code"], p["id"]) for p in report["problems"])
    assert got == [("dangling-argument", "e1"), ("text-mismatch", "l1"), ("unknown-label", "a2")]


def test_problems_across_several_files_are_all_listed(tmp_repo):
    """Errors in two annotation files (gold and a pass) are both reported in one run."""
    _install(tmp_repo, INVALID_DIR / "bad_offset.json")
    bob = tmp_repo / "annotations" / "passes" / "bob" / "fix-001.json"
    bob.parent.mkdir(parents=True)
    shutil.copyfile(INVALID_DIR / "unknown_label.json", bob)
    report = json.loads(run_cli(["validate", "--format", "json"], tmp_repo).stdout)
    got = sorted((Path(p["file"]).parent.name, p["code"]) for p in report["problems"])
    assert got == [("bob", "unknown-label"), ("gold", "offset-out-of-range")]
    assert report["files_checked"] == 3


def test_validate_single_path(tmp_repo):
    """`casus validate FILE` checks only that file."""
    _install(tmp_repo, INVALID_DIR / "unknown_label.json")
    other = tmp_repo / "annotations" / "gold" / "other.json"
    other.write_text("{", encoding="utf-8")
    result = run_cli(["validate", "--format", "json", str(tmp_repo / GOLD_REL)], tmp_repo)
    report = json.loads(result.stdout)
    assert report["files_checked"] == 1
    assert [p["code"] for p in report["problems"]] == ["unknown-label"]
