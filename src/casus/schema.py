"""Load and query the annotation schema (``annotations/schema.yaml``).

The schema is data: labels, their attributes, the trigger label, event types with subtypes and the
labels each role accepts. Nothing in casus hard-codes the label list; it is always read from here.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .align import tag_prefixes
from .errors import SchemaError


class AttributeDef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["enum", "integer", "string", "boolean", "event_ref"]
    values: list[str] | None = None
    min: int | None = None
    max: int | None = None
    required: bool = False

    @model_validator(mode="after")
    def _enum_has_values(self) -> "AttributeDef":
        if self.type == "enum" and not self.values:
            raise ValueError("an enum attribute needs a non-empty `values` list")
        return self

    def check(self, value: Any) -> str | None:
        """Return a message if ``value`` is not allowed, else None."""
        if self.type == "enum":
            if value not in (self.values or []):
                return f"value {value!r} is not one of {self.values}"
        elif self.type == "integer":
            if isinstance(value, bool) or not isinstance(value, int):
                return f"value {value!r} is not an integer"
            if self.min is not None and value < self.min:
                return f"value {value} is below the minimum {self.min}"
            if self.max is not None and value > self.max:
                return f"value {value} is above the maximum {self.max}"
        elif self.type in ("string", "event_ref"):
            if not isinstance(value, str) or not value:
                return f"value {value!r} is not a non-empty string"
        elif self.type == "boolean":
            if not isinstance(value, bool):
                return f"value {value!r} is not true/false"
        return None


class LabelDef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    description: str = ""
    attributes: dict[str, AttributeDef] = Field(default_factory=dict)


class EventTypeDef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    description: str = ""
    subtypes: list[str] = Field(default_factory=list)
    roles: dict[str, list[str]]


class Schema(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int = 1
    labels: dict[str, LabelDef]
    trigger_label: str = "TRIGGER"
    event_attributes: dict[str, AttributeDef] = Field(default_factory=dict)
    event_types: dict[str, EventTypeDef] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> "Schema":
        if not self.labels:
            raise ValueError("the schema needs at least one label")
        if self.trigger_label in self.labels:
            raise ValueError(f"trigger_label {self.trigger_label!r} must not also be an entity label")
        for name, et in self.event_types.items():
            for role, allowed in et.roles.items():
                for lab in allowed:
                    if lab not in self.labels:
                        raise ValueError(f"event type {name}, role {role}: unknown label {lab!r}")
        return self

    # -- queries -------------------------------------------------------------------------------
    @cached_property
    def entity_labels(self) -> list[str]:
        """Entity labels in schema order (the order of BIO tags)."""
        return list(self.labels)

    @cached_property
    def event_type_names(self) -> list[str]:
        return list(self.event_types)

    @cached_property
    def trigger_classes(self) -> list[str]:
        """Trigger tag classes: ``TYPE`` or ``TYPE:subtype`` for every subtype, in schema order."""
        out: list[str] = []
        for name, et in self.event_types.items():
            if et.subtypes:
                out.extend(f"{name}:{st}" for st in et.subtypes)
            else:
                out.append(name)
        return out

    @cached_property
    def all_roles(self) -> list[str]:
        roles: list[str] = []
        for et in self.event_types.values():
            for r in et.roles:
                if r not in roles:
                    roles.append(r)
        return roles

    def parse_trigger_class(self, label: str) -> tuple[str, str | None] | None:
        """(type, subtype) for a trigger-class label (``ATTACK:airstrike`` or ``ATTACK``); None for anything else."""
        if label in self.labels:
            return None
        typ, _, sub = label.partition(":")
        if typ in self.event_types:
            return typ, (sub or None)
        return None

    def is_label(self, label: str) -> bool:
        return label in self.labels or label == self.trigger_label

    def bio_tags(self, scheme: str = "BIO") -> list[str]:
        """Tag names for the entity layer: O first, then per label B-/I- (and E-/S- for IOBES)."""
        prefixes = tag_prefixes(scheme)
        return ["O"] + [f"{p}-{lab}" for lab in self.entity_labels for p in prefixes]


def load_schema(path: str | Path) -> Schema:
    p = Path(path)
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SchemaError(f"{p}: schema file not found — create it or pass --root to a casus repository") from exc
    except yaml.YAMLError as exc:
        raise SchemaError(f"{p}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise SchemaError(f"{p}: the schema must be a YAML mapping")
    try:
        return Schema.model_validate(raw)
    except ValidationError as exc:
        msgs = "; ".join(f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise SchemaError(f"{p}: invalid schema: {msgs}") from exc
