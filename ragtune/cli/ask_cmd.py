"""`ragtune ask` (the `ragtune log` group is log_cmd.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..appliance.errors import InputError
# printable for an answer (control pictures, lines kept), escaped for a note (one line)
from ..appliance.text import escaped, printable
from .ask_print import print_citations, refusal_words
from .common import cli, pass_app, print_json, rust_quieted, text_or_stdin, unsearched
from .scope_opt import in_option, scope_filters, within_note


def _stdout_is_tty() -> bool:
    return sys.stdout.isatty()


@cli.command("ask")
@click.argument("question")
@click.option("--adapter", default=None, metavar="ID|none",
              help="LoRA adapter to serve: a registry id/prefix/name, 'default', 'active', or 'none' "
                   "(default: [generate] adapter, whose default serves the activated or built-in default adapter).")
@click.option("--k", "k", type=int, default=None, help="Number of sources to retrieve (1..6; default: [retrieve] k).")
@click.option("--no-cache", is_flag=True, help="Bypass the retrieval, answer and prompt-prefix caches for this request.")
@click.option("--mode", type=click.Choice(["extractive", "free"]), default=None,
              help="extractive: the answer is a verbatim span of a source; free: the model's own words "
                   "(default: [generate] answer_mode).")
@in_option
@click.option("--json", "as_json", is_flag=True, help="Print exactly one JSON object (the answer contract).")
@pass_app
def ask(app, question: str, adapter: str | None, k: int | None, no_cache: bool, mode: str | None,
        within: tuple[str, ...], as_json: bool) -> None:
    """Answer QUESTION from the ingested documents, with citations (or a refusal). QUESTION `-` reads the question
    from stdin (all of it, as one question)."""
    from ..appliance.answer import AnswerEngine

    question = text_or_stdin(question)
    if k is not None and not 1 <= k <= 6:
        raise InputError(f"--k must be 1..6, got {k}")
    settings = app.existing_home()
    # On a terminal the answer text appears as it is generated; --json and pipes get the whole answer at once.
    streamed: list[str] = []

    def on_token(text: str) -> None:
        if not text:  # a candidate is being decoded: the chosen answer comes whole
            return
        streamed.append(text)
        click.echo(printable(text), nl=False)
        sys.stdout.flush()

    stream = not as_json and _stdout_is_tty()
    from ..models.rollout import Router, terminal_client

    client = terminal_client()
    from ..appliance.tomltext import Sourced

    pinned = None if adapter is None else Sourced(adapter, "--adapter")  # an unknown id names the flag
    target = Router(settings.home, default=None).route(client, pinned)  # a running rollout's sticky arm
    from ..appliance import querylog

    # said on stderr after the answer (a line in the middle of a streamed answer would split it); serve logs the first
    # (`rollout <id>: the control arm … older ragtune release …`: a mapped control, models/rollout_legacy.py)
    notes: list[str] = [f"rollout {target.rollout}: {target.note}"] if target.note else []

    def retention_told(_path: Path, n: int, more: int, days: int) -> None:
        notes.append(querylog.retention_note(n, more, days))

    querylog.on_retention.append(retention_told)
    try:
        with AnswerEngine(settings) as engine:
            filters = scope_filters(engine.store, within)
            _quiet_retrieval(engine.retriever)
            ans = engine.ask(question, adapter=target.adapter, k=k, use_cache=not no_cache, mode=mode,
                             on_token=on_token if stream else None, client_id=client, arm=target.arm,
                             rollout=target.rollout, filters=filters)
            note = unsearched(engine._retriever, engine.store, settings)  # as `search` says it
    finally:
        querylog.on_retention.remove(retention_told)
    if note:
        notes.insert(0, note)
    if as_json:
        # the rollout arm that answered (null outside a rollout), as the query log and /v1/ask record it
        print_json({**ans.to_json(), "arm": ans.arm})
        _say_notes(notes)
        return
    if streamed:
        click.echo("")
        if "".join(streamed).strip() != ans.answer.strip():
            # the draft was repaired or failed the refusal check: say so and show what counts (plain dashes: a
            # screen reader reads box drawing aloud)
            click.echo(f"-- final answer ({'refused' if ans.status == 'refused' else 'repaired'}) --")
            click.echo(printable(ans.answer))
    else:
        click.echo(printable(ans.answer))
    if ans.status == "refused":  # in words, as the chat and `demo` say it; the code for scripts and `log list`
        click.echo(refusal_words(ans.refusal_reason))
    if ans.citations:
        click.echo("")
        print_citations(settings.home, ans.citations)
    t = ans.timings
    served = "base model" if ans.adapter in ("", "none") else f"LoRA {ans.adapter[:12]}"
    served += f" · {within_note(filters)}" if filters else ""
    click.echo(f"\n{t.total_ms:.0f} ms (retrieval {t.retrieval_ms:.0f}, first token {t.ttft_ms:.0f}, "
               f"generation {t.generation_ms:.0f}) · {served} · {ans.tokens_prompt}+{ans.tokens_completion} tokens"
               f"{' · cached' if ans.cached else ''}{' · repaired' if ans.repaired else ''}")
    _say_notes(notes)


def _quiet_retrieval(retriever: object) -> None:
    """The engine's retrieval run under rust_quieted: a damaged keyword index is rebuilt and said in ragtune's line,
    without Rust's panic text on stderr. Only retrieval: what the generation writes stays live."""
    retrieve = retriever.retrieve  # type: ignore[attr-defined]

    def quiet(*args: object, **kw: object) -> object:
        with rust_quieted():
            return retrieve(*args, **kw)

    retriever.retrieve = quiet  # type: ignore[attr-defined]


def _say_notes(notes: list[str]) -> None:
    for note in notes:  # stderr: stdout stays the answer (or the --json object)
        click.echo(f"note: {escaped(note)}", err=True)
