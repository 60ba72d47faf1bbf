"""Round 44: the extractive span's word ends (and starts) judge non-ASCII punctuation and spaces on the decoded
character, so a Chinese or Japanese span may end before 。，、！？」 and start after them, and "Paris" ends before
U+00A0, "—" or "»"; for ASCII text the allowed ends and starts are exactly the byte rules they were."""

from __future__ import annotations

import random
import string

import pytest

from ragtune.appliance.extractive import SpanConstraint, VocabIndex, check_span
from ragtune.appliance.injection import source_view

PREFIX = b'{"status": "ok", "answer": "'

# The byte rules before round 44, restated: every non-ASCII byte was a word byte.
_OLD_WORD = bytes(1 if (chr(b).isalnum() and b < 0x80) or b == 0x5F or b >= 0x80 else 0 for b in range(256))
_OLD_START = frozenset(b"\"'([$#+-.<@\xa3")
_OLD_END = frozenset(b".!?)]\"'%")


def _old_ends(buf: bytes) -> set[int]:
    return {e for e in range(2, len(buf)) if (_OLD_WORD[buf[e - 1]] or buf[e - 1] in _OLD_END)
            and not (_OLD_WORD[buf[e - 1]] and _OLD_WORD[buf[e]])}


def _old_starts(buf: bytes) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for i in range(1, len(buf) - 1):
        b = buf[i]
        if (0x80 <= b < 0xC0) or (_OLD_WORD[b] and _OLD_WORD[buf[i - 1]]) or not (_OLD_WORD[b] or b in _OLD_START):
            continue
        out.setdefault(b, []).append(i)
    return out


def _constraint(texts: dict[str, str]) -> SpanConstraint:
    return SpanConstraint([(cid, source_view(t).segments) for cid, t in texts.items()], VocabIndex([]))


def _all_ends(sc: SpanConstraint) -> set[int]:
    return set(sc._closable(list(range(2, len(sc.buf)))))


ENGLISH = {
    "S1": "The Eiffel Tower (in Paris) was built from 1887 to 1889 by Gustave Eiffel's company; it is 330 m tall!\n"
          "Is it the tallest? \"Not now,\" she said: 12.5% of visitors [2019] climb it - the rest take the lift.",
    "S2": "Opening hours: 9 to 5. Tickets cost $25 (#1 attraction) <see www.example.org> @eiffel_tower e-mail.",
}


def test_ascii_sources_allow_exactly_the_same_span_ends_and_starts():
    sc = _constraint(ENGLISH)
    assert sc.buf.isascii()
    assert _all_ends(sc) == _old_ends(sc.buf)
    assert sc.starts == _old_starts(sc.buf)


@pytest.mark.parametrize("seed", range(20))
def test_random_ascii_allows_exactly_the_same_ends_and_starts(seed):
    rng = random.Random(seed)
    alphabet = string.printable.replace("\x0b", "").replace("\x0c", "")
    texts = {f"S{i}": "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 400))) for i in range(3)}
    sc = _constraint(texts)
    assert _all_ends(sc) == _old_ends(sc.buf)
    assert sc.starts == _old_starts(sc.buf)


ZH = {"S1": "埃菲尔铁塔位于巴黎。它建于1889年，高330米！", "S2": "東京は「日本の首都」です、人口は多い？"}


def test_chinese_and_japanese_spans_end_before_and_start_after_cjk_punctuation():
    srcs = [(cid, source_view(t).segments) for cid, t in ZH.items()]
    assert check_span("埃菲尔铁塔位于巴黎", srcs) == ("埃菲尔铁塔位于巴黎", ["S1"])  # ends before 。
    assert check_span("埃菲尔铁塔位于巴黎。", srcs) == ("埃菲尔铁塔位于巴黎。", ["S1"])  # or after it
    assert check_span("它建于1889年", srcs) == ("它建于1889年", ["S1"])  # starts after 。, ends before ，
    assert check_span("它建于1889年，", srcs) == ("它建于1889年", ["S1"])  # never on a comma (，as ,)
    assert check_span("高330米！", srcs) == ("高330米！", ["S1"])
    assert check_span("日本の首都", srcs) == ("日本の首都", ["S2"])  # inside 「」
    assert check_span("「日本の首都」", srcs) == ("「日本の首都」", ["S2"])  # an opener starts, a closer ends
    assert check_span("東京は「日本の首都」です", srcs) == ("東京は「日本の首都」です", ["S2"])  # before 、
    assert check_span("埃菲尔铁塔位于巴", srcs) == ("", [])  # mid-"word" (no punctuation after 巴): nothing
    assert check_span("。它建于", srcs) == ("", [])  # a span does not start with a full stop


def test_the_decoder_closes_before_cjk_punctuation_but_never_inside_a_character():
    sc = _constraint(ZH)
    st = sc.st.copy()
    assert sc._advance(st, PREFIX)
    sc.st = st
    assert sc.allows_piece("巴黎".encode()) is False  # 巴 follows 于: not a start
    assert sc.allows_piece("它建于1889年\"".encode())
    assert sc.allows_piece("埃菲尔铁塔位于巴黎\"".encode())
    dot = "。".encode()
    assert sc.allows_piece("埃菲尔铁塔位于巴黎".encode() + dot + b'"')
    assert not sc.allows_piece("埃菲尔铁塔位于巴黎".encode() + dot[:1] + b'"')  # half of 。
    assert not sc.allows_piece("埃菲尔铁塔位于巴黎".encode() + dot[:2] + b'"')
    assert not sc.allows_piece("它建于1889年，\"".encode())


@pytest.mark.parametrize("text, span, kept", [
    ("The tower\u00a0stands in Paris\u00a0today.", "stands in Paris", "stands in Paris"),  # no-break space
    ("Built by Eiffel\u2014the engineer\u2014in 1889.", "Built by Eiffel", "Built by Eiffel"),  # em dash
    ("the engineer\u2014in 1889.", "in 1889.", "in 1889."),  # starts after an em dash
    ("Il a dit «Paris» hier.", "Paris", "Paris"),  # guillemets
    ("Il a dit «Paris» hier.", "«Paris»", "«Paris»"),
    ("and so on\u2026 until 1889.", "and so on\u2026", "and so on\u2026"),  # an ellipsis ends like "."
    ("and so on\u2026 until 1889.", "and so on\u2026 until", "and so on\u2026 until"),
    ("東京\u3000大阪", "東京", "東京"),  # ideographic space
    ("Built by Eiffel\u2014the engineer.", "Built by Eiffel\u2014", "Built by Eiffel"),  # not on a dash
    ("Café Zoë serves crème brûlée.", "Café Zo", "Café"),  # accented letters are still letters
    ("it costs 12 € or 25°C today", "25°", ""),  # symbols are word characters, as before
])
def test_non_ascii_punctuation_and_spaces_end_a_span(text, span, kept):
    srcs = [("S1", source_view(text).segments)]
    assert check_span(span, srcs)[0] == kept
