"""`ragtune ingest`: add, update (and with --prune, remove) documents. Per-file problems are reported, not fatal.
Exit code 0 when something was ingested (or was already up to date); 2 when every given path was bad, or when
files failed and nothing else happened (a corrupt PDF, an empty file, a bad corpus, a folder of failures)."""

from __future__ import annotations

import os
import shutil
import signal
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..appliance.ingest.progress import IngestProgress, fmt_eta
from ..appliance.ingest.doc_names import shown_doc_path
from ..appliance.ingest.summary import doc_name
from ..appliance.text import clipped, escaped, padded
from .common import cli, is_tty, pass_app, print_json

if TYPE_CHECKING:  # the pipeline (numpy, the loaders) is imported only when ingest runs
    from ..appliance.ingest.summary import IngestSummary


def _mb(n: float) -> str:
    return f"{n / 1048576:.1f} MB" if n >= 1048576 else f"{n / 1024:.0f} KB"


def _name(path: str) -> str:
    """A document's file name in a line (quoted when it ends in a space or a dot: doc_names)."""
    return shown_doc_path(doc_name(path))


class _Bar:
    """One line on a terminal (redrawn at most 10 times a second): a bar by bytes, files, the file being read,
    chunked (how far within it) or embedded, and an ETA. Without a terminal: a line to stderr every 5% or 30 s, from
    2 s on (quick runs print nothing), so a long ingest in a log still shows it is alive and when it will end."""

    def __init__(self, tty: bool) -> None:
        self.tty = tty
        self.last = 0.0
        self.drawn = False
        self.step = -1

    def __call__(self, p: IngestProgress) -> None:
        if p.stage == "waiting":  # once, terminal or not: the run has not started yet
            from ..appliance.ingest.writer import WRITER_WAIT_S

            sys.stderr.write(f"waiting (up to {WRITER_WAIT_S:.0f} s) for another ingest or `docs remove` on this "
                             "home to finish…\n")
            sys.stderr.flush()
            return
        now = time.monotonic()
        frac = p.fraction
        what = f"{p.files_done}/{p.files_total} files, {_mb(p.bytes_done)}/{_mb(p.bytes_total)}"
        within = "" if p.within is None else f" ({int(100 * p.within)}%)"  # a big file being chunked: how far
        line = f"{int(100 * frac):3d}% {what}, {fmt_eta(p.eta_s)} · {p.stage} {_name(p.path)}{within}"
        if self.tty:
            if now - self.last < 0.1:
                return
            self.last = now
            width = shutil.get_terminal_size((80, 20)).columns
            fill = int(20 * frac)
            text = f"[{'#' * fill}{'.' * (20 - fill)}] {line}"
            # cut and padded by terminal columns, not characters: a CJK or emoji file name is twice as wide as its
            # length (a line past the width wraps, and each redraw leaves the wrapped part behind), an accent none
            sys.stderr.write("\r" + padded(clipped(text, width - 2), width - 1))
            self.drawn = True
        else:
            if p.elapsed_s < 2 or (int(20 * frac) == self.step and now - self.last < 30):
                return
            self.step, self.last = int(20 * frac), now
            sys.stderr.write(f"ingest {line}\n")
        sys.stderr.flush()

    def close(self) -> None:
        if self.drawn:
            sys.stderr.write("\n")
            sys.stderr.flush()


