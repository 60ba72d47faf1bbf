"""Round 49, `eval run` interrupted on a shared box: Ctrl-C and SIGTERM (a scheduler's `timeout`, systemd) stop it
with the answers kept, a message and exit 128 + the signal; the same command continues."""

from __future__ import annotations

import os
import signal

import pytest

from ragtune.appliance.eval import run as R
from ragtune.appliance.store import Store
from tests.appliance.eval_fakes import QUERIES, FakeEngine, no_ingest, write_beir


class TermEngine(FakeEngine):
    """Sends this process SIGTERM on its third question, as `timeout` or a scheduler would."""

    def ask(self, question, **kw):
        if len(self.calls) == 2:
            os.kill(os.getpid(), signal.SIGTERM)
        return super().ask(question, **kw)


@pytest.fixture(autouse=True)
def fakes(monkeypatch):
    monkeypatch.setattr(R, "resolve_adapter", lambda s, a: (None, None))
    monkeypatch.setattr(R, "_default_ingest", no_ingest)


def _eval(settings, beir, out):
    from ragtune.cli import main

    return main(["--home", str(settings.home.root), "eval", "run", str(beir), "--arms", "A", "--no-safety",
                 "--out", str(out)])


def _stored(settings):
    with Store(settings.home.db_path) as st:
        return len(st.query("SELECT qid FROM eval_items"))


def test_ctrl_c_says_what_is_kept_without_aborted(settings, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(R, "_default_engine", lambda s: FakeEngine(stop_after=3))
    beir = write_beir(tmp_path / "set")
    assert _eval(settings, beir, tmp_path / "out") == 130
    err = capsys.readouterr().err
    assert "interrupted: answers so far are stored" in err and "aborted" not in err and "Traceback" not in err
    assert _stored(settings) == 3


def test_sigterm_stops_like_ctrl_c_and_the_same_command_continues(settings, tmp_path, monkeypatch, capsys):
    """SIGTERM ended the process at once, without a word (exit 143 from the shell): now the stop is said and the
    handler put back."""
    monkeypatch.setattr(R, "_default_engine", lambda s: TermEngine())
    beir = write_beir(tmp_path / "set")
    before = signal.getsignal(signal.SIGTERM)
    assert _eval(settings, beir, tmp_path / "out") == 143
    err = capsys.readouterr().err
    assert "interrupted (SIGTERM): answers so far are stored; run the same command again" in err
    assert "aborted" not in err and signal.getsignal(signal.SIGTERM) is before
    assert 2 <= _stored(settings) <= 3  # the answer in flight may be dropped, never half-stored
    assert not (tmp_path / "out" / "report.json").exists()  # no partial report
    monkeypatch.setattr(R, "_default_engine", lambda s: FakeEngine())
    assert _eval(settings, beir, tmp_path / "out") == 0
    assert _stored(settings) == len(QUERIES) and (tmp_path / "out" / "report.json").is_file()
