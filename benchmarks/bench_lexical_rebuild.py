"""The one-time cost of upgrading a keyword index of schema 1 (round 43: the `en_fold` analyzer and `search_form`):
the first open after the upgrade finds the index's schema and analyzer changed and rebuilds it from SQLite.

    python benchmarks/bench_lexical_rebuild.py [--chunks 20000] [--out DIR]

Builds a home of invented documents written through the store layer (no embedding: vectors are random, the
keyword index does not read them): ~120 words a chunk, 10 chunks a document, English words with some French and
German ones (accents, ß) and a CJK product name now and then. Then writes its keyword index with the schema-1
`lexical.py` (the version before round 43, read from git), and in a fresh process times what a reader does on open
(`LexicalIndex(path)` + `ensure_synced(store)`: the rebuild) and reports its peak RSS.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
OLD_REV = "013ad76^"  # lexical.py of schema 1 (the commit before the en_fold analyzer)

EN = ("the index report adapter model answer question source document search chunk vector memory server office "
      "meeting budget invoice customer contract delivery schedule project manager team review release update "
      "system network storage backup policy security access account payment quarter annual planning").split()
FR_DE = ("résumé café réunion équipe société année déjà élève façade naïve Straße Zürich Müller größer über Bücher "
         "Fußgänger Köln Genève Montréal préféré crème brûlée déménagement Schlüssel Gebäude").split()
CJK = ["雪山专业版", "東京本社", "データ連携", "产品说明"]


def build(root: Path, n_chunks: int, seed: int = 0) -> None:
    import numpy as np

    from ragtune.appliance.home import Home
    from ragtune.appliance.ingest.chunker import Chunk
    from ragtune.appliance.store import Store
    from ragtune.appliance.store.schema import EMBED_DIM

    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    home = Home(root)
    rng = np.random.default_rng(seed)
    words = EN * 3 + FR_DE + [f"{w}{i}" for i, w in enumerate(EN * 40)]  # some rare words too
    store = Store(home.db_path)
    per_doc, cid, d = 10, 0, 0
    t0 = time.perf_counter()
    while cid < n_chunks:
        m = min(per_doc, n_chunks - cid)
        chunks = []
        for i in range(m):
            ws = [words[j] for j in rng.integers(0, len(words), size=120)]
            if rng.random() < 0.1:
                ws[int(rng.integers(0, 120))] = CJK[int(rng.integers(0, len(CJK)))]
            text = " ".join(ws)
            chunks.append(Chunk(ord=i, text=text, start_char=0, end_char=len(text), n_tokens=160))
        vecs = rng.standard_normal((m, EMBED_DIM)).astype("float32")
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        store.put_document(path=f"/bench/notes/doc{d:05d}.md", sha256=f"{d:064x}", title=f"Réunion {d} Zürich",
                           kind="md", size=0, doc_date=None, ingested_at=time.time(), meta="{}", chunks=chunks,
                           vectors=vecs)
        cid, d = cid + m, d + 1
    store.bump_index_version()
    print(f"stored {cid} chunks in {d} documents ({time.perf_counter() - t0:.0f}s)", file=sys.stderr, flush=True)
    # the keyword index as the release before round 43 wrote it (schema 1, analyzer en_stem)
    old = root / "lexical_v1.py"
    old.write_text(subprocess.run(["git", "-C", str(REPO), "show", f"{OLD_REV}:ragtune/appliance/lexical.py"],
                                  check=True, capture_output=True, text=True).stdout)
    spec = importlib.util.spec_from_file_location("ragtune.appliance.lexical_v1", old)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    t1 = time.perf_counter()
    mod.LexicalIndex(home.lexical_dir).ensure_synced(store)
    print(f"schema-1 index written ({time.perf_counter() - t1:.1f}s)", file=sys.stderr, flush=True)
    store.close()


def reopen(root: Path) -> dict:
    """What the first reader after the upgrade pays (run in a fresh process: its peak RSS is this work's)."""
    from ragtune.appliance.home import Home
    from ragtune.appliance.lexical import SCHEMA_VERSION, LexicalIndex
    from ragtune.appliance.store import Store

    home = Home(root)
    before = json.loads((home.lexical_dir / "synced.json").read_text())
    store = Store(home.db_path)
    rss0 = _status_kb("VmRSS")
    try:  # the peak from here on: the rebuild's, not the imports'
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass
    t0, c0 = time.perf_counter(), time.process_time()
    ix = LexicalIndex(home.lexical_dir)
    rebuilt = ix.ensure_synced(store)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    after = json.loads((home.lexical_dir / "synced.json").read_text())
    assert rebuilt and before["schema"] == 1 and after["schema"] == SCHEMA_VERSION
    assert ix.num_docs == store.count_chunks() and ix.search("resume", 5)
    return {"chunks": store.count_chunks(), "rebuild_wall_s": round(wall, 2), "rebuild_cpu_s": round(cpu, 2),
            "rss_before_mb": round(rss0 / 1024), "peak_rss_mb": round(_status_kb("VmHWM") / 1024),
            "process_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def _status_kb(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--chunks", type=int, default=20_000)
    ap.add_argument("--out", type=Path, default=REPO / "benchmarks" / "out" / "lexical-rebuild")
    ap.add_argument("--reopen", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.reopen:
        print(json.dumps(reopen(args.out)))
        return
    build(args.out, args.chunks)
    res = subprocess.run([sys.executable, __file__, "--reopen", "--out", str(args.out)], check=True,
                         capture_output=True, text=True)
    print(res.stdout.strip())
    with open("/proc/loadavg") as fh:
        print(f"load average {fh.read().split()[0]}", file=sys.stderr)


if __name__ == "__main__":
    main()
