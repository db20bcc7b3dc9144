"""A self-contained HTML error report for a run, and the PNG plots (matplotlib, Agg backend).

``build_report(run, ...)`` writes into the output folder:

* ``report.html`` — inline CSS, plots embedded as base64 (the page needs nothing else);
* ``per_label_f1.png`` — strict F1 per label with 95 % bootstrap CI bars (documents resampled);
* ``confusion.png`` — label confusion over aligned gold/pred span pairs plus a ``none`` row/column;
* ``metrics.json`` — the evaluation behind the page.

The page holds the metrics tables, the confusion matrix, error counts by class and label, and every
document's gold and predicted spans side by side, each error classed as missed, spurious, wrong label,
wrong boundary, or wrong label and boundary.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path
from typing import Any, Mapping, Sequence

from .evaluation import (ERROR_CLASSES, Evaluation, align_spans, confusion, evaluate, fmt_ci, gold_for_source,
                         load_source, resolve_schema)
from .metrics.agreement import triples
from .metrics.spans import SCHEMES
from .plots import _plt, _save
from .store import Repo, atomic_write

PALETTE = ["#8ecae6", "#ffb703", "#90be6d", "#f4a3c0", "#cdb4db", "#f9c74f", "#a3c4bc", "#e9c46a", "#bde0fe", "#ffd6a5"]
ERROR_NAMES = {
    "correct": "correct",
    "wrong_label": "wrong label",
    "wrong_boundary": "wrong boundary",
    "wrong_label_boundary": "wrong label and boundary",
    "missed": "missed",
    "spurious": "spurious",
}


def plot_label_f1(ev: Evaluation, path: Path | None = None, title: str = "strict F1 per label") -> bytes:
    plt = _plt()
    labels = list(ev.labels) + ["micro"]
    vals, lo, hi = [], [], []
    for lab in labels:
        if lab == "micro":
            f, ci = ev.micro("strict").f1, ev.ci.get("strict_micro_f1")
        else:
            c = ev.report.per_scheme["strict"].get(lab)
            f, ci = (c.f1 if c else 0.0), ev.ci.get(f"strict_f1:{lab}")
        vals.append(f)
        lo.append(max(0.0, f - ci[0]) if ci else 0.0)
        hi.append(max(0.0, ci[1] - f) if ci else 0.0)
    fig, ax = plt.subplots(figsize=(max(4.0, 1.1 * len(labels) + 1), 3.6))
    colors = [PALETTE[i % len(PALETTE)] for i in range(len(labels) - 1)] + ["#555555"]
    ax.bar(range(len(labels)), vals, yerr=[lo, hi], capsize=4, color=colors, edgecolor="#333333")
    for i, v in enumerate(vals):
        ax.text(i, 0.02, f"{v:.2f}", ha="center", va="bottom", fontsize=8, fontweight="bold",
                color="white" if i == len(vals) - 1 else "black")
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels, rotation=20)
    ax.set_ylim(0, 1.1)
    ax.set_ylabel("F1 (95% CI)")
    ax.set_title(title)
    ax.grid(axis="y", alpha=0.3)
    return _save(fig, path)


def plot_confusion(labels: Sequence[str], matrix: Sequence[Sequence[int]], path: Path | None = None) -> bytes:
    plt = _plt()
    import numpy as np

    m = np.array(matrix, dtype=float)
    fig, ax = plt.subplots(figsize=(1.0 * len(labels) + 2, 0.9 * len(labels) + 1.5))
    im = ax.imshow(m, cmap="Blues")
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    ax.set_xticks(range(len(labels)))
    ax.set_yticks(range(len(labels)))
    ax.set_xticklabels(labels, rotation=30, ha="right")
    ax.set_yticklabels(labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    vmax = m.max() if m.size else 0
    for i in range(len(labels)):
        for j in range(len(labels)):
            v = int(m[i, j])
            ax.text(j, i, str(v), ha="center", va="center", fontsize=9,
                    color="white" if vmax and v > vmax / 2 else "black")
    ax.set_title("span label confusion (overlapping pairs; none = missed / spurious)", fontsize=9)
    return _save(fig, path)


# -- HTML ------------------------------------------------------------------------------------------

CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 24px; color: #222; background: #fff; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; } h2 { font-size: 1.2em; border-bottom: 1px solid #ddd; padding-bottom: 4px; margin-top: 1.6em; }
.meta { color: #555; font-size: 0.9em; }
table { border-collapse: collapse; margin: 8px 0 16px 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: right; }
th { background: #f3f3f3; } td.l, th.l { text-align: left; }
.warn { background: #fff4e5; border: 1px solid #f0ad4e; padding: 8px 12px; border-radius: 4px; }
.plots img { max-width: 48%; margin-right: 1%; vertical-align: top; border: 1px solid #eee; }
.doc { border: 1px solid #ddd; border-radius: 6px; margin: 12px 0; padding: 8px 12px; }
.doc h3 { margin: 4px 0 8px 0; font-size: 1em; }
.cols { display: flex; gap: 16px; }
.col { flex: 1; min-width: 0; }
.col h4 { margin: 2px 0 6px 0; font-size: 0.85em; color: #555; text-transform: uppercase; letter-spacing: 0.05em; }
.text { white-space: pre-wrap; line-height: 1.9; font-size: 0.92em; background: #fcfcfc; padding: 6px; border: 1px solid #eee; }
mark { padding: 1px 2px; border-radius: 3px; color: #000; }
mark .tag { font-size: 0.68em; font-weight: bold; vertical-align: super; margin-right: 2px; color: #333; }
mark.correct { outline: 1px solid #2e7d32; }
mark.missed { outline: 2px dashed #c62828; }
mark.spurious { outline: 2px dashed #ef6c00; }
mark.wrong_label { outline: 2px solid #6a1b9a; }
mark.wrong_boundary { outline: 2px solid #f9a825; text-decoration: underline wavy #f9a825; }
mark.wrong_label_boundary { outline: 2px solid #ad1457; text-decoration: underline wavy #ad1457; }
.legend span { display: inline-block; margin-right: 12px; font-size: 0.85em; }
.legend mark { padding: 0 6px; }
.counts { font-size: 0.85em; color: #444; }
.ok { color: #2e7d32; } .bad { color: #c62828; }
"""


