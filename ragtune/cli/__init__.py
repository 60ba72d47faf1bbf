"""Thin CLI: parse, call the library, print. Typed errors become one-line messages and exit codes."""

from __future__ import annotations

import os
import sys

import click

from ..appliance.errors import RagtuneError
from .common import cli

__all__ = ["cli", "main", "entry"]


COMMAND_MODULES = ("config_cmd", "ingest_cmd", "docs_cmd", "search_cmd", "ask_cmd", "eval_cmd", "evalret_cmd",
                   "evalrun_cmd", "models_cmd", "convert_cmd", "dataset_cmd", "chat_cmd", "rerank_cmd",
                   "serve_cmd", "rollout_cmd", "tune_cmd")


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
    try:
        rc = cli.main(args=argv, prog_name="ragtune", standalone_mode=False)
        return rc if isinstance(rc, int) else 0
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 130
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except RagtuneError as exc:
        click.echo(f"error: {exc}", err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # last line of defence: no tracebacks for users
        if os.environ.get("RAGTUNE_DEBUG"):
            raise
        click.echo(f"internal error: {type(exc).__name__}: {exc}\n  (set RAGTUNE_DEBUG=1 for a traceback)", err=True)
        return 70


def entry() -> None:  # pragma: no cover
    sys.exit(main())
