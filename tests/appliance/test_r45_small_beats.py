"""Round 45 left-over: a PDF's and a DOCX's parse beat as an HTML page's does (`loaders.base.PARSE_BEAT`): a PDF
after each page, a DOCX every PARSE_BEAT_EVERY paragraphs of its body, how far (0..1] in order, the text read the
same with a listener as without; ingest shows it as `reading` within the file."""

from __future__ import annotations

import ragtune.appliance.ingest.progress as progress_mod
from ragtune.appliance.ingest.loaders import base
from ragtune.appliance.ingest.loaders.pdf import load_pdf
from ragtune.appliance.ingest.loaders.word import load_docx
from ragtune.appliance.ingest.pipeline import ingest_paths

from .ingest_helpers import docx_xml_bytes, pdf_pages_bytes


def _heard(load, path, raw):
    beats: list[float] = []
    token = base.PARSE_BEAT.set(beats.append)
    try:
        return load(path, raw), beats
    finally:
        base.PARSE_BEAT.reset(token)


_TOPICS = ["valves", "pumps", "seals", "filters", "gauges", "boilers", "pipes", "meters"]


def _pdf(pages: int) -> bytes:
    """Pages of their own text (lines recurring on every page, digits aside, would be running headers)."""
    return pdf_pages_bytes([[f"This page covers {t}.", f"Check the {t} weekly.", f"Replace worn {t} at once."]
                            for t in _TOPICS[:pages]])


def test_a_pdf_beats_after_each_page_and_reads_the_same(tmp_path):
    raw = _pdf(5)
    quiet = load_pdf(tmp_path / "m.pdf", raw)
    loud, beats = _heard(load_pdf, tmp_path / "m.pdf", raw)
    assert loud == quiet
    assert beats == [0.2, 0.4, 0.6, 0.8, 1.0]  # was none: silent until chunking


def test_a_long_docx_beats_every_parse_beat_every_paragraphs_and_reads_the_same(tmp_path):
    n = 3 * base.PARSE_BEAT_EVERY + 100

    def build(d):
        for i in range(n):
            d.add_paragraph(f"Paragraph {i} of the handbook on valves.")
    raw = docx_xml_bytes(build=build)
    quiet = load_docx(tmp_path / "h.docx", raw)
    loud, beats = _heard(load_docx, tmp_path / "h.docx", raw)
    assert loud == quiet and "Paragraph 3171 of the handbook" in loud.text
    assert len(beats) == 3  # one each PARSE_BEAT_EVERY paragraphs, not one per paragraph
    assert beats == sorted(beats) and 0 < beats[0] and beats[-1] <= 1
    assert beats[0] == base.PARSE_BEAT_EVERY / n


def test_a_short_docx_and_no_listener_cost_nothing(tmp_path):
    raw = docx_xml_bytes(build=lambda d: d.add_paragraph("One short paragraph."))
    assert _heard(load_docx, tmp_path / "s.docx", raw)[1] == []
    assert load_docx(tmp_path / "s.docx", raw).text == "One short paragraph."


def test_ingest_reports_reading_progress_within_a_pdf(settings, fake, tmp_path, monkeypatch):
    monkeypatch.setattr(progress_mod, "HEARTBEAT_S", 0.0)
    (tmp_path / "manual.pdf").write_bytes(_pdf(6))
    events = []
    s = ingest_paths(settings, [tmp_path / "manual.pdf"], embedder=fake, on_progress=events.append)
    assert s.added == 1
    reading = [e.within for e in events if e.stage == "reading" and e.within is not None]
    assert reading and reading == sorted(reading) and reading[-1] <= 1  # was: none
    assert base.PARSE_BEAT.get() is None
