"""Ingest of many small chunks (a table a row a chunk) with the embedder's pool threads spinning vs sleeping
between operators (embed.session_options `spinning`, Embedder `bulk`: what ingest uses since round 54).

Each round ingests the same files into a fresh home twice, once per arm, in alternating order, timing the process's
CPU (onnxruntime's pool threads included) and wall clock; the stored chunks (path, ord, text, spans, token counts,
ids) of the two arms must be identical and their vectors equal within 1e-5 (the script says the largest difference).
Files: an invented asset register of --rows rows (a CSV: one chunk a row, ~80 tokens each) and, with --prose, a
BEIR corpus.jsonl (e.g. `python -m ragtune.models.corpus.export dev DIR` writes DIR/corpus.jsonl).

    RAGTUNE_MODELS=... python benchmarks/bench_r54_rows_ingest.py --rows 2000 --rounds 2 --scratch /tmp/x
    RAGTUNE_MODELS=... python benchmarks/bench_r54_rows_ingest.py --rows 0 --prose DIR/corpus.jsonl --scratch /tmp/x

Round 54 (2-core box shared with ~8 other jobs, load 10-19, threads = 2, the default there; `--rows 3000 --prose
DIR/corpus.jsonl --rounds 1`, DIR the dev export): benchmarks/results/r54_rows_ingest.json. 3,000 rows: chunks
identical, vectors byte for byte (max |diff| 0.0), CPU 106.2 -> 61.7 s (0.58), wall 404 -> 161 s; prose (354 chunks):
identical, CPU 29.4 -> 16.8 s (0.57), wall 72 -> 39 s. Whole processes A/B in turn, 3 pairs each (start commit vs
it + this change): a 1,000-row CSV CPU 36.0 -> 21.0 s (median ratio 0.60), wall 119 -> 57 s, peak RSS 304.8 ->
304.6 MiB; the prose corpus CPU 30.6 -> 17.6 s (0.58), wall 104 -> 46 s, peak RSS 303.5 -> 304.6 MiB.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import shutil
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

CATS = ["Laptop", "Monitor", "Desk", "Chair", "Printer", "Router", "Phone", "Projector", "Server", "Tablet"]
MAKES = ["Dell", "HP", "Lenovo", "Apple", "Cisco", "Epson", "Logitech", "Samsung", "Herman Miller", "Brother"]
SITES = ["Leeds office", "Bristol warehouse", "London HQ", "Glasgow depot", "Remote", "Cardiff branch"]
PEOPLE = ["Raj Patel", "Maria Gonzalez", "Wei Chen", "Aisha Khan", "Tom Murphy", "Olga Ivanova", "Sam Okafor"]
NOTES = ["", "", "screen flickers", "battery replaced 2025", "on loan to finance", "due for refresh next quarter",
         "warranty extended to 2028 after the fan failure", "missing power adapter", "spare unit, keep boxed",
         "reported slow by the user; reimaged twice and memory upgraded to 32 GB"]
STATUS = ["In use", "In storage", "Repair", "Retired", "On order"]


def asset_register(path: Path, rows: int, seed: int = 54) -> Path:
    """An invented asset register: `rows` rows of 11 columns, varied text."""
    rng = random.Random(seed)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Asset tag", "Category", "Make", "Model", "Serial", "Site", "Assigned to", "Purchased",
                    "Cost (GBP)", "Status", "Notes"])
        for i in range(rows):
            c = rng.choice(CATS)
            w.writerow([f"AT-{100000 + i}", c, rng.choice(MAKES), f"{c[:3].upper()}-{rng.randint(100, 9999)}",
                        "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(10)),
                        rng.choice(SITES), rng.choice(PEOPLE),
                        f"20{rng.randint(15, 26)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                        f"{rng.randint(20, 4000)}.{rng.randint(0, 99):02d}", rng.choice(STATUS), rng.choice(NOTES)])
    return path


def ingest_once(files: list[Path], home_dir: Path, bulk: bool) -> tuple[float, float, dict]:
    """(CPU s, wall s, stored) of one ingest of `files` into a fresh home, its embedder `bulk` or not."""
    from ragtune.appliance.config import load_settings
    from ragtune.appliance.embed import Embedder
    from ragtune.appliance.home import Home
    from ragtune.appliance.ingest.pipeline import ingest_paths

    shutil.rmtree(home_dir, ignore_errors=True)
    settings = load_settings(home=Home(home_dir))
    c0, w0 = time.process_time(), time.perf_counter()
    with Embedder(settings.embed, settings.home, bulk=bulk) as emb:
        summary = ingest_paths(settings, files, embedder=emb)
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    assert not summary.failed, summary.failed
    return cpu, wall, stored(settings)


def stored(settings) -> dict:
    from ragtune.appliance.store import Store

    chunks, vecs = [], {}
    with Store(settings.home.db_path) as s:  # through the store layer (tests/test_structure.py: no SQL outside it)
        for doc in s.documents():
            for c in s.chunk_embeddings(doc["id"]):
                key = (doc["path"], c["ord"])
                chunks.append((*key, c["text"], c["start_char"], c["end_char"], c["n_tokens"], c["embed_ids_sha256"]))
                vecs[key] = np.frombuffer(c["embedding"], dtype=np.float32).copy()
    return {"chunks": chunks, "vectors": vecs}


def compare(a: dict, b: dict) -> float:
    """Largest |difference| of two homes' vectors; raises unless their chunks are identical."""
    if a["chunks"] != b["chunks"]:
        raise SystemExit("stored chunks differ between the arms")
    if a["vectors"].keys() != b["vectors"].keys():
        raise SystemExit("stored vector ids differ between the arms")
    return max((float(np.abs(a["vectors"][k] - b["vectors"][k]).max()) for k in a["vectors"]), default=0.0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=2000, help="asset register rows (0: none)")
    ap.add_argument("--prose", type=Path, help="a corpus.jsonl (or any file or folder) ingested as a second case")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--scratch", type=Path, required=True, help="a folder for the files and homes (removed first)")
    ap.add_argument("--out", type=Path, help="write the results here as JSON")
    args = ap.parse_args()
    shutil.rmtree(args.scratch, ignore_errors=True)
    args.scratch.mkdir(parents=True)
    cases: dict[str, list[Path]] = {}
    if args.rows:
        cases[f"csv_{args.rows}_rows"] = [asset_register(args.scratch / f"assets{args.rows}.csv", args.rows)]
    if args.prose:
        cases["prose"] = [args.prose]
    results: dict = {}
    for name, files in cases.items():
        runs: dict[str, list[tuple[float, float]]] = {"spinning": [], "bulk": []}
        first: dict[str, dict] = {}
        max_diff = 0.0
        for rnd in range(args.rounds):
            arms = ["spinning", "bulk"] if rnd % 2 == 0 else ["bulk", "spinning"]
            for arm in arms:
                cpu, wall, st = ingest_once(files, args.scratch / f"home_{arm}", arm == "bulk")
                runs[arm].append((cpu, wall))
                first.setdefault(arm, st)
                if arm in first and st is not first[arm]:
                    max_diff = max(max_diff, compare(first[arm], st))
                print(f"{name} round {rnd} {arm}: cpu {cpu:.1f} s, wall {wall:.1f} s", flush=True)
        max_diff = max(max_diff, compare(first["spinning"], first["bulk"]))
        cpu_ratio = [b[0] / s[0] for s, b in zip(runs["spinning"], runs["bulk"])]
        wall_ratio = [b[1] / s[1] for s, b in zip(runs["spinning"], runs["bulk"])]
        results[name] = {"chunks": len(first["bulk"]["chunks"]), "runs": runs, "cpu_ratio_bulk_over_spinning":
                         cpu_ratio, "wall_ratio_bulk_over_spinning": wall_ratio, "chunks_identical": True,
                         "max_abs_vector_diff": max_diff}
        print(f"{name}: {results[name]['chunks']} chunks identical, max |vector diff| {max_diff:.2e}; "
              f"CPU bulk/spinning {np.median(cpu_ratio):.2f} (pairs {', '.join(f'{r:.2f}' for r in cpu_ratio)}), "
              f"wall {np.median(wall_ratio):.2f}", flush=True)
    if args.out:
        args.out.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
