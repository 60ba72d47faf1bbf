"""Round 53, reviewer rC's reader findings mended: an HTML page colour set by a rule that may outweigh a later one
(`!important`, `html body`) or hidden by a body that paints nothing (visible white text was dropped), a print-only
rule un-hiding screen-hidden text, the .doc hidden-run count over many notes (quadratic), .doc style chains walked for
every (paragraph, character) style pair, a default character style that is not one, and a .rtf cut inside a `\\uN`,
after an escaped backslash or between a double-byte character's two bytes."""

from __future__ import annotations

import random
import struct
import time
from pathlib import Path

import pytest

from ragtune.appliance.ingest.loaders import worddoc_props as wp
from ragtune.appliance.ingest.loaders.richtext import load_rtf
from ragtune.appliance.ingest.loaders.web import load_html
from ragtune.appliance.ingest.loaders.worddoc import _Text
from ragtune.appliance.ingest.loaders.worddoc_props import VANISH, Sight, Style

WHITE = "White words on the dark page are visible to every reader."
P = Path("x.rtf")


def _html(css: str, colour: str = "#fff") -> str:
    page = (f"<style>{css}</style><body><p>The opening paragraph of the page, which every reader sees.</p>"
            f"<p style='color:{colour}'>{WHITE}</p></body>")
    return load_html(Path("page.html"), page.encode()).text


# -- 1. the page's colour: rules that may outweigh a later one; a body painting nothing -----------------------------
@pytest.mark.parametrize("css", [
    "body{background:#111 !important}\nbody{background:#fff}",  # the !important one wins
    "body{background:#111 ! important}\nbody{background:#fff}",
    "html body{background:#111}\nbody{background:#fff}",  # the more specific one wins
    "html > body{background:#111}\nbody{background:#fff}",
    "body{background:#fff}\nbody{background:#111}",  # the last one wins
    "html{background:#111} body{background:transparent}",  # html's colour shows through body
    "html{background:#111} body{background:none}",
    "html{background:#111} body{margin:0;background-position:center}",
    ":root{background:#111} body{background-color:transparent}",
    "body{background:#fff} .dark body{background:#111}",  # a dark theme's class on <html>: a condition
])
def test_white_text_a_reader_may_see_is_kept(css):
    assert WHITE in _html(css)


@pytest.mark.parametrize("css,colour", [
    ("body{background:#fff !important}\nbody{background:#fff}", "#fff"),  # the rules agree: white on white
    ("html body{background:#fff}", "#fff"),
    ("body{background:#111}\nbody{background:#fff}", "#fff"),  # plain rules: the last one wins
    ("html{background:#111} body{background:transparent}", "#111"),  # html's colour judged
    ("body{color:red !important}\nbody{background:#111}\nbody{background:#fff}", "#fff"),  # not a background's
])
def test_text_in_the_page_colour_is_still_left_out(css, colour):
    text = _html(css, colour)
    assert WHITE not in text and "opening paragraph" in text


def test_a_print_only_rule_does_not_show_screen_hidden_text():
    lead = "<p>Screen text of this page, a long paragraph that readers see on every screen they use.</p>"
    for css in (".x{display:none} @media print{.x{display:block}}",
                ".x{display:none} @media only print{.x{display:block !important}}",
                ".x{display:none}</style><style media=print>.x{display:block}"):
        page = f"<style>{css}</style><body>{lead}<p class='x'>PRINT ONLY footer: printed copy.</p></body>"
        text = load_html(Path("page.html"), page.encode()).text
        assert "Screen text" in text and "PRINT ONLY" not in text, css
    page = f"<style>.x{{display:none}} @media screen{{.x{{display:block}}}}</style>{lead}<p class=x>Shown too.</p>"
    assert "Shown too." in load_html(Path("page.html"), page.encode()).text  # a screen rule still shows it


# -- 2. the .doc hidden-run count: one bisect per span --------------------------------------------------------------
def _brute(spans, read):
    return [sum(1 for a, b, why in spans if why == w and any(a < e and s < b for s, e in read)) for w in (0, 1)]


def test_hidden_runs_counted_as_before_with_unsorted_overlapping_parts():
    rng = random.Random(53)
    for _ in range(300):
        n = rng.randrange(1, 80)
        spans, at = [], 0
        while at < n - 1:
            a = rng.randrange(at, n - 1)
            b = rng.randrange(a + 1, n)
            spans.append((a, b, rng.randrange(2)))
            at = b
        # (the main text, then notes: never empty, _note_refs)
        read = [(s, s + rng.randrange(1, 12)) for s in (rng.randrange(n) for _ in range(rng.randrange(4)))]
        assert _Text("x" * n, [(0, n, 0, 1)]).hide(spans, read) == _brute(spans, read)


def test_hidden_runs_over_many_notes_in_linear_time():
    n = 40_000  # (a note each, each with a hidden run: the walk of every note per run took minutes)
    text = "ab" * n
    spans = [(2 * i, 2 * i + 1, 0) for i in range(n)]
    read = [(0, 1)] + [(2 * i, 2 * i + 2) for i in range(n - 1, 0, -1)]
    t = time.perf_counter()
    assert _Text(text, [(0, len(text), 0, 1)]).hide(spans, read) == [n, 0]
    assert time.perf_counter() - t < 5


