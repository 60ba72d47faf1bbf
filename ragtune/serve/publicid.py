"""The ids a tenant's answers show (round 52): `log_id`, `cached_from`, each citation's `chunk_id` and `/v1/ask`'s
`retrieved`, for a request whose token has a `[serve] token_scopes` entry (a client of a shared server).

The store's ids are counters of the whole home: two of a client's `log_id`s apart said how many questions every other
client asked in between, and a `chunk_id` how large the home is. A tenant sees each id through a keyed permutation
instead: a 4-round Feistel network over 52 bits (HMAC-SHA256 rounds, a key per home and one per kind of id), shown
as 2**52 + the permuted value. So it is still a JSON integer (a client typed for the old ids keeps working, and it
is exact in JavaScript: below 2**53), one row always shows as one number (a cached answer's `cached_from` equals the
`log_id` that client was given for the row), ids say nothing of order or count, and none can be guessed from another.
An operator turns one back into the row's id (`decode`, or the access line, which names both: docs/serve.md). Every
shown id is at least 2**52 and no store id comes near it, so the two kinds never clash.

A token without an entry (an operator's, a monitoring one) and a server without scopes see the store's ids, as
before. The key is HOME/serve_ids.key (32 random bytes, made at the first start that needs it, mode 0600); a home
this process may not write gets a key for the process alone, said once (its ids change at each start).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import threading
from pathlib import Path
from typing import Any

log = logging.getLogger("ragtune.serve")

KEY_FILE = "serve_ids.key"
BITS = 52
SHOWN = 1 << BITS  # every id shown to a tenant is SHOWN + a 52-bit value: below 2**53, a JavaScript-exact integer
_HALF = BITS // 2
_MASK = (1 << _HALF) - 1
_ROUNDS = 4
KINDS = ("log", "chunk")


class PublicIds:
    """The home's permutation of ids; the key is read (or made) on first use."""

    def __init__(self, home: Path | str | None = None, key: bytes | None = None) -> None:
        self.home = None if home is None else Path(home)
        self._key = key
        self._lock = threading.Lock()
        self._rk: dict[str, list[Any]] = {}  # kind → its round keys' HMAC objects, made once (each id copies them)

    def key(self) -> bytes:
        with self._lock:
            return self._key_locked()

    def _key_locked(self) -> bytes:
        if self._key is None:
            self._key = _load_key(self.home)
        return self._key

    def _round_keys(self, kind: str) -> list[Any]:
        if kind not in KINDS:
            raise ValueError(f"unknown kind of id: {kind}")
        rks = self._rk.get(kind)
        if rks is None:
            with self._lock:
                if (rks := self._rk.get(kind)) is None:
                    k = self._key_locked()
                    rks = self._rk[kind] = [
                        hmac.new(hmac.new(k, f"{kind}:{i}".encode(), hashlib.sha256).digest(),
                                 digestmod=hashlib.sha256) for i in range(_ROUNDS)]
        return rks

    def encode(self, kind: str, n: int) -> int:
        """The id `n` of `kind` ("log": a query-log row, "chunk": a stored chunk) as a tenant sees it."""
        if not 0 <= n < SHOWN:  # (no store id gets there; shown as it is rather than wrapped onto another)
            return n
        left, right = n >> _HALF, n & _MASK
        for rk in self._round_keys(kind):
            left, right = right, left ^ _f(rk, right)
        return SHOWN + ((left << _HALF) | right)

    def decode(self, kind: str, shown: int) -> int | None:
        """The store's id behind a shown one, or None: not a shown id (below 2**52 it is a store id itself)."""
        if not is_shown(shown):
            return None
        v = shown - SHOWN
        left, right = v >> _HALF, v & _MASK
        for rk in reversed(self._round_keys(kind)):
            left, right = right ^ _f(rk, left), left
        return (left << _HALF) | right


def is_shown(n: int) -> bool:
    """Whether `n` is in the range of the ids shown to a tenant (2**52 up to 2**53): the range alone, no key."""
    return SHOWN <= n < 2 * SHOWN


def _f(round_key: Any, half: int) -> int:
    h = round_key.copy()  # a copy of the keyed object: the key's pads are not hashed again for every id
    h.update(half.to_bytes(4, "big"))
    return int.from_bytes(h.digest()[:4], "big") & _MASK


def _load_key(home: Path | None) -> bytes:
    if home is None:
        return secrets.token_bytes(32)
    path = home / KEY_FILE
    try:
        key = path.read_bytes()
        if len(key) == 32:
            return key
        log.warning("%s: not a key of 32 bytes (%d): a new one is written; ids shown before no longer decode",
                    path, len(key))
    except FileNotFoundError:
        pass
    except OSError as exc:
        log.warning("%s: cannot be read (%s): this process uses a key of its own; the ids its tenants see change at "
                    "each start", path, exc.strerror or exc)
        return secrets.token_bytes(32)
    key = secrets.token_bytes(32)
    tmp = path.with_name(f".{KEY_FILE}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(key)
            fh.flush()
            os.fsync(fh.fileno())
        try:  # two servers starting on one home: the first key written is the one both use
            os.link(tmp, path)
        except FileExistsError:
            other = path.read_bytes()
            if len(other) == 32:
                key = other
            else:  # the damaged key said above
                os.replace(tmp, path)
        except OSError:  # a filesystem without hard links
            os.replace(tmp, path)
    except OSError as exc:
        log.warning("%s: cannot be written (%s): this process uses a key of its own; the ids its tenants see change "
                    "at each start", path, exc.strerror or exc)
    finally:
        try:
            os.unlink(tmp)
        except OSError:
            pass
    return key


class View:
    """The ids one request sees: a tenant's (`ids` set) shown through the home's permutation, else as stored."""

    def __init__(self, ids: PublicIds | None) -> None:
        self.ids = ids

    def log(self, n: Any) -> Any:
        return self.ids.encode("log", n) if self.ids is not None and _is_id(n) else n

    def chunk(self, n: Any) -> Any:
        return self.ids.encode("chunk", n) if self.ids is not None and _is_id(n) else n

    def answer(self, out: dict[str, Any]) -> dict[str, Any]:
        """An answer's JSON (Answer.to_json, /v1/ask's body) with its ids as this request sees them."""
        if self.ids is None:
            return out
        for k in ("log_id", "cached_from"):
            if k in out:
                out[k] = self.log(out[k])
        if isinstance(out.get("retrieved"), list):
            out["retrieved"] = [self.chunk(c) for c in out["retrieved"]]
        return self.citations(out)

    def citations(self, out: dict[str, Any]) -> dict[str, Any]:
        if self.ids is not None:
            for c in out.get("citations") or []:
                c["chunk_id"] = self.chunk(c.get("chunk_id"))
        return out


RAW = View(None)


def _is_id(n: Any) -> bool:
    return isinstance(n, int) and not isinstance(n, bool)
