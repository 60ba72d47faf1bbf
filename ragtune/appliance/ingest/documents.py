"""What is ingested, and taking documents out again (`ragtune docs list|show|remove`).

A document is selected by its id, its path (as stored: absolute; a BEIR row is `corpus.jsonl#<id>`), a folder (every
document under it) or a corpus file (every row of it); a path that matches none as typed is compared in NFC ("é" typed
composed names the file a Mac stored decomposed); a ref is looked up as typed (a stored name may end in a space),
then stripped, then against the one stored path that differs from it only in trailing spaces or dots. Removing
writes SQLite first (one transaction, index version bumped), then the keyword index and the derived vector index,
exactly like ingest's `--prune`: a crash in between leaves the keyword index marked stale, and the next ingest or
search rebuilds it from SQLite.

A document whose file failed to re-ingest keeps serving its stored version; ingest marks it `stale` (stale.py) and
`docs list` says so."""

from __future__ import annotations

import os
import unicodedata
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..config import Settings
from ..errors import InputError, UnknownDocument
from .prune import file_there, names_row

# What `docs list` says under a document whose file is not there (cli/docs_cmd.py prints it after "GONE   "): a moved
# folder (a home restored on another machine) is re-pointed by an ingest of its new place (rename.py: no embedding
# again); a deleted file is dropped by --prune or `docs remove`.
GONE_HINT = ("the file is not there (moved, renamed or deleted since it was ingested?); the version above is still "
             "served. Moved (its folder restored elsewhere): `ragtune ingest NEW-FOLDER` re-points it without "
             "embedding it again; deleted: `ragtune ingest FOLDER --prune` or `ragtune docs remove ID`")


@dataclass
class DocInfo:
    id: int
    path: str
    title: str
    kind: str
    size: int
    sha256: str
    doc_date: str | None
    ingested_at: float
    n_chunks: int
    stale: str | None = None  # why the file's newer version could not be ingested (the stored one still serves)
    stale_since: float | None = None
    # set by list_documents only (None: not looked at, left out of to_json): the file is not there (renamed or deleted
    # since it was ingested; a corpus row: its corpus file); another document's path is this one's in another Unicode
    # form (a composed "é" and a Mac copy's decomposed "é": they look the same)
    gone: bool | None = None
    unicode_twin: bool | None = None

    @classmethod
    def from_row(cls, d: dict[str, Any]) -> "DocInfo":
        stale = d["meta"].get("stale") if isinstance(d["meta"].get("stale"), dict) else None
        return cls(id=int(d["id"]), path=d["path"], title=d["title"], kind=d["kind"], size=int(d["size"]),
                   sha256=d["sha256"], doc_date=d["doc_date"], ingested_at=float(d["ingested_at"]),
                   n_chunks=int(d["n_chunks"]), stale=stale.get("reason") if stale else None,
                   stale_since=stale.get("since") if stale else None)

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None or k not in ("gone", "unicode_twin")}


@dataclass
class RemoveSummary:
    removed: list[DocInfo] = field(default_factory=list)
    chunks_deleted: int = 0
    index_version: int = 0
    dry_run: bool = False
    lexical_rewritten: int = 0  # chunks the keyword index wrote again so that no segment keeps the removed ones
    # what still holds the removed documents' text and `docs remove` does not erase (security.md "Erasing a
    # document"): the query-log entries that quote them (`log forget` erases those), the replay evaluations whose
    # items quote them (eval.report.replay_reports' shape: rows in ragtune.db and report files)
    log_ids: list[int] = field(default_factory=list)
    replay_reports: list[dict[str, Any]] = field(default_factory=list)
    # this user's rebuilt read-only copies of the home's keyword index removed (lexical_cache.discard_home)
    lexical_cache_discarded: int = 0
    # HOME/vectors/ (a large home's derived vector index) rebuilt without the removed chunks' rows: True; None when
    # the home has none; False when the rebuild failed (the rows stay there: erasure_check names them)
    vectors_rewritten: bool | None = None
    # what log_ids were matched by ({"cids", "dids", "paths"}): forget_quoting checks the ids again with it
    quoted: dict[str, str] = field(default_factory=dict, repr=False)

    def to_json(self) -> dict[str, Any]:
        return {"removed": [d.to_json() for d in self.removed], "n_removed": len(self.removed),
                "chunks_deleted": self.chunks_deleted, "index_version": self.index_version, "dry_run": self.dry_run,
                "lexical_rewritten": self.lexical_rewritten, "quoted_by_log": self.log_ids,
                "replay_reports": self.replay_reports, "lexical_cache_discarded": self.lexical_cache_discarded,
                "vectors_rewritten": self.vectors_rewritten}


