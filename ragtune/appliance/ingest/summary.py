"""What an ingest did (`IngestSummary`): counts, failures and notes that `ragtune ingest` prints (and `--json`
carries), the TUI shows and callers check."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable


@dataclass
class IngestSummary:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    chunks_added: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    ignored: int = 0  # files in walked folders with an extension not in [ingest] extensions
    ignored_exts: dict[str, int] = field(default_factory=dict)  # the same, per extension (walk.Walk.ignored_exts)
    chunks_deleted: int = 0
    index_version: int = 0
    paths: int = 0  # top-level paths given
    paths_bad: int = 0  # top-level paths that were missing/unreadable/unsupported
    # failed files whose earlier version stays stored and keeps being served (marked stale: `docs list`)
    stale: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # folders not entered: the ragtune home inside a walked folder
    # (path, note) of documents ingested now (loaders), and of corpus files whose rows did (note_not_unicode)
    notes: list[tuple[str, str]] = field(default_factory=list)
    # an earlier ingest or removal into this home was cut off (killed, crashed): what it stored is kept, the
    # keyword index was rebuilt from the database
    interrupted: bool = False
    # `should_stop` ended the run between documents, or inside a big one (dropped whole): the documents done are stored
    stopped: bool = False
    files_left: int = 0  # files (or corpus files) the stopped run did not reach or did not finish
    reread: int = 0  # documents re-read though their file did not change: the loader of their kind was updated
    # documents chunked again though their file did not change: the chunker changed (run.CHUNKER_VERSION; round 50:
    # the first ingest after it said `updated 7` with no reason)
    rechunked: int = 0
    chunks_replaced: int = 0  # chunks of documents replaced this run (changed or re-read)
    chunks_reused: int = 0  # of those, chunks whose token ids were unchanged: they kept their stored vectors
    chunks_embedded: int = 0  # chunks run through the embedder (new documents' included)
    # (path, reason, failed_at) of files that failed before and have not changed since (same bytes, same loader
    # version): not read again (ingest/failures.py); `failed` holds only this run's new failures
    still_unreadable: list[tuple[str, str, float]] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)  # paths of the documents --prune deleted
    # (folder, stored documents kept) of walked folders --prune left alone: they hold no document file now (an
    # unmounted or emptied share would otherwise take the whole corpus with it; prune.py)
    prune_refused: list[tuple[str, int]] = field(default_factory=list)
    # stored documents under the given folders whose files are gone, kept (and answering) without --prune: those read
    # through a symlink no longer followed (prune.behind_links), and those gone from disk (prune.gone_documents)
    gone: list[str] = field(default_factory=list)
    # stored documents under the given folders whose files are still there but that the walk no longer selects (a
    # recycle bin's, an Apple package's, stored before round 49 skipped them: prune.skipped_documents); kept and
    # answering without --prune
    now_skipped: list[str] = field(default_factory=list)
    # (old path, new path) of the documents whose files were renamed or moved: the document took the new path, its
    # id, chunks and vectors kept (ingest/rename.py); counted unchanged (updated when read again for its title)
    renamed: list[tuple[str, str]] = field(default_factory=list)
    # chunks the keyword index wrote again so that no segment file keeps the text of replaced or pruned ones
    lexical_rewritten: int = 0
    # documents read but not stored for a database error (in `failed` too): a problem of the home, not of the files
    store_errors: int = 0

    @property
    def all_paths_bad(self) -> bool:
        return self.paths > 0 and self.paths_bad == self.paths

    @property
    def nothing_ingested(self) -> bool:
        """Something failed and nothing else happened: no document added, updated, unchanged or deleted (a corrupt
        PDF, an empty file, a bad corpus, a folder where every file fails). The CLI exits non-zero then."""
        return bool(self.failed or self.still_unreadable or self.prune_refused) and \
            not (self.added or self.updated or self.unchanged or self.deleted)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["failed"] = [{"path": p, "reason": r} for p, r in self.failed]
        d["stale"] = [{"path": p, "reason": r} for p, r in self.stale]
        d["still_unreadable"] = [{"path": p, "reason": r, "failed_at": round(t, 3)}
                                 for p, r, t in self.still_unreadable]
        d["notes"] = [{"path": p, "note": n} for p, n in self.notes]
        d["prune_refused"] = [{"path": p, "documents": n} for p, n in self.prune_refused]
        d["renamed"] = [{"from": a, "to": b} for a, b in self.renamed]
        d["seconds"] = round(self.seconds, 3)
        d["ignored_exts"] = self.ignored_by_ext()
        return d

    def ignored_by_ext(self) -> dict[str, int]:
        """{extension: files} of the ignored files, most first (ties: extensions by name, then no extension and
        owner files); {} when the count came without them."""
        return dict(sorted(self.ignored_exts.items(), key=lambda kv: (-kv[1], not kv[0].startswith("."), kv[0])))

    def ignored_line(self, most: int = 4) -> str | None:
        """"ignored N file(s) with other extensions (.xls ×2, .tsv ×1, …)": which, at most `most` of them named;
        None when nothing was ignored. The systems' junk has no extension of its own: each is said apart ("ignored 7
        macOS metadata file(s) (._*, .DS_Store)", "… (.xls ×2) and 7 macOS metadata file(s)", "… (.xls ×2), 7
        macOS metadata file(s) and 8 Windows metadata file(s)"; round 49: Windows' was "Windows metadata ×8")."""
        if not self.ignored:
            return None
        from .walk import MAC_JUNK, WINDOWS_JUNK

        by_ext = self.ignored_by_ext()
        mac, win = by_ext.pop(MAC_JUNK, 0), by_ext.pop(WINDOWS_JUNK, 0)
        junk = [f"{n} {key} file(s)" for key, n in ((MAC_JUNK, mac), (WINDOWS_JUNK, win)) if n]
        others = self.ignored - mac - win
        if not others:
            which = " (._*, .DS_Store)" if not win else " (Thumbs.db, desktop.ini, …)" if not mac else ""
            return f"ignored {' and '.join(junk)}{which}"
        shown = [f"{_ext_label(e)} ×{n}" for e, n in by_ext.items()]
        which = ", ".join(shown[:most]) + (", …" if len(shown) > most else "")
        tail = "" if not junk else " and " + junk[0] if len(junk) == 1 else f", {junk[0]} and {junk[1]}"
        return f"ignored {others} file(s) with other extensions" + (f" ({which})" if which else "") + tail

    def note_not_unicode(self, path: str, rows: int) -> None:
        """Note a corpus file of which `rows` rows stored now held text that is not valid Unicode (a lone surrogate:
        `beir.iter_corpus` shows it as U+FFFD): the ingest goes on, and says so."""
        if rows:
            what = f"{rows} row{'s' if rows != 1 else ''} had text that is not valid Unicode"
            self.notes.append((path, f"{what} (a lone surrogate such as \\udce9 in the title, text or date): stored "
                                     "with � in its place"))

    def still_unreadable_line(self, name: Callable[[str], str] = str, most: int = 5) -> str | None:
        """One line naming the files that still fail as they did (their reasons were printed when they failed);
        None when there are none. `name`: how a path is shown."""
        n = len(self.still_unreadable)
        if not n:
            return None
        names = ", ".join(name(p) for p, _, _ in self.still_unreadable[:most])
        if n > most:
            names += f", … ({n - most} more)"
        return (f"{n} file{'s' if n != 1 else ''} still unreadable, unchanged since an earlier ingest (not read "
                f"again; --retry-failed reads them): {names}")

    def prune_lines(self, name: Callable[[str], str] = str, folder: Callable[[str], str] = str,
                    most: int = 5) -> list[str]:
        """What --prune removed and refused, and what a run without it keeps though its file is gone: a line each.
        `name`: how a document's path is shown; `folder`: how a folder's."""
        def names(paths: list[str]) -> str:
            shown = ", ".join(name(p) for p in paths[:most])
            return shown + (f", … ({len(paths) - most} more)" if len(paths) > most else "")

        out = []
        if self.pruned:
            out.append(f"pruned {len(self.pruned)} document(s) whose files are gone: {names(self.pruned)}")
        for root, n in self.prune_refused:
            out.append(f"not pruned: {folder(root)} holds no document file now but {n} stored document(s) came from it "
                       "(not mounted, or emptied?); they are kept. To remove them on purpose: ragtune docs remove "
                       f"{folder(root)}")
        if self.gone:
            out.append(f"{len(self.gone)} stored document(s) whose files are gone still answer questions (renamed, "
                       f"moved or deleted; add --prune to remove them): {names(self.gone)}")
        if self.now_skipped:
            out.append(f"{len(self.now_skipped)} stored document(s) are now skipped; --prune removes them (a recycle "
                       f"bin's, an Apple package's, or an extension no longer read): {names(self.now_skipped)}")
        return out

    def renamed_lines(self, name: Callable[[str], str] = str, most: int = 5) -> list[str]:
        """"renamed: OLD → NEW" for the first `most` documents whose files were renamed or moved (file names when the
        folder is the same, else whole paths; `name` shows a path; a change of Unicode form only said: "(decomposed
        → composed name)"), then how many more."""
        from .doc_names import form_change

        out = []
        for old, new in self.renamed[:most]:
            same = Path(old).parent == Path(new).parent
            a, b = (Path(old).name, Path(new).name) if same else (old, new)
            # "Résumé.md → Résumé.md" is a rename in Unicode form only (a Mac's decomposed name): said so
            out.append(f"renamed: {name(a)} → {name(b)}{form_change(a, b)}")
        if len(self.renamed) > most:
            out.append(f"renamed: … and {len(self.renamed) - most} more (their vectors kept, nothing embedded again)")
        return out

    def reuse_line(self) -> str | None:
        """One plain line on documents re-read for an updated reader and on chunks that kept their vectors; None
        when no stored document was replaced, or when only edited files were and none of their chunks kept a vector
        ("0 of 1 chunks kept their vectors" after an edit read as if something had gone wrong)."""
        if not self.reread and not self.rechunked and not self.chunks_reused:
            return None
        kept = f"{self.chunks_reused} of {self.chunks_replaced} chunks kept their vectors"
        why = [f"{self.reread} document{'s' if self.reread != 1 else ''} re-read (reader updated)"] if self.reread \
            else []
        if self.rechunked:
            why.append(f"{self.rechunked} document{'s' if self.rechunked != 1 else ''} chunked again (the chunker "
                       "changed)")
        return "; ".join([*why, kept])


def doc_name(path: str) -> str:
    """A stored document as the ingest lines name it (prune_lines): its file's name, and a corpus row's #id."""
    base, _, row = path.partition("#")
    return Path(base).name + (f"#{row}" if row else "")


def _ext_label(key: str) -> str:
    """An `ignored_exts` key as the summary line says it."""
    from .walk import NO_EXTENSION, OWNER_FILE

    return {NO_EXTENSION: "no extension", OWNER_FILE: "~$ Office owner files"}.get(key, key)
