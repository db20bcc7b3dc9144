"""ARCHITECTURE.md's import rules, enforced: every import in src/casus (module-level and function-local) goes
to the importing module's own layer or a lower one, and no two modules import each other, directly or
through others (no cycle, whatever the layer)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "casus"

# lowest first; a module may import from its own layer and the layers below (ARCHITECTURE.md)
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("primitives", ("errors", "atomic", "codes")),
    ("core model", ("model", "schema", "align", "splits", "features", "checks", "rundir")),
    ("formats", ("formats",)),
    ("metrics", ("metrics", "plots")),
    ("repository", ("store", "validate", "stats", "adjudicate", "dataset", "card", "export", "contribute")),
    ("models", ("train", "predict", "predict_io", "predict_ray", "onnx_export", "events")),
    ("evaluation", ("evaluation", "report", "reference", "interop", "preannotate", "benchmarks")),
    ("cli", ("cli", "__main__")),
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(SRC.rglob("*.py"))}


def layer_of(module: str) -> int:
    rel = module.split(".", 1)[1] if "." in module else ""
    if rel == "":
        return 0  # the package itself (version only)
    head = rel.split(".")[0]
    for k, (_, heads) in enumerate(LAYERS):
        if head in heads:
            return k
    raise AssertionError(f"{module} is in no layer of ARCHITECTURE.md: add it to the table (and to LAYERS here)")


def imports_of(module: str) -> set[str]:
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - (node.level - 1)] if node.level else []
            mod = ".".join(base + ([node.module] if node.module else [])) if node.level else (node.module or "")
            targets = [f"{mod}.{a.name}" if f"{mod}.{a.name}" in MODULES else mod for a in node.names]
        else:
            continue
        out |= {t for t in targets if t in MODULES and t != module}
    return out


GRAPH = {m: imports_of(m) for m in MODULES}


def test_every_module_has_a_layer():
    for m in MODULES:
        layer_of(m)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down_the_layers(module):
    mine = layer_of(module)
    up = sorted(t for t in GRAPH[module] if layer_of(t) > mine)
    assert not up, (f"{module} ({LAYERS[mine][0]}) imports from a higher layer: "
                    + ", ".join(f"{t} ({LAYERS[layer_of(t)][0]})" for t in up)
                    + " — move the shared code down (see ARCHITECTURE.md, 'where each kind of change goes')")


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles_even_through_function_local_imports():
    assert strongly_connected(GRAPH) == []


def test_the_checker_finds_a_planted_cycle_and_an_upward_import():
    planted = {k: set(v) for k, v in GRAPH.items()}
    planted["casus.model"].add("casus.store")  # store imports model: a cycle, and model -> store goes up
    assert any({"casus.model", "casus.store"} <= set(c) for c in strongly_connected(planted))
    assert layer_of("casus.store") > layer_of("casus.model")
