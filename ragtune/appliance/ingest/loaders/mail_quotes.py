"""A reply's quoted history read the way a person reads it (round 58): as an earlier message by someone else, not as the
sender's own statements. A reply quotes what it answers ("> " lines after "On <date>, <name> wrote:"; Outlook's
"-----Original Message-----" and its "From: … Sent: … To: … Subject:" block; a bare "<name> wrote:" inside a quote),
and read as prose its header lines are statements next to the quoted text: "From: Gordon Achebe" then "Who fitted
it?" answered "Who fitted the boiler?" with the asker's own name. Each quoted part is kept (in a single saved reply
the quote is often the only copy of the earlier message) but opened by one line naming its writer and date: "Quoted
from Gordon Achebe's message of Tuesday, 10 February 2026:", its "> " marks and header lines left out (an address in
angle brackets too: the name is what people ask for). Applied to a message's body text (plain, HTML or RTF: an HTML
blockquote has no marks left, but its "On … wrote:" line still opens it), never to the message's own header block.
Quoted text that repeats an earlier message in another file cannot be seen from one file: it stays, marked."""

from __future__ import annotations

import re

# "> " marks (one level); a quote may nest ("> > "), each level read in turn
_QUOTED = re.compile(r"^[ \t]?>[ \t]?")
# Outlook's separators (English and the common localised ones), and Gmail's forward line
_ORIGINAL = re.compile(r"^\s*-{2,}\s*(?:original message|ursprüngliche nachricht|message d'origine|mensaje original|"
                       r"messaggio originale|oorspronkelijk bericht)\s*-{2,}\s*$", re.IGNORECASE)
_FORWARD = re.compile(r"^\s*-{2,}\s*(?:forwarded message|begin forwarded message|weitergeleitete nachricht)\s*-*:?\s*$",
                      re.IGNORECASE)
# A quoted message's header lines: "From:" then "Sent:"/"Date:" (then To, Cc, Subject) opens one
_FIELD = re.compile(r"^\s*\*?(from|sent|date|to|cc|subject)\*?:\s*(.*?)\s*$", re.IGNORECASE)
# "On Tue, 10 Feb 2026 at 09:12, Gordon Achebe <g@example.org> wrote:" (the name after the date's last comma)
_ON_WROTE = re.compile(r"^\s*On\s+(?P<date>.+),\s*(?P<who>[^,]+?)\s+wrote\s*:\s*$", re.IGNORECASE)
# "Priya wrote:", "Gordon Achebe <g@example.org> wrote:": a writer of at most 6 words (not a sentence ending so)
_WROTE = re.compile(r"^\s*(?P<who>[^\s.!?:;>][^.!?:;>]{0,80}?)\s+wrote\s*:\s*$", re.IGNORECASE)
# Quotes inside quotes read at most so deep (a chain of 30 replies each quoting the last); deeper text stays as written
_MAX_DEPTH = 24
_LINE = 400  # longer lines are no header or attribution line (and never meet a backtracking regex)
_ADDRESS = re.compile(r"\s*(?:<\s*[^<>\s]*@[^<>\s]*\s*>|\[mailto:[^\]\s]*\])")  # (a wrapped line splits one)


def _who(raw: str) -> str:
    """A writer's name without its address ("Gordon Achebe <g@x>" -> "Gordon Achebe"; an address alone stays)."""
    name = _ADDRESS.sub("", raw).strip().strip("\"'").strip()
    return name or raw.strip().strip("<>")


def _opening(who: str, date: str, forwarded: bool = False) -> str:
    what = "Forwarded" if forwarded else "Quoted"
    whose = f"{who}'s message" if who else "an earlier message"
    return f"{what} from {whose}" + (f" of {date}" if date else "") + ":"


def _fields(lines: list[str], i: int) -> tuple[dict[str, str], int] | None:
    """The header lines of a quoted message at lines[i] ("From:" then "Sent:" or "Date:", in any order after it),
    and the index after them; None when lines[i] does not open such a block."""
    found: dict[str, str] = {}
    j = i
    while j < len(lines) and len(lines[j]) <= _LINE and (m := _FIELD.match(lines[j])) is not None \
            and m.group(1).lower() not in found:
        found[m.group(1).lower()] = m.group(2)
        j += 1
    if "from" not in found or not ("sent" in found or "date" in found):
        return None
    return found, j