def _e(s: Any) -> str:
    return html.escape(str(s))


def _f(x: Any) -> str:
    return f"{x:.3f}" if isinstance(x, (int, float)) and x is not None else "–"


def _highlight(text: str, items: Sequence[tuple[int, int, str, str, str]], colors: Mapping[str, str]) -> str:
    """``text`` with each (start, end, label, error class, tooltip) item marked; overlaps are segmented."""
    cuts = sorted({0, len(text)} | {i[0] for i in items} | {i[1] for i in items})
    out = []
    for a, b in zip(cuts, cuts[1:]):
        seg = text[a:b]
        cover = [i for i in items if i[0] <= a and b <= i[1]]
        if not cover:
            out.append(_e(seg))
            continue
        it = cover[0]
        tag = f'<span class="tag">{_e(it[2])}</span>' if it[0] == a else ""
        out.append(f'<mark class="{_e(it[3])}" style="background:{colors.get(it[2], "#ddd")}" '
                   f'title="{_e(it[4])}">{tag}{_e(seg)}</mark>')
    return "".join(out)


def _doc_html(doc_id: str, text: str, aligned: list[dict[str, Any]], colors: Mapping[str, str]) -> str:
    g_items, p_items = [], []
    counts: dict[str, int] = {}
    for e in aligned:
        err = e["error"]
        counts[err] = counts.get(err, 0) + 1
        g, p = e["gold"], e["pred"]
        if g:
            tip = f"gold {g[2]} [{g[0]}:{g[1]}] — {ERROR_NAMES[err]}" + (f" (predicted {p[2]} [{p[0]}:{p[1]}])" if p and err != "correct" else "")
            g_items.append((g[0], g[1], g[2], err, tip))
        if p:
            tip = f"predicted {p[2]} [{p[0]}:{p[1]}] — {ERROR_NAMES[err]}" + (f" (gold {g[2]} [{g[0]}:{g[1]}])" if g and err != "correct" else "")
            p_items.append((p[0], p[1], p[2], err, tip))
    summary = ", ".join(f'<span class="{"ok" if k == "correct" else "bad"}">{v} {ERROR_NAMES[k]}</span>'
                        for k, v in sorted(counts.items(), key=lambda kv: ERROR_CLASSES.index(kv[0])))
    return (f'<div class="doc" id="doc-{_e(doc_id)}"><h3>{_e(doc_id)}</h3><div class="counts">{summary or "no spans"}</div>'
            f'<div class="cols"><div class="col"><h4>gold</h4><div class="text">{_highlight(text, g_items, colors)}</div></div>'
            f'<div class="col"><h4>predicted</h4><div class="text">{_highlight(text, p_items, colors)}</div></div></div></div>')


def _img(data: bytes, alt: str) -> str:
    return f'<img alt="{_e(alt)}" src="data:image/png;base64,{base64.b64encode(data).decode("ascii")}">'


