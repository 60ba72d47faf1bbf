"""A reply's quoted history read the way a person reads it (round 58): as an earlier message by someone else, not as
the sender's own statements. A reply quotes what it answers ("> " lines after "On <date>, <name> wrote:" or its
German and French forms; Outlook's "-----Original Message-----" and its "From: … Sent: … To: … Subject:" block; a
bare "<name> wrote:"; an HTML <blockquote>, its lines marked by mail.py as "> " lines are), and read as prose its
header lines are statements next to the quoted text: "From: Gordon Achebe" then "Who fitted it?" answered "Who
fitted the boiler?" with the asker's own name. Each quoted part is kept (in a single saved reply the quote is often
the only copy of the earlier message) but opened by one line naming its writer and date, and the quoted subject and
recipients (a code may be only in a subject): "Quoted from Gordon Achebe's message of Tuesday, 10 February 2026
(subject: Boiler), to Priya:", its "> " marks and header lines left out (an address in angle brackets too: the name
is what people ask for). Applied to a message's body text, never to the message's own header block. A mail that
quotes no one loads as written (mend5): "> " lines with no writer named, ">2 kg", a header-looking journey or rota,
an "On …, X wrote:" with no quote after it. Quoted text that repeats an earlier message in another file cannot be
seen from one file: it stays, marked."""

from __future__ import annotations

import re

# "> " marks (one level); a quote may nest ("> > "), each level read in turn. A tab before ">" is a table's or a
# diagram's, not a mark; HTML_MARK is the mark mail.py puts on an HTML <blockquote>'s lines (never in written text)
HTML_MARK = "\ue002"
_QUOTED = re.compile(r"^(?: ?>[ \t]?|\ue002)")
# ">" then a number with no space between ('>2 kg: £4.50', '>=18'): "more than", never a mark, whoever wrote above
_MORE_THAN = re.compile(r"^ ?>=?\d")
# Outlook's separators (English and the common localised ones), and Gmail's forward line
_ORIGINAL = re.compile(r"^\s*-{2,}\s*(?:original message|ursprüngliche nachricht|message d'origine|mensaje original|"
                       r"messaggio originale|oorspronkelijk bericht)\s*-{2,}\s*$", re.IGNORECASE)
_FORWARD = re.compile(r"^\s*-{2,}\s*(?:forwarded message|begin forwarded message|weitergeleitete nachricht|"
                      r"message transféré)\s*-*:?\s*$", re.IGNORECASE)
# A quoted message's header lines (English, German, French Outlook): "From:" with "Sent:"/"Date:", then To, Cc,
# Subject. Possessive quantifiers: a line of spaces must not be split many ways (round 58 reader: 163 s for 1 MB)
_FIELD = re.compile(r"^\s*+\*?(from|von|de|sent|gesendet|envoyé|date|datum|to|an|à|cc|subject|betreff|objet)\*?"
                    r"[ \u00a0]?:\s*+(.*)$", re.IGNORECASE)
_FIELD_KEY = {"von": "from", "de": "from", "gesendet": "sent", "envoyé": "sent", "datum": "date", "an": "to",
              "à": "to", "betreff": "subject", "objet": "subject"}
# "On Tue, 10 Feb 2026 at 09:12, Gordon Achebe <g@example.org> wrote:" (the name after the date's last comma), and
# Gmail US's "On Tue, Feb 10, 2026 at 9:12 AM Gordon Achebe <g@x> wrote:" / "…, Achebe, Gordon <g@x> wrote:" (the
# date ends at its year and time); German "Am … schrieb X:", French "Le …, X a écrit :"
_NAME = r"(?P<who>[^,\s](?:[^,\s]|\s++(?!{end}))*+)"
_ON_WROTE_US = re.compile(r"^\s*On\s+(?P<date>.+?\d{4}(?:,?\s+(?:at\s+)?\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\.?)?)?),?\s+"
                          r"(?P<who>[^,\s\d](?:[^,\s]|\s++(?!wrote\s*:)|,(?=\s*+[^\s,]))*+)\s+wrote\s*:\s*$",
                          re.IGNORECASE)
_ON_WROTE = re.compile(r"^\s*On\s+(?P<date>.+),\s*+" + _NAME.format(end=r"wrote\s*:") + r"\s+wrote\s*:\s*$",
                       re.IGNORECASE)
