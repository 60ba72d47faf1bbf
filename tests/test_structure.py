"""Checks a reviewer would run on the layout (issue 15), read from the source with `ast`, nothing imported:
no SQL outside the store layer."""

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


def test_no_sql_outside_the_store_layer():
    offenders = []
    for path in _modules(*SCANNED):
        if STORE in path.parents:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for line, text in _strings(tree):
            if SQL.search(text):
                offenders.append(f"{path.relative_to(REPO)}:{line}: {text.strip()[:60]!r}")
        for node in ast.walk(tree):  # raw connection use is SQL too, whatever the string looks like
            if isinstance(node, ast.Attribute) and node.attr in ("conn", "execute", "executemany"):
                offenders.append(f"{path.relative_to(REPO)}:{node.lineno}: .{node.attr}")
    assert not offenders, "SQL belongs in ragtune/appliance/store/ (add a named method):\n" + "\n".join(offenders)


def test_the_sql_check_sees_sql():
    tree = ast.parse('x = f"SELECT {cols} FROM query_log"\ny = "INSERT OR REPLACE INTO t(a) VALUES (?)"\n'
                     'z = "select the best answer from the list"\n')
    assert [line for line, text in _strings(tree) if SQL.search(text)] == [1, 2]
