"""Typed exceptions raised by the casus library. The CLI turns each into a message and an exit code."""

from __future__ import annotations

from dataclasses import dataclass, field


class CasusError(Exception):
    """Base class of every error casus raises on bad input."""

    exit_code = 1


class SchemaError(CasusError):
    """The schema file is missing, malformed, or inconsistent."""


class ModelError(CasusError, ValueError):
    """A core object (Span, Event, Document, AnnotationSet) was built with invalid values."""


@dataclass(frozen=True)
class Problem:
    """One problem found by validation or parsing: where it is, what is wrong, and how to fix it."""

    file: str
    message: str
    hint: str = ""
    code: str = "error"
    severity: str = "error"  # "error" fails validation; "warning" is shown and counted only
    line: int | None = None
    column: int | None = None
    obj_id: str | None = None

    def location(self) -> str:
        loc = self.file
        if self.line is not None:
            loc += f":{self.line}"
            if self.column is not None:
                loc += f":{self.column}"
        return loc

    def render(self) -> str:
        where = self.location()
        ident = f" [{self.obj_id}]" if self.obj_id else ""
        fix = f" — fix: {self.hint}" if self.hint else ""
        return f"{where}{ident}: {self.severity} {self.code}: {self.message}{fix}"

    def to_dict(self) -> dict:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "id": self.obj_id,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "hint": self.hint,
        }


@dataclass
class ValidationFailed(CasusError):
    """Raised when input does not validate; carries every problem found, never only the first."""

    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:  # pragma: no cover - trivial
        head = f"{len(self.problems)} problem(s)"
        return head + ("\n" + "\n".join(p.render() for p in self.problems) if self.problems else "")


class InlineSyntaxError(ValidationFailed):
    """Markup errors in the inline contributor format (each problem carries line and column)."""


class StoreError(CasusError):
    """Reading or writing the corpus/annotation store failed (missing file, id clash, ...)."""


class ConflictError(StoreError):
    """A write would overwrite a different text under an existing document id."""


class ConfigError(CasusError):
    """A training or evaluation config is invalid (names the offending key)."""


class DatasetError(CasusError):
    """Building the dataset failed (split leakage, lossy tokenisation that must not pass, ...)."""


class FormatError(CasusError):
    """An external format file (doccano, Label Studio, brat, CoNLL, ...) is malformed."""


class EvaluationError(CasusError):
    """Evaluation inputs do not fit together (different documents across runs, nothing to score, ...)."""
