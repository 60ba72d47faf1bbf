"""The shared word utilities (ragtune/appliance/text.py)."""

from __future__ import annotations

from ragtune.appliance.text import STOPWORDS, escaped, printable, stem


def test_one_stopword_list_of_function_words():
    assert {"the", "of", "whose", "per", "yes", "up"} <= STOPWORDS
    assert not {"warranty", "river", "2019", "paris"} & STOPWORDS
    assert all(w == w.lower() and w.isalpha() for w in STOPWORDS)


def test_stem_meets_inflections_and_keeps_short_words():
    assert stem("identifying") == "identify" and stem("rocks") == "rock"
    assert stem("walked") == "walk" and stem("bus") == "bus" and stem("gas") == "gas" and stem("is") == "is"


def test_escaped_writes_every_control_as_its_escape_on_one_line():
    raw = "a\x1b]0;owned\x07b\nc\rd\te\x00f\x7fg\x9bh\x85i"
    out = escaped(raw)
    assert out == "a\\x1b]0;owned\\x07b\\nc\\rd\\te\\x00f\\x7fg\\x9bh\\x85i"
    assert out.isprintable() and out.splitlines() == [out]  # C1 NEL (0x85) would break a line too
    for c in [*map(chr, range(0x20)), *map(chr, range(0x7F, 0xA0))]:
        assert escaped(c) == repr(c)[1:-1] and escaped(c).isprintable(), hex(ord(c))


def test_escaped_writes_a_surrogate_as_its_escape_and_keeps_other_text():
    out = escaped("file\udcff.md \ud83d")  # a surrogateescape'd byte, a lone half of a pair
    assert out == "file\\udcff.md \\ud83d" and out.encode("utf-8")  # encodes: a log handler, click.echo
    assert escaped("é € 😀 資料 [bold] \\n") == "é € 😀 資料 [bold] \\n"  # only controls change
    assert escaped(42) == "42" and escaped("") == ""


def test_escaped_and_printable_are_for_different_jobs():
    raw = "a\x1bb\nc"
    assert printable(raw) == "a\u241bb\nc" and len(printable(raw)) == len(raw)  # TUI: one for one, lines kept
    assert escaped(raw) == "a\\x1bb\\nc"  # a log line or a CLI listing: one line


def test_printable_shows_a_lone_surrogate_as_a_replacement_character_one_for_one():
    """A name not UTF-8 (surrogateescape) or a lone half of a pair would fail click.echo's encoding (`ragtune ask`
    prints the answer, chunks and source with `printable`): shown as U+FFFD, one for one, so offsets stay right."""
    raw = "caf\udce9.txt \ud83d ok 😀 é"
    out = printable(raw)
    assert out == "caf\ufffd.txt \ufffd ok 😀 é" and len(out) == len(raw) and out.encode("utf-8")