def _open(settings: Settings, *, must_exist: bool = True) -> Any:
    from ..store import Store

    if must_exist and not settings.home.db_path.is_file():
        return None
    return Store(settings.home.db_path)


def list_documents(settings: Settings, *, under: str | Path | None = None, stale_only: bool = False) -> list[DocInfo]:
    """Every ingested document (under a folder or corpus file, when given), by path."""
    store = _open(settings)
    if store is None:
        return []
    with store:
        prefix = None if under is None else _prefix(Path(under))
        rows = [r for r in store.documents(prefix) if prefix is None or _under(r, prefix)]
        if prefix is not None and not rows and not prefix.isascii():
            rows = _composed_documents(store, [], {prefix})
        docs = [DocInfo.from_row(r) for r in rows]
        if stale_only:
            docs = [d for d in docs if d.stale]
        twins = _unicode_twins(store, docs)
    for d in docs:
        d.gone = not file_there(d.path)
        d.unicode_twin = d.id in twins
    return docs


def _unicode_twins(store: Any, docs: list[DocInfo]) -> set[int]:
    """The ids among `docs` whose path is another stored document's in another Unicode form (the same in NFC).
    Only a path that is not ASCII can have one: all-ASCII lists read nothing more."""
    wanted = {_nfc(d.path) for d in docs if not d.path.isascii()}
    if not wanted:
        return set()
    forms: dict[str, set[int]] = {}
    for doc_id, path in store.documents_under(""):  # the twin may be outside --under or --stale
        if not path.isascii() and (key := _nfc(path)) in wanted:
            forms.setdefault(key, set()).add(int(doc_id))
    return {i for ids in forms.values() if len(ids) > 1 for i in ids}


def count_documents(settings: Settings) -> int:
    """What the chat app's status bar shows: the same rows `docs list` lists."""
    store = _open(settings)
    if store is None:
        return 0
    with store:
        return store.count_documents()


def _prefix(p: Path) -> str:
    """How stored paths under `p` start: a folder's path and a separator, a corpus file's path and '#'."""
    full = Path(os.path.abspath(p.expanduser()))
    real = Path(os.path.realpath(full))
    if real.is_file():
        return str(real) + "#"
    return str(real).rstrip(os.sep) + os.sep


def _on_disk(ref: str) -> tuple[list[str], Callable[[], set[str]]]:
    """(the stored paths REF may be, the prefixes of the documents under it: asked only when none is) as the file
    system has REF."""
    p = Path(ref).expanduser()
    as_path = str(Path(os.path.abspath(p)))

    def prefixes() -> set[str]:
        out = {_prefix(p)}
        if not p.exists():  # a folder that is gone: its documents are still stored under its old path
            out.add(as_path.rstrip(os.sep) + os.sep)
        return out

    return [as_path, os.path.realpath(as_path)], prefixes


def _as_stored(ref: str) -> tuple[list[str], Callable[[], set[str]]]:
    """The same, REF read as text the way stored paths are written: "/a//b/./" names "/a/b"."""
    base = os.path.normpath(ref) if ref.startswith("/") else ref
    return [ref], lambda: {base.rstrip("/") + "/", base + "#"}  # a folder's documents, a corpus file's rows


