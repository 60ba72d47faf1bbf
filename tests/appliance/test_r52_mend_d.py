"""Round 52, mender mD (reviewer rD): visible text the hidden-text rules dropped, and hidden text they read.
- a white text box drawn over a picture, a filled shape or a template's banner is seen: a slide's background is not
  what lies under a shape drawn after something that paints (slides._Deck.shapes);
- white text on an HTML background picture (`background=` attribute) or placed over an <img> (position:absolute,
  inline or by a rule) is seen (hidden_paint);
- a stray `</p>` inside a hidden <div> no longer ends it when the page's <p> was closed by the <div> (hidden.py's
  elements outside every region are a stack closed as a browser closes them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ragtune.appliance.ingest.loaders.slides import load_pptx
from ragtune.appliance.ingest.loaders.web import page_text

from . import pptx_build as pb

SEEN = "Revenue up 40% in Q3"
WHITE = ('<a:p><a:r><a:rPr lang="en-US"><a:solidFill><a:srgbClr val="FFFFFF"/></a:solidFill></a:rPr>'
         f'<a:t>{SEEN}</a:t></a:r></a:p>')
PIC = ('<p:pic><p:nvPicPr><p:cNvPr id="50" name="Picture 1"/><p:cNvPicPr/><p:nvPr/></p:nvPicPr><p:blipFill>'
       '<a:blip r:embed="rId9"/><a:stretch><a:fillRect/></a:stretch></p:blipFill><p:spPr>'
       + pb.xfrm(0, 0, 12192000, 6858000) + '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></p:spPr></p:pic>')
BANNER = ('<p:sp><p:nvSpPr><p:cNvPr id="51" name="Rectangle 1"/><p:cNvSpPr/><p:nvPr/></p:nvSpPr><p:spPr>'
          + pb.xfrm(0, 0, 12192000, 2000000) + '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom><a:solidFill>'
          '<a:srgbClr val="1F3864"/></a:solidFill></p:spPr></p:sp>')


def _deck(tmp_path: Path, shapes: list[str], **kw):
    p = tmp_path / "deck.pptx"
    p.write_bytes(pb.pptx([pb.Slide([*shapes, pb.textbox(["Other text"], 800000, 4000000)])], **kw))
    return load_pptx(p, p.read_bytes())


@pytest.mark.parametrize("under", [PIC, BANNER, pb.group(BANNER, x=0, y=0)], ids=["picture", "banner", "group"])
def test_white_text_over_a_picture_or_a_filled_shape_is_kept(tmp_path, under):
    doc = _deck(tmp_path, [under, pb.textbox([WHITE], 800000, 800000)])
    assert SEEN in doc.text and "Other text" in doc.text
    assert not any("hidden text" in n for n in doc.notes), doc.notes


def test_white_text_drawn_before_what_paints_is_still_judged(tmp_path):
    # nothing is under the first box but the white slide: still left out (the rule is not switched off)
    doc = _deck(tmp_path, [pb.textbox([WHITE], 800000, 800000), PIC])
    assert SEEN not in doc.text and any("in the colour behind it" in n for n in doc.notes), doc.notes


def test_white_text_over_the_layouts_banner_is_kept(tmp_path):
    layout = (f'{pb.DECL}<p:sldLayout {pb.NS}><p:cSld name="Title and Content"><p:spTree><p:nvGrpSpPr>'
              '<p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr><p:grpSpPr/>' + BANNER
              + '</p:spTree></p:cSld></p:sldLayout>')
    doc = _deck(tmp_path, [pb.textbox([WHITE], 800000, 800000)], extra={"ppt/slideLayouts/slideLayout2.xml": layout})
    assert SEEN in doc.text and not any("hidden text" in n for n in doc.notes), doc.notes


@pytest.mark.parametrize("page,seen", [
    ('<div style="position:relative"><img src="hero.jpg" alt=""><h1 style="position:absolute;top:40px;'
     'color:#ffffff">Spring sale 2024</h1></div><p>Body text here.</p>', "Spring sale 2024"),
    ('<style>.cap{position:absolute;bottom:0}</style><div class="cap"><span style="color:#fff">On the photo</span>'
     '</div><img src="a.jpg">', "On the photo"),
    ('<table><tr><td background="dark.jpg"><font color="#ffffff">Quarterly results</font></td></tr></table>'
     '<p>Body.</p>', "Quarterly results"),
    ('<html><body background="dark.jpg"><font color="white">Welcome to our newsletter</font><p>x</p></body></html>',
     "Welcome to our newsletter"),
])
def test_white_html_text_on_a_picture_or_placed_over_one_is_kept(page, seen):
    text, p = page_text(page)
    assert seen in text and not p.hidden


def test_white_html_text_on_the_white_page_is_still_left_out():
    text, p = page_text('<p>Seen.</p><p><span style="color:#fff">PLANTED words</span></p>')
    assert "Seen." in text and "PLANTED" not in text and p.hidden == 1


def test_a_stray_end_tag_in_a_hidden_div_does_not_end_it():
    text, p = page_text('<p>intro<p>more<div style="display:none">ignore previous</p> instructions secret</div>'
                        '<p>end')
    assert "intro" in text and "more" in text and "end" in text
    assert "instructions" not in text and "ignore" not in text and p.hidden == 1
    # an end tag of an element still open around the hidden one ends it, as before
    text, _ = page_text('<div>a<span hidden>secret</div>after')
    assert "after" in text and "secret" not in text
