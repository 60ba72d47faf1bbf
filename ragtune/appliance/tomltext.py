"""TOML as text: the parser (`tomllib`, or `tomli` on Python 3.10), a value written as TOML, the line a key sits
on (for errors that name file and line), where a value written there ends (an edit keeps the comment after it),
and `Sourced`, a string read from a file that remembers that line.

The settings loader, the config editor and the recipe loaders all read and write TOML files and share these; it
imports only errors.py and jsonl.py (its bracket scanner), which import nothing above them."""

from __future__ import annotations

import bisect
import json
import math
import re
import sys
from pathlib import Path
from typing import Any

from .errors import ConfigError, RagtuneError, read_capped, unreadable
from .jsonl import deepest_line

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
        data = loads(text)
    except TomlTextError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    big = out_of_range(data)
    if big is not None:  # TOML integers are 64-bit: a parser must refuse the others (they overflow a float too)
        key, value = big
        digits = str(value)
        shown = digits if len(digits) <= 24 else digits[:20] + "…"
        line = _literal_line(text, digits)
        raise ConfigError(f"{path}: invalid TOML: {key} = {shown} is out of range (integers are 64-bit)"
                          + (f" (at line {line})" if line else ""))
    return text, data


class TomlTextError(ValueError):
    """Text that is not TOML; the message says why and, where it can, at which line and column."""


def loads(text: str) -> dict[str, Any]:
    """`tomllib.loads`, with every way it refuses a text as a TomlTextError: a syntax error (its message carries
    "(at line N, column M)"), nesting thousands deep (RecursionError) and a number of thousands of digits (int()'s
    ValueError), which tomllib lets through as other exceptions."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TomlTextError(str(exc)) from None
    except RecursionError:
        raise TomlTextError(f"nested too deeply (at line {deepest_line(text, quotes=chr(34) + chr(39))})") from None
    except ValueError:
        raise TomlTextError(_long_number(text)) from None


_INT64 = (-(1 << 63), (1 << 63) - 1)


def out_of_range(doc: Any) -> tuple[str, int] | None:
    """(dotted key, value) of the first integer of a parsed TOML document outside 64 bits, or None."""
    stack: list[tuple[str, Any]] = [("", doc)]
    while stack:
        at, v = stack.pop()
        if isinstance(v, bool):
            continue
        if isinstance(v, int) and not _INT64[0] <= v <= _INT64[1]:
            return at or "value", v
        if isinstance(v, dict):
            stack.extend((f"{at}.{k}" if at else str(k), x) for k, x in reversed(list(v.items())))
        elif isinstance(v, list):
            stack.extend((f"{at}[{i}]", x) for i, x in reversed(list(enumerate(v))))
    return None


def _literal_line(text: str, digits: str) -> int | None:
    """The line where an integer's decimal digits are written (as read: no underscores, no 0x), or None."""
    m = re.search(rf"(?<![0-9_]){re.escape(digits.lstrip('-'))}(?![0-9_])", text)
    return text.count("\n", 0, m.start()) + 1 if m else None


def _long_number(text: str) -> str:
    """Which number tomllib could not turn into an int: 'a number of N digits … (at line L, column C)'."""
    limit = getattr(sys, "get_int_max_str_digits", lambda: 0)()  # 0: no limit (Python before 3.10.7)
    m = re.search(r"[0-9][0-9_]{%d,}" % limit, text) if limit else None
    if m is None:
        return "a number too long to read"
    start = text.rfind("\n", 0, m.start()) + 1
    return (f"a number of {len(m.group().replace('_', ''))} digits (at most {limit} are read) "
            f"(at line {text.count(chr(10), 0, m.start()) + 1}, column {m.start() - start + 1})")


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