def _nfc(text: str) -> str:
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def _composed_documents(store: Any, paths: list[str], prefixes: set[str]) -> list[dict[str, Any]]:
    """The documents stored under one of `paths`, else under one of `prefixes`, when both are read in NFC. A name
    typed with a composed "é" misses the same name stored decomposed (macOS writes names so; a zip or a copy from a
    Mac keeps them) though the two look the same in `docs list`. Asked only when the exact lookup found nothing."""
    want = {_nfc(p) for p in paths}
    stored = [(i, _nfc(p)) for i, p in store.documents_under("")]
    ids = [i for i, p in stored if p in want]
    if ids:
        return [d for d in map(store.document, ids) if d is not None]
    starts = [_nfc(p) for p in prefixes]
    rows = [store.document(i) for i, p in stored if p.startswith(tuple(starts))]
    return [d for d in rows if d is not None and any(_nfc(d["path"]).startswith(s) and _under(d, s) for s in starts)]


def _under(row: dict[str, Any], prefix: str) -> bool:
    """Whether a row stored under `prefix` is what the prefix names (prune.names_row: under "F#" only a corpus
    file's rows)."""
    return names_row(prefix, row["kind"])


def select_documents(store: Any, refs: list[str], *, on_disk: bool = True) -> list[DocInfo]:
    """The documents REFs name: an id, a stored path, a folder (all under it) or a corpus file (all its rows).
    Every ref must match something: a typo is an UnknownDocument, not a silent no-op. `on_disk`: a path is read as
    the file system has it (relative to the current folder, links followed, a file there a corpus file); False: as
    text only, the way `docs list` shows stored paths (a server's client: nothing on its disk is looked at)."""
    from ..store import MAX_ROW_ID

    out: dict[int, DocInfo] = {}
    for ref in refs:
        ref = str(ref)
        if not ref.strip():
            raise InputError("empty document reference")
        # as typed first: a stored name may end in a space ("notes.txt ", round 49); stripped only as a fallback (a
        # ref pasted with a space around it), then a stored name that ends in spaces or dots typed without them
        found = _lookup(store, ref, on_disk, MAX_ROW_ID)
        if not found and ref.strip() != ref:
            found = _lookup(store, ref.strip(), on_disk, MAX_ROW_ID)
        if not found:
            found = _trimmed_match(store, ref.strip(), on_disk)
        if not found:
            ref = ref.strip()
            raise UnknownDocument(ref) if on_disk else UnknownDocument(
                ref, hint="give a document id, or a path or folder as `ragtune docs list` shows it")
        for d in found:
            out[int(d["id"])] = DocInfo.from_row(d)
    return sorted(out.values(), key=lambda d: d.path)


def _lookup(store: Any, ref: str, on_disk: bool, max_id: int) -> list[dict[str, Any]]:
    """The rows REF names exactly (an id, a path, a folder, a corpus file; then in NFC): [] when none."""
    found: list[dict[str, Any]] = []
    if ref.isascii() and ref.isdigit() and int(ref) <= max_id:  # "²" is a digit to str.isdigit, not to int
        row = store.document(int(ref))
        found = [row] if row is not None else []
    if not found:
        paths, prefixes = _on_disk(ref) if on_disk else _as_stored(ref)
        row = next((r for r in map(store.document_by_path, paths) if r is not None), None)
        if row is not None:
            found = [store.document(row["id"])]
        else:
            for prefix in sorted(prefixes()):
                found += [d for d in store.documents(prefix) if _under(d, prefix)]
        if not found and not ref.isascii():
            found = _composed_documents(store, paths, prefixes())
    return found


def _bare(path: str) -> str:
    """`path` with trailing spaces and dots taken off its last name (in NFC): what a name looks like on screen."""
    head, _, name = path.rpartition(os.sep)
    return _nfc(f"{head}{os.sep if head or path.startswith(os.sep) else ''}{name.rstrip(' .') or name}")


