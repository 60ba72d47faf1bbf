"""`ragtune ingest` stopped by one Ctrl-C before it stored a document: the summary and the stop line say what was
done and what is left, nothing claims the folder held no documents, and the exit (130) is a stop, not "aborted"
(which is a second Ctrl-C's word)."""

from __future__ import annotations

import json
import os
import signal

import pytest

import ragtune.appliance.ingest.pipeline as pl
from ragtune.appliance.store import Store
from ragtune.cli import main

from .ingest_helpers import FakeEmbedder


@pytest.fixture
def cli_fake(monkeypatch, tokenizer):
    import ragtune.appliance.embed

    monkeypatch.setattr(ragtune.appliance.embed, "Embedder", lambda cfg, home: FakeEmbedder(tokenizer))


@pytest.fixture
def terminal_sigint():
    """SIGINT handled as in a terminal (a background job, or pytest's runner, may ignore it), put back after."""
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


@pytest.fixture
def docs(tmp_path):
    d = tmp_path / "x"
    d.mkdir()
    for i in range(3):
        (d / f"{i}.txt").write_text(f"Notes number {i} about rivers and hills.\n" * 50)
    return d


def _ctrl_c_after_listing(monkeypatch, presses: int = 1) -> None:
    """Ctrl-C pressed `presses` times just after the walk listed the files: before the first one is read."""
    real = pl.walk

    def walk_then_ctrl_c(*a, **kw):
        w = real(*a, **kw)
        for _ in range(presses):
            os.kill(os.getpid(), signal.SIGINT)
        return w

    monkeypatch.setattr(pl, "walk", walk_then_ctrl_c)


def test_a_stop_before_the_first_document_is_a_stop_not_an_abort(home, settings, docs, cli_fake, monkeypatch,
                                                                   terminal_sigint, capsys):
    real_walk = pl.walk
    _ctrl_c_after_listing(monkeypatch)
    assert main(["--home", str(home.root), "ingest", str(docs)]) == 130
    out, err = capsys.readouterr()
    assert "nothing to ingest there" not in out  # the folder holds 3 .txt files: false before
    summary, stop = out.splitlines()  # what was done, then what is left and how to go on: nothing else
    assert summary.startswith("added 0, updated 0, unchanged 0, deleted 0, failed 0;")
    assert stop == "stopped (Ctrl-C): 3 file(s) left; run the same command again to go on"
    assert "stopping: what is read is kept" in err
    assert "aborted" not in err and "interrupted" not in err and "error" not in err  # "aborted" was printed
    with Store(settings.home.db_path) as st:
        assert st.documents() == []

    monkeypatch.setattr(pl, "walk", real_walk)  # no Ctrl-C: the same command goes on
    assert main(["--home", str(home.root), "ingest", str(docs)]) == 0
    assert capsys.readouterr().out.startswith("added 3,")


def test_a_stop_with_json_prints_one_object_and_exits_130(home, docs, cli_fake, monkeypatch, terminal_sigint,
                                                          capsys):
    _ctrl_c_after_listing(monkeypatch)
    assert main(["--home", str(home.root), "ingest", "--json", str(docs)]) == 130
    out, err = capsys.readouterr()
    summary = json.loads(out)  # exactly one object: the summary
    assert summary["stopped"] is True and summary["files_left"] == 3 and "aborted" not in err


def test_a_second_ctrl_c_still_aborts(home, docs, cli_fake, monkeypatch, terminal_sigint, capsys):
    _ctrl_c_after_listing(monkeypatch, presses=2)
    assert main(["--home", str(home.root), "ingest", str(docs)]) == 130
    out, err = capsys.readouterr()
    assert err.rstrip().endswith("aborted") and "stopped (Ctrl-C)" not in out
