"""The out-of-style split: held-out writers' documents go to style_test only, old documents never move."""

from __future__ import annotations

import json

import pytest

from casus.errors import DatasetError
from casus.model import AnnotationSet, Document
from casus.splits import Manifest, check_style_disjoint, create, place_missing


def _aset(doc_id: str, writer: str | None, style: str | None, region: str = "Middle East") -> AnnotationSet:
    meta = {"region": region}
    if writer:
        meta.update(writer=writer, style=style)
    return AnnotationSet(document=Document(id=doc_id, text="x", metadata=meta), annotator="gold", spans=(), events=())


def _corpus() -> list[AnnotationSet]:
    old = [_aset(f"casus-{i:03d}", None, None, region=("Middle East", "Sahel")[i % 2]) for i in range(20)]
    new = []
    for w, style in (("writer-1", "wire"), ("writer-2", "local_press"), ("writer-5", "liveblog"),
                     ("writer-7", "translated")):
        for k in range(10):
            new.append(_aset(f"casus-{100 + len(new):03d}", w, style, region=("Middle East", "Sahel")[k % 2]))
    return old + new


def test_held_out_writers_go_to_style_test_only_and_old_documents_stay():
    asets = _corpus()
    frozen = create(asets[:20], seed=13)
    before = {k: list(v) for k, v in frozen.splits.items()}
    m = Manifest(seed=13, ratios=frozen.ratios, splits={k: list(v) for k, v in frozen.splits.items()},
                 style_test_writers=["writer-5", "writer-7"])
    place_missing(m, asets)
    for k, v in before.items():
        assert set(v) <= set(m.splits[k])
    writer = {a.doc_id: a.document.metadata.get("writer") for a in asets}
    assert {writer[d] for d in m.splits["style_test"]} == {"writer-5", "writer-7"}
    assert len(m.splits["style_test"]) == 20
    for split in ("train", "dev", "test"):
        assert not {writer[d] for d in m.splits[split]} & {"writer-5", "writer-7"}
    new_in_style = [d for s in ("train", "dev", "test") for d in m.splits[s] if writer[d]]
    assert len(new_in_style) == 20
    # the training writers' documents are spread over train, dev and test by ratio
    assert sum(1 for d in m.splits["test"] if writer[d]) >= 2 and sum(1 for d in m.splits["dev"] if writer[d]) >= 2
    check_style_disjoint(m, asets)
    # deterministic, and the manifest round-trips with its held-out writers
    m2 = Manifest(seed=13, ratios=frozen.ratios, splits={k: list(v) for k, v in before.items()},
                  style_test_writers=["writer-7", "writer-5"])
    place_missing(m2, asets)
    assert m2.splits == m.splits
    body = json.loads(m.to_json())
    assert body["style_test_writers"] == ["writer-5", "writer-7"] and set(body["splits"]) == {
        "train", "dev", "test", "style_test"}


def test_held_out_writer_in_train_is_refused(tmp_path):
    asets = _corpus()
    m = create(asets, seed=13, style_test_writers=["writer-5"])
    leaked = m.splits["style_test"].pop()
    m.splits["train"].append(leaked)
    with pytest.raises(DatasetError, match=f"{leaked} \\(writer 'writer-5', in train\\)"):
        check_style_disjoint(m, asets)


def test_style_shared_by_held_out_and_training_writers_is_refused():
    asets = _corpus() + [_aset("casus-900", "writer-9", "liveblog")]
    m = create(asets, seed=13, style_test_writers=["writer-5", "writer-7"])
    with pytest.raises(DatasetError, match="liveblog \\(held out by \\['writer-5'\\], in train/dev/test by \\['writer-9'\\]\\)"):
        check_style_disjoint(m, asets)


def test_manifest_without_style_test_still_loads(tmp_path):
    p = tmp_path / "splits.json"
    p.write_text(json.dumps({"seed": 1, "splits": {"train": ["a"], "dev": ["b"], "test": ["c"]}}))
    m = Manifest.load(p)
    assert m.splits["style_test"] == [] and m.style_test_writers == []
    p.write_text(json.dumps({"seed": 1, "style_test_writers": "writer-5", "splits": {"train": ["a"]}}))
    with pytest.raises(DatasetError, match="style_test_writers must be a list"):
        Manifest.load(p)


def test_reproduce_profiles_pick_the_full_variants_and_their_own_eval_folder():
    """--profile full swaps in each reference recipe's -full variant; the CRF peer (no variant) still runs;
    the events variant reads the full NER run; results go to eval/full."""
    from pathlib import Path

    from casus.reference import profile_recipes

    root = Path(__file__).resolve().parents[1]
    fast, fast_eval = profile_recipes(root, "fast")
    assert [p.name for p in fast] == ["minilm-ner.yaml", "crf-baseline.yaml", "minilm-events.yaml"]
    assert fast_eval == Path("eval")
    full, full_eval = profile_recipes(root, "full")
    assert [p.name for p in full] == ["minilm-ner-full.yaml", "crf-baseline.yaml", "minilm-events-full.yaml"]
    assert full_eval == Path("eval/full")
    from casus.train.recipe import load_recipe

    ev = load_recipe(root / "training" / "minilm-events-full.yaml")
    ner = load_recipe(root / "training" / "minilm-ner-full.yaml")
    assert ev.events.ner_run == ner.output_dir.format(name=ner.name)  # the events variant reads the full NER run
    with pytest.raises(ValueError, match="unknown profile"):
        profile_recipes(root, "fastest")


def test_full_recipe_is_the_reference_recipe_plus_its_levers():
    """The full profile differs from the fast default only where its comments say (augmentation, epochs)."""
    from pathlib import Path

    from casus.train.recipe import load_recipe

    root = Path(__file__).resolve().parents[1]
    fast = load_recipe(root / "training/minilm-ner.yaml").model_dump()
    full = load_recipe(root / "training/minilm-ner-full.yaml").model_dump()
    diff = {k for k in fast if fast[k] != full[k]}
    assert diff == {"name", "description", "augment", "train"}
    assert full["augment"]["entity_swap"] > 0 and full["train"]["epochs"] > fast["train"]["epochs"]
    assert {k for k in fast["train"] if fast["train"][k] != full["train"][k]} == {"epochs"}