_AM_SCHRIEB = re.compile(r"^\s*Am\s+(?P<date>\S(?:\S|\s++(?!schrieb\s))*+)\s+schrieb\s+"
                         r"(?P<who>[^\s:](?:[^\s:]|\s++(?!:))*+)\s*:\s*$", re.IGNORECASE)
_LE_ECRIT = re.compile(r"^\s*Le\s+(?P<date>.+),\s*+" + _NAME.format(end=r"a\s+écrit") + r"\s+a\s+écrit\s*:\s*$",
                       re.IGNORECASE)
_ATTRIBUTIONS = (("wrote", (_ON_WROTE_US, _ON_WROTE)), ("schrieb", (_AM_SCHRIEB,)), ("écrit", (_LE_ECRIT,)))
# "Priya wrote:", "Gordon Achebe <g@example.org> wrote:": a writer of at most 6 words (not a sentence ending so)
_WROTE = re.compile(r"^\s*(?P<who>[^\s.!?:;<>][^.!?:;<>]{0,80}?(?:\s*<[^<>\s]{1,100}>)?)\s+wrote\s*:\s*$",
                    re.IGNORECASE)
# Quotes inside quotes read at most so deep (a chain of 30 replies each quoting the last); deeper text stays as written
_MAX_DEPTH = 24
_LINE = 400  # longer lines are no header or attribution line (and never meet a backtracking regex)
_ADDRESS = re.compile(r"\s*(?:<\s*[^<>\s]*@[^<>\s]*\s*>|\[mailto:[^\]\s]*\])")  # (a wrapped line splits one)


def _who(raw: str) -> str:
    """A writer's name without its address ("Gordon Achebe <g@x>" -> "Gordon Achebe"; an address alone stays)."""
    name = _ADDRESS.sub("", raw).strip().strip("\"'").strip()
    return name or raw.strip().strip("<>")


def _opening(who: str, date: str, forwarded: bool = False, fields: dict[str, str] | None = None) -> str:
    """The line opening a quoted part; the quoted header's subject, To and Cc kept in it (text is never lost: a
    booking code may be only in a subject)."""
    what = "Forwarded" if forwarded else "Quoted"
    whose = f"{who}'s message" if who else "an earlier message"
    more = fields or {}
    tail = (f" (subject: {more['subject']})" if more.get("subject") else "") + \
        (f", to {more['to']}" if more.get("to") else "") + (f", cc {more['cc']}" if more.get("cc") else "")
    return f"{what} from {whose}" + (f" of {date}" if date else "") + tail + ":"


def _fields(lines: list[str], i: int) -> tuple[dict[str, str], int] | None:
    """The header lines of a quoted message at lines[i] ("From:" and "Sent:" or "Date:", in any order; a value
    wrapped onto indented lines joined), and the index after them; None when lines[i] does not open such a block."""
    found: dict[str, str] = {}
    j = i
    while j < len(lines) and len(lines[j]) <= _LINE and (m := _FIELD.match(lines[j])) is not None \
            and (key := _FIELD_KEY.get(m.group(1).lower(), m.group(1).lower())) not in found:
        value = m.group(2).strip()
        j += 1
        while j < len(lines) and lines[j][:1] in (" ", "\t") and lines[j].strip() and len(lines[j]) <= _LINE \
                and not _FIELD.match(lines[j]):
            value += " " + lines[j].strip()  # Outlook wraps a long To: onto an indented line
            j += 1
        found[key] = value
    if not found.get("from") or not ("sent" in found or "date" in found):
        return None
    return found, j


_CLOCK = re.compile(r"\d{1,2}[:.]\d{2}")


def _bare_fields(lines: list[str], i: int) -> bool:
    """Whether a header block with no separator above opens a quoted message at lines[i]: it starts a paragraph
    with a From line naming someone, has Sent (Outlook) or Date and Subject, and its date has a digit. A mail's own
    lines look so too: a journey ("From: London / To: York"), a rota ("From: 9 am"), a memo's "To:" block, a
    memo's "From: Finance Office / Date: 2 March 2026 / Subject:" (a mail's Date has an address or a time)."""
    got = _fields(lines, i)
    if got is None or (i > 0 and lines[i - 1].strip()):
        return False
    found, _ = got
    first = _FIELD.match(lines[i])
    date = found.get("sent") or found.get("date", "")
    return first is not None and _FIELD_KEY.get(first.group(1).lower(), first.group(1).lower()) == "from" and \
        any(c.isdigit() for c in date) and ("sent" in found or "subject" in found and (
            "@" in found["from"] or _CLOCK.search(date) is not None))  # (Outlook for Mac: Date, no separator)


