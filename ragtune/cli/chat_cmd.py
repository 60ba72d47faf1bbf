"""`ragtune chat` (the Textual app over the current home) and `ragtune demo` (the sample pack in a home of its own,
HOME/demo, then the app; or, when stdout is not a terminal, three sample questions answered and printed, so
`make demo` works in CI logs)."""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path
from typing import Any

import click

from ..appliance.config import Settings
from ..appliance.errors import InputError
from ..appliance.home import Home
from .common import pass_app, print_json
from .scope_opt import home_scope, in_option


def demo_settings(settings: Settings) -> Settings:
    """The demo's own home, HOME/demo: the sample pack and the demo's questions never mix with the user's
    documents and query log (and it is kept, so the next demo starts at once; `rm -rf HOME/demo` removes it)."""
    return dataclasses.replace(settings, home=Home(settings.home.root / "demo"))


def _pack_dir() -> Path:
    try:
        from ragtune.models.pack import pack_dir
    except ImportError:
        raise InputError("the sample pack (ragtune/models/pack) is not installed with this copy of ragtune") from None
    return pack_dir()


def _ingest_pack(demo: Settings) -> None:
    """Ingest the bundled sample pack into the demo home (incremental: a no-op once it is there)."""
    from ..appliance.ingest.pipeline import ingest_paths

    folder = _pack_dir()
    last = [-1]

    def progress(done: int, total: int, path: str) -> None:
        pct = int(100 * done / max(total, 1))
        if pct // 10 != last[0] // 10 or done == total:  # ~10 lines, readable in CI logs
            last[0] = pct
            click.echo(f"  ingest {done}/{total}  {Path(path).name}", err=True)

    _drop_other_packs(demo, folder)
    summary = ingest_paths(demo, [folder], progress=progress)
    if summary.added or summary.updated:
        click.echo(f"demo: {summary.added + summary.updated} documents, {summary.chunks_added} chunks in "
                   f"{summary.seconds:.1f}s", err=True)
    for path, reason in summary.failed:
        click.echo(f"  not ingested: {path}: {reason}", err=True)


def _drop_other_packs(demo: Settings, folder: Path) -> None:
    """Take out of the demo home the sample pack another ragtune installed elsewhere ingested (an upgrade into a new
    virtual environment or Python version moves the pack's folder): else the demo held both packs, every answer
    retrieved from twice the documents and cited the old install's files, which may be gone. Only a pack's own
    files go: a path whose part after a `ragtune/models/pack/docs/` folder names a file this ragtune's pack has too;
    anything else in HOME/demo (a document of one's own in such a folder) is someone's own and stays."""
    from ..appliance.ingest.documents import list_documents, remove_documents

    pack = os.sep + os.path.join("ragtune", "models", "pack")
    mark = pack + os.sep + "docs" + os.sep

    def packs_file(path: str) -> bool:
        rel = path.rpartition(mark)[2]
        return mark in path and ".." not in Path(rel).parts and (folder / rel).is_file()

    here = {d.id for d in list_documents(demo, under=folder)}
    old = [d for d in list_documents(demo) if d.id not in here and packs_file(d.path)]
    if not old:
        return
    removed = remove_documents(demo, [str(d.id) for d in old])
    where = sorted({d.path.rpartition(mark)[0] + pack for d in old})
    click.echo(f"demo: removed {len(removed.removed)} documents of another ragtune's sample pack "
               f"({', '.join(where)}); this ragtune's pack is {folder}", err=True)


def _pack_in_user_home(settings: Settings) -> int:
    """Sample-pack documents an earlier `ragtune demo` ingested into the user's own home."""
    if not settings.home.db_path.is_file():
        return 0
    from ..appliance.ingest.documents import list_documents

    try:
        return len(list_documents(settings, under=_pack_dir()))
    except InputError:
        return 0


def _sample_questions(n: int) -> list[dict[str, Any]]:
    """A few answerable questions and, from two on, one the documents do not cover (to show a refusal)."""
    from ragtune.models.pack import load_qa

    rows = load_qa()
    answerable = [r for r in rows if r["answerable"]]
    refused = [r for r in rows if not r["answerable"]]
    if n < 2:  # one question shows an answer; the refusal comes with the second
        return answerable[:n]
    picked = answerable[: n - 1] + refused[:1]
    return (picked + answerable[n - 1:])[:n]


def _print_answer(i: int, question: str, answer: Any, lookup: Any = None) -> None:
    """One answer as the chat shows it, in plain lines (CI logs, a screen reader). `lookup` (the TUI's chunk
    lookup) gives each citation's chunk number as the Source panel and ctrl+y say it (`, chunk 3/7`)."""
    from ragtune.tui.data import quietly  # (rich, no Textual)
    from ragtune.tui.docsource import chunk_number  # no Textual: this path runs without a terminal

    from ..appliance.ingest.doc_names import shown_doc_path, twins, unicode_form
    from ..appliance.text import printable

    click.echo(f"Q{i}: {question}")
    if answer.status == "ok":
        marks = " ".join(f"[{n}]" for n in range(1, len(answer.citations) + 1))
        click.echo(f"A{i}: {answer.answer.strip()} {marks}".rstrip())
    else:
        click.echo(f"A{i}: (refused) {answer.answer.strip()}")
        if answer.refusal_reason:
            from ragtune.tui.data import REFUSAL_REASONS

            click.echo(f"    reason: {REFUSAL_REASONS.get(answer.refusal_reason, answer.refusal_reason)}")
    alike = twins(c.source for c in answer.citations)  # paths as `ask` shows them (doc_names)
    for n, c in enumerate(answer.citations, start=1):
        place = chunk_number(quietly(lambda: lookup(c), None) if lookup else None)  # a help, never a failure
        form = unicode_form(c.source) if c.source in alike else ""
        shown = shown_doc_path(c.source, printable)
        click.echo(f"    [{n}] {shown}{form}{place} (chars {c.start_char}-{c.end_char})")
    t = answer.timings
    click.echo(f"    retrieval {t.retrieval_ms:.0f} ms · ttft {t.ttft_ms:.0f} ms · generation {t.generation_ms:.0f} ms"
               f" · tokens {answer.tokens_prompt}→{answer.tokens_completion}"
               f" · {'LoRA ' + answer.adapter[:8] if answer.adapter != 'none' else 'base'}"
               f"{' · cached' if answer.cached else ''}")
    click.echo("")



