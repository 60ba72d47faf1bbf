"""Cost of doctor's `readers` line (round 54, mend1): `documents_per_kind_meta` + the stale rule over a store of
100,000 documents (the worst case of a 100k-chunk home: one chunk each), half by an older reader. No arguments; the
store is made in a temporary folder and removed. Prints CPU and wall seconds of the check, best of 5."""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from ragtune.appliance.doctor_files import check_readers
from ragtune.appliance.ingest.loaders import LOADER_VERSIONS
from ragtune.appliance.store import Store
from ragtune.appliance.store.health import open_as_is

N = 100_000


class _Rep:
    def __init__(self) -> None:
        self.checks: list[tuple] = []

    def add(self, *a) -> None:
        self.checks.append(a)


def main() -> None:
    kinds = sorted(LOADER_VERSIONS)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "ragtune.db"
        store = Store(db)
        with store.transaction():
            for i in range(N):
                kind = kinds[i % len(kinds)]
                meta = {"index_key": "k" * 40, "loader": LOADER_VERSIONS[kind] - (i % 2), "embed_model": "m" * 64}
                store.put_document(path=f"/share/d{i}.{kind}", sha256=f"{i:064x}", title=f"Doc {i}", kind=kind,
                                   size=0, doc_date=None, ingested_at=0.0, meta=json.dumps(meta), chunks=[],
                                   vectors=[])
        store.close()
        best_cpu = best_wall = float("inf")
        for _ in range(5):
            ro = open_as_is(db)  # as doctor opens it
            rep = _Rep()
            c0, w0 = time.process_time(), time.perf_counter()
            check_readers(ro, rep)
            best_cpu, best_wall = min(best_cpu, time.process_time() - c0), min(best_wall, time.perf_counter() - w0)
            ro.close()
        print(f"{N} documents: readers check {best_cpu * 1000:.1f} ms CPU, {best_wall * 1000:.1f} ms wall (best of 5)")
        print(rep.checks[0][2])


if __name__ == "__main__":
    main()
