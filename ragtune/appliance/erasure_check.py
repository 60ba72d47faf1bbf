"""`ragtune docs find TEXT`: the check a data-protection officer runs after an erasure (docs/security.md,
"Erasure"): where the home (and the backups it recorded, and the files named with --also) still holds TEXT. It says
*where* only (a file and byte offsets, a table, column and row ids, the keyword index's term counts, the vector
index's rows of removed chunks), never the bytes around a match: the home holds other people's data too.

It changes nothing. What it reads: every regular file under the home, raw (ragtune.db with its free pages, its -wal and
-journal, eval reports, registry files, logs; links are not followed), ragtune.db again through SQLite (text split
across pages, and the row ids `log forget` needs), the keyword index by its own terms (`grep` cannot read Tantivy's
compressed term dictionary), and the count of removed rows still in HOME/vectors/."""

from __future__ import annotations

import json
import mmap
import os
import re
from pathlib import Path
from typing import Any, Iterator

from .errors import InputError

MAX_OFFSETS = 5  # byte offsets named per file: enough to look, never a dump
MAX_IDS = 20  # row ids named per table column (the count says how many)
MAX_COUNT = 10_000  # matches counted per file before "10000+"
BLOCK, OVERLAP = 16 << 20, 4096  # bytes read at once; a match longer than OVERLAP across two blocks is missed
_SEP = rb"(?:\s|\\[nrt]|\xc2\xa0)+"  # words may be split by a line break, raw or JSON-escaped, or a no-break space


def patterns(text: str) -> re.Pattern[bytes]:
    """TEXT as bytes in every form ragtune writes it: UTF-8 (SQLite, JSON with UTF-8 kept), JSON's \\u escapes
    (an export written with ensure_ascii), UTF-16 (a file another tool wrote); the words separated by any run of
    white space. Lower-case ASCII: it is matched against bytes lower-cased (scan_file), so ASCII letters match in any
    case and the search stays a fast literal one. An InputError for a TEXT under 3 characters."""
    words = text.split()
    if len("".join(words)) < 3:
        raise InputError(f"'{text}' is too short to search for: give at least 3 characters (a name, an id)")

    def one(word: str) -> bytes:
        forms = {word.encode("utf-8").lower(), json.dumps(word)[1:-1].encode("ascii").lower()}
        return b"(?:" + b"|".join(re.escape(f) for f in sorted(forms)) + b")"
    utf8 = _SEP.join(one(w) for w in words)
    utf16 = rb"(?:\s\x00)+".join(re.escape(w.encode("utf-16-le").lower()) for w in words)
    return re.compile(utf8 + b"|" + utf16)


def _files(root: Path) -> Iterator[Path]:
    """Regular files under `root` (or `root` itself), links neither followed nor read."""
    if root.is_symlink():
        return
    if root.is_file():
        yield root
        return
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not os.path.islink(os.path.join(folder, d)))
        for n in sorted(names):
            p = Path(folder, n)
            if not p.is_symlink() and p.is_file():
                yield p


def scan_file(path: Path, pat: re.Pattern[bytes]) -> tuple[int, list[int]] | None:
    """(matches, first byte offsets) of one pattern in the file's raw bytes; None when it does not hold TEXT (or
    cannot be read). See scan_texts."""
    return scan_texts(path, {"": pat}).get("")


def scan_texts(path: Path, pats: dict[str, re.Pattern[bytes]]) -> dict[str, tuple[int, list[int]]]:
    """{TEXT: (matches, first byte offsets)} in the file's raw bytes, for the TEXTs it holds; {} when it holds none
    (or cannot be read). Read once for all TEXTs (ragtune.db and its -wal can be large), in blocks, each lower-cased
    (ASCII: offsets stay) with an overlap, so a match across blocks is found; each TEXT stops at MAX_COUNT."""
    found: dict[str, tuple[int, list[int]]] = {}
    todo = dict(pats)  # the TEXTs still counting (not at MAX_COUNT)
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            with (mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size else memoryview(b"")) as m:
                for start in range(0, size, BLOCK):
                    if not todo:
                        break
                    end = min(size, start + BLOCK)
                    block = bytes(m[start:min(size, end + OVERLAP)]).lower()
                    for t, pat in list(todo.items()):
                        n, offsets = found.get(t, (0, []))
                        for hit in pat.finditer(block):
                            if hit.start() >= end - start:  # the next block's: counted there
                                break
                            n += 1
                            if len(offsets) < MAX_OFFSETS:
                                offsets.append(start + hit.start())
                            if n >= MAX_COUNT:
                                del todo[t]
                                break
                        if n:
                            found[t] = (n, offsets)
    except (OSError, ValueError):
        return {}
    return found


def scan_database(home: Any, texts: list[str]) -> list[tuple[str, dict[str, Any]]]:
    """(TEXT, {"table", "column", "count", "ids"}) for the columns of ragtune.db holding it (store/textscan.py)."""
    from .store import open_store
    from .store.textscan import rows_holding

    with open_store(home) as store:
        return [(t, r) for t in texts for r in rows_holding(store, t, max_ids=MAX_IDS, max_count=MAX_COUNT)]


