"""CoNLL BIO (one token per line) <-> casus. A lossy exchange format: read what is lost below.

Written::

    -DOCSTART-<TAB>casus-001
    <blank line>
    Gunmen<TAB>B-ACTOR
    attacked<TAB>B-ATTACK:shooting
    the<TAB>O
    ...
    <blank line between sentences>

Tokens come from :func:`casus.align.tokenize`, split additionally at every span boundary so each span
covers whole tokens; sentences from :func:`casus.align.sentence_ranges`, never cut inside a span.
Tags are ``BIO`` (default) or ``IOBES``. Entity spans are tagged with their label; with ``triggers=True``
(default) trigger spans are tagged with their event's class, ``TYPE:subtype`` (``TYPE`` without subtype;
``TRIGGER`` for a trigger anchoring no event). ``offsets=True`` adds two columns, the code-point
``start`` and ``end`` of each token in the document text (casus convention, end exclusive):
``token<TAB>start<TAB>end<TAB>tag``.

Read: a ``-DOCSTART-`` line starts a document; its first field after ``-DOCSTART-`` that is not
``-X-``/a tag is the document id (else ``<file stem>-<n>``); a file without ``-DOCSTART-`` is one
document. Blank lines end sentences. Columns (tab- or space-separated): ``token tag``;
``token start end tag`` (both middle columns integers: the casus offsets layout); or any other layout
with the tag last, e.g. CoNLL-2003's ``token POS chunk NER``. Tags: ``O``, ``B-``/``I-``/``E-``/``S-``
(BIO, IOB1 and IOBES decode the seqeval way, see :func:`casus.align.tags_to_token_spans`). A chunk
labelled with an entity label is an entity span; one labelled ``TYPE`` or ``TYPE:subtype`` of the schema
is a ``TRIGGER`` span plus an event of that type (no arguments) sharing its id; ids are generated
(``_1``, ``_2``, ...).

The text is rebuilt: without offsets, the tokens of a sentence joined by single spaces and sentences
joined by ``\\n``; with offsets, each token at its offset and every gap filled with spaces.

Lost, always: attributes (``status``, ``count``, ...), event arguments, event attributes (``modality``,
``same_as``), span and event ids, annotator, provenance, document metadata. Lost without offsets: the
original whitespace (runs, newlines, and the absence of space where a span boundary or the tokenizer
split a word: ``U.S.`` reads back as ``U . S .``), hence every offset. With offsets: only the kind of
whitespace (every whitespace character becomes a space) and whitespace after the last token. With
``triggers=False``: trigger spans and events. Not writable (ModelError): overlapping spans and spans that
start or end on whitespace, which BIO cannot place.
"""

from __future__ import annotations

import re
from typing import Iterable, NamedTuple

from ..align import sentence_ranges, span_boundaries, tag_prefixes, tags_to_token_spans, tokenize
from ..align import bio_tags as _bio_tags
from ..errors import ModelError
from ..model import ID_RE, AnnotationSet, Document, Event, Span
from ..schema import Schema
from .base import ID_GENERATED, ID_SOURCE, Format, Peek, generated_id
from .offsets import PathOrFile, format_error, read_source, write_target

__all__ = ["read", "write", "loads", "dumps"]

DOCSTART = "-DOCSTART-"
_TAG_RE = re.compile(r"^(?:O|[BIES]-\S+)$")


class _Chunk(NamedTuple):
    start: int
    end: int
    label: str




# -- write -----------------------------------------------------------------------------------------


