"""Word-level text utilities shared by the runtime refusal check, the evaluation grader, the dataset builder and
the TUI: one stopword list, the content words of a text, one stemmer, and outside text made safe to print: `printable`
(control pictures, one character for one, lines kept: the TUI) and `escaped` (Python escapes, one line stays one line:
log lines and CLI listings; `escaped_lines` for a message of several lines), and the questions a path given as text
raises (`is_utf8`, `shown_path`, `check_utf8_path`, `name_too_long`), and a snippet cut to terminal columns
(`clipped`; `columns` counts them, `padded` pads to them). (Query normalisation is `normalize.py`; its function-word
list is part of the disfluency rules, not a stopword list.)"""

from __future__ import annotations

import errno
import os
import re
import unicodedata
from functools import lru_cache
from typing import Any

from .scripts import OTHER_SCRIPT, word_form, word_pattern

# Function words: they carry no claim, so they neither need nor give support, and they are not worth
# highlighting or matching. One closed list for every caller (the union of the lists the modules used to keep).
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be been before being below between
    both but by can could did do does doing don down during each few for from further had has have having he her
    here him his how i if in into is it its just may me might more most must my no nor not now of off on once
    only or other our out over own per s same shall she should so some such t than that the their them then
    there these they this those through to too under until up very was we were what when where which while who
    whom whose why will with would yes you your""".split()
)

_WORD = re.compile(r"\w+", re.UNICODE)


# Latin letters that no decomposition takes to ASCII (the ones Lucene's ASCIIFoldingFilter, the keyword index's, maps)
_FOLD = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"})


def folded(word: str) -> str:
    """A lower-case word without its accents ("müller" -> "muller", "straße" -> "strasse"), as the keyword index
    reads words (lexical.TOKENIZER): a question typed without accents meets the words of its sources in the evidence
    and refusal checks as it does in search. Marks of other scripts go too, on both sides alike. ASCII unchanged."""
    if word.isascii():
        return word
    base = "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", base.translate(_FOLD))


# The symbols (not letters) whose compatibility form is letters or digits: "™" -> "TM", "№" -> "No", "℃", "⒜", "ⓐ",
# "㎏" -> "kg", "㌔", squared and circled CJK. Not the Kangxi radicals (U+2F00-): a PDF's text may use them for the
# ideographs they look like, which belong to the run around them.
_SYMBOL = re.compile("[\u20a8\u2100-\u2101\u2103\u2105-\u2106\u2109\u2116\u2120-\u2122\u213b\u249c-\u24e9"
                     "\u3196-\u319f\u3200-\u321e\u322a-\u3247\u3250\u3260-\u327e\u328a-\u32b0\u32c0-\u33ff"
                     "\ufdfc\U0001f110-\U0001f14f\U0001f16a-\U0001f16c\U0001f190\U0001f200-\U0001f251]")


@lru_cache(maxsize=4096)
def _apart(c: str) -> str:
    f = unicodedata.normalize("NFKC", c)
    return f" {f} " if f != c and any(x.isalnum() for x in f) else c


def nfkc(text: str) -> str:
    """`text` in NFKC, a symbol whose compatibility form is letters kept apart from the word beside it: "Widget™"
    reads "Widget TM ", never "WidgetTM", which a question saying "widget" would not meet. ASCII unchanged."""
    if text.isascii():
        return text
    if _SYMBOL.search(text):
        text = _SYMBOL.sub(lambda m: _apart(m.group()), text)
    return unicodedata.normalize("NFKC", text)


def words(text: str) -> list[str]:
    """The text's words (`nfkc`, as a question is read: a decomposed "é" split the word), lower-cased and `folded`, in
    order. A text with a letter of a script other than Latin (scripts.OTHER_SCRIPT) is read as the keyword index
    reads it (`scripts.word_form`, round 49): a Han, kana, Hangul or Thai run as its overlapping pairs of characters
    (as one word, "新员工每年有多少天年假" met no sentence of its source; "휴가를" did not meet "휴가"), marks dropped
    and letter variants made one (Arabic harakat, Hebrew points, Greek final sigma), vowel signs kept on their word
    (Devanagari was cut into single letters, which met every sentence). Latin text (ASCII or not) as before."""
    text = nfkc(text)
    if text.isascii() or not OTHER_SCRIPT.search(text):
        return [folded(m.group(0).lower()) for m in _WORD.finditer(text)]
    return [folded(w) for w in word_pattern().findall(word_form(text.lower()))]  # lower first: "ς" made "σ"


def content_words(text: str) -> list[str]:
    """The text's `words` without STOPWORDS (in order, repeats kept): what the evidence and refusal checks match."""
    return [w for w in words(text) if w not in STOPWORDS]


