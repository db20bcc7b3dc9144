"""The inline contributor format: a plain-text article with inline markup (GUIDELINES section 3).

    ---
    id: casus-001
    title: ...
    date: 2022-06-19
    ---
    [Gunmen](ACTOR #a1) [attacked](ATTACK:shooting #e1 attacker=a1 victim=c1) a market in
    [Diallassagou](LOCATION #l1), killing [at least 23 civilians](CASUALTY #c1 status=killed count=23
    count_qualifier=at_least group=civilian).

Offsets: the document text is the body with markup removed; spans get code-point offsets into it
(end exclusive). Line endings must be LF (a CR is a markup error, reported with its line). A trigger
markup creates a TRIGGER span and an event that share one id. Values: unquoted digits are integers,
unquoted true/false are booleans, anything quoted is a string. Errors carry file, line and column.

Over 450 lines on purpose: one format, one module (casus.formats.registry): the parser (header, markup,
values, with line and column for every error), the writer and the folder reader.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import yaml

from ..atomic import atomic_write
from ..errors import FormatError, InlineSyntaxError, ModelError, Problem, ValidationFailed
from ..model import AnnotationSet, Document, annotation_from_dict, text_sha256
from ..schema import Schema
from ..checks import check_annotation, check_hard_negative, check_metadata
from .base import Format, Peek

AUTO_PREFIX = "_"
_TOKEN_RE = re.compile(r'\s*(?:"((?:[^"\\]|\\.)*)"|(\S+))')
_PLAIN_VALUE_RE = re.compile(r"\A[^\s\"()\[\]\\,=]+\Z")


@dataclass
class _Mark:
    start: int
    end: int
    line: int
    col: int
    annotation: str
    ann_line: int
    ann_col: int


@dataclass
class ParsedInline:
    document: Document
    annotation: AnnotationSet


def _value(raw: str, quoted: bool) -> Any:
    if quoted:
        return raw.replace('\\"', '"').replace("\\\\", "\\")
    if re.fullmatch(r"-?\d+", raw):
        try:
            return int(raw)
        except ValueError:  # more digits than Python converts: keep the text, the validator reports it
            return raw
    if raw in ("true", "false"):
        return raw == "true"
    return raw


def _split_header(raw: str, file: str) -> tuple[dict[str, Any], str, int, list[Problem]]:
    """Return (metadata, body, body_first_line, problems)."""
    problems: list[Problem] = []
    if not raw.startswith("---\n"):
        problems.append(Problem(file=file, code="missing-header", line=1, column=1,
                                message="the file must start with a '---' line opening the YAML header",
                                hint="add '---', the metadata (id: ...), and a closing '---' line"))
        return {}, "", 1, problems
    end = raw.find("\n---\n", 3)
    if end < 0:
        if raw.endswith("\n---"):
            end = len(raw) - 4
        else:
            problems.append(Problem(file=file, code="unclosed-header", line=1, column=1,
                                    message="the YAML header is not closed by a '---' line", hint="add a '---' line after the metadata"))
            return {}, "", 1, problems
    header = raw[4:end + 1]
    body = raw[end + 5:]
    body_line = header.count("\n") + 3
    try:
        meta = yaml.load(header, Loader=yaml.BaseLoader) or {}
    except (yaml.YAMLError, RecursionError, ValueError) as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.append(Problem(file=file, code="bad-header", message=f"the header is not valid YAML: {getattr(exc, 'problem', exc)}",
                                line=(mark.line + 2) if mark else 2, column=(mark.column + 1) if mark else None,
                                hint="write one 'key: value' per line"))
        return {}, body, body_line, problems
    if not isinstance(meta, dict):
        problems.append(Problem(file=file, code="bad-header", line=2, message="the header must be 'key: value' lines",
                                hint="write one 'key: value' per line"))
        meta = {}
    return meta, body, body_line, problems


def _scan_body(body: str, file: str, first_line: int) -> tuple[str, list[_Mark], list[Problem]]:
    out: list[str] = []
    marks: list[_Mark] = []
    problems: list[Problem] = []
    line, col = first_line, 1
    i, n = 0, len(body)
    open_at: tuple[int, int, int] | None = None  # (text offset, line, col)

    def err(code: str, msg: str, hint: str, ln: int, cl: int) -> None:
        problems.append(Problem(file=file, code=code, message=msg, hint=hint, line=ln, column=cl))

    pos = 0  # length of out so far
    while i < n:
        ch = body[i]
        if ch == "\r":
            err("carriage-return", "a CR (\\r) character: the inline format is LF-only", "save the file with LF line endings",
                line, col)
            i += 1
            col += 1
            continue
        if ch == "\\":
            nxt = body[i + 1] if i + 1 < n else ""
            if nxt in ("[", "]", "\\"):
                out.append(nxt)
                pos += 1
                i += 2
                col += 2
                continue
            err("bad-escape", f"backslash before {nxt!r}", "write a literal backslash as \\\\; only \\[ \\] \\\\ are escapes",
                line, col)
            out.append(ch)
            pos += 1
            i += 1
            col += 1
            continue
        if ch == "[":
            if open_at is not None:
                err("nested-markup", "'[' inside a span: markup cannot nest (the layer is flat)",
                    "close the open span first, or write a literal bracket as \\[", line, col)
            else:
                open_at = (pos, line, col)
            i += 1
            col += 1
            continue
        if ch == "]":
            if open_at is None:
                err("unmatched-bracket", "']' without an opening '['", "write a literal bracket as \\]", line, col)
                i += 1
                col += 1
                continue
            if i + 1 >= n or body[i + 1] != "(":
                err("missing-annotation", "']' must be followed directly by '(LABEL ...)'",
                    "add the annotation, e.g. [text](ACTOR #a1), or escape the brackets", line, col)
                open_at = None
                i += 1
                col += 1
                continue
            # read the annotation up to the closing ')' outside quotes
            j = i + 2
            in_q = False
            while j < n:
                c = body[j]
                if c == "\\" and in_q:
                    j += 2
                    continue
                if c == '"':
                    in_q = not in_q
                elif c == ")" and not in_q:
                    break
                j += 1
            ann_line, ann_col = line, col + 2
            if j >= n:
                err("unclosed-annotation", "'(' of the annotation is never closed by ')'", "close it with ')'", line, col + 1)
                open_at = None
                break
            annotation = body[i + 2:j]
            s_off, s_line, s_col = open_at
            marks.append(_Mark(s_off, pos, s_line, s_col, annotation, ann_line, ann_col))
            open_at = None
            consumed = body[i:j + 1]
            nl = consumed.count("\n")
            if nl:
                line += nl
                col = len(consumed) - consumed.rfind("\n")
            else:
                col += len(consumed)
            i = j + 1
            continue
        out.append(ch)
        pos += 1
        i += 1
        if ch == "\n":
            line += 1
            col = 1
        else:
            col += 1
    if open_at is not None:
        err("unclosed-span", "'[' is never closed by ']('", "close the span or write a literal bracket as \\[",
            open_at[1], open_at[2])
    return "".join(out), marks, problems


def _tokens(annotation: str) -> list[tuple[str, bool]] | None:
    toks: list[tuple[str, bool]] = []
    pos = 0
    s = annotation.strip()
    while pos < len(s):
        m = _TOKEN_RE.match(s, pos)
        if not m or m.end() == pos:
            return None
        if m.group(1) is not None:
            toks.append((m.group(1), True))
        else:
            tok = m.group(2)
            if '"' in tok:
                # key="quoted value"
                k, _, rest = tok.partition("=")
                qm = re.compile(r'"((?:[^"\\]|\\.)*)"').match(s, m.start(2) + len(k) + 1)
                if not rest.startswith('"') or not qm:
                    return None
                toks.append((f"{k}=", False))
                toks.append((qm.group(1), True))
                pos = qm.end()
                continue
            toks.append((tok, False))
        pos = m.end()
    return toks


def parse(raw: str, schema: Schema, file: str = "<inline>") -> ParsedInline:
    """Parse an inline-markup file into a Document and its AnnotationSet.

    Raises :class:`InlineSyntaxError` with every markup and validation problem (each with line/column).
    """
    meta, body, first_line, problems = _split_header(raw, file)
    if problems and not body:
        raise InlineSyntaxError(problems)
    text, marks, scan_problems = _scan_body(body, file, first_line)
    problems += scan_problems

    spans: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    where: dict[tuple[str, str], tuple[int, int]] = {}
    explicit = set(re.findall(r"(?:^|\s)#(\S+)", " ".join(mk.annotation for mk in marks)))
    auto = 0
    for mk in marks:
        toks = _tokens(mk.annotation)
        if not toks or toks[0][1]:
            problems.append(Problem(file=file, code="bad-annotation", line=mk.ann_line, column=mk.ann_col,
                                    message=f"cannot read annotation ({mk.annotation})",
                                    hint="write (LABEL #id key=value ...) with double quotes around values with spaces"))
            continue
        head = toks[0][0]
        ident: str | None = None
        kv: list[tuple[str, Any]] = []
        k_pending: str | None = None
        bad = False
        for tok, quoted in toks[1:]:
            if k_pending is not None:
                kv.append((k_pending, _value(tok, quoted)))
                k_pending = None
            elif not quoted and tok.startswith("#"):
                if ident is not None:
                    problems.append(Problem(file=file, code="two-ids", line=mk.ann_line, column=mk.ann_col,
                                            message=f"two ids in one annotation ({mk.annotation})", hint="keep one #id"))
                ident = tok[1:]
            elif not quoted and tok.endswith("=") and tok.count("=") == 1:
                k_pending = tok[:-1]
            elif not quoted and "=" in tok:
                k, _, v = tok.partition("=")
                kv.append((k, _value(v, False)))
            else:
                bad = True
                problems.append(Problem(file=file, code="bad-token", line=mk.ann_line, column=mk.ann_col,
                                        message=f"cannot read {tok!r} in ({mk.annotation})",
                                        hint="use #id or key=value; quote values with spaces"))
        if k_pending is not None:
            bad = True
            problems.append(Problem(file=file, code="missing-value", line=mk.ann_line, column=mk.ann_col,
                                    message=f"{k_pending}= has no value in ({mk.annotation})",
                                    hint=f"write {k_pending}=<value> or remove it"))
        if bad:
            continue
        if ident is None:
            auto += 1
            while f"{AUTO_PREFIX}{auto}" in explicit:
                auto += 1
            ident = f"{AUTO_PREFIX}{auto}"
        surface = text[mk.start:mk.end]
        typ, _, subtype = head.partition(":")
        if typ in schema.event_types:
            et = schema.event_types[typ]
            args: list[dict[str, str]] = []
            attrs: dict[str, Any] = {}
            for k, v in kv:
                if k in et.roles or (k in schema.all_roles and k not in schema.event_attributes):
                    for target in str(v).split(","):
                        args.append({"role": k, "span": target})
                else:
                    attrs[k] = v
            spans.append({"id": ident, "start": mk.start, "end": mk.end, "label": schema.trigger_label,
                          "text": surface, "attrs": {}})
            events.append({"id": ident, "type": typ, "subtype": subtype or None, "trigger": ident,
                           "args": args, "attrs": attrs})
            where[("event", ident)] = (mk.ann_line, mk.ann_col)
        else:
            if subtype:
                problems.append(Problem(file=file, code="unknown-event-type", line=mk.ann_line, column=mk.ann_col,
                                        obj_id=ident, message=f"{typ!r} is not an event type, so it takes no ':{subtype}'",
                                        hint=f"event types: {', '.join(schema.event_type_names)}"))
            spans.append({"id": ident, "start": mk.start, "end": mk.end, "label": head, "text": surface,
                          "attrs": dict(kv)})
        where.setdefault(("span", ident), (mk.line, mk.col))

    doc_id = meta.get("id")
    data = {"doc_id": doc_id, "text_sha256": text_sha256(text), "annotator": meta.get("annotator", "gold"),
            "spans": spans, "events": events}
    problems += check_annotation(data, text, schema, file, lambda k, i, *_: where.get((k, i)))
    doc_meta = {k: v for k, v in meta.items() if k not in ("id", "annotator")}
    doc_meta["sha256"] = text_sha256(text)
    problems += [Problem(file=p.file, code=p.code, message=p.message, hint=p.hint, line=p.line or 2, column=p.column,
                         obj_id=p.obj_id, severity=p.severity)
                 for p in check_metadata(doc_meta, text, file) if p.code != "crlf"]
    problems += check_hard_negative(doc_meta, data, file)
    if not isinstance(doc_id, str):
        problems.append(Problem(file=file, code="missing-id", line=2, message="the header has no 'id'",
                                hint="add 'id: <document id>' to the header"))
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise InlineSyntaxError(problems)
    try:
        doc = Document(id=doc_id, text=text, metadata=doc_meta)
        aset = annotation_from_dict(data, doc)
    except ModelError as exc:  # pragma: no cover - check_annotation covers these
        raise InlineSyntaxError([Problem(file=file, code="invalid", message=str(exc))]) from exc
    return ParsedInline(document=doc, annotation=aset)


def _fmt_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    s = str(v)
    if _PLAIN_VALUE_RE.match(s) and not re.fullmatch(r"-?\d+|true|false", s) and not s.startswith("#"):
        return s
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def dump(aset: AnnotationSet, schema: Schema) -> str:
    """Write an AnnotationSet as inline markup. Lossless for anything the format can express.

    Raises :class:`~casus.errors.ModelError` for what it cannot express: overlapping spans, a trigger
    span that is not the trigger of exactly one event sharing its id, or an event id differing from it.
    """
    doc = aset.document
    text = doc.text
    meta = {"id": doc.id}
    meta.update({k: v for k, v in doc.metadata.items() if k != "sha256"})
    if aset.annotator != "gold":
        meta["annotator"] = aset.annotator
    header = yaml.safe_dump({k: ("" if v is None else str(v)) for k, v in meta.items()}, sort_keys=False,
                            allow_unicode=True, width=10_000)
    by_trigger: dict[str, list] = {}
    for e in aset.events:
        by_trigger.setdefault(e.trigger, []).append(e)
    parts: list[str] = []
    pos = 0
    for s in aset.spans:
        if s.start < pos:
            raise ModelError(f"{doc.id}: span {s.id} overlaps an earlier span; the inline format is flat")
        parts.append(_escape(text[pos:s.start]))
        if s.label == schema.trigger_label:
            evs = by_trigger.get(s.id, [])
            if len(evs) != 1 or evs[0].id != s.id:
                raise ModelError(f"{doc.id}: trigger span {s.id} must anchor exactly one event with the same id "
                                 "to be written inline")
            e = evs[0]
            head = e.trigger_class
            fields = [head, f"#{s.id}"] + [f"{a.role}={_fmt_value(a.span)}" for a in e.args]
            fields += [f"{k}={_fmt_value(v)}" for k, v in e.attrs.items()]
        else:
            fields = [s.label, f"#{s.id}"] + [f"{k}={_fmt_value(v)}" for k, v in s.attrs.items()]
        parts.append(f"[{_escape(text[s.start:s.end])}]({' '.join(fields)})")
        pos = s.end
    for e in aset.events:
        if e.trigger not in {s.id for s in aset.spans if s.label == schema.trigger_label}:
            raise ModelError(f"{doc.id}: event {e.id} has no TRIGGER span; cannot be written inline")
    parts.append(_escape(text[pos:]))
    return "---\n" + header + "---\n" + "".join(parts)


# -- files and folders -----------------------------------------------------------------------------

SUFFIX = ".casus.txt"


def _looks_inline(head: str) -> bool:
    return head.lstrip("\ufeff").startswith("---")


def files_of(src: Path) -> list[Path]:
    """The inline files of ``src``: the file itself, or a folder's ``*.casus.txt`` files (else its ``*.txt``
    and ``*.md`` files that open with a ``---`` header), sorted by name."""
    if src.is_file():
        return [src]
    if not src.is_dir():
        raise FormatError(f"{src}: file not found")
    files = sorted(src.glob(f"*{SUFFIX}"))
    if not files:
        files = [f for f in sorted(src.glob("*.txt")) + sorted(src.glob("*.md"))
                 if _looks_inline(f.read_text(encoding="utf-8", errors="replace")[:200])]
    if not files:
        raise FormatError(f"{src}: no *{SUFFIX} files in this folder")
    return files


def read(src: str | Path, schema: Schema) -> list[AnnotationSet]:
    """Read one inline file or a folder of them. Every file is parsed; any markup error in any of them
    raises ValidationFailed listing them all (file, line, column)."""
    out: list[AnnotationSet] = []
    problems: list[Problem] = []
    for f in files_of(Path(src)):
        try:
            raw = f.read_bytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.append(Problem(file=str(f), code="not-utf8", message=f"not valid UTF-8 at byte {exc.start}",
                                    hint="save the file as UTF-8"))
            continue
        try:
            out.append(parse(raw, schema, str(f)).annotation)
        except InlineSyntaxError as exc:
            problems += exc.problems
    if [p for p in problems if p.severity == "error"]:
        raise ValidationFailed(problems)
    return out


def write(asets: Iterable[AnnotationSet], out: str | Path, schema: Schema) -> None:
    """Write ``<doc_id>.casus.txt`` per AnnotationSet into the folder ``out``; every file is rendered first
    (all or nothing: a ModelError writes none)."""
    texts = {a.doc_id: dump(a, schema) for a in asets}
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for doc_id, text in texts.items():
        atomic_write(out / f"{doc_id}{SUFFIX}", text)


def _sniff(peek: Peek) -> bool:
    if peek.is_dir:
        try:
            files_of(peek.path)
            return True
        except FormatError:
            return False
    return _looks_inline(peek.head)


FORMAT = Format(
    name="inline", summary="inline contributor markup (*.casus.txt, GUIDELINES section 3)", container="folder",
    suffixes=(SUFFIX,), offsets="none in the file (markup in the text); code points after parsing",
    lossy="nothing it can express; overlapping spans cannot be written", read=read, write=write, sniff=_sniff)