def _attribution(lines: list[str], i: int) -> tuple[str, str, int] | None:
    """An "On <date>, <name> wrote:" line at lines[i] (or wrapped over it and the next), as (who, date, lines
    used); None when there is none. Two lines are one wrapped line only when the first does not end a sentence."""
    for n in (1, 2):
        if i + n > len(lines):
            continue
        low = lines[i + n - 1].lower()
        pats = [p for word, ps in _ATTRIBUTIONS if word in low for p in ps]
        if not pats:
            continue
        if n == 2 and (not lines[i].strip() or lines[i].rstrip().endswith((".", "!", "?"))
                       or (len(lines[i + 1]) <= _LINE and any(p.match(lines[i + 1]) for p in pats))):
            continue  # the sender's own line above an attribution is not part of it
        line = " ".join(s.strip() for s in lines[i:i + n])
        if len(line) > _LINE:
            continue
        for pat in pats:
            m = pat.match(line)
            if m is not None:
                return _who(m.group("who")), m.group("date").strip().rstrip(","), n
    return None


def _run_end(lines: list[str], i: int) -> int:
    """The index after the "> " lines from lines[i] (blank lines between them are theirs)."""
    j = i
    while j < len(lines) and (_QUOTED.match(lines[j]) or (not lines[j].strip() and j + 1 < len(lines)
                                                          and _QUOTED.match(lines[j + 1]))):
        j += 1
    return j


def _bare_writer(line: str) -> str | None:
    """A bare "Gordon Achebe wrote:" (Thunderbird; a quote inside a quote) names a writer: a few capitalised words
    or an address ("Here is what the inspector wrote:" is a sentence)."""
    m = _WROTE.match(line) if len(line) <= _LINE else None
    if m is None:
        return None
    words = m.group("who").split()
    return m.group("who") if len(words) <= 4 and all(w[:1].isupper() or "@" in w for w in words) else None


def read_quotes(text: str, inside: bool = False, depth: int = 0) -> str:
    """`text` (a message's body) with each quoted part opened by the line naming its writer (module docstring).
    `inside`: the text is itself quoted, where a bare "<name> wrote:" opens the rest. At the top, "> " lines with
    no writer named stay as written (a shell prompt, a redirect, a Markdown quote, ">2 kg", a poem's indent), and
    an "On …, X wrote:" line opens only the "> " lines after it (a plain mail's own later text is the sender's)."""
    if depth > _MAX_DEPTH:
        return text
    lines = text.split("\n")
    out: list[str] = []
    last = ("", "")  # the writer of the quote before: an interleaved reply's later "> " runs quote the same message
    i = 0
    while i < len(lines):
        line = lines[i]
        if _QUOTED.match(line) and (inside or not _MORE_THAN.match(line)):
            j = _run_end(lines, i)
            quoted = _quote([_QUOTED.sub("", s, count=1) for s in lines[i:j]], *last, depth, named=not inside)
            if quoted is None:  # no writer: as written (an HTML blockquote's mark was never written)
                out.extend(s.replace(HTML_MARK, "") for s in lines[i:j])
            else:
                out.append(quoted)
                out.extend([""] if j < len(lines) and lines[j].strip() else [])  # the reply below is not the quote's
            i = j
            continue
        if not line.strip():  # (no attribution, separator or header block opens on a blank line)
            out.append(line)
            i += 1
            continue
        att = _attribution(lines, i)
        who_bare = None if att is not None else _bare_writer(line)
        if att is not None or who_bare is not None:
            who, date, n = att if att is not None else (_who(who_bare or ""), "", 1)
            k = i + n  # (indices, not slices: a reply of 20,000 attributions must not copy its lines each time)
            while k < len(lines) and not lines[k].strip():
                k += 1
            if k < len(lines) and _QUOTED.match(lines[k]):  # the "> " lines it opens (what follows is read on)
                last = (who, date)
                j = _run_end(lines, k)
                out.append(_quote([_QUOTED.sub("", s, count=1) for s in lines[k:j]], who, date, depth) or "")
                out.extend([""] if j < len(lines) and lines[j].strip() else [])
                i = j
                continue
            if inside and k < len(lines):  # the rest of a quote: the earlier message it quoted in turn
                out.append(_quote(lines[k:], who, date, depth) or "")
                break
        if _ORIGINAL.match(line) or _FORWARD.match(line) or _bare_fields(lines, i):
            forwarded = _FORWARD.match(line) is not None
            k = i + 1 if (_ORIGINAL.match(line) or forwarded) else i
            while k < len(lines) and not lines[k].strip():
                k += 1
            out.append(_quote(lines[k:], "", "", depth, forwarded=forwarded) or "")
            break
        out.append(line)
        i += 1
    joined = "\n".join(out)  # (a mark left by the depth limit is no text)
    return joined if inside or HTML_MARK not in joined else joined.replace(HTML_MARK, "")


