"""Round 52: hostile and damaged .rtf files (loaders/richtext.py): each fails with a one-line reason or reads, fast,
never a traceback, recursion or hang."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from ragtune.appliance.ingest.loaders import load_file
from ragtune.appliance.ingest.loaders.base import LoadError
from ragtune.appliance.ingest.loaders.outlook_rtf import BadRtf, encapsulated
from ragtune.appliance.ingest.loaders.parse_budget import PARSE_SECONDS
from ragtune.appliance.ingest.loaders.richtext import MAX_DEPTH, load_rtf

from . import rtf_build as rb

P = Path("/archive/hostile.rtf")


def _reason(raw: bytes) -> str:
    with pytest.raises(LoadError) as e:
        load_rtf(P, raw)
    reason = str(e.value)
    assert "\n" not in reason and "Traceback" not in reason
    return reason


@pytest.mark.parametrize("raw, reason", [
    (b"Dear Ms Ortiz,\nplain text saved as .rtf", "not RTF (no {\\rtf at its start: plain text named .rtf?)"),
    (b"PK\x03\x04\x14\x00\x06\x00word/document.xml", "not RTF: a zip archive named .rtf (a .docx or .odt? rename it)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "not RTF: a Word 97-2003 document (.doc) or other OLE file "
                                                        "named .rtf"),
    (b"%PDF-1.7\n%\xe2\xe3", "not RTF: a PDF named .rtf"),
    ("{\\rtf1 hi}".encode("utf-16"), "not RTF: UTF-16 text named .rtf (RTF is 8-bit)"),
    (b"  <!DOCTYPE html><html><body>Saved page</body></html>", "not RTF: an HTML page named .rtf"),
    (bytes(range(256)) * 8, "not RTF (binary file)"),
    (b"{\\rtf1\\ansi{\\fonttbl{\\f0 Arial;}}}", "empty document"),
    (b"{\\rtf1\\ansi {\\v every word is hidden}\\par}", "empty document (all its text is hidden)"),
])
def test_not_rtf_or_nothing_to_read(raw, reason):
    assert _reason(raw) == reason


def test_empty_file_through_load_file(tmp_path):
    f = tmp_path / "empty.rtf"
    f.write_bytes(b"")
    with pytest.raises(LoadError, match="^empty document$"):
        load_file(f)


def test_a_file_cut_short_is_read_up_to_the_cut():
    # round 53: read with a note (test_r53_rtf_cut.py); damaged only when it is cut before any text
    raw = rb.word(rb.para("The hearing is on 14 May.") * 50)
    assert load_rtf(P, raw[: len(raw) // 2]).notes[0].startswith("the file ends early (")
    assert load_rtf(P, b"{\\rtf1 {\\b bold").text == "bold"
    # cut inside a picture that is stepped over
    assert load_rtf(P, b"{\\rtf1 text{\\*\\shppict{\\pict 89504e47").text == "text"
    assert _reason(raw[:300]).startswith("damaged RTF: cut short (")


@pytest.mark.parametrize("raw", [b"{" * 100_000, b"{\\rtf1 " + b"{" * 100_000 + b"x" + b"}" * 100_000,
                                 b"{\\rtf1 x" + b"{\\b " * 100_000], ids=["braces", "rtf-braces", "bold-groups"])
def test_groups_nested_without_end_are_refused_without_recursion(raw):
    t = time.perf_counter()
    reason = _reason(raw)
    assert time.perf_counter() - t < 2
    assert reason in (f"damaged RTF: groups nested over {MAX_DEPTH:,} deep",
                      "not RTF (no {\\rtf at its start: plain text named .rtf?)")


def test_deep_nesting_inside_a_skipped_destination_is_stepped_over():
    raw = b"{\\rtf1 Before{\\*\\unknownthing " + b"{" * 200_000 + b"}" * 200_000 + b"} after.\\par}"
    t = time.perf_counter()
    assert load_rtf(P, raw).text == "Before after."
    assert time.perf_counter() - t < 2


def test_stray_closing_braces_and_text_after_the_end():
    assert load_rtf(P, b"{\\rtf1 Kept.}" + b"}" * 100_000 + b" not part of the document").text == "Kept."


@pytest.mark.parametrize("raw", [b"{\\rtf1 a{\\pict\\bin99999999 xx}}", b"{\\rtf1 a{\\*\\objdata\\bin50 ab}}",
                                 b"{\\rtf1 a\\bin-5 b}", b"{\\rtf1 a{\\*\\shppict{\\pict\\bin2147483647 }}}"])
def test_bin_data_past_the_end_of_the_file(raw):
    assert _reason(raw).startswith("damaged RTF: \\bin claims ")


def test_bin_data_is_stepped_over_even_holding_braces_and_backslashes():
    raw = b"{\\rtf1 Before{\\pict\\bin6 }}{\\x\\} after.\\par}"
    assert load_rtf(P, raw).text == "Before after."
    raw = b"{\\rtf1 Text\\bin4 {{{{ more.\\par}"  # \bin in the text itself: its bytes are not text
    assert load_rtf(P, raw).text == "Text more."


def test_outlook_bodies_refuse_bin_past_the_end_too():
    with pytest.raises(BadRtf):
        encapsulated(b"{\\rtf1\\ansi\\fromtext {\\*\\x\\bin999 a}}")


@pytest.mark.parametrize("raw", [
    b"{\\rtf1\\ansi\\ansicpg99999 caf\\'e9\\par}",  # no such code page: Windows-1252
    b"{\\rtf1\\ansi\\ansicpg0 caf\\'e9\\par}",
    b"{\\rtf1{\\fonttbl{\\f0\\fcharset250 X;}}\\f0 caf\\'e9\\par}",  # an unknown charset: the document's
    b"{\\rtf1\\uc99999999 caf\\u233 ?\\par}",
    b"{\\rtf1 caf\\u233\\'e9\\par}",
])
def test_odd_code_pages_and_skip_counts(raw):
    assert load_rtf(P, raw).text == "caf\u00e9"


def test_odd_numbers_and_words_do_not_fail():
    raw = (b"{\\rtf1 \\u99999999 \\u-99999999 \\fs99999999999 \\cf-3 \\highlight99 \\"
           + b"x" * 200 + b" \\'zz \\ Kept\\par}")
    text = load_rtf(P, raw).text
    assert "Kept" in text and "Traceback" not in text


def test_a_tiny_parse_budget_ends_a_huge_file_with_a_reason():
    raw = b"{\\rtf1 " + b"{\\b word}\\par " * 400_000 + b"}"
    token = PARSE_SECONDS.set(0.05)
    try:
        reason = _reason(raw)
    finally:
        PARSE_SECONDS.reset(token)
    assert reason.startswith("RTF took over 0.05 s to read (")


def test_a_large_file_reads_in_seconds():
    para = rb.para("The tenant shall pay \u00a31,850 per month, in advance, on the first working day.")
    pict = "{\\*\\shppict{\\pict\\pngblip " + "89504e470d0a1a0a" * 4_000 + "}}\\par\n"
    raw = rb.word((para * 200 + pict) * 40)  # 8,000 paragraphs, 40 pictures: ~7 MB
    t = time.perf_counter()
    d = load_rtf(P, raw)
    assert time.perf_counter() - t < 20
    assert d.text.count("\u00a31,850") == 8_000 and "89504e47" not in d.text


def test_font_and_colour_tables_of_millions_of_entries_are_not_kept_whole():
    fonts = b"".join(b"{\\f%d\\fcharset204 Arial Cyr;}" % i for i in range(40_000))
    raw = b"{\\rtf1{\\fonttbl" + fonts + b"}{\\colortbl" + b";" * 3_000_000 + b"}\\f39999\\cf40000 Kept\\par}"
    t = time.perf_counter()
    assert load_rtf(P, raw).text == "Kept"
    assert time.perf_counter() - t < 5


def test_a_long_read_beats_and_a_stop_asked_for_mid_read_goes_through():
    from ragtune.appliance.ingest.loaders import base

    raw = b"{\\rtf1 " + b"{\\b word}\\par " * 100_000 + b"}"
    beats: list[float] = []
    token = base.PARSE_BEAT.set(beats.append)
    try:
        load_rtf(P, raw)
    finally:
        base.PARSE_BEAT.reset(token)
    assert len(beats) >= 5 and beats == sorted(beats) and 0 < beats[-1] <= 1

    class Stop(Exception):
        pass

    def stop(_fraction: float) -> None:
        raise Stop

    token = base.PARSE_BEAT.set(stop)
    try:
        with pytest.raises(Stop):  # the caller's own exception, not a LoadError remembered with the file
            load_rtf(P, raw)
    finally:
        base.PARSE_BEAT.reset(token)
