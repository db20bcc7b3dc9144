"""casus import / export: the six-step round trip over the whole shipped corpus and over generated
documents (unicode, emoji, CRLF, adjacent spans, spans at the very start and end), id assignment,
metadata defaults, all-or-nothing writes, and a clear error for a malformed file in every format."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casus import interop
from casus.formats import doccano, labelstudio
from casus.formats.offsets import annotation_to_lf
from casus.model import AnnotationSet, Event
from casus.store import Repo
from casus.validate import check_annotation

from _format_cases import SCHEMA, annotation_sets
from conftest import PROJECT_ROOT, assert_no_crash, make_repo, repo_files, run_cli

FIX = Path(__file__).resolve().parent / "fixtures" / "interop"
GOLD_DIR = PROJECT_ROOT / "annotations" / "gold"


def shipped_repo(root: Path, ids: list[str] | None = None) -> Path:
    """A temp repository holding a copy of the shipped corpus + gold (all of it, or ``ids``)."""
    make_repo(root)
    ids = ids or sorted(p.stem for p in GOLD_DIR.glob("*.json"))
    for d in ids:
        shutil.copy(GOLD_DIR / f"{d}.json", root / "annotations" / "gold" / f"{d}.json")
        for suffix in (".txt", ".meta.json"):
            shutil.copy(PROJECT_ROOT / "corpus" / f"{d}{suffix}", root / "corpus" / f"{d}{suffix}")
    splits = PROJECT_ROOT / "annotations" / "splits.json"
    if splits.is_file():
        shutil.copy(splits, root / "annotations" / "splits.json")
    return root


def signature(aset: AnnotationSet) -> dict:
    """Everything that must survive: text, (start, end, label) + attributes of every span, and every event
    frame (type, subtype, attributes, arguments located by their spans), independent of ids."""
    spans = aset.span_by_id()
    trig = {e.id: spans[e.trigger].key for e in aset.events}
    events = []
    for e in aset.events:
        attrs = {k: (trig.get(v, v) if k == "same_as" else v) for k, v in e.attrs.items()}
        events.append((spans[e.trigger].key, e.type, e.subtype, sorted(attrs.items()),
                       tuple((a.role, spans[a.span].key) for a in e.args)))
    return {"text": aset.text,
            "spans": sorted((s.key, sorted(s.attrs.items())) for s in aset.spans),
            "events": sorted(events, key=repr)}


def ok(result) -> None:
    assert_no_crash(result)
    assert result.exit_code == 0, result.output


# -- the whole shipped corpus ----------------------------------------------------------------------

def test_six_step_round_trip_whole_corpus(tmp_path):
    orig = shipped_repo(tmp_path / "orig")
    gold_ids = sorted(p.stem for p in GOLD_DIR.glob("*.json"))
    assert len(gold_ids) >= 100
    r1, r2, r3 = (make_repo(tmp_path / n) for n in ("r1", "r2", "r3"))
    first, ls, bratdir, last = (tmp_path / "a.jsonl", tmp_path / "b.json", tmp_path / "brat", tmp_path / "z.jsonl")

    ok(run_cli(["export", "doccano", str(first)], orig))
    ok(run_cli(["import", "doccano", str(first), "--gold"], r1))
    ok(run_cli(["export", "labelstudio", str(ls)], r1))
    ok(run_cli(["import", "labelstudio", str(ls), "--gold"], r2))
    ok(run_cli(["export", "brat", str(bratdir)], r2))
    ok(run_cli(["import", "brat", str(bratdir), "--gold"], r3))
    ok(run_cli(["export", "doccano", str(last)], r3))

    before = {a.doc_id: a for a in Repo.open(orig).gold()}
    changed = 0
    for repo in (r1, r2, r3):
        after = {a.doc_id: a for a in Repo.open(repo).gold()}
        assert sorted(after) == gold_ids
        for d in gold_ids:
            sa, sb = signature(before[d]), signature(after[d])
            assert sa["text"] == sb["text"], d
            changed += len(set(map(repr, sa["spans"])) ^ set(map(repr, sb["spans"])))
            assert sa == sb, d
            # ids survive too (every format keeps them)
            assert [s.id for s in after[d].spans] == [s.id for s in before[d].spans]
            assert [e.id for e in after[d].events] == [e.id for e in before[d].events]
        # corpus texts and metadata are the original ones
        for d in gold_ids:
            assert (repo / "corpus" / f"{d}.txt").read_bytes() == (orig / "corpus" / f"{d}.txt").read_bytes()
            assert json.loads((repo / "corpus" / f"{d}.meta.json").read_text()) == \
                json.loads((orig / "corpus" / f"{d}.meta.json").read_text())
    assert changed == 0
    # the last doccano file equals the first but for the import provenance casus records
    def strip(path):
        recs = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
        for r in recs:
            r["casus"].pop("provenance", None)
        return recs
    assert strip(last) == strip(first)
    assert "import" in Repo.open(r3).annotation(gold_ids[0]).provenance


# -- generated documents -----------------------------------------------------------------------------

@st.composite
def valid_sets(draw):
    """annotation_sets() made schema-valid: arguments only with allowed labels, no self same_as."""
    aset = draw(annotation_sets(doc_id=draw(st.sampled_from(["gen-1", "gen-2"]))))
    spans = aset.span_by_id()
    events = []
    for e in aset.events:
        et = SCHEMA.event_types[e.type]
        args = tuple(a for a in e.args if spans[a.span].label in et.roles[a.role])
        attrs = {k: v for k, v in e.attrs.items() if not (k == "same_as" and v == e.id)}
        events.append(Event(id=e.id, type=e.type, subtype=e.subtype, trigger=e.trigger, args=args, attrs=attrs))
    aset = aset.with_(events=tuple(events))
    data = json.loads(json.dumps(annotation_to_lf(aset).to_dict()))
    problems = [p for p in check_annotation(data, annotation_to_lf(aset).text, SCHEMA, "gen") if p.severity == "error"]
    from hypothesis import assume

    assume(not problems)
    return aset


@settings(max_examples=25, deadline=None)
@given(valid_sets())
def test_six_step_round_trip_generated(tmp_path_factory, aset):
    tmp = tmp_path_factory.mktemp("gen")
    src = tmp / "in.jsonl"
    doccano.write([aset], src, SCHEMA)  # CRLF kept in the file: import converts it
    r1, r2, r3 = (Repo.open(make_repo(tmp / n)) for n in ("r1", "r2", "r3"))
    interop.import_file(r1, "doccano", src, annotator="gold")
    interop.export(r1, "labelstudio", tmp / "t.json")
    interop.import_file(r2, "labelstudio", tmp / "t.json", annotator="gold")
    interop.export(r2, "brat", tmp / "brat")
    interop.import_file(r3, "brat", tmp / "brat", annotator="gold")
    interop.export(r3, "doccano", tmp / "out.jsonl")
    back = doccano.read(tmp / "out.jsonl", SCHEMA)
    want = annotation_to_lf(aset)
    assert "\r" not in back[0].text
    assert signature(back[0]) == signature(want)
    for r in (r1, r2, r3):
        assert signature(r.annotation(aset.doc_id)) == signature(want)


def test_tricky_doccano_file_crlf_emoji_adjacent_edges(tmp_path):
    root = make_repo(tmp_path / "repo")
    r = run_cli(["import", "doccano", str(FIX / "crlf_emoji.jsonl"), "--gold"], root)
    ok(r)
    repo = Repo.open(root)
    raw = (FIX / "crlf_emoji.jsonl").read_text(encoding="utf-8").splitlines()[0]
    text = json.loads(raw)["text"].replace("\r\n", "\n")
    hid = interop.hash_id(text)
    assert hid.startswith("doc-") and len(hid) == 16
    assert sorted(repo.gold_ids()) == sorted([hid, "named-1"])
    a = repo.annotation(hid)
    assert a.text == text and b"\r" not in (root / "corpus" / f"{hid}.txt").read_bytes()
    got = [(a.text[s.start:s.end], s.label) for s in a.spans]
    assert got == [("Gunmen", "ACTOR"), ("attacked", "TRIGGER"), ("Gao", "LOCATION"), ("💥", "WEAPON"),
                   ("Kidal", "LOCATION")]
    assert a.spans[0].start == 0 and a.spans[-1].end == len(a.text)  # spans at the very start and end
    ev = a.events[0]
    assert (ev.type, ev.subtype) == ("ATTACK", "raid") and [x.role for x in ev.args] == ["attacker", "place"]
    meta = repo.document(hid).metadata
    assert meta["kind"] == "imported" and meta["source"] == "crlf_emoji.jsonl"
    assert meta["title"] == meta["region"] == meta["licence"] == "unknown"
    assert len(meta["date"]) == 10 and "CRLF -> LF" in meta["notes"]
    assert "id from text hash" in r.output and "CRLF -> LF" in r.output
    ok(run_cli(["validate"], root))
    # importing the same file again: the same ids (stable), nothing changes
    before = repo_files(root)
    ok(run_cli(["import", "doccano", str(FIX / "crlf_emoji.jsonl"), "--gold"], root))
    assert repo_files(root) == before


def test_text_without_id_takes_the_id_of_the_identical_corpus_text(tmp_path):
    root = shipped_repo(tmp_path / "repo", ["casus-001"])
    a = Repo.open(root).annotation("casus-001")
    rec = doccano.record(a, SCHEMA)
    del rec["doc_id"]
    src = tmp_path / "noid.jsonl"
    src.write_text(json.dumps(rec) + "\n", encoding="utf-8")
    r = run_cli(["import", "doccano", str(src), "--annotator", "alice"], root)
    ok(r)
    assert (root / "annotations" / "passes" / "alice" / "casus-001.json").is_file()
    assert "identical corpus text" in r.output


def test_newline_keep_refuses_crlf(tmp_path):
    root = make_repo(tmp_path / "repo")
    before = repo_files(root)
    r = run_cli(["import", "doccano", str(FIX / "crlf_emoji.jsonl"), "--gold", "--newline", "keep"], root)
    assert_no_crash(r)
    assert r.exit_code == 1 and "crlf" in r.output
    assert repo_files(root) == before


# -- all or nothing --------------------------------------------------------------------------------

def test_id_clash_refused_and_nothing_written(tmp_path):
    root = shipped_repo(tmp_path / "repo", ["casus-001"])
    src = tmp_path / "clash.jsonl"
    src.write_text(json.dumps({"doc_id": "new-1", "text": "Gunmen", "label": [[0, 6, "ACTOR"]]}) + "\n"
                   + json.dumps({"doc_id": "casus-001", "text": "A different text.", "label": []}) + "\n")
    before = repo_files(root)
    r = run_cli(["import", "doccano", str(src), "--gold"], root)
    assert_no_crash(r)
    assert r.exit_code == 1
    assert "casus-001" in r.output and "different text" in r.output and "nothing was written" in r.output
    assert repo_files(root) == before


def test_a_failure_part_way_through_the_writes_leaves_nothing(tmp_path, monkeypatch):
    """Fault injection: the import is valid, but the file system fails on the fifth rename of its one write
    batch (three new documents: six corpus files, three annotations). The repository is exactly as before:
    no new text, no metadata, no annotation — all or nothing across files, not per file."""
    import os as _os

    import casus.atomic

    root = shipped_repo(tmp_path / "repo", ["casus-001"])
    src = tmp_path / "three.jsonl"
    src.write_text("".join(json.dumps({"doc_id": f"new-{k}", "text": f"Gunmen attacked village {k}.",
                                       "label": [[0, 6, "ACTOR"]]}) + "\n" for k in range(3)))
    before = repo_files(root)
    calls = {"n": 0}
    real = _os.replace

    def flaky(a, b):
        calls["n"] += 1
        if calls["n"] == 5:
            raise OSError(28, "No space left on device (injected)")
        return real(a, b)

    monkeypatch.setattr(casus.atomic.os, "replace", flaky)
    with pytest.raises(OSError, match="injected"):
        interop.import_file(Repo.open(root), "doccano", src, annotator="gold")
    assert calls["n"] == 5
    assert repo_files(root) == before
    leftovers = [p.name for p in root.rglob("*.tmp")]
    assert leftovers == []
    monkeypatch.setattr(casus.atomic.os, "replace", real)
    interop.import_file(Repo.open(root), "doccano", src, annotator="gold")  # and it works once the disk does
    assert {f"new-{k}" for k in range(3)} <= set(Repo.open(root).gold_ids())


def test_every_validation_problem_listed_nothing_written(tmp_path):
    root = make_repo(tmp_path / "repo")
    src = tmp_path / "bad.jsonl"
    recs = [
        {"doc_id": "good-1", "text": "Gunmen attacked.", "label": [[0, 6, "ACTOR"]]},
        {"doc_id": "bad-1", "text": "Rebels fired rockets.", "label": [[0, 6, "REBEL"], [7, 12, "ACTOR"],
                                                                          [9, 20, "WEAPON"]]},
        {"doc_id": "bad-2", "text": "Two soldiers died.", "label": [[0, 12, "CASUALTY"]]},
    ]
    src.write_text("".join(json.dumps(x) + "\n" for x in recs))
    before = repo_files(root)
    r = run_cli(["import", "doccano", str(src), "--gold"], root)
    assert_no_crash(r)
    assert r.exit_code == 1
    for needle in ("unknown-label", "overlap", "missing-attribute", "bad-1", "bad-2"):
        assert needle in r.output, needle
    assert repo_files(root) == before


def test_dry_run_and_would_overwrite(tmp_path):
    root = shipped_repo(tmp_path / "repo", ["casus-001"])
    a = Repo.open(root).annotation("casus-001")
    src = tmp_path / "one.jsonl"
    doccano.write([a.with_(spans=tuple(a.entities()), events=())], src, SCHEMA)  # entities only
    before = repo_files(root)
    ok(run_cli(["import", "doccano", str(src), "--gold", "--replace", "--dry-run"], root))
    assert repo_files(root) == before
    r = run_cli(["import", "doccano", str(src), "--gold"], root)
    assert r.exit_code == 1 and "--replace" in r.output
    assert repo_files(root) == before
    ok(run_cli(["import", "doccano", str(src), "--gold", "--replace"], root))
    assert Repo.open(root).annotation("casus-001").events == ()
    ok(run_cli(["import", "doccano", str(src), "--annotator", "bob"], root))
    assert Repo.open(root).pass_ids("bob") == ["casus-001"]


def test_import_needs_a_target(tmp_path):
    root = make_repo(tmp_path / "repo")
    r = run_cli(["import", "doccano", str(FIX / "crlf_emoji.jsonl")], root)
    assert_no_crash(r)
    assert r.exit_code == 2


# -- malformed files -------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt,name,place", [
    ("doccano", "doccano_malformed.jsonl", "doccano_malformed.jsonl:2"),
    ("labelstudio", "labelstudio_malformed.json", "labelstudio_malformed.json: task 0, annotation 0, result 1"),
    ("brat", "brat_malformed", "br-1.ann:3"),
    ("conll", "conll_malformed.conll", "conll_malformed.conll:7"),
    ("inline", "inline_malformed", "in-1.casus.txt:9:30"),
])
def test_malformed_file_exit_1_names_file_and_place(tmp_path, fmt, name, place):
    root = make_repo(tmp_path / "repo")
    before = repo_files(root)
    r = run_cli(["import", fmt, str(FIX / name), "--gold"], root)
    assert_no_crash(r)
    assert r.exit_code == 1, r.output
    assert place in r.output, r.output
    assert "Traceback" not in r.output
    assert repo_files(root) == before


def test_missing_source_and_unknown_format(tmp_path):
    root = make_repo(tmp_path / "repo")
    for fmt in ("doccano", "labelstudio", "brat", "conll", "inline"):
        r = run_cli(["import", fmt, str(tmp_path / "nope"), "--gold"], root)
        assert_no_crash(r)
        assert r.exit_code == 1 and "nope" in r.output, (fmt, r.output)
    r = run_cli(["import", "excel", str(FIX / "crlf_emoji.jsonl"), "--gold"], root)
    assert r.exit_code == 1 and "unknown format" in r.output


# -- export selections and the other formats -----------------------------------------------------------

def test_export_selection_config_conll_inline(tmp_path):
    ids = ["casus-001", "casus-002", "casus-003"]
    root = shipped_repo(tmp_path / "repo", ids)
    (root / "annotations" / "splits.json").write_text(json.dumps(
        {"seed": 1, "ratios": {"train": 0.4, "dev": 0.3, "test": 0.3},
         "splits": {"train": ["casus-001"], "dev": ["casus-002"], "test": ["casus-003"]}}))
    ok(run_cli(["export", "doccano", str(tmp_path / "dev.jsonl"), "--split", "dev"], root))
    assert [json.loads(x)["doc_id"] for x in (tmp_path / "dev.jsonl").read_text().splitlines()] == ["casus-002"]
    ok(run_cli(["export", "labelstudio", str(tmp_path / "two.json"), "--docs", "casus-003,casus-001"], root))
    assert [t["data"]["doc_id"] for t in json.loads((tmp_path / "two.json").read_text())] == ["casus-003", "casus-001"]
    r = run_cli(["export", "doccano", str(tmp_path / "x.jsonl"), "--docs", "casus-999"], root)
    assert r.exit_code == 1 and "casus-999" in r.output
    r = run_cli(["export", "doccano", str(tmp_path / "x.jsonl"), "--annotator", "nobody"], root)
    assert r.exit_code == 1

    ok(run_cli(["export", "labelstudio-config", str(tmp_path / "config.xml")], root))
    xml = (tmp_path / "config.xml").read_text()
    assert xml == labelstudio.labeling_config(SCHEMA) and "<Labels" in xml

    # CoNLL (lossy): spans come back, texts are rebuilt -> a fresh repository
    ok(run_cli(["export", "conll", str(tmp_path / "all.conll")], root))
    fresh = make_repo(tmp_path / "fresh")
    r = run_cli(["import", "conll", str(tmp_path / "all.conll"), "--annotator", "conll"], fresh)
    assert r.exit_code == 1 and "missing-attribute" in r.output and "--placeholders" in r.output
    ok(run_cli(["import", "conll", str(tmp_path / "all.conll"), "--annotator", "conll", "--placeholders"], fresh))
    assert Repo.open(fresh).pass_ids("conll") == ids
    back = Repo.open(fresh).annotation("casus-001", "conll")
    cas = [s for s in back.spans if s.label == "CASUALTY"]
    assert cas and all(s.attrs == {"status": "unknown", "group": "unknown"} for s in cas)
    assert set(back.provenance["import"]["placeholder_attrs"]) == {s.id for s in cas}
    want = Repo.open(root).annotation("casus-001")
    assert [(want.text[s.start:s.end], s.label) for s in want.entities()] == \
        [(back.text[s.start:s.end], s.label) for s in back.entities()]
    # importing it where the original texts live is refused: the rebuilt text differs
    r = run_cli(["import", "conll", str(tmp_path / "all.conll"), "--gold"], root)
    assert r.exit_code == 1 and "casus-001" in r.output

    # inline: a folder of *.casus.txt, lossless
    ok(run_cli(["export", "inline", str(tmp_path / "inl")], root))
    assert sorted(p.name for p in (tmp_path / "inl").iterdir()) == [f"{d}.casus.txt" for d in ids]
    r = run_cli(["export", "inline", str(tmp_path / "inl")], root)
    assert r.exit_code == 1 and "--force" in r.output
    ok(run_cli(["export", "inline", str(tmp_path / "inl"), "--force"], root))
    fresh2 = make_repo(tmp_path / "fresh2")
    ok(run_cli(["import", "inline", str(tmp_path / "inl"), "--gold"], fresh2))
    orig, back = Repo.open(root), Repo.open(fresh2)
    for d in ids:
        assert signature(back.annotation(d)) == signature(orig.annotation(d))
    ok(run_cli(["import", "inline", str(tmp_path / "inl" / "casus-001.casus.txt"), "--gold"], fresh2))


def test_labelstudio_several_annotators_and_predictions(tmp_path):
    root = shipped_repo(tmp_path / "repo", ["casus-001"])
    a = Repo.open(root).annotation("casus-001")
    task = labelstudio.task(a, SCHEMA)
    ann = task["annotations"][0]
    fewer = dict(ann, result=[r for r in ann["result"]
                              if r["type"] == "labels" and r["value"]["labels"][0] in ("ACTOR", "LOCATION", "WEAPON")])
    task["annotations"] = [dict(ann, completed_by={"email": "alice@example.org"}, updated_at="2024-01-01"),
                           dict(fewer, completed_by=7, updated_at="2024-01-02")]
    del task["data"]["casus"]["annotator"]
    src = tmp_path / "multi.json"
    src.write_text(json.dumps([task, {"data": {"text": "no annotations here", "doc_id": "empty-1"},
                                      "annotations": []}]))
    r = run_cli(["import", "labelstudio", str(src), "--by-annotator", "--pick", "all"], root)
    ok(r)
    repo = Repo.open(root)
    assert repo.annotators() == ["alice_example.org", "user7"]
    assert signature(repo.annotation("casus-001", "alice_example.org")) == signature(a)
    assert all(s.label in ("ACTOR", "LOCATION", "WEAPON") for s in repo.annotation("casus-001", "user7").spans)
    assert "1 task(s) had no annotations" in r.output


def test_option_choices_are_checked_with_a_message_not_a_traceback(tmp_path):
    """--offsets / --newline / --source / --pick are choices: a wrong value is a usage error naming the option."""
    from typer.testing import CliRunner

    from casus.cli import app

    for args in (["export", "doccano", str(tmp_path / "x.jsonl"), "--offsets", "foo"],
                 ["import", "doccano", str(tmp_path / "x.jsonl"), "--gold", "--newline", "crlf"],
                 ["import", "labelstudio", str(tmp_path / "x.json"), "--gold", "--pick", "best"],
                 ["import", "labelstudio", str(tmp_path / "x.json"), "--gold", "--source", "model"]):
        r = CliRunner().invoke(app, args)
        assert r.exit_code == 2, (args, r.output)
        assert "Invalid value for" in r.output and r.exception is None or isinstance(r.exception, SystemExit)
        assert "Traceback" not in r.output
