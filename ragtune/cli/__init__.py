"""Thin CLI: parse, call the library, print. Typed errors become one-line messages and exit codes."""

from __future__ import annotations

import errno
import os
import re
import sys

import click

from ..appliance.errors import RagtuneError
from ..appliance.text import escaped_lines, shown_path
from . import common
from .common import cli

__all__ = ["cli", "main", "entry"]


COMMAND_MODULES = ("config_cmd", "ingest_cmd", "docs_cmd", "search_cmd", "ask_cmd", "log_cmd", "eval_cmd",
                   "evalret_cmd", "evalrun_cmd", "models_cmd", "convert_cmd", "dataset_cmd", "chat_cmd", "rerank_cmd",
                   "serve_cmd", "rollout_cmd", "tune_cmd", "backup_cmd", "doctor_cmd")


def _register() -> None:
    # Each area owns one module that registers its commands on import. A missing or broken one is a packaging
    # bug: it fails here, loudly, instead of quietly shrinking the CLI (tests/test_cli_help.py lists the commands).
    # The modules import their heavy dependencies lazily, inside the commands.
    for name in COMMAND_MODULES:
        __import__(f"{__name__}.{name}")


_register()


def main(argv: list[str] | None = None) -> int:
    from ..appliance.offline import enforce_offline_env

    enforce_offline_env()
    _closed_streams_to_devnull()
    args = list(sys.argv[1:] if argv is None else argv)
    common.json_printed = False
    common.stdout_never_fails_to_encode()
    try:
        rc = cli.main(args=args, prog_name="ragtune", standalone_mode=False)
        return rc if isinstance(rc, int) else 0
    except click.exceptions.Abort:
        return _fail(args, "aborted", "Interrupted", 130, prefix="")
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        message = exc.format_message()
        exc.message = escaped_lines(exc.message)  # a message may repeat the argument as it is (as _fail's may)
        exc.show()
        _json_error(args, message, type(exc).__name__, exc.exit_code)
        return exc.exit_code
    except RagtuneError as exc:
        return _fail(args, exc.message, type(exc).__name__, exc.exit_code, hint=exc.hint)
    except KeyboardInterrupt:
        return _fail(args, "interrupted", "Interrupted", 130, prefix="")
    except (BrokenPipeError, common.OutputClosed):
        return _output_closed()
    except OSError as exc:  # the machine's, not ours: a full disk, a read-only home, a folder this user cannot write
        message, hint = os_error_message(exc)
        return _fail(args, message, "OSError", EX_IOERR, hint=hint)
    except MemoryError:
        return _fail(args, "out of memory", "MemoryError", 1,
                     hint="an input far larger than expected (a device such as /dev/zero given as a file?), "
                          "or too little free RAM for this command")
    except Exception as exc:  # last line of defence: no tracebacks for users
        if os.environ.get("RAGTUNE_DEBUG"):
            raise
        click.echo(f"internal error: {type(exc).__name__}: {escaped_lines(exc)}\n"
                   "  (set RAGTUNE_DEBUG=1 for a traceback)", err=True)
        _json_error(args, f"internal error: {type(exc).__name__}: {exc}", "InternalError", 70)
        return 70


def _closed_streams_to_devnull() -> None:
    """A cron line or a supervisor may start ragtune with stderr or stdout closed (`2>&-`): Python then has
    sys.stderr None, and the first progress line or llama.cpp's log capture (its flush) was an internal error, exit
    70, after the work was done; `print(..., file=sys.stderr)` even wrote to stdout, into a --json object. Such a
    stream is /dev/null: what would have gone there is dropped, as the caller asked; the exit code is the command's."""
    for fd, name in ((1, "stdout"), (2, "stderr")):
        if getattr(sys, name) is not None or getattr(sys, f"__{name}__") is not None:
            continue  # open (or a test's capture): as it is
        try:
            null = os.open(os.devnull, os.O_WRONLY)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
            setattr(sys, name, open(fd, "w", encoding="utf-8", errors="backslashreplace", closefd=False))
            setattr(sys, f"__{name}__", getattr(sys, name))
        except OSError:
            pass


