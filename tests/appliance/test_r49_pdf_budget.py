"""Round 49: a per-file wall-time budget for PDFs (parse_budget.PARSE_SECONDS, default 300 s). A pathological PDF (a
page of hundreds of thousands of drawing operators: pypdf parses it for minutes before any check of ours runs) fails
with a clear reason once its budget is spent, and the rest of the ingest goes on."""

from __future__ import annotations

import time

import pytest

from ragtune.appliance.ingest.loaders import LoadError, base, load_file
from ragtune.appliance.ingest.loaders.parse_budget import PARSE_SECONDS, Budget, Overrun
from ragtune.appliance.ingest.pipeline import ingest_paths

from .ingest_helpers import pdf_pages_bytes


def _slow_pdf() -> bytes:  # ~4 s of pypdf on this machine: far over the budgets below
    return pdf_pages_bytes(["BT /F1 10 Tf 72 700 Td (A page of lines.) Tj ET\n" + "0 0 m 1 1 l S\n" * 40000])


@pytest.fixture
def budget_s():
    def set_(seconds):
        tokens.append(PARSE_SECONDS.set(seconds))
    tokens: list = []
    yield set_
    for t in reversed(tokens):
        PARSE_SECONDS.reset(t)


def test_a_pdf_over_its_budget_fails_with_a_reason_in_time(tmp_path, budget_s):
    path = tmp_path / "slow.pdf"
    path.write_bytes(_slow_pdf())
    budget_s(0.4)
    t0 = time.process_time()  # CPU time: ~4 s unbudgeted however busy the machine; wall time grows with the load
    with pytest.raises(LoadError) as err:
        load_file(path)
    assert time.process_time() - t0 < 2.5
    assert err.value.reason.startswith("PDF took over 0.4 s to read")


def test_a_pdf_within_its_budget_is_read_and_nothing_goes_off_later(tmp_path, budget_s):
    path = tmp_path / "ok.pdf"
    path.write_bytes(pdf_pages_bytes([["A short page about valves."]]))
    assert "valves" in load_file(path).text  # the first read imports the PDF reader: ~0.2 s on a busy machine
    budget_s(2.0)  # a read of milliseconds; the margin is for CI's shared cores (was 0.3 s)
    assert "valves" in load_file(path).text
    deadline = time.monotonic() + 2.3  # past the budget: the timer was stopped, no Overrun arrives here
    n = 0
    while time.monotonic() < deadline:
        n += 1
        time.sleep(0.01)  # Python runs between the sleeps: an Overrun would land
    assert n > 0


def test_the_ingest_beat_is_not_interrupted_and_an_expiry_meanwhile_raises_after_it():
    done = []
    with pytest.raises(Overrun):
        with Budget(0.5) as b:  # (0.1 s could run out on a busy machine before the beat began)
            with b.outside():
                time.sleep(1.0)  # the budget runs out here: not interrupted
                done.append(1)
    assert done == [1]


def test_the_beat_of_a_pdf_read_within_budget_still_stops(tmp_path, budget_s):
    """A stop from the progress beat comes out as itself (round 48), not as a budget failure."""
    path = tmp_path / "b.pdf"
    path.write_bytes(pdf_pages_bytes([["Page one."], ["Page two."]]))
    budget_s(30)

    class _Stop(Exception):
        pass

    def beat(at):
        raise _Stop

    token = base.PARSE_BEAT.set(beat)
    try:
        with pytest.raises(_Stop):
            load_file(path)
    finally:
        base.PARSE_BEAT.reset(token)


def test_the_ingest_records_the_slow_pdf_as_failed_and_goes_on(settings, fake, tmp_path, budget_s):
    d = tmp_path / "docs"
    d.mkdir()
    (d / "1-before.md").write_text("# Before\n\nnotes about apples")
    (d / "2-slow.pdf").write_bytes(_slow_pdf())
    (d / "3-after.md").write_text("# After\n\nnotes about pears")
    budget_s(0.4)
    s = ingest_paths(settings, [d], embedder=fake)
    assert s.added == 2
    assert [(p, r[:27]) for p, r in s.failed] == [(str(d / "2-slow.pdf"), "PDF took over 0.4 s to read")]
