"""The `eval` group. Subcommands live in evalret_cmd (retrieval) and evalrun_cmd (A/B/C answer eval)."""

from __future__ import annotations

from .common import cli


@cli.group("eval")
def eval_group() -> None:
    """Evaluate retrieval (a BEIR folder or --corpus domains) and answers (a BEIR folder with gold answers, a
    training-format JSONL file or --replay of the query log); compare answer runs question by question."""
