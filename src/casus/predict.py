"""Turn texts into character spans with a trained run (transformer or CRF).

``load_predictor(run_dir)`` reads ``run_dir/casus_run.json`` to know the kind. Both predictors expose
``predict(texts) -> list[list[(start, end, label)]]`` with code-point offsets, end exclusive.

Decoding is word-safe: the CRF tags whole words, and the transformer decides one tag per word of its
tokenizer (``decode_words``), so no predicted span starts or ends inside a word ("Mad|uro" cannot happen);
words whose sub-words disagreed are counted in ``subword_conflicts``.

The transformer predictor batches windows of similar length (padding only to the batch maximum), runs
under ``torch.inference_mode``, and merges overlapping windows back to one sequence per document.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Sequence

from .errors import ModelError
from .align import sentence_ranges, tags_to_token_spans, tokenize
from .rundir import RunDir

SpanT = tuple[int, int, str]


def group_simple(tags: Sequence[str], offsets: Sequence[tuple[int, int]]) -> list[SpanT]:
    """Group per-sub-word tags exactly as transformers' ``aggregation_strategy="simple"`` does."""
    out: list[SpanT] = []
    group: list[int] = []

    def tag_of(t: str) -> tuple[str, str]:
        if t.startswith("B-"):
            return "B", t[2:]
        if t.startswith("I-"):
            return "I", t[2:]
        return "I", t

    def flush() -> None:
        if group:
            _, lab = tag_of(tags[group[0]])
            if lab != "O":
                out.append((offsets[group[0]][0], offsets[group[-1]][1], lab))

    for i, t in enumerate(tags):
        if not group:
            group = [i]
            continue
        bi, lab = tag_of(t)
        _, last = tag_of(tags[group[-1]])
        if lab == last and bi != "B":
            group.append(i)
        else:
            flush()
            group = [i]
    flush()
    return out


AGGREGATIONS = ("first", "average", "max")


def _entity(tag: str) -> str:
    return tag[2:] if tag[:2] in ("B-", "I-", "E-", "S-") else tag


DECODINGS = ("greedy", "viterbi", "viterbi_bounds")

# GUIDELINES: a span never ends on a function word ("cells of", "district of the" are cut-off phrases; 7 of
# 12,276 gold spans do). decoding "viterbi_bounds" enforces it: no span may end on one of these words.
OPEN_END_WORDS = frozenset({"of", "the", "a", "an", "and", "or", "in", "at", "on", "to", "for", "with", "from"})


def allowed_transition(prev: str | None, tag: str, iobes: bool = False) -> bool:
    """Well-formedness: may ``tag`` follow ``prev`` (None: the start of the text)? BIO: I-X only after B-X
    or I-X. IOBES: after B-X or I-X only I-X or E-X; I-X and E-X only after B-X or I-X."""
    p_pre, p_lab = (prev[:1], prev[2:]) if prev and prev != "O" else ("O", "")
    t_pre, t_lab = (tag[:1], tag[2:]) if tag != "O" else ("O", "")
    open_chunk = p_pre in ("B", "I")
    if t_pre in ("I", "E"):
        return open_chunk and p_lab == t_lab
    return not (iobes and open_chunk)


def viterbi(scores, names: Sequence[str], no_end: Sequence[bool] | None = None) -> list[int]:
    """The best well-formed tag sequence (BIO, or IOBES when ``names`` has E-/S- tags) under per-word log-scores
    ``scores`` [n_words x n_tags]: I-X only continues B-X/I-X (and E-X closes it), never after O or another label.
    ``no_end[i]``: word i may not be a span's last word (a span open at i must continue to i + 1)."""
    import torch

    n = scores.shape[0]
    iobes = any(t[:2] in ("E-", "S-") for t in names)
    neg = float("-inf")
    trans = torch.tensor([[0.0 if allowed_transition(a, b, iobes) else neg for b in names] for a in names])
    start = torch.tensor([0.0 if allowed_transition(None, b, iobes) else neg for b in names])
    end = torch.tensor([neg if iobes and a[:1] in ("B", "I") else 0.0 for a in names])
    if no_end is not None and any(no_end):
        # from an open chunk (B-X / I-X) only its continuation (I-X, E-X) may follow; E-X / S-X may not sit here
        cont = torch.tensor([[0.0 if a[:1] not in ("B", "I") or (b[:1] in ("I", "E") and b[2:] == a[2:]) else neg
                              for b in names] for a in names])
        closed = torch.tensor([neg if t[:1] in ("E", "S") else 0.0 for t in names])
        open_ = torch.tensor([neg if t[:1] in ("B", "I") else 0.0 for t in names])
        scores = scores.clone()
        for i in range(n):
            if no_end[i]:
                scores[i] = scores[i] + closed + (open_ if i == n - 1 else 0.0)
    score = scores[0] + start
    back = []
    for i in range(1, n):
        t = trans + cont if no_end is not None and no_end[i - 1] else trans
        best, arg = (score[:, None] + t).max(0)
        back.append(arg)
        score = best + scores[i]
    last = int((score + end).argmax())
    path = [last]
    for arg in reversed(back):
        last = int(arg[last])
        path.append(last)
    return path[::-1]


