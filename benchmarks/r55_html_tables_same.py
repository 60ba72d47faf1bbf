"""Round 55, HTML tables under a marked header row labelled (loaders/web_tables.py; chunker.DOC_TABLE_KINDS gains
"html"): what it changes in the bundled behaviour corpus's documents, old code vs new.

usage: PYTHONPATH=<a copy of the old ragtune> python benchmarks/r55_html_tables_same.py OUT_DIR/before.json, then
without PYTHONPATH OUT_DIR/after.json, then `python benchmarks/r55_html_tables_same.py OUT_DIR/before.json
OUT_DIR/after.json` prints how many documents' text and chunks changed, per kind, and each changed HTML table (old
lines, new lines) of up to 12 documents.
Per file of ragtune/models/corpus (every kind a loader reads): sha256 of its text (load_file) and of its chunks'
texts as the pipeline cuts them (chunker.chunk_text, 200/40 tokens, doc_tables where its kind is in DOC_TABLE_KINDS,
table for TABLE_KINDS), and the text itself for HTML files. The corpus's export (corpus.export) writes each
document's text as load_file gives it: an eval of the exported corpus reads the new rows as a corpus row (kind
"beir", chunked as prose), not a row a chunk."""
import difflib
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "ragtune" / "models" / "corpus"


def _sha(s: str) -> str:
    return hashlib.sha256(s.encode("utf-8")).hexdigest()[:16]


def measure(out: str) -> None:
    import ragtune
    from ragtune.appliance.ingest import chunker
    from ragtune.appliance.ingest.loaders import kind_of, load_file
    from ragtune.appliance.default_models import locate_all
    from tokenizers import Tokenizer

    print("ragtune from", ragtune.__file__, file=sys.stderr)
    tok = Tokenizer.from_file(str(locate_all("all-minilm-l6-v2-int8")[1]))  # MiniLM's, as ingest counts tokens
    tok.no_truncation()
    tok.no_padding()
    got = {}
    for path in sorted(p for p in CORPUS.rglob("*") if p.is_file()):
        kind = kind_of(path)
        if kind in (None, "beir") or path.name in ("qa.jsonl", "contrast.jsonl", "domains.json"):
            continue
        doc = load_file(path)
        chunks = chunker.chunk_text(doc.text, tok, chunk_tokens=200, overlap_tokens=40,
                                    table=kind in chunker.TABLE_KINDS,
                                    doc_tables=kind in getattr(chunker, "DOC_TABLE_KINDS", ()))
        rel = path.relative_to(CORPUS).as_posix()
        got[rel] = {"kind": kind, "text": _sha(doc.text), "chunks": _sha("\x00".join(c.text for c in chunks)),
                    "n_chunks": len(chunks), **({"body": doc.text} if kind == "html" else {})}
    Path(out).write_text(json.dumps(got, ensure_ascii=False, indent=0), encoding="utf-8")
    print(len(got), "files")


def compare(before: str, after: str) -> None:
    a = json.loads(Path(before).read_text(encoding="utf-8"))
    b = json.loads(Path(after).read_text(encoding="utf-8"))
    kinds: dict[str, list[int]] = {}
    shown = 0
    for rel in sorted(a):
        k = kinds.setdefault(a[rel]["kind"], [0, 0, 0])
        k[0] += 1
        k[1] += a[rel]["text"] != b[rel]["text"]
        k[2] += a[rel]["chunks"] != b[rel]["chunks"]
        if a[rel]["text"] != b[rel]["text"] and shown < 12 and "body" in a[rel]:
            shown += 1
            print(f"== {rel}: {a[rel]['n_chunks']} -> {b[rel]['n_chunks']} chunks")
            old, new = a[rel]["body"].splitlines(), b[rel]["body"].splitlines()
            for line in difflib.unified_diff(old, new, lineterm="", n=0):
                if not line.startswith(("---", "+++", "@@")):
                    print("  " + line[:150])
    print("kind: files, text changed, chunks changed")
    for kind, (n, t, c) in sorted(kinds.items()):
        print(f"{kind:6s} {n:4d} {t:4d} {c:4d}")
    missing = sorted(set(a) ^ set(b))
    if missing:
        print("files in one run only:", missing)


if __name__ == "__main__":
    if len(sys.argv) == 3:
        compare(sys.argv[1], sys.argv[2])
    else:
        measure(sys.argv[1])
