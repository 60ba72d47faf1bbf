"""The store layer: every SQL statement of ragtune lives in this package (a test checks that no module outside it
writes SQL). SQLite (apsw + sqlite-vec) is the source of truth: the Tantivy index and the vector snapshot are
derived from `chunks`/`chunk_vec` and repaired from them.

- `schema`: EMBED_DIM and the named, append-only migrations;
- `base`: the connection, transactions and every Store method (database errors become StoreError naming the file),
  migrations, meta/index version;
- `corpus`: documents, chunks, vectors;
- `logs`: the query log and the answer cache;
- `evals`: evaluation runs and items.

`Store` is the one class callers hold; its methods come from the table groups above.
"""

from __future__ import annotations

from typing import Any

from .base import MAX_ROW_ID, StoreBase, database_errors_named, json_dumps, json_loads_or_raw
from .corpus import CorpusTables
from .evals import EvalTables
from .logs import QUERY_LOG_COLUMNS, LogTables
from .schema import EMBED_DIM, MIGRATIONS


@database_errors_named
class Store(CorpusTables, LogTables, EvalTables, StoreBase):
    """One apsw connection to `ragtune.db` with sqlite-vec loaded and migrations applied."""

    def __enter__(self) -> "Store":
        return self


def open_store(home: Any) -> Store:
    """The store of a `Home`."""
    return Store(home.db_path)

__all__ = ["EMBED_DIM", "MAX_ROW_ID", "MIGRATIONS", "QUERY_LOG_COLUMNS", "Store", "json_dumps",
           "json_loads_or_raw", "open_store"]
