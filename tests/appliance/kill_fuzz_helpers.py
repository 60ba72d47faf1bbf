"""The machinery of test_kill_fuzz.py, run in subprocesses (`python -m tests.appliance.kill_fuzz_helpers …`):

- `run ARGS…`: the ragtune command ARGS (cli.main, as `python -m ragtune` runs it) with hooks at the natural points of
  its writes. Each point appends `point:when:n detail` to the file $RAGTUNE_KILL_TRACE (so a kill after a random delay
  says where it landed) and, when it is $RAGTUNE_KILL_AT (`point:when:n`), the process SIGKILLs itself there. Points:
  `migrate` (one schema migration's transaction), `txn` (an outermost store transaction: `before` = its body done,
  not committed; `after` = committed), `replace` (os.replace: every atomic file and folder write), `lexcommit`
  (the Tantivy commit; `after` = committed, its sync marker not yet written), `embed` (an ingest's embedding batch).
- `check SPEC.json`: after a kill, in one process: a plain open of the home for writing (what it leaves), the read
  commands (each must answer or refuse in words), the rerun of the killed command, a snapshot of what a person sees
  (documents, search results, config file, registry) and the invariants between SQLite, the Tantivy index and the
  vector index. Written to the spec's `out`.
- `write_corpus` / `edit_corpus`: a seeded corpus of md/txt/html documents of distinct words (no tied scores).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import signal
import sys
import traceback
from pathlib import Path
from typing import Any

TRACE_ENV = "RAGTUNE_KILL_TRACE"
KILL_ENV = "RAGTUNE_KILL_AT"
QUERIES = ("kelvaro tusim", "ombrelune", "quartz harbour lantern")
LEFTOVER_MARKS = (".part", ".tmp", ".old-")  # atomic.py's and lexical.py's temporary names


# -- the corpus ---------------------------------------------------------------------------------------------------
_SYL = ("ka", "lo", "mi", "ve", "ru", "san", "to", "bel", "qui", "dra", "om", "ne", "tus", "im", "var", "el", "po",
        "zen", "fa", "gor")
_PLAIN = ("harbour", "lantern", "quartz", "river", "meadow", "copper", "signal", "orchard", "glacier", "thistle",
          "beacon", "furnace", "lattice", "saffron", "tundra", "violin", "walnut", "yarrow", "zephyr", "cobalt")
KEYWORDS = ("kelvaro", "tusim", "ombrelune")  # each planted in a few documents: the queries find them


def _words(rng: random.Random, n: int) -> list[str]:
    out = []
    for _ in range(n):
        if rng.random() < 0.3:
            out.append(rng.choice(_PLAIN))
        else:
            out.append("".join(rng.choice(_SYL) for _ in range(rng.randint(2, 4))))
    return out


def _sentence(rng: random.Random, n: int = 12) -> str:
    w = _words(rng, n)
    return " ".join(w).capitalize() + "."


def _paragraphs(rng: random.Random, n: int) -> list[str]:
    return [" ".join(_sentence(rng, rng.randint(8, 16)) for _ in range(rng.randint(2, 4))) for _ in range(n)]


def _render(kind: str, title: str, paras: list[str]) -> str:
    if kind == "md":
        return f"# {title}\n\n" + "\n\n".join(paras) + "\n"
    if kind == "html":
        body = "".join(f"<p>{p}</p>\n" for p in paras)
        return f"<html><head><title>{title}</title></head><body>\n<h1>{title}</h1>\n{body}</body></html>\n"
    return f"{title}\n\n" + "\n\n".join(paras) + "\n"


def _doc(rng: random.Random, i: int, kind: str, n_paras: int) -> str:
    paras = _paragraphs(rng, n_paras)
    if i % 4 == 0:  # plant a keyword (two of them in some) for the fixed queries
        paras[0] += f" The {KEYWORDS[i % 3]} appears here."
    if i % 6 == 1:
        paras[-1] += f" Also {KEYWORDS[(i + 1) % 3]} and {KEYWORDS[(i + 2) % 3]}."
    return _render(kind, f"Note {i} {' '.join(_words(rng, 2))}", paras)


def write_corpus(root: Path, seed: int, n: int = 20) -> list[Path]:
    """`n` documents (md, txt, html) under `root` and `root/sub`; document 0 is long (several chunks)."""
    rng = random.Random(seed)
    kinds = ("md", "txt", "html")
    out = []
    for i in range(n):
        kind = kinds[i % 3]
        folder = root / ("sub" if i % 5 == 4 else "")
        folder.mkdir(parents=True, exist_ok=True)
        p = folder / f"doc{i:02d}.{kind}"
        p.write_text(_doc(rng, i, kind, 14 if i == 0 else rng.randint(1, 3)), encoding="utf-8")
        out.append(p)
    (root / "empty.md").write_bytes(b"")  # fails to load: remembered (ingest_failures), not read again
    return out


def edit_corpus(root: Path, seed: int, *, delete: bool) -> None:
    """Edits for a re-ingest: a paragraph of the long document changed (its other chunks keep their vectors), two
    documents rewritten, one emptied (it fails to load: its stored version is kept, marked stale), two added; with
    `delete`, three documents removed (for `ingest --prune`)."""
    rng = random.Random(seed)
    files = sorted(p for p in root.rglob("*") if p.is_file())
    long_doc = root / "doc00.md"
    text = long_doc.read_text(encoding="utf-8").split("\n\n")
    text[len(text) // 2] = _sentence(rng, 14)
    long_doc.write_text("\n\n".join(text), encoding="utf-8")
    picked = rng.sample([f for f in files if f != long_doc and f.stat().st_size], 3)
    for p in picked[:2]:
        p.write_text(_render(p.suffix[1:], f"Rewritten {p.stem}", _paragraphs(rng, 2)), encoding="utf-8")
    picked[2].write_bytes(b"")  # its stored version stays, marked stale
    for j in range(2):
        name = f"new{seed % 1000:03d}{j}.{('md', 'txt')[j]}"
        (root / name).write_text(_render(("md", "txt")[j], f"Added {name}", _paragraphs(rng, 2)), encoding="utf-8")
    if delete:
        files = sorted(p for p in root.rglob("*") if p.is_file() and p != long_doc)
        for p in rng.sample(files, 3):
            p.unlink()


# -- the hooked command (subprocess) -------------------------------------------------------------------------------
class _Hooks:
    def __init__(self) -> None:
        trace = os.environ.get(TRACE_ENV)
        self.fd = os.open(trace, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644) if trace else None
        at = os.environ.get(KILL_ENV, "")
        self.kill_at = at or None
        self.counts: dict[str, int] = {}

    def hit(self, point: str, when: str, detail: str = "") -> None:
        if when == "before":  # a call's `after` has its `before`'s number
            self.counts[point] = self.counts.get(point, 0) + 1
        key = f"{point}:{when}:{self.counts[point]}"
        if self.fd is not None:
            os.write(self.fd, f"{key} {detail}\n".encode("utf-8", "replace"))  # unbuffered: survives the kill
        if key == self.kill_at:
            os.kill(os.getpid(), signal.SIGKILL)


def _install(h: _Hooks) -> None:
    from ragtune.appliance.ingest import pipeline
    from ragtune.appliance.lexical import LexicalWriter
    from ragtune.appliance.store.base import StoreBase

    real_txn, real_migration = StoreBase.transaction, StoreBase._apply_migration
    real_replace, real_finish, real_flush = os.replace, LexicalWriter.finish, pipeline._Run.flush

    @contextlib.contextmanager
    def transaction(self: Any, **kw: Any) -> Any:  # (write=…: log prune's; round 49 found the harness refused it)
        outer = self.conn.getautocommit()
        with real_txn(self, **kw) as conn:
            yield conn
            if outer:
                h.hit("txn", "before")
        if outer:
            h.hit("txn", "after")

    def apply_migration(self: Any, name: str, sql: str) -> bool:
        h.hit("migrate", "before", name)
        out = real_migration(self, name, sql)
        h.hit("migrate", "after", name)
        return out

    def replace(src: Any, dst: Any, *a: Any, **k: Any) -> None:
        h.hit("replace", "before", Path(os.fsdecode(dst)).name)
        real_replace(src, dst, *a, **k)
        h.hit("replace", "after", Path(os.fsdecode(dst)).name)

    def finish(self: Any, version: int) -> None:
        h.hit("lexcommit", "before")
        real_finish(self, version)
        h.hit("lexcommit", "after")

    def flush(self: Any, stoppable: bool = False) -> None:
        if self.pending:
            h.hit("embed", "before", str(sum(len(p.chunks) for p in self.pending)))
        real_flush(self, stoppable)

    StoreBase.transaction = transaction  # type: ignore[method-assign]
    StoreBase._apply_migration = apply_migration  # type: ignore[method-assign]
    os.replace = replace
    LexicalWriter.finish = finish  # type: ignore[method-assign]
    pipeline._Run.flush = flush  # type: ignore[method-assign]


def run_command(argv: list[str]) -> int:
    from ragtune.cli import main

    h = _Hooks()
    _install(h)
    h.hit("start", "before")
    rc = main(argv)
    h.hit("exit", "before", str(rc))
    return rc


def parse_trace(text: str) -> list[tuple[str, str, int, str]]:
    """(point, when, n, detail) of each whole line of a trace file (a kill may cut the last one)."""
    out = []
    for line in text.splitlines():
        key, _, detail = line.partition(" ")
        parts = key.split(":")
        if len(parts) == 3 and parts[2].isdigit():
            out.append((parts[0], parts[1], int(parts[2]), detail))
    return out


def kill_points(trace: list[tuple[str, str, int, str]]) -> list[str]:
    """Every `point:when:n` a clean run passed (start and exit are no writes: left out)."""
    return [f"{p}:{w}:{n}" for p, w, n, _ in trace if p not in ("start", "exit")]


def stage_of(trace: list[tuple[str, str, int, str]], killed: bool) -> str:
    """Where a run stopped, in words for the report: the last point it passed."""
    if not killed:
        return "completed"
    if not trace:
        return "startup (imports)"
    p, w, n, d = trace[-1]
    if p == "exit":
        return "after main returned"
    if p == "start":
        return "before the first write"
    return f"{w} {p}" + (f" {d}" if d and p in ("replace", "migrate") else "")


# -- the checker (subprocess) --------------------------------------------------------------------------------------
def _cli(argv: list[str]) -> dict[str, Any]:
    """One command in this process: rc, stdout, stderr; an exception that escaped main (RAGTUNE_DEBUG is set, so
    it is not turned into "internal error") is a traceback."""
    from ragtune.cli import main

    out, err = io.StringIO(), io.StringIO()
    tb = None
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = main(list(argv))
        except SystemExit as exc:
            rc = exc.code if isinstance(exc.code, int) else 1
        except BaseException:  # noqa: BLE001 - reported, not raised: the checker goes on
            rc, tb = 70, traceback.format_exc()
    return {"argv": list(argv), "rc": rc, "out": out.getvalue(), "err": err.getvalue(), "traceback": tb}


def read_problem(res: dict[str, Any]) -> str | None:
    """Why a read command's result is not an answer or a refusal in words (None: it is fine)."""
    if res["traceback"] or "Traceback" in res["err"] or "internal error" in res["err"]:
        return f"{res['argv']}: traceback/internal error: {(res['traceback'] or res['err'])[-600:]}"
    if res["rc"] == 0:
        if "--json" in res["argv"]:
            try:
                json.loads(res["out"])
            except ValueError:
                return f"{res['argv']}: rc 0 but stdout is not JSON: {res['out'][:200]!r}"
        return None
    # a home the kill left before its first document: said so, nothing broken
    fine = ("does not exist", "nothing ingested yet", "no documents have been ingested")
    if res["rc"] == 2 and any(f in res["err"] + res["out"] for f in fine):
        return None
    return f"{res['argv']}: rc {res['rc']}: {(res['err'] or res['out'])[-600:]}"


