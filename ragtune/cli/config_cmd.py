from __future__ import annotations

import click

from ..appliance.config import dump_toml
from .common import cli, pass_app, print_json


@cli.group("config")
def config_group() -> None:
    """Show and check settings."""


@config_group.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_app
def config_show(app, as_json: bool) -> None:
    """Print the effective settings (defaults merged with the config file)."""
    s = app.settings
    if as_json:
        print_json(s.to_dict())
    else:
        click.echo(f"# home: {s.home.root}\n# source: {s.source}\n")
        click.echo(dump_toml(s))


@config_group.command("path")
@pass_app
def config_path(app) -> None:
    """Print the config file path in use."""
    click.echo(str(app.settings.home.config_path))
