"""RunDir: casus_run.json read with clear errors and written atomically."""

from __future__ import annotations

import pytest

from casus.errors import StoreError
from casus.predict import load_predictor
from casus.rundir import RunDir


def test_missing_broken_and_non_object_info_are_clear_errors(tmp_path):
    rd = RunDir(tmp_path)
    assert not rd.has_info() and not rd.looks_like_run()
    with pytest.raises(StoreError, match="not a casus run folder"):
        rd.info()
    with pytest.raises(StoreError, match="not a casus run folder"):
        load_predictor(tmp_path)
    rd.info_path.write_text('{"kind": "crf", ')
    with pytest.raises(StoreError, match="unreadable"):
        rd.info()
    rd.info_path.write_text("[1, 2]")
    with pytest.raises(StoreError, match="not a JSON object"):
        rd.info()


def test_write_info_is_atomic_and_round_trips(tmp_path, monkeypatch):
    import casus.atomic

    rd = RunDir(tmp_path / "run")
    rd.write_info({"kind": "crf", "window": 2})
    assert rd.info() == {"kind": "crf", "window": 2} and rd.kind() == "crf" and rd.looks_like_run()

    def boom(a, b):
        raise OSError("disk full (injected)")

    monkeypatch.setattr(casus.atomic.os, "replace", boom)
    with pytest.raises(OSError):
        rd.write_info({"kind": "transformer"})
    assert rd.info() == {"kind": "crf", "window": 2}  # the old file is intact, no half-written one
    assert [p.name for p in rd.path.iterdir()] == ["casus_run.json"]