def stem(tok: str) -> str:
    """Crude suffix stripping so that "identifying"/"identify" and "rocks"/"rock" meet; apply it to both sides
    of a comparison. Words of four letters or fewer past the suffix are kept whole."""
    for suf in ("ing", "ed", "es", "s"):
        if len(tok) > len(suf) + 3 and tok.endswith(suf):
            return tok[: -len(suf)]
    return tok


def prefix5(word: str) -> str:
    """The lenient runtime match: words of five letters or more meet on their first five ("built"/"builds",
    "cities"/"city" do not, "strikes"/"strike" do). Used where a miss costs an answer (evidence, focus)."""
    return word[:5] if len(word) >= 5 else word


# C0 controls but tab and newline, DEL, and the C1 controls (0x9b is a one-byte CSI to some terminals).
CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROL_SHOWN = {"\r": " ", "\x0b": "\n", "\x0c": "\n", "\x7f": "\u2421"}
# Unicode's bidirectional controls (ALM, LRM, RLM, the embeddings and overrides, the isolates): a terminal that
# reorders text by them draws a line in another order than it is written, so a file name or a title holding U+202E
# could make a listing line say something else ("Trojan Source"). Valid text: stored as it is, shown visibly.
# (A regular-expression class: ranges included.)
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
# what `printable` replaces: CONTROLS, bidi controls and lone surrogates (a name not UTF-8: they fail click.echo's
# encoding)
_UNPRINTABLE = re.compile(f"[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f{BIDI_CONTROLS}\\ud800-\\udfff]")


def _shown(m: re.Match) -> str:
    c = m.group()
    if c in _CONTROL_SHOWN:
        return _CONTROL_SHOWN[c]
    return chr(0x2400 + ord(c)) if c < " " else "\ufffd"


def printable(text: Any) -> str:
    """`text` safe to draw in the TUI (for one line of a log or a CLI listing use `escaped`). Rich keeps ESC, NUL
    and the C1 controls, so a document, a question or an error message holding `\\x1b]0;…` would retitle the
    terminal, `\\x1b[2J` clear it: each control character is shown as its control picture (ESC as ␛; C1 as �), one
    character for one, so offsets into the text (a cited chunk's span) stay right. Tab and newline stay; CR becomes
    a space, VT and FF (PDF page breaks) newlines; a lone surrogate (it would fail UTF-8 encoding) and a bidi control
    (BIDI_CONTROLS: it would reorder the line on screen) are � too. Rich
    markup is never read from text shown here (it goes into `Text`), so `[bold]` stays literal."""
    text = text if isinstance(text, str) else str(text)
    return _UNPRINTABLE.sub(_shown, text) if _UNPRINTABLE.search(text) else text


# Every C0 control (tab and newline too), DEL, the C1 controls, the bidi controls, and surrogates: in a str these are
# always unpaired (a pair read from UTF-8 is one astral character), and they fail UTF-8 encoding (a log handler,
# click.echo).
_TO_ESCAPE = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f{BIDI_CONTROLS}\\ud800-\\udfff]")


def _escape(m: re.Match) -> str:
    c = m.group()
    return repr(c)[1:-1] if c <= "\x9f" else f"\\u{ord(c):04x}"


def escaped(text: Any) -> str:
    """`text` as part of one line of a log or a CLI listing: each control character written as its Python escape
    (`\\n`, `\\t`, `\\x1b`, `\\x9b`), so a newline cannot forge a second line and an ESC or a one-byte CSI cannot drive
    the terminal, a bidi control as `\\u202e` (it would reorder the line on screen: a file name or a title could make
    a listing line say something else), and an unpaired surrogate as `\\udc80` (it would fail UTF-8 encoding).
    Only what is shown changes (stored text and JSON keep the characters). Lengths change: for text
    drawn in the TUI, where offsets into it must stay right, use `printable`."""
    text = text if isinstance(text, str) else str(text)
    return _TO_ESCAPE.sub(_escape, text) if _TO_ESCAPE.search(text) else text


def escaped_lines(text: Any) -> str:
    """`escaped` line by line: a message of several lines (an error and its hint) keeps its newlines, and each line
    is safe (a byte that is not UTF-8, a control character escaped). What the CLI writes to stderr."""
    text = text if isinstance(text, str) else str(text)
    return "\n".join(escaped(line) for line in text.split("\n")) if _TO_ESCAPE.search(text) else text


