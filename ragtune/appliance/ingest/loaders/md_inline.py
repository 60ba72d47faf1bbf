"""Markdown's inline marks left out of the stored text (round 59): `**bold**`, `__bold__`, `*italic*`, `_italic_`
and `` `code` `` are read as a rendered page shows them. Kept as written they split and glue answers: a value in bold
came back as `4719#**; the alarm code is…` (the span ran on past the closing mark) and a phrase in bold was cut off
at its `**`.

A `*` or `_` is a mark only where CommonMark makes it one (a delimiter run that opens or closes, paired with one of
the same character in the same paragraph; an `_` never inside a word); what no mark pairs stays as written: "5 * 3",
"file_name_v2", "snake_case", "*nix", a footnote's "£20*", a bullet "* item". Beyond CommonMark, a `*` between two
word characters, one a digit, is arithmetic ("2*3*4", "x**2"), and every `_` of a word that is a name (an `_`
inside it, or next to a `.` or `/` inside it: "my_notes_", "__init__.py") is the name's. Code spans, backslash escapes (`\\*` is a star), URLs, e-mail addresses and a link's
target are content: nothing in them is a mark. Block structure stays: headings, list markers, quotes and tables are
the chunker's (a table's cells are read one by one, a mark never pairs across a `|`), fenced code is not passed here,
and an indented code block and thematic breaks (`***`, `___`) are left as written.

A line that opened with `**` inside a paragraph was a block of its own for the span check (injection._OPENS: a bold
label line, "**Phone:** 0113 …"); with the marks gone it gets a blank line before it, so it still is one."""

from __future__ import annotations

import re
import unicodedata

_LINE_PREFIX = re.compile(r"[ \t]*(?:>[ \t]?)*[ \t]*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+(?:\[[ xX]\][ \t]+)?|#{1,6}(?:[ \t]+|$))?")
_BLOCK_MARK = re.compile(r"[ \t]*(?:>|(?:[-*+]|\d{1,9}[.)])[ \t]|#{1,6}(?:[ \t]|$))")
_BREAK = re.compile(r" {0,3}([-*_=])(?:[ \t]*\1){2,}[ \t]*")  # a thematic break or a setext underline
_CODE_INDENT = re.compile(r"(?: {4}|\t)")
_BOLD_OPENS = re.compile(r" {0,3}\*\*")  # injection._OPENS' bold line
# content whose `*` and `_` are never marks: an autolink, a URL, an e-mail address, a link's or image's target
# (each starts only where a word does: no rescan of a long word from each of its letters)
_LITERAL = re.compile(r"<[a-zA-Z][\w+.-]*:[^\s<>]*>|(?<![\w.+-])(?:(?:https?|ftp)://[^\s<>()\[\]]+"
                      r"|www\.[^\s<>()\[\]]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+)|\]\([^()\s]*\)")
_ESCAPABLE = "*_`"


def strip_inline(text: str) -> str:
    """`text` (Markdown outside fenced code) with its emphasis and code-span marks left out."""
    if not any(c in text for c in "*_`"):
        return text
    lines = text.split("\n")
    out: list[str] = []
    run: list[tuple[str, str]] = []  # (prefix, content) of the paragraph being read
    code = False  # inside an indented code block
    prev_blank = True

    def flush() -> None:
        if run:
            out.extend(_paragraph(run))
            run.clear()

    for line in lines:
        blank = not line.strip()
        if blank:
            flush()
            out.append(line)
            prev_blank, code = True, False
            continue
        if code or (prev_blank and not run and _CODE_INDENT.match(line)):
            code = True
            out.append(line)  # an indented code block: code, as written
            prev_blank = False
            continue
        prev_blank = False
        if _BREAK.fullmatch(line):
            flush()
            out.append(line)
            continue
        prefix = _LINE_PREFIX.match(line).group(0)
        content = line[len(prefix):]
        if "|" in content:  # a table row: each cell on its own
            flush()
            out.append(prefix + "|".join(_inline(cell) for cell in content.split("|")))
            continue
        if _BLOCK_MARK.match(line) and run:
            flush()  # a list item, quote or heading starts a block of its own
        run.append((prefix, content))
        if prefix.lstrip().startswith("#"):
            flush()  # a heading is one line
    flush()
    return "\n".join(out)


def _paragraph(run: list[tuple[str, str]]) -> list[str]:
    joined = _inline("\n".join(content for _, content in run)).split("\n")
    lines: list[str] = []
    for k, ((prefix, content), new) in enumerate(zip(run, joined)):
        line = prefix + new
        if k and not prefix.strip() and _BOLD_OPENS.match(prefix + content) and not _BOLD_OPENS.match(line):
            lines.append("")  # a bold line inside a paragraph stays a block of its own (module doc)
        lines.append(line)
    return lines


def _kind(c: str) -> str:
    """"s" whitespace (or the edge), "p" punctuation or symbol, "w" anything else (CommonMark's classes)."""
    if not c or c.isspace():
        return "s"
    return "p" if unicodedata.category(c)[0] in "PS" else "w"


