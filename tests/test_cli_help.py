"""Every command and group has help, and `--help` works without touching models or the network."""

import click
import pytest
from click.testing import CliRunner

from ragtune.cli import cli


def _walk(group: click.Group, prefix=()):
    for name, cmd in sorted(group.commands.items()):
        yield prefix + (name,), cmd
        if isinstance(cmd, click.Group):
            yield from _walk(cmd, prefix + (name,))


COMMANDS = list(_walk(cli))


@pytest.mark.parametrize("path,cmd", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_every_command_has_help(path, cmd):
    assert (cmd.help or cmd.short_help or "").strip(), f"{' '.join(path)} has no help text"
    result = CliRunner().invoke(cli, list(path) + ["--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_root_help():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0 and "ragtune" in result.output