def decode_words(logits, offsets: Sequence[tuple[int, int]], piece_word: Sequence[int], id2label: dict[int, str],
                 strategy: str = "first", decoding: str = "greedy", text: str | None = None) -> tuple[list[SpanT], int]:
    """Word-safe decoding of per-sub-word scores: one tag per word of the tokenizer (its ``word_ids()``), then
    spans grouped as ``group_simple`` does, so no span can start or end inside a word.

    ``strategy`` is transformers' word aggregation: ``first`` (the first sub-word's scores), ``average``
    (mean of the sub-words' probabilities) or ``max`` (the sub-word with the most confident label).
    ``decoding``: ``greedy`` takes each word's best tag, exactly as ``pipeline(...,
    aggregation_strategy=strategy)`` does; ``viterbi`` takes the best *well-formed* tag sequence (an I-X never
    follows O or another label), which differs from the pipeline only where the pipeline's tags are not
    well-formed (it would start a span at "of" in "province of Daraa" tagged O I I); ``viterbi_bounds`` is
    ``viterbi`` under the guidelines' boundary rule too: no span ends on a function word (:data:`OPEN_END_WORDS`,
    read from ``text``), so "cells of the regime" is never cut to "cells of".

    Returns (spans, conflicts): ``conflicts`` counts words whose sub-words disagreed (per-sub-word decoding
    would have cut them, e.g. "Mad|uro"); each was decided by ``strategy`` and is reported, not hidden.
    """
    import torch

    n = len(offsets)
    if n == 0:
        return [], 0
    groups: list[list[int]] = []
    for i in range(n):
        w = piece_word[i] if i < len(piece_word) else -1
        if groups and w >= 0 and piece_word[groups[-1][-1]] == w:
            groups[-1].append(i)
        else:
            groups.append([i])
    pred = logits.argmax(-1).tolist()
    logp = torch.log_softmax(logits.float(), dim=-1)
    rows = []
    word_offsets: list[tuple[int, int]] = []
    conflicts = 0
    for g in groups:
        if len(g) > 1:
            first = id2label[pred[g[0]]]
            rest = [id2label[pred[i]] for i in g[1:]]
            if any(_entity(t) != _entity(first) or t.startswith(("B-", "S-")) for t in rest):
                conflicts += 1
        if strategy == "first" or len(g) == 1:
            rows.append(logp[g[0]])
        elif strategy == "average":
            rows.append(torch.log(logp[g].exp().mean(0)))
        else:
            rows.append(logp[max(g, key=lambda i: float(logp[i].max()))])
        word_offsets.append((offsets[g[0]][0], offsets[g[-1]][1]))
    scores = torch.stack(rows)
    names = [id2label[i] for i in range(scores.shape[1])]
    if decoding == "greedy":
        ks = scores.argmax(-1).tolist()
    else:
        no_end = None
        if decoding == "viterbi_bounds" and text is not None:
            no_end = [text[a:b].lower() in OPEN_END_WORDS for a, b in word_offsets]
        ks = viterbi(scores, names, no_end)
    return group_simple([names[k] for k in ks], word_offsets), conflicts


PRECISIONS = ("fp32", "bf16")
BACKENDS = ("torch", "onnx")


