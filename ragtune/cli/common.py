"""Shared CLI plumbing: the root group, global options, lazy settings."""

from __future__ import annotations

import codecs
import contextlib
import errno
import io
import json
import math
import os
import sys
from pathlib import Path
from typing import Any

import click

from ..appliance.config import Settings, load_settings
from ..appliance.text import human_size  # noqa: F401  (the CLI's listings import it from here)
from ..appliance.home import Home


class AppContext:
    def __init__(self, home: str | None, config: str | None):
        self._home = home
        self._config = config
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self._config, home=self.home)
        return self._settings

    @property
    def home(self) -> Home:
        """The home, without reading its config (`config init|set` must work on a broken config file)."""
        return Home(self._home) if self._home else Home()

    @property
    def config_file(self) -> Path:
        return Path(self._config) if self._config else self.home.config_path

    def existing_home(self, *, documents: bool = False) -> Settings:
        """Settings of a home that exists, for commands that only read it: `--home /typo ask …` must fail
        without creating /typo and a database in it. With documents=True the home must hold an index."""
        from ..appliance.errors import InputError

        root = self.home.root
        if not root.is_dir():
            raise InputError(f"home {root} does not exist",
                             hint="check --home / RAGTUNE_HOME; `ragtune ingest PATH` creates a home, "
                                  "`ragtune demo` fills one with the sample pack")
        if documents and not self.home.db_path.is_file():
            raise InputError(f"no documents have been ingested into {root}", hint="ragtune ingest PATH")
        return self.settings


class OutputClosed(Exception):
    """stdout's (or stderr's) reader went away (`ragtune docs list | head -1`): cli.main exits 141, silently."""


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        # click turns an EPIPE into a silent exit 1 (a ragtune error's code) before cli.main could see it: taken here
        # as what it is, an OSError no longer (click catches only those). Any other error goes on to cli.main's
        # printing with a text that is not empty (never_silent).
        try:
            return super().invoke(ctx)
        except Exception as exc:
            if isinstance(exc, OSError) and exc.errno == errno.EPIPE:
                raise OutputClosed() from exc
            never_silent(exc)
            raise


def never_silent(exc: BaseException) -> None:
    """An error whose text is empty (`OSError()`, a RagtuneError given ""; an apsw error raised bare) printed
    `error: ` and nothing else (cli.main prints `error: MESSAGE`, or for an OSError its strerror): it is given its
    type's name (an OSError with an errno: the system's word for it) as its text, so the line says what failed. An
    internal error already names its type: "(no message)" says that nothing was cut off after it."""
    from ..appliance.errors import RagtuneError

    if isinstance(exc, (click.ClickException, click.exceptions.Exit, click.exceptions.Abort)):
        return  # click's own, which cli.main prints its way
    if isinstance(exc, RagtuneError):
        if not (exc.message or "").strip():
            exc.message = type(exc).__name__
    elif isinstance(exc, OSError):
        told = exc.strerror if exc.strerror is not None else str(exc)  # what cli.os_error_message prints
        if not told.strip():
            exc.strerror = os.strerror(exc.errno) if exc.errno else type(exc).__name__
    elif not str(exc).strip() and type(exc).__str__ is BaseException.__str__:  # "internal error: BusyError: " + …
        exc.args = ("(no message)",)


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """`ragtune 0.2.0 (schema 0017_documents_ids_not_reused)`: the package version stayed 0.2.0 over many releases, so the
    last migration this code knows says which one runs (store/base.py NEWER_HINT points here). No home is opened."""
    if not value or ctx.resilient_parsing:
        return
    from .. import __version__
    from ..appliance.store.schema import MIGRATIONS

    click.echo(f"ragtune {__version__} (schema {MIGRATIONS[-1][0]})")
    ctx.exit()


def _home_folder(ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """--home / $RAGTUNE_HOME naming a file: the CLI's `error:`/`hint:` lines naming where the value came from (exit 2,
    as before). click's own check printed its usage block and "Invalid value for '--home'" when the variable set it."""
    if value and os.path.isfile(value):
        from ..appliance.errors import InputError

        if ctx.get_parameter_source("home") is click.core.ParameterSource.ENVIRONMENT:
            where, fix = f"RAGTUNE_HOME={value}", "point RAGTUNE_HOME at the home folder (or unset it for the default)"
        else:
            where, fix = f"--home {value}", "give --home the home folder"
        raise InputError(f"{where} is a file, not a folder", hint=f"{fix}; a config file is given with --config")
    return value


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_version,
              help="Show the version (and the database schema it writes) and exit.")