def render_html(ev: Evaluation, *, title: str, subtitle: str, f1_png: bytes, confusion_png: bytes,
                conf_labels: Sequence[str], conf_matrix: Sequence[Sequence[int]], max_docs: int | None = None,
                extra_warnings: Sequence[str] = ()) -> str:
    colors = {lab: PALETTE[i % len(PALETTE)] for i, lab in enumerate(ev.labels)}
    parts = [f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{_e(title)}</title>"
             f"<style>{CSS}</style></head><body>", f"<h1>{_e(title)}</h1><div class=\"meta\">{_e(subtitle)}</div>"]
    pm = ev.pairing
    warns = list(extra_warnings)
    if pm.gold_only:
        warns.append(f"{len(pm.gold_only)} gold document(s) have no prediction and are not scored: {', '.join(pm.gold_only)}")
    if pm.pred_only:
        warns.append(f"{len(pm.pred_only)} predicted document(s) have no gold and are not scored: {', '.join(pm.pred_only)}")
    if pm.text_mismatch:
        warns.append(f"{len(pm.text_mismatch)} document(s) have different gold and predicted texts and are not scored: "
                     f"{', '.join(pm.text_mismatch)}")
    if warns:
        parts.append("".join(f'<p class="warn">{_e(w)}</p>' for w in warns))

    # summary
    parts.append("<h2>Span scores</h2><table><tr><th class=\"l\">scheme</th><th>precision</th><th>recall</th>"
                 "<th>micro F1 [95% CI]</th><th>macro F1</th></tr>")
    for sch in SCHEMES:
        m = ev.micro(sch)
        parts.append(f"<tr><td class=\"l\">{sch}</td><td>{_f(m.precision)}</td><td>{_f(m.recall)}</td>"
                     f"<td>{_f(m.f1)} {fmt_ci(ev.ci.get(f'{sch}_micro_f1'))}</td><td>{_f(ev.report.macro_f1(sch))}</td></tr>")
    parts.append(f"</table><p class=\"meta\">{len(ev.per_doc)} documents scored; CIs: percentile bootstrap over documents "
                 f"({ev.ci.get('resamples', 0)} resamples). strict = exact boundaries and label; exact = boundaries only; "
                 "partial = overlap, half credit unless exact; type = overlap and label.</p>")
    parts.append("<h2>Per label (strict)</h2><table><tr><th class=\"l\">label</th><th>gold</th><th>predicted</th><th>precision</th>"
                 "<th>recall</th><th>F1 [95% CI]</th><th>partial F1</th></tr>")
    for lab in ev.labels:
        c = ev.report.per_scheme["strict"].get(lab)
        pc = ev.report.per_scheme["partial"].get(lab)
        if c is None:
            continue
        parts.append(f"<tr><td class=\"l\"><mark style=\"background:{colors[lab]}\">{_e(lab)}</mark></td>"
                     f"<td>{int(c.tp + c.fn)}</td><td>{int(c.tp + c.fp)}</td><td>{_f(c.precision)}</td><td>{_f(c.recall)}</td>"
                     f"<td>{_f(c.f1)} {fmt_ci(ev.ci.get(f'strict_f1:{lab}'))}</td><td>{_f(pc.f1 if pc else 0.0)}</td></tr>")
    parts.append("</table>")

    if ev.attributes:
        a = ev.attributes
        parts.append(f"<h2>{_e(a['label'])} attributes</h2><p class=\"meta\">on {a['matched_spans']} strictly matched spans "
                     "where both sides carry attributes</p><table><tr><th class=\"l\">attribute</th><th>accuracy</th><th>compared</th></tr>")
        for k, v in list(a["attributes"].items()) + [("all", a["all"])]:
            parts.append(f"<tr><td class=\"l\">{_e(k)}</td><td>{_f(v['accuracy'])}</td><td>{v['compared']}</td></tr>")
        parts.append("</table>")
    if ev.events:
        from .metrics.events import LEVEL_NAMES, LEVELS

        parts.append("<h2>Events</h2><table><tr><th class=\"l\">level</th><th>precision</th><th>recall</th><th>F1 [95% CI]</th></tr>")
        for lvl in LEVELS:
            v = ev.events[lvl]
            parts.append(f"<tr><td class=\"l\">{_e(LEVEL_NAMES[lvl])}</td><td>{_f(v['precision'])}</td><td>{_f(v['recall'])}</td>"
                         f"<td>{_f(v['f1'])} {fmt_ci(v.get('ci95'))}</td></tr>")
        parts.append("</table>")

    parts.append("<h2>Plots</h2><div class=\"plots\">" + _img(f1_png, "strict F1 per label with 95% CI")
                 + _img(confusion_png, "label confusion matrix") + "</div>")

    # confusion table
    parts.append("<h2>Confusion matrix</h2><p class=\"meta\">rows: gold, columns: predicted; overlapping span pairs "
                 "(one-to-one), <em>none</em> = missed (gold row) or spurious (predicted column).</p><table><tr><th class=\"l\">gold \\ pred</th>"
                 + "".join(f"<th>{_e(x)}</th>" for x in conf_labels) + "</tr>")
    for lab, row in zip(conf_labels, conf_matrix):
        parts.append(f"<tr><th class=\"l\">{_e(lab)}</th>" + "".join(f"<td>{v}</td>" for v in row) + "</tr>")
    parts.append("</table>")

    # per-document
    aligned: dict[str, list[dict[str, Any]]] = {}
    err_by_label: dict[str, dict[str, int]] = {}
    for d, (g, p) in sorted(ev.pairing.pairs.items()):
        al = align_spans(triples(g, ev.labels, ev.trigger_label), triples(p, ev.labels, ev.trigger_label))
        aligned[d] = al
        for e in al:
            lab = (e["gold"] or e["pred"])[2]
            err_by_label.setdefault(lab, {k: 0 for k in ERROR_CLASSES})[e["error"]] += 1
    parts.append("<h2>Errors by class</h2><table><tr><th class=\"l\">label (gold, else predicted)</th>"
                 + "".join(f"<th>{_e(ERROR_NAMES[k])}</th>" for k in ERROR_CLASSES) + "</tr>")
    tot = {k: 0 for k in ERROR_CLASSES}
    for lab in list(ev.labels) + sorted(set(err_by_label) - set(ev.labels)):
        row = err_by_label.get(lab, {k: 0 for k in ERROR_CLASSES})
        for k in ERROR_CLASSES:
            tot[k] += row[k]
        parts.append(f"<tr><td class=\"l\">{_e(lab)}</td>" + "".join(f"<td>{row[k]}</td>" for k in ERROR_CLASSES) + "</tr>")
    parts.append("<tr><th class=\"l\">all</th>" + "".join(f"<th>{tot[k]}</th>" for k in ERROR_CLASSES) + "</tr></table>")

    order = sorted(aligned, key=lambda d: (-sum(1 for e in aligned[d] if e["error"] != "correct"), d))
    shown = order if max_docs is None else order[:max_docs]
    legend = "".join(f'<span><mark class="{k}" style="background:#eee">{_e(ERROR_NAMES[k])}</mark></span>' for k in ERROR_CLASSES)
    legend += "".join(f'<span><mark style="background:{colors[lab]}">{_e(lab)}</mark></span>' for lab in ev.labels)
    parts.append(f"<h2>Documents ({len(shown)} of {len(order)}, most errors first)</h2><div class=\"legend\">{legend}</div>")
    for d in shown:
        g, _ = ev.pairing.pairs[d]
        parts.append(_doc_html(d, g.text, aligned[d], colors))
    parts.append("</body></html>")
    return "\n".join(parts)


