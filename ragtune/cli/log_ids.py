"""Log ids as an operator types them: the store's own, or the id a scoped server showed a tenant (serve/publicid.py,
round 52), turned back with the home's key for `ragtune log show|review|forget`."""

from __future__ import annotations

import click

from ..appliance.errors import InputError
from .common import shown_path


def row_ids(app, ns: tuple[int, ...]) -> tuple[int, ...]:
    """The store's ids of log ids as given: a tenant of a scoped server quotes the id it was shown (2**52 and up,
    serve/publicid.py), the operator turns it back with the home's key; a smaller number is a store id itself. The
    key is only read here (a read-only command; a running server keeps the key it read): missing, unreadable or not
    32 bytes is a usage error, never a key made up, which would decode to an unrelated entry."""
    from ..serve.publicid import KEY_FILE, PublicIds, is_shown

    first = next((n for n in ns if is_shown(n)), None)
    if first is None:  # (the range check alone: no key read)
        return ns
    path, why = app.existing_home().home.root / KEY_FILE, ""
    try:
        key = path.read_bytes()
        why = "" if len(key) == 32 else f"{shown_path(path)} is not a key of 32 bytes ({len(key)})"
    except FileNotFoundError:
        why = f"this home has no {KEY_FILE} to turn it back (restored without it?)"
    except OSError as exc:
        why = f"{shown_path(path)} cannot be read ({exc.strerror or exc})"
    if why:
        raise click.UsageError(f"{first} is an id a scoped server shows its clients, and {why}: find the entry "
                               "with `ragtune log list`")
    return tuple(PublicIds(key=key).decode("log", n) if is_shown(n) else n for n in ns)


def said_id(typed: int, row: int) -> str:
    """An id in a message: a shown id as the operator typed it, next to the store's id it decodes to."""
    return str(row) if typed == row else f"shown id {typed} (store id {row})"


def no_entry(typed: int, row: int, exc: InputError) -> InputError:
    """querylog's "no query log entry ROW", for a shown id, said with the number the operator typed."""
    if typed != row and exc.message == f"no query log entry {row}":
        return InputError(f"no query log entry for {said_id(typed, row)}", hint=exc.hint)
    return exc