EX_PIPE = 141  # 128 + SIGPIPE: what a shell reports for any tool whose reader went away (`… | head -1`)


def _output_closed() -> int:
    """The reader of stdout (or stderr) went away: the command stops where it was, silently, exit 141, as a tool
    killed by SIGPIPE does (not 0: `ingest 2>&1 | head` stopped mid-way; not 1, which says a ragtune error)."""
    _stdout_to_devnull()
    return EX_PIPE


def _stdout_to_devnull() -> None:
    """Python flushes stdout once more as it exits: into a closed pipe that printed "Exception ignored … BrokenPipe"
    and changed the exit code to 120. Pointed at /dev/null, the flush is quiet."""
    if sys.stdout is sys.__stdout__ and sys.stdout is not None:  # the process's own, not a test's capture
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
        except (OSError, ValueError):
            pass


EX_IOERR = 74  # sysexits.h: an input/output error (disk full, read-only file system, permission denied)

_HINTS = {
    errno.ENOSPC: "the disk is full: free some space, then run the command again",
    errno.EDQUOT: "this user's disk quota is used up: free some space, then run the command again",
    errno.EROFS: "the file system is read-only: give a home or an output on a writable disk",
    errno.EACCES: "this user may not write or read there: check the owner and permissions (`ls -ld`)",
    errno.EPERM: "this user may not write or read there: check the owner and permissions (`ls -ld`)",
}
# atomic.py writes beside the destination under a private name, `.NAME.<random>.part`: name the destination
_PART = re.compile(r"^\.(?P<name>.+)\.[A-Za-z0-9_]+\.part$")


def os_error_message(exc: OSError) -> tuple[str, str | None]:
    """`PATH: reason` for an OSError (the file being written, not atomic.py's temporary name) and a hint."""
    reason = exc.strerror or str(exc)
    name = exc.filename2 if exc.filename2 is not None else exc.filename  # a copy: the destination failed
    if name is None:
        return reason, _HINTS.get(exc.errno)
    path = os.fsdecode(name)
    head, tail = os.path.split(path)
    m = _PART.match(tail)
    if m:
        path = os.path.join(head, m.group("name"))
    return f"{shown_path(path)}: {reason}", _HINTS.get(exc.errno)  # a byte that is not UTF-8 as \xe9


def _json_wanted(args: list[str]) -> bool:
    """`--json` among the options (before a `--`, after which it would be a question's text)."""
    return "--json" in (args[:args.index("--")] if "--" in args else args)


def _json_error(args: list[str], message: str, kind: str, code: int, hint: str | None = None) -> None:
    """With --json, a failed command still prints exactly one JSON object on stdout: this error, unless the
    command printed its own object before failing (`models verify --json`, `ingest --json`)."""
    if _json_wanted(args) and not common.json_printed:
        try:
            common.print_json({"error": {"message": message, "hint": hint, "type": kind, "exit_code": code}})
        except OSError as exc:  # stdout's reader is gone: the error's own line on stderr and exit code stand
            if exc.errno != errno.EPIPE:
                raise
            _stdout_to_devnull()


def _fail(args: list[str], message: str, kind: str, code: int, *, hint: str | None = None,
          prefix: str = "error: ") -> int:
    # A message may repeat an argument: a byte that is not UTF-8 (a lone surrogate) would fail a strict stderr, an
    # escape sequence would drive the terminal. Each line escaped; the JSON error keeps the text (print_json is safe).
    click.echo(f"{prefix}{escaped_lines(message)}" + (f"\n  hint: {escaped_lines(hint)}" if hint else ""), err=True)
    _json_error(args, message, kind, code, hint)
    return code


def entry() -> None:  # pragma: no cover
    sys.exit(main())
