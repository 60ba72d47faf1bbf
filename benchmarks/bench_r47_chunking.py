"""Round 47: CPU time of loading and chunking generated .txt files of several sizes (does chunking grow faster than
the text?). `python benchmarks/bench_r47_chunking.py --mb 5 20 [--shape prose|line|log]`; the default embedder's
tokenizer (found as ingest finds it)."""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def generate(n_bytes: int, shape: str, seed: int = 0) -> str:
    r = random.Random(seed)
    words = ("the of and a to in is was for on that with by as at from it this be are an or which but not have had "
             "policy leave employee manager system report quarter budget Équipe naïve 2024 v1.2.3 e-mail don't").split()
    out: list[str] = []
    size = 0
    while size < n_bytes:
        if shape == "log":
            part = f"2026-01-01 12:00:{size % 60:02d} INFO worker-{size % 7} processed request id={size} in 5 ms"
        elif shape == "line":
            part = " ".join(r.choice(words) for _ in range(200))
        elif r.random() < 0.03:
            part = "# " + " ".join(r.choice(words) for _ in range(5)).title()
        else:
            part = " ".join(r.choice(words) for _ in range(r.randint(20, 200))) + "."
        out.append(part)
        size += len(part.encode()) + 2
    return (" " if shape == "line" else "\n\n" if shape == "prose" else "\n").join(out) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, nargs="+", default=[5, 20])
    ap.add_argument("--shape", choices=["prose", "line", "log"], default="prose")
    a = ap.parse_args()
    from tokenizers import Tokenizer

    from ragtune.appliance.default_models import locate_all
    from ragtune.appliance.ingest.chunker import chunk_text
    from ragtune.appliance.ingest.loaders.plain import load_text

    tok = Tokenizer.from_file(str(locate_all("all-minilm-l6-v2-int8")[1]))
    tok.no_truncation()
    tok.no_padding()
    for mb in a.mb:
        with tempfile.TemporaryDirectory() as d:
            p = Path(d) / f"big-{mb}.txt"
            p.write_text(generate(int(mb * 1e6), a.shape))
            raw = p.read_bytes()
            c0 = time.process_time()
            doc = load_text(p, raw)
            c1 = time.process_time()
            chunks = chunk_text(doc.text, tok)
            c2 = time.process_time()
        print(json.dumps({"mb": mb, "shape": a.shape, "load_cpu_s": round(c1 - c0, 2), "chunk_cpu_s": round(c2 - c1, 2),
                          "chunk_cpu_s_per_mb": round((c2 - c1) / mb, 2), "chunks": len(chunks)}), flush=True)


if __name__ == "__main__":
    main()
