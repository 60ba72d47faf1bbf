"""What an ingest and `docs remove` share around the store: waiting for the keyword index's writer, refreshing the
derived vector index after a change, closing what a run opened (split out of pipeline.py)."""

from __future__ import annotations

import time
from contextlib import ExitStack
from typing import Any, Callable

from ..config import Settings
from .summary import IngestSummary


def close_quietly(objs: list) -> None:
    """Close what a run opened, newest first; a failing close must not hide the run's own error."""
    for obj in reversed(objs):
        try:
            obj.close()
        except Exception:
            pass


WRITER_WAIT_S = 30.0  # how long an ingest or `docs remove` waits for another writer of the index (the CLI says so)


def acquire_writer(lexical: Any, stack: ExitStack, timeout: float = WRITER_WAIT_S,
                    on_wait: Callable[[], None] | None = None, *,
                    should_stop: Callable[[], bool] | None = None) -> Any:
    """Enter the lexical writer on `stack`; a retriever rebuilding the index holds it briefly, so wait a little.
    `on_wait` is called once if it has to wait (so a person sees why nothing happens). `should_stop()` true while it
    waits: None at once (the TUI's escape, the CLI's Ctrl-C; before, the wait ran out its half minute first).
    IndexBusy (a StoreError) when the other writer holds on past `timeout`."""
    from ..lexical import IndexBusy

    deadline = time.monotonic() + timeout
    while True:
        try:
            return stack.enter_context(lexical.writer())
        except IndexBusy:
            if on_wait is not None:
                on_wait()
                on_wait = None
            if should_stop is not None and should_stop():
                return None
            if time.monotonic() > deadline:
                raise IndexBusy(f"{lexical.path}: another ingest (or `docs remove`) is writing this index",
                                hint="wait for it to finish, then run this command again") from None
            time.sleep(0.25)


def refresh_vector_index(settings: Settings, store: Any, summary: IngestSummary) -> None:
    """Large stores are searched through a derived vector index (float32 rows + sign and int8 codes,
    vectors.VectorIndex) that follows the store's change log. Update it here, while ingest is already slow, so the
    first question after an ingest does not pay for it. Derived data only: a failure is left to the retriever to
    repair."""
    if not (summary.added or summary.updated or summary.deleted):
        return
    from ..vectors import ANN_MIN_CHUNKS, VectorIndex

    try:
        if store.count_chunks() >= ANN_MIN_CHUNKS:
            VectorIndex(settings.home.root / "vectors", threads=settings.embed.threads).sync(store)
    except Exception:  # noqa: BLE001 - the retriever repairs it lazily
        pass


def rebuild_vectors(settings: Settings, store: Any) -> bool | None:
    """HOME/vectors/ brought up to the store after documents were removed (`docs remove`) or pruned (`ingest
    --prune`): removed means gone, and since round 52 an update overwrites a removed chunk's row with zeros in place
    (vector and codes, fsynced: vectorwrite), so no full rebuild (1.4-2.4 s at 32k chunks) is needed for it
    (docs/security.md, "Erasure"). None: no such folder (a small home searches SQLite only); False: the update
    failed (derived data: the incremental refresh and the retriever repair it)."""
    folder = settings.home.root / "vectors"
    if not folder.is_dir():
        return None
    from ..vectors import VectorIndex

    try:
        VectorIndex(folder, threads=settings.embed.threads).sync(store)
    except Exception:  # noqa: BLE001 - derived data
        return False
    return True
