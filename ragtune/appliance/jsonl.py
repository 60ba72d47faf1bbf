"""Reading JSONL with errors a person can act on: `file:line: …` with the real line and column.

The file is read as bytes and split on newlines *before* decoding, so a non-UTF-8 byte on line N is reported on
line N (a text-mode reader decodes whole buffers and fails on an earlier line number), with the byte's column.
A line cut short (a truncated write) is reported as such, at the column where it ends."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any, Iterator

from .errors import InputError, RagtuneError, located, read_capped, unreadable


def json_key_line(text: str | None, *path: str) -> int | None:
    """The line of a key in a JSON text (1-based; nested keys are looked up after their parent's line), or None.
    Exact for files written with indent (every key on its own line, as atomic_write_json writes them)."""
    if not text:
        return None
    lines = text.splitlines()
    start, found = 0, None
    for key in path:
        pat = re.compile(r'"' + re.escape(key) + r'"\s*:')
        found = next((i for i in range(start, len(lines)) if pat.search(lines[i])), None)
        if found is None:
            return None
        start = found + 1
    return None if found is None else found + 1


def long_number(text: str) -> tuple[int | None, str]:
    """(line, " at column C: a number of N digits …") of the number json.loads could not read in `text`, for a
    message "invalid JSON{that}": Python turns no more than sys.get_int_max_str_digits() digits into an integer, and
    its ValueError (not a JSONDecodeError) has no position."""
    m, limit = _long_number(text)
    if m is None:
        return None, ": a number too long to read"
    line_start = text.rfind("\n", 0, m.start()) + 1
    return (text.count("\n", 0, m.start()) + 1, f" at column {m.start() - line_start + 1}: a number of "
            f"{len(m.group().lstrip('-'))} digits (at most {limit} are read)")


def _long_number(text: str) -> tuple[re.Match[str] | None, int]:
    """(the first number past Python's int-from-text limit in `text`, or None; the limit)."""
    limit = getattr(sys, "get_int_max_str_digits", lambda: 0)()  # 0: no limit (Python before 3.10.7)
    return (re.search(r"-?\d{%d,}" % (limit + 1), text) if limit else None), limit


def deepest_line(text: str, quotes: str = '"') -> int:
    """The line where brackets and braces nest deepest in a JSON text (a TOML one: both quote characters), strings
    skipped: where a value nested past the parser's recursion limit is."""
    depth = best = 0
    line = best_line = 1
    quote, escape = "", False
    for ch in text:
        if ch == "\n":
            line += 1
        if quote:
            if escape:
                escape = False
            elif ch == "\\" and quote == '"':
                escape = True
            elif ch == quote:
                quote = ""
        elif ch in quotes:
            quote = ch
        elif ch in "[{":
            depth += 1
            if depth > best:
                best, best_line = depth, line
        elif ch in "]}":
            depth -= 1
    return best_line


def loads_located(text: str | bytes, where: Path | str | None, what: str = "invalid JSON", *,
                  error: type[RagtuneError] = InputError, hint: str | None = None, record: bool = False) -> Any:
    """json.loads of a text from outside the product (a file, a server's reply, a person's argument), or `error`
    (with `hint`) in words a person can act on: "WHERE:LINE: WHAT at column C: REASON". The one place that knows
    json.loads's three failures: a JSONDecodeError (its message, without the trailing "at"), a RecursionError
    ([[[[… nested past the recursion limit: "nested too deeply", at the deepest line) and a plain ValueError with
    Python's advice to call sys.set_int_max_str_digits (a number of more than 4,300 digits: "a number of N digits (at
    most 4300 are read)", at its line and column). Bytes are decoded as UTF-8 (a bad byte: its line and column);
    a leading byte-order mark is no error.

    `what`: the words before the position ("invalid manifest JSON", "unreadable rollout state: invalid JSON").
    `where` names a file (the damage's line is added) or, with `record`, one line of input (a JSONL row's
    `file:line`, a stream's data line, a command-line argument): no line is added, and a value cut short is said
    as such ("truncated JSON: the line ends at column E before the value is closed"). `where` None: no prefix (a
    model's answer), the line given in the position when the text has several."""
    def fail(line: int | None, why: str) -> RagtuneError:
        if where is None:
            return error(why, hint=hint)
        return error(f"{where if record else located(where, line)}: {why}", hint=hint)

    def at(source: str | bytes, i: int) -> tuple[int, str]:
        """(line, "column C" or, where no prefix names the line, "line L, column C") of offset i."""
        nl = "\n" if isinstance(source, str) else b"\n"
        line, col = source.count(nl, 0, i) + 1, i - source.rfind(nl, 0, i)
        return line, (f"line {line}, column {col}" if (record or where is None) and nl in source else f"column {col}")

    if isinstance(text, (bytes, bytearray)):
        raw = bytes(text)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line, pos = at(raw, exc.start)
            raise fail(line, f"not UTF-8 text: byte 0x{raw[exc.start]:02x} at {pos}") from None
    text = text.removeprefix("\ufeff")  # a byte-order mark (editors on Windows) is not an error
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        msg = exc.msg.removesuffix(" at")  # "Unterminated string starting at": the position says where
        end = len(text.rstrip())
        if record and (exc.pos >= end or msg.startswith("Unterminated string")):  # a write or a stream cut short
            ends = ("the text ends at " if "\n" in text else "the line ends at ") + at(text, end)[1]
            raise fail(None, f"truncated JSON: {ends} before the value is closed ({msg} at {at(text, exc.pos)[1]})"
                       ) from None
        line, pos = at(text, exc.pos)
        raise fail(line, f"{what} at {pos}: {msg}{syntax_hint(text, exc.pos, msg)}") from None
    except RecursionError:  # nested thousands deep: json gives up with Python's recursion limit
        # the deepest line, where there is more than one (on a one-line text the line says nothing)
        raise fail(deepest_line(text) if "\n" in text else None, f"{what}: nested too deeply") from None
    except ValueError:  # a number of thousands of digits: int()'s refusal, with advice meant for programmers
        m, limit = _long_number(text)
        if m is None:
            raise fail(None, f"{what}: a number too long to read") from None
        line, pos = at(text, m.start())
        raise fail(line, f"{what} at {pos}: a number of {len(m.group().lstrip('-'))} digits (at most {limit} are "
                         f"read)") from None


_PY_CONSTANT = re.compile(r"(True|False|None)(?![A-Za-z0-9_])")
_JSON_OF = {"True": "true", "False": "false", "None": "null"}


# How far into a text the trailing-comma hint looks (`_open_bracket` reads every character before the error in
# Python, ~180 ms a MB: 13 s for a 64 MiB request body, on serve's event loop). Text written by hand is shorter.
HINT_SCAN_CHARS = 64 * 1024


def syntax_hint(text: str, pos: int, msg: str) -> str:
    """" (…?)" after a JSONDecodeError's message where the cause is surely one of the slips of a person writing JSON
    by hand or of a Python dict printed as JSON, else "": a comma before the closing `}`/`]` (JavaScript and
    Python allow it, JSON does not; looked for in the first HINT_SCAN_CHARS only), a single-quoted key or string,
    Python's True/False/None. `pos`: the error's offset in `text`."""
    if msg not in ("Expecting property name enclosed in double quotes", "Expecting value") or pos >= len(text):
        return ""
    ch = text[pos]
    if ch in "}]" and pos <= HINT_SCAN_CHARS and text[:pos].rstrip().endswith(",") \
            and _open_bracket(text, pos) == "{["["}]".index(ch)]:
        return f" (a trailing comma before '{ch}'? JSON allows none: remove it)"
    if ch == "'":
        return " (single quotes? JSON needs double quotes around keys and strings)"
    m = _PY_CONSTANT.match(text, pos) if msg == "Expecting value" else None
    if m:
        return f" (Python's {m.group(1)}? JSON writes {_JSON_OF[m.group(1)]})"
    return ""


def _open_bracket(text: str, end: int) -> str:
    """The innermost bracket still open at offset `end` ("" if none), strings skipped: a `,}` closes its object
    (`[1,}` is an unclosed list, not a trailing comma)."""
    stack: list[str] = []
    quoted = escape = False
    for ch in text[:end]:
        if quoted:
            escape, quoted = (False, True) if escape else (ch == "\\", ch != '"')
        elif ch == '"':
            quoted = True
        elif ch in "[{":
            stack.append(ch)
        elif ch in "]}" and stack:
            stack.pop()
    return stack[-1] if stack else ""


def parse_line(raw: bytes, where: str) -> Any:
    """One JSONL line (bytes, without its newline) → the parsed value, or an InputError naming `where`."""
    return loads_located(raw, where, record=True)


# A "\\uD800".."\\uDFFF" escape (a lone surrogate, or half of a pair): only a text holding one can parse to a
# string that is not valid Unicode (UTF-8 bytes cannot encode a surrogate), so only such a text is walked.
MAY_HOLD_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")
MAY_HOLD_SURROGATE_BYTES = re.compile(rb"\\u[dD][89a-fA-F]")


def surrogate_field(obj: Any) -> tuple[str, str] | None:
    """(which string, escape) for the first string in a parsed JSON value that holds a lone surrogate ("\\udce9" is
    valid JSON syntax but not text), or None. Which: "field 'metadata.answers[0]'", "a key in 'metadata'", "a key",
    or "the value" itself; control characters escaped, long names cut. Iterative: a value can be nested as deep as
    json.loads allows."""
    from .normalize import lone_surrogate  # here: config loading imports this module at every start-up

    stack: list[tuple[Any, str]] = [(obj, "")]
    while stack:
        o, at = stack.pop()
        if isinstance(o, str):
            esc = lone_surrogate(o)
            if esc is not None:
                return (f"field '{_named(at)}'" if at else "the value"), esc
        elif isinstance(o, dict):
            for k in o:
                esc = lone_surrogate(k)
                if esc is not None:
                    return (f"a key in '{_named(at)}'" if at else "a key"), esc
            stack.extend((v, f"{at}.{k}" if at else k) for k, v in reversed(o.items()))  # first in the file first
        elif isinstance(o, list):
            stack.extend((v, f"{at}[{i}]") for i, v in reversed(list(enumerate(o))))
    return None


def _named(path: str, n: int = 120) -> str:
    from .text import escaped

    path = escaped(path)
    return path if len(path) <= n else path[:n] + "…"


def check_json_unicode(obj: Any, where: str) -> Any:
    """`obj` (a parsed JSON value) when every string in it is valid Unicode, else an InputError "WHERE: field 'F' is
    not valid Unicode (a lone surrogate \\udce9)": such text cannot be stored (SQLite), written or printed."""
    found = surrogate_field(obj)
    if found is not None:
        raise InputError(f"{where}: {found[0]} is not valid Unicode (a lone surrogate {found[1]})")
    return obj


_ESCAPE = re.compile(r"(\\+)u([dD][89a-fA-F][0-9a-fA-F]{2})")


def surrogate_line(text: str) -> int | None:
    """The line of the first lone-surrogate escape in a JSON text (a high half not followed by a low one, or a low
    half alone), or None: where a whole-file reader's error points."""
    pending = None  # where a high half ends, while its low half is awaited
    for m in _ESCAPE.finditer(text):
        if len(m.group(1)) % 2 == 0:  # an escaped backslash, then plain "udce9"
            continue
        low = int(m.group(2), 16) >= 0xDC00
        if pending is not None:
            if low and m.start() == pending and len(m.group(1)) == 1:
                pending = None  # a pair: one character
                continue
            break
        if low:
            return text.count("\n", 0, m.start()) + 1
        pending = m.end()
    return None if pending is None else text.count("\n", 0, pending) + 1


def expect_object(obj: Any, where: str) -> dict[str, Any]:
    """`obj` when it is a JSON object (a dict), else an InputError naming `where` and what it is instead: the one
    check every reader of JSON objects and JSONL rows makes."""
    if not isinstance(obj, dict):
        raise InputError(f"{where}: expected a JSON object, got {type(obj).__name__}")
    return obj


MAX_OBJECT_BYTES = 64 << 20  # configs, manifests and reports: the largest eval report is a few MB


def read_json_object(path: Path | str) -> dict[str, Any]:
    """A JSON file that must hold one object (a config, a manifest, a report) → the dict, or an InputError naming
    the file, and the line where the JSON breaks."""
    return read_json_object_text(path)[0]


def read_json_object_text(path: Path | str) -> tuple[dict[str, Any], str]:
    """`read_json_object` and the file's text, read once (for errors that name a key's line: json_key_line)."""
    path = Path(path)
    try:
        text = read_capped(path, MAX_OBJECT_BYTES).decode("utf-8").removeprefix("\ufeff")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(unreadable(path, exc)) from None
    return expect_object(loads_located(text, path), located(path)), text


def check_file_unicode(obj: Any, text: str, path: Path | str) -> Any:
    """`check_json_unicode` of a JSON file's value (`read_json_object_text`), the error naming the escape's line. For
    files a person hands in (the product's own files may hold such escapes: written with ensure_ascii, read back)."""
    if MAY_HOLD_SURROGATE.search(text):
        check_json_unicode(obj, located(path, surrogate_line(text)))
    return obj


def check_line_unicode(obj: Any, raw: bytes, where: str) -> Any:
    """`check_json_unicode` of one JSONL line's value: a lone surrogate can only come from a "\\uD8xx" escape
    (parse_line refuses bad bytes), so the walk of every string runs only for a line whose bytes hold one."""
    if MAY_HOLD_SURROGATE_BYTES.search(raw):
        check_json_unicode(obj, where)
    return obj


def iter_jsonl(path: Path | str) -> Iterator[tuple[str, int, Any]]:
    """(`file:line`, line number, parsed object) for every non-blank line of a JSONL file; a string that is not
    valid Unicode (a "\\udce9" escape) is an InputError naming its line and field.

    Read one line at a time (the file's own line iterator splits on b"\\n" only, as the whole-file split did; each
    line is decoded alone, so a bad byte is named by its line): memory holds one line, not the file's bytes and
    their lines (round 51, a 300 MB eval set: peak RSS 657 MB before, 12 MB after; the same CPU time)."""
    path = Path(path)
    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise InputError(unreadable(path, exc)) from None
    with fh:
        try:
            for n, line in enumerate(fh, start=1):
                if n == 1:  # a byte-order mark (Windows editors, spreadsheet exports) is no content
                    line = line.removeprefix(b"\xef\xbb\xbf")
                if not line or line.isspace():  # isspace: strip()'s ASCII white space, without a copy
                    continue
                where = located(path, n)
                line = line.removesuffix(b"\n")
                yield where, n, check_line_unicode(parse_line(line.rstrip(b"\r"), where), line, where)
        except OSError as exc:  # a read error part-way (EIO on a failing disk): worded as at open
            raise InputError(unreadable(path, exc)) from None
