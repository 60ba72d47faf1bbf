"""Round 49: the per-file parse budget that PDFs had (parse_budget.PARSE_SECONDS) now bounds HTML and DOCX too, through
one mechanism (loaders/parse_budget.py): a page or body that takes longer fails with a reason, the ingest goes on,
and the ingest's progress beat is never interrupted halfway."""

from __future__ import annotations

import time

import pytest

from ragtune.appliance.ingest.loaders import LoadError, base, load_file, web, word
from ragtune.appliance.ingest.loaders.parse_budget import PARSE_SECONDS

from .ingest_helpers import docx_bytes


@pytest.fixture
def budget_s():
    tokens: list = []
    yield lambda seconds: tokens.append(PARSE_SECONDS.set(seconds))
    for t in reversed(tokens):
        PARSE_SECONDS.reset(t)


def _spin(*_a, **_k):  # a parse that never ends by itself: pure Python, so the budget's interrupt lands
    end = time.monotonic() + 10
    while time.monotonic() < end:
        pass


def test_an_html_page_over_its_budget_fails_with_a_reason_in_time(tmp_path, budget_s, monkeypatch):
    path = tmp_path / "huge.html"
    path.write_text("<html><body><p>Valves are checked weekly.</p></body></html>", encoding="utf-8")
    assert "Valves" in load_file(path).text  # within the default budget: read as before
    budget_s(0.3)
    monkeypatch.setattr(web._HTMLText, "feed", lambda self, data: _spin())
    t0 = time.perf_counter()
    with pytest.raises(LoadError) as err:
        load_file(path)
    assert time.perf_counter() - t0 < 8  # the parse spins 10 s; loose for CI's shared cores
    assert err.value.reason.startswith("HTML took over 0.3 s to read (a page of millions of elements?)")


def test_a_docx_over_its_budget_fails_with_a_reason_in_time(tmp_path, budget_s, monkeypatch):
    path = tmp_path / "huge.docx"
    path.write_bytes(docx_bytes())
    assert "trains" in load_file(path).text
    budget_s(0.3)
    monkeypatch.setattr(word._Reader, "blocks", lambda self, body, nested=False: _spin())
    t0 = time.perf_counter()
    with pytest.raises(LoadError) as err:
        load_file(path)
    assert time.perf_counter() - t0 < 8  # the parse spins 10 s; loose for CI's shared cores
    assert err.value.reason.startswith("DOCX took over 0.3 s to read")


def test_the_html_beat_runs_outside_the_budget(tmp_path, budget_s):
    """A beat (a lock, a stop asked for) that outlasts the budget is not cut halfway: it ends, then the file fails."""
    path = tmp_path / "big.html"
    path.write_text("<html><body>" + "<p>Row of text.</p>" * (base.PARSE_BEAT_EVERY + 5) + "</body></html>",
                    encoding="utf-8")
    budget_s(1.0)  # the first beat comes within it, even on a busy machine (0.2 s did not always)
    done: list[float] = []

    def beat(fraction: float) -> None:
        time.sleep(1.5)  # past the budget, inside the beat
        done.append(fraction)

    token = base.PARSE_BEAT.set(beat)
    try:
        with pytest.raises(LoadError, match="HTML took over 1 s"):
            load_file(path)
    finally:
        base.PARSE_BEAT.reset(token)
    assert len(done) == 1  # the beat finished; the Overrun came after it