@click.option("--home", type=click.Path(), metavar="DIRECTORY", envvar="RAGTUNE_HOME", callback=_home_folder,
              help="Data directory (default: $RAGTUNE_HOME or the platform's user data dir).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Config TOML (default: HOME/config.toml).")
@click.pass_context
def cli(ctx: click.Context, home: str | None, config_path: str | None) -> None:
    """ragtune: cited, schema-valid answers over your own documents, offline."""
    ctx.obj = AppContext(home, config_path)
    from ..appliance.store.base import StoreBase  # light: apsw is imported on the first open

    # an upgraded home is migrated by the first command that opens it for writing: said on stderr (never on a
    # --json stdout), once, as it happens; the library stays quiet
    StoreBase.on_upgrade.append(say_migrated)
    ctx.call_on_close(lambda: StoreBase.on_upgrade.remove(say_migrated))
    from ..appliance.lexical_rebuild import on_rebuild  # so is a rebuild of the keyword index (11-19 s at 20k chunks)

    on_rebuild.append(say_rebuilding)
    ctx.call_on_close(lambda: on_rebuild.remove(say_rebuilding))


pass_app = click.make_pass_decorator(AppContext)


json_printed = False  # set by print_json: cli.main then knows a failing --json command already printed its object


def stdout_is_utf8() -> bool:
    """stdout encodes UTF-8: not under a Latin-1 or cp1252 locale (nor an ASCII one, with UTF-8 mode off)."""
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    try:
        return codecs.lookup(encoding).name == "utf-8"
    except LookupError:
        return False


def stdout_never_fails_to_encode() -> None:
    """Under a locale that is not UTF-8 (LANG=de_DE.ISO-8859-1, PYTHONIOENCODING=cp1252) a character stdout cannot
    encode (a "—" in `docs list`, a CJK title) ended the command as "internal error" half-way through its output:
    it is written as \\u2014 instead, as Python's stderr always does."""
    if not stdout_is_utf8() and isinstance(sys.stdout, io.TextIOWrapper) and sys.stdout.errors != "backslashreplace":
        sys.stdout.reconfigure(errors="backslashreplace")


@contextlib.contextmanager
def utf8_stdout() -> Any:
    """stdout for a data format that is UTF-8 whatever the locale (`log export`'s JSON Lines): under a Latin-1
    locale an "é" was written as the byte 0xe9, a line `json.loads` of UTF-8 then refused, and a "—" ended the
    export as "internal error"."""
    if stdout_is_utf8() or not hasattr(sys.stdout, "buffer"):
        yield sys.stdout
        return
    sys.stdout.flush()
    fh = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="\n")
    try:
        yield fh
    finally:
        try:
            fh.flush()
        finally:
            fh.detach()  # stdout's buffer stays open


def print_json(obj: Any) -> None:
    global json_printed
    json_printed = True
    text = json.dumps(obj, ensure_ascii=False, indent=None, default=str)
    try:
        text.encode("utf-8")
        ascii_only = not stdout_is_utf8()  # JSON's \uXXXX escapes: valid JSON in any encoding, the same values
    except UnicodeEncodeError:  # a path that is not UTF-8: JSON's own \udcXX escapes keep stdout valid UTF-8
        ascii_only = True
    if ascii_only:
        text = json.dumps(obj, ensure_ascii=True, indent=None, default=str)
    click.echo(text)


STDIN_TEXT_MAX = 1 << 20  # a question far past any model's context window: a wrong input (`< /dev/zero`, `yes |`)


def text_or_stdin(text: str, what: str = "question") -> str:
    """A QUESTION argument; `-` reads it from stdin, to its end, as one text (`echo "…" | ragtune ask --json -`, a
    question with quotes or newlines no shell quoting has to survive). Bytes that are not UTF-8 are read as
    normalize.from_argv reads an argument's; an empty stdin is an empty question, as an empty argument is."""
    from ..appliance.errors import InputError
    from ..appliance.normalize import from_argv

    if text != "-":
        return from_argv(text)  # a Latin-1 terminal's "Fr\xe9nce" is asked as "Frénce", not "Fr�nce"
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:
        raise InputError(f"{what} '-': stdin is closed, so there is no {what} to read",
                         hint=f"pipe the {what} in (`echo … | ragtune …`) or give it as an argument")
    if sys.stdin.isatty():  # waiting silently for input would look like a hang
        click.echo(f"reading the {what} from stdin (end it with Ctrl-D)…", err=True)
    data = stream.read(STDIN_TEXT_MAX + 1)
    if len(data) > STDIN_TEXT_MAX:
        raise InputError(f"{what} '-': stdin holds more than {STDIN_TEXT_MAX >> 20} MB, far more than a {what}",
                         hint=f"give one {what} on stdin (ask several with a loop: one command each)")
    return from_argv(data.decode("utf-8", "surrogateescape"))


