"""A chain through every lossless converter: doccano -> casus -> Label Studio -> casus -> brat -> casus ->
doccano gives identical spans, attributes and events, and the same doccano file."""

from __future__ import annotations

import json

from hypothesis import given, settings

from casus.formats import brat, conll, doccano, labelstudio

from _format_cases import FIXTURES, SCHEMA, corpora, keys


def _chain(asets, tmp):
    first = tmp / "in.jsonl"
    doccano.write(asets, first, SCHEMA)
    a1 = doccano.read(first, SCHEMA)
    labelstudio.write(a1, tmp / "tasks.json", SCHEMA)
    a2 = labelstudio.read(tmp / "tasks.json", SCHEMA)
    brat.write(a2, tmp / "brat", SCHEMA)
    a3 = brat.read(tmp / "brat", SCHEMA)
    last = tmp / "out.jsonl"
    doccano.write(a3, last, SCHEMA)
    return first, a1, a2, a3, last


@settings(max_examples=40, deadline=None)
@given(corpora())
def test_chain_doccano_labelstudio_brat_doccano(tmp_path_factory, asets):
    asets = sorted(asets, key=lambda a: a.doc_id)  # brat reads a folder in file-name order
    first, a1, a2, a3, last = _chain(asets, tmp_path_factory.mktemp("chain"))
    assert [keys(a) for a in a3] == [keys(a) for a in asets]
    assert a1 == a2 == a3 == asets
    assert last.read_bytes() == first.read_bytes()


def test_chain_from_plain_doccano_fixture(tmp_path):
    src = doccano.read(FIXTURES / "emoji_before_span.jsonl", SCHEMA)
    doccano.write(src, tmp_path / "start.jsonl", SCHEMA)
    _, a1, a2, a3, last = _chain(src, tmp_path)
    assert [keys(a) for a in a3] == [keys(a) for a in src]
    assert a3 == sorted(src, key=lambda a: a.doc_id)
    assert sorted(last.read_text(encoding="utf-8").splitlines()) == \
        sorted((tmp_path / "start.jsonl").read_text(encoding="utf-8").splitlines())
    # CoNLL with offsets keeps the same spans too (attributes and arguments are lost there)
    back = conll.loads(conll.dumps(a3, SCHEMA, offsets=True), SCHEMA)
    assert [keys(a) for a in back] == [keys(a) for a in a3]
    rec = json.loads(last.read_text(encoding="utf-8").splitlines()[0])
    assert rec["entities"][0]["start_offset"] == 5  # UTF-16 again at the end of the chain


def test_odd_but_representable_sets_survive_every_lossless_format(tmp_path):
    """Orphan TRIGGER span, attributes on a trigger span, attributes unknown to the schema, an event id
    different from its trigger id, a span at offset 0 and one ending at the end of the text."""
    from casus.model import AnnotationSet, Argument, Document, Event, Span

    doc = Document("odd-1", "😀Gunmen struck\r\nGao 💥 blast", metadata={"title": "t"})
    aset = AnnotationSet(
        doc,
        (Span("g", 0, 7, "ACTOR", {"flag": True, "note": "x"}), Span("s", 8, 14, "TRIGGER", {"odd": 3}),
         Span("l", 16, 19, "LOCATION"), Span("b", 22, 27, "TRIGGER")),
        (Event("ev", "ATTACK", "s", "shooting", (Argument("attacker", "g"), Argument("place", "l")),
               {"modality": "hypothetical", "extra": "y"}),),
        annotator="bob", provenance={"source": "test"})
    doccano.write([aset], tmp_path / "a.jsonl", SCHEMA)
    assert doccano.read(tmp_path / "a.jsonl", SCHEMA) == [aset]
    labelstudio.write([aset], tmp_path / "a.json", SCHEMA)
    assert labelstudio.read(tmp_path / "a.json", SCHEMA) == [aset]
    brat.write([aset], tmp_path / "brat", SCHEMA)
    assert brat.read(tmp_path / "brat", SCHEMA) == [aset]
