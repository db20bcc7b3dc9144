"""`casus report`: HTML + PNGs, error classes, confusion matrix; rendered in headless Chromium when present."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from conftest import run_cli
from test_evaluate_cli import GOLD, PRED, T1, T2, _make_run, _pred_spans, run_repo  # noqa: F401  (fixture)

CHROMIUM = Path("/usr/bin/chromium")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def report_run(run_repo, tmp_path):
    return _make_run(tmp_path / "run", {"d1": (T1, _pred_spans(PRED[0])), "d2": (T2, _pred_spans(PRED[1]))},
                     recipe="hand-made", seed=5)


def test_report_writes_html_and_pngs(run_repo, report_run):
    r = run_cli(["report", str(report_run)], root=run_repo)
    assert r.exit_code == 0, r.output
    out = report_run / "report"
    page = (out / "report.html").read_text(encoding="utf-8")
    for name in ("per_label_f1.png", "confusion.png"):
        assert (out / name).read_bytes()[:8] == PNG_MAGIC
    assert page.count("data:image/png;base64,") == 2  # self-contained
    assert "<style>" in page and "stylesheet" not in page
    # every planted error class shows up, on the right side
    for cls in ("missed", "spurious", "wrong_label", "wrong_boundary", "correct"):
        assert f'class="{cls}"' in page, cls
    assert "casus report: hand-made" in page
    assert "0.571" in page  # strict micro F1 12/21
    m = json.loads((out / "metrics.json").read_text())
    labels = m["confusion"]["labels"]
    mat = m["confusion"]["matrix"]
    assert labels[-1] == "none"
    cell = lambda g, p: mat[labels.index(g)][labels.index(p)]  # noqa: E731
    assert cell("LOCATION", "ACTOR") == 1        # Diallassagou
    assert cell("ACTOR", "none") == 1            # "two men" missed
    assert cell("none", "WEAPON") == 1           # "attacked" spurious
    assert cell("none", "ACTOR") == 1            # "wounded" spurious
    assert cell("CASUALTY", "CASUALTY") == 2     # two boundary errors, same label
    assert sum(map(sum, mat)) == 6 + 4 + 2       # 10 gold spans (each once) + 2 spurious


def test_report_custom_out_and_gold(run_repo, report_run, tmp_path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(json.dumps(r) + "\n" for r in GOLD), encoding="utf-8")
    out = tmp_path / "rep"
    r = run_cli(["report", str(report_run), "--gold", str(gold), "--out", str(out)], root=run_repo)
    assert r.exit_code == 0, r.output
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "d4" in page  # the gold-only document is reported on the page
    assert "report.html" in r.output


def test_report_missing_run_exits_1(run_repo, tmp_path):
    r = run_cli(["report", str(tmp_path / "nope")], root=run_repo)
    assert r.exit_code == 1
    assert "no such file" in r.output and "Traceback" not in r.output


@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium not installed")
def test_report_renders_in_headless_chromium(run_repo, report_run, tmp_path):
    r = run_cli(["report", str(report_run)], root=run_repo)
    assert r.exit_code == 0, r.output
    html_path = report_run / "report" / "report.html"
    shot = tmp_path / "report.png"
    profile = tmp_path / "chromium-profile"
    cmd = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={profile}", f"--screenshot={shot}", "--window-size=1400,2000", html_path.as_uri()]
    try:
        subprocess.run(cmd, capture_output=True, timeout=60, check=False)
    except subprocess.TimeoutExpired:
        pytest.skip("chromium did not finish in 60 s")
    assert shot.is_file(), "chromium wrote no screenshot"
    data = shot.read_bytes()
    assert data[:8] == PNG_MAGIC
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.image as mpimg

    img = mpimg.imread(str(shot))
    assert img.shape[0] >= 1000 and img.shape[1] >= 1000
    assert float(img[..., :3].std()) > 0.05  # not a blank page: text, tables and plots drew something