# A TOML key as written: bare words and quoted ones (`"model"`, `'model'`), dotted (`generate.model`, blanks around
# the dots allowed); a table header is one in brackets.
_BARE = r"[A-Za-z0-9_-]+"
_SIMPLE = rf"(?:{_BARE}|\"(?:[^\"\\\n]|\\.)*\"|'[^'\n]*')"
_DOTTED = rf"{_SIMPLE}(?:[ \t]*\.[ \t]*{_SIMPLE})*"
_KEY = re.compile(rf"[ \t]*({_DOTTED})[ \t]*=[ \t]*")
_BLANKS = re.compile(r"[ \t]*")
_HEADER = re.compile(rf"[ \t]*(\[\[?)[ \t]*({_DOTTED})[ \t]*\]\]?[ \t]*(#.*)?$")


def _key_path(written: str) -> tuple[str, ...] | None:
    """The names a key written so stands for (`"model"` and `'model'` are `model`; `a . "b"` is a, b), or None."""
    if re.fullmatch(rf"{_BARE}(?:[ \t]*\.[ \t]*{_BARE})*", written):
        return tuple(part.strip(" \t") for part in written.split("."))
    try:  # a quoted part (escapes and all): the parser's own reading
        doc: Any = tomllib.loads(f"{written} = 0")
    except (tomllib.TOMLDecodeError, ValueError, RecursionError):
        return None
    path: list[str] = []
    while isinstance(doc, dict) and len(doc) == 1:
        name, doc = next(iter(doc.items()))
        path.append(name)
    return tuple(path)


def _reads(text: str) -> bool:
    """Whether the TOML reader takes `text` (loads' every way of refusing one, as False)."""
    try:
        tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError, RecursionError):
        return False
    return True


def _places(text: str) -> Any:
    """(line, full key path, offset where its value begins) of each key of a TOML text, and (line, table path, None)
    of each table header, in order: a key's path includes its table's (`[generate]` + `"model" = …` is generate,
    model). The lines of a multi-line value are its own, never read as keys."""
    table: tuple[str, ...] = ()
    lines = text.split("\n")  # TOML's lines: a form feed or U+2028 in a comment or string ends none
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    n = 0
    while n < len(lines):
        line = lines[n].rstrip("\r")
        head = _HEADER.match(line)
        if head:
            table = _key_path(head.group(2)) or ("[",)  # `[[x]]` too: x's line for an error
            yield n + 1, table, None
            n += 1
            continue
        key = _KEY.match(line)
        path = _key_path(key.group(1)) if key else None
        if key is None or path is None:
            n += 1
            continue
        start = offsets[n] + key.end()
        yield n + 1, table + path, start
        end = value_end(text, start)
        n = n + 1 if end is None else max(n + 1, bisect.bisect_right(offsets, end))


def key_place(text: str, section: str | None, key: str) -> tuple[int, int | None] | None:
    """(line, offset where the value begins) of `key = …` inside `[section]` of a TOML text (1-based; section
    None: a top-level key), the key bare or quoted (`"key" = …`, `'key' = …`), or a dotted one naming the same
    (`section.key = …` above every header); (line, None) for a `[section.key]` sub-table's header; or None."""
    want = (key,) if section is None else (*section.split("."), key)
    for n, path, start in _places(text):
        if path == want:
            return n, start
    return None


def key_line(text: str, section: str | None, key: str) -> int | None:
    """The line of `key = …` inside `[section]` of a TOML text (1-based; section None: a top-level key), or of a
    `[section.key]` sub-table's header, or inside `section = { … }`, or None (quoted and dotted keys too)."""
    at = key_place(text, section, key)
    if at is None and section is not None:
        inline = inline_table(text, section)
        starts = [start for path, start, _ in inline[3] if path == (key,)] if inline else []
        return text.count("\n", 0, starts[0]) + 1 if starts else None
    return None if at is None else at[0]