def _doc_lines(aset: AnnotationSet, schema: Schema, offsets: bool, triggers: bool, scheme: str) -> list[str]:
    text = aset.document.text
    first_event: dict[str, Event] = {}
    for e in aset.events:
        first_event.setdefault(e.trigger, e)
    chunks: list[_Chunk] = []
    for s in aset.spans:
        if s.label == schema.trigger_label:
            if not triggers:
                continue
            label = first_event[s.id].trigger_class if s.id in first_event else s.label
        else:
            label = s.label
        if re.search(r"\s", label):
            raise ModelError(f"{aset.doc_id}: label {label!r} has whitespace; it cannot be a CoNLL tag")
        chunks.append(_Chunk(s.start, s.end, label))
    chunks.sort()
    for a, b in zip(chunks, chunks[1:]):
        if b.start < a.end:
            raise ModelError(f"{aset.doc_id}: spans {a.start}-{a.end} and {b.start}-{b.end} overlap; BIO tags are flat")
    tokens = tokenize(text, span_boundaries(chunks))
    tags, bad = _bio_tags(tokens, chunks, scheme)
    if bad:
        starts = {s for s, _ in tokens}
        ends = {e for _, e in tokens}
        which = [f"{c.start}-{c.end} {text[c.start:c.end]!r}" for c in chunks
                 if c.start not in starts or c.end not in ends]
        raise ModelError(f"{aset.doc_id}: spans starting or ending on whitespace cannot be tagged: {', '.join(which)}")
    lines = [f"{DOCSTART}\t{aset.doc_id}", ""]
    sents = sentence_ranges(text, [(c.start, c.end) for c in chunks])
    k = 0
    for _, s_end in sents:
        wrote = False
        while k < len(tokens) and tokens[k][0] < s_end:
            ts, te = tokens[k]
            cols = [text[ts:te]] + ([str(ts), str(te)] if offsets else []) + [tags[k]]
            lines.append("\t".join(cols))
            wrote = True
            k += 1
        if wrote:
            lines.append("")
    return lines


def dumps(asets: Iterable[AnnotationSet], schema: Schema, *, offsets: bool = False, triggers: bool = True,
          scheme: str = "BIO") -> str:
    lines: list[str] = []
    for aset in asets:
        lines += _doc_lines(aset, schema, offsets, triggers, scheme)
    return "".join(line + "\n" for line in lines)


def write(asets: Iterable[AnnotationSet], path: PathOrFile, schema: Schema, *, offsets: bool = False,
          triggers: bool = True, scheme: str = "BIO") -> None:
    """Write ``asets`` as CoNLL (``-DOCSTART-`` line per document). ``offsets=True`` adds start/end
    columns (code points); ``triggers=False`` tags entities only; ``scheme`` is ``BIO`` or ``IOBES``."""
    tag_prefixes(scheme)  # SchemaError for a scheme that is neither BIO nor IOBES
    write_target(path, dumps(asets, schema, offsets=offsets, triggers=triggers, scheme=scheme))


# -- read ------------------------------------------------------------------------------------------


class _Tok(NamedTuple):
    text: str
    start: int | None
    end: int | None
    tag: str
    line: int


class _Doc:
    def __init__(self, doc_id: str | None, line: int):
        self.doc_id = doc_id
        self.line = line
        self.sents: list[list[_Tok]] = [[]]
        self.with_offsets: bool | None = None


def _build(d: _Doc, default_id: str, schema: Schema, file: str, annotator: str) -> AnnotationSet:
    sents = [s for s in d.sents if s]
    placed: list[list[tuple[int, int]]] = []
    if d.with_offsets:
        parts: list[str] = []
        pos = 0
        for sent in sents:
            row = []
            for t in sent:
                assert t.start is not None and t.end is not None
                if t.end - t.start != len(t.text):
                    raise format_error(file, f"token {t.text!r} has {len(t.text)} characters but offsets "
                                       f"{t.start}-{t.end}", line=t.line)
                if t.start < pos:
                    raise format_error(file, f"token {t.text!r} at {t.start} overlaps or precedes the token "
                                       "before it", line=t.line)
                parts.append(" " * (t.start - pos) + t.text)
                pos = t.end
                row.append((t.start, t.end))
            placed.append(row)
        text = "".join(parts)
    else:
        lines: list[str] = []
        pos = 0
        for sent in sents:
            row = []
            for i, t in enumerate(sent):
                if i:
                    pos += 1
                row.append((pos, pos + len(t.text)))
                pos += len(t.text)
            lines.append(" ".join(t.text for t in sent))
            placed.append(row)
            pos += 1  # the newline
        text = "\n".join(lines)
    spans: list[Span] = []
    events: list[Event] = []
    n = 0
    for sent, row in zip(sents, placed):
        for i, j, label in tags_to_token_spans([t.tag for t in sent]):
            n += 1
            sid = f"_{n}"
            cls = schema.parse_trigger_class(label)
            if cls is not None:
                spans.append(Span(id=sid, start=row[i][0], end=row[j][1], label=schema.trigger_label))
                events.append(Event(id=sid, type=cls[0], subtype=cls[1], trigger=sid))
            else:
                spans.append(Span(id=sid, start=row[i][0], end=row[j][1], label=label))
    doc = Document(id=d.doc_id or default_id, text=text)
    return AnnotationSet(document=doc, spans=tuple(spans), events=tuple(events), annotator=annotator,
                         id_source=ID_SOURCE if d.doc_id else ID_GENERATED)


