"""The format registry: a new format is one module (here: this test) registering one Format, and every
consumer finds it — casus import / export, casus evaluate (reading and sniffing a source), interop's
read_format / write_format — with the converter reporting where each document id came from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from casus import interop
from casus.errors import CasusError, FormatError
from casus.evaluation import detect_kind, load_source
from casus.formats import registry
from casus.formats.base import ID_GENERATED, ID_SOURCE, Format, Peek, generated_id
from casus.model import AnnotationSet, Document, Span
from casus.store import Repo

from conftest import make_repo, run_cli, write_document

TEXT = "Gunmen attacked Diallassagou."


# -- the toy format: one line per document, "id|text|start:end:LABEL;..." (id may be empty) -----------------

def _read(src: Path, schema, *, annotator: str | None = None) -> list[AnnotationSet]:
    out = []
    for n, line in enumerate(Path(src).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split("|")
        if len(parts) != 3:
            raise FormatError(f"{src}:{n}: expected id|text|spans")
        doc_id, text, raw = parts
        spans = []
        for k, item in enumerate(x for x in raw.split(";") if x):
            a, b, lab = item.split(":")
            spans.append(Span(id=f"t{k + 1}", start=int(a), end=int(b), label=lab))
        out.append(AnnotationSet(document=Document(id=doc_id or generated_id(src, n), text=text), spans=tuple(spans),
                                 annotator=annotator or "gold", id_source=ID_SOURCE if doc_id else ID_GENERATED))
    return out


def _write(asets, out: Path, schema) -> None:
    lines = [f"{a.doc_id}|{a.text}|" + ";".join(f"{s.start}:{s.end}:{s.label}" for s in a.spans) for a in asets]
    Path(out).write_text("".join(x + "\n" for x in lines), encoding="utf-8")


TOY = Format(name="pipes", summary="a toy format for the registry test", container="file", suffixes=(".pipes",),
             offsets="code points", lossy="attributes, events, metadata", read=_read, write=_write,
             sniff=lambda peek: isinstance(peek, Peek) and peek.suffix == ".pipes", read_options=("annotator",))


@pytest.fixture
def toy():
    registry.register(TOY)
    yield TOY
    registry.unregister(TOY.name)


def test_builtins_are_registered_with_what_they_declare():
    names = registry.names()
    assert set(names) >= {"doccano", "labelstudio", "brat", "conll", "inline", "casus"}
    for n in names:
        f = registry.get(n)
        assert f.name == n and f.offsets and f.lossy and f.container in ("file", "folder")
    with pytest.raises(CasusError, match="unknown format 'nope'"):
        registry.get("nope")
    with pytest.raises(CasusError, match="already registered"):
        registry.register(registry.get("doccano"))


def test_a_toy_format_reaches_every_consumer(toy, tmp_path):
    repo_root = make_repo(tmp_path / "repo")
    repo = Repo(repo_root)
    src = tmp_path / "batch.pipes"
    src.write_text(f"toy-1|{TEXT}|0:6:ACTOR;16:28:LOCATION\n|{TEXT}|0:6:ACTOR\n", encoding="utf-8")

    assert "pipes" in interop.formats() and "pipes" in interop.export_formats()
    asets = interop.read_format("pipes", src, repo.schema)
    assert [a.id_source for a in asets] == [ID_SOURCE, ID_GENERATED]
    assert asets[1].doc_id == "batch-2"

    # import: the named id is kept; the generated one becomes the text-hash id (the converter said so)
    plan = interop.plan_import(repo, "pipes", src, annotator="toy")
    ids = [it.aset.doc_id for it in plan.items]
    assert ids[0] == "toy-1" and ids[1].startswith("doc-") and [it.id_from_source for it in plan.items] == [True, False]

    # the CLI: import as gold, export back, evaluate the file against gold (sniffed by its suffix)
    one = tmp_path / "one.pipes"
    one.write_text(f"toy-1|{TEXT}|0:6:ACTOR;16:28:LOCATION\n", encoding="utf-8")
    r = run_cli(["import", "pipes", str(one), "--gold"], root=repo_root)
    assert r.exit_code == 0, r.output
    assert json.loads((repo_root / "annotations" / "gold" / "toy-1.json").read_text())["spans"][1]["label"] == "LOCATION"
    out = tmp_path / "out.pipes"
    r = run_cli(["export", "pipes", str(out)], root=repo_root)
    assert r.exit_code == 0, r.output
    assert out.read_text(encoding="utf-8") == f"toy-1|{TEXT}|0:6:ACTOR;16:28:LOCATION\n"

    assert detect_kind(one) == "pipes"
    assert load_source(one, Repo(repo_root)).sets["toy-1"].spans[0].label == "ACTOR"
    pred = tmp_path / "pred.pipes"
    pred.write_text(f"toy-1|{TEXT}|0:6:ACTOR\n", encoding="utf-8")
    r = run_cli(["evaluate", "--pred", str(pred), "--format", "json"], root=repo_root)
    assert r.exit_code == 0, r.output
    res = json.loads(r.output[r.output.index("{"):])
    assert res["strict"]["micro"]["tp"] == 1 and res["strict"]["micro"]["fn"] == 1


def test_unregistered_format_is_a_clear_error(tmp_path):
    repo_root = make_repo(tmp_path / "repo")
    write_document(repo_root, "toy-1", TEXT)
    src = tmp_path / "one.pipes"
    src.write_text(f"toy-1|{TEXT}|0:6:ACTOR\n", encoding="utf-8")
    r = run_cli(["import", "pipes", str(src), "--gold"], root=repo_root)
    assert r.exit_code != 0 and "unknown format 'pipes'" in r.output and "Traceback" not in r.output


@pytest.mark.parametrize("name", ["doccano", "labelstudio", "casus"])
def test_json_sources_share_one_reader_and_its_errors(name, tmp_path):
    """Malformed JSON reads the same way in every JSON format: file, line and column."""
    repo = Repo(make_repo(tmp_path / "repo"))
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "a", "spans": []}\n{"text": \n', encoding="utf-8")
    with pytest.raises(FormatError, match=r"bad\.jsonl:2: not valid JSON \(column \d+\)"):
        registry.get(name).read_with(bad, repo.schema)