def _hits(res: dict[str, Any]) -> Any:
    if res["rc"] != 0:
        return ["rc", res["rc"]]
    return [["/".join(Path(h["source"]).parts[-2:]), h["ord"]] for h in json.loads(res["out"])["hits"]]


def snapshot(home: Path) -> dict[str, Any]:
    """What a person sees: documents (path, sha256, chunks, kind, title, stale), search results by chunk identity
    (source, ord: ids may differ from a clean run's; scores are not compared), the config file, the registry."""
    docs = _cli(["docs", "list", "--json"])
    rows = sorted([d["path"], d["sha256"], d["n_chunks"], d["kind"], d["title"], d["stale"]]
                  for d in json.loads(docs["out"])["documents"]) if docs["rc"] == 0 else ["rc", docs["rc"]]
    search = {q: _hits(_cli(["search", q, "--json", "--no-cache", "--k", "6"])) for q in QUERIES[:2]}
    search["bm25:" + QUERIES[0]] = _hits(_cli(["search", QUERIES[0], "--mode", "bm25", "--json", "--no-cache",
                                                "--k", "6"]))
    search["vector:" + QUERIES[2]] = _hits(_cli(["search", QUERIES[2], "--mode", "vector", "--json", "--no-cache",
                                                  "--k", "6"]))
    models = _cli(["models", "list", "--json"])
    listed = json.loads(models["out"]) if models["rc"] == 0 else {}
    active = home / "registry" / "active.json"
    state = json.loads(active.read_text()) if active.exists() else None
    cfg = home / "config.toml"
    return {"documents": rows, "search": search, "config": cfg.read_text() if cfg.exists() else None,
            "artifacts": sorted([a["id"], a["kind"], a["name"]] for a in listed.get("artifacts", [])
                                if not a.get("builtin")),
            "active": None if state is None else [state.get("active"), state.get("previous")]}


