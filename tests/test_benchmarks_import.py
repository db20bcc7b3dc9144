"""Benchmark importers (MUC-4 GRIT/GTT, re3d original + CoNLL, CoNLL-2003, ConfliBERT CAMEO):
tiny committed fixtures always; the real files in ../shared/benchmarks when present (counts as stated in
each SOURCE.md, and every span's text is text[start:end])."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from casus.errors import FormatError
from casus.formats import conflibert, conll2003, muc4, re3d
from casus.model import AnnotationSet

FIX = Path(__file__).resolve().parent / "fixtures" / "benchmarks"
SHARED = Path(__file__).resolve().parents[2] / "shared"
BENCH = SHARED / "benchmarks"


def labels(asets: list[AnnotationSet]) -> Counter:
    return Counter(s.label for a in asets for s in a.spans)


def texts(aset: AnnotationSet) -> list[tuple[str, str]]:
    return [(s.label, aset.text[s.start:s.end]) for s in aset.spans]


def assert_well_formed(asets: list[AnnotationSet]) -> None:
    ids = [a.doc_id for a in asets]
    assert len(ids) == len(set(ids)), "document ids must be unique"
    for a in asets:
        for s in a.spans:
            assert 0 <= s.start < s.end <= len(a.text)
            frag = a.text[s.start:s.end]
            assert frag == frag.strip() and frag, (a.doc_id, s)


# -- fixtures (always run) ---------------------------------------------------------------------------


def test_muc4_fixture_first_occurrence():
    split = muc4.load_grit(FIX / "muc4_grit_mini.jsonl")
    assert [a.doc_id for a in split.asets] == ["TST3-MUC4-0001", "TST3-MUC4-0002", "TST4-MUC4-0003"]
    d1, d2, d3 = split.asets
    assert texts(d1) == [
        ("PerpInd", "armed men of the urban guerrilla front"),
        ("PerpOrg", "urban guerrilla front"),
        ("Weapon", "dynamite"),  # inside "dynamited": GRIT's raw first occurrence
        ("Target", "power station"),
        ("PerpInd", "attackers"),
        ("Victim", "night watchman"),
    ]
    assert d1.text[39:48] == "dynamited" and [s.start for s in d1.spans if s.label == "Weapon"] == [39]
    assert d2.spans == ()
    # "driver" is a mention of two Victim entities: one span
    assert texts(d3) == [("PerpInd", "unidentified gunmen"), ("Victim", "mario lopez"), ("Victim", "driver")]
    assert split.unmatched == [muc4.UnmatchedMention("TST3-MUC4-0001", "Victim", 0, "guard of the station")]
    c = split.counts()
    assert c["unmatched_mentions"] == 1 and c["offset_mismatches"] == 0
    assert c["duplicate_spans"] == 1 and c["partial_word_spans"] == 1
    assert c["overlapping_pairs"] == 1  # PerpOrg inside the PerpInd phrase
    assert c["entities"] == {"PerpInd": 2, "PerpOrg": 1, "Target": 1, "Victim": 3, "Weapon": 1}
    assert c["mentions"]["Victim"] == 5 and c["documents_with_filler"] == 2
    # the gold entities keep the unmatched mention (they are the data as given)
    assert split.entities["TST3-MUC4-0001"]["Victim"] == [["night watchman", "guard of the station"]]
    assert d1.document.metadata["grit_id"] == "30001"
    assert d1.span_by_id()["PerpInd.0.1"].attrs == {"entity": 0, "mention": 1}
    assert_well_formed(split.asets)


def test_muc4_fixture_all_occurrences_and_whole_words():
    split = muc4.load_grit(FIX / "muc4_grit_mini.jsonl", occurrences="all")
    d1 = split.asets[0]
    org = [s for s in d1.spans if s.label == "PerpOrg"]
    assert len(org) == 2 and all(d1.text[s.start:s.end] == "urban guerrilla front" for s in org)
    weapons = [s.start for s in d1.spans if s.label == "Weapon"]
    assert weapons == [39, d1.text.index("dynamite and")]
    whole = muc4.load_grit(FIX / "muc4_grit_mini.jsonl", whole_words=True)
    assert [s.start for s in whole.asets[0].spans if s.label == "Weapon"] == [d1.text.index("dynamite and")]
    assert whole.counts()["partial_word_spans"] == 0
    with pytest.raises(ValueError):
        muc4.load_grit(FIX / "muc4_grit_mini.jsonl", occurrences="some")


def test_muc4_fixture_templates():
    t = muc4.load_templates(FIX / "muc4_gtt_mini.jsonl")
    assert [len(t[d]) for d in ("TST3-MUC4-0001", "TST3-MUC4-0002", "TST4-MUC4-0003")] == [2, 0, 1]
    first = t["TST3-MUC4-0001"][0]
    assert first.incident_type == "bombing"
    assert first.fillers["Weapon"] == (("dynamite",),)
    assert first.entities()["Victim"] == []
    assert t["TST3-MUC4-0001"][1].entities()["Victim"] == [["night watchman", "guard of the station"]]


def test_muc4_malformed_line_names_the_line(tmp_path):
    p = tmp_path / "bad.json"
    p.write_text('{"docid": "X-1", "doctext": "a", "extracts": {}}\n{not json\n', encoding="utf-8")
    with pytest.raises(FormatError, match=r"bad.json:2"):
        muc4.load_grit(p)
    p.write_text('{"docid": "X-1", "doctext": "a", "extracts": {"Location": []}}\n', encoding="utf-8")
    with pytest.raises(FormatError, match="unknown roles"):
        muc4.load_grit(p)


def test_grit_numeric_id():
    assert muc4.grit_numeric_id("TST3-MUC4-0012") == "30012"
    assert muc4.grit_numeric_id("TST1-MUC3-0100") == "10100"
    assert muc4.grit_numeric_id("DEV-MUC3-0001") == "DEV-MUC3-0001"


def test_re3d_original_fixture_flat_and_nested():
    imp = re3d.load_original(FIX / "re3d_original")
    (doc, empty) = imp.asets
    assert doc.doc_id == "DOC1" and empty.spans == ()
    assert texts(doc) == [
        ("Organisation", "The Northern Brigade"),  # longest wins over the nested "Northern Brigade"
        ("Weapon", "two T-72 tanks"),              # ... and over the nested MilitaryPlatform "T-72"
        ("Location", "Al Qaim"),
        ("Temporal", "Monday"),                    # confidence 0.5 is kept
        ("Person", "A spokesman"),                 # " A spokesman" trimmed
        ("Organisation", "\u201cCoalition\u201d"),  # offsets win over the row's value
    ]
    st = imp.stats
    assert (st.documents, st.candidates, st.low_confidence, st.duplicates, st.overlap_dropped, st.kept) == (2, 12, 2, 1, 2, 6)
    assert st.trimmed == 1 and [b["confidence"] for b in st.blank] == [0.9]
    assert st.overlap_dropped_by_type == Counter({"Organisation": 1, "MilitaryPlatform": 1})
    assert [m["value"] for m in st.value_mismatches] == ['"Coalition"']
    assert doc.spans[0].attrs["confidence"] == 1 and doc.document.metadata["title"] == "A made-up report"
    nested = re3d.load_original(FIX / "re3d_original" / "Mini_Source", flat=False)
    assert nested.stats.kept == 8 and nested.stats.overlap_dropped == 0
    everything = re3d.load_original(FIX / "re3d_original", min_confidence=0.0, flat=False)
    assert everything.stats.kept == 10 and everything.stats.duplicates == 1
    assert_well_formed(imp.asets)


def test_re3d_conll_fixture_crlf_per_sentence():
    asets = re3d.read_conll(FIX / "re3d_mini.txt")
    assert [a.doc_id for a in asets] == ["re3d_mini-00001", "re3d_mini-00002"]
    assert asets[0].text == "The Northern Brigade moved two T-72 tanks towards Al Qaim ."
    assert texts(asets[0]) == [("Organisation", "The Northern Brigade"), ("Weapon", "two T-72 tanks"),
                               ("Location", "Al Qaim")]
    assert texts(asets[1]) == [("Temporal", "Monday")]


def test_cameo_fixture():
    asets = conflibert.read_cameo(FIX / "cameo_mini.txt")
    assert [a.doc_id for a in asets] == [f"cameo-cameo_mini-0000{i}" for i in (1, 2, 3)]
    assert texts(asets[0]) == [("S", "Rebels"), ("T", "an army post")]
    assert texts(asets[1]) == [("R", "Ministers of both states")]
    assert labels(asets) == Counter({"S": 2, "T": 2, "R": 1})


def test_conll2003_fixture_iob1_and_ids():
    asets = conll2003.read_conll2003(FIX / "eng.mini")
    assert [a.doc_id for a in asets] == ["eng.mini-0001", "eng.mini-0002"]
    assert asets[0].text == "Oslo talks open .\nAnna Berg Karl Lund met Nordic Bank staff ."
    # IOB1: "I-PER I-PER B-PER I-PER" is two persons
    assert texts(asets[0]) == [("LOC", "Oslo"), ("PER", "Anna Berg"), ("PER", "Karl Lund"), ("ORG", "Nordic Bank")]
    assert texts(asets[1]) == [("MISC", "Danish"), ("LOC", "Copenhagen")]


def test_iob1_to_iob2():
    assert conll2003.iob1_to_iob2(["I-PER", "I-PER", "B-PER", "I-PER", "O", "I-LOC", "I-ORG"]) == \
        ["B-PER", "I-PER", "B-PER", "I-PER", "O", "B-LOC", "B-ORG"]


def test_unknown_benchmark_tag_is_an_error(tmp_path):
    p = tmp_path / "x.txt"
    p.write_text("Rebels B-S\nfled B-Z\n", encoding="utf-8")
    with pytest.raises(FormatError, match="not in this benchmark's label set"):
        conflibert.read_cameo(p)


# -- the real files in ../shared (skipped when absent) -------------------------------------------------


def need(path: Path):
    return pytest.mark.skipif(not path.exists(), reason=f"{path} is absent")


MUC4_COUNTS = {  # SOURCE.md: docs, docs with a filler, entities (mentions) per role
    "train": (1300, 672, {"PerpInd": (549, 804), "PerpOrg": (405, 648), "Target": (619, 837),
                          "Victim": (614, 638), "Weapon": (298, 380)}),
    "dev": (200, 111, {"PerpInd": (148, 248), "PerpOrg": (82, 138), "Target": (109, 188),
                       "Victim": (85, 85), "Weapon": (51, 91)}),
    "test": (200, 123, {"PerpInd": (138, 279), "PerpOrg": (82, 121), "Target": (136, 220),
                        "Victim": (95, 96), "Weapon": (60, 96)}),
}


@need(BENCH / "muc4" / "grit_ree")
@pytest.mark.parametrize("split", ["train", "dev", "test"])
def test_muc4_grit_counts(split):
    docs, with_filler, per_role = MUC4_COUNTS[split]
    for occ in ("first", "all"):
        s = muc4.load_grit(BENCH / "muc4" / "grit_ree" / f"{split}.json", occurrences=occ)
        c = s.counts()
        assert c["documents"] == docs and c["documents_with_filler"] == with_filler
        assert {r: (c["entities"][r], c["mentions"][r]) for r in muc4.ROLES} == per_role
        # every mention string is in its text; the stored offsets are the first occurrences
        assert s.unmatched == [] and s.offset_mismatches == []
        assert_well_formed(s.asets)
        for a in s.asets:
            strings = {(r, m) for r, ents in s.entities[a.doc_id].items() for e in ents for m in e}
            assert all((sp.label, a.text[sp.start:sp.end]) in strings for sp in a.spans)


@need(BENCH / "muc4" / "proc_output_gtt")
def test_muc4_strings_grit_dropped_upstream():
    got = {sp: len(muc4.upstream_unfound(BENCH / "muc4" / "proc_output_gtt" / f"doc_{sp}.txt",
                                         BENCH / "muc4" / "proc_output_gtt" / f"keys_{sp}.txt"))
           for sp in ("train", "dev", "test")}
    assert got == {"train": 94, "dev": 10, "test": 23}


@need(BENCH / "muc4" / "gtt_templates")
@pytest.mark.parametrize("split, n_templates, empty", [("train", 1114, 600), ("dev", 191, 84), ("test", 209, 74)])
def test_muc4_gtt_template_counts(split, n_templates, empty):
    t = muc4.load_templates(BENCH / "muc4" / "gtt_templates" / f"{split}.json")
    assert len(t) == (1300 if split == "train" else 200)
    assert sum(len(v) for v in t.values()) == n_templates
    assert sum(1 for v in t.values() if not v) == empty
    if split == "test":
        types = Counter(x.incident_type for v in t.values() for x in v)
        assert (types["attack"], types["bombing"], types["kidnapping"]) == (127, 55, 14)


RE3D_CONLL = {  # SOURCE.md: sentences, tokens, spans
    "conflibert_splits/train.txt": (574, 15072, 2021),
    "conflibert_splits/dev.txt": (191, 4958, 697),
    "conflibert_splits/test.txt": (200, 5258, 676),
    "juand-r_conll/re3d-train.conll": (765, 20030, 2718),
    "juand-r_conll/re3d-test.conll": (200, 5258, 676),
}


@need(BENCH / "re3d")
@pytest.mark.parametrize("name", sorted(RE3D_CONLL))
def test_re3d_conll_counts(name):
    asets = re3d.read_conll(BENCH / "re3d" / name)
    n_sent, n_tok, n_spans = RE3D_CONLL[name]
    assert len(asets) == n_sent
    assert sum(len(a.text.split(" ")) for a in asets) == n_tok
    assert sum(labels(asets).values()) == n_spans
    assert_well_formed(asets)
    if name.endswith("test.txt"):
        assert labels(asets) == Counter({"Organisation": 284, "Location": 155, "Person": 106, "Temporal": 46,
                                         "Quantity": 30, "Weapon": 17, "DocumentReference": 8,
                                         "MilitaryPlatform": 16, "Nationality": 10, "Money": 4})


@need(BENCH / "re3d" / "dstl_original")
def test_re3d_original_counts_and_the_flat_layer_matches_the_conll_conversion():
    imp = re3d.load_original(BENCH / "re3d" / "dstl_original")
    st = imp.stats
    assert st.documents == 98 and st.candidates == 4838 and st.bad_rows == []
    assert st.candidates_by_type == Counter({
        "Organisation": 1799, "Location": 1245, "Person": 729, "Nationality": 242, "Temporal": 240, "Quantity": 206,
        "Weapon": 111, "Vehicle": 82, "MilitaryPlatform": 79, "DocumentReference": 59, "Money": 29, "Coordinate": 8,
        "CommsIdentifier": 6, "Frequency": 3})
    assert (st.low_confidence, st.duplicates, st.overlap_dropped, st.kept) == (1336, 1, 85, 3413)
    assert len(st.value_mismatches) == 5 and st.trimmed == 4 and len(st.blank) == 3
    per_folder = Counter(a.document.metadata["folder"] for a in imp.asets)
    assert per_folder["CENTCOM"] == 23 and per_folder["BBC_Online"] == 8
    assert_well_formed(imp.asets)
    # the juand-r CoNLL conversion (confidence >= 0.5, longest of overlapping spans) of the same data holds
    # the same entities, type for type, but for one Organisation and the 3 types it left out
    conll_types = labels(re3d.read_conll(BENCH / "re3d" / "juand-r_conll" / "re3d-train.conll")
                         + re3d.read_conll(BENCH / "re3d" / "juand-r_conll" / "re3d-test.conll"))
    ours = Counter({k: v for k, v in st.kept_by_type.items() if k not in ("Vehicle", "CommsIdentifier", "Frequency")})
    diff = {k: ours[k] - conll_types[k] for k in set(ours) | set(conll_types) if ours[k] != conll_types[k]}
    assert diff == {"Organisation": -1}
    nested = re3d.load_original(BENCH / "re3d" / "dstl_original", flat=False)
    assert nested.stats.kept == 3498


CONLL2003 = {  # SOURCE.md: docs, sentences, tokens, LOC, MISC, ORG, PER
    "eng.train": (946, 14041, 203621, 7140, 3438, 6321, 6600),
    "eng.testa": (216, 3250, 51362, 1837, 922, 1341, 1842),
    "eng.testb": (231, 3453, 46435, 1668, 702, 1661, 1617),
}


@need(BENCH / "conll2003")
@pytest.mark.parametrize("name", sorted(CONLL2003))
def test_conll2003_counts(name):
    asets = conll2003.read_conll2003(BENCH / "conll2003" / name)
    docs, sents, toks, loc, misc, org, per = CONLL2003[name]
    assert len(asets) == docs
    assert asets[0].doc_id == f"{name}-0001" and asets[-1].doc_id == f"{name}-{docs:04d}"
    assert sum(a.text.count("\n") + 1 for a in asets) == sents
    assert sum(len(line.split(" ")) for a in asets for line in a.text.split("\n")) == toks
    assert labels(asets) == Counter({"LOC": loc, "MISC": misc, "ORG": org, "PER": per})
    assert_well_formed(asets)


@need(BENCH / "conflibert_cameo_ner")
@pytest.mark.parametrize("name, sents, toks, s, t, r", [("train", 1153, 28815, 1097, 963, 102),
                                                         ("test", 451, 11834, 409, 428, 51)])
def test_cameo_counts(name, sents, toks, s, t, r):
    asets = conflibert.read_cameo(BENCH / "conflibert_cameo_ner" / f"{name}.txt")
    assert len(asets) == sents
    assert sum(len(a.text.split(" ")) for a in asets) == toks
    assert labels(asets) == Counter({"S": s, "T": t, "R": r})
    assert_well_formed(asets)
