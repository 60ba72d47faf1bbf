"""Ingest: walk paths (walk.py) -> load -> chunk -> embed -> store (SQLite, then Tantivy).

Storage rules (SQLite is the truth, Tantivy is derived):
- A document is keyed by its path; its content sha256 (+ the chunking/embedding settings, + the version of its
  kind's loader) decides whether it is unchanged (skipped), changed (chunks replaced, same document id) or new.
  A file that could not be read is remembered the same way (failures.py) and not read again until it changes.
  A new path whose bytes are a stored document's whose file is gone is that document renamed or moved (rename.py):
  it takes the path, keeping its id, chunks and vectors.
  A replaced document embeds only chunks whose token ids (what the embedder encodes) are new; the others keep
  their vectors (reuse.py).
- Each document's rows (documents, chunks, chunk_vec) are written in ONE transaction: a failure on one file
  never touches what is stored for another, and never leaves half a document.
- `index_version` is bumped in the transaction of the run's first change, and once more at the end if later
  changes followed (so a reader that cached results mid-run never keeps them). A no-op run leaves it alone.
- The Tantivy writer is held for the whole run with its sync marker set dirty; it is committed and marked
  with the final index_version at the end. A crash anywhere in between leaves a dirty marker, so the next
  open (`LexicalIndex.ensure_synced`) rebuilds it from SQLite. A run that raises before it stored a document (its
  embedder does not load) puts the marker back as it was: nothing to rebuild.
- A stop (`should_stop`) between slabs of a big document drops that document whole: its chunks are written only
  after every one of them has its vector, so what is stored for it stays as it was. A stop during a file's parse
  acts at the loader's next beat (PARSE_BEAT: a PDF's page): the file is left as not reached, not as failed.
"""

from __future__ import annotations

import os
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ..config import Settings
from ..errors import WriteRefused
from ..hashing import sha256_bytes
from .failures import CORPUS_KIND
from .progress import IngestProgress, OnProgress, Tracker
from .prune import behind_links, gone_and_skipped, stale_documents
from .stale import mark_stale
from .summary import IngestSummary
from .loaders import LOADERS, Document, LoadError, iter_beir_documents
from .loaders.base import PARSE_BEAT
from .loaders.parse_budget import PARSE_SECONDS
from .run import _Run, _Stopped
from .walk import OUTSIDE_LINK, Walk, WalkItem, os_reason, read_item, walk
from .writer import acquire_writer, close_quietly, rebuild_vectors, refresh_vector_index

Progress = Callable[[int, int, str], None]


