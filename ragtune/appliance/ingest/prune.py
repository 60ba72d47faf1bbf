"""Prune (`ingest --prune`): which stored documents a run's walk shows are gone."""

from __future__ import annotations

import os
from typing import Any

from .walk import Walk


def stale_documents(store: Any, w: Walk, seen: set[str], seen_prefixes: list[str]) -> list[int]:
    """Documents under the walked folders (or rows of the given corpus files) that this run did not see.
    Nothing under a folder we could not read is considered stale."""
    out: list[int] = []
    prefixes = [str(r).rstrip(os.sep) + os.sep for r in w.prune_roots] + [str(c) + "#" for c in w.prune_corpora]
    keep = [str(u).rstrip(os.sep) + os.sep for u in w.unreadable] + seen_prefixes
    for prefix in prefixes:
        for doc_id, path in store.documents_under(prefix):
            if path in seen:
                continue
            if any(path.startswith(k) for k in keep):
                continue
            out.append(int(doc_id))
    return sorted(set(out))

