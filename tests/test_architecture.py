"""The package's shape (docs/architecture.md), checked on the source: every import counts, those written inside
functions too. No import cycle inside pipeline/; the readers and the OCR stage never reach the engine; no room
imports another room's private (_underscored) names; the rooms depend on each other in one direction."""
from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "pipeline"

#: the rooms from the bottom up: a room may import only the rooms before it (and itself)
ORDER = ("core", "lang", "tools", "layout", "readers", "ocr", "normalize", "structure", "nlp", "assemble", "run",
         "evaluate", "store", "engine", "exports", "serve", "cli")


def _modules() -> dict[str, Path]:
    mods = {}
    for p in PKG.rglob("*.py"):
        parts = list(p.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        mods[".".join(parts)] = p
    return mods


MODULES = _modules()


def _imports(mod: str) -> list[tuple[str, list[str]]]:
    """(imported module, names taken from it) of every import statement of ``mod``, nested ones included."""
    path = MODULES[mod]
    base = mod.split(".") if path.name == "__init__.py" else mod.split(".")[:-1]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(a.name, []) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            prefix = ".".join(base[: len(base) - node.level + 1] + ([node.module] if node.module else [])) \
                if node.level else node.module
            for a in node.names:
                sub = f"{prefix}.{a.name}"
                out.append((sub, []) if sub in MODULES else (prefix, [a.name]))
    return out


def _owner(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


GRAPH: dict[str, set[str]] = defaultdict(set)
NAMES: list[tuple[str, str, str]] = []  # (importer, imported module, name)
for _m in MODULES:
    for _target, _names in _imports(_m):
        _t = _owner(_target)
        if _t and _t != _m:
            GRAPH[_m].add(_t)
            NAMES += [(_m, _t, n) for n in _names]


def _room(mod: str) -> str:
    parts = mod.split(".")
    return parts[1] if len(parts) > 1 else "pipeline"


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in GRAPH[v]:
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
                found.append(sorted(comp))

    for v in sorted(MODULES):
        if v not in index:
            visit(v)
    return found


def test_the_graph_is_read():
    assert len(MODULES) > 60
    assert "pipeline.ocr.render" in GRAPH["pipeline.exports.review"]  # an import inside a module's body
    assert "pipeline.nlp" in GRAPH["pipeline.run"]                    # ... and one inside a function


def test_no_import_cycle():
    assert _cycles() == []


@pytest.mark.parametrize("room", ["readers", "ocr", "layout"])
def test_readers_and_ocr_never_reach_the_engine(room):
    reach, todo = set(), [m for m in MODULES if _room(m) == room]
    while todo:
        m = todo.pop()
        for t in GRAPH[m]:
            if t not in reach:
                reach.add(t)
                todo.append(t)
    assert not [m for m in reach if _room(m) in ("engine", "store", "exports", "cli")]


def test_rooms_depend_one_way():
    wrong = sorted({(m, t) for m, ts in GRAPH.items() for t in ts
                    if _room(m) in ORDER and _room(t) in ORDER and ORDER.index(_room(t)) > ORDER.index(_room(m))})
    assert wrong == []


def test_no_private_names_across_rooms():
    wrong = sorted((m, t, n) for m, t, n in NAMES if n.startswith("_") and _room(m) != _room(t))
    assert wrong == []


def test_every_room_is_placed():
    rooms = {_room(m) for m in MODULES} - {"pipeline", "__main__"}
    assert rooms <= set(ORDER), rooms - set(ORDER)
