"""Checks a reviewer would run on the layout (issue 15), read from the source with `ast`, nothing imported:
no SQL outside the store layer; imports point down the layers; no import loops."""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
STORE = REPO / "ragtune" / "appliance" / "store"
# Code that ships or measures the product; tests may build odd stores with raw SQL on purpose.
SCANNED = ("ragtune", "benchmarks", "packaging")

SQL = re.compile(r"\b(SELECT\b[\s\S]*\bFROM|INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|"
                 r"CREATE\s+(VIRTUAL\s+)?(TABLE|INDEX)|DROP\s+(TABLE|INDEX)|ALTER\s+TABLE|PRAGMA\s+\w+)\b")


def _modules(*tops: str) -> list[Path]:
    return sorted(p for top in tops for p in (REPO / top).rglob("*.py") if ".venv" not in p.parts)


def _strings(tree: ast.AST) -> list[tuple[int, str]]:
    """Every string literal, f-strings joined (their literal parts), with its line."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            out.append((node.lineno, "".join(v.value for v in node.values
                                             if isinstance(v, ast.Constant) and isinstance(v.value, str))))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            out.append((node.lineno, node.value))
    return out


# `.conn` there is not a database: serve/wire.py's is uvicorn's h11 connection (the HTTP state machine).
NOT_A_DATABASE = {"ragtune/serve/wire.py"}


def test_no_sql_outside_the_store_layer():
    offenders = []
    for path in _modules(*SCANNED):
        if STORE in path.parents:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for line, text in _strings(tree):
            if SQL.search(text):
                offenders.append(f"{path.relative_to(REPO)}:{line}: {text.strip()[:60]!r}")
        rel = path.relative_to(REPO).as_posix()
        for node in ast.walk(tree):  # raw connection use is SQL too, whatever the string looks like
            if isinstance(node, ast.Attribute) and node.attr in ("conn", "execute", "executemany") and \
                    not (node.attr == "conn" and rel in NOT_A_DATABASE):
                offenders.append(f"{path.relative_to(REPO)}:{node.lineno}: .{node.attr}")
    assert not offenders, "SQL belongs in ragtune/appliance/store/ (add a named method):\n" + "\n".join(offenders)


def test_the_sql_check_sees_sql():
    tree = ast.parse('x = f"SELECT {cols} FROM query_log"\ny = "INSERT OR REPLACE INTO t(a) VALUES (?)"\n'
                     'z = "select the best answer from the list"\n')
    assert [line for line, text in _strings(tree) if SQL.search(text)] == [1, 2]


# -- imports ------------------------------------------------------------------------------------------------
# The layers, bottom up. A module may import its own layer and the ones below, never one above:
# appliance (runtime, no torch) < models, converters (tuning side) < tui, serve (the apps) < cli (thin, on top of everything).
LAYERS = {"appliance": 0, "models": 1, "converters": 1, "tui": 2, "serve": 2, "cli": 3}
# What each layer must never import (the rules of issue 15; converters may use the models layer's registry code).
FORBIDDEN = {"appliance": {"models", "converters", "tui", "cli"}, "models": {"tui", "cli"},
             "converters": {"tui", "cli"}, "tui": {"cli"}}


def _module_name(path: Path) -> tuple[str, bool]:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    is_pkg = parts[-1] == "__init__"
    return ".".join(parts[:-1] if is_pkg else parts), is_pkg


def _skipped(node: ast.If) -> bool:
    """`if TYPE_CHECKING:` (never runs) and `if __name__ == "__main__":` (a script entry, the top of any stack)."""
    t = node.test
    if isinstance(t, ast.Name) and t.id == "TYPE_CHECKING" or isinstance(t, ast.Attribute) and t.attr == "TYPE_CHECKING":
        return True
    return (isinstance(t, ast.Compare) and isinstance(t.left, ast.Name) and t.left.id == "__name__"
            and any(isinstance(c, ast.Constant) and c.value == "__main__" for c in t.comparators))


def _imports(tree: ast.AST, mod: str, is_pkg: bool, known: set[str]) -> list[tuple[int, str]]:
    """(line, ragtune module) of every import that runs, at module level or inside functions (lazy imports
    count: they run too)."""
    out: list[tuple[int, str]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _skipped(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            out.extend((node.lineno, a.name) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                pkg = mod.split(".") if is_pkg else mod.split(".")[:-1]
                pkg = pkg[: len(pkg) - (node.level - 1)]
                base = ".".join(pkg + ([node.module] if node.module else []))
            for a in node.names:  # `from pkg import module` imports the module
                out.append((node.lineno, f"{base}.{a.name}" if f"{base}.{a.name}" in known else base))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return [(line, name) for line, name in out if name == "ragtune" or name.startswith("ragtune.")]


def _graph() -> dict[str, list[tuple[int, str]]]:
    files = {_module_name(p): p for p in _modules("ragtune")}
    known = {name for name, _ in files}
    return {name: _imports(ast.parse(p.read_text(encoding="utf-8")), name, is_pkg, known)
            for (name, is_pkg), p in files.items()}


def _layer(mod: str) -> str:
    parts = mod.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_imports_point_down_the_layers():
    bad = []
    for mod, imports in _graph().items():
        if mod.endswith(".__main__"):  # `python -m …` entry points are scripts: the top of any stack
            continue
        for line, target in imports:
            if _layer(target) in FORBIDDEN.get(_layer(mod), ()):
                bad.append(f"{mod}:{line} imports {target}")
    assert not bad, "imports must point down (appliance < models, converters < tui < cli):\n" + "\n".join(bad)
    assert set(LAYERS) == {p.name for p in (REPO / "ragtune").iterdir() if (p / "__init__.py").is_file()}


def test_no_import_loops():
    graph = _graph()
    edges = {m: {t for _, t in imps if t in graph and t != m} for m, imps in graph.items()}
    # Tarjan's strongly connected components: a component of more than one module is a loop.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    loops: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                loops.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            connect(v)
    assert not loops, "import loops (lazy imports count; `if TYPE_CHECKING:` does not):\n" + "\n".join(map(str, loops))


def test_the_import_checks_see_lazy_and_relative_imports():
    tree = ast.parse("from ..models import train\ndef f():\n    from ragtune.cli import main\n"
                     "if TYPE_CHECKING:\n    from ..tui import app\n")
    got = [t for _, t in _imports(tree, "ragtune.appliance.x", False, {"ragtune.models.train"})]
    assert got == ["ragtune.models.train", "ragtune.cli"]


# -- test doubles -------------------------------------------------------------------------------------------
def test_no_test_doubles_in_the_product():
    """Fakes live under tests/ (tests/fakes.py, tests/tui/fakes.py, …), never in the installed package."""
    found = []
    for path in _modules("ragtune"):
        if "fake" in path.stem.lower():
            found.append(str(path.relative_to(REPO)))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.ClassDef, ast.FunctionDef)) and node.name.lower().lstrip("_").startswith("fake"):
                found.append(f"{path.relative_to(REPO)}:{node.lineno}: {node.name}")
    assert not found, "test doubles belong under tests/:\n" + "\n".join(found)
