"""Offset conventions at the format boundary, and the byte-exact I/O the converters share.

casus counts offsets in **Unicode code points** (Python string indices), end exclusive, into the
document text exactly as stored. Tools count differently, and every converter translates at its
boundary, explicitly, with the helpers here:

* **UTF-16 code units** (JavaScript string indices: doccano, Label Studio). A character outside the
  Basic Multilingual Plane (an "astral" character: most emoji, some CJK ideographs, ...) is one code
  point but two UTF-16 code units (a surrogate pair). :class:`Utf16Index` converts both ways for one
  text; an offset that falls between the two halves of a surrogate pair is an :class:`OffsetError`.
* **Line endings.** casus keeps a text as it is given. The corpus is LF-only, so an imported text with
  CRLF line breaks may be normalised: :func:`crlf_to_lf` returns the LF text and a function mapping
  offsets of the CRLF text to offsets of the LF text; :func:`lf_to_crlf` does the reverse for export
  to a tool that wants CRLF. Only the pair ``\\r\\n`` is a CRLF line break; a lone ``\\r`` is an
  ordinary character and is never touched. :func:`annotation_to_lf` / :func:`annotation_to_crlf` apply
  the mapping to a whole :class:`~casus.model.AnnotationSet` (text, spans, and a ``sha256`` metadata
  field if there is one).

I/O: :func:`read_source` reads bytes and decodes UTF-8 *without* newline translation (a text-mode
``open()`` would silently turn CRLF into LF and shift every offset after it), and :func:`write_target`
writes UTF-8 bytes exactly (atomically for paths). Pass files opened in binary mode, or in text mode
with ``newline=""``.

Malformed input is reported with :func:`format_error`, a :class:`~casus.errors.FormatError` whose
message starts with the file and the place (``file:line:`` or ``file: task 3:``); the error also carries
``file`` and ``where`` attributes.
"""

from __future__ import annotations

import bisect
import io
import re
from dataclasses import replace
from pathlib import Path
from typing import IO, Any, Callable, Union

from ..errors import FormatError
from ..model import AnnotationSet, Document, text_sha256

PathOrFile = Union[str, Path, IO[str], IO[bytes]]

__all__ = [
    "OffsetError",
    "Utf16Index",
    "OffsetConverter",
    "utf16_len",
    "cp_to_utf16",
    "utf16_to_cp",
    "line_endings",
    "crlf_to_lf",
    "lf_to_crlf",
    "annotation_to_lf",
    "annotation_to_crlf",
    "convert_newlines",
    "read_source",
    "write_target",
    "format_error",
]


class OffsetError(ValueError):
    """An offset that does not exist in the target convention (out of range, inside a surrogate pair
    or inside a CRLF pair). Converters turn it into a FormatError naming the file and place."""


# -- UTF-16 ----------------------------------------------------------------------------------------


