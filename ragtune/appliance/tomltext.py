"""TOML as text: the parser (`tomllib`, or `tomli` on Python 3.10), a value written as TOML, the line a key sits
on (for errors that name file and line), and `Sourced`, a string read from a file that remembers that line.

The settings loader, the config editor and the recipe loaders all read and write TOML files and share these; it
imports only errors.py, itself a leaf."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from .errors import ConfigError, RagtuneError, read_capped, unreadable

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # pragma: no cover
    import tomli as tomllib  # type: ignore[no-redef]


MAX_TOML_BYTES = 4 << 20  # a config or a recipe is a few KB


def read_toml(path: Path, what: str) -> tuple[str, dict[str, Any]]:
    """(text, parsed table) of a TOML file, or a ConfigError naming it: `file:line: cannot read WHAT: …` for a file
    that cannot be read or is not UTF-8, `file: invalid TOML: … (at line N, column M)` for a bad one."""
    try:
        text = read_capped(path, MAX_TOML_BYTES).decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(unreadable(path, exc, f"cannot read {what}")) from None
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # the message carries "(at line N, column M)"
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def toml_value(v: Any) -> str:
    """`v` written as a TOML value (TypeError for what TOML cannot hold)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(type(v))


def toml_repr(v: Any) -> str:
    """`v` for an error message: its TOML text, nan/inf spelled as TOML does, else its type's name."""
    if isinstance(v, float) and not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    try:
        return toml_value(v)
    except TypeError:
        return type(v).__name__


def key_line(text: str, section: str | None, key: str) -> int | None:
    """The line of `key = …` inside `[section]` of a TOML text (1-based; section None: a top-level key), or of a
    `[section.key]` sub-table's header, or None."""
    current = None
    for n, line in enumerate(text.splitlines(), start=1):
        head = re.match(r"\s*\[\s*([A-Za-z0-9_.-]+)\s*\]\s*(#.*)?$", line)
        if head:
            current = head.group(1)
            if current == f"{section}.{key}":
                return n
            continue
        if current == section and re.match(rf"\s*{re.escape(key)}\s*=", line):
            return n
    return None


def section_line(text: str, name: str) -> int | None:
    """The line where top-level `name` is declared (1-based): its `[name]` / `[name.…]` header, or a `name = …`
    key above every header (a key outside any section), or None."""
    in_table = False
    for n, line in enumerate(text.splitlines(), start=1):
        head = re.match(r"\s*\[\[?\s*([A-Za-z0-9_-]+)", line)
        if head:
            if head.group(1) == name:
                return n
            in_table = True
        elif not in_table and re.match(rf"\s*{re.escape(name)}\s*[=.]", line):
            return n
    return None


def at_line(text: str | None, section: str, key: str | None = None) -> str:
    """':LINE' of a key (or, without one, of a top-level section) in a TOML text, for a `file:line` prefix; '' when
    it cannot be placed."""
    line = (key_line(text, section, key) if key else section_line(text, section)) if text else None
    return f":{line}" if line else ""


class Sourced(str):
    """A string that remembers where it was set (`config.toml:7: [embed] model`, or a flag: `--adapter`), so the
    code resolving a model reference names that place without every caller passing it; a value a flag or code put
    in its stead is a plain str (never placed in the file). `str(x)` and str methods return a plain str: a resolver
    takes the origin from the value it was given."""

    __slots__ = ("origin",)

    def __new__(cls, value: str, origin: str) -> "Sourced":
        obj = super().__new__(cls, value)
        obj.origin = origin
        return obj

    def __reduce__(self) -> Any:
        return Sourced, (str.__str__(self), self.origin)


def with_origin(exc: RagtuneError, value: object) -> RagtuneError:
    """`exc` with its message prefixed by where `value` was set (a Sourced), once."""
    origin = getattr(value, "origin", None) if isinstance(value, str) else None
    if origin and not exc.message.startswith(origin):
        exc.message = f"{origin}: {exc.message}"
        exc.args = (exc.message,)
    return exc
