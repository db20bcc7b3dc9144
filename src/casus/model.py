"""The core annotation model. Every format converts to and from these types.

Offsets: character offsets into ``Document.text`` in Unicode code points (Python string indices),
end exclusive: ``document.text[span.start:span.end]`` is the span's text.

Objects are frozen and check their own invariants on construction (raising :class:`ModelError`).
Checks that need the schema (labels, attribute values, roles) live in :mod:`casus.validate`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Mapping

from .errors import ModelError

ID_RE = re.compile(r"\A[A-Za-z0-9_][A-Za-z0-9_.\-]*\Z")


def text_sha256(text: str) -> str:
    """sha256 of the UTF-8 bytes of a document text (the fingerprint stored in metadata)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _freeze(mapping: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class Document:
    id: str
    text: str
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not ID_RE.match(self.id):
            raise ModelError(f"document id {self.id!r} must match {ID_RE.pattern}")
        if not isinstance(self.text, str):
            raise ModelError(f"document {self.id}: text must be a string")
        object.__setattr__(self, "metadata", _freeze(self.metadata))

    @property
    def sha256(self) -> str:
        return text_sha256(self.text)


@dataclass(frozen=True)
class Span:
    """A labelled character range. ``end`` is exclusive. ``attrs`` holds label attributes."""

    id: str
    start: int
    end: int
    label: str
    attrs: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not ID_RE.match(self.id):
            raise ModelError(f"span id {self.id!r} must match {ID_RE.pattern}")
        for name in ("start", "end"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int):
                raise ModelError(f"span {self.id}: {name} must be an integer, got {v!r}")
        if self.start < 0 or self.start >= self.end:
            raise ModelError(f"span {self.id}: need 0 <= start < end, got start={self.start} end={self.end}")
        if not isinstance(self.label, str) or not self.label:
            raise ModelError(f"span {self.id}: label must be a non-empty string")
        object.__setattr__(self, "attrs", _freeze(self.attrs))

    @property
    def key(self) -> tuple[int, int, str]:
        """The identity used for strict matching: (start, end, label)."""
        return (self.start, self.end, self.label)

    def overlaps(self, other: "Span") -> bool:
        return self.start < other.end and other.start < self.end

    def to_dict(self, text: str | None = None) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "start": self.start, "end": self.end, "label": self.label}
        if text is not None:
            d["text"] = text[self.start : self.end]
        d["attrs"] = dict(self.attrs)
        return d


@dataclass(frozen=True)
class Argument:
    role: str
    span: str  # span id

    def __post_init__(self) -> None:
        if not self.role or not isinstance(self.role, str):
            raise ModelError("argument role must be a non-empty string")
        if not isinstance(self.span, str) or not self.span:
            raise ModelError(f"argument {self.role}: span must be a span id")


@dataclass(frozen=True)
class Event:
    """An event frame: type, optional subtype, a trigger span id, and role arguments (span ids)."""

    id: str
    type: str
    trigger: str
    subtype: str | None = None
    args: tuple[Argument, ...] = ()
    attrs: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not ID_RE.match(self.id):
            raise ModelError(f"event id {self.id!r} must match {ID_RE.pattern}")
        if not isinstance(self.type, str) or not self.type:
            raise ModelError(f"event {self.id}: type must be a non-empty string")
        object.__setattr__(self, "args", tuple(self.args))
        for a in self.args:
            if not isinstance(a, Argument):
                raise ModelError(f"event {self.id}: arguments must be Argument objects")
        object.__setattr__(self, "attrs", _freeze(self.attrs))

    @property
    def trigger_class(self) -> str:
        """``TYPE:subtype`` (or ``TYPE``): the class of the trigger tag layer and of tool labels."""
        return self.type + (f":{self.subtype}" if self.subtype else "")

    @property
    def modality(self) -> str:
        return str(self.attrs.get("modality", "asserted"))

    def fillers(self, role: str) -> list[str]:
        return [a.span for a in self.args if a.role == role]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "subtype": self.subtype,
            "trigger": self.trigger,
            "args": [{"role": a.role, "span": a.span} for a in self.args],
            "attrs": dict(self.attrs),
        }


@dataclass(frozen=True)
class AnnotationSet:
    """One annotator's annotation of one document."""

    document: Document
    spans: tuple[Span, ...] = ()
    events: tuple[Event, ...] = ()
    annotator: str = "gold"
    provenance: Mapping[str, Any] = field(default_factory=dict)
    # where the document id came from when a converter read it: "source" (the file names it) or "generated"
    # (the converter made one, casus.formats.base.generated_id); not part of the annotation's value
    id_source: str = field(default="source", compare=False, repr=False)

    def __post_init__(self) -> None:
        spans = tuple(sorted(self.spans, key=lambda s: (s.start, s.end, s.label, s.id)))
        object.__setattr__(self, "spans", spans)
        object.__setattr__(self, "events", tuple(self.events))
        object.__setattr__(self, "provenance", _freeze(self.provenance))
        n = len(self.document.text)
        seen: set[str] = set()
        for s in spans:
            if s.end > n:
                raise ModelError(f"{self.document.id}: span {s.id} end {s.end} beyond text length {n}")
            if s.id in seen:
                raise ModelError(f"{self.document.id}: duplicate span id {s.id}")
            seen.add(s.id)
        for e in self.events:
            if e.trigger not in seen:
                raise ModelError(f"{self.document.id}: event {e.id} trigger {e.trigger} is not a span id")
            for a in e.args:
                if a.span not in seen:
                    raise ModelError(f"{self.document.id}: event {e.id} argument {a.role} -> {a.span} is not a span id")

    @property
    def doc_id(self) -> str:
        return self.document.id

    @property
    def text(self) -> str:
        return self.document.text

    def span_by_id(self) -> dict[str, Span]:
        return {s.id: s for s in self.spans}

    def span_text(self, span: Span) -> str:
        return self.document.text[span.start : span.end]

    def entities(self, trigger_label: str = "TRIGGER") -> list[Span]:
        return [s for s in self.spans if s.label != trigger_label]

    def triggers(self, trigger_label: str = "TRIGGER") -> list[Span]:
        return [s for s in self.spans if s.label == trigger_label]

    def with_(self, **changes: Any) -> "AnnotationSet":
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """The on-disk annotation JSON (see README, "Annotation files")."""
        out: dict[str, Any] = {
            "doc_id": self.document.id,
            "text_sha256": self.document.sha256,
            "annotator": self.annotator,
        }
        if self.provenance:
            out["provenance"] = dict(self.provenance)
        out["spans"] = [s.to_dict(self.document.text) for s in self.spans]
        out["events"] = [e.to_dict() for e in self.events]
        return out


def span_from_dict(d: Mapping[str, Any]) -> Span:
    return Span(id=d["id"], start=d["start"], end=d["end"], label=d["label"], attrs=d.get("attrs") or {})


def event_from_dict(d: Mapping[str, Any]) -> Event:
    return Event(
        id=d["id"],
        type=d["type"],
        subtype=d.get("subtype"),
        trigger=d["trigger"],
        args=tuple(Argument(role=a["role"], span=a["span"]) for a in d.get("args") or []),
        attrs=d.get("attrs") or {},
    )


def annotation_from_dict(d: Mapping[str, Any], document: Document) -> AnnotationSet:
    return AnnotationSet(
        document=document,
        spans=tuple(span_from_dict(s) for s in d.get("spans") or []),
        events=tuple(event_from_dict(e) for e in d.get("events") or []),
        annotator=d.get("annotator", "gold"),
        provenance=d.get("provenance") or {},
    )