def _trimmed_match(store: Any, ref: str, on_disk: bool) -> list[dict[str, Any]]:
    """The one stored document whose path is REF's once both lose the trailing spaces and dots of their last name:
    people type the name they see ("notes.txt" for a stored "notes.txt " or "minutes.txt."). [] when none, or when
    more than one would match (which one is meant is not known: none is taken). Asked only after every exact
    lookup missed."""
    if not ref or ref.isdigit():
        return []
    paths = _on_disk(ref)[0] if on_disk else [ref]
    want = {_bare(p) for p in paths}
    ids = {int(i) for i, p in store.documents_under("") if _bare(p) in want}
    if len(ids) != 1:
        return []
    row = store.document(ids.pop())
    return [row] if row is not None else []


def show_document(settings: Settings, ref: str) -> tuple[DocInfo, list[tuple[int, str, int, int]]]:
    """One document (a single match of REF) and its chunks (ord, text, start_char, end_char)."""
    store = _open(settings)
    if store is None:
        raise InputError(f"no documents have been ingested into {settings.home.root}", hint="ragtune ingest PATH")
    with store:
        docs = select_documents(store, [ref])
        if len(docs) > 1:
            raise InputError(f"'{ref}' matches {len(docs)} documents", hint="give one id or path (ragtune docs list)")
        return docs[0], store.document_chunks(docs[0].id)


def remove_documents(settings: Settings, refs: list[str], *, dry_run: bool = False,
                     store: Any = None, lexical: Any = None,
                     on_wait: Callable[[], None] | None = None) -> RemoveSummary:
    """Take the documents REFs name out of the index: their rows, chunks and vectors, then their keyword-index
    entries. The files themselves are never touched. `on_wait`: called once if an ingest holds the index first."""
    from .writer import acquire_writer

    summary = RemoveSummary(dry_run=dry_run)
    own: list[Any] = []
    try:
        if store is None:
            store = _open(settings)
            if store is None:
                raise InputError(f"no documents have been ingested into {settings.home.root}")
            own.append(store)
        summary.removed = select_documents(store, refs)
        summary.index_version = store.index_version
        if dry_run:
            _left_behind(store, summary)
            return summary
        if lexical is None:
            from ..lexical import LexicalIndex

            lexical = LexicalIndex(settings.home.lexical_dir)
            own.append(lexical)
        with ExitStack() as stack:
            lw = acquire_writer(lexical, stack, on_wait=on_wait)
            in_step = not getattr(lexical, "corrupt", False) and lw.prior_version == store.index_version \
                and lw.prior_docs == store.count_chunks()
            # again, now that no one else writes: another removal (or an ingest) may have changed them meanwhile
            try:
                summary.removed = select_documents(store, refs)
            except InputError:
                if in_step:
                    lw.finish(store.index_version)  # nothing changed: the index stays marked in step
                raise
            ids = [d.id for d in summary.removed]
            _left_behind(store, summary)  # before the chunks go: their ids name the quotes
            with store.transaction():
                for doc_id in ids:
                    summary.chunks_deleted += store.delete_document(doc_id)
                # a remembered failure of the file goes too: the next ingest of it reads it afresh (failures.py)
                store.update_ingest_failures(forget=[d.path for d in summary.removed])
                store.bump_index_version()
            if in_step:
                lw.replace_docs(store, set(ids))
                # removed means gone from tantivy/ too: a deleted chunk's terms stay in its segment otherwise
                summary.lexical_rewritten = lw.purge(store)
            else:  # the keyword index was behind already: rebuild it from SQLite (no old segment stays)
                lw.delete_all()
                lw.add_from_store(store, None)
            lw.finish(store.index_version)
        summary.index_version = store.index_version
        from ..lexical import own_folder
        from ..lexical_cache import discard_home

        # a copy this user rebuilt while the home was read-only here keeps the removed text until their next search;
        # copies are keyed on the index folder read: this release's own beside a newer one's (lexical.own_folder,
        # tantivy/schema-N) as well as the top (round 52)
        top = settings.home.lexical_dir
        summary.lexical_cache_discarded = sum(discard_home(f, store) for f in {Path(top), own_folder(top)})
        summary.vectors_rewritten = _rewrite_vectors(settings, store, len(ids))
    finally:
        from .writer import close_quietly

        close_quietly(own)
    return summary