def build_report(run: Path, repo: Repo | None, *, gold_spec: str | None = None, out: Path | None = None,
                 split: str = "test", labels: Sequence[str] | None = None, seed: int = 0, n_boot: int = 1000,
                 max_docs: int | None = None) -> dict[str, Any]:
    """Evaluate a run (or any prediction source) against gold and write the report folder."""
    run = Path(run)
    pred = load_source(run, repo, split=split)
    if gold_spec:
        gold = load_source(gold_spec, repo)
    else:
        if repo is None:
            from .errors import StoreError

            raise StoreError(f"{run}: no repository to take gold annotations from; run inside it, pass --root or --gold")
        gold = gold_for_source(repo, pred)
    schema = repo.schema if repo is not None else resolve_schema(None, run if run.is_dir() else run.parent)
    ev = evaluate(gold.sets, pred.sets, labels=labels, schema=schema, seed=seed, n_boot=n_boot)
    out = Path(out) if out else (run / "report" if run.is_dir() else run.parent / f"{run.stem}-report")
    out.mkdir(parents=True, exist_ok=True)
    conf_labels, conf_matrix = confusion(ev)
    f1_png = plot_label_f1(ev, out / "per_label_f1.png")
    conf_png = plot_confusion(conf_labels, conf_matrix, out / "confusion.png")
    name = pred.info.get("recipe") or run.name
    subtitle = (f"predictions: {pred.spec} ({pred.kind}, split {split}) · gold: {gold.spec} · "
                f"{len(ev.per_doc)} documents scored" + (f" · seed {pred.info['seed']}" if "seed" in pred.info else ""))
    page = render_html(ev, title=f"casus report: {name}", subtitle=subtitle, f1_png=f1_png, confusion_png=conf_png,
                       conf_labels=conf_labels, conf_matrix=conf_matrix, max_docs=max_docs)
    atomic_write(out / "report.html", page)
    metrics = {"pred": pred.describe(), "gold": gold.describe(), "split": split, **ev.to_dict(),
               "confusion": {"labels": conf_labels, "matrix": conf_matrix}}
    atomic_write(out / "metrics.json", json.dumps(metrics, indent=2) + "\n")
    return {"out": out, "html": out / "report.html", "pngs": [out / "per_label_f1.png", out / "confusion.png"],
            "evaluation": ev}
