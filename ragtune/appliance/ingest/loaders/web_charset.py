"""The encodings a browser reads an HTML page in (split out of web.py): a declared charset is honoured only when it
is one of these."""

from __future__ import annotations

import codecs
import encodings
import encodings.aliases
import re

from .base import LoadError, decode_legacy_punctuation, decode_utf16_unmarked, looks_binary

# The encodings a browser reads a page in (the WHATWG Encoding Standard), each with its labels, keyed by the Python
# codec that decodes it as the standard does. Any other declared name is not honoured: Python's codec registry also
# holds rot13, base64, zlib, uu, punycode, unicode_escape, utf-7..., which are not page encodings (decoding a page
# with them gave noise, or read its `\u` escapes as characters). UTF-16 labels are refused before; "replacement"
# and x-user-defined are not text a page can be read as.
_WHATWG = {
    "utf-8": "unicode-1-1-utf-8 unicode11utf8 unicode20utf8 utf-8 utf8 x-unicode20utf8",
    "cp866": "866 cp866 csibm866 ibm866",
    "iso8859-2": "csisolatin2 iso-8859-2 iso-ir-101 iso8859-2 iso88592 iso_8859-2 iso_8859-2:1987 l2 latin2",
    "iso8859-3": "csisolatin3 iso-8859-3 iso-ir-109 iso8859-3 iso88593 iso_8859-3 iso_8859-3:1988 l3 latin3",
    "iso8859-4": "csisolatin4 iso-8859-4 iso-ir-110 iso8859-4 iso88594 iso_8859-4 iso_8859-4:1988 l4 latin4",
    "iso8859-5": "csisolatincyrillic cyrillic iso-8859-5 iso-ir-144 iso8859-5 iso88595 iso_8859-5 iso_8859-5:1988",
    "iso8859-6": "arabic asmo-708 csiso88596e csiso88596i csisolatinarabic ecma-114 iso-8859-6 iso-8859-6-e "
                 "iso-8859-6-i iso-ir-127 iso8859-6 iso88596 iso_8859-6 iso_8859-6:1987",
    "iso8859-7": "csisolatingreek ecma-118 elot_928 greek greek8 iso-8859-7 iso-ir-126 iso8859-7 iso88597 iso_8859-7 "
                 "iso_8859-7:1987 sun_eu_greek",
    "iso8859-8": "csiso88598e csisolatinhebrew hebrew iso-8859-8 iso-8859-8-e iso-ir-138 iso8859-8 iso88598 "
                 "iso_8859-8 iso_8859-8:1988 visual csiso88598i iso-8859-8-i logical",
    "iso8859-10": "csisolatin6 iso-8859-10 iso-ir-157 iso8859-10 iso885910 l6 latin6",
    "iso8859-13": "iso-8859-13 iso8859-13 iso885913",
    "iso8859-14": "iso-8859-14 iso8859-14 iso885914",
    "iso8859-15": "csisolatin9 iso-8859-15 iso8859-15 iso885915 iso_8859-15 l9",
    "iso8859-16": "iso-8859-16",
    "koi8-r": "cskoi8r koi koi8 koi8-r koi8_r",
    "koi8-u": "koi8-ru koi8-u",
    "mac-roman": "csmacintosh mac macintosh x-mac-roman",
    "cp874": "dos-874 iso-8859-11 iso8859-11 iso885911 tis-620 windows-874",
    "cp1250": "cp1250 windows-1250 x-cp1250",
    "cp1251": "cp1251 windows-1251 x-cp1251",
    # ISO-8859-1 and ASCII too: browsers read them as windows-1252
    "cp1252": "ansi_x3.4-1968 ascii cp1252 cp819 csisolatin1 ibm819 iso-8859-1 iso-ir-100 iso8859-1 iso88591 "
              "iso_8859-1 iso_8859-1:1987 l1 latin1 us-ascii windows-1252 x-cp1252",
    "cp1253": "cp1253 windows-1253 x-cp1253",
    "cp1254": "cp1254 csisolatin5 iso-8859-9 iso-ir-148 iso8859-9 iso88599 iso_8859-9 iso_8859-9:1989 l5 latin5 "
              "windows-1254 x-cp1254",
    "cp1255": "cp1255 windows-1255 x-cp1255",
    "cp1256": "cp1256 windows-1256 x-cp1256",
    "cp1257": "cp1257 windows-1257 x-cp1257",
    "cp1258": "cp1258 windows-1258 x-cp1258",
    "mac-cyrillic": "x-mac-cyrillic x-mac-ukrainian",
    "gb18030": "chinese csgb2312 csiso58gb231280 gb2312 gb_2312 gb_2312-80 gbk iso-ir-58 x-gbk gb18030",
    "big5hkscs": "big5 big5-hkscs cn-big5 csbig5 x-x-big5",
    "euc_jp": "cseucpkdfmtjapanese euc-jp x-euc-jp",
    "iso2022_jp": "csiso2022jp iso-2022-jp",
    "cp932": "csshiftjis ms932 ms_kanji shift-jis shift_jis sjis windows-31j x-sjis",
    "cp949": "cseuckr csksc56011987 euc-kr iso-ir-149 korean ks_c_5601-1987 ks_c_5601-1989 ksc5601 ksc_5601 "
             "windows-949",
}
_WEB_LABELS = {label: codec for codec, labels in _WHATWG.items() for label in labels.split()}