def _is_astral(ch: str) -> bool:
    return ord(ch) > 0xFFFF


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (JavaScript's ``text.length``)."""
    return len(text) + sum(1 for ch in text if _is_astral(ch))


class Utf16Index:
    """Offset conversion between code points and UTF-16 code units for one text.

    ``to_utf16(cp)`` and ``from_utf16(u)`` accept boundary offsets ``0..len`` (inclusive, so that an
    exclusive end at the end of the text converts). O(log n) per offset after O(n) set-up.
    """

    def __init__(self, text: str):
        self.text = text
        self._astral = [i for i, ch in enumerate(text) if _is_astral(ch)]
        # UTF-16 index of the high surrogate of the k-th astral character.
        self._u_start = [cp + k for k, cp in enumerate(self._astral)]
        self.cp_len = len(text)
        self.utf16_len = len(text) + len(self._astral)

    @property
    def identity(self) -> bool:
        """True when both conventions agree on every offset (no astral characters)."""
        return not self._astral

    def to_utf16(self, cp: int) -> int:
        if isinstance(cp, bool) or not isinstance(cp, int) or not 0 <= cp <= self.cp_len:
            raise OffsetError(f"code-point offset {cp!r} outside the text (0..{self.cp_len})")
        return cp + bisect.bisect_left(self._astral, cp)

    def from_utf16(self, u: int) -> int:
        if isinstance(u, bool) or not isinstance(u, int) or not 0 <= u <= self.utf16_len:
            raise OffsetError(f"UTF-16 offset {u!r} outside the text (0..{self.utf16_len} code units)")
        k = bisect.bisect_left(self._u_start, u)  # astral characters starting before u
        if k and self._u_start[k - 1] + 1 == u:
            cp = self._astral[k - 1]
            raise OffsetError(f"UTF-16 offset {u} falls inside the surrogate pair of {self.text[cp]!r} "
                              f"(code point {cp})")
        return u - k


class OffsetConverter:
    """A format's offset convention for one text: ``"utf16"`` (UTF-16 code units) or ``"codepoint"``.
    ``to_cp`` converts a file offset to casus, ``from_cp`` the reverse; both raise OffsetError."""

    def __init__(self, text: str, convention: str):
        if convention not in ("utf16", "codepoint"):
            raise ValueError(f"offsets must be 'utf16' or 'codepoint', not {convention!r}")
        self.convention = convention
        self._idx = Utf16Index(text) if convention == "utf16" else None
        self._n = len(text)

    def to_cp(self, offset: int) -> int:
        if self._idx is not None:
            return self._idx.from_utf16(offset)
        if isinstance(offset, bool) or not isinstance(offset, int) or not 0 <= offset <= self._n:
            raise OffsetError(f"offset {offset!r} outside the text (0..{self._n})")
        return offset

    def from_cp(self, offset: int) -> int:
        if self._idx is not None:
            return self._idx.to_utf16(offset)
        if isinstance(offset, bool) or not isinstance(offset, int) or not 0 <= offset <= self._n:
            raise OffsetError(f"offset {offset!r} outside the text (0..{self._n})")
        return offset


def cp_to_utf16(text: str, offset: int) -> int:
    """One code-point offset of ``text`` as a UTF-16 offset (use :class:`Utf16Index` for many)."""
    return Utf16Index(text).to_utf16(offset)


def utf16_to_cp(text: str, offset: int) -> int:
    """One UTF-16 offset of ``text`` as a code-point offset (use :class:`Utf16Index` for many)."""
    return Utf16Index(text).from_utf16(offset)


# -- line endings ----------------------------------------------------------------------------------

_BARE_LF = re.compile(r"(?<!\r)\n")


def line_endings(text: str) -> str:
    """``"crlf"`` when every line break is CRLF (and there is one), ``"mixed"`` when both CRLF and a
    bare LF occur, else ``"lf"`` (also for a text without line breaks)."""
    crlf = text.count("\r\n")
    if not crlf:
        return "lf"
    return "crlf" if crlf == text.count("\n") else "mixed"


def crlf_to_lf(text: str, *, strict: bool = True) -> tuple[str, Callable[[int], int]]:
    """Replace every CRLF by LF. Returns ``(lf_text, to_lf)`` where ``to_lf`` maps an offset of
    ``text`` to the same place in ``lf_text``.

    An offset between the CR and the LF of one pair raises :class:`OffsetError` when ``strict``; else it
    maps to the LF.
    """
    crs = [m.start() for m in re.finditer("\r\n", text)]
    n = len(text)

    def to_lf(offset: int) -> int:
        if isinstance(offset, bool) or not isinstance(offset, int) or not 0 <= offset <= n:
            raise OffsetError(f"offset {offset!r} outside the text (0..{n})")
        k = bisect.bisect_left(crs, offset)  # pairs whose CR is before offset
        if strict and k and crs[k - 1] == offset - 1:
            raise OffsetError(f"offset {offset} falls between the CR and the LF of a CRLF line break")
        return offset - k

    return text.replace("\r\n", "\n"), to_lf


def lf_to_crlf(text: str) -> tuple[str, Callable[[int], int]]:
    """Replace every bare LF (one not already preceded by CR) by CRLF. Returns ``(crlf_text, to_crlf)``
    mapping offsets of ``text`` to offsets of ``crlf_text``. An offset just before an LF stays before
    the inserted CR."""
    bare = [m.start() for m in _BARE_LF.finditer(text)]
    n = len(text)

    def to_crlf(offset: int) -> int:
        if isinstance(offset, bool) or not isinstance(offset, int) or not 0 <= offset <= n:
            raise OffsetError(f"offset {offset!r} outside the text (0..{n})")
        return offset + bisect.bisect_left(bare, offset)

    return _BARE_LF.sub("\r\n", text), to_crlf


def _remap(aset: AnnotationSet, new_text: str, fn: Callable[[int], int]) -> AnnotationSet:
    doc = aset.document
    meta = dict(doc.metadata)
    if "sha256" in meta:
        meta["sha256"] = text_sha256(new_text)
    new_doc = Document(id=doc.id, text=new_text, metadata=meta)
    spans = tuple(replace(s, start=fn(s.start), end=fn(s.end)) for s in aset.spans)
    return replace(aset, document=new_doc, spans=spans)


def annotation_to_lf(aset: AnnotationSet) -> AnnotationSet:
    """The same annotation on the text with CRLF replaced by LF. A span boundary inside a CRLF pair
    raises :class:`OffsetError`. Returns ``aset`` itself when the text has no CRLF."""
    if "\r\n" not in aset.document.text:
        return aset
    new_text, fn = crlf_to_lf(aset.document.text)
    return _remap(aset, new_text, fn)


def annotation_to_crlf(aset: AnnotationSet) -> AnnotationSet:
    """The same annotation on the text with every bare LF replaced by CRLF."""
    if not _BARE_LF.search(aset.document.text):
        return aset
    new_text, fn = lf_to_crlf(aset.document.text)
    return _remap(aset, new_text, fn)


def convert_newlines(aset: AnnotationSet, newline: str) -> AnnotationSet:
    """Apply a converter's ``newline`` option: ``"keep"`` (the text as it is), ``"lf"`` or ``"crlf"``."""
    if newline == "keep":
        return aset
    if newline == "lf":
        return annotation_to_lf(aset)
    if newline == "crlf":
        return annotation_to_crlf(aset)
    raise ValueError(f"newline must be 'keep', 'lf' or 'crlf', not {newline!r}")


# -- I/O -------------------------------------------------------------------------------------------


def source_name(source: Any) -> str:
    if isinstance(source, (str, Path)):
        return str(source)
    return str(getattr(source, "name", "<stream>"))


def read_source(source: PathOrFile, *, strip_bom: bool = True) -> tuple[str, str]:
    """Return ``(name, text)`` of a path or an open file, decoded as UTF-8 with line endings untouched.

    ``strip_bom`` drops a leading U+FEFF (right for JSON/CoNLL; brat ``.txt`` files keep it, because
    brat counts it as a character).
    """
    name = source_name(source)
    if isinstance(source, (str, Path)):
        try:
            raw: Any = Path(source).read_bytes()
        except FileNotFoundError as exc:
            raise format_error(name, "file not found") from exc
        except IsADirectoryError as exc:
            raise format_error(name, "is a folder, not a file") from exc
    else:
        raw = source.read()
    if isinstance(raw, (bytes, bytearray)):
        try:
            text = bytes(raw).decode("utf-8")
        except UnicodeDecodeError as exc:
            line = bytes(raw)[: exc.start].count(b"\n") + 1
            raise format_error(name, f"not valid UTF-8 (byte {exc.start})", line=line) from exc
    else:
        text = raw
    if strip_bom and text.startswith("\ufeff"):
        text = text[1:]
    return name, text


def write_target(target: PathOrFile, text: str) -> None:
    """Write ``text`` as UTF-8 without newline translation: atomically to a path, or to an open file
    (binary, or text mode opened with ``newline=""``)."""
    if isinstance(target, (str, Path)):
        from ..atomic import atomic_write

        atomic_write(Path(target), text)
    elif isinstance(target, (io.RawIOBase, io.BufferedIOBase)) or "b" in str(getattr(target, "mode", "")):
        target.write(text.encode("utf-8"))  # type: ignore[arg-type]
    else:
        target.write(text)  # type: ignore[arg-type]


def format_error(file: str, message: str, *, line: int | None = None, where: str | None = None) -> FormatError:
    """A FormatError whose message starts with the file and the place: ``file:12: message`` for a line,
    ``file: task 3, result 2: message`` for an item."""
    if line is not None:
        head = f"{file}:{line}"
        place = f"line {line}"
    elif where:
        head = f"{file}: {where}"
        place = where
    else:
        head = file
        place = None
    err = FormatError(f"{head}: {message}")
    err.file = file  # type: ignore[attr-defined]
    err.where = place  # type: ignore[attr-defined]
    err.line = line  # type: ignore[attr-defined]
    return err


def is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def fresh_id(used: set[str], prefix: str = "_") -> str:
    """The first ``{prefix}1``, ``{prefix}2``, ... not in ``used`` (added to it). casus reserves ids
    starting with ``_`` for generated ones."""
    k = 1
    while f"{prefix}{k}" in used:
        k += 1
    ident = f"{prefix}{k}"
    used.add(ident)
    return ident
