"""`ragtune docs list|show|remove`: what is ingested (path, title, chunks, date, hash, stale), and taking
documents out of the index (the files are never touched)."""

from __future__ import annotations

import os
import time
from typing import Any

import click

from ..appliance.ingest.doc_names import shown_doc_path, unicode_form
from ..appliance.text import clipped, escaped, escaped_lines
from .common import cli, human_size, pass_app, print_json


def _storable(ref: str) -> str | None:
    """REF as the store can look it up: a path whose name is not UTF-8 (surrogates in Python's str) never is a
    stored one (ingest refuses such names), but a link by such a name may lead to stored documents: its real path.
    A path too long for the OS to look up (ENAMETOOLONG) never is one either (ingest read every stored path).
    None when nothing can match it."""
    from ..appliance.text import is_utf8, name_too_long

    if name_too_long(ref):
        return None
    if is_utf8(ref):
        return ref
    real = os.path.realpath(os.path.abspath(os.path.expanduser(ref)))
    return real if is_utf8(real) else None


def _refs(refs: list[str]) -> list[str]:
    """REFs as the store looks them up; one nothing can match is an InputError (exit 2), the same for `docs show`
    and `docs remove`: a typo is said, never a silent no-op."""
    from ..appliance.errors import InputError
    from ..appliance.text import name_too_long, shortened, shown_path

    out = []
    for ref in refs:
        if (found := _storable(ref)) is None:
            if name_too_long(ref):  # named, not repeated: it may be 100,000 characters
                what, why = shortened(shown_path(ref)), "too long to be a path (a name over 255 bytes, or a path " \
                                                        "over 4096)"
            else:
                what, why = escaped(shown_path(ref)), "not valid UTF-8 (ingest stores no such path)"
            raise InputError(f"no ingested document matches '{what}': it is {why}",
                             hint="give an id or a path from `ragtune docs list`")
        out.append(found)
    return out


def _when(ts: float | None) -> str:
    return "-" if not ts else time.strftime("%Y-%m-%d %H:%M", time.localtime(ts))


@cli.group("docs")
def docs_group() -> None:
    """List, inspect and remove ingested documents."""


