"""MUC-4 (MUC-3/4 terrorism corpus) in the GRIT/GTT processed JSON -> casus.

**Role-filler files** (GRIT, ``data/muc/processed/{train,dev,test}.json``): JSON lines
``{"docid", "doctext", "extracts": {role: [entity, ...]}}``, roles ``PerpInd PerpOrg Target Victim
Weapon``; an entity is a list of coreferent mentions ``[mention_string, char_offset]``, merged over a
document's templates (one generic "template" per document). The text is lower-cased, newlines replaced by
spaces, and so are the mentions.

*Mention strings -> spans.* The data has no annotated occurrences: GRIT's ``preprocess.py`` stores for
each mention ``doctext.index(mention)``, the first occurrence of the string (a raw substring search, not
limited to word boundaries), and its scorer (CEAF-REE, :mod:`casus.metrics.ceaf`) compares normalised
*strings*, never offsets, so which occurrence a span sits on does not change a CEAF-REE score. Hence:

* ``occurrences="first"`` (default): one span per mention, at the first exact, case-sensitive
  occurrence of the string in ``doctext`` (the data is lower-cased on both sides, so this is "case as in
  the data"). This reproduces the stored offsets exactly; an offset that disagrees is counted in
  ``offset_mismatches`` (0 in the release).
* ``occurrences="all"``: a span on every non-overlapping occurrence of the string (same raw search).
  Consistent supervision for a token tagger (a later occurrence of a filler string is not labelled O).

Raw substring search finds strings inside longer words ("terrorist" in "terrorists": 17 spans of the
test split with ``"first"``); they are counted in ``partial_word_spans``. ``whole_words=True`` skips such
occurrences (a mention then sits on its first/every whole-word occurrence, and one with none is
unmatched); the default keeps GRIT's raw search.

A mention whose string does not occur in ``doctext`` gets no span and is listed in ``unmatched``
(0 of 3,307 / 750 / 812 train/dev/test mentions in the release, because GRIT's preprocessing had already
dropped such mentions: :func:`upstream_unfound` lists the key strings it dropped, 94 / 10 / 23 distinct
(document, role, string); with ``whole_words=True`` 15 / 1 / 0 mentions are unmatched). Its string stays in the gold
entities, which are the data as given. Two mentions of one role with the same string produce one span
(counted in ``duplicate_spans``). Spans of different roles may coincide or nest (a ``PerpOrg`` inside a
``PerpInd`` phrase): they are kept, so these AnnotationSets can hold overlapping spans; the count of
overlapping span pairs is ``overlapping_pairs``.

Spans are labelled by role (benchmark labels, not casus schema labels), ids ``<role>.<entity>.<mention>``
(plus ``.<occurrence>`` with ``"all"``), attrs ``{"entity": i, "mention": j}`` (0-based, as in the file).

**Templates** (GTT, same path in ``xinyadu/gtt``): the same documents with ``"templates": [{"incident_type",
PerpInd, ...}, ...]``, several events per document, none for documents without a relevant incident.
:func:`load_templates` reads them into :class:`Template` objects (role -> entities -> mention strings).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from ..model import AnnotationSet, Document, Span
from .offsets import PathOrFile, format_error, read_source

__all__ = [
    "ROLES",
    "KEY_SLOTS",
    "Entities",
    "UnmatchedMention",
    "Muc4Split",
    "Template",
    "load_grit",
    "read_grit",
    "load_templates",
    "grit_numeric_id",
    "upstream_unfound",
]

ROLES = ("PerpInd", "PerpOrg", "Target", "Victim", "Weapon")
# slot names of the brendano/muc4_proc keys -> role (GRIT's tag2role)
KEY_SLOTS = {
    "perp_individual_id": "PerpInd",
    "perp_organization_id": "PerpOrg",
    "phys_tgt_id": "Target",
    "hum_tgt_name": "Victim",
    "incident_instrument_id": "Weapon",
}

Entities = dict[str, list[list[str]]]  # role -> entities -> mention strings


@dataclass(frozen=True)
class UnmatchedMention:
    doc_id: str
    role: str
    entity: int
    mention: str


@dataclass(frozen=True)
class Template:
    """One GTT template: an incident type and its role fillers (role -> entities -> mention strings)."""

    incident_type: str
    fillers: Mapping[str, tuple[tuple[str, ...], ...]]

    def entities(self) -> Entities:
        return {r: [list(e) for e in self.fillers.get(r, ())] for r in ROLES}


@dataclass
class Muc4Split:
    asets: list[AnnotationSet]
    entities: dict[str, Entities]  # doc id -> role -> entities -> mention strings (the gold for CEAF-REE)
    occurrences: str
    unmatched: list[UnmatchedMention] = field(default_factory=list)
    offset_mismatches: list[tuple[str, str, str, int, int]] = field(default_factory=list)  # doc, role, mention, stored, found
    whole_words: bool = False
    duplicate_spans: int = 0
    overlapping_pairs: int = 0
    partial_word_spans: int = 0  # spans starting or ending inside a word ("terrorist" in "terrorists")

    def counts(self) -> dict[str, Any]:
        """Documents, documents with a filler, and per role the entities and mentions (as in SOURCE.md)."""
        ent: Counter = Counter()
        men: Counter = Counter()
        with_filler = 0
        for by_role in self.entities.values():
            if any(by_role.get(r) for r in ROLES):
                with_filler += 1
            for r in ROLES:
                ent[r] += len(by_role.get(r, []))
                men[r] += sum(len(e) for e in by_role.get(r, []))
        spans = Counter(s.label for a in self.asets for s in a.spans)
        return {
            "documents": len(self.asets),
            "documents_with_filler": with_filler,
            "entities": {r: ent[r] for r in ROLES},
            "mentions": {r: men[r] for r in ROLES},
            "spans": {r: spans[r] for r in ROLES},
            "unmatched_mentions": len(self.unmatched),
            "offset_mismatches": len(self.offset_mismatches),
            "duplicate_spans": self.duplicate_spans,
            "overlapping_pairs": self.overlapping_pairs,
            "partial_word_spans": self.partial_word_spans,
        }


def grit_numeric_id(doc_id: str) -> str:
    """The key GRIT's ``eval.py`` and prediction files use: ``TST3-MUC4-0012`` -> ``"30012"`` (TST1..4).
    Ids of another shape (``DEV-MUC3-0001``) are returned unchanged."""
    parts = doc_id.split("-")
    if len(parts) >= 2 and parts[0][-1:].isdigit() and parts[-1].isdigit():
        return str(int(parts[0][-1]) * 10000 + int(parts[-1]))
    return doc_id


def _inside_word(text: str, start: int, end: int) -> bool:
    """True when the range starts or ends inside a word (an alphanumeric character on both sides)."""
    return ((start > 0 and text[start - 1].isalnum() and text[start].isalnum())
            or (end < len(text) and text[end - 1].isalnum() and text[end].isalnum()))


def _occurrences(text: str, s: str, mode: str, whole_words: bool) -> list[int]:
    if not s:
        return []
    out = []
    pos = text.find(s)
    while pos >= 0:
        if not (whole_words and _inside_word(text, pos, pos + len(s))):
            out.append(pos)
            if mode == "first":
                break
        pos = text.find(s, pos + (len(s) if out and out[-1] == pos else 1))
    return out


def _entity_strings(entity: Any) -> list[str]:
    """An entity as mention strings: GRIT rows are ``[mention, offset]`` pairs; bare strings are accepted."""
    out = []
    for m in entity:
        out.append(m[0] if isinstance(m, (list, tuple)) else m)
    return out


def _count_overlaps(spans: list[Span]) -> int:
    n = 0
    ordered = sorted(spans, key=lambda s: (s.start, s.end))
    for i, a in enumerate(ordered):
        for b in ordered[i + 1:]:
            if b.start >= a.end:
                break
            n += 1
    return n


def _rows(path_or_file: PathOrFile) -> tuple[str, list[tuple[int, dict[str, Any]]]]:
    name, raw = read_source(path_or_file)
    rows = []
    for n, line in enumerate(raw.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            rows.append((n, json.loads(line)))
        except json.JSONDecodeError as exc:
            raise format_error(name, f"not a JSON line: {exc.msg}", line=n) from exc
    return name, rows


def load_grit(path_or_file: PathOrFile, *, occurrences: str = "first", whole_words: bool = False,
              annotator: str = "gold") -> Muc4Split:
    """Read a GRIT role-filler file (JSON lines; see the module docstring for the mapping decisions).
    ``whole_words=True`` skips occurrences that start or end inside a word."""
    if occurrences not in ("first", "all"):
        raise ValueError(f"occurrences must be 'first' or 'all', not {occurrences!r}")
    name, rows = _rows(path_or_file)
    split = Muc4Split(asets=[], entities={}, occurrences=occurrences, whole_words=whole_words)
    for line, row in rows:
        try:
            doc_id, text, extracts = row["docid"], row["doctext"], row["extracts"]
        except (KeyError, TypeError) as exc:
            raise format_error(name, "expected an object with docid, doctext and extracts", line=line) from exc
        unknown = set(extracts) - set(ROLES)
        if unknown:
            raise format_error(name, f"{doc_id}: unknown roles {sorted(unknown)} (expected {list(ROLES)})", line=line)
        by_role: Entities = {}
        spans: list[Span] = []
        seen: set[tuple[int, int, str]] = set()
        for role in ROLES:
            by_role[role] = []
            for ei, entity in enumerate(extracts.get(role, [])):
                mentions = _entity_strings(entity)
                by_role[role].append(mentions)
                for mi, m in enumerate(entity):
                    s = mentions[mi]
                    found = _occurrences(text, s, occurrences, whole_words)
                    if not found:
                        split.unmatched.append(UnmatchedMention(doc_id, role, ei, s))
                        continue
                    if not whole_words and isinstance(m, (list, tuple)) and len(m) > 1 and m[1] != found[0]:
                        split.offset_mismatches.append((doc_id, role, s, m[1], found[0]))
                    for k, start in enumerate(found):
                        key = (start, start + len(s), role)
                        if key in seen:
                            split.duplicate_spans += 1
                            continue
                        seen.add(key)
                        if _inside_word(text, start, start + len(s)):
                            split.partial_word_spans += 1
                        sid = f"{role}.{ei}.{mi}" + (f".{k}" if occurrences == "all" else "")
                        spans.append(Span(id=sid, start=start, end=start + len(s), label=role,
                                          attrs={"entity": ei, "mention": mi}))
        split.overlapping_pairs += _count_overlaps(spans)
        split.entities[doc_id] = by_role
        doc = Document(id=doc_id, text=text, metadata={"benchmark": "muc4", "grit_id": grit_numeric_id(doc_id)})
        split.asets.append(AnnotationSet(document=doc, spans=tuple(spans), annotator=annotator,
                                         provenance={"benchmark": "muc4", "format": "grit_ree",
                                                     "occurrences": occurrences,
                                                     "whole_words": whole_words}))
    return split


def read_grit(path_or_file: PathOrFile, *, occurrences: str = "first", whole_words: bool = False,
              annotator: str = "gold") -> list[AnnotationSet]:
    """:func:`load_grit` without the gold entities and counts."""
    return load_grit(path_or_file, occurrences=occurrences, whole_words=whole_words, annotator=annotator).asets


def load_templates(path_or_file: PathOrFile) -> dict[str, list[Template]]:
    """Read a GTT template file: doc id -> templates in file order (an empty list: no incident)."""
    name, rows = _rows(path_or_file)
    out: dict[str, list[Template]] = {}
    for line, row in rows:
        try:
            doc_id, templates = row["docid"], row["templates"]
        except (KeyError, TypeError) as exc:
            raise format_error(name, "expected an object with docid and templates", line=line) from exc
        temps = []
        for t in templates:
            if "incident_type" not in t:
                raise format_error(name, f"{doc_id}: a template without incident_type", line=line)
            unknown = set(t) - set(ROLES) - {"incident_type"}
            if unknown:
                raise format_error(name, f"{doc_id}: unknown template slots {sorted(unknown)}", line=line)
            fillers = {r: tuple(tuple(_entity_strings(e)) for e in t.get(r, [])) for r in ROLES}
            temps.append(Template(incident_type=t["incident_type"], fillers=fillers))
        out[doc_id] = temps
    return out


def upstream_unfound(doc_file: PathOrFile, keys_file: PathOrFile,
                     roles: Iterable[str] = ROLES) -> list[UnmatchedMention]:
    """Key strings that GRIT's preprocessing dropped because they do not occur in the text.

    Reads the brendano/muc4_proc style ``doc_<split>`` (JSON lines with ``docid`` and ``text``) and
    ``keys_<split>`` (``%%%``-separated JSON templates) files, rebuilds GRIT's ``doctext`` (lower-cased,
    ``\\n`` -> space) and lists each distinct (document, role, lower-cased string) of the five role slots
    that is not a substring of it. ``entity`` is -1: these strings are in no GRIT entity."""
    wanted = set(roles)
    _, drows = _rows(doc_file)
    texts: dict[str, str] = {}
    for _, row in drows:
        t = row["text"].lower()
        texts[row["docid"]] = " ".join(" ".join(p.split("\n")) for p in t.split("\n\n"))
    kname, raw = read_source(keys_file)
    out: list[UnmatchedMention] = []
    seen: set[tuple[str, str, str]] = set()
    for chunk in raw.split("%%%"):
        if not chunk.strip():
            continue
        try:
            tmpl = json.loads(chunk)
        except json.JSONDecodeError as exc:
            raise format_error(kname, f"a template that is not JSON: {exc.msg}") from exc
        doc_id = tmpl[0][1]
        for slot, value in tmpl[1:]:
            role = KEY_SLOTS.get(slot)
            if role is None or role not in wanted or not value:
                continue
            for s in value.get("strings", []):
                s = s.lower()
                key = (doc_id, role, s)
                if key in seen:
                    continue
                seen.add(key)
                if s not in texts.get(doc_id, ""):
                    out.append(UnmatchedMention(doc_id, role, -1, s))
    return out
