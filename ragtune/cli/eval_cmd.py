"""The `eval` group. Subcommands live in evalret_cmd (retrieval) and evalrun_cmd (A/B/C answer eval)."""

from __future__ import annotations

from .common import cli


@cli.group("eval")
def eval_group() -> None:
    """Evaluate retrieval and answers on BEIR-format sets."""
