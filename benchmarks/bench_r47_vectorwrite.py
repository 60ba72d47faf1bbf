"""Round 47: the vector index's incremental update (vectorwrite._update) on a big home: the time of `sync` after one
document is added (and one removed), with random unit vectors (no embedder: the update's cost is the files', not
the model's). `python benchmarks/bench_r47_vectorwrite.py --root /tmp/x --chunks 100000 [--reps 5]`; the home is
built once under --root (reused when its ready.json says the same size)."""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ragtune.appliance.ingest.chunker import Chunk  # noqa: E402
from ragtune.appliance.store import EMBED_DIM, Store  # noqa: E402
from ragtune.appliance.vectors import VectorIndex  # noqa: E402

PER_DOC = 100


def _doc(store: Store, name: str, n: int, rng: np.random.Generator) -> int:
    chunks = [Chunk(ord=i, text=f"{name} chunk {i}", start_char=0, end_char=1, n_tokens=3) for i in range(n)]
    vecs = rng.standard_normal((n, EMBED_DIM)).astype(np.float32)
    doc_id, _ = store.put_document(path=f"/bench/{name}.md", sha256=name.rjust(64, "0"), title=name, kind="md",
                                   size=0, doc_date=None, ingested_at=time.time(), meta="{}", chunks=chunks,
                                   vectors=list(vecs))
    return doc_id


def build(root: Path, n: int) -> None:
    ready = root / "ready.json"
    if ready.exists() and json.loads(ready.read_text()).get("chunks") == n:
        return
    root.mkdir(parents=True, exist_ok=True)
    for p in root.glob("db.sqlite*"):
        p.unlink()
    rng = np.random.default_rng(0)
    with Store(root / "db.sqlite") as store:
        with store.transaction():
            for d in range(0, n, PER_DOC):
                _doc(store, f"d{d // PER_DOC:06d}", min(PER_DOC, n - d), rng)
        t0 = time.perf_counter()
        out = VectorIndex(root / "vectors").sync(store, rebuild=True)
        print(f"built {n} chunks; vector rebuild {time.perf_counter() - t0:.1f} s ({out['action']})", file=sys.stderr)
    ready.write_text(json.dumps({"chunks": n}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", required=True)
    ap.add_argument("--chunks", type=int, default=100_000)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--add", type=int, default=5, help="chunks of the document added")
    a = ap.parse_args()
    root = Path(a.root)
    build(root, a.chunks)
    rng = np.random.default_rng(int(time.time()))
    add_s, add_cpu, del_s = [], [], []
    with Store(root / "db.sqlite") as store:
        vi = VectorIndex(root / "vectors")
        for r in range(a.reps):
            doc_id = _doc(store, f"x{time.time_ns()}", a.add, rng)
            t0, c0 = time.perf_counter(), time.process_time()
            out = vi.sync(store)
            add_s.append(time.perf_counter() - t0)
            add_cpu.append(time.process_time() - c0)
            assert out["action"] == "update", out
            store.delete_document(doc_id)
            t0 = time.perf_counter()
            out = vi.sync(store)
            del_s.append(time.perf_counter() - t0)
            assert out["action"] == "update", out
    ms = lambda xs: round(1000 * statistics.median(xs), 1)  # noqa: E731
    print(json.dumps({"chunks": a.chunks, "add_chunks": a.add, "reps": a.reps, "sync_after_add_ms_p50": ms(add_s),
                      "sync_after_add_cpu_ms_p50": ms(add_cpu), "sync_after_remove_ms_p50": ms(del_s),
                      "rows": out["rows"]}))


if __name__ == "__main__":
    main()
