"""The documents a request's "in" names, remembered per store index version.

Resolving a folder is a store query plus the sorting of its ids (scope.stored_documents): tens of ms for a folder
of 100k documents, on every request that names it. The same refs resolve to the same ids until the store's
`index_version` moves, which every ingest or removal that changes a document does (in the transaction of the
change), so the resolution is kept under (index_version, refs) and a version that moved is a miss. Within one
ingest run the version moves at its first change, at each move of a document (rename.py: a moved document must
leave its old folder's scope at once) and again at its end: an entry made between them may lag the run's other
changes until it ends, as the retrieval cache's do.

Shared by the server's engines (each resolves with its own store connection, in its own thread): a lock around the
table only; two engines missing at once both resolve, and the second's entry replaces the first's (the same ids).
A token's scope ([serve] token_scopes, docs/serve.md "Scopes per token") resolves the same way, under its own key
(a folder nothing is ingested into yet is an empty part of it: scope.scope_documents), at request time: a document
ingested later under a scoped folder is in scope once the version moves, one moved out is out. A request's refs
under a token's scope are kept under (index_version, refs, the token's refs): one scope's entry is never another's.
A ref outside the scope is the very error of a ref that matches nothing (scope.stored_documents), and neither is
kept: both cost one store lookup each time (a client cannot tell one from the other by a cache hit's speed).

Bounded twice: by entries, and by the ids and reference text they hold (a folder of 100k documents is ~3.6 MB of
Python ints), so a client cycling through large scopes cannot grow the server's memory without end. Errors (an
unknown reference, an empty store) are not kept: they are the client's to fix, and cheap to say again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Callable, Sequence

from ..appliance.scope import scope_documents, stored_documents

MAX_ENTRIES = 256
MAX_WEIGHT = 1_000_000  # ids + reference characters held in all (about 36 MB of Python ints at most)


class ScopeCache:
    """`resolve(store, refs)`: stored_documents(store, refs), remembered until the store's index version moves."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_weight: int = MAX_WEIGHT,
                 resolver: Callable[[Any, Sequence[str]], list[int]] | None = None):
        self.max_entries, self.max_weight = max_entries, max_weight
        self._resolver = resolver  # None: scope.stored_documents
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple, tuple[int, ...]] = OrderedDict()  # least recently used first
        self._weight = 0
        self.hits = self.misses = 0

    def resolve(self, store: Any, refs: Sequence[str]) -> list[int]:
        """The sorted ids of the documents REFs name (errors as stored_documents raises them)."""
        refs = tuple(refs)
        return self._cached(store, refs, lambda: (self._resolver or stored_documents)(store, refs))

    def filters(self, store: Any, within: Sequence[str] | None,
                allowed: Sequence[str] | None) -> dict[str, Any] | None:
        """Retrieval filters of a request: its "in" refs (`within`, None: every document) inside a token's scope
        (`allowed`, the token's refs; None: unscoped, () : no document). Errors as stored_documents raises them."""
        if allowed is None:
            return None if within is None else {"doc_ids": self.resolve(store, within)}
        scope = self._cached(store, ("token", tuple(allowed)), lambda: scope_documents(store, allowed))
        if within is None:
            return {"doc_ids": scope}
        own = frozenset(scope)
        return {"doc_ids": self._cached(store, ("in", tuple(within), tuple(allowed)),
                                        lambda: stored_documents(store, within, allowed=own))}

    def _cached(self, store: Any, refs: tuple, resolve: Callable[[], list[int]]) -> list[int]:
        version = store.index_version  # read before resolving: a change racing it can only make the entry a miss
        key = (version, refs)
        with self._lock:
            ids = self._entries.get(key)
            if ids is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return list(ids)  # a list of its own: the caller's filters are never the cached entry
            self.misses += 1
        ids = tuple(resolve())
        self._keep(key, ids)
        return list(ids)

    def _keep(self, key: tuple, ids: tuple[int, ...]) -> None:
        weight = _weight(key, ids)
        if weight > self.max_weight:  # larger than the whole budget: resolved each time rather than flushing all
            return
        with self._lock:
            if key in self._entries:
                self._weight -= _weight(key, self._entries.pop(key))
            # entries of another version are misses from now on (an older one; a newer one only another engine's
            # read racing an ingest): they go first, then the least recently used
            stale = [k for k in self._entries if k[0] != key[0]]
            for k in stale:
                self._weight -= _weight(k, self._entries.pop(k))
            while self._entries and (len(self._entries) >= self.max_entries or self._weight + weight > self.max_weight):
                k, v = self._entries.popitem(last=False)
                self._weight -= _weight(k, v)
            self._entries[key] = ids
            self._weight += weight

    def clear(self) -> None:
        """Forget every entry (a reload of the tokens' scopes, reload.py: entries are keyed by refs, so an old
        scope's would only be a miss; cleared so that they do not hold memory until pushed out)."""
        with self._lock:
            self._entries.clear()
            self._weight = 0

    def __len__(self) -> int:
        return len(self._entries)


def _weight(key: tuple, ids: tuple[int, ...]) -> int:
    return len(ids) + sum(len(r) if isinstance(r, str) else sum(map(len, r)) for r in key[1])