def echo_path(path: Path | str) -> None:
    """A path alone on its line of stdout, as its bytes: `$(ragtune config path)` gets the real name, also one that
    is not UTF-8 (in a str its bytes are lone surrogates, which a UTF-8 stdout refuses to encode: exit 70)."""
    click.echo(os.fsencode(str(path)))


def say(msg: str) -> None:
    """A progress line or a note on stderr (a library's `log`/`progress` callback): it may name a path whose bytes are
    not UTF-8 or hold a control character, so each line is escaped (`ragtune.appliance.text.escaped`). Inside
    rust_quieted it goes to the real stderr at once (`rebuilding the keyword index` before the wait, not after it)."""
    from ..appliance.text import escaped_lines

    text = escaped_lines(msg)
    live = _live_stderr()
    if live is not None:
        with contextlib.suppress(OSError):
            data = (text + "\n").encode(getattr(sys.stderr, "encoding", None) or "utf-8", "backslashreplace")
            while data:
                data = data[os.write(live, data):]
            return
    click.echo(text, err=True)


_LIVE_STDERR: list[int] = []  # while rust_quieted holds file descriptor 2: a copy of the real one


def _live_stderr() -> int | None:
    """The real stderr's descriptor while rust_quieted holds fd 2 and sys.stderr writes there (not a test's capture)."""
    if not _LIVE_STDERR:
        return None
    try:
        sys.stderr.flush()
        return _LIVE_STDERR[-1] if sys.stderr.fileno() == 2 else None
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return None


@contextlib.contextmanager
def rust_quieted() -> Any:
    """A CLI command's retrieval (`search`, `ask`): Tantivy's panic text on a damaged keyword index (written by Rust
    to fd 2, with its backtrace) is kept off stderr; ragtune's own lines (`say`) still appear as they happen, the
    rest written meanwhile after it (lexical_panic.rust_quiet). For commands only: process-wide, so never in serve,
    whose log shares that stderr."""
    from ..appliance.lexical_panic import rust_quiet

    with rust_quiet() as real:  # the real stderr's copy; None: stderr left as it is (no fd 2, no temporary file)
        if real is None:
            yield
            return
        _LIVE_STDERR.append(real)
        try:
            yield
        finally:
            _LIVE_STDERR.remove(real)  # before rust_quiet closes it


def _in_eval_scratch(path: Path) -> bool:
    """`path` is a file or folder of an eval corpus's scratch home (HOME/eval/corpora/KEY/…, eval/scratch.py)."""
    return Path(path).parts[-4:-2] == ("eval", "corpora")


def say_migrated(path: Path, names: list[str]) -> None:
    """`migrated PATH: 5 migrations applied (0008_… → 0012_…)`: a store open upgraded this database. Not said for
    an eval corpus's scratch home (HOME/eval/corpora/KEY/ragtune.db, eval/scratch.py): the product's cache, not a
    home the user made; the line fell in the middle of `eval run`'s progress (still migrated, as every open does)."""
    if _in_eval_scratch(path):
        return
    n = len(names)
    which = names[0] if n == 1 else f"{names[0]} → {names[-1]}"
    say(f"migrated {shown_path(path)}: {n} migration{'s' if n != 1 else ''} applied ({which})")


def say_rebuilding(path: Path, info: dict) -> None:
    """`rebuilding the keyword index (schema 2 → 3, 20,000 chunks; once)` before a rebuild for another schema or
    damage (lexical_rebuild.on_rebuild), or `waiting for …` while another process runs one. Not for an eval corpus's
    scratch home (as say_migrated)."""
    from ..appliance.lexical_rebuild import describe

    if _in_eval_scratch(path):
        return
    what = describe(info) + ("" if info.get("damaged") else "; once")
    if info.get("waiting"):
        say(f"waiting for another process's rebuild of the keyword index ({what})")
    else:
        say(f"rebuilding the keyword index ({what})")


def artifact_note(note: str) -> None:
    """Say a registered artifact's note (Artifact.note) on stderr: a copy asked for of one registered in place, or
    the name a file name that could not be one was given instead (then --name gives another)."""
    from ..appliance.registry import COPIED_IN
    from ..appliance.text import escaped

    if note:
        click.echo(f"note: {escaped(note)}" + ("" if note.startswith(COPIED_IN) else "; --name gives another"),
                   err=True)