# -- 4. .doc style chains: one step per style --------------------------------------------------------------------
def _walked(sight: Sight, para: int, char: int) -> wp.Look:  # (the look as rounds 52-53 walked it)
    look = wp._PLAIN
    for st in sight.chain(para):
        look = wp._apply(look, st.chpx)
    if char != para:
        for st in sight.chain(char):
            look = wp._apply(look, st.chpx)
    return look


def _ops(rng: random.Random) -> dict[int, bytes]:
    ops: dict[int, bytes] = {}
    if rng.random() < 0.5:
        ops[VANISH] = bytes((rng.choice((0, 1, 0x80, 0x81, 7)),))
    if rng.random() < 0.4:
        ops[wp.HPS] = struct.pack("<H", rng.choice((2, 3, 20)))
    if rng.random() < 0.4:
        ops[wp.CV] = rng.choice((b"\xff\xff\xff\x00", b"\x00\x00\x00\xff", b"\x10\x20\x30\x00"))
    elif rng.random() < 0.3:
        ops[wp.ICO] = bytes((rng.choice((0, 1, 8)),))
    if rng.random() < 0.2:
        ops[wp.HIGHLIGHT] = b"\x07"
    return ops


def test_style_looks_as_the_chains_walked():
    rng = random.Random(5)
    for _ in range(60):
        n = rng.randrange(1, 30)
        stsh = {i: Style(rng.choice([0xFFF, *range(n + 2)]), _ops(rng), char=rng.random() < 0.5)
                for i in range(n) if rng.random() < 0.9}  # (bases missing, looping, to itself)
        sight = Sight(stsh, False)
        for para in range(-1, n + 1):
            for char in range(-1, n + 1):
                assert sight.style_look(para, char) == _walked(sight, para, char), (stsh, para, char)


def test_each_style_stepped_once(monkeypatch):
    calls = []
    real = wp._step
    monkeypatch.setattr(wp, "_step", lambda ops: calls.append(1) or real(ops))
    n = 400
    stsh = {i: Style(i - 1 if i else 0xFFF, {wp.HPS: struct.pack("<H", 20 + i % 5)}, char=i >= n // 2)
            for i in range(n)}
    sight = Sight(stsh, False)
    for p in range(0, n // 2, 3):
        for c in range(n // 2, n, 3):
            sight.style_look(p, c)
    assert len(calls) <= n


def test_default_character_style_only_when_istd_10_is_one():
    hide = {VANISH: b"\x01"}
    assert Sight({0: Style(0xFFF, {}), 10: Style(0xFFF, hide, char=True)}, False).why(None, None, 0) == wp.VANISHED
    para_10 = Sight({0: Style(0xFFF, {}), 10: Style(0xFFF, hide)}, False)  # istd 10 a paragraph style
    assert para_10.why(None, None, 0) is None and para_10.why(None, None, 10) == wp.VANISHED


# -- 3. a .rtf cut short: what is read is the start of the whole file's text -------------------------------------
_RTF = (rb"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Arial;}{\f1\fcharset128 MS Mincho;}}"
        rb"{\colortbl;\red0\green0\blue0;\red255\green255\blue255;}"
        rb"\pard Caf\'e9 price \u8364? and {\f1 \'82\'a0} kana {\v hidden} {\cf2 white} path C:\\dir\\ shown\par"
        rb"\uc2 wide \u20013\'a4\'a4 ok \u-3913?\par}")


def test_every_cut_reads_a_start_of_the_whole_text():
    whole = load_rtf(P, _RTF).text
    assert whole == "Caf\u00e9 price \u20ac and \u3042 kana   path C:\\dir\\ shown\n\nwide \u4e2d ok \uf0b7"
    for cut in range(_RTF.index(b"Caf") + 1, len(_RTF)):
        text = load_rtf(P, _RTF[:cut]).text
        assert whole.startswith(text.rstrip()), (cut, _RTF[cut - 12:cut], text[-20:])


@pytest.mark.parametrize("tail,text", [
    (rb"\pard Price \u8364", "Price"), (rb"\pard Price \u83", "Price"), (rb"\pard Price \u-39", "Price"),
    (rb"\pard Text {\f1 \'82", "Text"),  # a lead byte without its trail byte
    (rb"\pard path C:\\dir\\", "path C:\\dir\\"),  # an escaped backslash is text
    (rb"\pard path C:\\dir\\\'5", "path C:\\dir\\"), (rb"\pard one\\\\", "one\\\\"), (rb"\pard one\\\\\par", "one\\\\"),
    (rb"\pard Caf\'e9 \'8", "Caf\u00e9"),
])
def test_cut_at_the_end(tail, text):
    head = rb"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Arial;}{\f1\fcharset128 MS Mincho;}}"
    d = load_rtf(P, head + tail)
    assert d.text == text and "ends early" in d.notes[0]
