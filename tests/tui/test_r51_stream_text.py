"""Round 51: a streamed answer is decoded and cleaned token by token (data.StreamedAnswer), not again from the whole
stream at every token; what it shows is exactly what the whole-stream functions give, for any split into tokens."""

from __future__ import annotations

import json
import random

from rich.text import Text

from ragtune.tui.data import StreamedAnswer, drawn, partial_answer, partial_status, printable_text


def old(text: str) -> str:
    """What round 50 drew for a streamed text: the whole of it into a Rich Text, then cleaned."""
    return printable_text(Text(text)).plain

# Hostile pieces: C0/C1 controls, ANSI escape and OSC sequences, CR/VT/FF, bidi controls, combining marks, wide
# characters, an emoji with skin tone and ZWJ, lone surrogates, JSON escapes (\u with a pair, \n, \", a bad \u).
PIECES = ["\x1b[2J", "\x1b]0;pwned\x07", "\x9b31m", "\x00", "\r\n", "\x0b", "\x0c", "\x7f", "\u202e", "\u2066",
          "e\u0301", "a\u0308\u0323", "漢字", "ｶﾀｶﾅ", "👩🏽\u200d💻", "\ud83d", "\ude00", "\udc80", "[bold]", "\t", " ",
          "plain words ", "é", "ß", "\\", '"', "{", "}", ":", "\u0000"]
JSON_BITS = ['\\u001b', '\\ud83d\\ude00', '\\n', '\\"', '\\\\', '\\t', '\\r', '\\/', '\\u12zz', '\\x', '\\u00e9']


def hostile(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(PIECES) for _ in range(n))


def splits(rng: random.Random, text: str) -> list[str]:
    """`text` cut at random places (one character at a time too: an escape sequence or a JSON escape cut apart)."""
    out, i = [], 0
    while i < len(text):
        k = rng.choice((1, 1, 2, 3, 5, 8, 40))
        out.append(text[i:i + k])
        i += k
    return out


def json_stream(rng: random.Random) -> str:
    answer = json.dumps(hostile(rng, rng.randint(0, 30)), ensure_ascii=rng.random() < 0.5)[1:-1]
    answer += "".join(rng.choice(JSON_BITS) for _ in range(rng.randint(0, 4)))
    status = rng.choice(["ok", "refused", "maybe"])
    ws = rng.choice(["", " ", "\n  ", "\t"])
    parts = [f'"status"{ws}:{ws}"{status}"', f'"answer"{ws}:{ws}"{answer}"', '"citations": ["S1"]']
    rng.shuffle(parts)
    head = rng.choice(["", " ", "\n", '"answer" "x", '])  # white space first; a key-like text that is no key
    return head + "{" + ", ".join(parts) + "}" + rng.choice(["", ' "answer": "late"', "trailing"])


def check_every_prefix(tokens: list[str]) -> None:
    stream, raw = StreamedAnswer(), ""
    for token in tokens:
        stream.add(token)
        raw += token
        assert stream.raw == raw
        assert stream.shown_raw == old(raw)
        assert stream.is_json == raw.lstrip().startswith("{")
        if stream.is_json:
            whole = partial_answer(raw)
            assert stream.answer == (None if whole is None else old(whole)), (tokens, raw)
            assert stream.status == partial_status(raw), raw


def test_incremental_equals_whole_text_over_random_splits_of_hostile_json():
    rng = random.Random(51)
    for _ in range(400):
        check_every_prefix(splits(rng, json_stream(rng)))


def test_incremental_equals_whole_text_for_plain_deltas():
    rng = random.Random(5100)
    for _ in range(300):
        text = rng.choice(["", "  ", "\n"]) + hostile(rng, rng.randint(0, 40))
        check_every_prefix(splits(rng, text))


def test_keys_cut_anywhere_and_spaced_out():
    raw = '{"status"  \n :  "refused", "answer"\n:\n"No \\u00e9\\u001b[2J ans\\"wer", "citations": []}'
    for cut in range(1, len(raw)):
        check_every_prefix([raw[:cut], raw[cut:]])
    check_every_prefix(list(raw))
    # a "status" candidate given up for a later one, and a key only the last token completes
    check_every_prefix(['{"status" x, "status"', ' : "ok", "answer', '"', ': "a"}'])


def test_printable_text_of_the_joined_pieces_is_the_whole_text_cleaned():
    rng = random.Random(7)
    for _ in range(200):
        tokens = splits(rng, hostile(rng, 30))
        whole = old("".join(tokens))
        assert "".join(drawn(t) for t in tokens) == whole
        assert "\x1b" not in whole and "\r" not in whole and "\x07" not in whole


def test_a_long_answer_streams_in_linear_time():
    """Each token costs the same at the end of a long answer as at its start (round 50: the whole answer decoded and
    cleaned again per token). Work counted in characters read by the decoder, not seconds (the box is shared)."""
    stream = StreamedAnswer('{"status": "ok", "answer": "')
    for _ in range(20000):
        stream.add("word\\n ")
    assert stream.answer is not None and len(stream.answer) == 20000 * 6
    before = stream._at
    stream.add("tail")
    assert stream._at - before == 4  # only the new token was read


def test_answer_widget_shows_the_same_text():
    from ragtune.tui.widgets.messages import AnswerMessage

    msg = AnswerMessage("q")
    msg.state = "streaming"
    raw = '{"status": "ok", "answer": "line\\u001b]0;x\\u0007 \\ud83d\\ude00 e\u0301"}'
    for token in splits(random.Random(3), raw):
        msg.stream.add(token)
    assert msg.render_text().plain == old(partial_answer(raw)) + "▌"
    assert printable_text(msg.render_text()).plain == old(partial_answer(raw) + "▌")  # as round 50 drew it
    msg.raw = "plain \x1b[31m delta"  # set whole (as tests do): read again from the start
    assert not msg.is_json and msg.render_text().plain == "plain ␛[31m delta▌"


def test_the_streamed_content_is_what_textual_made_of_the_old_text():
    """Tokens go to Textual as Content (no Rich Text stripping the whole answer again): the same Content as round 50's
    Text gave, spans included (none), for JSON and plain streams and the dimmed JSON head."""
    from textual.content import Content

    from ragtune.tui.widgets.messages import AnswerMessage

    rng = random.Random(11)
    for raw in [json_stream(rng) for _ in range(30)] + [hostile(rng, 30) for _ in range(30)] + ['{"stat']:
        msg = AnswerMessage("q")
        msg.state = "streaming"
        for token in splits(rng, raw):
            msg.stream.add(token)
        shown = msg._streamed()
        if msg.is_json and partial_answer(raw) is not None:
            expected = Content.from_rich_text(printable_text(Text(partial_answer(raw) + "▌")))
        elif msg.is_json:
            expected = Content.from_rich_text(printable_text(Text(raw + "▌", style="dim")))
        else:
            expected = Content.from_rich_text(printable_text(Text(raw + "▌")))
        got = shown if isinstance(shown, Content) else Content.from_rich_text(shown)
        assert got.plain == expected.plain and list(got.spans) == list(expected.spans), raw
