"""What every loader shares: the `Document` it returns, the `LoadError` it raises, decoding, dates, and the text
clean-up (`_norm_text` for every source, `clean_text` for files: ligatures, invisible characters, encoded blobs)."""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections import Counter
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable

from ...errors import InputError
from ...normalize import INVISIBLE, displayable
from ...text import CONTROLS, escaped


# Told, while a loader parses a big file, how far it is (0..1): ingest sets it around one load (pipeline.py) so a 20 MB
# page's parse (seconds) says it is alive. A loader checks it every PARSE_BEAT_EVERY elements, not per element: the
# listener decides how often a beat is shown (progress.Tracker.beat, by time). None: no one listens.
PARSE_BEAT: ContextVar[Callable[[float], None] | None] = ContextVar("parse_beat", default=None)
PARSE_BEAT_EVERY = 1024


class LoadError(InputError):
    """A document that cannot be ingested; `reason` is the short text reported per file."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class Document:
    path: str  # absolute path, or "<abs corpus path>#<_id>" for BEIR rows
    kind: str
    title: str
    text: str
    doc_date: str | None
    sha256: str  # of the raw bytes (BEIR: of the row's canonical JSON)
    size: int = 0
    notes: tuple[str, ...] = ()  # what a user should know of an ingested document (a PDF's scanned pages)


def composed(text: str) -> str:
    """`text` in NFC. macOS writes file names, and some editors and PDFs text, decomposed ("e" + U+0301): shown the
    same, but no question (NFKC, normalize.clean_text) meets such a word, and the tokenizer splits it at the accent.
    Canonical composition only: what the user sees does not change (NFKC would turn NBSP, "½", "™" into others)."""
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def bare_name(name: str) -> str:
    """A file name as Windows reads it: trailing spaces and dots are not part of it. A name written on Linux or a
    Mac can end so ("notes.txt ", "minutes.txt."; Windows drops them, a copy to Linux keeps them), and the file is
    still the text file its owner saved. A name of dots and spaces only stays as it is."""
    return name.rstrip(" .") or name


def name_suffix(name: str) -> str:
    """A file name's extension, lower-cased, as Windows reads it (bare_name): "notes.txt " is a .txt (it was counted
    as ignored: ".txt ", no extension)."""
    return Path(bare_name(name)).suffix.lower()


def title_from_path(path: Path) -> str:
    # trailing spaces and dots are not part of the extension (walk reads "minutes.txt." as a .txt): "minutes"
    stem = Path(bare_name(path.name)).stem
    return composed(re.sub(r"[_\-]+", " ", stem).strip())


# Control characters other than NUL, \t \n \r \f \v \b and ESC: rare in text in any encoding.
_CTRL = bytes(b for b in range(1, 32) if b not in {8, 9, 10, 11, 12, 13, 27})


def _control_share(raw: bytes) -> float:
    """Share of _CTRL bytes among the bytes that are not NUL (counted in C: a 50 MB file takes milliseconds)."""
    text_bytes = len(raw) - raw.count(0)
    return (len(raw) - len(raw.translate(None, _CTRL))) / text_bytes if text_bytes else 0.0


def looks_binary(raw: bytes) -> bool:
    """A NUL in the first 8 KB, or over 10% control characters there or in the whole file. A NUL further on does not
    make a file binary (see `nul_separates`)."""
    sample = raw[:8192]
    if b"\x00" in sample:
        return True
    if not sample:
        return False
    return _control_share(sample) > 0.10 or (len(raw) > len(sample) and _control_share(raw) > 0.10)


_NULS = re.compile("\x00+")


def nul_separates(text: str) -> str:
    """Each run of NULs in decoded text as one space. Past the first 8 KB a NUL is a stray in a text file, not a
    sign of a binary one: a log whose writer crashed leaves blocks of NULs (the file system's unwritten tail),
    `find -print0` and /proc dumps separate fields with NUL. Dropped (the control clean-up would), the words on
    either side would be glued into one that no search finds. A binary with a text header is caught anyway: its
    bytes are not UTF-8 (`decode_utf8` names it "binary file"), or over 10% are control characters."""
    return _NULS.sub(" ", text) if "\x00" in text else text


def decode_utf16_unmarked(raw: bytes) -> str | None:
    """UTF-16 without a byte-order mark (SQL Server's `bcp -w`, .NET's Encoding.Unicode, some Windows exports), or
    None. Only on strong evidence, over the first 8 KB: one byte of each pair is NUL for at least 30% of the pairs
    and the other almost never (ASCII-range text in UTF-16; a binary's NULs fall in both), or it reads as text in
    one script (`_utf16_by_script`: Cyrillic, Greek, CJK have few NULs, and without a space, digit or line break
    none); and the whole file decodes strictly (random bytes hit a lone surrogate) to 95% printable characters."""
    if len(raw) % 2 or len(raw) < 4:
        return None
    sample = raw[:8192]
    pairs = len(sample) // 2
    even, odd = sample[0::2].count(0) / pairs, sample[1::2].count(0) / pairs
    enc: str | None
    if odd >= 0.3 and even <= 0.02:
        enc = "utf-16-le"
    elif even >= 0.3 and odd <= 0.02:
        enc = "utf-16-be"
    else:
        enc = _utf16_by_script(sample, whole=len(raw) == len(sample))
        if enc is None:
            return None
    try:
        text = raw.decode(enc)
    except UnicodeDecodeError:
        return None
    head = text[:4096]
    shown = sum(1 for c in head if c.isprintable() or c in "\t\n\r\f")
    if shown < 0.95 * len(head) or looks_binary(text.encode("utf-8")):
        return None
    return text


# Format characters that occur in text (soft hyphen, zero-width (non-)joiners and spaces, bidi marks, embeddings and
# isolates, word joiner, BOM); any other (invisible math operators, deprecated format characters) is noise.
_TEXT_FORMAT = frozenset("\u00ad\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060"
                         "\u2066\u2067\u2068\u2069\ufeff")
# Scripts that mix in one text: Chinese and Japanese write Han with kana (and CJK symbols)
_SCRIPT_GROUP = {"CJK": "cjk", "HIRAGANA": "cjk", "KATAKANA": "cjk", "KATAKANA-HIRAGANA": "cjk", "HALFWIDTH": "cjk",
                 "IDEOGRAPHIC": "cjk", "BOPOMOFO": "cjk", "FULLWIDTH": "LATIN"}


def _utf16_by_script(sample: bytes, whole: bool) -> str | None:
    """The byte order ("utf-16-le", "utf-16-be") in which a sample (even length) that is not UTF-8 reads as text in
    one script (`_one_script`), if exactly one does. Read in the other order, real UTF-16 text is not: its line
    breaks, spaces, digits and ASCII punctuation, the code units with a NUL byte, become U+0A00, U+2000, U+3000..."""
    if b"\x00" not in sample:
        try:
            codecs.getincrementaldecoder("utf-8")().decode(sample, final=whole)
            if _control_share(sample) <= 0.10:
                return None  # UTF-8 text (ASCII included) is read as such, never as UTF-16
            # else no text as UTF-8 (a byte 0x04 in every pair: UTF-16 Cyrillic of lower-case letters only)
        except UnicodeDecodeError:
            pass
    found = [enc for enc in ("utf-16-le", "utf-16-be") if _one_script(_decode_head(sample, enc, whole))]
    return found[0] if len(found) == 1 else None


def _decode_head(sample: bytes, enc: str, whole: bool) -> str | None:
    try:
        return sample.decode(enc)
    except UnicodeDecodeError as exc:
        if whole or exc.start < len(sample) - 2:
            return None  # an unpaired surrogate: not UTF-16
        return _decode_head(sample[:-2], enc, True)  # the first 8 KB ended inside a surrogate pair


def _one_script(text: str | None) -> bool:
    """Whether a sample read as UTF-16 is text: its code units could only be UTF-16's (`_wide_evidence`), no
    unassigned, private-use, control or stray format character (over 1 in 200), 90% of its letters (Latin aside) in
    one script, and (kana aside) under 80% of code units made of two printable ASCII bytes (about 1 in 4 Han
    characters are). Bytes of another kind are not: ASCII and cp1252 give invisible operators and unassigned
    U+2061-U+2073 (a space beside a letter), or with NULs between them (`find -print0`) Han from ASCII pairs; UTF-8,
    GBK and Shift-JIS give Han, Hangul, Yi, surrogates and private-use characters (in one byte order pure Han or
    Hangul: only the bytes each code unit is made of tell them from UTF-16)."""
    if not text:
        return False
    latin1 = bad = kana = ascii_pairs = high_ctrl = low_ctrl = 0
    scripts: Counter[str] = Counter()
    for ch in text:
        cat = unicodedata.category(ch)
        if cat in ("Cn", "Co", "Cs") or (cat == "Cc" and ch not in "\t\n\r\f") or (
                cat == "Cf" and ch not in _TEXT_FORMAT):
            bad += 1
            continue
        c = ord(ch)
        if c < 0x100:
            latin1 += 1
            continue
        hi, lo = c >> 8, c & 0xFF
        if c > 0xFFFF:  # a surrogate pair: its code units' bytes are D8-DF and any
            pass
        elif hi in _CTRL:
            high_ctrl += 1
        elif lo in _CTRL:
            low_ctrl += 1
        if hi == 0x30:  # CJK punctuation and kana: high byte "0", low byte often a letter
            kana += 1
        elif 0x20 <= hi < 0x7F and 0x20 <= lo < 0x7F:
            ascii_pairs += 1
        if cat[0] == "L":
            script = unicodedata.name(ch, "?").split(" ", 1)[0]
            scripts[_SCRIPT_GROUP.get(script, script)] += 1
    wide = len(text) - latin1 - bad
    if not _wide_evidence(latin1, wide, high_ctrl, low_ctrl) or bad > len(text) // 200 or sum(scripts.values()) < 2:
        return False
    if ascii_pairs > 0.8 * (len(text) - latin1 - bad - kana):
        return False  # two ASCII characters a code unit (names `find -print0` separated by NULs): CJK to the eye
    others = [n for script, n in scripts.items() if script != "LATIN"]  # Latin words mix into any script
    return not others or max(others) >= 0.9 * sum(others)


def _wide_evidence(latin1: int, wide: int, high_ctrl: int, low_ctrl: int) -> bool:
    """Whether code units could only be UTF-16's: one in the Latin-1 range (a line break, a space, a digit: a NUL
    byte), or, over 16 or more others, a byte that is a control code in any other text (`_CTRL`: 01-07, 0E-1A,
    1C-1F) where UTF-16 text has it. Cyrillic, Greek, Hebrew, Arabic, Thai, Georgian... have it as the high byte
    (`high_ctrl`) of most code units (U+0430: 04); Han and Hangul as the low byte (`low_ctrl`) of 1 in 11 (their low
    bytes spread evenly), and so do Chinese and Japanese punctuation (U+3001, U+3002, U+FF01...): 1 in 40 is asked,
    and no more than a third (more is a small script read in the wrong byte order: Greek as Hangul with a low byte
    03 in every code unit). Other text has no NUL and no such byte: GBK, Big5, Shift-JIS and EUC pairs, UTF-8 and
    single-byte code pages read in either byte order are Han, Hangul or Yi, some made with a space or a digit byte
    (UTF-8 Cyrillic with spaces: Hangul, each space a low byte 20), none with a control byte. So a text with no
    space, digit or line break in its first 8 KB (Chinese or Japanese in one long paragraph) is recognised.
    Devanagari, Bengali, Gurmukhi, Gujarati, Oriya, Tamil, Telugu, Kannada, Malayalam (high bytes 08-0D, as tab,
    line feed, carriage return) still need a space, digit or line break."""
    if latin1:
        return True
    need = max(2, wide // 40)
    return wide >= 16 and (2 * high_ctrl >= wide or need <= low_ctrl <= wide // 3)


def decode_wide(raw: bytes) -> str | None:
    """UTF-16/32 text that starts with its byte-order mark (Notepad's "Unicode"), else None."""
    if raw[:4] in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"):
        enc, name = "utf-32", "UTF-32"
    elif raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        enc, name = "utf-16", "UTF-16"
    else:
        return None
    try:
        text = raw.decode(enc)
    except UnicodeDecodeError:
        raise LoadError(f"not valid {name} text") from None
    if looks_binary(text[:8192].encode("utf-8")):
        raise LoadError("binary file")
    return text


# Windows-1252 bytes that decode to the same punctuation in every Windows code page that has them (€ ‚ „ … † ‡ ‰ ‹
# ‘ ’ “ ” • – — ™ ›), plus NBSP © « ® ° · »: a file whose only non-ASCII bytes are these is English text with Word's
# smart quotes saved as "ANSI", and reads the same whatever its code page was. Accented letters are not guessed.
_CP1252_SAFE = frozenset(b"\x80\x82\x84\x85\x86\x87\x89\x8b\x91\x92\x93\x94\x95\x96\x97\x99\x9b"
                         b"\xa0\xa9\xab\xae\xb0\xb7\xbb")


def decode_legacy_punctuation(raw: bytes) -> str | None:
    if all(b < 0x80 or b in _CP1252_SAFE for b in raw):
        return raw.decode("cp1252")
    return None


def decode_utf8(raw: bytes) -> str:
    """Text of a .txt/.md file (see docs/ingest.md, Encodings), NULs as spaces (`nul_separates`)."""
    wide = decode_wide(raw)
    if wide is None:
        wide = decode_utf16_unmarked(raw)
    if wide is not None:
        return nul_separates(wide)
    if looks_binary(raw):
        raise LoadError("binary file")
    try:
        return nul_separates(raw.decode("utf-8-sig"))  # a BOM is tolerated and dropped
    except UnicodeDecodeError as exc:
        legacy = decode_legacy_punctuation(raw)
        if legacy is not None:
            return nul_separates(legacy)
        if b"\x00" in raw:  # NULs past the first 8 KB and bytes that are not text: a binary with a text header
            raise LoadError("binary file")
        line = raw[: exc.start].count(b"\n") + 1
        if looks_western(raw, exc.start):
            raise LoadError(f"not UTF-8 text (invalid byte at line {line}; save it as UTF-8, or convert it: "
                            f"iconv -f cp1252 -t utf-8 FILE > NEW)") from None
        raise LoadError(f"not UTF-8 text (invalid byte at line {line}; save it as UTF-8)") from None


_HINT_BYTES = 65536  # the bytes looks_western reads


def looks_western(raw: bytes, bad: int) -> bool:
    """Bytes that are likely Windows-1252 ("ANSI" in Western Europe and the Americas): ASCII up to the first byte that
    is not UTF-8 (no UTF-8 letter before it: a converter would garble those), and most bytes over 0x7F standing alone
    between ASCII ("caf\xe9", "cr\xe8me"), as accented letters do in Latin script; Cyrillic, Greek or Hebrew words
    and Chinese or Japanese double-byte text run them together. Only the hint of the refusal depends on it."""
    if any(b > 0x7F for b in raw[:bad]):
        return False
    head = raw[:_HINT_BYTES]
    high = [i for i in range(bad, len(head)) if head[i] > 0x7F]
    alone = sum(1 for i in high if (i == 0 or head[i - 1] < 0x80) and (i + 1 >= len(head) or head[i + 1] < 0x80))
    return 2 * alone >= len(high)


_DATE_RES = [
    (re.compile(r"^(\d{4})-(\d{2})-(\d{2})"), "ymd"),
    (re.compile(r"^D:(\d{4})(\d{2})?(\d{2})?"), "pdf"),
    (re.compile(r"^(\d{4})/(\d{2})/(\d{2})"), "ymd"),
    (re.compile(r"^(\d{4})(\d{2})(\d{2})$"), "ymd"),
]


def parse_date(value: Any) -> str | None:
    """ISO date (YYYY-MM-DD) from a datetime/date or a common string form; None if not a valid date."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    s = str(value).strip().strip("\"'")
    for rx, _ in _DATE_RES:
        m = rx.match(s)
        if m:
            y = int(m.group(1))
            mo = int(m.group(2) or 1)
            d = int(m.group(3) or 1)
            try:
                return date(y, mo, d).isoformat()
            except ValueError:
                return None
    return None


# Terminal escape sequences (CSI, OSC, the others) and the control characters but tab and newline (text.CONTROLS):
# not text. Kept, a chunk holding `ESC]0;…` could be cited, copied into an answer and printed to a terminal
# (retitling or clearing it), and its bytes would only dilute retrieval. A space right after ESC (or a one-byte CSI)
# starts no sequence here: real ones that do are rare, and "ESC Bravo" lost its "B" (a stray ESC ate the next word's
# first letter). An OSC left open ends at the line's end (it took the rest of the file).
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b\n]*(?:\x07|\x1b\\)?|\x1b[!-/][ -/]*[0-~]|\x1b[@-Z\\-_]"
                      r"|\x9b(?! )[0-?]*[ -/]*[@-~]")


def _norm_text(text: str, escapes: bool = True) -> str:
    """`escapes`: whether an ESC can start a terminal escape sequence (see clean_text)."""
    # CR line ends; FF and VT are page and line breaks (PDF text has form feeds)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").replace("\v", "\n")
    if CONTROLS.search(text):
        text = CONTROLS.sub("", _ESCAPES.sub("", text) if escapes else text)
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# Typographic ligatures (PDFs, text pasted from them) spelled out, and characters that are invisible inside a word
# (soft hyphen, zero-width space, word joiner, a BOM in the middle) removed: either splits "ﬁnance" or
# "infor\xadmation" into pieces no search for "finance" or "information" finds.
# The invisible characters are normalize.INVISIBLE, the list questions are cleaned with.
_INVISIBLE = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl",
                            "\ufb05": "st", "\ufb06": "st", **dict.fromkeys(INVISIBLE, "")})
_NEEDS_MAP = re.compile(f"[\ufb00-\ufb06{INVISIBLE}]")
# Encoded data is not text: a run of 200+ base64 characters with no space (a data: URI, a key, an attachment),
# or 3+ consecutive lines of 60+ such characters (wrapped base64, a PEM body) would be chunked into many chunks of
# noise. Both need a digit and both cases, which no run of words has.
_BLOB = re.compile(r"(?<![^\s(\"'=:,])[A-Za-z0-9+/_\-]{200,}={0,2}(?=[\s)\"',;]|$)")
_BLOB_LINES = re.compile(r"(?:^[ \t]*[A-Za-z0-9+/]{60,}={0,2}[ \t]*\n){2,}^[ \t]*[A-Za-z0-9+/]{4,}={0,2}[ \t]*$", re.M)


def _is_encoded(s: str) -> bool:
    return bool(re.search(r"\d", s) and re.search(r"[a-z]", s) and re.search(r"[A-Z]", s))


def drop_encoded_blobs(text: str) -> str:
    if len(text) < 200:
        return text
    text = _BLOB_LINES.sub(lambda m: "" if _is_encoded(m.group(0)) else m.group(0), text)
    return _BLOB.sub(lambda m: "" if _is_encoded(m.group(0)) else m.group(0), text)


def clean_text(text: str, *, escapes: bool = True) -> str:
    """`_norm_text` plus what only files need (BEIR rows are left as the benchmark wrote them): NFC (`composed`).
    Surrogates (a PDF's ToUnicode map can give any UTF-16 unit, one glyph at a time): a pair in a row joined into its
    character, a lone one U+FFFD, as it has no UTF-8 form (storing the text failed on it). `escapes=False` (a PDF's text, never a
    terminal's): an ESC is dropped like any control character, never read as the start of a sequence (in a PDF it is
    a glyph a font put at code 27, as TeX's T1 fonts do their "ff" ligature: "sta\\x1b meeting" lost its " m")."""
    text = composed(displayable(text))
    if _NEEDS_MAP.search(text):
        text = text.translate(_INVISIBLE)
    text = _norm_text(text, escapes)
    kept = drop_encoded_blobs(text)
    return text if kept == text else _norm_text(kept, escapes)


# Control characters in a title (NUL, C0, DEL, C1) but the ones Python splits words at (tab, line breaks, the
# information separators): those become spaces.
_TITLE_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")


def clean_title(title: str) -> str:
    """A title from a document's metadata or markup as one line, NFC (`composed`): control characters dropped (a
    PDF /Title written as UTF-16 without its byte-order mark reads "\\x00R\\x00e\\x00p…"; an ESC is not text), each run of white space
    (tabs, line breaks) one space, a lone surrogate U+FFFD."""
    if _TITLE_CONTROLS.search(title):
        title = _TITLE_CONTROLS.sub("", title)
    return composed(" ".join(displayable(title).split()))


def exc_reason(msg: str) -> str:
    """An exception's message as part of a one-line reason: a damaged file's bytes quoted in it (a filter name, a
    member name) with their control characters and lone surrogates escaped, as `escaped` writes them."""
    return escaped(msg)


def exc_line(exc: BaseException) -> str:
    """An exception's message as a loader's reason: its first line (a KeyError's unquoted), else its type's name."""
    msg = str(exc.args[0] if isinstance(exc, KeyError) and exc.args else exc)  # KeyError's str is quoted
    return msg.splitlines()[0] if msg.strip() else type(exc).__name__


def require_text(text: str, empty_reason: str = "empty document") -> str:
    if not text.strip():
        raise LoadError(empty_reason)
    return text
