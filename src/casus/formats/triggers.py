"""Triggers in the tool formats: one event per TRIGGER span, labelled with the event's trigger class."""

from __future__ import annotations

from ..errors import ModelError
from ..model import AnnotationSet, Event
from ..schema import Schema


def events_by_trigger(aset: AnnotationSet, schema: Schema, fmt: str) -> dict[str, Event]:
    """Trigger span id -> its event, refusing what a format with one event per trigger region cannot hold."""
    spans = aset.span_by_id()
    out: dict[str, Event] = {}
    for e in aset.events:
        if spans[e.trigger].label != schema.trigger_label:
            raise ModelError(f"{aset.doc_id}: event {e.id} has trigger {e.trigger}, a {spans[e.trigger].label} span; "
                             f"only {schema.trigger_label} spans can carry an event in {fmt}")
        if e.trigger in out:
            raise ModelError(f"{aset.doc_id}: trigger span {e.trigger} anchors events {out[e.trigger].id} and {e.id}; "
                             f"{fmt} holds one event per trigger")
        out[e.trigger] = e
    return out
