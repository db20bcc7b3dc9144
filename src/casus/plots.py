"""PNG plots shared by the HTML report and the learning curves (matplotlib, headless ``Agg`` backend)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, Mapping, Sequence

from .atomic import atomic_write


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path | None) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    _plt().close(fig)
    data = buf.getvalue()
    if path is not None:
        atomic_write(path, data)
    return data


def plot_curve(summary: Sequence[Mapping[str, Any]], ceiling: float | None, path: Path | None = None,
               title: str = "learning curve") -> bytes:
    plt = _plt()
    xs = [s["train_documents"] for s in summary]
    ys = [s["mean_test_strict_f1"] for s in summary]
    sd = [s["sd_test_strict_f1"] for s in summary]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.errorbar(xs, ys, yerr=sd, marker="o", capsize=4, label="test strict micro F1 (mean ± sd over seeds)")
    if ceiling is not None:
        ax.axhline(ceiling, color="#c0392b", linestyle="--", label=f"human agreement ceiling ({ceiling:.3f})")
    ax.set_xlabel("training documents")
    ax.set_ylabel("strict micro F1")
    ax.set_ylim(0, 1.05)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title(title)
    return _save(fig, path)