def _quote(inner: list[str], who: str, date: str, depth: int, forwarded: bool = False,
           named: bool = False) -> str | None:
    """A quoted part: its header block (if it opens with one) read for the writer, the opening line, its text.
    None when `named` and no writer is known (the caller keeps the lines as written)."""
    k = 0
    while k < len(inner) and not inner[k].strip():
        k += 1
    got = _fields(inner, k)
    att = _attribution(inner, k) if got is None and not who else None
    fields: dict[str, str] = {}
    if got is not None:
        fields, k = got
        who = who or _who(fields["from"])
        date = date or fields.get("sent") or fields.get("date", "")
    elif att is not None:  # "> On <date>, <name> wrote:" opening the quote itself (a quote inside a quote)
        who, date, n = att
        k += n
    if named and not who:
        return None
    body = read_quotes("\n".join(inner[k:]), True, depth + 1).strip("\n")
    return _opening(who, date, forwarded, fields) + ("\n" + body if body else "")


# where an HTML <blockquote> opens and closes, in the HTML given to page_text (which drops private-use characters)
_BQ_OPEN, _BQ_CLOSE = "\u27e6\u27e6", "\u27e7\u27e7"
_BQ_TAG = re.compile(r"<(/?)blockquote\b[^>]*>", re.IGNORECASE)


def blockquote_html(html: str) -> str | None:
    """`html` with its <blockquote>s' bounds marked for blockquote_lines; None when it has none."""
    if "blockquote" not in html.lower() or any(c in html for c in (_BQ_OPEN, _BQ_CLOSE, HTML_MARK)):
        return None
    return _BQ_TAG.sub(lambda m: (_BQ_CLOSE + m.group(0)) if m.group(1) else (m.group(0) + _BQ_OPEN), html)


def _unmarked(line: str) -> str:
    return line.replace(_BQ_OPEN, "").replace(_BQ_CLOSE, "")


def blockquote_lines(marked: str, plain: str) -> str:
    """The text of blockquote_html's page (`marked`) with each blockquote line given one HTML_MARK a level, the
    way a plain-text reply marks its quote with "> "; `plain` (the unmarked page's text) unless the marks, taken
    out again, give exactly it (a blockquote inside a table cell or a line: no mark, as before)."""
    out: list[str] = []
    depth = 0
    for line in marked.split("\n"):
        core, after = line.strip(), 0
        while core.startswith((_BQ_OPEN, _BQ_CLOSE)):
            depth += 1 if core.startswith(_BQ_OPEN) else -1
            core = core[2:].strip()
        while core.endswith((_BQ_OPEN, _BQ_CLOSE)):
            after += 1 if core.endswith(_BQ_OPEN) else -1
            core = core[:-2].strip()
        if _BQ_OPEN in core or _BQ_CLOSE in core or depth < 0:
            return plain
        if core:
            out.append(HTML_MARK * min(depth, _MAX_DEPTH + 2) + core if depth > 0 else _unmarked(line))
        else:  # a blank line: the quote's own inside it (between its paragraphs), as a lone ">" is
            blank = _unmarked(line)
            out.append(HTML_MARK * min(depth, _MAX_DEPTH + 2) + blank.strip() if depth > 0 else blank)
        depth += after
    text = "\n".join(out)
    return text if text.replace(HTML_MARK, "") == plain else plain


__all__ = ["HTML_MARK", "blockquote_html", "blockquote_lines", "read_quotes"]