def is_utf8(path: Any) -> bool:
    """Whether a path (or any text) can be stored and printed as UTF-8: a name whose bytes are not UTF-8 reaches
    Python as lone surrogates."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def shown_path(path: Any) -> str:
    """The path as text the store and a terminal take: a byte that is not UTF-8 as `\\xe9` (as the bytes are)."""
    return str(path) if is_utf8(path) else os.fsencode(str(path)).decode("utf-8", "backslashreplace")


def check_utf8_path(path: Any, what: str, why: str) -> Any:
    """`path` when its bytes are UTF-8, else an InputError "WHAT PATH: its path is not valid UTF-8 (WHY)", the byte
    shown as `\\xe9`: for a path the product records or hands on as text (SQLite, a manifest, a converter's log), where
    a name that is not UTF-8 would fail half-way through the work."""
    if path is None or is_utf8(path):
        return path
    from .errors import InputError

    raise InputError(f"{what} {escaped(shown_path(path))}: its path is not valid UTF-8 ({why})",
                     hint="rename it, or give a path whose names are UTF-8")


def name_too_long(path: Any) -> bool:
    """Whether the OS refuses to even look `path` up (a name over 255 bytes, a path over 4096: ENAMETOOLONG): no file
    is, or ever was, there. pathlib's exists()/is_file() raise on such a path instead of answering False."""
    try:
        os.stat(os.path.abspath(os.path.expanduser(os.fspath(path))))
    except OSError as exc:
        return exc.errno == errno.ENAMETOOLONG
    except (TypeError, ValueError):  # not a path at all, a NUL in it: not this question
        return False
    return False


def shortened(text: Any, limit: int = 200) -> str:
    """`text` escaped for one line of a message, cut to about `limit` characters: a 100,000-character argument is
    named, not repeated."""
    text = text if isinstance(text, str) else str(text)
    return escaped(text) if len(text) <= limit else f"{escaped(text[:limit])}… ({len(text)} characters)"


def human_size(n: int) -> str:
    """Bytes as '512 B', '9.3 MB', '1.2 TB' (units of 1024): one way for listings, summaries and checks."""
    size = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1024 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return str(n)


# What joins the character before it on screen: variation selectors, emoji skin tones, tag characters (flags of
# regions); a zero-width joiner joins the characters on both sides (a family emoji is one picture).
_JOINS_PREVIOUS = re.compile("[\ufe00-\ufe0f\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f]")
_ZWJ = "\u200d"


def _cluster_end(text: str, i: int) -> int:
    """The end of the character at `i` with what is drawn with it (combining marks, joiners, modifiers, the second
    half of a regional-indicator flag)."""
    n = len(text)
    if 0x1F1E6 <= ord(text[i]) <= 0x1F1FF and i + 1 < n and 0x1F1E6 <= ord(text[i + 1]) <= 0x1F1FF:
        i += 1  # a flag: two regional indicators
    i += 1
    while i < n:
        ch = text[i]
        if ch == _ZWJ and i + 1 < n:
            i += 2
        elif unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Mc", "Me") or _JOINS_PREVIOUS.match(ch):
            i += 1
        else:
            break
    return i


def _width(c: str) -> int:
    return 2 if unicodedata.east_asian_width(c) in ("W", "F") else 1


def columns(text: str) -> int:
    """The terminal columns `text` takes, counted as `clipped` counts them: a wide character (CJK, most emoji) two,
    what is drawn with a character (accents, joiners, skin tones) none."""
    if text.isascii():
        return len(text)
    cols = i = 0
    while i < len(text):
        cols += _width(text[i])
        i = _cluster_end(text, i)
    return cols


def padded(text: str, width: int) -> str:
    """`text` with spaces up to `width` terminal columns (`columns`): what `str.ljust` does for ASCII; a line redrawn
    over itself with `\\r` covers the whole of the last one, whatever its characters."""
    return text + " " * max(0, width - columns(text))


def clipped(text: str, width: int) -> str:
    """`text` cut to about `width` terminal columns, "…" added when cut (a listing's snippet). A wide character
    (CJK, most emoji) takes two columns, so a Chinese snippet no longer runs to twice the width of an English one,
    and a character is never parted from its accents, joiners or skin tone (half an emoji sequence, a letter without
    its combining mark). ASCII text is cut at `width` characters, as before."""
    if text.isascii():
        return text if len(text) <= width else text[:width] + "\u2026"
    cols = i = 0
    n = len(text)
    while i < n:
        end = _cluster_end(text, i)
        w = _width(text[i])
        if cols + w > width:
            return text[:i] + "\u2026"
        cols += w
        i = end
    return text