def ingest_paths(settings: Settings, paths: list[Path] | str | os.PathLike[str], *, prune: bool = False,
                 progress: Progress | None = None, store: Any = None, embedder: Any = None, lexical: Any = None,
                 on_progress: OnProgress | None = None, retry_failed: bool = False,
                 should_stop: Callable[[], bool] | None = None,
                 follow_outside_links: bool = False) -> IngestSummary:
    """Ingest files and folders into the home of `settings`. Per-file problems are reported in
    `summary.failed` as (path, one-line reason), files that failed before and did not change since in
    `summary.still_unreadable` (not read again unless `retry_failed`); typed errors are raised only for whole-run
    problems (database, embedder model, another ingest running). `should_stop()` true (the TUI's escape, the CLI's
    Ctrl-C) ends the run like a finished one, between documents, inside a file's parse, or between the embedding
    slabs of a big one (that document is then dropped whole: what is stored for it stays as it was): the documents
    done are stored and indexed, nothing is pruned, and `summary.stopped` / `files_left` say so (the dropped
    document's file among those left); the next ingest of the same paths goes on where it stopped (the files done
    are unchanged).
    `follow_outside_links`: follow symlinks in the given folders whose target is outside them (walk.py). Not followed
    (the default), such a link is a failure, but not one of a file that is there and unreadable: a document stored
    through it earlier is not kept as stale, it is gone (pruned with `prune`, else listed in `summary.gone`, with the
    documents under the given folders whose files are gone from disk: renamed, moved, deleted).
    `paths`: a list of files and folders, or one given alone (a str or a Path)."""
    t0 = time.perf_counter()
    if isinstance(paths, (str, os.PathLike)):  # one path: not its characters, the first "/" the whole disk (round 49)
        paths = [Path(paths)]
    summary = IngestSummary(paths=len(paths))
    w = walk([Path(p) for p in paths], settings.ingest.extensions, skip=settings.home.root,
             follow_outside_links=follow_outside_links)
    outside = {p for p, r in w.failed if r.startswith(OUTSIDE_LINK)}  # links not followed: what is behind is gone
    summary.failed.extend(w.failed)
    summary.skipped = [str(p) for p in w.skipped]
    summary.ignored, summary.ignored_exts = w.ignored, dict(w.ignored_exts)
    summary.paths_bad = w.paths_bad

    own: list[Any] = []
    # the run's parse budget, `[ingest] parse_seconds` (parse_budget.py); a caller's own PARSE_SECONDS is kept
    budget = None if PARSE_SECONDS.get(None) is not None else PARSE_SECONDS.set(settings.ingest.parse_seconds)

    def make_embedder() -> Any:
        if embedder is not None:
            return embedder
        from ..embed import BULK, Embedder

        bulk = BULK.set(True)  # thousands of runs back to back: its threads sleep between operators (embed.py)
        try:
            e = Embedder(settings.embed, settings.home)
        finally:
            BULK.reset(bulk)
        own.append(e)
        return e

    try:
        if store is None:
            from ..store import Store

            store = Store(settings.home.db_path)
            own.append(store)
        if getattr(store, "read_only", None):  # a home this process may not write: refused before anything is read
            raise store.read_only_error("ingest writes to it")
        if lexical is None:
            from ..lexical import LexicalIndex

            lexical = LexicalIndex(settings.home.lexical_dir)
            own.append(lexical)
        _check_index_writable(lexical)
        with ExitStack() as stack:
            waiting = None if on_progress is None else \
                (lambda: on_progress(IngestProgress(0, len(w.items), 0, 0, "", "waiting", 0.0)))  # noqa: E731
            lw = acquire_writer(lexical, stack, on_wait=waiting, should_stop=should_stop)
            if lw is None:  # stopped while another ingest held the index: nothing read, nothing stored
                summary.stopped, summary.files_left = True, len(w.items)
                summary.seconds = time.perf_counter() - t0
                return summary
            # Is the index in step with SQLite as the run starts? If not, rebuild it in full at the end.
            version, n_chunks = store.index_version, store.count_chunks()
            stale = bool(getattr(lexical, "corrupt", False)) or lw.prior_version != version \
                or lw.prior_docs != n_chunks
            summary.interrupted = bool(getattr(lw, "interrupted", False))
            identity = None
            if embedder is None:
                from ..embed import model_identity

                identity = lambda: model_identity(settings.embed, settings.home)  # noqa: E731
            run = _Run(settings, store, lw, make_embedder, summary, identity, retry_failed, should_stop)
            in_step = not stale or lw.prior_docs == n_chunks == 0  # two empty indexes agree, whatever the marker

            def failed(exc_type: Any, *_: Any) -> None:
                # The run fails (an embedder that does not load, a second Ctrl-C) before it stored a document: the
                # index mirrors SQLite as well as when it began, so its marker is put back, not left dirty.
                if exc_type is not None and not run.bumped_at_change:
                    lw.untouched(version if in_step else None)

            stack.push(failed)  # exits before the writer's, which reads it
            run.record_models()
            run.tracker = Tracker(on_progress, len(w.items), sum(_size(i.path) for i in w.items))
            run.seen.update(p for p, _ in w.failed if p not in outside)  # exists but unreadable: not stale
            try:
                _process(run, w, settings, progress, summary)
                run.flush()
            except WriteRefused as exc:  # no room: every later file would be embedded (minutes) to fail the same way
                raise _stopped_for_room(exc, run, summary, settings.home.root) from None
            run.tracker.emit("", "done")
            run.failures.save(store, run.seen)
            summary.stale = mark_stale(store, [(p, r) for p, r in summary.failed if p not in outside]
                                       + [(p, r) for p, r, _ in summary.still_unreadable])
            if prune and not summary.stopped:  # files not reached are not gone
                stale_docs = stale_documents(store, w, run.seen, run.seen_prefixes)
                summary.prune_refused.extend(stale_docs.refused)
                run.delete_documents(stale_docs.ids)
            elif not summary.stopped:  # kept though gone: behind a link no longer followed, or off the disk
                gone = set(behind_links(store, outside))
                if not summary.all_paths_bad:
                    # gone from disk; there, but no longer selected by the walk (a recycle bin's, stored before
                    # junk.py skipped it): the stored documents and their files read once for both (prune.py)
                    off_disk, summary.now_skipped = gone_and_skipped(store, list(paths), w, exclude=gone)
                    gone.update(off_disk)
                summary.gone = sorted(gone)
            run.finish_version()
            if stale:
                lw.delete_all()
                lw.add_from_store(store, None)
            elif run.changed_doc_ids or run.deleted_doc_ids:
                lw.replace_docs(store, run.changed_doc_ids | run.deleted_doc_ids)
                if summary.chunks_deleted:  # an edit's or a prune's old chunks: Tantivy only marks them deleted,
                    # their text stays in the segment files until a merge; rewritten once a run, as `docs remove` does
                    summary.lexical_rewritten = lw.purge(store)
                    from ..lexical import own_folder
                    from ..lexical_cache import discard_home  # this user's cached copies hold the old text too

                    for folder in {Path(settings.home.lexical_dir), own_folder(settings.home.lexical_dir)}:
                        discard_home(folder, store)  # (keyed on the folder read: tantivy/schema-N beside a newer index)
            lw.finish(store.index_version)
        summary.index_version = store.index_version
        if not (summary.deleted and rebuild_vectors(settings, store)):
            refresh_vector_index(settings, store, summary)
    finally:
        close_quietly(own)
        if budget is not None:
            PARSE_SECONDS.reset(budget)
    summary.seconds = time.perf_counter() - t0
    return summary


