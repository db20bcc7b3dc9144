"""`casus add`: validated, all-or-nothing, atomic writes into corpus/ and annotations/."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from casus.model import text_sha256
from casus.store import Repo, atomic_write
from conftest import BASE_META, INLINE_HEADER, all_files, assert_no_crash, repo_files, run_cli, write_document

BODY = ("[Gunmen](ACTOR #a1) [attacked](ATTACK:shooting #e1 attacker=a1 victim=c1 place=l1) [Solhan](LOCATION #l1), "
        "killing [at least 23 civilians](CASUALTY #c1 status=killed count=23 count_qualifier=at_least "
        "group=civilian).\n")
TEXT = "Gunmen attacked Solhan, killing at least 23 civilians.\n"


def contrib(tmp_path: Path, doc_id: str = "art-1", body: str = BODY, name: str | None = None) -> Path:
    f = tmp_path / (name or f"{doc_id}.casus.txt")
    f.write_text(INLINE_HEADER.format(id=doc_id) + body, encoding="utf-8")
    return f


def test_add_writes_text_metadata_and_gold(tmp_repo, tmp_path):
    result = run_cli(["add", str(contrib(tmp_path))], tmp_repo)
    assert_no_crash(result)
    assert result.exit_code == 0, result.output
    assert "added art-1: 4 spans, 1 events -> annotations/gold/art-1.json" in result.output

    assert (tmp_repo / "corpus" / "art-1.txt").read_bytes() == TEXT.encode("utf-8")
    meta = json.loads((tmp_repo / "corpus" / "art-1.meta.json").read_text(encoding="utf-8"))
    assert meta == {**BASE_META, "sha256": text_sha256(TEXT)}

    gold = json.loads((tmp_repo / "annotations" / "gold" / "art-1.json").read_text(encoding="utf-8"))
    assert gold["doc_id"] == "art-1"
    assert gold["annotator"] == "gold"
    assert gold["text_sha256"] == text_sha256(TEXT)
    assert [(s["id"], s["start"], s["end"], s["label"], s["text"]) for s in gold["spans"]] == [
        ("a1", 0, 6, "ACTOR", "Gunmen"), ("e1", 7, 15, "TRIGGER", "attacked"), ("l1", 16, 22, "LOCATION", "Solhan"),
        ("c1", 32, 53, "CASUALTY", "at least 23 civilians")]
    assert gold["spans"][3]["attrs"] == {"status": "killed", "count": 23, "count_qualifier": "at_least",
                                         "group": "civilian"}
    assert gold["events"] == [{"id": "e1", "type": "ATTACK", "subtype": "shooting", "trigger": "e1",
                               "args": [{"role": "attacker", "span": "a1"}, {"role": "victim", "span": "c1"},
                                        {"role": "place", "span": "l1"}], "attrs": {}}]
    assert not (tmp_repo / "annotations" / "passes").exists()
    # what add wrote validates, and the library reads it back
    assert run_cli(["validate"], tmp_repo).exit_code == 0
    aset = Repo.open(tmp_repo).annotation("art-1")
    assert len(aset.spans) == 4 and aset.events[0].fillers("place") == ["l1"]


@pytest.mark.parametrize("body,code", [
    (BODY.replace("(ACTOR #a1)", "(PERSON #a1)"), "unknown-label"),
    (BODY.replace("group=civilian", "group=kids"), "bad-attribute-value"),
    (BODY.replace("victim=c1", "victim=c9"), "dangling-argument"),
    (BODY.replace("[Solhan]", "[Solhan"), "nested-markup"),
    (BODY + "\\q\n", "bad-escape"),
    (BODY.replace("\n", "\r\n"), "carriage-return"),
])
def test_add_refuses_any_error_and_writes_nothing(tmp_repo, tmp_path, body, code):
    before = all_files(tmp_repo)
    f = contrib(tmp_path, body=body)
    result = run_cli(["add", str(f)], tmp_repo)
    assert_no_crash(result)
    assert result.exit_code == 1
    assert f"error {code}:" in result.output
    assert "art-1.casus.txt" in result.output
    assert "nothing was written" in result.output
    assert all_files(tmp_repo) == before


def test_add_refuses_bad_metadata(tmp_repo, tmp_path):
    f = tmp_path / "m.casus.txt"
    f.write_text(INLINE_HEADER.format(id="art-1").replace("date: 2022-06-19", "date: June 2022") + BODY,
                 encoding="utf-8")
    before = all_files(tmp_repo)
    result = run_cli(["add", str(f)], tmp_repo)
    assert result.exit_code == 1 and "bad-date" in result.output and "m.casus.txt" in result.output
    assert all_files(tmp_repo) == before


def test_add_refuses_different_text_under_existing_id(tmp_repo, tmp_path):
    write_document(tmp_repo, "art-1", "A different article.\n")
    before = all_files(tmp_repo)
    result = run_cli(["add", str(contrib(tmp_path))], tmp_repo)
    assert_no_crash(result)
    assert result.exit_code == 1
    assert "error id-clash:" in result.output and "art-1.casus.txt" in result.output
    assert all_files(tmp_repo) == before


def test_add_same_file_twice_is_idempotent(tmp_repo, tmp_path):
    f = contrib(tmp_path)
    assert run_cli(["add", str(f)], tmp_repo).exit_code == 0
    first = all_files(tmp_repo)
    result = run_cli(["add", str(f)], tmp_repo)
    assert result.exit_code == 0, result.output
    assert all_files(tmp_repo) == first


def test_add_refuses_to_overwrite_a_different_annotation_without_replace(tmp_repo, tmp_path):
    assert run_cli(["add", str(contrib(tmp_path))], tmp_repo).exit_code == 0
    first = all_files(tmp_repo)
    changed = contrib(tmp_path, body=BODY.replace("[Solhan](LOCATION #l1)", "Solhan").replace(" place=l1", ""),
                      name="changed.casus.txt")
    result = run_cli(["add", str(changed)], tmp_repo)
    assert result.exit_code == 1
    assert "would-overwrite" in result.output and "changed.casus.txt" in result.output
    assert all_files(tmp_repo) == first

    result = run_cli(["add", "--replace", str(changed)], tmp_repo)
    assert result.exit_code == 0, result.output
    gold = json.loads((tmp_repo / "annotations" / "gold" / "art-1.json").read_text(encoding="utf-8"))
    assert [s["id"] for s in gold["spans"]] == ["a1", "e1", "c1"]


def test_add_annotator_writes_a_pass(tmp_repo, tmp_path):
    result = run_cli(["add", "--annotator", "bob", str(contrib(tmp_path))], tmp_repo)
    assert result.exit_code == 0, result.output
    p = tmp_repo / "annotations" / "passes" / "bob" / "art-1.json"
    assert p.is_file()
    assert json.loads(p.read_text(encoding="utf-8"))["annotator"] == "bob"
    assert not (tmp_repo / "annotations" / "gold" / "art-1.json").exists()
    assert (tmp_repo / "corpus" / "art-1.txt").is_file()
    assert Repo.open(tmp_repo).annotators() == ["bob"]


def test_add_dry_run_writes_nothing(tmp_repo, tmp_path):
    before = all_files(tmp_repo)
    result = run_cli(["add", "--dry-run", str(contrib(tmp_path))], tmp_repo)
    assert result.exit_code == 0, result.output
    assert "1 file(s) valid; nothing written (--dry-run)" in result.output
    assert all_files(tmp_repo) == before


def test_add_dry_run_still_reports_errors(tmp_repo, tmp_path):
    result = run_cli(["add", "--dry-run", str(contrib(tmp_path, body="[x](PERSON #a1)\n"))], tmp_repo)
    assert result.exit_code == 1 and "unknown-label" in result.output


def test_add_is_all_or_nothing_across_files(tmp_repo, tmp_path):
    good1 = contrib(tmp_path, "art-1")
    good2 = contrib(tmp_path, "art-2")
    bad = contrib(tmp_path, "art-3", body=BODY.replace("ACTOR #a1", "ACTOR #a1 #a2"))
    before = all_files(tmp_repo)
    result = run_cli(["add", str(good1), str(bad), str(good2)], tmp_repo)
    assert_no_crash(result)
    assert result.exit_code == 1
    assert "art-3.casus.txt" in result.output and "two-ids" in result.output
    assert all_files(tmp_repo) == before
    # without the bad one both go in
    result = run_cli(["add", str(good1), str(good2)], tmp_repo)
    assert result.exit_code == 0, result.output
    assert Repo.open(tmp_repo).gold_ids() == ["art-1", "art-2"]


def test_add_refuses_two_files_with_one_id(tmp_repo, tmp_path):
    a = contrib(tmp_path, "art-1", name="a.casus.txt")
    b = contrib(tmp_path, "art-1", name="b.casus.txt")
    before = all_files(tmp_repo)
    result = run_cli(["add", str(a), str(b)], tmp_repo)
    assert result.exit_code == 1
    assert "duplicate-id" in result.output
    assert all_files(tmp_repo) == before


def test_add_missing_file(tmp_repo, tmp_path):
    result = run_cli(["add", str(tmp_path / "nope.casus.txt")], tmp_repo)
    assert_no_crash(result)
    assert result.exit_code == 1 and "nope.casus.txt" in result.output


def test_add_refuses_id_with_trailing_newline(tmp_repo, tmp_path):
    f = tmp_path / "nl.casus.txt"
    f.write_text(INLINE_HEADER.replace("id: {id}", 'id: "d4\\n"') + "[Gunmen](ACTOR #a1) came.\n", encoding="utf-8")
    before = repo_files(tmp_repo)
    result = run_cli(["add", str(f)], tmp_repo)
    assert result.exit_code == 1
    assert repo_files(tmp_repo) == before


def test_add_refuses_annotator_name_with_path(tmp_repo, tmp_path):
    result = run_cli(["add", "--annotator", "../../escaped", str(contrib(tmp_path))], tmp_repo)
    assert not (tmp_repo / "escaped").exists()
    assert result.exit_code == 1


# --------------------------------------------------------------------------------------------------
# atomic writes
# --------------------------------------------------------------------------------------------------

def _boom(*args, **kwargs):
    raise OSError("simulated failure")


@pytest.mark.parametrize("target", ["replace", "fsync"])
def test_atomic_write_failure_leaves_old_content_and_no_temp_files(tmp_path, monkeypatch, target):
    folder = tmp_path / "d"
    folder.mkdir()
    path = folder / "x.json"
    path.write_text("old content\n", encoding="utf-8")
    monkeypatch.setattr(os, target, _boom)
    with pytest.raises(OSError, match="simulated failure"):
        atomic_write(path, "new content that must not appear\n")
    monkeypatch.undo()
    assert path.read_text(encoding="utf-8") == "old content\n"
    assert sorted(p.name for p in folder.iterdir()) == ["x.json"]


def test_atomic_write_failure_on_new_file_leaves_nothing(tmp_path, monkeypatch):
    path = tmp_path / "sub" / "new.json"
    monkeypatch.setattr(os, "replace", _boom)
    with pytest.raises(OSError):
        atomic_write(path, b"data")
    monkeypatch.undo()
    assert not path.exists()
    assert list(path.parent.iterdir()) == []


def test_atomic_write_writes_bytes_and_text(tmp_path):
    p = tmp_path / "a.txt"
    atomic_write(p, "é💥\n")
    assert p.read_bytes() == "é💥\n".encode("utf-8")
    atomic_write(p, b"\x00\x01")
    assert p.read_bytes() == b"\x00\x01"
    assert [x.name for x in tmp_path.iterdir()] == ["a.txt"]


def test_add_failing_replace_keeps_old_annotation(tmp_repo, tmp_path, monkeypatch):
    """An I/O failure while add overwrites (--replace) leaves the old annotation intact and no temp files."""
    assert run_cli(["add", str(contrib(tmp_path))], tmp_repo).exit_code == 0
    before = all_files(tmp_repo)
    changed = contrib(tmp_path, body=BODY.replace("[Gunmen](ACTOR #a1)", "Gunmen").replace(" attacker=a1", ""),
                      name="changed.casus.txt")
    monkeypatch.setattr(os, "replace", _boom)
    result = run_cli(["add", "--replace", str(changed)], tmp_repo)
    monkeypatch.undo()
    assert result.exit_code != 0
    assert all_files(tmp_repo) == before  # also: no .tmp files left behind


def test_add_io_failure_midway_across_files_writes_nothing(tmp_repo, tmp_path, monkeypatch):
    a, b = contrib(tmp_path, "art-1"), contrib(tmp_path, "art-2")
    before = all_files(tmp_repo)
    real_replace = os.replace
    calls = {"n": 0}

    def flaky(src, dst):
        calls["n"] += 1
        if calls["n"] > 3:  # art-1: text, meta, gold succeed; art-2 fails
            raise OSError("disk full")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", flaky)
    result = run_cli(["add", str(a), str(b)], tmp_repo)
    monkeypatch.undo()
    assert_no_crash(result)
    assert result.exit_code == 1
    assert all_files(tmp_repo) == before
