"""Round 47: `ragtune search` on a read-only home whose lexical index is out of step with its database, run twice.
Each process rebuilt the index in a private view (round 46); now the first builds one copy under the user's cache
(lexical_cache.py) and later ones open it. The read-only mount is simulated (lexical.unwritable answers True for the
home's index folder: root passes permission checks, and CI has no mounts); `--no-cache` gives the old behaviour.
`python benchmarks/bench_r47_readonly_search.py --root /tmp/x --chunks 20000 [--no-cache]`"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

WRAP = """
import sys
from pathlib import Path
from ragtune.appliance import lexical, lexical_cache
home_index = Path(sys.argv.pop(1))
real = lexical.unwritable
lexical.unwritable = lambda p: Path(p) == home_index or real(p)
if sys.argv.pop(1) == "no-cache":
    lexical_cache.shared_copy = lambda *a, **k: None
from ragtune.cli import entry
sys.argv[0] = "ragtune"
entry()
"""


def build(root: Path, n: int) -> None:
    from ragtune.appliance.config import EmbedConfig
    from ragtune.appliance.embed import MODEL_META, model_identity, model_key
    from ragtune.appliance.home import Home
    from ragtune.appliance.ingest.chunker import Chunk
    from ragtune.appliance.lexical import LexicalIndex
    from ragtune.appliance.store import EMBED_DIM, Store
    from ragtune.appliance.vectors import VectorIndex

    home = Home(root)
    ready = root / "ready.json"
    if not (ready.exists() and json.loads(ready.read_text()).get("chunks") == n):
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        rng = np.random.default_rng(0)
        syll = ["ka", "lo", "mi", "ne", "ru", "ta", "shi", "po", "ve", "da", "ge", "zu"]
        vocab = sorted({"".join(rng.choice(syll, size=rng.integers(2, 5))) for _ in range(20000)})
        meta = json.dumps({MODEL_META: model_key(model_identity(EmbedConfig(), home)[0])})
        with Store(home.db_path) as store, store.transaction():
            for d in range(0, n, 100):
                m = min(100, n - d)
                words = rng.integers(0, len(vocab), size=(m, 120))
                chunks = [Chunk(ord=i, text=" ".join(vocab[w] for w in words[i]), start_char=0, end_char=1,
                                n_tokens=160) for i in range(m)]
                vecs = rng.standard_normal((m, EMBED_DIM)).astype(np.float32)
                store.put_document(path=f"/bench/doc{d:07d}.md", sha256=f"{d:064x}", title=f"Document {d}", kind="md",
                                   size=0, doc_date=None, ingested_at=time.time(), meta=meta, chunks=chunks,
                                   vectors=list(vecs))
            store.bump_index_version()
        ready.write_text(json.dumps({"chunks": n}))
    with Store(home.db_path) as store:  # in step, then one more version: the owner ingested, the index lags
        LexicalIndex(home.lexical_dir).ensure_synced(store)
        store.bump_index_version()
        VectorIndex(root / "vectors").sync(store)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", required=True)
    ap.add_argument("--chunks", type=int, default=20_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-cache", action="store_true")
    a = ap.parse_args()
    root = Path(a.root)
    build(root, a.chunks)
    cache = root.parent / (root.name + "-cache")
    shutil.rmtree(cache, ignore_errors=True)
    env = dict(os.environ, RAGTUNE_HOME=str(root), RAGTUNE_CACHE_DIR=str(cache), OMP_NUM_THREADS="1")
    walls = []
    for _ in range(a.runs):
        t0 = time.perf_counter()
        args = [str(root / "tantivy"), "no-cache" if a.no_cache else "cache", "search", "kalo mine rutashi", "--json",
                "--no-cache"]
        p = subprocess.run([sys.executable, "-c", WRAP, *args], env=env, capture_output=True, text=True)
        walls.append(round(time.perf_counter() - t0, 2))
        if p.returncode:
            raise SystemExit(p.stderr[-2000:])
    print(json.dumps({"chunks": a.chunks, "cache": not a.no_cache, "search_wall_s": walls}))


if __name__ == "__main__":
    main()
