"""`casus show` (inline markup that parses back) and `casus stats --format json` on a tiny repository."""

from __future__ import annotations

import json
import shutil

import pytest

from casus.formats import inline
from casus.store import Repo
from conftest import FIXTURES, assert_no_crash, run_cli, span_dict, write_annotation, write_document

KIDAL = "Two soldiers were wounded by a mortar in Kidal.\n"
KIDAL_SPANS = [
    span_dict(KIDAL, "c1", 0, 12, "CASUALTY", {"status": "injured", "count": 2, "count_qualifier": "exact",
                                               "group": "military"}),
    span_dict(KIDAL, "e1", 18, 25, "TRIGGER"),
    span_dict(KIDAL, "w1", 31, 37, "WEAPON"),
    span_dict(KIDAL, "l1", 41, 46, "LOCATION"),
]
KIDAL_EVENTS = [{"id": "e1", "type": "ATTACK", "subtype": "shelling", "trigger": "e1",
                 "args": [{"role": "victim", "span": "c1"}, {"role": "instrument", "span": "w1"},
                          {"role": "place", "span": "l1"}], "attrs": {"modality": "claimed"}}]


@pytest.fixture
def tiny_repo(fixture_repo):
    """fix-001 (the clean fixture) + kidal-1 (gold and a pass by bob)."""
    shutil.copyfile(FIXTURES / "valid" / "fix-001.json", fixture_repo / "annotations" / "gold" / "fix-001.json")
    write_document(fixture_repo, "kidal-1", KIDAL)
    write_annotation(fixture_repo, "kidal-1", KIDAL, KIDAL_SPANS, KIDAL_EVENTS)
    write_annotation(fixture_repo, "kidal-1", KIDAL, [KIDAL_SPANS[0], KIDAL_SPANS[2]], [], annotator="bob")
    result = run_cli(["validate"], fixture_repo)
    assert result.exit_code == 0, result.output
    return fixture_repo


def _view(aset):
    return (aset.document.id, aset.document.text,
            [(s.id, s.start, s.end, s.label, dict(s.attrs)) for s in aset.spans],
            [(e.id, e.type, e.subtype, e.trigger, [(a.role, a.span) for a in e.args], dict(e.attrs))
             for e in aset.events])


@pytest.mark.parametrize("doc_id,annotator", [("fix-001", "gold"), ("kidal-1", "gold"), ("kidal-1", "bob")])
def test_show_parses_back_to_the_same_annotation(tiny_repo, doc_id, annotator):
    repo = Repo.open(tiny_repo)
    result = run_cli(["show", doc_id, "--annotator", annotator], tiny_repo)
    assert_no_crash(result)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("---\n")
    parsed = inline.parse(out, repo.schema, "shown.casus.txt")
    stored = repo.annotation(doc_id, annotator)
    assert _view(parsed.annotation) == _view(stored)
    assert parsed.annotation.annotator == annotator
    assert dict(parsed.document.metadata) == dict(stored.document.metadata)


def test_show_fixture_markup(tiny_repo):
    out = run_cli(["show", "kidal-1"], tiny_repo).stdout
    assert out.endswith("---\n[Two soldiers](CASUALTY #c1 status=injured count=2 count_qualifier=exact group=military) "
                        "were [wounded](ATTACK:shelling #e1 victim=c1 instrument=w1 place=l1 modality=claimed) by a "
                        "[mortar](WEAPON #w1) in [Kidal](LOCATION #l1).\n")


def test_show_unknown_document(tiny_repo):
    result = run_cli(["show", "nope"], tiny_repo)
    assert_no_crash(result)
    assert result.exit_code == 1
    assert "nope" in result.output


def test_show_invalid_annotation_is_an_error(tiny_repo):
    shutil.copyfile(FIXTURES / "invalid" / "bad_offset.json", tiny_repo / "annotations" / "gold" / "fix-001.json")
    result = run_cli(["show", "fix-001"], tiny_repo)
    assert_no_crash(result)
    assert result.exit_code == 1
    assert "offset-out-of-range" in result.output


def test_stats_json_counts(tiny_repo):
    result = run_cli(["stats", "--format", "json"], tiny_repo)
    assert_no_crash(result)
    assert result.exit_code == 0, result.output
    st = json.loads(result.stdout)
    # fix-001: ACTOR Gunmen/army/three suspects, LOCATION village of Solhan, CASUALTY at least 23 civilians,
    #          2 triggers (not counted as spans); events ATTACK:shooting, ARREST:arrest
    # kidal-1: CASUALTY Two soldiers, WEAPON mortar, LOCATION Kidal, 1 trigger; event ATTACK:shelling
    assert st["spans_per_label"] == {"ACTOR": 3, "WEAPON": 1, "LOCATION": 2, "CASUALTY": 2}
    assert st["spans"] == 8
    assert st["events"] == 3
    assert st["events_per_type"] == {"ARREST:arrest": 1, "ATTACK:shelling": 1, "ATTACK:shooting": 1}
    assert st["casualty_totals"] == {"injured/military": 2, "killed/civilian": 23}
    assert st["documents"] == 2 and st["gold_documents"] == 2
    assert st["passes"] == {"bob": 1}
    assert st["double_annotated_documents"] == 1
    assert st["words_per_doc_min"] == 9 and st["words_per_doc_max"] == 18
    assert st["regions"] == 1 and st["countries"] == 2
    assert st["documents_per_region"] == {"Sahel": 2}
    assert st["tokens"] > 0
    assert st["styles"] == 1 and st["documents_per_style"] == {"wire-v1": 2} and st["hard_negatives"] == 0


def test_stats_counts_styles_writers_and_hard_negatives(tiny_repo):
    meta_path = tiny_repo / "corpus" / "kidal-1.meta.json"
    meta = json.loads(meta_path.read_text())
    meta.update(style="liveblog", writer="writer-5", hard_negative="no")
    meta_path.write_text(json.dumps(meta))
    st = json.loads(run_cli(["stats", "--format", "json"], tiny_repo).stdout)
    assert st["documents_per_style"] == {"liveblog": 1, "wire-v1": 1}
    assert st["documents_per_writer"] == {"corpus-v1": 1, "writer-5": 1}
    assert st["styles"] == 2 and st["writers"] == 2 and st["hard_negatives"] == 0


def test_stats_empty_repo(tmp_repo):
    st = json.loads(run_cli(["stats", "--format", "json"], tmp_repo).stdout)
    assert st["documents"] == 0 and st["spans"] == 0
    assert st["spans_per_label"] == {"ACTOR": 0, "WEAPON": 0, "LOCATION": 0, "CASUALTY": 0}


def test_stats_text_format(tiny_repo):
    result = run_cli(["stats"], tiny_repo)
    assert result.exit_code == 0
    assert "spans per label" in result.output


def test_stats_refuses_invalid_gold(tiny_repo):
    shutil.copyfile(FIXTURES / "invalid" / "unknown_label.json", tiny_repo / "annotations" / "gold" / "fix-001.json")
    result = run_cli(["stats", "--format", "json"], tiny_repo)
    assert_no_crash(result)
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert [p["code"] for p in report["problems"]] == ["unknown-label"]


def test_commands_outside_a_repository(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for args in (["validate"], ["stats"], ["show", "x"]):
        result = run_cli(args)
        assert_no_crash(result)
        assert result.exit_code == 1
        assert "no casus repository" in result.output
