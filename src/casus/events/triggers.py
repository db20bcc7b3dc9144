"""Event trigger detection: a BIO tagging layer over ``TYPE:subtype`` trigger classes.

Two designs, trained from the dataset's ``trigger_tags`` and compared in the same harness:

* :class:`HeadTriggerTagger` — a second head on the shared encoder: the NER run's fine-tuned encoder (or
  the base MiniLM), **frozen**, gives each word the hidden state of its first sub-word (one forward pass
  over the corpus, overlapping windows merged as in :mod:`casus.predict`); a multinomial logistic
  regression maps it to a BIO trigger tag.
* :class:`CrfTriggerTagger` — a second tagger: a linear-chain CRF on the hand features of
  :func:`casus.predict.crf_features`, one sentence at a time.

Both expose ``predict(texts) -> [[(start, end, "TYPE:subtype"), ...], ...]`` (code-point offsets, end
exclusive). :class:`FrozenEncoder` is the shared frozen encoder, also used by the argument classifier.
"""

from __future__ import annotations

import bisect
import json
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from ..align import sentence_ranges, tags_to_token_spans, tokenize

SpanT = tuple[int, int, str]
Offsets = Sequence[tuple[int, int]]


class FrozenEncoder:
    """A frozen transformer encoder giving contextual sub-word states (no gradient, inference mode).

    ``states(text)`` runs the document through overlapping windows (``max_length``/``stride`` as the NER
    run) and keeps, for each sub-word, the window where it is furthest from an edge. Results are cached
    per text, so the trigger head and any other consumer pay for one forward pass per document.
    """

    def __init__(self, path: str, max_length: int = 256, stride: int = 64, batch_size: int = 16,
                 threads: int | None = None, layer: int = -1):
        import torch
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        if threads:
            torch.set_num_threads(threads)
        verbosity = hf_logging.get_verbosity()
        hf_logging.set_verbosity_error()  # a token-classification checkpoint loaded as a bare encoder: expected
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(path)
            self.model = AutoModel.from_pretrained(path)
        finally:
            hf_logging.set_verbosity(verbosity)
        self.model.eval()
        n_layers = len(self.model.encoder.layer)
        self.layer = n_layers if layer in (-1, None) else int(layer)
        if not 1 <= self.layer <= n_layers:
            raise ValueError(f"encoder layer {layer} out of range 1..{n_layers}")
        # states of layer k need only the first k transformer layers: drop the rest (faster)
        self.model.encoder.layer = self.model.encoder.layer[: self.layer]
        self.path = str(path)
        self.max_length = max_length
        self.stride = stride
        self.batch_size = batch_size
        self.hidden_size = int(self.model.config.hidden_size)
        self._cache: dict[str, tuple[list[tuple[int, int]], np.ndarray]] = {}
        self.tokens_run = 0

    # -- raw batched forward -------------------------------------------------------------------
    def run(self, seqs: Sequence[Sequence[int]], progress: bool = False) -> list[np.ndarray]:
        """Hidden states (last layer) for each id sequence (specials must already be included)."""
        import torch

        order = sorted(range(len(seqs)), key=lambda i: len(seqs[i]))
        out: list[np.ndarray | None] = [None] * len(seqs)
        pad = self.tokenizer.pad_token_id
        batches = [order[i:i + self.batch_size] for i in range(0, len(order), self.batch_size)]
        it: Iterable = batches
        if progress:
            from tqdm import tqdm

            it = tqdm(batches, desc="encoding", unit="batch")
        with torch.inference_mode():
            for b in it:
                width = max(len(seqs[i]) for i in b)
                ids = torch.full((len(b), width), pad, dtype=torch.long)
                mask = torch.zeros((len(b), width), dtype=torch.long)
                for r, i in enumerate(b):
                    ids[r, : len(seqs[i])] = torch.tensor(list(seqs[i]))
                    mask[r, : len(seqs[i])] = 1
                    self.tokens_run += len(seqs[i])
                h = self.model(input_ids=ids, attention_mask=mask).last_hidden_state.float().numpy()
                for r, i in enumerate(b):
                    out[i] = h[r, : len(seqs[i])]
        return out  # type: ignore[return-value]

    # -- documents -----------------------------------------------------------------------------
    def states(self, texts: Sequence[str], progress: bool = False) -> list[tuple[list[tuple[int, int]], np.ndarray]]:
        """Per text: (sub-word character offsets, states [n_subwords x hidden])."""
        from ..train.encoding import best_window, windows

        todo = [t for t in dict.fromkeys(texts) if t not in self._cache]
        jobs: list[tuple[str, int, int]] = []
        encs: dict[str, tuple[list[int], list[tuple[int, int]], list[tuple[int, int]]]] = {}
        for t in todo:
            enc = self.tokenizer(t, add_special_tokens=False, return_offsets_mapping=True)
            ids = list(enc["input_ids"])
            offs = [tuple(o) for o in enc["offset_mapping"]]
            wins = windows(len(ids), self.max_length, self.stride)
            encs[t] = (ids, offs, wins)
            for lo, hi in wins:
                jobs.append((t, lo, hi))
        cls, sep = self.tokenizer.cls_token_id, self.tokenizer.sep_token_id
        hs = self.run([[cls] + encs[t][0][lo:hi] + [sep] for t, lo, hi in jobs], progress=progress) if jobs else []
        per: dict[tuple[str, int], np.ndarray] = {(t, lo): h[1:1 + hi - lo] for (t, lo, hi), h in zip(jobs, hs)}
        for t in todo:
            ids, offs, wins = encs[t]
            n = len(ids)
            mat = np.zeros((n, self.hidden_size), dtype=np.float32)
            best = best_window(n, wins)
            for i in range(n):
                lo = wins[best[i]][0]
                mat[i] = per[(t, lo)][i - lo]
            self._cache[t] = (offs, mat)
        return [self._cache[t] for t in texts]

    def word_vectors(self, text: str, words: Offsets) -> np.ndarray:
        """[n_words x hidden]: the state of each word's first sub-word (zeros if none starts in it)."""
        offs, mat = self.states([text])[0]
        starts = [s for s, _ in offs]
        out = np.zeros((len(words), self.hidden_size), dtype=np.float32)
        for k, (ws, we) in enumerate(words):
            i = bisect.bisect_left(starts, ws)
            if i < len(offs) and offs[i][0] < we:
                out[k] = mat[i]
            elif i > 0 and offs[i - 1][0] < we and offs[i - 1][1] > ws:  # sub-word starting before the word
                out[k] = mat[i - 1]
        return out

    def span_vector(self, text: str, start: int, end: int) -> np.ndarray:
        """Mean state of the sub-words overlapping [start, end)."""
        offs, mat = self.states([text])[0]
        idx = [i for i, (s, e) in enumerate(offs) if s < end and start < e]
        return mat[idx].mean(0) if idx else np.zeros(self.hidden_size, dtype=np.float32)


