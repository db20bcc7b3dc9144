"""Event modality: the classifier, its score, and predicted events carrying it."""

from __future__ import annotations

import pytest

from casus.events.modality import ModalityClassifier, modality_features
from casus.metrics.events import score_modality
from casus.model import AnnotationSet, Document, Event, Span


def _doc(sentences: list[tuple[str, str]]) -> tuple[str, list[tuple[int, int]]]:
    text, trig = "", []
    for sent, word in sentences:
        start = len(text) + sent.index(word)
        trig.append((start, start + len(word)))
        text += sent + " "
    return text, trig


def test_features_see_the_cue_before_the_trigger():
    text = "The army denied that it shelled the village. Rebels attacked a convoy."
    s = text.index("shelled")
    f = modality_features(text, s, s + 7, "ATTACK:shelling")
    assert f["b3=denied"] == 1 and f["negation"] == 1 and f["trig=shelled"] == 1
    s2 = text.index("attacked")
    f2 = modality_features(text, s2, s2 + 8, "ATTACK:shooting")
    assert "sb=denied" not in f2  # the other sentence's words stay out


def test_classifier_learns_denial_and_threat_cues():
    rows = [("The army denied it shelled the market.", "shelled", "denied"),
            ("Officials denied that police shot protesters.", "shot", "denied"),
            ("The group vowed to attack the base.", "attack", "hypothetical"),
            ("Militants threatened to bomb the bridge.", "bomb", "hypothetical"),
            ("The rebels claimed they downed a drone.", "downed", "claimed"),
            ("The ministry claimed its forces destroyed a tank.", "destroyed", "claimed"),
            ("Gunmen attacked a checkpoint on Monday.", "attacked", "asserted"),
            ("A drone struck a car near the town.", "struck", "asserted")] * 4
    items, labels = [], []
    for sent, word, mod in rows:
        s = sent.index(word)
        items.append((sent, s, s + len(word), "ATTACK:other"))
        labels.append(mod)
    clf = ModalityClassifier()
    info = clf.fit(items, labels, C=3.0, seed=0)
    assert info["train_counts"]["denied"] == 8
    new = ["The army denied it struck the school.", "The militia vowed to attack the town.",
           "Shells struck the school on Friday."]
    words = ["struck", "attack", "struck"]
    got = clf.predict([(t, t.index(w), t.index(w) + len(w), "ATTACK:other") for t, w in zip(new, words)])
    assert got == ["denied", "hypothetical", "asserted"]


def _aset(text: str, trig: list[tuple[int, int]], mods: list[str], cls: str = "ATTACK:shooting") -> AnnotationSet:
    typ, sub = cls.split(":")
    spans = tuple(Span(f"e{k}", s, e, "TRIGGER") for k, (s, e) in enumerate(trig, 1))
    events = tuple(Event(f"E{k}", typ, f"e{k}", sub, (), {} if m == "asserted" else {"modality": m})
                   for k, m in enumerate(mods, 1))
    return AnnotationSet(Document("d", text), spans, events)


def test_score_modality_hand_computed():
    text, trig = _doc([("Rebels attacked a base.", "attacked"), ("The army denied it shot anyone.", "shot"),
                       ("They vowed to attack again.", "attack"), ("Police raided a house.", "raided")])
    gold = _aset(text, trig, ["asserted", "denied", "hypothetical", "asserted"])
    # the 4th trigger is missed by the prediction (not scored); of 3 matched, 2 right
    pred = _aset(text, trig[:3], ["asserted", "asserted", "hypothetical"])
    r = score_modality({"d": (gold, pred)}, n_boot=0)
    assert r["matched_triggers"] == 3
    assert r["accuracy"] == pytest.approx(2 / 3)
    assert r["majority_accuracy"] == pytest.approx(1 / 3)
    assert r["per_modality"]["denied"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert r["per_modality"]["asserted"]["precision"] == pytest.approx(0.5)
    # macro over the modalities present in gold: asserted 2/3, denied 0, hypothetical 1
    assert r["macro_f1"] == pytest.approx((2 / 3 + 0 + 1) / 3)


def test_attach_events_records_predicted_modality():
    from casus.events.arguments import Mention
    from casus.events.records import attach_events

    text, trig = _doc([("The army denied it shelled the town.", "shelled"), ("Rebels attacked a post.", "attacked")])
    spans = tuple(Span(f"e{k}", s, e, "TRIGGER") for k, (s, e) in enumerate(trig, 1))
    aset = AnnotationSet(Document("d", text), spans)
    tm = [Mention("e1", *trig[0], "ATTACK:shelling"), Mention("e2", *trig[1], "ATTACK:shooting")]
    out = attach_events(aset, tm, [], modalities={"e1": "denied", "e2": "asserted"})
    assert [e.modality for e in out.events] == ["denied", "asserted"]
    assert "modality" not in out.events[1].attrs  # asserted is the default, left out as the guidelines say