def _attribution(lines: list[str], i: int) -> tuple[str, str, int] | None:
    """An "On <date>, <name> wrote:" line at lines[i] (or wrapped over it and the next), as (who, date, lines
    used); None when there is none."""
    for n in (1, 2):
        if i + n > len(lines) or "wrote" not in lines[i + n - 1].lower():
            continue
        line = " ".join(s.strip() for s in lines[i:i + n])
        m = _ON_WROTE.match(line) if len(line) <= _LINE else None
        if m is not None:
            return _who(m.group("who")), m.group("date").strip(), n
    return None


def _run_end(lines: list[str], i: int) -> int:
    """The index after the "> " lines from lines[i] (blank lines between them are theirs)."""
    j = i
    while j < len(lines) and (_QUOTED.match(lines[j]) or (not lines[j].strip() and j + 1 < len(lines)
                                                          and _QUOTED.match(lines[j + 1]))):
        j += 1
    return j


def read_quotes(text: str, inside: bool = False, depth: int = 0) -> str:
    """`text` (a message's body) with each quoted part opened by the line naming its writer (module docstring).
    `inside`: the text is itself quoted, where a bare "<name> wrote:" opens the rest."""
    if depth > _MAX_DEPTH:
        return text
    lines = text.split("\n")
    out: list[str] = []
    last = ("", "")  # the writer of the quote before: an interleaved reply's later "> " runs quote the same message
    i = 0
    while i < len(lines):
        line = lines[i]
        if _QUOTED.match(line):
            j = _run_end(lines, i)
            inner = [_QUOTED.sub("", s, count=1) for s in lines[i:j]]
            out.append(_quote(inner, *last, depth))
            out.extend([""] if j < len(lines) and lines[j].strip() else [])  # the reply below is not the quote's
            i = j
            continue
        att = _attribution(lines, i)
        plain = None if att is not None or not inside or len(line) > _LINE else _WROTE.match(line)
        if att is not None or plain is not None:
            who, date, n = att if att is not None else (_who(plain.group("who")), "", 1)
            last = (who, date)
            k = i + n  # (indices, not slices: a reply of 20,000 attributions must not copy its lines each time)
            while k < len(lines) and not lines[k].strip():
                k += 1
            if k < len(lines) and _QUOTED.match(lines[k]):  # the "> " lines it opens (what follows is read on)
                j = _run_end(lines, k)
                out.append(_quote([_QUOTED.sub("", s, count=1) for s in lines[k:j]], who, date, depth))
                out.extend([""] if j < len(lines) and lines[j].strip() else [])
                i = j
                continue
            if plain is None or k < len(lines):  # an HTML blockquote's text (no marks left), or the rest of a quote
                out.append(_quote(lines[k:], who, date, depth))
                break
        if _ORIGINAL.match(line) or _FORWARD.match(line) or _fields(lines, i) is not None:
            forwarded = _FORWARD.match(line) is not None
            k = i + 1 if (_ORIGINAL.match(line) or forwarded) else i
            while k < len(lines) and not lines[k].strip():
                k += 1
            got = _fields(lines, k)
            fields, k = got if got is not None else ({}, k)
            out.append(_quote(lines[k:], _who(fields.get("from", "")), fields.get("sent") or fields.get("date", ""),
                              depth, forwarded))
            break
        out.append(line)
        i += 1
    return "\n".join(out)


def _quote(inner: list[str], who: str, date: str, depth: int, forwarded: bool = False) -> str:
    """A quoted part: its header block (if it opens with one) read for the writer, the opening line, its text."""
    k = 0
    while k < len(inner) and not inner[k].strip():
        k += 1
    got = _fields(inner, k)
    att = _attribution(inner, k) if got is None and not who else None
    if got is not None:
        fields, k = got
        who = who or _who(fields["from"])
        date = date or fields.get("sent") or fields.get("date", "")
    elif att is not None:  # "> On <date>, <name> wrote:" opening the quote itself (a quote inside a quote)
        who, date, n = att
        k += n
    body = read_quotes("\n".join(inner[k:]), True, depth + 1).strip("\n")
    return _opening(who, date, forwarded) + ("\n" + body if body else "")


__all__ = ["read_quotes"]
