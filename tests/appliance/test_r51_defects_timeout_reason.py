"""Round 51: a remembered parse timeout keeps its limit in its reason text, not in a column of its own
(ingest/failures.py says why). That holds while every budgeted loader's reason is read back as the limit it was
written with: pinned here for each `@budgeted` loader and for limits whose `:g` form is not the number typed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ragtune.appliance.ingest.loaders import parse_budget
from ragtune.appliance.ingest.loaders.base import LoadError
from ragtune.appliance.ingest.loaders.parse_budget import PARSE_SECONDS, Overrun, budgeted, outgrown, timed_out_after

LOADERS = Path(parse_budget.__file__).parent


def _budgeted_loaders() -> list[tuple[str, str]]:
    found = []
    for f in sorted(LOADERS.glob("*.py")):
        found += re.findall(r'^@budgeted\("([^"]*)", "([^"]*)"\)', f.read_text(encoding="utf-8"), flags=re.M)
    return found


def _reason(what: str, why: str, seconds: float) -> str:
    def load():
        raise Overrun  # as the timer raises it in the parsing thread
    token = PARSE_SECONDS.set(seconds)
    try:
        with pytest.raises(LoadError) as e:
            budgeted(what, why)(load)()
    finally:
        PARSE_SECONDS.reset(token)
    return str(e.value)


def test_every_budgeted_loaders_reason_reads_back_as_its_limit():
    loaders = _budgeted_loaders()
    assert {w for w, _ in loaders} >= {"PDF", "HTML", "DOCX"}, loaders
    for what, why in loaders:
        for seconds in (300.0, 0.25, 45.5, 1234567.0, 1e-05):
            reason = _reason(what, why, seconds)
            assert timed_out_after(reason) == float(f"{seconds:g}"), reason
            for now, again in ((seconds, False), (seconds * 0.5, False), (seconds * 2, True), (0, True)):
                token = PARSE_SECONDS.set(now)
                try:
                    assert outgrown(reason) is again, (reason, now)
                finally:
                    PARSE_SECONDS.reset(token)


def test_a_limit_that_rounds_to_the_written_one_is_not_a_raise():
    reason = _reason("PDF", "why", 1234567.0)  # written "1.23457e+06"
    token = PARSE_SECONDS.set(1234568.0)
    try:
        assert outgrown(reason) is False  # the same limit as written: the file stays listed, not read again
    finally:
        PARSE_SECONDS.reset(token)
