"""What every format module declares: :class:`Format` (read, write, sniff, suffixes, offset unit, what is
lost), the :class:`Peek` a sniffer looks at, and the one rule for ids a converter generates.

A format module ends with ``FORMAT = Format(...)``; :mod:`casus.formats.registry` lists the modules. The
converters report where each document id came from in :attr:`casus.model.AnnotationSet.id_source`:
``"source"`` (the file names it) or ``"generated"`` (``<file stem>-<n>``, see :func:`generated_id`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Literal

from ..model import AnnotationSet

ID_SOURCE = "source"        # the source file names the document
ID_GENERATED = "generated"  # the converter made the id: <file stem>-<n>

_STEM_RE = re.compile(r"[^A-Za-z0-9_.\-]")


def file_stem(file: str | Path, default: str = "doc") -> str:
    """The part of a file name generated ids start with: its stem, unsafe characters replaced by ``_``."""
    return _STEM_RE.sub("_", Path(str(file)).stem) or default


def generated_id(file: str | Path, n: int, default: str = "doc") -> str:
    """The id of the ``n``-th document (or line) of ``file`` that names none: ``<file stem>-<n>``."""
    return f"{file_stem(file, default)}-{n}"


@dataclass(frozen=True)
class Peek:
    """What a sniffer sees of a path: the path itself; for a file its first 4,000 characters (``head``) and,
    when it is JSON or JSON Lines, its first record (``first``, None otherwise; ``json_list``: the file is a
    JSON array)."""

    path: Path
    head: str = ""
    first: Any = None
    json_list: bool = False

    @property
    def suffix(self) -> str:
        return self.path.suffix.lower()

    @property
    def is_dir(self) -> bool:
        return self.path.is_dir()


@dataclass(frozen=True)
class Format:
    """One external annotation format, converted to and from :class:`~casus.model.AnnotationSet`.

    ``read(src, schema, **options)`` returns the documents of a file or folder and raises FormatError (or
    ValidationFailed) naming the file and the place; ``write(asets, out, schema, **options)`` writes them
    (None: read only). ``read_options`` / ``write_options`` name the keyword options each accepts (callers
    pass only those). ``sniff(peek)`` says whether a path looks like this format (None: never guessed).
    ``container``: the format is one ``file`` or a ``folder`` of files. ``offsets`` states the offset unit
    on the format's side; ``lossy`` what a round trip through it loses."""

    name: str
    summary: str
    container: Literal["file", "folder"]
    suffixes: tuple[str, ...]
    offsets: str
    lossy: str
    read: Callable[..., list[AnnotationSet]]
    write: Callable[..., None] | None = None
    sniff: Callable[[Peek], bool] | None = None
    read_options: tuple[str, ...] = ()
    write_options: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def read_with(self, src: Path, schema: Any, **options: Any) -> list[AnnotationSet]:
        """``read`` with the options this format accepts (the others are not its business)."""
        return self.read(src, schema, **{k: v for k, v in options.items() if k in self.read_options})

    def write_with(self, asets: Any, out: Path, schema: Any, **options: Any) -> None:
        if self.write is None:
            from ..errors import CasusError

            raise CasusError(f"{self.name} is a read-only format; it cannot be written")
        self.write(asets, out, schema, **{k: v for k, v in options.items() if k in self.write_options})
