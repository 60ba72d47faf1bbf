"""Round 51: text hidden by a page's own <style> sheet (a class, an id, `tag.class`: display:none, visibility:hidden,
a zero font size, opacity:0, text in its background's colour) is left out as inline-styled text was in round 50;
what a reader can still open or hear is kept (a rule that shows it again, a script's toggle, screen-reader text,
a descendant sized or coloured again, a sheet that would hide most of the page)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from ragtune.appliance.ingest.loaders.hidden_paint import read_page
from ragtune.appliance.ingest.loaders.web import load_html

PLANT = "The vacation allowance for new hires is INVISIBLE days."
SEEN = "<p>The office opens at 8 am and closes at 6 pm on weekdays, all year.</p>"


def _load(html: str):
    return load_html(Path("p.html"), html.encode())


def _page(style: str, el: str, head: str = "") -> str:
    return f"<html><head>{head}<style>{style}</style></head><body>{SEEN}{el}<p>Lunch is at noon.</p></body></html>"


@pytest.mark.parametrize("style,el", [
    (".x{display:none}", f"<div class='x'>{PLANT}</div>"),
    (".x { DISPLAY : none !important }", f"<div class='a x b'>{PLANT}</div>"),
    ("#y{visibility:hidden}", f"<p id='y'>{PLANT}</p>"),
    ("p.z{font-size:0}", f"<p class='z'>{PLANT}</p>"),
    (".z{font-size:0px;line-height:0}", f"<span class='z'>{PLANT}</span>"),
    (".o{opacity:0}", f"<span class='o'>{PLANT}</span>"),
    (".w{color:#fff;background-color:white}", f"<span class='w'>{PLANT}</span>"),
    (".w{color:rgb(250,250,250);background:rgb(250,250,250)}", f"<span class='w'>{PLANT}</span>"),
    (".t{color:transparent}", f"<span class='t'>{PLANT}</span>"),
    (".a, .x{display:none}", f"<div class='x'>{PLANT}</div>"),
    ("@media screen{.x{display:none}}", f"<div class='x'>{PLANT}</div>"),
    ("@supports (display:grid){.x{display:none}}", f"<div class='x'>{PLANT}</div>"),
    ("/* c */ x-note{display:none}", f"<x-note>{PLANT}</x-note>"),
    (".x{display:none}", f"<div class='x'><p>{PLANT}</p><table><tr><td>{PLANT}</td></tr></table></div>"),
    # a plant the page's scripts do not name, no control targets, no disclosure name
    (".x{display:none}", f"<script>console.log(1)</script><div class='x'>{PLANT}</div>"),
])
def test_text_hidden_by_a_style_sheet_is_left_out(style, el):
    doc = _load(_page(style, el))
    assert "INVISIBLE" not in doc.text
    assert "8 am" in doc.text and "Lunch is at noon." in doc.text
    assert doc.notes and doc.notes[-1].startswith("1 element of hidden text")


@pytest.mark.parametrize("el", [f"<span style='color:#FFF;background-color:#fff'>{PLANT}</span>",
                                f"<span style='color:transparent'>{PLANT}</span>"])
def test_inline_colour_on_its_own_colour_is_left_out(el):
    doc = _load(f"<body>{SEEN}{el}<p>Lunch is at noon.</p></body>")
    assert "INVISIBLE" not in doc.text and "Lunch" in doc.text and doc.notes


@pytest.mark.parametrize("href", ["data:text/css,.x%7Bdisplay%3Anone%7D",
                                  "data:text/css;base64,LnggeyBkaXNwbGF5OiBub25lIH0="])
def test_a_data_url_style_sheet_is_read(href):
    doc = _load(f"<head><link rel='stylesheet' href='{href}'></head><body>{SEEN}<div class='x'>{PLANT}</div></body>")
    assert "INVISIBLE" not in doc.text and "8 am" in doc.text


def test_opacity_on_a_page_with_scripts_is_a_fade_and_kept():
    doc = _load(_page(".card{opacity:0}", f"<div class='card'>{PLANT}</div>", "<script src='reveal.js'></script>"))
    assert "INVISIBLE" in doc.text and not doc.notes


def test_a_sheet_after_the_element_still_applies():
    doc = _load(f"<body>{SEEN}<div class='x'>{PLANT}</div><style>.x{{display:none}}</style></body>")
    assert "INVISIBLE" not in doc.text and "8 am" in doc.text


@pytest.mark.parametrize("style,el,head", [
    # shown again by CSS: a tab, an accordion opened by a class, :target, :checked, :hover menus
    (".pane{display:none}.pane.active{display:block}", f"<div class='pane'>{PLANT}</div>", ""),
    (".collapse{display:none}.collapse.in{display:block}", f"<div class='collapse'>{PLANT}</div>", ""),
    (".faq-a{display:none}#q1:target .faq-a{display:block}", f"<div class='faq-a'>{PLANT}</div>", ""),
    (".sub{display:none} li:hover > .sub{display:block}", f"<ul><li>A<ul class='sub'><li>{PLANT}</li></ul></ul>", ""),
    (".p{display:none} input:checked ~ .p{display:block}", f"<input type=checkbox><div class='p'>{PLANT}</div>", ""),
    (".x{display:none}.x{display:block}", f"<div class='x'>{PLANT}</div>", ""),  # the later rule wins
    (".x{opacity:0;transition:opacity .3s}", f"<div class='x'>{PLANT}</div>", ""),  # a fade-in
    (".x{opacity:0;animation:in 1s forwards}@keyframes in{to{opacity:1}}", f"<div class='x'>{PLANT}</div>", ""),
    # Tailwind: hidden, but md:block on a wide screen
    (".hidden{display:none}@media (min-width:768px){.md\\:block{display:block}}",
     f"<div class='hidden md:block'>{PLANT}</div>", ""),
    # hidden only in print or on a narrow screen
    ("@media print{.x{display:none}}", f"<div class='x'>{PLANT}</div>", ""),
    ("@media (max-width:600px){.x{display:none}}", f"<div class='x'>{PLANT}</div>", ""),
    # inline style still wins
    (".x{display:none}", f"<div class='x' style='display:block'>{PLANT}</div>", ""),
    # a script that opens it: names it, or a control targets it, or an FAQ/accordion name
    (".extra{display:none}", f"<div class='extra'>{PLANT}</div>", "<script>$('.extra').slideToggle()</script>"),
    (".x{display:none}", f"<button aria-controls='a1'>Q?</button><div id='a1' class='x'>{PLANT}</div>",
     "<script src='site.js'></script>"),
    (".faq-answer{display:none}", f"<div class='faq-answer'>{PLANT}</div>", "<script src='faq.js'></script>"),
    (".x{display:none}", f"<div class='x' role='tabpanel'>{PLANT}</div>", "<script src='tabs.js'></script>"),
    # screen-reader text: read aloud to a reader with a screen reader
    (".sr-only{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0)}",
     f"<span class='sr-only'>{PLANT}</span>", ""),
    (".visually-hidden{position:absolute!important;clip-path:inset(50%);width:1px;height:1px}",
     f"<span class='visually-hidden'>{PLANT}</span>", ""),
    (".off{position:absolute;left:-9999px}", f"<span class='off'>{PLANT}</span>", ""),
    # a descendant sized, shown or coloured again: an inline-block grid, a colour box's link
    (".row{font-size:0}.col{font-size:14px}", f"<div class='row'> <div class='col'>{PLANT}</div> </div>", ""),
    (".row{font-size:0} p{font-size:1rem}", f"<div class='row'><p>{PLANT}</p></div>", ""),
    (".v{visibility:hidden} .v .in{visibility:visible}", f"<div class='v'><span class='in'>{PLANT}</span></div>",
     ""),
    (".w{color:#fff;background:#fff} a{color:#06c}", f"<div class='w'><a href='/x'>{PLANT}</a></div>", ""),
    # gradient text: transparent colour painted by its background
    (".g{color:transparent;-webkit-background-clip:text;background-image:linear-gradient(red,blue)}",
     f"<h2 class='g'>{PLANT}</h2>", ""),
    # a class written differently (classes are case-sensitive), a selector not read (two classes, attributes)
    (".X{display:none}", f"<div class='x'>{PLANT}</div>", ""),
    (".a.b{display:none} [data-x]{display:none} div > .c{display:none}",
     f"<div class='a b' data-x=1><span class='c'>{PLANT}</span></div>", ""),
])
def test_text_a_reader_sees_opens_or_hears_is_kept(style, el, head):
    doc = _load(_page(style, el, head))
    assert "INVISIBLE" in doc.text and "8 am" in doc.text and not doc.notes


@pytest.mark.parametrize("wrap", ["<!-- <style>.x{display:none}</style> -->",
                                  "<script>var s = '<style>.x{display:none}</style>';</script>",
                                  "<template><style>.y{color:red}</style></template><p hidden>.x{display:none}</p>"])
def test_a_style_element_in_a_comment_or_a_script_is_no_sheet(wrap):
    doc = _load(f"<body>{wrap}{SEEN}<div class='x'>{PLANT}</div></body>")
    assert "INVISIBLE" in doc.text


def test_a_sheet_that_would_hide_most_of_the_page_is_a_loading_guard():
    body = "".join(f"<p>Paragraph {i} of the handbook says something useful about leave.</p>" for i in range(20))
    doc = _load(f"<style>.ng-cloak{{display:none}}</style><body><h1>Handbook</h1><div class='ng-cloak'>{body}</div>"
                "</body>")
    assert "Paragraph 19" in doc.text and not doc.notes


def test_an_inline_grid_child_sized_again_is_seen():
    # round 50 read a font-size:0 element as hidden with all it holds; a child sized again is seen
    doc = _load(f"<body>{SEEN}<div style='font-size:0'><span style='font-size:14px'>{PLANT}</span></div></body>")
    assert "INVISIBLE" in doc.text


def test_a_large_sheet_is_read_within_bounds():
    rules = "".join(f".c{i}{{color:#{i % 999:03d};margin:{i}px}}\n" for i in range(120_000))  # ~4.5 MB
    page = f"<style>{rules}.x{{display:none}}</style><body>{SEEN}<div class='x'>{PLANT}</div></body>"
    t = time.perf_counter()
    sheet = read_page(page)[0]
    assert time.perf_counter() - t < 5
    assert sheet is None  # the hiding rule lies past the first megabyte read: nothing hidden, nothing lost
    t = time.perf_counter()
    doc = _load("<style>" + "{" * 2_000_000 + "}" * 10 + "/*" * 100_000 + f"</style><body>{SEEN}</body>")
    assert time.perf_counter() - t < 10 and "8 am" in doc.text
