"""The retrieval cache (retrieve.Retriever.cache): an LRU with a time-to-live, bounded by entries and by bytes.

Bounded by entries alone (512), a serve soak's cache held 66,928 Hits (~60 MB; benchmarks/soak.md): a result keeps
its hits and its candidates, each with its chunk's text. docs/retrieval.md, step 8 "Cache".
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any, Callable, Hashable

from .types import Hit

HIT_BYTES = 700  # a cached Hit's memory besides its strings' characters (object, field dict, numbers, sha256)
CACHE_MAX_BYTES = 16 << 20  # the retrieval cache's budget; see docs/retrieval.md, step 8 "Cache"


def weigh_hits(value: Any) -> int:
    """Bytes a cached retrieval result takes, about: HIT_BYTES and the text of each Hit in it (`(hits, candidates)`
    lists); anything else HIT_BYTES. Measured: ~900 bytes a Hit for 500-character chunks (benchmarks/soak.md)."""
    total = 0
    for part in value if isinstance(value, tuple) else (value,):
        for h in part if isinstance(part, (list, tuple)) else (part,):
            total += HIT_BYTES + (len(h.text) + len(h.source) + len(h.title) + len(h.table_head)
                                  if isinstance(h, Hit) else 0)
    return total


class TTLCache:
    """A small thread-safe LRU with a time-to-live, bounded by entries (`maxsize`) and by their weight (`max_bytes`
    of `weigh`: a result's Hits, about their bytes): the least recently used go first past either. A result heavier
    than the whole budget is not kept. `clock` is injectable for tests."""

    def __init__(self, maxsize: int = 512, ttl_s: float = 600.0, clock: Callable[[], float] = time.monotonic,
                 max_bytes: int = CACHE_MAX_BYTES, weigh: Callable[[Any], int] = weigh_hits):
        self.maxsize, self.ttl_s, self.clock = maxsize, ttl_s, clock
        self.max_bytes, self.weigh = max_bytes, weigh
        self._data: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._sizes: dict[Hashable, int] = {}
        self.nbytes = 0  # the weight of what is held now
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any | None:
        with self._lock:
            item = self._data.get(key)
            if item is None:
                return None
            t, value = item
            if self.clock() - t > self.ttl_s:
                self._drop(key)
                return None
            self._data.move_to_end(key)
            return value

    def put(self, key: Hashable, value: Any) -> None:
        if self.ttl_s <= 0:
            return
        size = self.weigh(value)  # outside the lock: other threads' lookups need not wait for it
        with self._lock:
            if key in self._data:
                self._drop(key)
            if size > self.max_bytes:
                return  # would evict everything else and still not fit
            self._data[key] = (self.clock(), value)
            self._sizes[key] = size
            self.nbytes += size
            while len(self._data) > self.maxsize or self.nbytes > self.max_bytes:
                self._drop(next(iter(self._data)))

    def _drop(self, key: Hashable) -> None:
        del self._data[key]
        self.nbytes -= self._sizes.pop(key, 0)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._sizes.clear()
            self.nbytes = 0

    def __len__(self) -> int:
        return len(self._data)