def sentence_tokens(text: str) -> list[list[tuple[int, int]]]:
    toks = tokenize(text)
    out = []
    for lo, hi in sentence_ranges(text):
        s = [t for t in toks if lo <= t[0] and t[1] <= hi]
        if s:
            out.append(s)
    return out


def decode(words: Offsets, tags: Sequence[str]) -> list[SpanT]:
    return [(words[i][0], words[j][1], lab) for i, j, lab in tags_to_token_spans(list(tags))]


def _scored(words: Offsets, tags: Sequence[str], probs: Sequence[float]) -> list[tuple[int, int, str, float]]:
    return [(words[i][0], words[j][1], lab, float(sum(probs[i:j + 1]) / (j + 1 - i)))
            for i, j, lab in tags_to_token_spans(list(tags))]


# -- design (a): a logistic-regression head on the frozen encoder ----------------------------------

class HeadTriggerTagger:
    name = "head"

    def __init__(self, encoder: FrozenEncoder, clf: Any = None, tag_names: Sequence[str] = ()):
        self.encoder = encoder
        self.clf = clf
        self.tag_names = list(tag_names)

    def fit(self, rows: Sequence[dict], tag_names: Sequence[str], C: float = 0.2, seed: int = 0,
            max_iter: int = 300, o_keep: float = 0.2) -> dict[str, Any]:
        """Standardised states -> multinomial logistic regression. ``O`` words are subsampled (``o_keep``
        of them, each weighted ``1 / o_keep``, so the objective stays an unbiased estimate): 5x fewer rows."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        self.tag_names = list(tag_names)
        self.encoder.states([r["text"] for r in rows])
        X, y = [], []
        for r in rows:
            words = list(zip(r["token_starts"], r["token_ends"]))
            X.append(self.encoder.word_vectors(r["text"], words))
            y.extend(int(t) for t in r["trigger_tags"])
        Xa = np.concatenate(X) if X else np.zeros((0, self.encoder.hidden_size), dtype=np.float32)
        ya = np.array(y)
        o = self.tag_names.index("O") if "O" in self.tag_names else 0
        rng = np.random.RandomState(seed)
        keep = (ya != o) | (rng.rand(len(ya)) < o_keep)
        weight = np.where(ya[keep] == o, 1.0 / o_keep, 1.0)
        self.clf = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=max_iter, random_state=seed))
        self.clf.fit(Xa[keep], ya[keep], logisticregression__sample_weight=weight)
        return {"train_tokens": int(len(ya)), "train_rows_used": int(keep.sum()), "features": int(Xa.shape[1]),
                "encoder_layer": self.encoder.layer}

    def predict(self, texts: Sequence[str], progress: bool = False) -> list[list[SpanT]]:
        return [[(a, b, lab) for a, b, lab, _ in doc] for doc in self.predict_scored(texts, progress)]

    def predict_scored(self, texts: Sequence[str], progress: bool = False) -> list[list[tuple[int, int, str, float]]]:
        """Spans with a confidence: the mean over the span's words of the probability of their tag."""
        self.encoder.states(list(texts), progress=progress)
        out = []
        classes = [int(c) for c in self.clf.classes_]
        for t in texts:
            words = tokenize(t)
            if not words:
                out.append([])
                continue
            proba = self.clf.predict_proba(self.encoder.word_vectors(t, words))
            best = proba.argmax(1)
            tags = [self.tag_names[classes[k]] for k in best]
            out.append(_scored(words, tags, [float(proba[i, k]) for i, k in enumerate(best)]))
        return out

    def save(self, d: Path) -> None:
        import joblib

        d.mkdir(parents=True, exist_ok=True)
        joblib.dump({"clf": self.clf, "tag_names": self.tag_names}, d / "trigger_head.joblib")

    @classmethod
    def load(cls, d: Path, encoder: FrozenEncoder) -> "HeadTriggerTagger":
        import joblib

        obj = joblib.load(d / "trigger_head.joblib")
        return cls(encoder, obj["clf"], obj["tag_names"])