def _inline(s: str) -> str:
    if not any(c in s for c in "*_`"):
        return s
    chars: list[str] = []
    free: list[bool] = []  # may be a mark
    literal = {m.start(): m.end() for m in _LITERAL.finditer(s)}
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        if c == "\\" and i + 1 < n and (s[i + 1] in _ESCAPABLE or s[i + 1] == "\\"):
            keep = s[i:i + 2] if s[i + 1] == "\\" else s[i + 1]  # `\\` stays as written; `\*` is a star
            chars.extend(keep)
            free.extend([False] * len(keep))
            i += 2
            continue
        if c == "`":
            j = i
            while j < n and s[j] == "`":
                j += 1
            ticks = j - i
            end = _closing_ticks(s, j, ticks)
            if end is None:
                chars.extend(s[i:j])
                free.extend([False] * ticks)
                i = j
                continue
            body = s[j:end]
            if len(body) > 2 and body[0] == " " and body[-1] == " " and body.strip():
                body = body[1:-1]
            chars.extend(body)
            free.extend([False] * len(body))
            i = end + ticks
            continue
        if i in literal:
            end = literal[i]
            chars.extend(s[i:end])
            free.extend([False] * (end - i))
            i = end
            continue
        chars.append(c)
        free.append(c in "*_")
        i += 1
    drop = _marks(chars, free)
    return "".join(c for k, c in enumerate(chars) if k not in drop)


def _closing_ticks(s: str, start: int, ticks: int) -> int | None:
    j = start
    while True:
        j = s.find("`" * ticks, j)
        if j < 0:
            return None
        k = j + ticks
        if (k >= len(s) or s[k] != "`") and s[j - 1] != "`":
            return j
        while j < len(s) and s[j] == "`":
            j += 1


_NAME = re.compile(r"[^\W_]_+[^\W_]|_[./][^\W_]|[^\W_][./]_")  # "my_notes", "__init__.py", "docs/_build"


def _name_underscores(chars: list[str]) -> set[int]:
    """The positions of the `_` in words that are names: a word (between spaces) with an `_` inside it or next to a
    `.` or `/` inside it ("my_notes_", "__init__.py", "_build_/html"). None of its `_` is a mark."""
    out: set[int] = set()
    for m in re.finditer(r"\S+", "".join(chars)):
        word = m.group(0)
        if "_" in word and _NAME.search(word):
            out.update(m.start() + i for i, c in enumerate(word) if c == "_")
    return out


def _marks(chars: list[str], free: list[bool]) -> set[int]:
    """The positions of the `*` and `_` that pair as emphasis (CommonMark's delimiter-run algorithm)."""
    runs: list[list] = []  # [char, positions left, can_open, can_close, original length]
    names = _name_underscores(chars) if "_" in chars else set()
    k, n = 0, len(chars)
    while k < n:
        if not free[k]:
            k += 1
            continue
        c, j = chars[k], k
        while j < n and free[j] and chars[j] == c:
            j += 1
        before = _kind(chars[k - 1]) if k else "s"
        after = _kind(chars[j]) if j < n else "s"
        left = after != "s" and (after != "p" or before in "sp")
        right = before != "s" and (before != "p" or after in "sp")
        if c == "_":
            opens, closes = left and (not right or before == "p"), right and (not left or after == "p")
            if k in names:
                opens = closes = False  # a name's: "my_notes_", "__init__.py"
        else:
            opens, closes = left, right
            if k and j < n and chars[k - 1].isalnum() and chars[j].isalnum() and (
                    chars[k - 1].isdigit() or chars[j].isdigit()):
                opens = closes = False  # "2*3*4", "x**2 + y**2": arithmetic
        if opens or closes:
            runs.append([c, list(range(k, j)), opens, closes, j - k])
        k = j
    drop: set[int] = set()
    # the runs as a linked list (prev/nxt by index): a pair unlinks the runs between it in one step
    prev = list(range(-1, len(runs) - 1))
    nxt = list(range(1, len(runs) + 1))
    bottom: dict[tuple, int] = {}  # per kind of closer, the run at or below which no opener is left to find
    c_i = 0
    while c_i < len(runs):
        closer = runs[c_i]
        if not closer[3]:
            c_i = nxt[c_i]
            continue
        key = (closer[0], closer[2], closer[4] % 3)
        o_i = prev[c_i]
        while o_i > bottom.get(key, -1):
            op = runs[o_i]
            if op[0] == closer[0] and op[2] and not (
                    (op[3] or closer[2]) and (op[4] + closer[4]) % 3 == 0 and (op[4] % 3 or closer[4] % 3)):
                break
            o_i = prev[o_i]
        else:
            bottom[key] = prev[c_i]
            c_i = nxt[c_i]
            continue
        op = runs[o_i]
        use = 2 if len(op[1]) >= 2 and len(closer[1]) >= 2 else 1
        drop.update(op[1][-use:])
        drop.update(closer[1][:use])
        del op[1][-use:]
        del closer[1][:use]
        nxt[o_i], prev[c_i] = c_i, o_i  # the delimiters between a pair are text: nothing pairs across it
        if not op[1]:
            if prev[o_i] >= 0:
                nxt[prev[o_i]] = c_i
            prev[c_i] = prev[o_i]
        if not closer[1]:
            if prev[c_i] >= 0:
                nxt[prev[c_i]] = nxt[c_i]
            if nxt[c_i] < len(runs):
                prev[nxt[c_i]] = prev[c_i]
            c_i = nxt[c_i]
    return drop
