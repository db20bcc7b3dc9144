"""Every CLI error path ends in a message and an exit code, never a traceback: hypothesis draws option values
(valid choices, near misses, garbage, numbers, paths that do not exist) for the cheap commands of every
command group on a small repository, and each invocation must exit 0, 1 or 2 with no uncaught exception."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from casus.cli import app  # noqa: E402

from conftest import FIXTURE_CORPUS, make_repo  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

VALUES = st.one_of(
    st.sampled_from(["text", "json", "utf16", "codepoint", "lf", "keep", "BIO", "IOBES", "hf", "conll", "jsonl",
                     "test", "dev", "style_test", "train", "fp32", "bf16", "casus", "doccano", "latest", "all",
                     "annotations", "predictions", "", "-1", "0", "1e9", "NaN", "foo", "../x", "/nonexistent/x",
                     "casus-001", "fix-001", "ÄÖ", "a,b", "--", "0.5"]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=8),
)

COMMANDS = [  # (command words, options whose values are drawn, fixed arguments appended last)
    (["validate"], ["--format"], []),
    (["stats"], ["--format"], []),
    (["show"], [], ["fix-001"]),
    (["export", "doccano"], ["--offsets", "--split", "--docs", "--annotator"], ["OUT/x.jsonl"]),
    (["export", "brat"], ["--split", "--docs"], ["OUT/brat"]),
    (["import", "doccano"], ["--offsets", "--newline", "--annotator"], ["OUT/missing.jsonl"]),
    (["import", "labelstudio"], ["--pick", "--source", "--annotator"], ["OUT/missing.json"]),
    (["build"], ["--format", "--scheme"], ["--out", "OUT/ds"]),
    (["evaluate"], ["--split", "--format"], ["OUT/none.jsonl", "OUT/none2.jsonl"]),
    (["compare"], ["--split", "--bootstrap", "--seed"], ["OUT/run-a", "OUT/run-b"]),
    (["predict"], ["--format", "--precision", "--chunk", "--min-confidence"], ["OUT/run", "--docs", "fix-001"]),
    (["agree"], ["--format"], []),
]


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    root = make_repo(tmp_path_factory.mktemp("fuzz") / "repo")
    for name in ("fix-001.txt", "fix-001.meta.json"):
        shutil.copyfile(FIXTURE_CORPUS / name, root / "corpus" / name)
    return root


@pytest.mark.parametrize("words,options,fixed", COMMANDS, ids=[" ".join(c[0]) for c in COMMANDS])
def test_no_option_value_gives_a_traceback(repo, tmp_path_factory, words, options, fixed):
    out = tmp_path_factory.mktemp("out")

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(st.tuples(st.sampled_from(options or ["--root"]), VALUES), max_size=3))
    def run(drawn):
        args = list(words)
        for opt, val in drawn:
            if opt == "--root":
                continue
            args += [opt, val]
        args += [a.replace("OUT", str(out)) for a in fixed] + ["--root", str(repo)]
        r = CliRunner().invoke(app, args)
        assert r.exit_code in (0, 1, 2), (args, r.exit_code, r.output[-500:])
        assert r.exception is None or isinstance(r.exception, SystemExit), (args, repr(r.exception))
        assert "Traceback" not in r.output

    run()
