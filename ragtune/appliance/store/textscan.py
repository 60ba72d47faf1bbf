"""The rows of the database that hold a text (`ragtune docs find`, erasure_check.py): which table, column and row
ids, never the values. Every ordinary table and column is read (a virtual table through its own tables, which hold
the vectors as numbers); ASCII letters in any case, as SQLite's lower() folds them."""

from __future__ import annotations

from typing import Any

_ASCII_UPPER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def rows_holding(store: Any, text: str, *, max_ids: int = 20, max_count: int = 10_000) -> list[dict[str, Any]]:
    """[{"table", "column", "count" (up to max_count), "ids" (the first max_ids rowids)}] for each column holding
    `text` (its words joined by one space) in some row."""
    needle = " ".join(text.split()).translate(_ASCII_UPPER)
    out: list[dict[str, Any]] = []
    tables = [r[0] for r in store.conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name")]
    for table in tables:
        for col in [r[1] for r in store.conn.execute(f"PRAGMA table_info({_quoted(table)})")]:
            ids = [r[0] for r in store.conn.execute(
                f"SELECT rowid FROM {_quoted(table)} WHERE instr(lower(CAST({_quoted(col)} AS TEXT)), ?) > 0 "
                f"LIMIT {int(max_count)}", (needle,))]
            if ids:
                out.append({"table": table, "column": col, "count": len(ids), "ids": ids[:max_ids]})
    return out