def unsearched(retriever: Any, store: Any, settings: Any) -> str | None:
    """embed.unsearched_note after a search: the documents whose vectors another embedder made, which its vector
    search left out (`search` and `ask` say it once on stderr). Only when the query embedder was loaded: a cached
    result or answer loads none (the command that cached it said it)."""
    from ..appliance.embed import unsearched_note

    model = getattr(retriever, "_embedder_model", lambda: None)() if retriever is not None else None
    return None if model is None else unsearched_note(store, settings.embed, settings.home, model)


def shown_path(path: Path | str) -> str:
    """A path inside a line of output: a byte that is not UTF-8 as `\\xe9`, a control character escaped."""
    from ..appliance.text import escaped, shown_path as as_text

    return escaped(as_text(path))


def is_tty() -> bool:
    """Whether stderr may take a redrawn progress line: a terminal that is not TERM=dumb (an editor's shell buffer,
    a CI log runner's pseudo-terminal), which gets the plain lines a log file gets."""
    return sys.stderr.isatty() and os.environ.get("TERM", "").strip().lower() != "dumb"


class FiniteFloatRange(click.FloatRange):
    """click.FloatRange that refuses nan and inf too: click lets nan through any bounds (every comparison with it
    is false), and a nan threshold or cut would be used as if it were a number."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        rv = super().convert(value, param, ctx)
        if isinstance(rv, float) and not math.isfinite(rv):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return rv

    def _describe_range(self) -> str:
        if self.min is None and self.max is None:  # click would print "x<=None"
            return "finite"
        return super()._describe_range()


def artifact_name(ctx: click.Context | None, param: click.Parameter | None, value: str | None) -> str | None:
    """Click callback for a registry --name: the registry's own rule (registry.check_chosen_name, which Registry.add
    applies to every name it is given), said as a usage error before any work starts."""
    from ..appliance.errors import InputError
    from ..appliance.registry import check_chosen_name  # on use: start-up stays light

    try:
        return check_chosen_name(value)
    except InputError as exc:
        raise click.BadParameter(exc.message, ctx, param) from None


def _label(param: click.Parameter | None) -> str:
    """How an error names the parameter: `--out` for an option, `DATASET` for an argument."""
    if isinstance(param, click.Option):
        return param.opts[0]
    return param.human_readable_name if param is not None else "PATH"


def checked_path(*, reads: str | None = None, utf8: str | None = None, pipes: bool = False):
    """A click callback for a path parameter, run as the arguments are parsed: before any work and any heavy import
    (torch). `reads`: what the command reads there ("a BEIR folder or a .jsonl file"): a device, pipe or socket is
    refused, as atomic.is_special decides (/dev/zero would be read until memory runs out, /dev/null reads as nothing
    and was said as "no such file"). `pipes`: the command reads the file as a stream of lines or records (a JSONL
    file), so a pipe is taken (`--qa <(grep … qa.jsonl)`, /dev/stdin fed by `|`): read once into a spool file
    (appliance/spool.py, bounded), whose path the command gets instead, removed when the command ends; devices and
    sockets are still refused ("a device or socket, not …"). `utf8`: why the path must be UTF-8 ("the conversion
    records it"): one whose bytes are not is refused as `eval run` and the home refuse theirs
    (text.check_utf8_path). All InputErrors (exit 2).
    A value of several paths (multiple=True, nargs=-1) is checked path by path."""
    def check(ctx: click.Context | None, param: click.Parameter | None, value: Any) -> Any:
        from ..appliance.atomic import is_special
        from ..appliance.errors import InputError
        from ..appliance.spool import is_pipe
        from ..appliance.text import check_utf8_path

        several = isinstance(value, (tuple, list))
        out = []
        for path in value if several else (value,):
            if path is not None:
                if utf8:
                    check_utf8_path(path, _label(param), utf8)
                if reads and is_special(path):
                    if not (pipes and is_pipe(path)):  # where a pipe is taken, it is no part of the refusal
                        what = "a device or socket" if pipes else "a device, pipe or socket"
                        raise InputError(f"{_label(param)} {shown_path(path)}: {what}, not {reads}")
                    path = _spooled(ctx, param, path)
            out.append(path)
        return type(value)(out) if several else out[0]

    return check


def _spooled(ctx: click.Context | None, param: click.Parameter | None, path: Any) -> Any:
    """The pipe's bytes in a spool file (removed as the command's context closes), typed as click gave the path."""
    from ..appliance.spool import spool_pipe

    spool, remove = spool_pipe(path, f"{_label(param)} {shown_path(path)}")
    if ctx is not None:
        ctx.call_on_close(remove)
    return spool if isinstance(path, Path) else str(spool)


def existing_path(p: str) -> Path:
    return Path(p)
