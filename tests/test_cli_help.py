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


# The whole command set. A command that disappears (a module that stopped importing, a rename) fails here instead
# of silently shrinking the CLI; a new command is added to this list on purpose, with its docs.
EXPECTED_COMMANDS = {
    "ask", "backup", "chat", "demo", "doctor", "ingest", "search", "train", "train-eval",
    "config", "config init", "config path", "config set", "config show",
    "convert", "convert gguf", "convert lora", "convert merge", "convert quantize", "convert soup",
    "dataset", "dataset build", "dataset hard", "dataset merge", "dataset report",
    "docs", "docs find", "docs list", "docs remove", "docs show",
    "eval", "eval calibrate", "eval compare", "eval retrieval", "eval run",
    "log", "log export", "log forget", "log list", "log prune", "log review", "log show",
    "models", "models activate", "models add", "models deactivate", "models fetch", "models list", "models remove",
    "models rollback",
    "models promote-builtin", "models show", "models verify",
    "rerank", "rerank train", "rerank fit-evidence",
    "rollout", "rollout promote", "rollout rollback", "rollout start", "rollout status", "serve",
    "tune", "tune default",
}


def test_the_command_set_is_the_expected_one():
    assert {" ".join(p) for p, _ in COMMANDS} == EXPECTED_COMMANDS


def test_every_command_module_is_imported_and_a_missing_one_fails(monkeypatch):
    import builtins
    import sys

    import ragtune.cli as rc

    assert all(f"ragtune.cli.{m}" in sys.modules for m in rc.COMMAND_MODULES)
    real_import = builtins.__import__

    def without_chat(name, *args, **kwargs):
        if name == "ragtune.cli.chat_cmd":
            raise ModuleNotFoundError(f"No module named '{name}'", name=name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", without_chat)
    with pytest.raises(ModuleNotFoundError, match="chat_cmd"):
        rc._register()


@pytest.mark.parametrize("argv", [
    ["eval", "run", "x", "--adapter-evidence-cut", "nan"],
    ["eval", "run", "x", "--adapter-refusal-threshold", "nan"],
    ["eval", "run", "x", "--adapter-min-answer-logprob", "-inf"],
    ["eval", "calibrate", "x", "--min-precision", "nan"],
    ["rerank", "fit-evidence", "--out", "e.json", "--min-precision", "nan"],
    ["convert", "soup", "a", "b", "--out", "s.gguf", "--weight", "nan"],
])
def test_a_nan_or_infinite_option_is_a_usage_error(argv):
    """Sweep: click.FloatRange lets nan through any bounds; a nan threshold, cut or weight was used as a number
    (`rerank fit-evidence --min-precision nan` fitted and wrote a model)."""
    result = CliRunner().invoke(cli, argv)
    assert result.exit_code == 2 and "is not a finite number" in result.output, result.output