def no_app_reason(stdin: Any = None, stdout: Any = None, env: Any = None) -> InputError | None:
    """Why the full-screen app cannot run here (None: it can). Not a terminal: scripts use `ragtune ask`. TERM=dumb
    (Emacs shell-mode, some CI and screen-reader setups): it moves no cursor, and Textual would write its escape
    codes over the text."""
    stdin, stdout, env = stdin or sys.stdin, stdout or sys.stdout, os.environ if env is None else env
    if not stdin.isatty() or not stdout.isatty():
        return InputError("ragtune chat needs a terminal", hint="for scripts use: ragtune ask QUESTION --json")
    if env.get("TERM", "").strip().lower() == "dumb":
        return InputError("ragtune chat needs a terminal that can draw a full screen (TERM is dumb)",
                          hint="ask from the command line: ragtune ask QUESTION; or set TERM, e.g. TERM=xterm-256color "
                               "(TERM=linux for the Linux console)")
    return None


def _open_app(settings: Settings, scope: dict[str, Any] | None = None, scope_refs: list[str] | None = None,
              stacked: bool = False) -> None:
    from ragtune.tui.app import create_app, run_app

    run_app(create_app(settings, scope=scope, scope_refs=scope_refs, stacked=stacked))


_MODE = click.option("--mode", type=click.Choice(["extractive", "free"]), default=None,
                     help="Answer mode for this session (default: [generate] answer_mode).")


# For a screen reader (or `tmux capture-pane`) every session: the panels under the conversation from the start, one
# region a terminal line, as f2 puts them. The environment variable keeps it on without typing it each time.
_STACKED = click.option("--stacked", is_flag=True, envvar="RAGTUNE_CHAT_STACKED",
                        help="Start with the citations and source panels under the conversation instead of beside it "
                             "(f2 in the app; RAGTUNE_CHAT_STACKED=1 makes it the default).")


def _with_mode(settings: Settings, mode: str | None) -> Settings:
    return settings if mode is None else settings.replace("generate", answer_mode=mode)


@click.command("chat")
@_MODE
@in_option
@_STACKED
@pass_app
def chat_cmd(app: Any, mode: str | None, within: tuple[str, ...], stacked: bool) -> None:
    """Open the chat app over the current home: streamed cited answers, sources, base/LoRA toggle (F1: keys).
    With --in, answers come only from those documents (ctrl+s in the app clears that)."""
    problem = no_app_reason()
    if problem is not None:
        raise problem
    settings = app.existing_home()
    # a REF that matches nothing is said here, before the app takes the screen
    scope, refs = home_scope(settings, within)
    _open_app(_with_mode(settings, mode), scope, refs, stacked=stacked)


@click.command("demo")
@click.option("--questions", "n_questions", type=click.IntRange(1, 20), default=3, show_default=True,
              help="How many sample questions to answer when not opening the app.")
@click.option("--no-tui", is_flag=True, help="Answer sample questions and print them instead of opening the app "
              "(the default when stdout is not a terminal).")
@click.option("--json", "as_json", is_flag=True, help="With --no-tui: print one JSON object with the answers.")
@_MODE
@_STACKED
@pass_app
def demo_cmd(app: Any, n_questions: int, no_tui: bool, as_json: bool, mode: str | None, stacked: bool) -> None:
    """Try ragtune on the bundled sample pack, in a home of its own (HOME/demo: your documents and query log are
    never touched): open the chat app over it (or, without a terminal, answer a few sample questions and print
    them with their citations)."""
    user = app.settings
    settings = _with_mode(demo_settings(user), mode)
    click.echo(f"demo: the sample pack in its own home {settings.home.root} (your documents are not touched)",
               err=True)
    stray = _pack_in_user_home(user)
    if stray:
        click.echo(f"demo: {stray} sample-pack documents from an earlier demo are in {user.home.root}; "
                   f"remove them with: ragtune docs remove {_pack_dir()}", err=True)
    _ingest_pack(settings)
    interactive = not (no_tui or as_json) and no_app_reason() is None  # TERM=dumb: the printed answers
    if interactive:
        _open_app(settings, stacked=stacked)
        return
    from ragtune.tui.docsource import StoreDocuments

    from ..appliance.answer import AnswerEngine

    engine = AnswerEngine(settings)
    chunks = StoreDocuments(settings.home)  # the chunk numbers the app shows (round 47: left out here)
    answers = []
    try:
        for i, row in enumerate(_sample_questions(n_questions), start=1):
            answer = engine.ask(row["question"])
            if as_json:
                answers.append({"question": row["question"], "expected": row["answer"], **answer.to_json()})
            else:
                _print_answer(i, row["question"], answer, chunks.chunk)
    finally:
        chunks.close()
        engine.close()
    if as_json:
        print_json({"home": str(settings.home.root), "answers": answers})


# Registered on the root group (ragtune/cli/__init__.py imports this module when present).
from .common import cli  # noqa: E402

cli.add_command(chat_cmd)
cli.add_command(demo_cmd)