def loads(raw: str, schema: Schema, *, file: str = "<conll>", annotator: str = "gold") -> list[AnnotationSet]:
    """Parse CoNLL text (see :func:`read`)."""
    docs: list[_Doc] = []
    cur: _Doc | None = None
    for lineno, line in enumerate(raw.split("\n"), start=1):
        line = line.rstrip("\r")
        if not line.strip():
            if cur is not None and cur.sents[-1]:
                cur.sents.append([])
            continue
        fields = line.split("\t") if "\t" in line else line.split()
        fields = [f.strip() for f in fields]
        if fields[0] == DOCSTART:
            doc_id = next((f for f in fields[1:] if f and f != "-X-" and not _TAG_RE.match(f)), None)
            if doc_id is not None and not ID_RE.match(doc_id):
                raise format_error(file, f"document id {doc_id!r} is not a valid casus id", line=lineno)
            cur = _Doc(doc_id, lineno)
            docs.append(cur)
            continue
        if cur is None:
            cur = _Doc(None, lineno)
            docs.append(cur)
        if len(fields) < 2 or not all(fields):
            raise format_error(file, f"expected 'token<TAB>tag' (or more columns, tag last), got {line!r}",
                               line=lineno)
        tag = fields[-1]
        if not _TAG_RE.match(tag):
            raise format_error(file, f"tag {tag!r} is not O or B-/I-/E-/S-LABEL", line=lineno)
        start = end = None
        has_off = len(fields) == 4 and fields[1].isdigit() and fields[2].isdigit()
        if has_off:
            start, end = int(fields[1]), int(fields[2])
        if cur.with_offsets is None:
            cur.with_offsets = has_off
        elif cur.with_offsets != has_off:
            raise format_error(file, "this line's layout (with/without start end offsets) differs from the "
                               f"document's first token line ({cur.line})", line=lineno)
        cur.sents[-1].append(_Tok(fields[0], start, end, tag, lineno))
    out = []
    for k, d in enumerate(docs, start=1):
        if d.doc_id is None and not any(d.sents):
            continue
        out.append(_build(d, generated_id(file, k), schema, file, annotator))
    return out


def read(path_or_file: PathOrFile, schema: Schema, *, annotator: str = "gold") -> list[AnnotationSet]:
    """Read a CoNLL file: one AnnotationSet per ``-DOCSTART-`` document (see the module docstring for the
    layouts and what is rebuilt). Malformed input raises FormatError naming the file and line."""
    name, raw = read_source(path_or_file)
    return loads(raw, schema, file=name, annotator=annotator)


SUFFIXES = (".conll", ".conllx", ".bio", ".iob", ".iob2", ".bioes", ".iobes", ".tsv")


def looks_like(head: str) -> bool:
    """True when the first non-blank lines are CoNLL token lines (tag last) or start with -DOCSTART-."""
    lines = [ln for ln in head.splitlines() if ln.strip()][:20]
    if not lines:
        return False
    if lines[0].startswith(DOCSTART):
        return True
    return all(_TAG_RE.match(ln.split()[-1]) or ln.startswith(DOCSTART) for ln in lines if len(ln.split()) >= 2)


def _sniff(peek: Peek) -> bool:
    if peek.is_dir:
        return False
    return peek.suffix in SUFFIXES or (peek.first is None and not peek.head.lstrip().startswith(("{", "["))
                                       and not peek.head.lstrip("\ufeff").startswith("---") and looks_like(peek.head))


FORMAT = Format(
    name="conll", summary="CoNLL BIO, one token per line (lossy)", container="file", suffixes=SUFFIXES,
    offsets="none (text rebuilt from tokens), or code-point start/end columns", lossy="attributes, arguments, "
    "ids, metadata and (without offset columns) the original whitespace: see the module docstring",
    read=read, write=write, sniff=_sniff, read_options=("annotator",))