def _rewrite_vectors(settings: Settings, store: Any, removed: int) -> bool | None:
    """Bring HOME/vectors/ up to date after a removal: rebuilt (writer.rebuild_vectors) when documents went, else the
    incremental refresh. None: no such folder."""
    from .writer import IngestSummary, rebuild_vectors, refresh_vector_index

    done = rebuild_vectors(settings, store) if removed else None
    if not done:
        refresh_vector_index(settings, store, IngestSummary(deleted=removed))
    return done


def _left_behind(store: Any, summary: RemoveSummary) -> None:
    """Fill `summary.log_ids` and `.replay_reports`: what quotes the documents being removed (a source of theirs by
    chunk id, which is never reused, by document id or by path), so the command can list it. Read before the
    chunks are deleted. A row that is not JSON is passed over."""
    import json

    from ..eval.report import home_eval_dir, report_files

    docs = summary.removed
    args = {"cids": json.dumps([c for c, *_ in store.iter_chunk_texts([d.id for d in docs])]),
            "dids": json.dumps([d.id for d in docs]), "paths": json.dumps([d.path for d in docs])}
    summary.log_ids, summary.quoted = store.log_ids_quoting(args), args
    summary.replay_reports = report_files(store.replay_runs_quoting(args), home_eval_dir(store))


# -- the erasure receipt of `docs remove --forget-log` (docs/security.md, "Erasure"): forget the query-log entries
# that quote the documents (as `ragtune log forget` of each), remove the documents, forget those that quoted them
# meanwhile (the step a rerun cannot find again, the removal, comes last but one: a kill anywhere leaves a command to
# finish it), then say what nothing here can reach: eval report files, exports and datasets, backups made before
# (backup_record), other users' rebuilt copies of the keyword index (lexical_cache), a running serve's memory
NOTHING_FORGOTTEN: dict[str, Any] = {"forgotten": [], "already": [], "replays": [], "reviews": 0, "cache": 0,
                                     "gone": [], "replay_reports": []}


