"""`ragtune backup DEST`: a consistent copy of the home, safe while `serve` or an ingest runs (appliance/backup.py)."""

from __future__ import annotations

import click

from .common import checked_path, cli, human_size, pass_app, print_json, shown_path


@cli.command("backup")
@click.argument("dest", type=click.Path(), callback=checked_path(utf8="the backup is a home, whose database opens "
                                                                      "UTF-8 paths only"))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object: what was written.")
@pass_app
def backup(app, dest: str, as_json: bool) -> None:
    """Copy the home to DEST (new, or an empty folder) while it may be in use: a consistent database snapshot,
    config, registry and rollout state. The search indexes are rebuilt on DEST's first use. Restore: use DEST as
    the home (--home DEST), or copy it back."""
    from ..appliance.backup import backup_home

    res = backup_home(app.home, dest)
    if as_json:
        print_json(res.to_json())
        return
    linked = f", {human_size(res.linked_bytes)} hard-linked" if res.linked_files else ""
    click.echo(f"backup of {shown_path(res.home)} in {shown_path(res.dest)}: {res.documents} documents, "
               f"{res.chunks} chunks, {res.files} files, {human_size(res.bytes)} written{linked} ({res.seconds:.1f} s)")
    for rel, why in res.left_out.items():
        click.echo(f"  left out {shown_path(rel)}: {why}", err=True)
    for f in res.external_files:
        click.echo(f"  not in the backup (registered in place, outside the home): {shown_path(f)}", err=True)