# -- design (b): a CRF on hand features ------------------------------------------------------------

class CrfTriggerTagger:
    name = "crf"

    def __init__(self, tagger: Any = None, window: int = 2):
        self.tagger = tagger
        self.window = window

    def fit(self, windows_rows: Sequence[dict], tag_names: Sequence[str], out_path: Path, c1: float = 0.1,
            c2: float = 0.05, max_iterations: int = 100) -> dict[str, Any]:
        import pycrfsuite
        import sklearn_crfsuite

        from ..predict import crf_features

        X, y = [], []
        for r in windows_rows:
            words = r["tokens"]
            if not words:
                continue
            X.append([crf_features(words, i, self.window) for i in range(len(words))])
            y.append([tag_names[t] if isinstance(t, int) else t for t in r["trigger_tags"]])
        out_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = out_path.with_name(out_path.name + ".tmp")
        crf = sklearn_crfsuite.CRF(algorithm="lbfgs", c1=c1, c2=c2, max_iterations=max_iterations,
                                   all_possible_transitions=True, model_filename=str(tmp), verbose=False)
        crf.fit(X, y)
        tmp.replace(out_path)
        self.tagger = pycrfsuite.Tagger()
        self.tagger.open(str(out_path))
        return {"train_sentences": len(X)}

    def predict(self, texts: Sequence[str], progress: bool = False) -> list[list[SpanT]]:
        return [[(a, b, lab) for a, b, lab, _ in doc] for doc in self.predict_scored(texts, progress)]

    def predict_scored(self, texts: Sequence[str], progress: bool = False) -> list[list[tuple[int, int, str, float]]]:
        """Spans with a confidence: the mean over the span's words of the CRF marginal of their tag."""
        from ..predict import crf_features

        out = []
        for text in texts:
            spans: list[tuple[int, int, str, float]] = []
            for sent in sentence_tokens(text):
                words = [text[a:b] for a, b in sent]
                tags = self.tagger.tag([crf_features(words, i, self.window) for i in range(len(words))])
                spans += _scored(sent, tags, [self.tagger.marginal(tg, i) for i, tg in enumerate(tags)])
            out.append(spans)
        return out

    @classmethod
    def load(cls, path: Path, window: int = 2) -> "CrfTriggerTagger":
        import pycrfsuite

        tagger = pycrfsuite.Tagger()
        tagger.open(str(path))
        return cls(tagger, window)


def meta_json(**kw: Any) -> str:
    return json.dumps(kw, indent=2, sort_keys=True) + "\n"