class _StopOnCtrlC:
    """The first Ctrl-C asks the ingest to stop after the document it is on, or inside a big one (dropped whole, read
    again by the next run): what it read is stored and indexed, and the same command goes on from there. A second one
    aborts at once (safe too: each document is one transaction, and the next ingest puts the keyword index back in
    step). SIGTERM (`timeout`, `kill`, systemd stopping a unit) is a first Ctrl-C too: the summary is printed and the
    exit is 143, as for a process ended by it; a second SIGTERM ends the process at once, as it did before."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.signum: int | None = None  # the signal that asked to stop first
        self.previous: dict[int, object] = {}

    def __enter__(self) -> "_StopOnCtrlC":
        # Signal handlers live on the main thread only; a process started with Ctrl-C ignored (`nohup`, `cmd &`
        # in a script) keeps ignoring it, and a SIGTERM handler someone else installed is left alone.
        if threading.current_thread() is threading.main_thread():
            for signum, default in ((signal.SIGINT, signal.default_int_handler), (signal.SIGTERM, signal.SIG_DFL)):
                if signal.getsignal(signum) is default:
                    self.previous[signum] = signal.signal(signum, self._handle)
        return self

    @property
    def by(self) -> str:
        """What stopped the run, as the stop line says it."""
        return "SIGTERM" if self.signum == signal.SIGTERM else "Ctrl-C"

    def _handle(self, signum: int, frame: object) -> None:
        if self.stop.is_set():
            if signum == signal.SIGTERM:  # asked twice: ended now, by the signal (the default), as before
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                os.kill(os.getpid(), signal.SIGTERM)
                return
            raise KeyboardInterrupt
        self.signum = signum
        self.stop.set()
        again = "Ctrl-C again" if signum == signal.SIGINT else "SIGTERM again"
        sys.stderr.write(f"\nstopping{' (SIGTERM)' if signum == signal.SIGTERM else ''}: what is read is kept, a big "
                         f"file being read is read again next time ({again} to abort now)…\n")
        sys.stderr.flush()

    def __exit__(self, *exc: object) -> None:
        for signum, previous in self.previous.items():
            signal.signal(signum, previous)  # type: ignore[arg-type]


def _paths(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[Path, ...]:
    """The PATHS, none of them empty: Path("") is the current folder, and `ragtune ingest "$DOCS"` with DOCS unset
    must not ingest (or with --prune, prune) wherever the command runs (`docs remove ""` is refused alike)."""
    if any(not v.strip() for v in values):
        raise click.BadParameter("an empty path (an unset variable?); give '.' for the current folder")
    return tuple(Path(v) for v in values)


# What to do about a file whose type is not read: the save-as a user's office software offers
_CONVERT = {".xls": "save an .xls as .xlsx", ".ppt": "save a .ppt as .pptx", ".zip": "unpack a .zip",
            ".pages": "export .pages as .docx or PDF", ".numbers": "export .numbers as .xlsx"}


def failed_hint(failed: list[tuple[str, str]]) -> str | None:
    """One line under the failures saying what to do about files locked with a password (their reasons say
    "password required", an Office file's "password-protected"); None when there are none."""
    if any("password required" in str(reason) or "password-protected" in str(reason) for _, reason in failed):
        return ("a file with a password to open cannot be read: save a copy without the password (or print it to "
                "PDF) and ingest that")
    return None


def bad_paths_hint(failed: list[tuple[str, str]], extensions: list[str]) -> str:
    """The hint of "none of the given paths could be ingested": check the paths, and the types read."""
    reasons = [str(r) for _, r in failed]
    tips = []
    if any(r == "not found" for r in reasons):
        tips.append("a path 'not found' is mistyped, or its share is not mounted")
    kinds = {r.split("'")[1].lower() for r in reasons if r.startswith("unsupported file type '")}
    if kinds:
        convert = [_CONVERT[k] for k in sorted(kinds) if k in _CONVERT]
        tips.append("the types read are " + " ".join(extensions) + (" (" + ", ".join(convert) + ")" if convert
                                                                     else ""))
    return "; ".join(tips or ["each path's reason is listed above"])


def _print_summary(s: IngestSummary, extensions: list[str], prune: bool, stopped_by: str) -> None:
    """The summary of `ingest` without --json: a line for each thing that happened."""
    if s.interrupted:
        click.echo("note: an earlier ingest into this home did not finish (stopped, killed or crashed); the "
                   "documents it stored are kept and the keyword index was rebuilt. Files it had not reached "
                   "are added when their folders are ingested again.")
    click.echo(f"added {s.added}, updated {s.updated}, unchanged {s.unchanged}, deleted {s.deleted}, "
               f"failed {len(s.failed)}; {s.chunks_added} chunk{'' if s.chunks_added == 1 else 's'} added; "
               f"index version {s.index_version}; "
               f"{s.seconds:.1f}s")
    if (reuse := s.reuse_line()) is not None:
        click.echo(reuse)
    for path in s.skipped:
        click.echo(f"skipped {escaped(path)}: the ragtune home (its reports and models are not documents)")
    if (ignored := s.ignored_line()) is not None:  # which extensions, counted
        click.echo(escaped(ignored))
    elif not (s.added or s.updated or s.unchanged or s.deleted or s.failed or s.still_unreadable or s.stopped):
        # (a stop before the first document was stored: its files are there, the stop line says so)
        click.echo(f"nothing to ingest there: no {' '.join(extensions)} files")
    for path, note in s.notes:
        click.echo(f"note: {escaped(path)}: {note}")
    for path, reason in s.failed:  # a reason that names its file and line already (a corpus.jsonl) as it is
        where = "" if str(reason).startswith(f"{path}:") else f"{escaped(path)}: "
        click.echo(f"failed: {where}{escaped(reason)}")
    if (hint := failed_hint(s.failed)) is not None:
        click.echo(f"hint: {hint}")
    if (still := s.still_unreadable_line(_name)) is not None:
        click.echo(still)
    if s.stale:
        click.echo(f"kept the stored (older) version of {len(s.stale)} document(s) that failed to re-ingest; "
                   "they are marked stale in `ragtune docs list`")
    for line in s.renamed_lines(shown_doc_path):
        click.echo(line)
    for line in s.prune_lines(_name, escaped):
        click.echo(line)
    if s.stopped:
        click.echo(f"stopped ({stopped_by}): {s.files_left} file(s) left; run the same command again to go on"
                   + (" (nothing was pruned)" if prune else ""))


@cli.command("ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path(), callback=_paths)
@click.option("--prune", is_flag=True, help="Delete stored documents under the given folders that no longer exist.")
@click.option("--retry-failed", is_flag=True,
              help="Read again files that failed before and have not changed since (normally skipped).")
@click.option("--follow-outside-links", is_flag=True,
              help="Also follow symlinks whose target is outside the given paths.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (the summary).")
@pass_app
def ingest(app, paths: tuple[Path, ...], prune: bool, retry_failed: bool, follow_outside_links: bool,
           as_json: bool) -> None:
    """Ingest files and folders (md, txt, html, pdf, docx, doc, rtf, odt, pptx, odp, xlsx, ods, csv, eml, msg, BEIR
    corpus.jsonl) into the local index.

    Unchanged files are skipped (content hash), changed ones replaced: only chunks whose text changed are
    embedded again. Files read by an older version of their reader are read again. Files that cannot be read are
    listed with a reason; the rest are ingested. Such a file is not read again while it stays as it is (one line
    names it) unless its reader is updated or --retry-failed is given. Progress with an ETA goes to stderr. Ctrl-C
    (or SIGTERM, exit 143) stops: what was read is kept, a big file being read is read again next time (run the
    command again to go on); twice aborts. A file or folder whose name is not valid UTF-8 is listed as failed: rename
    it. A symlink in a given folder that leads outside the given paths is listed, not followed."""
    from ..appliance.ingest.pipeline import ingest_paths

    bar = _Bar(is_tty())
    try:
        with _StopOnCtrlC() as ctrl_c:
            summary = ingest_paths(app.settings, list(paths), prune=prune, on_progress=bar, retry_failed=retry_failed,
                                   should_stop=ctrl_c.stop.is_set, follow_outside_links=follow_outside_links)
    finally:
        bar.close()
    if as_json:
        print_json(summary.to_json())
    else:
        _print_summary(summary, app.settings.ingest.extensions, prune, ctrl_c.by)
    if summary.stopped:
        # exit 130 (143 for SIGTERM: 128 + the signal, what `timeout` and systemd expect), after the summary of what
        # was done: a stop asked for, not an abort (a KeyboardInterrupt here became click's Abort, reported "aborted"
        # under the stop line)
        raise click.exceptions.Exit(128 + (ctrl_c.signum or signal.SIGINT))
    # An InputError (exit code 2) for the failures below: its message and hint are reported like any other error's.
    from ..appliance.errors import InputError

    if summary.all_paths_bad:
        raise InputError("none of the given paths could be ingested", hint=bad_paths_hint(
            summary.failed, app.settings.ingest.extensions))
    if summary.store_errors:  # whatever else was stored: a cron job must see that the database refused documents
        from ..appliance.errors import StoreError

        raise StoreError(f"{summary.store_errors} document(s) could not be stored (database error; listed above as "
                         "failed)", hint="`ragtune doctor` checks the home; then run the same command again")
    if summary.nothing_ingested:
        n = len(summary.failed) + len(summary.still_unreadable)
        if not n:  # only a refused prune: an empty (unmounted?) folder
            raise InputError("nothing was ingested: " + ", ".join(escaped(r) for r, _ in summary.prune_refused)
                             + " holds no document file")
        raise InputError(f"nothing was ingested: {n} file(s) failed",
                         hint="each one's reason is listed above; fix or convert the files and run the same command "
                              "again (--retry-failed reads unchanged ones again)")