def invariants(home: Path) -> list[str]:
    """SQLite whole; every document's chunk count, every chunk's vector; the Tantivy index marked in step and
    holding exactly the stored chunks; the vector index (when built) naming whole files that hold exactly them."""
    from ragtune.appliance.home import Home
    from ragtune.appliance.lexical import LexicalIndex
    from ragtune.appliance.store import Store
    from ragtune.appliance.vectorfiles import files_ok, read_state

    h = Home(home)
    if not h.db_path.exists():
        return []
    bad = []
    with Store(h.db_path) as st:
        if (ok := st.scalar("PRAGMA integrity_check")) != "ok":
            bad.append(f"integrity_check: {ok}")
        chunk_ids = {r[0] for r in st.query("SELECT id FROM chunks")}
        vec_ids = {r[0] for r in st.query("SELECT rowid FROM chunk_vec")}
        if chunk_ids != vec_ids:
            bad.append(f"chunks without a vector or vectors without a chunk: {sorted(chunk_ids ^ vec_ids)[:10]}")
        for path, n, real in st.query("SELECT d.path, d.n_chunks, (SELECT count(*) FROM chunks c WHERE c.doc_id = d.id)"
                                      " FROM documents d"):
            if n != real:
                bad.append(f"{path}: n_chunks {n}, {real} chunks stored")
        lex = LexicalIndex(h.lexical_dir)
        try:
            if not lex.is_synced(st):
                bad.append(f"lexical index not in step: marker {lex.synced_version}, store {st.index_version}, "
                           f"{lex.num_docs} docs vs {st.count_chunks()} chunks")
            import tantivy

            searcher = lex._index.searcher()
            res = searcher.search(tantivy.Query.all_query(), max(1, len(chunk_ids) + 10))
            lex_ids = {searcher.doc(a)["chunk_id"][0] for _, a in res.hits}
            if lex_ids != chunk_ids:
                bad.append(f"lexical chunk ids differ from the store's: {sorted(lex_ids ^ chunk_ids)[:10]}")
        finally:
            lex.close()
        st_v = read_state(h.root / "vectors")
        if st_v is not None:
            if not files_ok(h.root / "vectors", st_v):
                bad.append(f"vector index files not whole: {st_v}")
            elif st_v["seq"] == st.vector_change_seq():  # in step: it must hold exactly the stored vectors
                import numpy as np

                ids = np.load(h.root / "vectors" / st_v["ids_file"])[: st_v["rows"]]
                live = {int(i) for i in ids if i >= 0}
                if live != vec_ids:
                    bad.append(f"vector index rows differ from the store's: {sorted(live ^ vec_ids)[:10]}")
    return bad


