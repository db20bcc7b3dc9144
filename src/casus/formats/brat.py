"""brat standoff (a folder of ``<id>.txt`` + ``<id>.ann``) <-> casus.

Offsets: brat counts **code points** into the ``.txt`` file decoded as UTF-8, with nothing translated
(brat's server is Python: its offsets are Python string indices, CRLF counting two). That is the casus
convention, so offsets pass unchanged; the ``.txt`` is read and written byte-exactly (a CRLF text stays
CRLF, and offsets count the CR). ``read(..., newline="lf")`` normalises CRLF to LF moving the offsets;
``write(..., newline="crlf")`` the reverse. A leading BOM is part of the text, as in brat.

Written per document::

    <id>.txt          the text, UTF-8
    <id>.ann          the annotations (below)
    <id>.casus.json   {"doc_id", "annotator", "provenance", "metadata"}: what brat has no place for
    annotation.conf   once per folder, the brat configuration for the schema (:func:`annotation_conf`)

``.ann`` encoding (brat ids are T1, E1, A1, #1 ... numbered in text/event order):

* ``T3\\tCASUALTY 120 142\\tat least 23 civilians`` — one per span (newlines/tabs in the text field are
  written as spaces). A trigger span's type is its event's type: ``TYPE-subtype`` (brat type names
  cannot hold ``:``), or ``TYPE`` without subtype, e.g. ``ATTACK-drone_strike``; a ``TRIGGER`` span that
  anchors no event is ``TRIGGER``.
* ``E1\\tATTACK-airstrike:T5 attacker:T1 victim:T3 place:T4 place2:T6`` — one per event, arguments in
  order; a repeated role is numbered brat-style (``place``, ``place2``, ``place3``), and the number is
  stripped on import when the bare name is a role of the type (or of any type).
* ``A1\\tstatus T3 killed``, ``A2\\tcount T3 23``, ``A5\\tmodality E1 claimed``, ``A6\\tsame_as E2 e1`` —
  span attributes on T ids, event attributes on E ids. A boolean ``true`` is a binary attribute (no
  value). ``same_as`` holds the casus event id (on import a brat E id is also accepted and mapped).
  Values are typed by the schema on import; attributes the schema does not know follow the inline
  format's rule (digits -> integer, true/false -> boolean, else string).
* ``#1\\tAnnotatorNotes T3\\tcasus_id=c1`` — the casus id of every T and E, so ids survive. Without a
  note a span or event takes its brat id (``T3``, ``E1``).

Import also reads ``R`` lines as event arguments (``R1\\tattacker Arg1:T5 Arg2:T1``: Arg1 or Arg2 must
be a trigger or an event), and a T line whose type is an event class but that no E line uses makes an
event with no arguments (so triggers annotated as entities plus relations work). ``M`` lines are read
like ``A`` lines. Ignored: normalisations (``N``), equivalences (``*``), and notes other than
``casus_id=...``. A T line with fragments (``0 5;9 12``) is merged when only whitespace lies between the
fragments (brat splits spans at line breaks) and is a FormatError otherwise (casus spans are
continuous). A T text field that does not match the ``.txt`` (whitespace compared loosely) is a
FormatError: usually offsets in another convention.

Lost in brat: attribute values containing whitespace (ModelError on write), the string/number
distinction for attributes unknown to the schema, and anything in notes besides the casus id. Brat
holds several events on one trigger, and triggers that are not ``TRIGGER`` spans, so every
AnnotationSet round-trips exactly (with the ``.casus.json`` beside it).

Over 450 lines on purpose: one format, one module (the registry's rule, casus.formats.registry): brat's
five annotation kinds (T, E, A/M, R, #) each need their reader and writer here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterable

from ..errors import FormatError, ModelError
from ..model import ID_RE, AnnotationSet, Argument, Document, Event, Span
from ..schema import AttributeDef, Schema
from .base import Format, Peek
from .offsets import OffsetError, convert_newlines, format_error, fresh_id, is_int, read_source, write_target

__all__ = ["read", "write", "annotation_conf", "dumps_ann"]

_SIDE = ".casus.json"
_NOTE_RE = re.compile(r"casus_id=(\S+)")
_T_RE = re.compile(r"^(T[^\t]*)\t(\S+) (\d+ \d+(?:;\d+ \d+)*)(?:\t(.*))?$")
_E_RE = re.compile(r"^(E[^\t]*)\t(\S+?)(?:\t| |$)(.*)$")
_A_RE = re.compile(r"^([AM][^\t]*)\t(\S+) (\S+)(?: (\S+))?\s*$")
_R_RE = re.compile(r"^(R[^\t]*)\t(\S+) (\S+):(\S+) (\S+):(\S+)\s*$")
_N_RE = re.compile(r"^(#[^\t]*)\t(\S+) (\S+)(?:\t(.*))?$")


def brat_type(event: Event) -> str:
    return event.type + (f"-{event.subtype}" if event.subtype else "")


def _parse_type(name: str, schema: Schema) -> tuple[str, str | None] | None:
    """(type, subtype) for a brat event type name, None for an entity/TRIGGER type."""
    if name in schema.labels or name == schema.trigger_label:
        return None
    if name in schema.event_types:
        return name, None
    for typ in sorted(schema.event_types, key=len, reverse=True):
        if name.startswith(typ + "-"):
            return typ, name[len(typ) + 1:] or None
    return None


def _parse_event_type(name: str, schema: Schema) -> tuple[str, str | None]:
    cls = _parse_type(name, schema)
    if cls is not None:
        return cls
    typ, _, sub = name.partition("-")  # a type the schema does not know
    return typ, (sub or None)


def _fmt_value(value: Any, where: str) -> str | None:
    """The A-line value (None for a binary attribute)."""
    if value is True:
        return None
    if value is False:
        return "false"
    if is_int(value):
        return str(value)
    if isinstance(value, str) and value and not re.search(r"\s", value):
        return value
    raise ModelError(f"{where}: attribute value {value!r} cannot be written in brat (one token, no whitespace)")


def _check_token(s: str, what: str) -> str:
    if not s or re.search(r"[\s:]", s):
        raise ModelError(f"{what} {s!r} cannot be a brat type or attribute name (no whitespace or ':')")
    return s


# -- write -----------------------------------------------------------------------------------------


def dumps_ann(aset: AnnotationSet, schema: Schema) -> str:
    """The ``.ann`` text for ``aset`` (offsets into ``aset.document.text`` as is)."""
    text = aset.document.text
    doc = aset.doc_id
    t_of: dict[str, str] = {}
    first_event: dict[str, Event] = {}
    for e in aset.events:
        first_event.setdefault(e.trigger, e)
    lines: list[str] = []
    notes: list[tuple[str, str]] = []
    for k, s in enumerate(aset.spans, start=1):
        tid = f"T{k}"
        t_of[s.id] = tid
        if s.label == schema.trigger_label and s.id in first_event:
            typ = brat_type(first_event[s.id])
        else:
            typ = s.label
        _check_token(typ, f"{doc}: span {s.id} type")
        surface = re.sub(r"[\t\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]", " ", text[s.start:s.end])
        lines.append(f"{tid}\t{typ} {s.start} {s.end}\t{surface}")
        notes.append((tid, s.id))
    e_of: dict[str, str] = {}
    for k, e in enumerate(aset.events, start=1):
        eid = f"E{k}"
        e_of[e.id] = eid
        parts = [f"{_check_token(brat_type(e), f'{doc}: event {e.id} type')}:{t_of[e.trigger]}"]
        seen: dict[str, int] = {}
        for a in e.args:
            n = seen[a.role] = seen.get(a.role, 0) + 1
            role = _check_token(a.role, f"{doc}: event {e.id} role")
            parts.append(f"{role}{n if n > 1 else ''}:{t_of[a.span]}")
        lines.append(f"{eid}\t{' '.join(parts)}")
        notes.append((eid, e.id))
    na = 0
    for s in aset.spans:
        for name, value in s.attrs.items():
            na += 1
            v = _fmt_value(value, f"{doc}: span {s.id} {name}")
            lines.append(f"A{na}\t{_check_token(name, 'attribute')} {t_of[s.id]}" + (f" {v}" if v is not None else ""))
    for e in aset.events:
        for name, value in e.attrs.items():
            na += 1
            v = _fmt_value(value, f"{doc}: event {e.id} {name}")
            lines.append(f"A{na}\t{_check_token(name, 'attribute')} {e_of[e.id]}" + (f" {v}" if v is not None else ""))
    for k, (bid, cid) in enumerate(notes, start=1):
        lines.append(f"#{k}\tAnnotatorNotes {bid}\tcasus_id={cid}")
    return "".join(line + "\n" for line in lines)


def annotation_conf(schema: Schema, observed: dict[str, set[str]] | None = None) -> str:
    """A brat ``annotation.conf`` for ``schema``: entity labels (and ``TRIGGER``), event types with
    ``TYPE-subtype`` children and their roles (every role ``*``: zero or more fillers), and attributes.
    brat attributes need a closed value list: enums list their values, booleans are binary, integer and
    string attributes list the values in ``observed`` (attribute name -> values seen) and are left out
    when none were seen."""
    observed = observed or {}
    out = ["# brat configuration generated by casus from annotations/schema.yaml", "", "[entities]", ""]
    out.extend(schema.entity_labels)
    out.append(schema.trigger_label)
    out += ["", "[relations]", "", "[events]", ""]
    for name, et in schema.event_types.items():
        roles = ", ".join(f"{r}*:{'|'.join(labs)}" for r, labs in et.roles.items())
        out.append(f"{name}\t{roles}")
        out.extend(f"\t{name}-{st}\t{roles}" for st in et.subtypes)
    out += ["", "[attributes]", ""]
    targets: dict[str, tuple[AttributeDef, list[str]]] = {}
    for lab, ldef in schema.labels.items():
        for attr, adef in ldef.attributes.items():
            targets.setdefault(attr, (adef, []))[1].append(lab)
    for attr, adef in schema.event_attributes.items():
        targets.setdefault(attr, (adef, []))[1].append("<EVENT>")
    for attr, (adef, labs) in targets.items():
        arg = f"Arg:{'|'.join(labs)}"
        if adef.type == "boolean":
            out.append(f"{attr}\t{arg}")
            continue
        values = list(adef.values or []) if adef.type == "enum" else sorted(
            observed.get(attr, set()), key=lambda v: (len(v), v))
        if values:
            out.append(f"{attr}\t{arg}, Value:{'|'.join(values)}")
    return "\n".join(out) + "\n"


def write(asets: Iterable[AnnotationSet], path: str | Path, schema: Schema, *, newline: str = "keep",
          conf: bool = True) -> None:
    """Write each AnnotationSet as ``<doc_id>.txt`` + ``.ann`` + ``.casus.json`` into the folder ``path``
    (created if needed), and ``annotation.conf`` when ``conf``. ``newline="crlf"`` writes the text with
    CRLF line breaks (offsets follow). Two sets with the same document id are a ModelError (brat holds
    one annotation per text)."""
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    seen: set[str] = set()
    observed: dict[str, set[str]] = {}
    for aset in asets:
        if aset.doc_id in seen:
            raise ModelError(f"{aset.doc_id}: two annotation sets for one document; brat holds one per text "
                             "(write each annotator to its own folder)")
        seen.add(aset.doc_id)
        aset = convert_newlines(aset, newline)
        ann = dumps_ann(aset, schema)
        side = {"doc_id": aset.doc_id, "annotator": aset.annotator, "provenance": dict(aset.provenance),
                "metadata": dict(aset.document.metadata)}
        write_target(folder / f"{aset.doc_id}.txt", aset.document.text)
        write_target(folder / f"{aset.doc_id}.ann", ann)
        write_target(folder / f"{aset.doc_id}{_SIDE}", json.dumps(side, ensure_ascii=False, indent=2) + "\n")
        for obj in list(aset.spans) + list(aset.events):
            for name, value in obj.attrs.items():
                if not isinstance(value, bool):
                    observed.setdefault(name, set()).add(str(value))
    if conf:
        write_target(folder / "annotation.conf", annotation_conf(schema, observed))


# -- read ------------------------------------------------------------------------------------------


def _typed(value: str | None, adef: AttributeDef | None, err: Any) -> Any:
    if adef is None:
        if value is None:
            return True
        if re.fullmatch(r"-?\d+", value):
            return int(value)
        if value in ("true", "false"):
            return value == "true"
        return value
    if adef.type == "boolean":
        if value is None or value == "true":
            return True
        if value == "false":
            return False
        raise err(f"boolean attribute value {value!r} must be absent, true or false")
    if value is None:
        raise err("this attribute needs a value")
    if adef.type == "integer":
        if not re.fullmatch(r"-?\d+", value):
            raise err(f"integer attribute value {value!r} is not an integer")
        return int(value)
    return value


def _loose(s: str) -> str:
    return " ".join(s.split())


def _read_one(ann_path: Path, txt_path: Path, schema: Schema, newline: str, annotator: str | None) -> AnnotationSet:
    _, text = read_source(txt_path, strip_bom=False)
    afile, ann = read_source(ann_path)
    side_path = txt_path.with_name(txt_path.stem + _SIDE)
    side: dict[str, Any] = {}
    if side_path.is_file():
        sname, sraw = read_source(side_path)
        try:
            side = json.loads(sraw)
        except json.JSONDecodeError as exc:
            raise format_error(sname, f"not valid JSON: {exc.msg}", line=exc.lineno) from exc
        if not isinstance(side, dict) or not all(isinstance(side.get(k, {}), dict) for k in ("provenance", "metadata")):
            raise format_error(sname, "must be an object with provenance and metadata objects")
    doc_id = side.get("doc_id") or txt_path.stem
    if not isinstance(doc_id, str) or not ID_RE.match(doc_id):
        raise format_error(str(txt_path), f"document id {doc_id!r} (the file name) is not a valid casus id")

    tlines: dict[str, tuple[int, str, int, int]] = {}  # brat id -> (line, type, start, end)
    elines: list[tuple[int, str, str, list[tuple[str, str]]]] = []
    alines: list[tuple[int, str, str, str, str | None]] = []
    rlines: list[tuple[int, str, str, str, str, str]] = []
    notes: dict[str, str] = {}
    ids: set[str] = set()
    n = len(text)
    for lineno, line in enumerate(ann.split("\n"), start=1):
        line = line.rstrip("\r")
        if not line.strip():
            continue

        def err(msg: str, _l: int = lineno) -> FormatError:
            return format_error(afile, msg, line=_l)

        head = line[0]
        if head in "TEARM#":
            bid = line.split("\t", 1)[0]
            if bid in ids:
                raise err(f"id {bid} is used twice")
            ids.add(bid)
        if head == "T":
            m = _T_RE.match(line)
            if not m:
                raise err("cannot read T line; expected 'T1<TAB>LABEL start end<TAB>text'")
            bid, typ, frag, surface = m.groups()
            pieces = [tuple(int(x) for x in f.split(" ")) for f in frag.split(";")]
            for s, e in pieces:
                if not 0 <= s < e <= n:
                    raise err(f"{bid}: fragment {s} {e} is empty, reversed or outside the text (length {n})")
            pieces.sort()
            for (s1, e1), (s2, e2) in zip(pieces, pieces[1:]):
                if s2 < e1 or text[e1:s2].strip():
                    raise err(f"{bid}: discontinuous span ({frag}); casus spans are continuous — join or split it")
            start, end = pieces[0][0], pieces[-1][1]
            if surface is not None and _loose(surface) != _loose(text[start:end]):
                raise err(f"{bid}: text {surface!r} does not match the .txt at {start}-{end} "
                          f"({text[start:end]!r}); are the offsets in another convention?")
            tlines[bid] = (lineno, typ, start, end)
        elif head == "E":
            m = _E_RE.match(line)
            if not m or ":" not in m.group(2):
                raise err("cannot read E line; expected 'E1<TAB>TYPE:T1 role:T2 ...'")
            bid, trig_part, rest = m.groups()
            typ, _, trig = trig_part.rpartition(":")
            args = []
            for tok in rest.split():
                role, sep, target = tok.rpartition(":")
                if not sep or not role or not target:
                    raise err(f"{bid}: cannot read argument {tok!r}; expected role:T1")
                args.append((role, target))
            elines.append((lineno, bid, f"{typ}:{trig}", args))
        elif head in "AM":
            m = _A_RE.match(line)
            if not m:
                raise err("cannot read attribute line; expected 'A1<TAB>name T1 [value]'")
            alines.append((lineno, m.group(1), m.group(2), m.group(3), m.group(4)))
        elif head == "R":
            m = _R_RE.match(line)
            if not m:
                raise err("cannot read R line; expected 'R1<TAB>type Arg1:T1 Arg2:T2'")
            rlines.append((lineno, *m.groups()))  # type: ignore[arg-type]
        elif head == "#":
            m = _N_RE.match(line)
            if not m:
                raise err("cannot read note line; expected '#1<TAB>AnnotatorNotes T1<TAB>text'")
            nm = _NOTE_RE.search(m.group(4) or "")
            if m.group(2) == "AnnotatorNotes" and nm:
                notes[m.group(3)] = nm.group(1)
        elif head in "N*":
            continue
        else:
            raise err(f"unknown line type {head!r}; brat standoff lines start with T, E, A, M, R, N, * or #")

    e_ids = {row[1] for row in elines}
    for bid, cid in notes.items():
        if bid not in tlines and bid not in e_ids:
            raise format_error(afile, f"note gives casus_id={cid} to {bid}, which is not a T or E line")
        if not ID_RE.match(cid):
            raise format_error(afile, f"casus_id {cid!r} of {bid} is not a valid id")
    used: set[str] = set(notes.values())

    def cid_of(bid: str) -> str:
        if bid in notes:
            return notes[bid]
        cid = bid if (ID_RE.match(bid) and bid not in used) else fresh_id(used)
        used.add(cid)
        notes[bid] = cid
        return cid

    # spans
    span_label: dict[str, str] = {}
    trig_cls: dict[str, tuple[str, str | None]] = {}
    for bid, (lineno, typ, s, e) in sorted(tlines.items(), key=lambda kv: kv[1][0]):
        cls = _parse_type(typ, schema)
        if cls is not None:
            trig_cls[bid] = cls
        span_label[bid] = schema.trigger_label if (cls is not None or typ == schema.trigger_label) else typ
        cid_of(bid)

    # events
    ev_trigger: dict[str, str] = {}  # E bid -> T bid
    ev_rows: list[tuple[str, str, str | None, str, list[Argument], int]] = []  # (E bid, type, sub, T bid, args, line)
    for lineno, bid, trig_part, raw_args in elines:
        typ_name, _, trig = trig_part.rpartition(":")
        if trig not in tlines:
            raise format_error(afile, f"{bid}: trigger {trig} is not a T line", line=lineno)
        ev_trigger[bid] = trig
        typ, sub = _parse_event_type(typ_name, schema)
        ev_rows.append((bid, typ, sub, trig, [], lineno))
        cid_of(bid)
    for (bid, typ, sub, trig, args, lineno), (_, _, _, raw_args) in zip(list(ev_rows), elines):
        et = schema.event_types.get(typ)
        known = set(et.roles) if et else set(schema.all_roles)
        for role, target in raw_args:
            if role not in known:
                mm = re.fullmatch(r"(.*?)(\d+)", role)
                if mm and (mm.group(1) in known or mm.group(1) in schema.all_roles):
                    role = mm.group(1)
            if target in tlines:
                args.append(Argument(role=role, span=notes[target]))
            elif target in ev_trigger:
                args.append(Argument(role=role, span=notes[ev_trigger[target]]))
            else:
                raise format_error(afile, f"{bid}: argument {role}:{target} refers to no T or E line", line=lineno)
    # triggers without an E line make an event
    with_event = set(ev_trigger.values())
    for bid in sorted(trig_cls, key=lambda b: tlines[b][0]):
        if bid not in with_event:
            typ, sub = trig_cls[bid]
            cid = notes[bid]
            eid = cid if cid not in {notes.get(r[0]) for r in ev_rows} else fresh_id(used)
            ev_rows.append((f"@{bid}", typ, sub, bid, [], tlines[bid][0]))
            notes[f"@{bid}"] = eid
            ev_trigger[f"@{bid}"] = bid
    # relations -> arguments
    by_trigger: dict[str, list[int]] = {}
    for i, row in enumerate(ev_rows):
        by_trigger.setdefault(row[3], []).append(i)
    ev_index = {row[0]: i for i, row in enumerate(ev_rows)}

    def event_at(ref: str) -> int | None:
        if ref in ev_index:
            return ev_index[ref]
        rows = by_trigger.get(ref, [])
        return rows[0] if len(rows) == 1 else (-1 if rows else None)

    for lineno, bid, rtype, k1, a1, k2, a2 in rlines:
        for ref in (a1, a2):
            if ref not in tlines and ref not in ev_index:
                raise format_error(afile, f"{bid}: {ref} is not a T or E line", line=lineno)
        i1, i2 = event_at(a1), event_at(a2)
        if i1 is not None and i1 >= 0:
            idx, other = i1, a2
        elif i2 is not None and i2 >= 0:
            idx, other = i2, a1
        elif -1 in (i1, i2):
            raise format_error(afile, f"{bid}: its trigger anchors several events; say which with an E id",
                               line=lineno)
        else:
            raise format_error(afile, f"{bid} ({rtype}) joins {a1} and {a2}, neither a trigger nor an event; "
                               "casus keeps only event-argument relations", line=lineno)
        target = notes[ev_trigger[other]] if other in ev_trigger and other not in tlines else notes[other]
        ev_rows[idx][4].append(Argument(role=rtype, span=target))

    # attributes
    span_attrs: dict[str, dict[str, Any]] = {bid: {} for bid in tlines}
    ev_attrs: dict[str, dict[str, Any]] = {row[0]: {} for row in ev_rows}
    event_cids = {notes[row[0]] for row in ev_rows}
    for lineno, bid, name, target, value in alines:
        def aerr(msg: str, _l: int = lineno, _b: str = bid) -> FormatError:
            return format_error(afile, f"{_b}: {msg}", line=_l)

        if target in tlines:
            ldef = schema.labels.get(span_label[target])
            adef = ldef.attributes.get(name) if ldef else None
            bucket = span_attrs[target]
        elif target in ev_attrs and not target.startswith("@"):
            adef = schema.event_attributes.get(name)
            bucket = ev_attrs[target]
        else:
            raise aerr(f"attribute {name} is on {target}, which is not a T or E line")
        if name in bucket:
            raise aerr(f"{target} has two {name!r} attributes")
        v = _typed(value, adef, aerr)
        if adef is not None and adef.type == "event_ref" and isinstance(v, str) and v not in event_cids \
                and v in ev_index:
            v = notes[v]
        bucket[name] = v

    try:
        spans = [Span(id=notes[bid], start=s, end=e, label=span_label[bid], attrs=span_attrs[bid])
                 for bid, (_, _, s, e) in tlines.items()]
        events = [Event(id=notes[bid], type=typ, subtype=sub, trigger=notes[trig], args=tuple(args),
                        attrs=ev_attrs[bid]) for bid, typ, sub, trig, args, _ in ev_rows]
        doc = Document(id=doc_id, text=text, metadata=side.get("metadata") or {})
        aset = AnnotationSet(document=doc, spans=tuple(spans), events=tuple(events),
                             annotator=annotator or side.get("annotator") or "gold",
                             provenance=side.get("provenance") or {})
        return convert_newlines(aset, newline)
    except (ModelError, OffsetError) as exc:
        raise format_error(afile, str(exc)) from exc


def read(path: str | Path, schema: Schema, *, newline: str = "keep", annotator: str | None = None) -> list[AnnotationSet]:
    """Read brat standoff: a folder (every ``*.ann`` with its ``.txt``, sorted by name) or one ``.ann`` /
    ``.txt`` file. ``newline="lf"`` normalises CRLF texts to LF (offsets follow). Malformed input raises
    FormatError naming the ``.ann`` file and line."""
    p = Path(path)
    if not p.exists():
        raise format_error(str(p), "not found (brat input is a folder of .txt + .ann files, or one .ann)")
    if p.is_dir():
        anns = sorted(p.glob("*.ann"))
    elif p.suffix in (".ann", ".txt"):
        anns = [p.with_suffix(".ann")]
    else:
        raise format_error(str(p), "not a folder, .ann or .txt file")
    out = []
    for ann in anns:
        txt = ann.with_suffix(".txt")
        if not txt.is_file():
            raise format_error(str(ann), f"no text file {txt.name} beside it")
        if not ann.is_file():
            raise format_error(str(ann), "file not found")
        out.append(_read_one(ann, txt, schema, newline, annotator))
    return out


def _sniff(peek: Peek) -> bool:
    if peek.is_dir:
        return any(peek.path.glob("*.ann"))
    return peek.suffix == ".ann"


FORMAT = Format(
    name="brat", summary="brat standoff: a folder of .txt + .ann (+ .casus.json sidecars)", container="folder",
    suffixes=(".ann",), offsets="code points, end exclusive (a BOM counts as a character)",
    lossy="nothing for casus exports (the sidecar keeps ids and metadata); plain brat data has no casus ids",
    read=read, write=write, sniff=_sniff, read_options=("newline", "annotator"), write_options=("newline",))
