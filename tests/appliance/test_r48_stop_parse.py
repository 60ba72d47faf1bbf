"""Round 48: a stop (the CLI's first Ctrl-C, SIGTERM, the TUI's escape) asked for while a big file is parsed acts at
the loader's next beat (a PDF's next page), not when the parse is over (19 s on an 800-page PDF). The file is left as
not reached: not a failure remembered as its fault, nothing of it stored, and the next run reads it. Each loader
lets the beat's exception through (an HTML page's and a DOCX's were turned into "cannot parse"/"corrupt" failures)."""

from __future__ import annotations

import pytest

import ragtune.appliance.ingest.progress as progress_mod
from ragtune.appliance.ingest.loaders import base, load_file
from ragtune.appliance.ingest.pipeline import ingest_paths
from ragtune.appliance.store import Store

from .ingest_helpers import docx_xml_bytes, pdf_pages_bytes

_TOPICS = ["valves", "pumps", "seals", "filters", "gauges", "boilers", "pipes", "meters"]


def _pdf() -> bytes:
    return pdf_pages_bytes([[f"This page covers {t}.", f"Check the {t} weekly.", f"Replace worn {t} at once."]
                            for t in _TOPICS])


def _html() -> bytes:
    n = 3 * base.PARSE_BEAT_EVERY + 10  # three beats
    return ("<html><head><title>Manual</title></head><body>"
            + "".join(f"<p>Step {i} checks valve {i}.</p>\n" for i in range(n)) + "</body></html>").encode()


def _docx() -> bytes:
    def build(d):
        for i in range(3 * base.PARSE_BEAT_EVERY + 10):
            d.add_paragraph(f"Clause {i} of the lease on valves.")
    return docx_xml_bytes(build=build)


MAKERS = {"big.pdf": _pdf, "big.html": _html, "big.docx": _docx}


class _Stop(Exception):
    pass


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_an_exception_from_the_parse_beat_comes_out_as_itself(tmp_path, name):
    """Not a LoadError ("corrupt DOCX", "cannot parse HTML"): that would be remembered as the file's fault."""
    path = tmp_path / name
    path.write_bytes(MAKERS[name]())

    def beat(at):
        raise _Stop

    token = base.PARSE_BEAT.set(beat)
    try:
        with pytest.raises(_Stop):
            load_file(path)
    finally:
        base.PARSE_BEAT.reset(token)


def _stored(settings) -> set[str]:
    with Store(settings.home.db_path) as st:
        return {d["path"] for d in st.documents()}


def _failures(settings) -> dict:
    with Store(settings.home.db_path) as st:
        return st.ingest_failures()


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_a_stop_during_a_parse_acts_at_the_next_beat_and_the_file_is_read_next_time(settings, fake, tmp_path,
                                                                                    monkeypatch, name):
    monkeypatch.setattr(progress_mod, "HEARTBEAT_S", 0.0)  # every beat is an event
    d = tmp_path / "docs"
    d.mkdir()
    (d / "1-small.md").write_text("# Small\n\nnotes about apples")
    big = d / f"2-{name}"
    big.write_bytes(MAKERS[name]())
    (d / "3-after.md").write_text("# After\n\nnotes after the big one")

    beats: list[float] = []  # the big file's parse beats heard before the run ended

    def heard(e):
        if e.path == str(big) and e.stage == "reading" and e.within is not None:
            beats.append(e.within)

    s = ingest_paths(settings, [d], embedder=fake, prune=True, on_progress=heard, should_stop=lambda: bool(beats))
    assert len(beats) == 1 and beats[0] < 0.5  # stopped at the first beat: the parse did not go on to its end
    assert s.stopped and s.files_left == 2 and s.failed == [] and s.deleted == 0
    assert _stored(settings) == {str(d / "1-small.md")}  # nothing of the big file stored
    assert str(big) not in _failures(settings)  # not remembered as unreadable

    again = ingest_paths(settings, [d], embedder=fake, prune=True)
    assert not again.stopped and again.failed == [] and again.still_unreadable == []
    assert (again.added, again.unchanged) == (2, 1)
    assert _stored(settings) == {str(p) for p in d.iterdir()}
