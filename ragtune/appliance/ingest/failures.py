"""Remembered failures: a file that cannot be read (corrupt PDF, binary .txt, empty file, …) is recorded in the store
(`ingest_failures`, migration 0009: path, sha256 of its bytes, kind and that kind's loader version, the one-line
reason, when). The next ingest does not read it again (a big broken PDF is parsed once, not on every run) while its
bytes and its loader version are the same: the summary lists it as still unreadable instead of as a new failure. A
changed file, a newer loader (`LOADER_VERSIONS`) or `ingest --retry-failed` reads it again, and so does a raised
`[ingest] parse_seconds` a file that ran out of the lower one (its reason says the limit: parse_budget.outgrown);
reading it, or finding its file gone, or `docs remove` of its stored version, forgets it. The limit stays in the
reason, not in a column (round 51): one function writes and reads it (parse_budget.budgeted/_OVER_AT, `:g` both
ways, pinned per loader by tests/appliance/test_r51_defects_timeout_reason.py), a column would say the same thing
twice in one row and cost a schema migration that an older ragtune would refuse the home over.

A BEIR corpus file that fails validation (a bad JSON line, a duplicate `_id`, no rows) is remembered the same way, as
kind CORPUS_KIND under CORPUS_CHECK_VERSION: its bytes are hashed only when a record for its path exists (or after
it failed), so a corpus that never failed is still read once per ingest.

Only what the file's bytes cause is remembered: a loader's LoadError and an empty file or document. Not read errors
(permission, size limit: they change while the bytes do not), embedding or database errors (not the file's fault),
nor single corpus rows (no loader version), nor a path that is not UTF-8 (the store keeps paths as UTF-8 text;
walk.py reports such names before any read)."""

from __future__ import annotations

import os
import time
from typing import Any

from .loaders.parse_budget import outgrown
from .reuse import loader_version
from ..errors import ModelError
from ..hashing import sha256_file
from ..text import is_utf8

CORPUS_KIND = "corpus"  # a corpus file as a whole (its rows are documents of kind "beir")
CORPUS_CHECK_VERSION = 1  # bump when beir.iter_corpus accepts what it refused: remembered corpus files are read again


def _version(kind: str) -> int | None:
    return CORPUS_CHECK_VERSION if kind == CORPUS_KIND else loader_version(kind)


def file_sha(path: str) -> str | None:
    """sha256 of a file's bytes, None when it cannot be read now (then nothing is remembered)."""
    try:
        return sha256_file(path)
    except (OSError, ModelError):  # ModelError: the file became a device or pipe meanwhile
        return None


class Failures:
    """One run's view: the records loaded once at its start, consulted per file, written once at its end."""

    def __init__(self, store: Any, *, retry: bool = False):
        self.known: dict[str, dict[str, Any]] = store.ingest_failures()
        self.retry = retry
        self.put: dict[str, tuple[str, str, str, int, str, float]] = {}
        self.forget: set[str] = set()

    def still_unreadable(self, path: str, sha: str, kind: str) -> tuple[str, float] | None:
        """(reason, failed_at) when `path` failed before with these bytes under the current loader of `kind`."""
        rec = self.known.get(path)
        if rec is None or self.retry:
            return None
        if (rec["sha256"], rec["kind"], rec["loader_version"]) != (sha, kind, _version(kind)):
            return None
        if outgrown(str(rec["reason"])):  # it ran out of a parse budget that `[ingest] parse_seconds` has raised
            return None
        return str(rec["reason"]), float(rec["failed_at"])

    def corpus_sha(self, path: str) -> str | None:
        """The sha256 of a corpus file with a remembered failure (to compare); None, without reading it, otherwise."""
        return None if self.retry or path not in self.known else file_sha(path)

    def failed(self, path: str, sha: str | None, kind: str, reason: str) -> None:
        version = _version(kind)
        if sha is None and kind == CORPUS_KIND:  # streamed while validated, so hashed only now that it failed
            sha = file_sha(path)
        if sha is None or version is None or not is_utf8(path):  # a name the store cannot hold: said each run
            return
        self.put[path] = (path, sha, kind, version, reason, time.time())

    def readable(self, path: str) -> None:
        """`path` was read (or found as stored): whatever failed before is over."""
        self.put.pop(path, None)
        if path in self.known:
            self.forget.add(path)

    def save(self, store: Any, seen: set[str]) -> None:
        """Write this run's records; forget those read now and those whose file is gone."""
        gone = {p for p in self.known if p not in seen and not os.path.exists(p)}
        forget = sorted((self.forget | gone) - set(self.put))
        if forget or self.put:
            store.update_ingest_failures(list(self.put.values()), forget)