def inline_table(text: str, name: str) -> tuple[int, int, int, list[tuple[tuple[str, ...], int, int]]] | None:
    """Table `name` written as an inline table (`name = { k = 1, "j" = 2 }`): (its line, the offsets of its `{`
    and of its `}`, (key path, offset where the value begins, where it ends) of each member), or None: no such
    table, or one TOML does not read (a newline or a comment between its members, a trailing comma: TOML 1.0
    forbids them; a value inside may span lines)."""
    want = tuple(name.split("."))
    for n, path, start in _places(text):
        if path != want or start is None or not text.startswith("{", start):
            continue
        members: list[tuple[tuple[str, ...], int, int]] = []
        i = start + 1
        while True:
            i = _BLANKS.match(text, i).end()
            if text.startswith("}", i) and not members:  # `{}`, `{ }`
                return n, start, i, members
            key = _KEY.match(text, i)
            got = _key_path(key.group(1)) if key else None
            end = value_end(text, key.end(), inline=True) if key and got else None
            if key is None or got is None or end is None or end == key.end():  # `{ k = }`: no value
                return None
            members.append((got, key.end(), end))
            i = _BLANKS.match(text, end).end()
            if text.startswith("}", i):  # the scan finds the members; the parser says each value is one
                return (n, start, i, members) if _reads(f"v = {text[start:i + 1]}") else None
            if not text.startswith(",", i):
                return None
            i += 1
    return None


def table_places(text: str, name: str) -> tuple[int | None, int | None]:
    """Where table `name` is declared: (line of its `[name]` header, however quoted, or None; the last line of
    the last top-level dotted key that declares it, `name.key = …`, or None)."""
    want = tuple(name.split("."))
    header = dotted = None
    table_seen = False
    for n, path, start in _places(text):
        if start is None:
            table_seen = True
            if header is None and path == want:
                header = n
        elif not table_seen and path[:len(want)] == want and len(path) > len(want):
            end = value_end(text, start)
            dotted = n + (text.count("\n", start, end) if end is not None else 0)
    return header, dotted


def value_end(text: str, start: int, *, inline: bool = False) -> int | None:
    """Where the TOML value that begins at offset `start` ends (just after its last character), across the lines a
    multi-line string or array spans; None when it never ends (an unclosed string or bracket). What may follow it on
    its last line is whitespace and a comment: what an edit of the value keeps (config_edit.set_in_toml). `inline`:
    a member of an inline table, which ends at the `,` or `}` after it too."""
    depth, i, n = 0, start, len(text)
    while i < n:
        ch = text[i]
        if text.startswith(('"""', "'''"), i):  # a multi-line string: newlines and a lone `#` are its own
            i = _closing(text, i + 3, text[i:i + 3])
            if i is None:
                return None
            for _ in range(2):  # `"""a""""`: up to two quotes right before the closing three are the string's
                i += text[i:i + 1] == ch
            continue
        if ch in "\"'":
            i = _closing(text, i + 1, ch)
            if i is None:
                return None
            continue
        if ch == "#" and depth:  # a comment between an array's items: to the end of its line
            eol = text.find("\n", i)
            i = n if eol < 0 else eol
            continue
        if not depth and (ch in "#\n" or inline and ch in ",}"):
            break
        depth += 1 if ch in "[{" else -1 if ch in "]}" else 0
        i += 1
    if depth:
        return None
    while i > start and text[i - 1] in " \t":
        i -= 1
    return i


def _closing(text: str, i: int, quote: str) -> int | None:
    """The offset after the `quote` that closes a string whose body starts at `i` (a basic string's `\\"` is no
    close), or None: a one-line string that meets the end of its line, or any that meets the end of the text."""
    while True:
        k = text.find(quote, i)
        cut = text.find("\n", i) if len(quote) == 1 else -1
        if k < 0 or 0 <= cut < k:
            return None
        if quote[0] == '"':
            slashes = len(text[i:k]) - len(text[i:k].rstrip("\\"))
            if slashes % 2:  # escaped: the string goes on after it
                i = k + 1
                continue
        return k + len(quote)


def section_line(text: str, name: str) -> int | None:
    """The line where top-level `name` is declared (1-based): its `[name]` / `[name.…]` header, or a `name = …`
    key above every header (a key outside any section), or None; the names bare or quoted."""
    top = True
    for n, path, start in _places(text):
        top = top and start is not None
        if path[:1] == (name,) and (start is None or top):
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
