"""A whole rebuild of the keyword (BM25) index, for another schema or damage: said before it runs, marked while it
runs, and waited for by another searcher (split beside lexical.py, round 50).

- Said: `on_rebuild` (as StoreBase.on_upgrade is for migrations): each function is told `(index folder, info)` before
  a rebuild caused by another schema or by damage, and when a search waits for another process's rebuild. The CLI
  prints one stderr line (cli/common.py); the library stays quiet. At 20,000 chunks the rebuild took 11 to 19 s, and
  nothing was on screen after the `migrated …` line.
- Marked: the rebuilding writer's sync marker (synced.json) carries `"rebuilding": info` next to its null version;
  the commit replaces it with the version, so a marker left so by a killed rebuild only forces the next rebuild.
- Waited for: a search whose own rebuild finds the writer held, with that marker, waits for it (`wait_rebuilt`) and
  reads the rebuilt index. It read the reset, still empty one instead: results with no keyword part, and nothing
  said so. An ingest's writer is not waited for: its last commit is searched, as before. Past REBUILD_WAIT_S:
  IndexBusy (exit 75; serve: 503 with Retry-After) saying the keyword index is being rebuilt by another process.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable

from .filelock import LocksUnavailable
from .lexical_open import IndexBusy, locked

on_rebuild: list[Callable[[Path, dict[str, Any]], None]] = []
REBUILD_WAIT_S = 60.0  # about 1 s per 1,000 chunks on busy cores: 60,000 chunks; past it, exit 75 / 503
POLL_S = 0.1
SECONDS_PER_1000 = 1.0  # doctor's and the messages' estimate (docs/upgrading.md: 20,000 chunks in 11 to 19 s)


def reason(ix: Any, store: Any, schema: int) -> dict[str, Any] | None:
    """What the coming rebuild of `ix` is, for `on_rebuild` and the marker: another schema (`from_schema`, None when
    its marker did not say) or damage; None for a catch-up of an index that is only behind (nothing is said)."""
    if not ix.corrupt:
        return None
    try:
        chunks = int(store.count_chunks())
    except Exception:  # noqa: BLE001 - the rebuild reads the store and says what is wrong with it
        chunks = 0
    info: dict[str, Any] = {"schema": schema, "chunks": chunks}
    if ix.old_schema is not None or ix.other_analyzer:
        info["from_schema"] = ix.old_schema
    else:
        info["damaged"] = True
    return info


def tell(path: Path, info: dict[str, Any]) -> None:
    """Each `on_rebuild` function, with `info` (nothing for an empty store: a rebuild of nothing takes no time)."""
    if not info.get("chunks"):
        return
    for fn in list(on_rebuild):
        fn(path, info)


def describe(info: dict[str, Any]) -> str:
    """`schema 2 → 3, 20,000 chunks` (or `damaged, 20,000 chunks`) for the lines that name a rebuild."""
    count = int(info.get("chunks") or 0)
    n = f"{count:,} chunk{'s' if count != 1 else ''}"
    if info.get("catch_up"):
        return "brought in step with the database"
    if info.get("damaged"):
        return f"damaged, {n}"
    old = info.get("from_schema")
    return f"schema {old if old is not None else 'older'} → {info.get('schema')}, {n}"


def _rebuilding(ix: Any) -> dict[str, Any] | None:
    marker = ix._read_sidecar() or {}
    info = marker.get("rebuilding")
    return info if isinstance(info, dict) else None


def _writer_gone(path: Path) -> bool:
    """Nobody holds the index's writer (the rebuilder died or failed, leaving its marker). Only tried while the marker
    says a rebuild runs: its writer holds the lock then, and a try does not disturb it."""
    try:
        with locked(path, 0):
            return True
    except IndexBusy:
        return False
    except (OSError, LocksUnavailable):  # cannot tell: stop waiting, the caller tries once more
        return True


def wait_rebuilt(ix: Any, store: Any, wait_s: float | None = None) -> bool:
    """`ix`'s own rebuild found the writer held (IndexBusy). When the holder is a whole rebuild (its marker), wait
    for it to end, up to `wait_s` (REBUILD_WAIT_S), then read the index it made: True when it is in step now (a
    rebuild happened), else the index's own try once more. When the holder is anything else (an ingest): False, the
    last commit is searched. IndexBusy naming the rebuild when it runs past the wait."""
    info = _rebuilding(ix)
    if info is None:
        return False
    tell(ix.home_path, {**info, "waiting": True})
    wait_s = REBUILD_WAIT_S if wait_s is None else wait_s
    deadline = time.monotonic() + wait_s
    while _rebuilding(ix) is not None and not _writer_gone(ix.path):
        if time.monotonic() >= deadline:
            raise busy(ix.home_path, info, wait_s)
        time.sleep(POLL_S)
    ix.reload()
    if ix.is_synced(store):
        return True
    try:  # the other rebuild failed or was killed, or the store moved on meanwhile
        ix.rebuild(store)
    except IndexBusy:
        if (now := _rebuilding(ix)) is not None:
            raise busy(ix.home_path, now, wait_s) from None
        return False
    return True


def busy(path: Path, info: dict[str, Any], waited_s: float) -> IndexBusy:
    minutes = max(1, round(int(info.get("chunks") or 0) * SECONDS_PER_1000 / 1000 / 60))
    return IndexBusy(f"{path}: the keyword index is being rebuilt by another process ({describe(info)}; waited "
                     f"{waited_s:g} s)",
                     hint=f"try again in about {minutes} minute{'s' if minutes != 1 else ''}, when it has finished")
