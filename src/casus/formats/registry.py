"""The format registry: every annotation format casus reads or writes, by name.

A new format is one module in ``casus/formats/`` ending with ``FORMAT = Format(...)`` (see
:mod:`casus.formats.base`) plus its name in :data:`BUILTIN` below; ``casus import``, ``casus export``,
``casus evaluate`` (reading and sniffing sources) and :mod:`casus.interop` find it here. :func:`register`
adds one at run time (a plug-in, or a test's toy format).
"""

from __future__ import annotations

import importlib
from pathlib import Path

from ..errors import CasusError, FormatError
from .base import Format, Peek
from .jsonio import first_record

# modules under casus.formats holding a FORMAT, in sniffing order (the first sniffer that says yes names a path)
BUILTIN = ("labelstudio", "doccano", "records", "brat", "inline", "conll")

_REGISTRY: dict[str, Format] = {}
_LOADED = False


def _load_builtins() -> None:
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    for module in BUILTIN:
        fmt = importlib.import_module(f"{__package__}.{module}").FORMAT
        _REGISTRY.setdefault(fmt.name, fmt)


def register(fmt: Format, *, replace: bool = False) -> Format:
    """Add ``fmt`` (a name already taken is an error unless ``replace``)."""
    _load_builtins()
    if fmt.name in _REGISTRY and not replace:
        raise CasusError(f"a format named {fmt.name!r} is already registered")
    _REGISTRY[fmt.name] = fmt
    return fmt


def unregister(name: str) -> None:
    _load_builtins()
    _REGISTRY.pop(name, None)


def names(*, writable: bool = False) -> tuple[str, ...]:
    """Registered format names, built-ins first (in :data:`BUILTIN` order), then those registered later."""
    _load_builtins()
    return tuple(n for n, f in _REGISTRY.items() if not writable or f.write is not None)


def get(name: str, *, writable: bool = False) -> Format:
    _load_builtins()
    fmt = _REGISTRY.get(name)
    if fmt is None or (writable and fmt.write is None):
        raise CasusError(f"unknown format {name!r}; use one of: {', '.join(names(writable=writable))}")
    return fmt


def peek(path: Path) -> Peek:
    """What the sniffers look at: for a file its first 4,000 characters and first JSON record."""
    if path.is_dir():
        return Peek(path=path)
    try:
        head = path.read_text(encoding="utf-8-sig", errors="replace")[:4000]
    except OSError as exc:
        raise FormatError(f"{path}: cannot read: {exc}") from exc
    first, is_list = first_record(path, head)
    return Peek(path=path, head=head, first=first, json_list=is_list)


def sniff(path: Path, *, peeked: Peek | None = None) -> Format | None:
    """The first registered format whose sniffer recognises ``path``, or None."""
    _load_builtins()
    pk = peeked or peek(path)
    for fmt in _REGISTRY.values():
        if fmt.sniff is not None and fmt.sniff(pk):
            return fmt
    return None
