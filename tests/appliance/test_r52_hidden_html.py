"""Round 52: HTML hidden text left by round 51 — a region hidden two ways shown only when a child undoes both, an
unclosed `<p>` in a child shown again ends with that child, and text in the colour of an ancestor's or the page's
background (hidden_paint.py); text a reader sees is kept (a dark section, a picture, a linked sheet, a dark theme)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ragtune.appliance.ingest.loaders.web import load_html

INTRO = "<p>Staff get twenty five days of annual leave each year in this company.</p>"
END = "<p>End of the page here.</p>"


def _text(body: str, head: str = "", body_attrs: str = "") -> tuple[str, tuple]:
    page = f"<html><head><title>Leave</title>{head}</head><body{body_attrs}>{INTRO}{body}{END}</body></html>"
    doc = load_html(Path("leave.html"), page.encode())
    return " ".join(doc.text.split()), doc.notes


HIDDEN = {
    "font-and-visibility": '<div style="font-size:0;visibility:hidden"><p style="font-size:14px">SECRET</p></div>',
    "visibility-and-font": '<div style="visibility:hidden;font-size:0"><p style="visibility:visible">SECRET</p></div>',
    "inline-font-sheet-visibility": ('<div class=x style="font-size:0"><p style="font-size:12px">SECRET</p></div>',
                                     "<style>.x{visibility:hidden}</style>"),
    "hidden-again-inside": ('<div style="font-size:0"><span style="visibility:hidden"><b style="font-size:9pt">'
                            "SECRET</b></span></div>"),
    "unclosed-p-in-shown": ('<div style="font-size:0"><div style="font-size:14px"><p>Seen one<p>Seen two</div>'
                            "SECRET</div>"),
    "unclosed-p-section": '<div style="font-size:0"><section style="font-size:14px"><p>Seen one</section>SECRET</div>',
    "ancestor-background": '<div style="background:#fff"><p style="color:#fff">SECRET</p></div>',
    "ancestor-bgcolor": '<table bgcolor="#003366"><tr><td><font color="#003366">SECRET</font></td></tr></table>',
    "page-default-white": '<p>Words <span style="color:#ffffff">SECRET</span> here.</p>',
    "body-rule": ('<p style="color:#fafafa">SECRET</p>', "<style>body{background:#fafafa}</style>"),
    "body-inline": ('<p style="color:black">SECRET</p>', "", ' style="background-color:#000"'),
    "inherited-by-children": '<div style="color:#fff"><p>SECRET <em>too</em></p></div>',
    "stray-end-tag": '<div style="display:none"></b>SECRET</div>',  # closes nothing: a browser ignores it
    "stray-end-tag-hidden": "<section hidden></span></p>SECRET</section>",
}


@pytest.mark.parametrize("name", sorted(HIDDEN))
def test_hidden_text_is_left_out(name):
    case = HIDDEN[name]
    body, head, attrs = (case, "", "") if isinstance(case, str) else (*case, "")[:3]
    text, notes = _text(body, head, attrs)
    assert "SECRET" not in text and "End of the page here." in text and "twenty five days" in text
    assert notes and "hidden text" in notes[0]


def test_shown_children_keep_their_text_and_shape():
    text, _ = _text('<div style="font-size:0"><div style="font-size:14px"><p>Seen one<p>Seen two</div>SECRET'
                    "</div><p>After the box.</p>")
    assert "Seen one Seen two" in text and "After the box." in text and "SECRET" not in text
    text, _ = _text('<div style="font-size:0;visibility:hidden"><p style="font-size:14px;visibility:visible">'
                    "Shown both ways.</p></div>")
    assert "Shown both ways." in text


SEEN = {
    "dark-section": '<div style="background:#222"><p style="color:#fff">SEEN</p></div>',
    "hero-picture": ('<div style="background:url(hero.jpg)"><h1 style="color:#fff">SEEN</h1></div>', "",
                     ' style="background:#fff"'),
    "gradient": '<div style="background:linear-gradient(#000,#333)"><p style="color:#fff">SEEN</p></div>',
    "see-through": '<div style="background:rgba(255,255,255,0.2)"><p style="color:#fff">SEEN</p></div>',
    "linked-sheet": ('<p style="color:#fff">SEEN</p>', '<link rel="stylesheet" href="dark.css">'),
    "sheet-paints-class": ('<div class="banner"><p style="color:#fff">SEEN</p></div>',
                           "<style>.banner{background:#123}</style>"),
    "sheet-paints-descendant": ('<div class="card"><p style="color:#fff">SEEN</p></div>',
                                "<style>.dark .card{background-color:#000}</style>"),
    "dark-theme": ('<p style="color:#fff">SEEN</p>',
                   "<style>@media (prefers-color-scheme: dark){body{background:#111}}</style>"),
    "theme-class": ('<p style="color:#fff">SEEN</p>', "<style>body.dark{background:#111}</style>"),
    "mark": '<p><mark style="color:#fff">SEEN</mark></p>',
    "button": '<button style="color:#fff">SEEN</button>',
    "shadow": '<p style="color:#fff;text-shadow:0 0 2px #000">SEEN</p>',
    "own-background": '<p style="color:#fff;background:#c00">SEEN</p>',
    "child-background": '<div style="color:#fff"><p style="background:#036">SEEN</p></div>',
    "ancestor-closed": '<section><div style="background:#000"></section><p style="color:#000">NOT </p><p>SEEN</p>',
    "hidden-closed-by-ancestor": "<div><span hidden>x</div><p>SEEN</p>",
}


@pytest.mark.parametrize("name", sorted(SEEN))
def test_text_a_reader_sees_is_kept(name):
    case = SEEN[name]
    body, head, attrs = (case, "", "") if isinstance(case, str) else (*case, "")[:3]
    text, notes = _text(body, head, attrs)
    assert "SEEN" in text and (name != "ancestor-closed" or "NOT SEEN" in text), text
    assert not notes or name == "hidden-closed-by-ancestor", notes
