"""Round 51: slide decks (.pptx from PowerPoint and LibreOffice Impress) read by loaders/slides.py: slides in
presentation order, a `## Slide N: title` heading each, shapes in reading order, bullets, tables, charts, speaker
notes; hidden slides and shapes left out with a note; footers, slide numbers and prompts never read. Decks are built
by tests/appliance/pptx_build.py (invented content)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ragtune.appliance.ingest.loaders.slides import load_pptx

from .pptx_build import (PPTM_MAIN, Slide, body, chart, footer_phs, group, para, pptx, sp, table, textbox, title,
                         zip_parts)

P = Path("/decks/Q1 sales review.pptx")


def load(slides, **kw):
    return load_pptx(P, pptx(slides, **kw))


def headings(text: str) -> list[str]:
    return re.findall(r"^## (.*)$", text, re.M)


def test_slides_follow_the_presentation_order_not_file_names():
    # slide files 1..12 shown in another order: the 10th shown is slide3.xml; the relationship ids run backwards
    slides = [Slide([title(f"Topic {chr(65 + i)}"), body(f"Fact {i}")]) for i in range(12)]
    order = [0, 1, 11, 4, 5, 6, 7, 8, 9, 2, 3, 10]
    d = load(slides, order=order)
    assert headings(d.text) == [f"Slide {n}: Topic {chr(65 + i)}" for n, i in enumerate(order, 1)]
    assert d.text.index("Slide 9:") < d.text.index("Slide 10:") < d.text.index("Slide 11:")


def test_title_heading_then_text_bullets_with_levels_and_numbers():
    numbered = '<a:buFont typeface="+mj-lt"/><a:buAutoNum type="arabicPeriod"/>'
    d = load([Slide([body(["Revenue grew 12%", ("EMEA up 8%", 1), ("Nordics up 21%", 2), "Churn fell to 3%",
                           para("Call the office first", ppr=numbered), para("Then e-mail", ppr=numbered),
                           para("Plain closing line", ppr="<a:buNone/>")]),
                     title("Highlights")])])
    assert d.text.split("\n") == ["## Slide 1: Highlights", "", "- Revenue grew 12%", "  - EMEA up 8%",
                                  "    - Nordics up 21%", "- Churn fell to 3%", "1. Call the office first",
                                  "2. Then e-mail", "Plain closing line"]
    assert d.text.count("Highlights") == 1  # the title is the heading, not repeated


def test_subtitle_and_text_boxes_have_no_bullets_unless_their_paragraphs_say():
    lo_bullet = '<a:buClr><a:srgbClr val="000000"/></a:buClr><a:buSzPct val="45000"/>' \
                '<a:buFont typeface="StarSymbol"/>' \
                '<a:buChar char="&#9679;"/>'
    d = load([Slide([title("Kick-off", "ctrTitle"), body("Engineering all-hands", kind="subTitle")], layout=1),
              Slide([title("Notes"), textbox("A plain text box", 800_000, 1_500_000),
                     textbox([para("An explicit bullet", ppr=lo_bullet)], 800_000, 3_000_000)])])
    assert "\nEngineering all-hands\n" in d.text + "\n"
    assert "\nA plain text box\n" in d.text and "\n- An explicit bullet" in d.text


def test_body_placeholders_bullet_by_default_when_the_master_has_no_text_styles():
    d = load([Slide([title("Plan"), body(["First step", ("Detail", 1)])])], master_styles=False)
    assert "- First step\n  - Detail" in d.text


def test_reading_order_top_to_bottom_left_to_right_with_layout_positions():
    # written in the file bottom-up; the body placeholder has no offset of its own (its layout's: y 1,825,625)
    shapes = [textbox("Footnote: figures unaudited", 800_000, 6_000_000), body("Body from the layout position"),
              textbox("Right column text", 6_500_000, 1_000_000), textbox("Left column text", 800_000, 1_100_000),
              title("Layout")]
    d = load([Slide(shapes)])
    order = ["Left column text", "Right column text", "Body from the layout position", "Footnote: figures unaudited"]
    at = [d.text.index(s) for s in order]
    assert at == sorted(at)


def test_a_shape_without_any_position_keeps_its_place_after_the_one_before_it():
    shapes = [title("Fallback"), textbox("Lower box", 800_000, 5_000_000),
              sp("No position anywhere", ph='type="pic" idx="30"'), textbox("Upper box", 800_000, 1_000_000)]
    d = load([Slide(shapes)])
    assert d.text.index("Upper box") < d.text.index("Lower box") < d.text.index("No position anywhere")


def test_groups_are_one_block_read_in_their_own_order():
    g = group(textbox("Target: 4.2 million", 0, 2_000_000), textbox("Nordic region", 0, 0), x=800_000, y=3_000_000)
    d = load([Slide([title("Targets"), g, textbox("Above the group", 800_000, 1_000_000)])])
    assert d.text.index("Above the group") < d.text.index("Nordic region\nTarget: 4.2 million")


def test_tables_are_rows_header_first_with_merged_cells_once():
    rows = [["Region", "Q1", "Q2"], ["EMEA", "4.1 M", "4.4 M"], ["Total of both", "covered", "8.5 M"]]
    d = load([Slide([title("Revenue"), table(rows, merged=(2, 0))])])
    # "covered": hMerge; each row under the header labelled (round 53), the merged cell under its first column's
    assert d.text.endswith("Region: EMEA; Q1: 4.1 M; Q2: 4.4 M\nRegion: Total of both; Q2: 8.5 M")


def test_chart_titles_and_smartart_nodes():
    dgm = ('<?xml version="1.0" encoding="UTF-8"?><dgm:dataModel xmlns:dgm="http://schemas.openxmlformats.org/'
           'drawingml/2006/diagram" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><dgm:ptLst>'
           '<dgm:pt modelId="{0}" type="doc"><dgm:prSet/><dgm:spPr/><dgm:t><a:bodyPr/><a:p><a:r><a:t>doc</a:t>'
           '</a:r></a:p></dgm:t></dgm:pt><dgm:pt modelId="{1}"><dgm:prSet/><dgm:spPr/><dgm:t><a:bodyPr/><a:p><a:r>'
           '<a:t>Design review</a:t></a:r></a:p></dgm:t></dgm:pt><dgm:pt modelId="{2}" type="parTrans"><dgm:t>'
           '<a:p><a:r><a:t>connector</a:t></a:r></a:p></dgm:t></dgm:pt><dgm:pt modelId="{3}"><dgm:t><a:bodyPr/>'
           '<a:p><a:r><a:t>Release gate</a:t></a:r></a:p></dgm:t></dgm:pt></dgm:ptLst></dgm:dataModel>')
    frame = ('<p:graphicFrame><p:nvGraphicFramePr><p:cNvPr id="90" name="Diagram"/><p:cNvGraphicFramePr/><p:nvPr/>'
             '</p:nvGraphicFramePr><p:xfrm><a:off x="800000" y="5000000"/><a:ext cx="1" cy="1"/></p:xfrm><a:graphic>'
             '<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/diagram"><dgm:relIds '
             'xmlns:dgm="http://schemas.openxmlformats.org/drawingml/2006/diagram" r:dm="rId7" r:lo="rId8" '
             'r:qs="rId9" r:cs="rId10"/></a:graphicData></a:graphic></p:graphicFrame>')
    s = Slide([title("Pipeline"), chart("rId5"), frame], charts={"rId5": "Revenue by region, 2024"},
              parts={"rId7": ("diagramData", "../diagrams/data1.xml")})
    d = load([s], extra={"ppt/diagrams/data1.xml": dgm})
    assert "Chart: Revenue by region, 2024" in d.text
    assert "- Design review\n- Release gate" in d.text and "connector" not in d.text and "doc" not in d.text


def test_speaker_notes_follow_the_slide_text():
    d = load([Slide([title("Pricing"), body("List price stays")], notes="Nordic discount is 15%.\nAsk legal first."),
              Slide([title("Next")])])
    slide1 = d.text.split("## Slide 2")[0]
    assert slide1.rstrip().endswith("- List price stays\n\nNotes: Nordic discount is 15%.\nAsk legal first.")
    assert "7" not in slide1  # the notes page's slide-number placeholder


def test_footers_dates_slide_numbers_and_prompts_are_never_read():
    empty_title = sp("", ph='type="title"')
    fields = ('<a:p><a:r><a:t>Page </a:t></a:r><a:fld id="{1}" type="slidenum"><a:t>‹#›</a:t></a:fld><a:r><a:t> of '
              'deck, printed </a:t></a:r><a:fld id="{2}" type="datetime1"><a:t>3/4/2024</a:t></a:fld></a:p>')
    d = load([Slide([title("Status"), body("All green"), footer_phs()]),
              Slide([empty_title, body("Click to add text"), textbox("Only fact", 800_000, 3_000_000),
                     textbox([fields], 800_000, 6_000_000)])])
    assert d.text.endswith("Only fact\n\nPage of deck, printed")
    for word in ("Acme Confidential", "3/4/2024", "Click to", "Master"):
        assert word not in d.text
    assert headings(d.text) == ["Slide 1: Status", "Slide 2"]
    d = load([Slide([title("Before")]), Slide([sp("", ph='type="title"'), body("")]), Slide([title("After")])])
    assert headings(d.text) == ["Slide 1: Before", "Slide 3: After"]  # a slide of prompts only has no heading


def test_hidden_slides_and_hidden_shapes_are_left_out_with_notes():
    d = load([Slide([title("Shown"), body("Public fact"), textbox("Planted claim", 0, 0, hidden=True),
                     group(textbox("Also planted", 0, 0), x=0, y=0, hidden=True)]),
              Slide([title("Backup"), body("Old numbers")], hidden=True),
              Slide([title("Last"), body("End")]), Slide([title("Old")], hidden=True)])
    assert headings(d.text) == ["Slide 1: Shown", "Slide 3: Last"]  # numbers as the slide sorter shows them
    assert "planted" not in d.text.lower() and "Old numbers" not in d.text
    assert d.notes[0].startswith("2 hidden slides (2, 4) left out")
    assert d.notes[1].startswith("2 shapes of hidden text (hidden in the selection pane)")


def test_title_and_date_fall_back():
    d = load([Slide([title("Shown first")]), Slide([title("Second")])], doc_title="Sales Kick-off 2024")
    assert (d.title, d.doc_date) == ("Sales Kick-off 2024", "2024-03-05")
    d = load([Slide([title("Hidden one")], hidden=True), Slide([title("Roadmap\nFY25")])], created=None)
    assert (d.title, d.doc_date) == ("Roadmap FY25", "2024-04-01")  # a line break in a title is a space
    d = load([Slide([body("No title here")])], created=None, modified=None)
    assert (d.title, d.doc_date) == ("Q1 sales review", None)


def test_unicode_text_is_kept_and_composed():
    d = load([Slide([title("Überblick – 概要"), body(["Café e\u0301 naïve", "売上は12%増加 🚀", "مرحبا بالعالم"])])],
             doc_title="Präsentation")
    assert "## Slide 1: Überblick – 概要" in d.text and "Café é naïve" in d.text
    assert "売上は12%増加 🚀" in d.text and "مرحبا" in d.text and d.title == "Präsentation"


def test_libreoffice_impress_shape_of_a_deck():
    # Impress writes every placeholder with its own offset, bullets on each paragraph, notes as type="body"
    bullet = '<a:buFont typeface="StarSymbol"/><a:buChar char="&#9679;"/>'
    shapes = [sp("Roadmap 2025", ph='type="title"', at=(504_000, 301_000)),
              sp([para("Ship the API", ppr=bullet), para("Retire v1", lvl=1, ppr=bullet)], ph='type="body"',
                 at=(504_000, 1_768_000))]
    raw = pptx([Slide(shapes)], master_styles=False, generator="LibreOffice/7.6.4.1$Linux_X86_64",
               doc_title=None)
    d = load_pptx(Path("/decks/roadmap.pptx"), raw)
    assert d.text == "## Slide 1: Roadmap 2025\n\n- Ship the API\n  - Retire v1" and d.title == "Roadmap 2025"


def test_alternate_content_reads_the_choice_once():
    alt = ('<mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
           '<mc:Choice xmlns:a14="http://schemas.microsoft.com/office/drawing/2010/main" Requires="a14">'
           f'{textbox("Equation text", 800_000, 2_000_000)}</mc:Choice><mc:Fallback>'
           f'{textbox("Equation text", 800_000, 2_000_000)}</mc:Fallback></mc:AlternateContent>')
    d = load([Slide([title("Maths"), alt])])
    assert d.text.count("Equation text") == 1


def test_macro_enabled_slide_show_and_strict_decks_are_read():
    d = load_pptx(Path("/decks/tool.pptm"), pptx([Slide([title("Macro deck"), body("Text only")])],
                                                   main_type=PPTM_MAIN, extra={"ppt/vbaProject.bin": b"\x00" * 64}))
    assert "- Text only" in d.text
    raw = pptx([Slide([title("Strict"), body("Read the same")])])
    import io
    import zipfile
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    for old, new in ((b"schemas.openxmlformats.org/presentationml/2006/main",
                      b"purl.oclc.org/ooxml/presentationml/main"),
                     (b"schemas.openxmlformats.org/drawingml/2006/main", b"purl.oclc.org/ooxml/drawingml/main"),
                     (b"schemas.openxmlformats.org/officeDocument/2006/relationships",
                      b"purl.oclc.org/ooxml/officeDocument/relationships")):
        parts = {n: v.replace(old, new) for n, v in parts.items()}
    d = load_pptx(P, zip_parts(parts))
    assert d.text == "## Slide 1: Strict\n\n- Read the same"


@pytest.mark.parametrize("target", ["/ppt/slides/slide1.xml", "slides/slide%31.xml"])
def test_relationship_targets_absolute_or_escaped(target):
    raw = pptx([Slide([title("Odd target"), body("Still found")])])
    import io
    import zipfile
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    rels = "ppt/_rels/presentation.xml.rels"
    parts[rels] = parts[rels].replace(b'Target="slides/slide1.xml"', f'Target="{target}"'.encode())
    assert "Still found" in load_pptx(P, zip_parts(parts)).text
