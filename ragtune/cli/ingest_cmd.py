"""`ragtune ingest`: add, update (and with --prune, remove) documents. Per-file problems are reported, not
fatal: the exit code is 0 when anything could be looked at, 2 when every given path was bad."""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

import click

from .common import cli, is_tty, pass_app, print_json


class _Bar:
    """A one-line progress bar on stderr (only drawn on a terminal), redrawn at most 10 times a second."""

    def __init__(self) -> None:
        self.last = 0.0
        self.drawn = False

    def __call__(self, done: int, total: int, path: str) -> None:
        now = time.monotonic()
        if done < total and now - self.last < 0.1:
            return
        self.last = now
        width = shutil.get_terminal_size((80, 20)).columns
        frac = done / total if total else 1.0
        bar_w = 24
        fill = int(bar_w * frac)
        name = Path(path.split("#", 1)[0]).name + (("#" + path.split("#", 1)[1]) if "#" in path else "")
        line = f"[{'#' * fill}{'.' * (bar_w - fill)}] {done}/{total} {name}"
        sys.stderr.write("\r" + line[: width - 1].ljust(width - 1))
        sys.stderr.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            sys.stderr.write("\n")
            sys.stderr.flush()


@cli.command("ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--prune", is_flag=True, help="Delete stored documents under the given folders that no longer exist.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (the summary).")
@pass_app
def ingest(app, paths: tuple[Path, ...], prune: bool, as_json: bool) -> None:
    """Ingest files and folders (md, txt, html, pdf, docx, BEIR corpus.jsonl) into the local index.

    Unchanged files are skipped (content hash), changed ones replaced. Files that cannot be read are listed
    with a reason; the rest are ingested."""
    from ..appliance.ingest.pipeline import ingest_paths

    bar = _Bar() if is_tty() else None
    try:
        summary = ingest_paths(app.settings, list(paths), prune=prune, progress=bar)
    finally:
        if bar is not None:
            bar.close()
    if as_json:
        print_json(summary.to_json())
    else:
        s = summary
        click.echo(f"added {s.added}, updated {s.updated}, unchanged {s.unchanged}, deleted {s.deleted}, "
                   f"failed {len(s.failed)}; {s.chunks_added} chunks added; index version {s.index_version}; "
                   f"{s.seconds:.1f}s")
        if s.ignored:
            click.echo(f"ignored {s.ignored} file(s) with other extensions")
        for path, reason in s.failed:
            click.echo(f"failed: {path}: {reason}")
    if summary.all_paths_bad:
        # An InputError (exit code 2) rather than click's Exit: the root `main` runs click with
        # standalone_mode=False, where a bare Exit's code would be returned, not used.
        from ..appliance.errors import InputError

        raise InputError("none of the given paths could be ingested")