def scan_keyword_index(folder: Path, text: str) -> dict[str, int] | None:
    """{term: chunks holding it} for TEXT's terms as the keyword index stores them, when every one of them is in it
    (Searcher.doc_freq counts a deleted chunk too: what the segment files still hold); None when one is missing."""
    if not (folder / "meta.json").is_file():
        return None
    import tantivy

    from .lexical_terms import analyzer, search_form, with_tokenizer

    terms = list(dict.fromkeys(analyzer().analyze(search_form(text))))
    if not terms:
        return None
    searcher = with_tokenizer(tantivy.Index.open(str(folder))).searcher()
    counts = {t: max(int(searcher.doc_freq(f, t)) for f in ("text", "title")) for t in terms}
    return counts if all(counts.values()) else None


def dead_vector_rows(folder: Path) -> int:
    """Rows of HOME/vectors/ (the derived index of a large home) whose chunk was removed and whose vector or codes
    are still in the files (an update zeroes them since round 52; dead rows of an older release's are not)."""
    from .vectorfiles import read_state, unzeroed

    st = read_state(folder) if folder.is_dir() else None
    if not st or not st.get("ids_file"):
        return 0
    try:
        import numpy as np

        ids = np.load(folder / st["ids_file"])[: int(st.get("rows", 0))]
        return unzeroed(folder, st, np.flatnonzero(ids < 0))
    except (OSError, ValueError, EOFError, KeyError, TypeError):
        return 0


def find_text(home: Any, texts: list[str], also: list[Path]) -> dict[str, Any]:
    """Where TEXTs are: {"found": [{"text", "where", "what", ...}], "checked": [...], "not_checked": [...]}."""
    pats = [(t, patterns(t)) for t in texts]  # every TEXT checked before any file is read
    from .backup_record import backups_made

    found: list[dict[str, Any]] = []
    root = Path(home.root)
    backups, _ = backups_made(home)
    places = [(root, "home")] + [(Path(b["dest"]), "backup") for b in backups if b["exists"]] \
        + [(Path(p), "also") for p in also]
    by_text = dict(pats)
    for base, kind in places:
        for f in _files(base):
            hits = scan_texts(f, by_text)  # the file read once for every TEXT
            for t, _ in pats:
                hit = hits.get(t)
                if hit:
                    found.append({"text": t, "where": str(f), "what": kind, "count": hit[0], "offsets": hit[1]})
    db = Path(home.db_path)
    if db.is_file():
        found += [{"text": t, "where": f"{db}:{r['table']}.{r['column']}", "what": "rows", **r}
                  for t, r in scan_database(home, texts)]
    lexical = Path(home.lexical_dir)  # and an older release's own index beside a newer one's (lexical.own_folder)
    for folder in [lexical] + (sorted(p for p in lexical.glob("schema-*") if p.is_dir()) if lexical.is_dir() else []):
        for t, _ in pats:
            terms = scan_keyword_index(folder, t)
            if terms:
                found.append({"text": t, "where": str(folder), "what": "keyword_terms", "terms": terms})
    dead = dead_vector_rows(root / "vectors")
    if dead:
        found.append({"text": None, "where": str(root / "vectors"), "what": "removed_vectors", "count": dead})
    return {"found": found, "checked": [str(p) for p, _ in places],
            "not_checked": ["copies not recorded in the home (exports, datasets, adapters trained on them, backups "
                            "made by other means): name them with --also",
                            "other users' rebuilt keyword indexes (their ~/.cache/ragtune/lexical)",
                            "a running serve's memory (restart it)"]}


def hint(item: dict[str, Any]) -> str:
    """What removes one finding (docs/security.md, "Erasure")."""
    what, where = item["what"], item["where"]
    if what == "rows":
        table, ids = item["table"], " ".join(map(str, item["ids"]))
        if table == "query_log":
            return f"ragtune log forget {ids}"
        if table in ("query_reviews", "eval_items"):
            return "ragtune log forget the entry it belongs to (`ragtune log list --search TEXT`)"
        if table in ("chunks", "documents"):
            return "ragtune docs remove the document (`ragtune docs list`)"
        return "see docs/security.md, \"Erasure\""
    if what == "keyword_terms" and Path(where).name.startswith("schema-"):
        return f"an older release's own keyword index (docs/upgrading.md): its next search brings it in step; or " \
               f"rm -rf '{where}' (nothing else reads it)"
    if what == "keyword_terms":
        return "ragtune docs remove the document that holds it (the segments are rewritten); the terms may also " \
               "be another document's words"
    if what == "removed_vectors":
        return "ragtune docs remove rewrites it; or delete the folder (rebuilt at the next search)"
    if what in ("backup", "also"):
        return "delete it, or restore and erase again" if what == "backup" else "delete or rebuild it by hand"
    if where.endswith("-wal"):
        return "ragtune log forget checkpoints it (stop a running serve if it cannot)"
    if where.endswith(".db"):
        return "a row above holds it; else it is in free pages: ragtune log prune --older-than 100000 --vacuum " \
               "rewrites the file"
    return "delete it by hand (an eval report, a file someone wrote into the home)"