@docs_group.command("list")
@click.option("--under", metavar="PATH", help="Only documents under this folder (or rows of this corpus file).")
@click.option("--stale", "stale_only", is_flag=True, help="Only documents whose file failed to re-ingest.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_app
def docs_list(app, under: str | None, stale_only: bool, as_json: bool) -> None:
    """List ingested documents: id, chunks, ingested at, sha256, path and title (stale ones marked, and those whose
    file is gone; two whose names differ only in Unicode form say which is which)."""
    from ..appliance.ingest.documents import GONE_HINT, list_documents

    where = None if under is None else _storable(under)
    docs = [] if under is not None and where is None else \
        list_documents(app.existing_home(), under=where, stale_only=stale_only)
    if as_json:
        print_json({"home": str(app.home.root), "n_documents": len(docs), "documents": [d.to_json() for d in docs]})
        return
    if not docs:
        click.echo("(no documents)" if not (under or stale_only) else "(no matching documents)", err=True)
        return
    click.echo(f"{'ID':>5} {'CHUNKS':>6}  {'INGESTED':<16}  {'SHA256':<12}  PATH — TITLE")
    for d in docs:
        title = f" — {escaped(d.title)}" if d.title else ""
        click.echo(f"{d.id:>5} {d.n_chunks:>6}  {_when(d.ingested_at):<16}  {d.sha256[:12]:<12}  "
                   f"{shown_doc_path(d.path)}{unicode_form(d.path) if d.unicode_twin else ''}{title}")
        if d.stale:
            click.echo(f"{'':>5} STALE  since {_when(d.stale_since)}: the file failed to re-ingest "
                       f"({escaped(d.stale)}); the version above is still served")
        if d.gone:
            click.echo(f"{'':>5} GONE   {GONE_HINT}")
    n_stale, n_gone = sum(1 for d in docs if d.stale), sum(1 for d in docs if d.gone)
    click.echo(f"{len(docs)} document(s), {sum(d.n_chunks for d in docs)} chunks"
               + (f", {n_stale} stale" if n_stale else "") + (f", {n_gone} gone" if n_gone else ""), err=True)


@docs_group.command("show")
@click.argument("ref")
@click.option("--chunks", "with_chunks", is_flag=True, help="Also print every chunk's text.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (chunks included).")
@pass_app
def docs_show(app, ref: str, with_chunks: bool, as_json: bool) -> None:
    """Show one document (REF: an id or a path from `docs list`) and its chunks."""
    from ..appliance.ingest.documents import show_document

    doc, chunks = show_document(app.existing_home(), _refs([ref])[0])
    if as_json:
        print_json({**doc.to_json(), "chunks": [{"ord": o, "start_char": a, "end_char": b, "text": t}
                                                for o, t, a, b in chunks]})
        return
    for label, value in (("id", doc.id), ("path", shown_doc_path(doc.path)), ("title", escaped(doc.title) or "-"),
                         ("kind", doc.kind), ("size", human_size(doc.size)), ("sha256", doc.sha256),
                         ("date", doc.doc_date or "-"), ("ingested", _when(doc.ingested_at)),
                         ("chunks", doc.n_chunks)):
        click.echo(f"{label:>9}: {value}")
    if doc.stale:
        click.echo(f"{'stale':>9}: since {_when(doc.stale_since)}: {escaped(doc.stale)} "
                   "(this stored version is still served)")
    for o, text, a, b in chunks:
        # the document's text as shown, not as stored (--json keeps it): a bidi control (U+202E) would reorder the
        # line on screen, an ESC drive the terminal; a whole chunk keeps its lines
        flat = escaped(" ".join(text.split()))
        if with_chunks:
            click.echo(f"\n[{o + 1}/{len(chunks)}] chars {a}-{b}\n{escaped_lines(text.expandtabs())}")
        else:
            click.echo(f"  [{o + 1}] chars {a}-{b}: {clipped(flat, 90)}")


@docs_group.command("remove")
@click.argument("refs", nargs=-1, required=True)
@click.option("--dry-run", is_flag=True, help="Only list what would be removed.")
@click.option("--forget-log", is_flag=True,
              help="Also forget the query-log entries that quote the removed documents (as `ragtune log forget` of "
                   "each), and print one receipt: what was erased and what this cannot reach (docs/security.md).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_app
def docs_remove(app, refs: tuple[str, ...], dry_run: bool, forget_log: bool, as_json: bool) -> None:
    """Remove documents from the index: REFs are ids, paths, folders (every document under one) or corpus files
    (all their rows). The files themselves are not touched; ingest them again to bring them back. The answer cache
    is emptied (its entries cannot be told apart by document); the query log keeps its entries (`ragtune log
    forget ID` erases one), unless --forget-log (an erasure: one command, one receipt)."""
    from ..appliance.ingest.documents import remove_documents
    from ..appliance.ingest.writer import WRITER_WAIT_S

    def waiting() -> None:
        click.echo(f"waiting (up to {WRITER_WAIT_S:.0f} s) for an ingest or another `docs remove` on this home to "
                   "finish…", err=True)

    settings, found = app.existing_home(), _refs(list(refs))
    _not_both(settings, found)
    cleared, started, first = 0, time.time(), None
    if not dry_run:  # what REFs name first: a typo changes nothing, the cache included
        listed = remove_documents(settings, found, dry_run=True)
        if forget_log:  # the log entries first: killed before the removal commits, the same command finds it all again
            first = _forget_first(settings, listed)
        # before (a remove killed after its commit leaves no cached answer quoting the documents) and after (one
        # cached meanwhile by a running `serve`)
        cleared = _clear_answer_cache(settings)
    summary = remove_documents(settings, found, dry_run=dry_run, on_wait=waiting)
    if not dry_run:
        cleared += _clear_answer_cache(settings)
    if forget_log and not dry_run:
        try:
            return _erasure_receipt(settings, summary, first, cleared, started, as_json)
        finally:  # (stderr, --json too, after a failed forget too: the documents are removed all the same)
            _say_files_remain(summary.removed)
    if as_json:
        if summary.removed:  # with --json too (stderr): what it cannot erase is the operator's to erase
            _say_left_behind(summary, settings)
        print_json({**summary.to_json(), **({} if dry_run else {"answer_cache_cleared": cleared})})
        return
    verb = "would remove" if dry_run else "removed"
    for d in summary.removed:
        click.echo(f"{verb} {d.id:>5}  {shown_doc_path(d.path)}")
    click.echo(f"{verb} {len(summary.removed)} document(s)"
               + ("" if dry_run else f", {summary.chunks_deleted} chunks; index version {summary.index_version}")
               + (f"; the keyword index rewrote {summary.lexical_rewritten} other chunk(s) so that no file keeps the "
                  "removed ones" if summary.lexical_rewritten else ""), err=True)
    if cleared:
        click.echo(f"cleared the answer cache ({cleared} cached answer(s)): an answer may have quoted a removed "
                   "document", err=True)
    if summary.removed:
        _say_left_behind(summary, settings)


def _not_both(settings, refs: list[str]) -> None:
    """`docs remove 2024` where ./2024 is a folder and 2024 also a document id: refused, as `--in` refuses it, not
    the one document removed (maybe another team's) in the folder's place. The store is opened only for a REF of
    digits that is a file or folder here."""
    if not any(r.isascii() and r.isdigit() and os.path.lexists(r) for r in refs) or not settings.home.db_path.is_file():
        return
    from ..appliance.store import open_store

    with open_store(settings.home) as store:
        id_or_path(store, refs)


def id_or_path(store: Any, refs: list[str]) -> None:
    """A REF of digits names a document id first; when it is also a file or folder here (a team folder `2024`), what
    it names is said to be unclear (an InputError), with the way to name each. `--in` (scope_opt) checks
    its REFs with it too."""
    from ..appliance.errors import InputError
    from ..appliance.store import MAX_ROW_ID

    for ref in refs:
        if ref.isascii() and ref.isdigit() and int(ref) <= MAX_ROW_ID and os.path.lexists(ref) \
                and store.document(int(ref)) is not None:
            what = "folder" if os.path.isdir(ref) else "file"
            raise InputError(f"'{ref}' is both document id {ref} and the {what} ./{ref} here",
                             hint=f"write ./{ref} for the {what}; for the document, its path (ragtune docs show {ref})")


def _say_left_behind(summary, settings) -> None:
    """What still holds the removed documents' text (docs/security.md, "Erasing a document"): the query-log
    entries that quote them (ids, and the command that erases them), replay evaluations' items and reports, and
    what no home records (backups, exports, datasets) or a running server's memory."""
    from ..appliance.text import shown_path

    _say_files_remain(summary.removed)
    ids = summary.log_ids
    if ids:
        shown = " ".join(map(str, ids[:50])) + (" …" if len(ids) > 50 else "")
        one = len(ids) == 1
        click.echo(f"note: {len(ids)} query-log entr{'y' if one else 'ies'} quote{'s' if one else ''} "
                   f"{'these documents' if len(summary.removed) > 1 else 'this document'} (its text in their sources"
                   f", maybe their answers): erase {'them' if len(ids) > 1 else 'it'} with `ragtune log forget "
                   f"{shown}`" + (" (--json lists every id)" if len(ids) > 50 else ""), err=True)
    for r in summary.replay_reports:
        click.echo(f"note: replay evaluation {escaped(r['run'])} quotes it: its items in ragtune.db and its report "
                   "files (delete them by hand):", err=True)
        where = [shown_path(f) for f in r["files"]] or [
            f"{shown_path(r['folder'])} (not found here)" if r["folder"] else "(no report folder recorded)"]
        for w in where:
            click.echo(f"  {w}", err=True)
    _say_backups(settings)
    click.echo("note: not reached: backups made before (`ragtune backup`), `log export` files and datasets built from "
               "them, eval reports, other users' caches (a read-only reader's rebuilt keyword index) and a running "
               "`ragtune serve`'s memory (restart it): their copies of the text stay; `--forget-log` erases the "
               "log entries and prints a receipt (docs/security.md, \"Erasure\")", err=True)


def files_still_there(docs: list) -> list[str]:
    """The removed documents' files that are still on disk (a corpus row: its corpus file): the next ingest of their
    folder adds them again, which a nightly `ingest` of a share did without a word (round 53). `docs`: DocInfos, or
    paths (kind unknown); told as `docs list` tells them (prune.file_there: a '#' in a path, a folder at the path)."""
    from ..appliance.ingest.prune import file_left

    out = []
    for d in docs:
        path, kind = (d, None) if isinstance(d, str) else (d.path, d.kind)
        left = file_left(path, kind)
        if left is not None and os.path.isfile(left) and left not in out:  # a link to nothing: nothing to ingest
            out.append(left)
    return out


def _say_files_remain(removed: list) -> None:
    left = files_still_there(removed)
    if left:
        one = len(left) == 1
        first = shown_doc_path(left[0]) + ("" if one else f" and {len(left) - 1} more")
        click.echo(f"note: {'the file is' if one else 'the files are'} still there ({first}): the next `ragtune "
                   f"ingest` of {'its folder adds it' if one else 'their folders adds them'} again; move or delete "
                   f"{'it' if one else 'them'} to keep {'it' if one else 'them'} out", err=True)


def _say_backups(settings) -> None:
    """The backups `ragtune backup` made of this home before now (backup_record): they still hold the text."""
    from ..appliance.backup_record import backups_made
    from ..appliance.text import shown_path

    backups, problems = backups_made(settings.home)
    for p in problems:
        click.echo(f"warning: {escaped(p)}", err=True)
    if backups:
        click.echo(f"note: {_backups_line(backups, shown_path)}", err=True)


def _backups_line(backups: list[dict], shown) -> str:
    n = len(backups)
    listed = ", ".join(f"{shown(b['dest'])} ({_when(b['time'])}" + ("" if b["exists"] else ", not there now") + ")"
                       for b in backups[:10]) + (f", … ({n} in all)" if n > 10 else "")
    return f"{n} backup{'s' if n > 1 else ''} made before still hold{'s' if n == 1 else ''} it: {listed}"


_LABELS = {"query_log": "query-log entries", "write_ahead_log": "write-ahead log", "eval_reports": "eval reports",
           "exports_and_datasets": "exports and datasets", "other_users_caches": "other users' caches",
           "serve_memory": "a running serve's memory", "questions_not_quoting": "questions that did not retrieve it",
           "vector_index": "the vector index (its rebuild failed)"}


def _forget_first(settings, listed) -> tuple[dict, Any]:
    """`docs remove --forget-log`, before the removal: forget the log entries quoting the documents (the dry run's
    `log_ids`). Erasure steps in this order (docs/security.md, "Erasure") survive a kill: the entries go while the
    documents are still there, so a rerun of the same command finds the documents and finishes; once they are
    removed, a rerun finds nothing to do. (forget's result, the dry run's summary: what quoted the documents then).
    A failure here removes nothing: the error is raised (75: busy, try again) and the command can simply be rerun."""
    from ..appliance.errors import RagtuneError
    from ..appliance.ingest.documents import NOTHING_FORGOTTEN, forget_quoting

    try:
        forgot = forget_quoting(settings, listed.log_ids, listed.quoted) if listed.log_ids else dict(NOTHING_FORGOTTEN)
    except RagtuneError:
        click.echo("note: nothing was removed or forgotten; run the same command again", err=True)
        raise
    return forgot, listed


def _erasure_receipt(settings, summary, first: tuple[dict, Any] | None, cleared: int, started: float,
                     as_json: bool) -> None:
    """`docs remove --forget-log`, after the removal: forget the entries that quoted the documents meanwhile (a
    running serve answered from them between the first forget and the removal), then one receipt (stdout) of what
    was erased, both forgets merged, and what is not reached (ingest/documents.py)."""
    from ..appliance.errors import RagtuneError
    from ..appliance.ingest.documents import (NOTHING_FORGOTTEN, forget_quoting, merge_forgotten, merge_runs,
                                                  not_reached)

    before, listed = first or (dict(NOTHING_FORGOTTEN), None)
    meanwhile = list(summary.log_ids)  # forgotten entries are not listed again: only those quoting since
    failed: RagtuneError | None = None
    try:
        later = forget_quoting(settings, meanwhile, summary.quoted) if meanwhile else None
    except RagtuneError as exc:  # the removal has committed: a rerun finds no document, so the receipt names the ids
        later, failed = None, exc
    forgot = merge_forgotten(before, later)
    if listed is not None:  # the receipt lists everything that quoted the documents, whichever forget took it
        summary.log_ids = sorted({*listed.log_ids, *meanwhile})
        summary.replay_reports = merge_runs(listed.replay_reports, summary.replay_reports)
    left, problems = not_reached(settings, summary, forgot, started, unforgotten=meanwhile if failed else [])
    problems += [f"the documents are removed, but forgetting the query-log entries failed: {failed.message}"
                 + (f" ({failed.hint})" if failed.hint else "")] if failed else []
    _print_receipt(settings, summary, cleared, forgot, left, problems, as_json)
    if failed:  # the error's exit code (75: busy, try again), after the receipt
        raise click.exceptions.Exit(failed.exit_code)


def _print_receipt(settings, summary, cleared: int, forgot: dict | None, left: list, problems: list[str],
                   as_json: bool) -> None:
    from ..appliance.text import shown_path

    for p in problems:  # the backups record: named, never a failed removal
        click.echo(f"warning: {escaped(p)}", err=True)
    if as_json:
        print_json({**summary.to_json(), "answer_cache_cleared": cleared, "log_forgotten": forgot,
                    "not_reached": left, "problems": problems})
        return
    n_doc = len(summary.removed)
    click.echo(f"erasure receipt ({_when(time.time())}, home {escaped(shown_path(str(settings.home.root)))})")
    click.echo("removed:")
    for d in summary.removed:
        click.echo(f"  document {d.id}  {shown_doc_path(d.path)}")
    click.echo(f"  {n_doc} document(s), {summary.chunks_deleted} chunks (index version {summary.index_version}); "
               f"keyword index: {summary.lexical_rewritten} other chunk(s) rewritten, no segment keeps the removed "
               "ones")
    if summary.vectors_rewritten:
        click.echo("  vector index (vectors/): rebuilt without the removed chunks' rows")
    click.echo(f"  answer cache cleared ({cleared} cached answer(s))")
    if forgot is None:
        click.echo("  query log: nothing forgotten (see the warning and `not reached`)")
    else:
        _forgot_line(forgot)
    click.echo(f"  this user's rebuilt keyword-index copies of this home: {summary.lexical_cache_discarded} removed")
    click.echo("not reached (yours to remove):")
    for item in left:
        where = item["where"]
        if item["what"] == "backups":
            text = _backups_line([{"dest": d, "time": t, "exists": e} for d, t, e in
                                  zip(where, item["when"], item["exists"])], shown_path) if where else \
                "backups made before: none recorded by `ragtune backup` (copies made by other means are not)"
        elif item["what"] == "eval_reports" and not where:
            text = "eval reports: no replay evaluation of this home quotes it (copies of reports are not known)"
        else:
            text = f"{_LABELS.get(item['what'], item['what'])}: " + (
                ", ".join(escaped(shown_path(w)) if "/" in w else w for w in where[:20]) + "; " if where else "") \
                + item["how"]
        click.echo(f"  {text}")


def _forgot_line(forgot: dict) -> None:
    ids, replays = forgot["forgotten"], forgot.get("replays") or []
    click.echo(f"  query log: {len(ids)} entr{'y' if len(ids) == 1 else 'ies'} forgotten"
               + (f" ({' '.join(map(str, ids[:50]))}{' …' if len(ids) > 50 else ''})" if ids else "")
               + f", {len(replays)} replay-eval row(s), {forgot.get('eval_items', 0)} replay item(s), "
               f"{forgot['reviews']} review(s)"
               + (f"; {len(forgot['already'])} forgotten before" if forgot["already"] else "")
               + (f"; {len(forgot['gone'])} pruned meanwhile" if forgot.get("gone") else ""))


def _clear_answer_cache(settings) -> int:
    """Empty the home's answer cache; how many entries went. An entry keeps an answer's text and the hash of its
    sources (answer.py `cache_key`), not which documents they came from: all go, a miss only costs an answer."""
    from ..appliance.store import open_store

    with open_store(settings.home) as store:
        return store.clear_answer_cache()


@docs_group.command("find")
@click.argument("texts", nargs=-1, required=True, metavar="TEXT...")
@click.option("--also", "also", multiple=True, type=click.Path(exists=True, file_okay=True, dir_okay=True),
              metavar="PATH", help="Also search this file or folder (an export, a dataset, a copy of the home). "
                                   "Repeatable.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_app
def docs_find(app, texts: tuple[str, ...], also: tuple[str, ...], as_json: bool) -> None:
    """Say where the home still holds TEXT (a name, an id), after an erasure: every file under the home raw
    (ragtune.db with its free pages and -wal), the database's rows, the keyword index's terms, the vector index's
    removed rows, the backups `ragtune backup` recorded, and each --also PATH. Only where (a file and byte offsets, a
    table, column and row ids), never the text around it. Exit 1 when found, 0 when not (docs/security.md)."""
    from pathlib import Path

    from ..appliance.erasure_check import find_text, hint
    from ..appliance.normalize import from_argv
    from ..appliance.text import shown_path

    settings = app.existing_home()
    # a byte that is not UTF-8 (a Latin-1 terminal's "caf\xe9") is read as `ask` reads its question: "café"
    out = find_text(settings.home, [from_argv(t) for t in texts], [Path(p) for p in also])
    for item in out["found"]:
        item["how"] = hint(item)
    if as_json:
        print_json(out)
    else:
        for item in out["found"]:
            what = item["what"]
            if what == "rows":
                loc = f"{item['count']} row(s), ids {' '.join(map(str, item['ids']))}" \
                    + (" …" if item["count"] > len(item["ids"]) else "")
            elif what == "keyword_terms":
                loc = "terms " + ", ".join(f"{t} in {n} chunk(s)" for t, n in item["terms"].items())
            elif what == "removed_vectors":
                loc = f"{item['count']} row(s) of removed chunks"
            else:
                loc = f"{item['count']} match(es) at byte {', '.join(map(str, item['offsets']))}" \
                    + (" …" if item["count"] > len(item["offsets"]) else "") \
                    + (f" ({what})" if what != "home" else "")
            label = "" if item["text"] is None else f"'{escaped(item['text'])}': "
            click.echo(f"found {label}{escaped(shown_path(item['where']))}: {loc}\n    -> {item['how']}")
        click.echo(f"searched: {', '.join(escaped(shown_path(p)) for p in out['checked'])}", err=True)
        click.echo("not searched: " + "; ".join(out["not_checked"]), err=True)
        if not out["found"]:
            click.echo(f"not found: {', '.join(repr(t) for t in texts)}")
    if out["found"]:
        raise click.exceptions.Exit(1)