def merge_runs(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Replay report folders of `a`, then those of `b` not among them (by run), each once."""
    runs = {r["run"] for r in a}
    return [*a, *(r for r in b if r["run"] not in runs)]


def merge_forgotten(a: dict[str, Any], b: dict[str, Any] | None) -> dict[str, Any]:
    """Two forget_quoting results as one (the receipt's `log_forgotten`, the same keys): ids joined, counts added,
    `checkpointed` true only when both were, replay report folders once each."""
    if b is None:
        return a
    out = dict(a)
    for key, value in b.items():
        have = out.get(key)
        if key == "replay_reports":
            out[key] = merge_runs(have or [], value)
        elif isinstance(value, bool):
            out[key] = value if have is None else bool(have) and value
        elif isinstance(value, int):
            out[key] = (have or 0) + value
        elif isinstance(value, list):
            out[key] = sorted({*(have or []), *value})
        else:
            out[key] = value
    return out


def forget_quoting(settings: Settings, ids: list[int], quoted: dict[str, str] | None = None) -> dict[str, Any]:
    """`log forget` of the entries `ids` (RemoveSummary.log_ids): Store.forget_query_log's result, with
    "replay_reports" (the report folders of the replays that asked them) and "gone" (ids no longer in the log:
    `log prune` removed them since the removal listed them; the others are forgotten all the same). With `quoted`
    (RemoveSummary.quoted) the ids are checked again inside the forget's transaction: a query-log id can be given
    again to a new row once the highest is pruned, so only a row that still quotes the documents (or was forgotten
    meanwhile: "already") is forgotten; any other id counts as gone."""
    from ..eval.report import replay_reports
    from ..store import open_store

    with open_store(settings.home) as store:
        with store.transaction(write=True):  # the check and the forget: one transaction, nothing between
            # ids and marks only: a whole row (its context, answer, raw output) is not read to be erased
            wanted = store.log_ids_present(ids)
            if quoted:  # forgotten meanwhile ("already": their text is gone) or still quoting them
                wanted = store.log_ids_present(wanted, forgotten_only=True) \
                    | (wanted & set(store.log_ids_quoting(quoted)))
            gone = sorted(set(ids) - wanted)
            out = store.forget_query_log(sorted(wanted)) if wanted else {
                "forgotten": [], "already": [], "unknown": [], "reviews": 0, "cache": 0, "replays": []}
        if out["forgotten"] or out["already"] or out.get("replays"):  # committed now: the frames holding the text go
            out["checkpointed"] = store.checkpoint()
        out["gone"] = gone
        out["replay_reports"] = replay_reports(store, sorted(wanted), out.get("replays", []))
    return out


def not_reached(settings: Settings, summary: Any, forgot: dict[str, Any] | None,
                started: float, *, unforgotten: Any = ()) -> tuple[list[dict[str, Any]], list[str]]:
    """(what still holds the removed text and this command does not erase, each {"what", "where": [...],
    "how"}; problems reading the backups record, as file:line). `started`: when the removal began (the backups
    made before it hold the text). `unforgotten`: log ids a failed forget left (they still quote it)."""
    from ..backup_record import backups_made

    out: list[dict[str, Any]] = []
    left = summary.log_ids if forgot is None else sorted({*(forgot.get("unknown") or []), *unforgotten})
    if left:
        out.append({"what": "query_log", "where": [str(i) for i in left],
                    "how": "ragtune log forget " + " ".join(map(str, left))})
    if forgot is not None and forgot.get("checkpointed") is False:
        out.append({"what": "write_ahead_log", "where": [str(settings.home.db_path) + "-wal"],
                    "how": "another process holds the database open: run `ragtune log forget` of the same ids again "
                           "once it stops"})
    if getattr(summary, "vectors_rewritten", None) is False:
        out.append({"what": "vector_index", "where": [str(settings.home.root / "vectors")],
                    "how": "delete the folder: it is rebuilt from the database at the next search"})
    files: dict[str, None] = {}
    for r in [*summary.replay_reports, *((forgot or {}).get("replay_reports") or [])]:
        for f in r["files"] or ([f"{r['folder']} (not found here)"] if r["folder"] else []):
            files[f] = None
    out.append({"what": "eval_reports", "where": list(files), "how": "delete by hand (report.json, .md, .html, "
                "items.jsonl of the replay evaluations that quote it)"})
    backups, problems = backups_made(settings.home, before=started)
    out.append({"what": "backups", "where": [b["dest"] for b in backups],
                "when": [b["time"] for b in backups], "exists": [b["exists"] for b in backups],
                "how": "delete, or restore and erase again; copies made by other means than `ragtune backup` are "
                       "not recorded"})
    out.append({"what": "exports_and_datasets", "where": [], "how": "`log export` files, `dataset build --from-log` "
                "output, adapters trained on them: delete or rebuild by hand"})
    out.append({"what": "other_users_caches", "where": [], "how": "each other user that read this home read-only "
                "keeps a rebuilt keyword index until their next search: rm -rf their ~/.cache/ragtune/lexical"})
    out.append({"what": "serve_memory", "where": [], "how": "restart a running `ragtune serve`"})
    out.append({"what": "questions_not_quoting", "where": [], "how": "questions about it that retrieved none of "
                "it are not listed: `ragtune log list --search TEXT`, then `ragtune log forget ID`"})
    return out, problems