def _codec_module(label: str) -> str:
    """The module of Python's codec registry a name would find (`latin-1`, `UTF_8`, `iso8859_15`), found in its alias
    table alone: nothing is imported or looked up for a name a page declares."""
    name = encodings.normalize_encoding(label).lower()
    return encodings.aliases.aliases.get(name) or encodings.aliases.aliases.get(name.replace(".", "_")) or name


# Python's own spellings of the same encodings (`latin-1`, `utf_8`, `windows_1252`): what pages declaring them meant
_WEB_MODULES = {_codec_module(label): codec for label, codec in _WEB_LABELS.items()}


def web_codec(label: str) -> str | None:
    """The Python codec that reads a page declaring `label` as a browser would, or None: not a page encoding."""
    label = label.strip().lower()
    return _WEB_LABELS.get(label) or _WEB_MODULES.get(_codec_module(label))


# The five bytes cp1252 leaves undefined: WHATWG's windows-1252 reads them as the C1 controls, as latin-1 does (pages
# declaring ISO-8859-1 never failed on them)
_CP1252_HOLES = {0xDC00 + b: chr(b) for b in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}
_HOLE_BYTES = re.compile(b"[\x81\x8d\x8f\x90\x9d]")


def decode_cp1252(data: bytes) -> str:
    """Windows-1252 with its five undefined bytes read as themselves (the C1 controls), never failing."""
    if _HOLE_BYTES.search(data) is None:  # (str.translate over megabytes took seconds: the codec is C)
        return data.decode("cp1252")
    return data.decode("cp1252", "surrogateescape").translate(_CP1252_HOLES)
_CHARSET = re.compile(rb"""charset\s*=\s*["']?([A-Za-z0-9_.:\-]+)""", re.I)


def _decode_declared(raw: bytes) -> str:
    """A page that is not UTF-8, decoded in the first encoding it declares (in its first 4 KB) that a browser reads,
    else as Windows punctuation (`decode_legacy_punctuation`), else refused. A page declaring UTF-16/32 while being
    read as ASCII bytes is not UTF-16/32 (HTML treats it as UTF-8): refused."""
    declared = [m.group(1).decode("ascii") for m in _CHARSET.finditer(raw[:4096])]
    for enc in declared:
        try:
            wide = codecs.lookup(enc).name.startswith(("utf-16", "utf-32"))
        except LookupError:
            wide = False
        if wide:
            raise LoadError(f"not UTF-8 text (it declares charset {enc}, which its bytes are not)")
        codec = web_codec(enc)
        if codec is None:
            continue
        try:
            if codec == "cp1252":
                return decode_cp1252(raw)
            return raw.decode(codec)
        except ValueError:
            raise LoadError(f"not valid {enc} text (declared charset)") from None
    legacy = decode_legacy_punctuation(raw)
    if legacy is not None:
        return legacy
    if declared:
        raise LoadError(f"not UTF-8 text (it declares charset {declared[0]}, not one a browser reads)")
    raise LoadError("not UTF-8 text (and no charset declared)")


def decode_html(raw: bytes) -> str:
    """A page's bytes as text: a BOM's or unmarked UTF-16, UTF-8, else the charset it declares (`_decode_declared`)."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise LoadError("not valid UTF-16 text") from None
    wide = decode_utf16_unmarked(raw)
    if wide is not None:
        return wide
    if looks_binary(raw):
        raise LoadError("binary file")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if b"\x00" in raw:  # NULs past the first 8 KB and bytes that are not UTF-8: a binary with a text header
        raise LoadError("binary file")
    return _decode_declared(raw)
