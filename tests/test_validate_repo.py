"""Repository-level validation: annotations without documents, metadata, CRLF texts, inline files."""

from __future__ import annotations

import json

import pytest

from casus.model import text_sha256
from conftest import INLINE_HEADER, assert_no_crash, run_cli, span_dict, write_annotation, write_document

TEXT = "Gunmen attacked Solhan.\nThe army arrived.\n"


def _report(root, *paths):
    result = run_cli(["validate", "--format", "json", *map(str, paths)], root)
    assert_no_crash(result)
    report = json.loads(result.stdout)
    return result, report


def _errors(report):
    return [p for p in report["problems"] if p["severity"] == "error"]


def test_valid_repo_passes(tmp_repo):
    write_document(tmp_repo, "d1", TEXT)
    write_annotation(tmp_repo, "d1", TEXT, [span_dict(TEXT, "a1", 0, 6, "ACTOR")])
    result, report = _report(tmp_repo)
    assert result.exit_code == 0
    assert report == {"ok": True, "files_checked": 2, "errors": 0, "warnings": 0, "problems": []}


def test_annotation_without_corpus_document(tmp_repo):
    path = write_annotation(tmp_repo, "ghost", TEXT, [span_dict(TEXT, "a1", 0, 6, "ACTOR")])
    result, report = _report(tmp_repo)
    assert result.exit_code == 1
    (p,) = _errors(report)
    assert p["code"] == "no-document"
    assert p["file"].endswith("annotations/gold/ghost.json")
    assert "ghost" in p["message"]
    text_out = run_cli(["validate"], tmp_repo).output
    assert "ghost.json:1: error no-document:" in text_out


def test_metadata_sha_mismatch(tmp_repo):
    write_document(tmp_repo, "d1", TEXT, sha=text_sha256(TEXT + "changed"))
    write_annotation(tmp_repo, "d1", TEXT, [span_dict(TEXT, "a1", 0, 6, "ACTOR")])
    result, report = _report(tmp_repo)
    assert result.exit_code == 1
    (p,) = _errors(report)
    assert p["code"] == "text-hash-mismatch"
    assert p["file"].endswith("corpus/d1.meta.json")
    assert "d1.meta.json: error text-hash-mismatch:" in run_cli(["validate"], tmp_repo).output


def test_crlf_in_corpus_text(tmp_repo):
    text = "Gunmen attacked Solhan.\nSecond line.\r\nThird line.\n"
    write_document(tmp_repo, "d1", text)  # sha256 matches the CRLF text: only the CR is wrong
    write_annotation(tmp_repo, "d1", text, [span_dict(text, "a1", 0, 6, "ACTOR")])
    result, report = _report(tmp_repo)
    assert result.exit_code == 1
    (p,) = _errors(report)
    assert p["code"] == "crlf"
    assert p["line"] == 2
    assert p["file"].endswith("corpus/d1.meta.json")


def test_corpus_problems_and_annotation_problems_together(tmp_repo):
    """One run lists problems of different files and kinds together."""
    write_document(tmp_repo, "d1", TEXT + "\r\n", sha="0" * 64)
    write_annotation(tmp_repo, "ghost", TEXT, [])
    result, report = _report(tmp_repo)
    assert result.exit_code == 1
    assert sorted(p["code"] for p in _errors(report)) == ["crlf", "no-document", "text-hash-mismatch"]
    warnings = [p["code"] for p in report["problems"] if p["severity"] == "warning"]
    assert warnings == ["no-gold"]


def test_document_without_gold_is_only_a_warning(tmp_repo):
    write_document(tmp_repo, "d1", TEXT)
    result, report = _report(tmp_repo)
    assert result.exit_code == 0
    assert report["ok"] is True and report["warnings"] == 1
    assert report["problems"][0]["code"] == "no-gold"


def test_missing_metadata_file(tmp_repo):
    (tmp_repo / "corpus" / "d1.txt").write_text(TEXT, encoding="utf-8")
    write_annotation(tmp_repo, "d1", TEXT, [])
    result, report = _report(tmp_repo)
    assert result.exit_code == 1
    assert [p["code"] for p in _errors(report)] == ["missing-metadata-file"]


def test_orphan_metadata(tmp_repo):
    write_document(tmp_repo, "d1", TEXT)
    (tmp_repo / "corpus" / "d1.txt").unlink()
    result, report = _report(tmp_repo)
    assert result.exit_code == 1
    assert [p["code"] for p in _errors(report)] == ["orphan-metadata"]


@pytest.mark.parametrize("change,code", [
    ({"date": "19 June 2022"}, "bad-date"),
    ({"kind": "novel"}, "bad-kind"),
    ({"colour": "blue"}, "unknown-metadata"),
    ({"title": ""}, "missing-metadata"),
])
def test_metadata_field_errors(tmp_repo, change, code):
    meta = {"title": "t", "date": "2022-06-19", "region": "Sahel", "source": "s", "licence": "CC-BY-4.0"}
    meta.update(change)
    write_document(tmp_repo, "d1", TEXT, meta=meta)
    write_annotation(tmp_repo, "d1", TEXT, [])
    result, report = _report(tmp_repo)
    assert result.exit_code == 1
    assert [p["code"] for p in _errors(report)] == [code]


def test_no_such_path(tmp_repo):
    result, report = _report(tmp_repo, tmp_repo / "nope.json")
    assert result.exit_code == 1
    assert [p["code"] for p in report["problems"]] == ["no-such-path"]


def test_broken_schema_is_reported_not_raised(tmp_repo):
    (tmp_repo / "annotations" / "schema.yaml").write_text("labels: {}\n", encoding="utf-8")
    result, report = _report(tmp_repo)
    assert result.exit_code == 1
    assert [p["code"] for p in report["problems"]] == ["bad-schema"]


def test_validate_inline_file(tmp_repo, tmp_path):
    good = tmp_path / "good.casus.txt"
    good.write_text(INLINE_HEADER.format(id="d1") + "[Gunmen](ACTOR #a1) came.\n", encoding="utf-8")
    bad = tmp_path / "bad.casus.txt"
    bad.write_text(INLINE_HEADER.format(id="d2") + "[Gunmen](PERSON #a1) came.\n", encoding="utf-8")
    result, report = _report(tmp_repo, good)
    assert result.exit_code == 0 and report["files_checked"] == 1
    result, report = _report(tmp_repo, bad)
    assert result.exit_code == 1
    (p,) = _errors(report)
    assert (p["code"], p["id"], p["line"], p["column"]) == ("unknown-label", "a1", 11, 1)


def test_validate_inline_file_reports_crlf_like_add(tmp_repo, tmp_path):
    f = tmp_path / "crlf.casus.txt"
    f.write_bytes((INLINE_HEADER.format(id="d1") + "[Gunmen](ACTOR #a1) came.\r\nNext.\n").encode("utf-8"))
    add = run_cli(["add", "--dry-run", str(f)], tmp_repo)
    assert add.exit_code == 1 and "carriage-return" in add.output
    result, report = _report(tmp_repo, f)
    assert result.exit_code == 1
    assert "carriage-return" in [p["code"] for p in report["problems"]]


def test_validate_non_utf8_inline_file_is_a_problem_not_a_crash(tmp_repo, tmp_path):
    f = tmp_path / "latin1.casus.txt"
    f.write_bytes(INLINE_HEADER.format(id="d1").encode("utf-8") + b"Caf\xe9 attacked.\n")
    result = run_cli(["validate", str(f)], tmp_repo)
    assert_no_crash(result)
    assert result.exit_code == 1
    assert "latin1.casus.txt" in result.output
