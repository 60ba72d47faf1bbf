"""`ragtune backup DEST`: a consistent copy of the home, safe while `serve` or an ingest runs (appliance/backup.py)."""

from __future__ import annotations

import click

from .common import checked_path, cli, human_size, pass_app, print_json, shown_path


@cli.command("backup")
@click.argument("dest", type=click.Path(), callback=checked_path(utf8="the backup is a home, whose database opens "
                                                                      "UTF-8 paths only"))
@click.option("--include-external", is_flag=True,
              help="Also copy the files registered in place outside the home (`models add` without --copy) into "
                   "the backup's registry, so that it needs nothing outside it.")
@click.option("--verify", is_flag=True,
              help="Check the backup at DEST instead of making one: every file still as written (size, sha256). "
                   "Exit 1 when it is damaged.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object: what was written (checked).")
@pass_app
def backup(app, dest: str, include_external: bool, verify: bool, as_json: bool) -> None:
    """Copy the home to DEST (new, or an empty folder) while it may be in use: a consistent database snapshot,
    config, registry and rollout state, and backup.json (each file's sha256). The search indexes are rebuilt on
    DEST's first use. Restore: check it (--verify DEST), then use DEST as the home (--home DEST), or copy it
    anywhere and use that: paths inside the home are kept home-relative."""
    from ..appliance.backup import backup_home
    from ..appliance.text import escaped

    if verify:
        if include_external:
            raise click.UsageError("--include-external makes a backup; --verify checks one: give one of them")
        _verify(dest, as_json)
        return
    res = backup_home(app.home, dest, include_external=include_external, record=True)  # an erasure names it
    if as_json:
        print_json(res.to_json())
        return
    linked = f", {human_size(res.linked_bytes)} hard-linked" if res.linked_files else ""
    n_ext = len(res.external_files)
    ext = f"; {n_ext} registered file{'s' if n_ext != 1 else ''} outside the home not copied" if n_ext else ""
    click.echo(f"backup of {shown_path(res.home)} in {shown_path(res.dest)}: {res.documents} documents, "
               f"{res.chunks} chunks, {res.files} files, {human_size(res.bytes)} written{linked} "
               f"({res.seconds:.1f} s){ext}")
    for rel, why in res.left_out.items():
        click.echo(f"  left out {shown_path(rel)}: {why}", err=True)
    for rel in res.kept_registered:
        click.echo(f"  copied {shown_path(rel)}: registered in place under a folder otherwise left out", err=True)
    for change in res.made_relative:
        click.echo(f"  {change['where']}: {shown_path(change['was'])} made home-relative ({shown_path(change['now'])})",
                   err=True)
    for f in res.included_external:
        click.echo(f"  copied into the backup's registry (registered in place outside the home): {shown_path(f)}",
                   err=True)
    if res.external_files:  # the backup refers to them where they are: without them it cannot serve those models
        click.echo(f"  not in the backup ({n_ext} registered in place outside the home; keep them where they are, or "
                   f"back up again with --include-external):", err=True)
        for f in res.external_files:
            click.echo(f"    {shown_path(f)}" + (" (missing: see the warning below)" if f in res.missing_files else ""),
                       err=True)
    for w in res.warnings:
        click.echo(f"  warning: {escaped(w)}", err=True)


def _verify(dest: str, as_json: bool) -> None:
    import time

    from ..appliance.backup_verify import verify_backup
    from ..appliance.text import escaped

    res = verify_backup(dest)
    if as_json:
        print_json(res.to_json())
    else:
        made = time.strftime("%Y-%m-%d %H:%M", time.localtime(res.made)) if res.made else "?"
        state = "ok" if res.ok else f"DAMAGED ({len(res.problems)} problem{'s' if len(res.problems) != 1 else ''})"
        click.echo(f"backup {shown_path(res.dest)}: {state}; made {made} by ragtune {res.ragtune or '?'} of "
                   f"{shown_path(res.home or '?')}: {res.documents} documents, {res.chunks} chunks; {res.files} "
                   f"files checked, {human_size(res.bytes)} hashed ({res.seconds:.1f} s)")
        for p in res.problems:
            click.echo(f"  {escaped(p)}", err=True)
        for n in res.notes:
            click.echo(f"  note: {escaped(n)}", err=True)
        if not res.ok:
            click.echo("  hint: do not restore from this backup: use another one, or make a new one of the home "
                       "(`ragtune backup NEW`)", err=True)
    if not res.ok:
        raise click.exceptions.Exit(1)  # damaged: as doctor exits for a failed check
