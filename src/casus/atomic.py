"""Atomic writes: one file (temporary file in the same folder, fsync, ``os.replace``) or a batch of files
all or nothing (:class:`WriteBatch`). No knowledge of the corpus; every layer may use it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

def _file_mode() -> int:
    """0666 minus the process umask (mkstemp would leave temporary files at 0600)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def atomic_write(path: Path, data: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _file_mode())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


class WriteBatch:
    """Several files written all or nothing: every temporary file is written and synced first, then all are
    renamed into place; if anything fails, the temporaries are removed and replaced files get their old bytes
    back, so an interrupted batch leaves the store as it was."""

    def __init__(self) -> None:
        self.items: list[tuple[Path, bytes]] = []

    def add(self, path: Path, data: str | bytes) -> None:
        self.items.append((path, data.encode("utf-8") if isinstance(data, str) else data))

    def commit(self) -> None:
        temps: list[tuple[str, Path]] = []
        try:
            for path, raw in self.items:
                path.parent.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
                temps.append((tmp, path))
                with os.fdopen(fd, "wb") as fh:
                    fh.write(raw)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.chmod(tmp, _file_mode())
        except BaseException:
            for tmp, _ in temps:
                if os.path.exists(tmp):
                    os.unlink(tmp)
            raise
        done: list[tuple[Path, bytes | None]] = []
        try:
            for tmp, path in temps:
                old = path.read_bytes() if path.exists() else None
                os.replace(tmp, path)
                done.append((path, old))
        except BaseException:
            for tmp, _ in temps:
                if os.path.exists(tmp):
                    os.unlink(tmp)
            for path, old in reversed(done):
                if old is None:
                    path.unlink()
                else:
                    with open(path, "wb") as fh:
                        fh.write(old)
            raise
