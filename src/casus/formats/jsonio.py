"""The one reader of JSON and JSON Lines sources (doccano, Label Studio, casus records): a JSON array, one
JSON object, or one object per line; BOM dropped; malformed JSON raises FormatError with the file, line
and column. Each record keeps where it came from (``line`` for JSON Lines, ``index`` always)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import FormatError
from .offsets import format_error


@dataclass(frozen=True)
class Record:
    value: Any
    index: int               # 0-based position among the records
    line: int | None = None  # 1-based line of a JSON Lines record; None inside a JSON array or object

    @property
    def where(self) -> str:
        return f"line {self.line}" if self.line is not None else f"record {self.index}"


def is_json_document(raw: str) -> bool:
    """True when ``raw`` is one JSON value (array or object spanning the file), not JSON Lines."""
    s = raw.lstrip("\ufeff").lstrip()
    if s.startswith("["):
        return True
    if not s.startswith("{"):
        return False
    try:
        json.loads(s)
        return True
    except json.JSONDecodeError:
        return False


def records(raw: str, file: str, *, lines: bool | None = None) -> list[Record]:
    """The records of ``raw``. ``lines``: True = JSON Lines, False = one JSON value (an array's items, or
    the object itself), None = decide from the text (an array, or one object spanning the file, is one
    JSON value; anything else is JSON Lines)."""
    raw = raw.lstrip("\ufeff")
    if lines is None:
        lines = not is_json_document(raw)
    if not lines:
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise format_error(file, f"not valid JSON (column {exc.colno}): {exc.msg}", line=exc.lineno) from exc
        items = data if isinstance(data, list) else [data]
        return [Record(v, i) for i, v in enumerate(items)]
    out: list[Record] = []
    for n, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise format_error(file, f"not valid JSON (column {exc.colno}): {exc.msg}", line=n) from exc
        out.append(Record(value, len(out), n))
    return out


def first_record(path: Path, head: str) -> tuple[Any, bool]:
    """For sniffing: (the first record of a JSON / JSON Lines file, whether it is a JSON array); (None,
    False) when the file does not read as JSON."""
    s = head.lstrip("\ufeff").lstrip()
    if not s.startswith(("[", "{")):
        return None, False
    try:
        raw = path.read_text(encoding="utf-8-sig", errors="replace")
        recs = records(raw, str(path))
    except (FormatError, OSError):  # sniffing: what does not read as JSON is simply not a JSON format
        return None, False
    first = next((r.value for r in recs if isinstance(r.value, dict)), None)
    return first, s.startswith("[")