def _stopped_for_room(exc: WriteRefused, run: _Run, summary: IngestSummary, home: Path) -> WriteRefused:
    """The store refused a write for want of room (store/noroom.py; or any write the machine refused): the run stops
    there. The documents stored before are kept; the lexical index, left dirty, is rebuilt from SQLite later."""
    import errno

    at = f"{run.refused_at} could not be stored, and " if run.refused_at else ""
    hint = f"free some space (`df -h {home}`), then run the ingest again: it goes on where it stopped" \
        if exc.errno == errno.ENOSPC else exc.hint
    return WriteRefused(f"{exc.message}: {at}the ingest stopped there ({summary.added + summary.updated} documents "
                        "stored before it are kept)", errno=exc.errno, hint=hint)


def _check_index_writable(lexical: Any) -> None:
    """A lexical index read through a private view (its folder not writable by this user: one root's ingest made in
    a user's home) cannot take this run's documents: refused before anything is embedded, not indexed in a view."""
    if getattr(lexical, "view", None) is None:
        return
    import errno

    folder = getattr(lexical, "home_path", None)
    raise WriteRefused(f"{folder}: the lexical index folder cannot be written by this user, and ingest writes to it: "
                       "nothing was changed", errno=errno.EACCES,
                       hint=f"give this user the folder and its files (`ls -la {folder}`; e.g. `sudo chown -R "
                            f"$(id -un) {folder}`), or run the ingest as their owner")


@dataclass
class _Count:
    """What `progress(done, total, path)` is told: files and corpus rows. A corpus file counts as one until its rows
    are counted, by the pass that validates it (the file is not read a time more only to count its lines)."""
    done: int
    total: int


def _process(run: _Run, w: Walk, settings: Settings, progress: Progress | None, summary: IngestSummary) -> None:
    count = _Count(0, len(w.items))
    for n_item, item in enumerate(w.items):
        try:
            _item(run, item, settings, progress, summary, count)
        except _Stopped:  # before this file, between its rows, or inside one of its documents: it is left
            summary.stopped, summary.files_left = True, len(w.items) - n_item
            if item.kind == "beir":
                run.seen_prefixes.append(str(item.path) + "#")  # its rows not reached are kept
            return


