"""casus.formats.offsets: code points <-> UTF-16 code units, CRLF <-> LF offset maps, byte-exact I/O."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casus.errors import FormatError
from casus.formats.offsets import (OffsetError, Utf16Index, annotation_to_crlf, annotation_to_lf, cp_to_utf16,
                                   crlf_to_lf, lf_to_crlf, line_endings, read_source, utf16_len, utf16_to_cp,
                                   write_target)
from casus.model import AnnotationSet, Document, Span

from _format_cases import annotation_sets

TEXTS = st.text(alphabet=st.sampled_from(list("ab \n\r\t中é") + ["😀", "𝔘", "🇺", "\U0010FFFF"]), max_size=40)


def js_index(text: str, cp: int) -> int:
    return len(text[:cp].encode("utf-16-le")) // 2


@settings(max_examples=150, deadline=None)
@given(TEXTS)
def test_utf16_matches_javascript_indices(text):
    idx = Utf16Index(text)
    assert idx.utf16_len == utf16_len(text) == len(text.encode("utf-16-le")) // 2
    for cp in range(len(text) + 1):
        u = idx.to_utf16(cp)
        assert u == js_index(text, cp)
        assert idx.from_utf16(u) == cp


def test_utf16_offset_inside_surrogate_pair_is_an_error():
    text = "a😀b"
    assert cp_to_utf16(text, 2) == 3 and utf16_to_cp(text, 3) == 2
    with pytest.raises(OffsetError, match="surrogate pair"):
        utf16_to_cp(text, 2)
    with pytest.raises(OffsetError, match="outside"):
        utf16_to_cp(text, 5)
    with pytest.raises(OffsetError):
        cp_to_utf16(text, 4)


@settings(max_examples=150, deadline=None)
@given(TEXTS, st.data())
def test_crlf_maps_keep_the_characters(text, data):
    lf, to_lf = crlf_to_lf(text, strict=False)
    assert lf == text.replace("\r\n", "\n")  # one pass: a lone CR before a CRLF stays a lone CR
    crs = {i + 1 for i in range(len(text) - 1) if text[i:i + 2] == "\r\n"}
    ok = [i for i in range(len(text) + 1) if i not in crs]
    s = data.draw(st.sampled_from(ok))
    e = data.draw(st.sampled_from([i for i in ok if i >= s]))
    assert lf[to_lf(s):to_lf(e)] == text[s:e].replace("\r\n", "\n")
    crlf, to_crlf = lf_to_crlf(lf)
    assert "\n" not in crlf.replace("\r\n", "")
    for i, ch in enumerate(lf):  # every character keeps its place; a bare LF gets a CR before it
        j = to_crlf(i)
        if ch == "\n" and (i == 0 or lf[i - 1] != "\r"):
            assert crlf[j:j + 2] == "\r\n"
        else:
            assert crlf[j] == ch
    assert to_crlf(len(lf)) == len(crlf)


def test_offset_between_cr_and_lf():
    text = "a\r\nb"
    lf, to_lf = crlf_to_lf(text)
    assert lf == "a\nb" and [to_lf(0), to_lf(1), to_lf(3), to_lf(4)] == [0, 1, 2, 3]
    with pytest.raises(OffsetError, match="CR and the LF"):
        to_lf(2)
    assert crlf_to_lf(text, strict=False)[1](2) == 1
    crlf, to_crlf = lf_to_crlf("a\nb\r\nc")  # an existing CRLF is left alone
    assert crlf == "a\r\nb\r\nc" and to_crlf(1) == 1 and to_crlf(2) == 3 and to_crlf(6) == 7


def test_line_endings():
    assert line_endings("a\nb") == "lf"
    assert line_endings("ab") == "lf"
    assert line_endings("a\r\nb\r\n") == "crlf"
    assert line_endings("a\r\nb\n") == "mixed"
    assert line_endings("a\rb") == "lf"  # a lone CR is an ordinary character


@settings(max_examples=60, deadline=None)
@given(annotation_sets(crlf=False))
def test_annotation_newline_round_trip(aset):
    crlf = annotation_to_crlf(aset)
    assert "\n" not in crlf.text.replace("\r\n", "")
    assert [crlf.span_text(s).replace("\r\n", "\n") for s in crlf.spans] == [aset.span_text(s) for s in aset.spans]
    assert annotation_to_lf(crlf) == aset


def test_annotation_to_lf_updates_sha256():
    doc = Document("d", "a\r\nb", metadata={"sha256": "x", "title": "t"})
    aset = AnnotationSet(doc, (Span("s", 3, 4, "ACTOR"),))
    lf = annotation_to_lf(aset)
    assert lf.text == "a\nb" and lf.spans[0].start == 2 and lf.document.metadata["sha256"] == lf.document.sha256


def test_read_source_keeps_crlf_and_names_the_file(tmp_path):
    p = tmp_path / "x.txt"
    p.write_bytes("\ufeffa\r\nb".encode("utf-8"))
    assert read_source(p) == (str(p), "a\r\nb")
    assert read_source(p, strip_bom=False)[1] == "\ufeffa\r\nb"
    assert read_source(io.BytesIO(b"a\r\n"))[1] == "a\r\n"
    (tmp_path / "bad.txt").write_bytes(b"ok\n\xff")
    with pytest.raises(FormatError, match=r"bad\.txt:2: not valid UTF-8"):
        read_source(tmp_path / "bad.txt")
    with pytest.raises(FormatError, match="missing.txt: file not found"):
        read_source(tmp_path / "missing.txt")
    write_target(tmp_path / "out.txt", "a\r\nb")
    assert (tmp_path / "out.txt").read_bytes() == b"a\r\nb"
    buf = io.BytesIO()
    write_target(buf, "é\r\n")
    assert buf.getvalue() == "é\r\n".encode("utf-8")