class TransformerPredictor:
    """Sub-word windows of ``max_length`` overlapping by ``stride``, batched by length under inference mode.

    ``precision="bf16"`` casts the weights to bfloat16: on CPUs with AVX512-BF16/AMX (and on GPUs) it is about
    1.7x faster, at a small cost in agreement with fp32 (bench/predict_speed.py prints both sides).
    """

    def __init__(self, model, tokenizer, mode: str = "first", max_length: int = 256, stride: int = 64,
                 batch_size: int = 16, threads: int | None = None, precision: str = "fp32", bucketing: bool = True,
                 aggregation: str = "first", decoding: str = "greedy"):
        if decoding not in DECODINGS:
            raise ValueError(f"decoding must be one of {', '.join(DECODINGS)}, not {decoding!r}")
        self.decoding = decoding
        if aggregation not in AGGREGATIONS:
            raise ValueError(f"aggregation must be one of {', '.join(AGGREGATIONS)}, not {aggregation!r}")
        self.aggregation = aggregation
        self.subword_conflicts = 0  # words whose sub-words disagreed, decided per word (see decode_words)
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
        if precision == "bf16":
            import torch

            model = model.to(torch.bfloat16)
        self.precision = precision
        self.bucketing = bucketing
        self.model = model
        self.tokenizer = tokenizer
        self.mode = mode
        self.max_length = max_length
        self.stride = stride
        self.batch_size = batch_size
        self.id2label = {int(k): v for k, v in model.config.id2label.items()}
        self.unaligned_words = 0
        if threads:
            import torch

            torch.set_num_threads(threads)

    @classmethod
    def load(cls, run_dir: Path, backend: str = "torch", onnx_variant: str = "fp32", **kw) -> "TransformerPredictor":
        """``kw``: batch_size, threads, precision ("fp32" or "bf16", torch only). ``backend="onnx"`` runs the
        run's exported ONNX model (``casus export onnx RUN``; ``onnx_variant`` fp32, int8-dynamic or
        int8-static) through ONNX Runtime with the same windows, bucketing and decoding."""
        from transformers import AutoTokenizer

        if backend not in BACKENDS:
            raise ModelError(f"backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
        model_dir = Path(run_dir) / "model"
        info = RunDir(run_dir).info()
        tok = AutoTokenizer.from_pretrained(model_dir)
        if backend == "onnx":
            from .onnx_export import load_onnx

            if kw.get("precision", "fp32") != "fp32":
                raise ModelError("--precision bf16 is a torch option; ONNX variants are fp32, int8-dynamic, int8-static")
            model = load_onnx(run_dir, onnx_variant, threads=kw.get("threads"))
        else:
            from transformers import AutoModelForTokenClassification

            model = AutoModelForTokenClassification.from_pretrained(model_dir)
            model.eval()
        return cls.from_info(model, tok, info, **kw)

    @classmethod
    def from_info(cls, model, tokenizer, info: dict, **kw) -> "TransformerPredictor":
        """A predictor with a run's windows and decoding (its ``casus_run.json``) around ``model``."""
        return cls(model, tokenizer, mode=info.get("subword_labels", "first"), max_length=info.get("max_length", 256),
                   stride=info.get("stride", 64), aggregation=info.get("aggregation", "first"),
                   decoding=info.get("decoding", "greedy"), **kw)

    def logits_for(self, texts: Sequence[str], progress: bool = False) -> list[tuple]:
        """Per text: (encoded doc, merged logits [n_subwords x n_labels] as a tensor, word offsets)."""
        import torch

        from .train.encoding import best_window, encode_document, windows

        encs = []
        jobs = []  # (doc index, window index, lo, hi)
        for di, text in enumerate(texts):
            words = tokenize(text)
            enc = encode_document(self.tokenizer, str(di), text, words)
            self.unaligned_words += enc.unaligned_words
            wins = windows(len(enc.input_ids), self.max_length, self.stride)
            encs.append((enc, words, wins))
            for wi, (lo, hi) in enumerate(wins):
                jobs.append((di, wi, lo, hi))
        if self.bucketing:  # windows of similar length together: padding only up to the batch's longest
            jobs.sort(key=lambda j: (j[3] - j[2], j[0], j[1]))
        n_labels = len(self.id2label)
        win_logits: dict[tuple[int, int], torch.Tensor] = {}
        cls_id, sep_id, pad_id = self.tokenizer.cls_token_id, self.tokenizer.sep_token_id, self.tokenizer.pad_token_id
        batches = [jobs[i:i + self.batch_size] for i in range(0, len(jobs), self.batch_size)]
        it: Iterable = batches
        if progress:
            from tqdm import tqdm

            it = tqdm(batches, desc="predicting", unit="batch")
        self.model.eval()
        with torch.inference_mode():
            for batch in it:
                width = max(hi - lo for _, _, lo, hi in batch) + 2
                ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
                mask = torch.zeros((len(batch), width), dtype=torch.long)
                for r, (di, wi, lo, hi) in enumerate(batch):
                    seq = [cls_id] + encs[di][0].input_ids[lo:hi] + [sep_id]
                    ids[r, : len(seq)] = torch.tensor(seq)
                    mask[r, : len(seq)] = 1
                dev = next(self.model.parameters()).device
                out = self.model(input_ids=ids.to(dev), attention_mask=mask.to(dev)).logits.cpu()
                for r, (di, wi, lo, hi) in enumerate(batch):
                    win_logits[(di, wi)] = out[r, 1: 1 + hi - lo].float()
        results = []
        for di, (enc, words, wins) in enumerate(encs):
            n = len(enc.input_ids)
            if len(wins) == 1:
                merged = win_logits[(di, 0)][:n].clone()
            else:
                merged = torch.zeros((n, n_labels))
                best = best_window(n, wins)
                for wi, (lo, hi) in enumerate(wins):  # each sub-word from the window where it is furthest from an edge
                    idx = torch.tensor([i for i in range(lo, hi) if best[i] == wi], dtype=torch.long)
                    if len(idx):
                        merged[idx] = win_logits[(di, wi)][idx - lo]
            results.append((enc, merged, words))
        return results

    def predict(self, texts: Sequence[str], progress: bool = False) -> list[list[SpanT]]:
        return [self.decode(enc, logits, words) for enc, logits, words in self.logits_for(texts, progress=progress)]

    def decode(self, enc, logits, words) -> list[SpanT]:
        """One document's spans from its merged logits (:meth:`logits_for`), word-safe, by the run's decoding."""
        if self.mode == "all":
            spans, conflicts = decode_words(logits, enc.offsets, enc.piece_word, self.id2label, self.aggregation,
                                            self.decoding, enc.text)
            self.subword_conflicts += conflicts
            return spans
        pred = logits.argmax(-1).tolist() if len(enc.input_ids) else []
        wtags = [self.id2label[pred[f]] if f >= 0 else "O" for f in enc.first_subword]
        return [(words[i][0], words[j][1], lab) for i, j, lab in tags_to_token_spans(wtags)]


def crf_features(words: Sequence[str], i: int, window: int = 2) -> dict[str, object]:
    """Hand features of word i for the CRF baseline (no gazetteers, no external resources)."""
    w = words[i]
    f: dict[str, object] = {
        "bias": 1.0, "lower": w.lower(), "suf3": w[-3:].lower(), "suf2": w[-2:].lower(), "pre3": w[:3].lower(),
        "is_title": w.istitle(), "is_upper": w.isupper(), "is_digit": w.isdigit(),
        "has_digit": any(c.isdigit() for c in w), "has_hyphen": "-" in w, "len": min(len(w), 12),
        "shape": "".join("X" if c.isupper() else "x" if c.islower() else "d" if c.isdigit() else c for c in w)[:8],
    }
    for k in range(1, window + 1):
        for sign, j in (("-", i - k), ("+", i + k)):
            if 0 <= j < len(words):
                v = words[j]
                f[f"{sign}{k}:lower"] = v.lower()
                f[f"{sign}{k}:is_title"] = v.istitle()
                f[f"{sign}{k}:suf3"] = v[-3:].lower()
            else:
                f[f"{sign}{k}:pad"] = True
    return f


def sentence_words(text: str) -> list[list[tuple[int, int]]]:
    toks = tokenize(text)
    out = []
    for lo, hi in sentence_ranges(text):
        out.append([t for t in toks if lo <= t[0] and t[1] <= hi])
    return [s for s in out if s]


class CrfPredictor:
    def __init__(self, tagger, window: int = 2):
        self.tagger = tagger
        self.window = window

    @classmethod
    def load(cls, run_dir: Path) -> "CrfPredictor":
        import pycrfsuite

        info = RunDir(run_dir).info()
        tagger = pycrfsuite.Tagger()
        tagger.open(str(Path(run_dir) / "model" / "model.crfsuite"))
        return cls(tagger, window=info.get("window", 2))

    def predict(self, texts: Sequence[str], progress: bool = False) -> list[list[SpanT]]:
        out = []
        for text in texts:
            spans: list[SpanT] = []
            for sent in sentence_words(text):
                words = [text[a:b] for a, b in sent]
                tags = self.tagger.tag([crf_features(words, i, self.window) for i in range(len(words))])
                spans += [(sent[i][0], sent[j][1], lab) for i, j, lab in tags_to_token_spans(tags)]
            out.append(spans)
        return out


# the span predictor of each recipe kind that tags entities (casus_run.json "kind"); events runs are loaded by
# casus.events.EventPredictor. A new kind adds its predictor here (see casus.train.recipe.RECIPE_KINDS).
PREDICTORS: dict[str, Any] = {"transformer": lambda d, **kw: TransformerPredictor.load(d, **kw),
                              "crf": lambda d, **kw: CrfPredictor.load(d)}


def load_predictor(run_dir: Path | str, precision: str = "fp32", backend: str = "torch", onnx_variant: str = "fp32"):
    """The span predictor of a run folder, by the kind its casus_run.json records (transformer by default).
    ``precision``, ``backend`` and ``onnx_variant`` apply to transformer runs (see TransformerPredictor.load)."""
    run_dir = Path(run_dir)
    kind = RunDir(run_dir).info().get("kind") or "transformer"
    if kind not in PREDICTORS:
        raise ModelError(f"{run_dir}: a {kind} run predicts no entity spans (kinds with a span predictor: "
                         f"{', '.join(PREDICTORS)})")
    if kind != "transformer" and backend != "torch":
        raise ModelError(f"{run_dir}: --backend {backend} applies to transformer runs; this is a {kind} run")
    return PREDICTORS[kind](run_dir, precision=precision, backend=backend, onnx_variant=onnx_variant)
