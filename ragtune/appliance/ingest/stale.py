"""The stale mark: a document whose file failed to re-ingest keeps serving its stored version, and says so (reason and
time in its meta) in the ingest summary and `ragtune docs list`. Ingest sets it; a successful ingest of the file, or
the file coming back to its stored content, clears it."""

from __future__ import annotations

import time
from typing import Any

from .prune import names_row


def mark_stale(store: Any, failed: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """For every failed path that has a stored version: mark it stale (reason, time). Returns those (path, reason)."""
    out: list[tuple[str, str]] = []
    for path, reason in failed:
        row = store.document_by_path(path)
        # a corpus file that failed as a whole: every row stored from it is stale (its rows only, not a file
        # "F#notes.md" beside it: prune.names_row)
        rows = [row] if row is not None else \
            [r for r in store.documents(path + "#") if names_row(path + "#", r["kind"])]
        for r in rows:
            meta = dict(r["meta"])
            was = meta.get("stale") if isinstance(meta.get("stale"), dict) else {}
            if not (was.get("reason") == reason and was.get("since")):  # a file still failing as it did: as is
                meta["stale"] = {"reason": reason, "since": was.get("since") or time.time()}
                store.set_document_meta(r["id"], meta)
            out.append((r["path"] if row is None else path, reason))
    return out


def clear_stale(store: Any, doc_id: int, meta: dict[str, Any]) -> None:
    """The file is back to the stored content: the stored version is current again."""
    if "stale" in meta:
        store.set_document_meta(doc_id, {k: v for k, v in meta.items() if k != "stale"})
