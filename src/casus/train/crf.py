"""Linear-chain CRF baseline (python-crfsuite via sklearn-crfsuite) on hand features, one sentence at a time.

Same harness, same splits, same scorer as the transformer: it trains on the dataset's sentence windows
and predicts character spans on raw text through :class:`casus.predict.CrfPredictor`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..predict import crf_features
from .recipe import CrfRecipe


def train_crf(recipe: CrfRecipe, out: Path, train_windows: list[dict], tag_names: list[str], progress: bool = True) -> dict[str, Any]:
    import sklearn_crfsuite

    cc = recipe.crf
    X, y = [], []
    for row in train_windows:
        words = row["tokens"]
        if not words:
            continue
        X.append([crf_features(words, i, cc.window) for i in range(len(words))])
        y.append([tag_names[t] if isinstance(t, int) else t for t in row["ner_tags"]])
    model_dir = out / "model"
    model_dir.mkdir(parents=True, exist_ok=True)
    tmp = model_dir / "model.crfsuite.tmp"
    crf = sklearn_crfsuite.CRF(algorithm="lbfgs", c1=cc.c1, c2=cc.c2, max_iterations=cc.max_iterations,
                               all_possible_transitions=True, model_filename=str(tmp), verbose=False)
    crf.fit(X, y)
    classes = sorted(crf.classes_)
    tmp.replace(model_dir / "model.crfsuite")
    return {"train_sentences": len(X), "labels": classes}


def write_run_meta(out: Path, recipe: CrfRecipe) -> None:
    from ..rundir import RunDir

    RunDir(out).write_info({"kind": "crf", "window": recipe.crf.window})
