"""casus adjudicate: disagreements between passes, batch (--prefer) and interactive resolution, argument
re-pointing, provenance, and refusing to overwrite gold."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from casus.adjudicate import DROP, adjudicate, compare, load_versions, resolve
from casus.store import Repo

from conftest import PROJECT_ROOT, assert_no_crash, make_repo, repo_files, run_cli
from test_interop_cli import signature

DOC = "casus-001"


def _bob(alice: dict) -> dict:
    """bob's pass: differs from alice's (the shipped gold) in every way adjudication knows."""
    bob = json.loads(json.dumps(alice))
    bob["annotator"] = "bob"
    spans = {s["id"]: s for s in bob["spans"]}
    # missing: bob has no "planes" (w2) but adds "White Helmets" with an id alice uses elsewhere (a6)
    bob["spans"] = [s for s in bob["spans"] if s["id"] != "w2"]
    spans["a6"]["id"] = "g1"
    bob["spans"].append({"id": "a6", "start": 182, "end": 195, "label": "ACTOR", "text": "White Helmets", "attrs": {}})
    # boundary: "Kafranbel" instead of "town of Kafranbel" (and e1's place argument follows)
    spans["l2"].update(id="k9", start=41, text="Kafranbel")
    # label: Hayat Tahrir al-Sham as LOCATION
    spans["a3"]["label"] = "LOCATION"
    # attributes: about instead of at_least
    spans["c1"]["attrs"]["count_qualifier"] = "about"
    # an agreed span under another id
    spans["l11"]["id"] = "x1"
    for e in bob["events"]:
        for a in e["args"]:
            if a["span"] == "l2":
                a["span"] = "k9"
        if e["id"] == "e4":
            e["subtype"] = "shelling"  # event frame
    return bob


@pytest.fixture
def adj_repo(tmp_path: Path) -> Path:
    root = make_repo(tmp_path / "repo")
    for suffix in (".txt", ".meta.json"):
        shutil.copy(PROJECT_ROOT / "corpus" / f"{DOC}{suffix}", root / "corpus" / f"{DOC}{suffix}")
    alice = json.loads((PROJECT_ROOT / "annotations" / "gold" / f"{DOC}.json").read_text())
    alice["annotator"] = "alice"
    for name, data in (("alice", alice), ("bob", _bob(alice))):
        p = root / "annotations" / "passes" / name / f"{DOC}.json"
        p.parent.mkdir(parents=True)
        p.write_text(json.dumps(data, ensure_ascii=False, indent=1))
    return root


def test_disagreements_found_and_classified(adj_repo):
    repo = Repo.open(adj_repo)
    comp = compare(load_versions(repo, DOC))
    got = [(r.start, r.end, r.kinds) for r in comp.disagreements]
    assert got == [
        (10, 16, ["event"]),            # e1's place argument points at differently bounded spans
        (33, 50, ["boundary"]),
        (98, 119, ["attributes"]),
        (182, 195, ["missing"]),
        (503, 509, ["missing"]),
        (866, 873, ["event"]),          # e4: airstrike vs shelling
        (1106, 1126, ["label"]),
    ]
    assert sum(1 for r in comp.regions if r.agreed) == len(comp.regions) - 7


@pytest.mark.parametrize("prefer", ["alice", "bob"])
def test_batch_prefer_takes_that_version(adj_repo, prefer):
    r = run_cli(["adjudicate", DOC, "--annotators", "alice", "bob", "--prefer", prefer], adj_repo)
    assert_no_crash(r)
    assert r.exit_code == 0, r.output
    assert "7 disagreement(s)" in r.output
    repo = Repo.open(adj_repo)
    gold = repo.annotation(DOC)  # validates
    assert signature(gold) == signature(repo.annotation(DOC, prefer))
    prov = gold.provenance["adjudication"]
    assert prov["prefer"] == prefer and prov["versions"] == ["alice", "bob"] and len(prov["date"]) == 10
    assert len(prov["decisions"]) == 7 and all(d["choice"] == prefer for d in prov["decisions"])
    by_key = {s.key: s.id for s in gold.spans}
    if prefer == "alice":
        assert prov["sources"][by_key[(503, 509, "WEAPON")]] == ["alice"]
        assert prov["sources"][by_key[(0, 9, "WEAPON")]] == ["alice", "bob"]
        assert [s.id for s in gold.spans] == [s.id for s in repo.annotation(DOC, "alice").spans]
    else:
        assert prov["sources"][by_key[(182, 195, "ACTOR")]] == ["bob"]
        # the preferred version's ids win (bob's x1, not alice's l11)
        assert by_key[(1455, 1469, "LOCATION")] == "x1"
        assert [s.id for s in gold.spans] == [s.id for s in repo.annotation(DOC, "bob").spans]


def test_interactive_choices_and_argument_repointing(adj_repo):
    # e1: alice | l2: bob (Kafranbel) | c1: bob | White Helmets: bob | planes: drop | e4: alice | a3: skip
    answers = "1\n2\nbob\n2\nd\n1\nx\ns\n"  # "x" is not an answer: asked again
    r = run_cli(["adjudicate", DOC], adj_repo)  # no input at all: aborts, writes nothing
    assert r.exit_code != 0 and not (adj_repo / "annotations" / "gold" / f"{DOC}.json").exists()
    from typer.testing import CliRunner

    from casus.cli import app

    r = CliRunner().invoke(app, ["adjudicate", DOC, "--root", str(adj_repo)], input=answers)
    assert_no_crash(r)
    assert r.exit_code == 0, r.output
    gold = Repo.open(adj_repo).annotation(DOC)
    keys = {s.key: s for s in gold.spans}
    assert (41, 50, "LOCATION") in keys and (33, 50, "LOCATION") not in keys
    assert keys[(98, 119, "CASUALTY")].attrs["count_qualifier"] == "about"
    wh = keys[(182, 195, "ACTOR")]
    assert keys[(1261, 1278, "ACTOR")].id == "a6" and wh.id != "a6"  # id clash: alice's agreed span keeps a6
    assert (503, 509, "WEAPON") not in keys and (1106, 1126, "ACTOR") not in keys
    assert (1106, 1126, "LOCATION") not in keys
    ev = {e.id: e for e in gold.events}
    assert ev["e4"].subtype == "airstrike"
    # alice's e1 pointed at "town of Kafranbel", which was not kept: re-pointed at bob's "Kafranbel"
    place = [gold.span_by_id()[a.span].key for a in ev["e1"].args if a.role == "place"]
    assert (41, 50, "LOCATION") in place
    choices = [d["choice"] for d in gold.provenance["adjudication"]["decisions"]]
    assert choices == ["alice", "bob", "bob", "bob", "drop", "alice", "skip"]


def test_refuses_to_overwrite_gold_without_replace(adj_repo):
    ok = run_cli(["adjudicate", DOC, "--prefer", "alice"], adj_repo)
    assert ok.exit_code == 0, ok.output
    before = repo_files(adj_repo)
    r = run_cli(["adjudicate", DOC, "--prefer", "bob"], adj_repo)
    assert_no_crash(r)
    assert r.exit_code == 1 and "--replace" in r.output
    assert repo_files(adj_repo) == before
    # with --replace: gold is now a third version; bob preferred everywhere
    r = run_cli(["adjudicate", DOC, "--prefer", "bob", "--replace"], adj_repo)
    assert r.exit_code == 0, r.output
    repo = Repo.open(adj_repo)
    assert repo.annotation(DOC).provenance["adjudication"]["versions"] == ["alice", "bob", "gold"]
    assert signature(repo.annotation(DOC)) == signature(repo.annotation(DOC, "bob"))


def test_out_to_a_pass_dry_run_and_errors(adj_repo):
    before = repo_files(adj_repo)
    r = run_cli(["adjudicate", DOC, "--dry-run"], adj_repo)
    assert r.exit_code == 0 and "7 disagreement(s)" in r.output
    assert repo_files(adj_repo) == before
    r = run_cli(["adjudicate", DOC, "--annotators", "alice,bob", "--prefer", "bob", "--out", "adjudicated"], adj_repo)
    assert r.exit_code == 0, r.output
    assert Repo.open(adj_repo).annotation(DOC, "adjudicated").annotator == "adjudicated"
    for args, needle in ((["--prefer", "carol"], "carol"), (["--annotators", "carol", "--prefer", "bob"], "carol"),
                         (["--prefer", "alice", "--out", "x", "--annotators", "alice", "bob", "zed"], "zed")):
        r = run_cli(["adjudicate", DOC, *args], adj_repo)
        assert_no_crash(r)
        assert r.exit_code == 1 and needle in r.output, r.output
    r = run_cli(["adjudicate", "casus-404", "--prefer", "bob"], adj_repo)
    assert r.exit_code == 1 and "casus-404" in r.output


def test_identical_passes_need_no_choices(adj_repo):
    repo = Repo.open(adj_repo)
    comp = compare(load_versions(repo, DOC, ["alice"]))
    assert not comp.disagreements
    res = resolve(comp, {})
    assert signature(res) == signature(repo.annotation(DOC, "alice"))


def test_library_adjudicate_with_a_choose_callback(adj_repo):
    repo = Repo.open(adj_repo)
    seen = []

    def choose(comp, region):
        seen.append(region.kinds)
        return DROP if "missing" in region.kinds else "alice"

    out = adjudicate(repo, DOC, choose=choose, out="merged", date="2024-05-01")
    assert len(seen) == 7 and out.path == repo.annotation_path(DOC, "merged")
    res = repo.annotation(DOC, "merged")
    keys = {s.key for s in res.spans}
    assert (182, 195, "ACTOR") not in keys and (503, 509, "WEAPON") not in keys
    assert res.provenance["adjudication"]["date"] == "2024-05-01"
    with pytest.raises(Exception, match="--replace"):
        adjudicate(repo, DOC, prefer="bob", out="merged")
    with pytest.raises(Exception, match="pass name"):
        adjudicate(repo, DOC, prefer="bob", out="../escape")