def leftovers(home: Path) -> list[str]:
    return sorted(str(p.relative_to(home)) for p in home.rglob("*")
                  if any(m in p.name for m in LEFTOVER_MARKS))


def open_for_writing(home: Path) -> list[str] | None:
    """The home's database opened for writing and closed, as the first thing any command does (this process's
    first open: it sweeps what killed writers left, home.sweep_leftovers): the leftovers after it. None where the
    kill came before the database existed (nothing to open; the rerun makes it)."""
    from ragtune.appliance.home import Home
    from ragtune.appliance.store import Store

    db = Home(home).db_path
    if not db.exists():
        return None
    Store(db).close()
    return leftovers(home)


def check(spec: dict[str, Any]) -> dict[str, Any]:
    home = Path(spec["home"])
    out: dict[str, Any] = {"reads": [], "rerun": None, "leftovers_after_kill": leftovers(home)}
    out["leftovers_after_open"] = open_for_writing(home)

    def reads() -> None:
        for argv in spec["reads"]:
            out["reads"].append(_cli(argv))

    def rerun() -> None:
        out["rerun"] = _cli(spec["rerun"])
        out["leftovers_after_rerun"] = leftovers(home)

    for step in ((reads, rerun) if spec["order"] == "reads-first" else (rerun, reads)):
        step()
    out["invariants"] = invariants(home)
    _fresh_lexical(home)
    out["snapshot"] = snapshot(home)
    return out


def _fresh_lexical(home: Path) -> None:
    """Rebuild the Tantivy index from SQLite before the snapshot's searches. BM25 counts deleted documents in its
    statistics until Tantivy merges their segments away, so an index rebuilt after a crash ranks near-ties unlike
    one a clean run updated in place: the same chunks, other scores. The index as the run left it is checked by
    `invariants` (in step, exactly the stored chunks)."""
    from ragtune.appliance.home import Home
    from ragtune.appliance.lexical import LexicalIndex
    from ragtune.appliance.store import Store

    h = Home(home)
    if h.db_path.exists():
        with Store(h.db_path) as st:
            lex = LexicalIndex(h.lexical_dir)
            lex.rebuild(st)
            lex.close()


if __name__ == "__main__":
    if sys.argv[1] == "run":
        sys.exit(run_command(sys.argv[2:]))
    if sys.argv[1] == "check":
        spec = json.loads(Path(sys.argv[2]).read_text())
        result = check(spec)
        Path(spec["out"]).write_text(json.dumps(result))
        sys.exit(0)
    sys.exit(f"unknown mode {sys.argv[1]!r}")