def _item(run: _Run, item: WalkItem, settings: Settings, progress: Progress | None, summary: IngestSummary,
          count: _Count) -> None:
    """Read one walked file (a document, or a corpus file of many) into `run`; moves `count` on."""
    if run.should_stop():
        raise _Stopped
    path_s = str(item.path)
    if item.kind == "beir":
        size = _size(item.path)
        sha = run.failures.corpus_sha(path_s)  # hashed only when it failed before: unchanged, it is not read again
        if sha is not None and run.known_failure(path_s, sha, CORPUS_KIND):
            run.seen_prefixes.append(path_s + "#")  # its stored rows are kept, as on the run it failed
            run.tracker.skip(size)
            run.tracker.files_done += 1
            return
        row_bytes = float(size)  # each row's share of the file's bytes (progress), once the rows are counted

        def counted(n: int) -> None:
            nonlocal row_bytes
            row_bytes = size / n
            count.total += n - 1

        rows = replaced = 0
        not_unicode: set[str] = set()  # rows given U+FFFD: noted, not silent (filled as the file is validated)
        try:
            for doc in iter_beir_documents(item.path, not_unicode=not_unicode, counted=counted):
                if run.should_stop():  # between rows of a big corpus too
                    raise _Stopped
                rows += 1
                run.seen.add(doc.path)
                unchanged, doc_id = run.is_unchanged(doc.path, doc.sha256, doc.kind)
                if unchanged:
                    summary.unchanged += 1
                    run.tracker.skip(row_bytes)
                else:
                    _add(run, doc, doc_id, row_bytes)
                    replaced += doc.path[len(path_s) + 1:] in not_unicode
                count.done += 1
                if progress:
                    progress(min(count.done, count.total), count.total, doc.path)
                run.tracker.emit(doc.path, "reading")
        except (LoadError, OSError) as exc:
            if isinstance(exc, LoadError):  # what its bytes cause: remembered by their sha256 (failures.py)
                run.fail(path_s, exc.reason, sha, CORPUS_KIND)
            else:
                summary.failed.append((path_s, os_reason(exc)))
            run.seen_prefixes.append(path_s + "#")  # keep its stored rows: we could not read the file
            run.tracker.skip(size - rows * row_bytes)
        else:
            run.failures.readable(path_s)
        summary.note_not_unicode(path_s, replaced)
        run.tracker.files_done += 1
        return
    run.seen.add(path_s)
    size = _size(item.path)
    run.tracker.emit(path_s, "reading")  # before a big file's parse and chunking, not after
    sha = None
    try:
        raw = read_item(item, settings.ingest.max_file_mb)  # as the walk judged it: a swap since is refused
        sha = sha256_bytes(raw)
        unchanged, doc_id = run.is_unchanged(path_s, sha, item.kind)
        if doc_id is None:  # a new path: perhaps a stored document's file, renamed or moved (rename.py)
            unchanged, doc_id = run.moved_here(path_s, sha, item.kind)
        if unchanged:
            summary.unchanged += 1
            run.tracker.skip(size)
        elif run.known_failure(path_s, sha, item.kind):
            run.tracker.skip(size)
        else:
            if not raw:
                raise LoadError("empty document")
            # a heartbeat from inside a big file's parse (a 20 MB page: seconds), as its chunking has one; a stop
            # asked for meanwhile acts at the next beat (a PDF's next page), not when an 800-page parse is over (19 s)
            beat = PARSE_BEAT.set(lambda at: _parse_beat(run, path_s, at))
            try:
                doc = LOADERS[item.kind](item.path, raw)
            finally:
                PARSE_BEAT.reset(beat)
            del raw
            _add(run, doc, doc_id, size)
    except LoadError as exc:
        run.fail(path_s, exc.reason, sha, item.kind)
        run.tracker.skip(size)
    count.done += 1
    run.tracker.files_done += 1
    if progress:
        progress(min(count.done, count.total), count.total, path_s)


def _parse_beat(run: _Run, path: str, at: float) -> None:
    """A loader's beat from inside a file's parse: progress, and `_Stopped` when a stop was asked for. The loaders
    let it through (not a per-file failure): the file is left unread, nothing of it stored, read on the next run."""
    run.tracker.beat(path, "reading", at)
    if run.should_stop():
        raise _Stopped


def _add(run: _Run, doc: Document, doc_id: int | None, weight: float) -> None:
    try:
        run.add(doc, doc_id, weight)
    except LoadError as exc:
        run.fail(doc.path, exc.reason, doc.sha256, doc.kind)
        run.tracker.skip(weight)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
