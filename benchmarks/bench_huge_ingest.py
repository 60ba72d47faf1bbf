"""Memory and time of ingesting HUGE single documents: a 40 MB plain-text export, a 5 MB line with no line break, a
200k-row markdown table and the same as CSV text, a markdown file that is one 10 MB code block, a 20 MB HTML page, a
3,000-page PDF (written here, no PDF library needed), a 400-section docx (when python-docx is installed).

Each document is ingested by `ingest_paths` into a fresh home, in a fresh process (peak RSS = that document's). The
real tokenizer, chunker, SQLite + vec0 and Tantivy run; with `--fast-encoder` (the default) the ONNX forward pass is
replaced by a bag-of-ids vector, because the encoder alone takes ~0.1 s a chunk on 2 cores (the 40 MB export is 61k
chunks: 1.7 hours). What that leaves out is bounded: onnxruntime's arena under embed.TOKEN_BUDGET (512 padded
tokens since round 49: ~0.085 GB). `--real-encoder` runs the model (use --scale 0.02 or so).

    python benchmarks/bench_huge_ingest.py                      # all documents, full size
    python benchmarks/bench_huge_ingest.py --only export,line --scale 0.25
    python benchmarks/bench_huge_ingest.py --json
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

_VOCAB = [f"{a}{b}" for a in ("record", "office", "river", "policy", "engine", "garden", "market", "signal", "memory",
                              "ledger", "permit", "survey", "tenant", "parcel")
          for b in ("", "s", "ing", "ed", "al", "ity", "ous", "er")]


class _Words:
    def __init__(self, seed: int = 0):
        self.rng = random.Random(seed)

    def word(self) -> str:
        return self.rng.choice(_VOCAB)

    def sentence(self, k: int | None = None) -> str:
        k = k or self.rng.randint(8, 25)
        return " ".join(self.word() for _ in range(k)).capitalize() + "."

    def paragraph(self) -> str:
        return " ".join(self.sentence() for _ in range(self.rng.randint(3, 7)))


def _fill(fh, target: int, piece) -> None:
    n = i = 0
    while n < target:
        i += 1
        s = piece(i)
        fh.write(s)
        n += len(s)


def make_export(folder: Path, scale: float) -> Path:
    w, p = _Words(1), folder / "export.txt"
    with open(p, "w") as fh:
        _fill(fh, int(40e6 * scale), lambda i: f"Record {i}\n\n" + "\n\n".join(w.paragraph() for _ in range(3)) + "\n\n")
    return p


def make_line(folder: Path, scale: float) -> Path:
    w, p = _Words(2), folder / "oneline.txt"
    with open(p, "w") as fh:
        _fill(fh, int(5e6 * scale), lambda i: w.sentence() + " ")
    return p


def make_table(folder: Path, scale: float) -> Path:
    w, p = _Words(3), folder / "table.md"
    with open(p, "w") as fh:
        fh.write("# Register\n\n| id | parcel | owner | status | amount |\n|---|---|---|---|---|\n")
        for i in range(int(200_000 * scale)):
            fh.write(f"| {i} | {w.word()}-{w.rng.randint(1, 9999)} | {w.word()} {w.word()} | {w.word()} | "
                     f"{w.rng.randint(1, 10**6)} |\n")
    return p


def make_csv(folder: Path, scale: float) -> Path:
    w, p = _Words(4), folder / "table.txt"  # .csv is not ingested: a CSV export renamed .txt
    with open(p, "w") as fh:
        fh.write("id,parcel,owner,status,amount\n")
        for i in range(int(200_000 * scale)):
            fh.write(f"{i},{w.word()}-{w.rng.randint(1, 9999)},{w.word()} {w.word()},{w.word()},"
                     f"{w.rng.randint(1, 10**6)}\n")
    return p


def make_code(folder: Path, scale: float) -> Path:
    w, p = _Words(5), folder / "code.md"
    with open(p, "w") as fh:
        fh.write("# Dump\n\nThe raw dump follows.\n\n```\n")
        _fill(fh, int(10e6 * scale), lambda i: f"# step {i}\nvalue_{i} = compute({w.word()}, {w.rng.randint(0, 999)})"
                                               f"  # {w.word()}\n")
        fh.write("```\n\nEnd of dump.\n")
    return p


def make_html(folder: Path, scale: float) -> Path:
    w, p = _Words(6), folder / "big.html"
    with open(p, "w") as fh:
        fh.write("<html><head><title>Records</title></head><body><h1>Records</h1>\n")
        _fill(fh, int(20e6 * scale), lambda i: f"<h2>Record {i}</h2>\n<p>{w.paragraph()}</p>\n<table><tr><td>"
                                               f"{w.word()}</td><td>{w.rng.randint(0, 10**6)}</td></tr></table>\n")
        fh.write("</body></html>\n")
    return p


def make_pdf(folder: Path, scale: float) -> Path:
    """A PDF of 3,000 (x scale) pages of 41 lines each, Helvetica, one Flate content stream a page, written by hand."""
    w, p = _Words(7), folder / "big.pdf"
    pages = max(1, int(3000 * scale))
    objs = {1: b"<< /Type /Catalog /Pages 2 0 R >>", 3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"}
    kids, nxt = [], 4
    for n in range(pages):
        lines = [f"Page {n + 1} of the register"] + [w.sentence(10) for _ in range(40)]
        body = zlib.compress("\n".join(["BT /F1 9 Tf 40 800 Td 12 TL"] + [f"({x}) '" for x in lines] + ["ET"]).encode())
        objs[nxt] = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(body) + body + b"\nendstream"
        objs[nxt + 1] = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> "
                         b">> /Contents %d 0 R >>" % nxt)
        kids.append(nxt + 1)
        nxt += 2
    objs[2] = b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % k for k in kids) + b"] /Count %d >>" % pages
    with open(p, "wb") as fh:
        fh.write(b"%PDF-1.4\n")
        offs = {}
        for k in sorted(objs):
            offs[k] = fh.tell()
            fh.write(b"%d 0 obj\n" % k + objs[k] + b"\nendobj\n")
        xref, size = fh.tell(), max(objs) + 1
        fh.write(b"xref\n0 %d\n0000000000 65535 f \n" % size + b"".join(b"%010d 00000 n \n" % offs[k]
                                                                          for k in range(1, size)))
        fh.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref))
    return p


def make_docx(folder: Path, scale: float) -> Path | None:
    try:
        import docx
    except ImportError:
        return None
    w, p = _Words(8), folder / "big.docx"
    d = docx.Document()
    d.add_heading("Register", 0)
    for n in range(int(400 * scale)):
        d.add_heading(f"Section {n}", 1)
        for _ in range(4):
            d.add_paragraph(w.paragraph())
    d.save(str(p))
    return p


MAKERS = {"export": make_export, "line": make_line, "table": make_table, "csv": make_csv, "code": make_code,
          "html": make_html, "pdf": make_pdf, "docx": make_docx}


def _fast_forward_pass() -> None:
    """Replace the encoder's forward pass by a bag-of-ids vector (normalised): tokenisation, batching, reuse keys and
    everything around them stay the real ones."""
    import numpy as np

    from ragtune.appliance import embed

    def run(self, batch):
        v = np.zeros((len(batch), 384), np.float32)
        for r, seq in enumerate(batch):
            v[r, np.asarray(seq, dtype=np.int64) % 384] = 1.0
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    embed.Embedder._run = run


def child(path: Path, home: Path, real: bool) -> dict:
    """Ingest `path` into `home` in this process; what it cost."""
    import resource

    if not real:
        _fast_forward_pass()
    from ragtune.appliance.config import load_settings
    from ragtune.appliance.home import Home
    from ragtune.appliance.ingest import run as ingest_run
    from ragtune.appliance.ingest.pipeline import ingest_paths

    longest = [0, 0]  # chars, tokens of the longest chunk
    chunk_text = ingest_run.chunk_text

    def measured(*a, **k):
        chunks = chunk_text(*a, **k)
        longest[:] = max([longest] + [[len(c.text), c.n_tokens] for c in chunks])
        return chunks

    ingest_run.chunk_text = measured
    events: list[tuple[float, str]] = []
    t0 = time.perf_counter()
    settings = load_settings(home=Home(home))
    summary = ingest_paths(settings, [path], on_progress=lambda p: events.append((time.perf_counter() - t0, p.stage)))
    seconds = time.perf_counter() - t0
    stalls = [b[0] - a[0] for a, b in zip(events, events[1:])]
    return {"file": path.name, "mb": round(path.stat().st_size / 1e6, 1), "seconds": round(seconds, 1),
            "chunks": summary.chunks_added, "failed": summary.failed, "longest_chunk_chars": longest[0],
            "longest_chunk_tokens": longest[1], "progress_events": len(events),
            "longest_silence_s": round(max(stalls + [events[0][0] if events else seconds]), 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", default=",".join(MAKERS), help="comma-separated: " + ",".join(MAKERS))
    ap.add_argument("--scale", type=float, default=1.0, help="size factor of every document")
    ap.add_argument("--real-encoder", action="store_true", help="run the ONNX model (slow: ~0.1 s a chunk)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--child", nargs=2, metavar=("FILE", "HOME"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(Path(args.child[0]), Path(args.child[1]), args.real_encoder)))
        return
    rows = []
    with tempfile.TemporaryDirectory(prefix="ragtune-huge-") as tmp:
        for name in args.only.split(","):
            path = MAKERS[name](Path(tmp), args.scale)
            if path is None:
                print(f"{name}: skipped (python-docx not installed)", file=sys.stderr)
                continue
            cmd = [sys.executable, __file__, "--child", str(path), str(Path(tmp) / f"home-{name}")]
            out = subprocess.run(cmd + (["--real-encoder"] if args.real_encoder else []), capture_output=True,
                                 text=True, env=dict(os.environ), check=True)
            rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
            path.unlink()
            if not args.json:
                r = rows[-1]
                print(f"{r['file']:12} {r['mb']:6.1f} MB  {r['seconds']:7.1f} s  {r['chunks']:6} chunks  longest "
                      f"{r['longest_chunk_chars']} chars / {r['longest_chunk_tokens']} tok  peak RSS "
                      f"{r['peak_rss_mb']} MB  longest silence {r['longest_silence_s']} s  failed {r['failed']}",
                      flush=True)
    if args.json:
        print(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
