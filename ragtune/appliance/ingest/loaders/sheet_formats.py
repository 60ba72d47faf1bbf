"""Number formats of XLSX cells (sheets.py): a number shown as Excel shows it in its cell's format, where that is
cheap: dates and times from serials (1900 and 1904 date systems), elapsed hours, percentages, fixed decimals,
thousands separators, thousands scaling (`#,##0,` shows 1234567 as 1,235; `0.0,,"M"` as 1.2M), fractions (`# ?/?`,
`# ?/8`), currency signs and literal text, a section for negative numbers; else Excel's General."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

_BUILTIN = {1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00", 9: "0%", 10: "0.00%", 11: "0.00E+00", 14: "yyyy-mm-dd",
            15: "d-mmm-yy", 16: "d-mmm", 17: "mmm-yy", 18: "h:mm AM/PM", 19: "h:mm:ss AM/PM", 20: "h:mm", 21: "h:mm:ss",
            22: "yyyy-mm-dd h:mm", 37: "#,##0 ;(#,##0)", 38: "#,##0 ;(#,##0)", 39: "#,##0.00;(#,##0.00)",
            40: "#,##0.00;(#,##0.00)", 45: "mm:ss", 46: "[h]:mm:ss", 47: "mm:ss.0", 48: "##0.0E+0", 49: "@",
            **{i: "yyyy-mm-dd" for i in (*range(27, 37), *range(50, 59))}}  # East Asian locales' date formats
_LITERAL = re.compile(r'"([^"]*)"|\\(.)|\[\$([^\]-]*)[^\]]*\]|\[[^\]]*\]|_.|\*.')
_PLACES = re.compile(r"[0#?][0#?,.]*(?:E[+-][0#]+)?", re.I)
# a fraction: an optional whole-number part, then numerator / denominator (placeholders, or a fixed denominator).
# Linear: a match starts only where a run of placeholders does, and nothing gives back what it took (possessive);
# searched from inside a run, 40,000 zeros took a minute in one C call no parse budget stops (round 53)
_FRACTION = re.compile(r"(?:(?<![0#?,])([0#?][0#?,]*+)\s++)?(?<![0#?])([0#?]++)\s*+/\s*+([0#?]++|[1-9][0-9]*+)")
_MAX_CODE = 255  # Excel's longest number format: a longer formatCode is not Excel's (shown as General)


@dataclass(frozen=True)
class _Fmt:
    kind: str = "general"  # general, date, time, elapsed, number, percent, scientific, fraction, text
    decimals: int = 0
    thousands: bool = False
    seconds: bool = False
    prefix: str = ""
    suffix: str = ""
    negative: Any = None  # the _Fmt of the section for negative numbers
    zero: str | None = None  # the text of a section for zero that shows no digits (accounting's "-")
    scale: int = 0  # thousands scaling: the value is divided by 1,000 per comma after the last digit placeholder
    whole: bool = False  # a fraction with a whole-number part (`# ?/?`: 1 1/2; `?/?`: 3/2)
    denominator: int = 0  # a fraction's largest denominator (`?/?`: 9, `??/??`: 99), or its fixed one (`?/8`): -8
    zero_whole: bool = False  # the whole part ends in `0` (`0 ?/?`): 0.5 as "0 1/2", as Excel and Calc show it


_GENERAL = _Fmt()


def _sections(code: str) -> list[str]:
    out, cur, quoted = [], [], False
    for i, ch in enumerate(code):
        if ch == '"' and (i == 0 or code[i - 1] != "\\"):
            quoted = not quoted
        if ch == ";" and not quoted:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    return out + ["".join(cur)]


def _literal(s: str) -> str:
    def lit(m: re.Match[str]) -> str:
        return m.group(1) if m.group(1) is not None else m.group(2) or m.group(3) or ""
    return _LITERAL.sub(lit, s)


def _section(sec: str) -> _Fmt:
    bare = _LITERAL.sub(lambda m: "h" if m.group(0).lower().startswith("[h") else " ", sec)
    low = re.sub(r"general|am/pm|a/p", " ", bare.lower())
    if "[h" in sec.lower() and "h" in low:
        return _Fmt("elapsed", seconds="s" in low)
    date_part = "d" in low or "y" in low or ("m" in low and "h" not in low and "s" not in low)
    if date_part or "h" in low or "s" in low:
        return _Fmt("date" if date_part else "time", seconds="s" in low)
    fr = _FRACTION.search(bare) if "/" in bare else None
    if fr is not None:
        den, at = fr.group(3), sec.find(fr.group(0))  # at: -1 where a literal splits the fraction (no prefix, suffix)
        return _Fmt("fraction", whole=fr.group(1) is not None, prefix=_literal(sec[:at]) if at >= 0 else "",
                    thousands="," in (fr.group(1) or "").strip(","),  # `#,##0 ?/?`: 1234.5 as "1,234 1/2"
                    zero_whole=(fr.group(1) or "").rstrip(",").endswith("0"),
                    suffix=_literal(sec[at + len(fr.group(0)):]) if at >= 0 else "",  # a unit: `# ?/?" in"`
                    denominator=-int(den) if den.isdigit() and den[0] != "0" else 10 ** min(len(den), 6) - 1)
    m = _PLACES.search(bare)
    if m is None:
        return _Fmt("text" if "@" in bare else "general")
    places = m.group(0)
    before, after = _literal(sec[:sec.find(places)] if places in sec else ""), ""
    tail = sec[sec.find(places) + len(places):] if places in sec else ""
    after = _literal(tail)
    pct = "%" in bare
    kind = "scientific" if "e" in places.lower() else "percent" if pct else "number"
    dec = places.split(".", 1)[1] if "." in places else ""
    decimals = sum(1 for ch in re.split(r"e", dec, flags=re.I)[0] if ch in "0#?")
    whole_part = places.split(".", 1)[0]
    thousands = "," in whole_part.rstrip(",")
    # commas after the last digit placeholder (of the whole part, or of all) scale by 1,000 each: `#,##0,` `0.0,,`
    scale = (len(places) - len(places.rstrip(","))) + (len(whole_part) - len(whole_part.rstrip(",")) if "." in
                                                        places else 0)
    return _Fmt(kind, decimals, thousands, prefix=before, suffix=after.replace("%", "") if pct else after,
                scale=min(scale, 5) if kind == "number" else 0)


def _format_code(code: str) -> _Fmt:
    if len(code) > _MAX_CODE:
        return _GENERAL
    secs = _sections(code)
    first = _section(secs[0])
    if len(secs) > 1 and first.kind in ("number", "percent", "fraction"):  # `#,##0 ?/?;(#,##0 ?/?)` too
        neg = _section(secs[1])
        zero = _literal(secs[2]) if len(secs) > 2 and not _PLACES.search(secs[2]) else None
        if zero is not None and "@" in zero:
            zero = None
        return replace(first, negative=neg if neg.kind in ("number", "percent", "fraction") else None,
                       zero=zero or None)
    return first


def _general(v: float) -> str:
    if abs(v) < 1e15 and v == int(v):  # first: int() of an infinity or NaN raises
        return str(int(v))
    return f"{v:.10g}".replace("e+", "E+").replace("e-", "E-")


def _fixed(v: float, f: _Fmt) -> str:
    return f"{v:,.{f.decimals}f}" if f.thousands else f"{v:.{f.decimals}f}"


def _serial(v: float, date1904: bool) -> datetime | None:
    if date1904:
        base = datetime(1904, 1, 1)
    elif v < 60:
        base = datetime(1899, 12, 31)  # Excel counts a 29 February 1900 that never was (serial 60)
    else:
        base = datetime(1899, 12, 30)
    if not 0 <= v < 2_958_466:
        return None
    return base + timedelta(seconds=round(v * 86400))


def show_number(v: float, f: _Fmt, date1904: bool) -> str:
    """A number as a cell of format `f` shows it (cheaply)."""
    if not math.isfinite(v):  # "inf", "1e400" or "nan" in a cell: shown as Excel's General, never a failed workbook
        return _general(v)
    if f.kind in ("date", "time"):
        dt = _serial(v, date1904)
        if dt is None:
            return _general(v)
        if not date1904 and 60 <= v < 61 and f.kind == "date":
            return "1900-02-29"
        clock = dt.strftime("%H:%M:%S" if f.seconds else "%H:%M")
        if f.kind == "time":
            return clock
        return dt.date().isoformat() + (f" {clock}" if dt.time() != datetime.min.time() else "")
    if f.kind == "elapsed":
        s = round(abs(v) * 86400)
        return ("-" if v < 0 else "") + f"{s // 3600}:{s // 60 % 60:02d}" + (f":{s % 60:02d}" if f.seconds else "")
    if f.kind not in ("number", "percent", "scientific", "fraction"):
        return _general(v)
    if v == 0 and f.zero:
        return f.zero
    if v < 0 and f.negative is not None:
        return show_number(-v, f.negative, date1904)
    if f.kind == "fraction":
        return _fraction(v, f)
    if f.kind == "scientific":
        body = f"{v:.{f.decimals}E}"
    elif f.kind == "percent":
        body = _fixed(v * 100, f) + "%"
    else:
        body = _fixed(v / 1000 ** f.scale if f.scale else v, f)
    if body.startswith("-") and f.prefix:
        return ("-" + f.prefix + body[1:] + f.suffix).strip()
    return (f.prefix + body + f.suffix).strip()


def _fraction(v: float, f: _Fmt) -> str:
    """`# ?/?`: 1.5 as "1 1/2", 0.75 as "3/4", 2 as "2"; `?/?`: 1.5 as "3/2"; `# ?/8`: 0.5 as "4/8" (not reduced);
    `#,##0 ?/?`: 1234.5 as "1,234 1/2" (the whole part grouped as Excel shows it); `0 ?/?`: 0.5 as "0 1/2"."""
    if abs(v) >= 1e15:
        return _general(v)
    sign, a = ("-" if v < 0 else ""), abs(v)
    whole = int(a) if f.whole else 0
    rest = a - whole
    if f.denominator < 0:  # a fixed denominator
        den = -f.denominator
        num = round(rest * den)
    else:
        q = Fraction(rest).limit_denominator(max(1, f.denominator))
        num, den = q.numerator, q.denominator
    if f.whole and num >= den:
        whole, num = whole + num // den, num % den
    if num == 0:
        body = (f"{whole:,}" if f.thousands else str(whole)) if f.whole else "0"
        sign = sign if whole else ""
    else:
        shown = f.whole and (whole or f.zero_whole)
        body = (f"{whole:{',' if f.thousands else ''}} " if shown else "") + f"{num}/{den}"
    return (f.prefix + sign + body + f.suffix).strip()
