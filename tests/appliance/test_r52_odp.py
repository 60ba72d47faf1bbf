"""ODP slide decks (loaders/opendoc_slides.py): the same shape as .pptx (`## Slide N: title`, shapes in reading
order, bullets, table rows, `Notes:`), hidden slides and shapes, hostile files. Invented content (CC0)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from ragtune.appliance.ingest.chunker import chunk_text
from ragtune.appliance.ingest.loaders import KINDS, LOADER_VERSIONS, LOADERS
from ragtune.appliance.ingest.loaders.base import LoadError
from ragtune.appliance.ingest.loaders.opendoc_slides import load_odp

from . import odp_build as b
from .ingest_helpers import real_tokenizer

P = Path("/council/cabinet/waste.odp")


@pytest.fixture(scope="module")
def real():
    return load_odp(P, b.real())


def test_registered_as_a_kind_at_version_2():
    assert KINDS[".odp"] == "odp" and LOADERS["odp"] is load_odp and LOADER_VERSIONS["odp"] >= 2  # (3: round 53)


def test_slides_in_order_with_titles_and_numbers_kept_across_a_hidden_slide(real):
    assert real.kind == "odp" and real.title == "Waste collection review" and real.doc_date == "2025-01-28"
    heads = [line for line in real.text.splitlines() if line.startswith("## ")]
    assert heads == ["## Slide 1: Waste collection review", "## Slide 2: Findings", "## Slide 4: Budget",
                     "## Slide 5: Dark slide"]


def test_outline_table_reading_order_and_notes(real):
    slide2 = real.text.split("## Slide 2: Findings\n\n", 1)[1].split("\n\n## Slide", 1)[0]
    assert slide2.split("\n\n") == [
        "- Missed bins fell 12%\n  - Northgate worst hit\n- Garden waste up",
        "Ward | Bins missed\nNorthgate | 41",
        "Left box", "Right box",  # one row (tops 2 mm apart): left to right, whatever the file's order
        "Notes: Mention the depot move."]


def test_furniture_and_subtitle(real):
    assert "Council cabinet, March 2025" in real.text
    assert "\n1\n" not in real.text  # the page-number frame


def test_hidden_slide_left_out_with_a_note(real):
    assert "HIDDEN-SLIDE" not in real.text
    assert real.notes[0].startswith("1 hidden slide (3) left out")


def test_all_slides_hidden_and_no_slides():
    with pytest.raises(LoadError, match=r"all 1 slides are hidden"):
        load_odp(P, b.odp(b.page("p", b.frame("title", "<text:p>x</text:p>"), style="dp2")))
    with pytest.raises(LoadError, match="a slide deck with no slides"):
        load_odp(P, b.odp(""))


def test_title_falls_back_to_first_slide_title_then_file_name():
    d = load_odp(P, b.odp(b.page("p", b.frame("title", "<text:p>Bin day changes</text:p>")),
                          meta_xml=b.meta(None)))
    assert d.title == "Bin day changes"
    d = load_odp(P, b.odp(b.page("p", b.frame(None, "<text:p>only a box</text:p>")), meta_xml=b.meta(None)))
    assert d.title == "waste" and d.text == "## Slide 1\n\nonly a box"


@pytest.mark.parametrize("raw,reason", [
    (b"PK\x03\x04 not really a zip", "corrupt ODP"),
    (b.odp(content_xml="<office:document-content"), "corrupt ODP: content.xml:"),
    (b.odp("x", mimetype="application/vnd.oasis.opendocument.spreadsheet"), "not an ODP: an OpenDocument spreadsheet"),
    (b.odp("x", manifest=b.ODP_MANIFEST.replace('manifest:media-type="text/xml"/>',
                                                'manifest:media-type="text/xml"><manifest:encryption-data/>'
                                                '</manifest:file-entry>', 1)), "encrypted ODP (password required)"),
    (b'<?xml version="1.0"?><office:document/>', "not an ODP: a flat OpenDocument XML file (.fodp)"),
])
def test_damaged_encrypted_and_wrong_files_get_a_reason(raw, reason):
    with pytest.raises(LoadError) as e:
        load_odp(P, raw)
    assert e.value.reason.startswith(reason)


def test_entity_bomb_refused_fast():
    xml = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
           + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 or "")) * 10}">' for i in range(1, 10))
           + "]>\n" + b.content(b.page("p", b.frame(None, "<text:p>&lol9;</text:p>"))).split("\n", 1)[1])
    t = time.perf_counter()
    with pytest.raises(LoadError, match="corrupt ODP: content.xml declares a DTD"):
        load_odp(P, b.odp(content_xml=xml))
    assert time.perf_counter() - t < 2


def test_deeply_nested_groups_fail_with_a_reason_or_read():
    inner = b.frame(None, "<text:p>deep</text:p>")
    for _ in range(3000):
        inner = f"<draw:g>{inner}</draw:g>"
    try:
        d = load_odp(P, b.odp(b.page("p", inner)))
        assert "deep" in d.text
    except LoadError as e:
        assert "ODP" in e.reason


def test_end_to_end_a_slide_fact_lands_with_its_title():
    pages = "".join(b.page(f"p{i}", b.frame("title", f"<text:p>Ward {i} results</text:p>", y="1cm")
                           + b.frame("outline", b.outline(f"Recycling rate {30 + i}% in ward {i}",
                                                          "Complaints handled within ten working days"), y="4cm"))
                    for i in range(60))
    d = load_odp(P, b.odp(pages))
    chunks = chunk_text(d.text, real_tokenizer(), chunk_tokens=200, overlap_tokens=40)
    assert len(chunks) > 3
    assert any("## Slide 18: Ward 17 results" in c.text and "Recycling rate 47% in ward 17" in c.text
               for c in chunks)
