"""Round 44 follow-ups to ingest: SIGTERM (`timeout`, systemd) stops `ragtune ingest` like a first Ctrl-C (the
summary printed, `stopped: true`, exit 143; it was killed at once, the summary lost); a heartbeat while one big file
is chunked and tokenised (the progress line stood still for 45 s on a 20 MB HTML page), chunks unchanged."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest

import ragtune.appliance.ingest.progress as progress_mod
import ragtune.appliance.ingest.run as run_mod
from ragtune.appliance.ingest.chunker import chunk_text
from ragtune.appliance.ingest.pipeline import ingest_paths
from ragtune.appliance.ingest.progress import IngestProgress
from ragtune.cli.ingest_cmd import _Bar

REPO = Path(__file__).resolve().parents[2]

# A `ragtune ingest` process with the fake embedder that sends itself SIGTERM `times` times as the `at`-th file is
# read (the test runner itself is never signalled: without a handler SIGTERM ends the process).
_DRIVER = textwrap.dedent("""
    import os, signal, sys
    import ragtune.appliance.embed
    import ragtune.appliance.ingest.pipeline as pl
    from ragtune.cli import main
    from tests.appliance.ingest_helpers import FakeEmbedder

    at, times = int(sys.argv[1]), int(sys.argv[2])
    ragtune.appliance.embed.Embedder = lambda cfg, home: FakeEmbedder()
    real, n = pl.read_item, [0]  # (round 48: ingest reads each walked file with walk.read_item)

    def read_item(*a, **k):
        n[0] += 1
        if n[0] == at:
            for _ in range(times):
                os.kill(os.getpid(), signal.SIGTERM)
        return real(*a, **k)

    pl.read_item = read_item
    sys.exit(main(sys.argv[3:]))
""")


@pytest.fixture
def docs(tmp_path):
    d = tmp_path / "x"
    d.mkdir()
    for i in range(3):
        (d / f"{i}.txt").write_text(f"Notes number {i} about rivers and hills.\n" * 50)
    return d


def _ingest(home, docs, at: int, times: int = 1, *extra: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    cmd = [sys.executable, "-c", _DRIVER, str(at), str(times), "--home", str(home.root), "ingest", str(docs), *extra]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=str(REPO), timeout=120)


def test_sigterm_stops_after_the_file_it_is_on_prints_the_summary_and_exits_143(home, docs):
    r = _ingest(home, docs, 2, 1, "--json")  # while the second of three files is read
    assert r.returncode == 143, (r.returncode, r.stderr)  # was -15: killed, nothing printed
    out = json.loads(r.stdout)
    assert out["stopped"] is True and out["added"] == 2 and out["files_left"] == 1
    assert "stopping (SIGTERM)" in r.stderr

    r = _ingest(home, docs, 99)  # the same command goes on
    assert r.returncode == 0 and r.stdout.startswith("added 1, updated 0, unchanged 2,"), r.stdout


def test_sigterm_says_so_in_the_stop_line(home, docs):
    r = _ingest(home, docs, 1)  # as the first file is read: it is finished, the other two are left
    assert r.returncode == 143
    assert "stopped (SIGTERM): 2 file(s) left; run the same command again to go on" in r.stdout.splitlines()
    assert "aborted" not in r.stderr


def test_a_second_sigterm_ends_the_process_at_once(home, docs):
    r = _ingest(home, docs, 1, 2, "--json")
    assert r.returncode == -signal.SIGTERM and r.stdout == ""


def test_the_handlers_are_put_back_after_the_command(home, docs, monkeypatch, tokenizer):
    import ragtune.appliance.embed
    from ragtune.cli import main

    from .ingest_helpers import FakeEmbedder

    monkeypatch.setattr(ragtune.appliance.embed, "Embedder", lambda cfg, home: FakeEmbedder(tokenizer))
    outer = signal.signal(signal.SIGTERM, signal.SIG_DFL)  # as in a shell (a runner may have its own)
    request_cleanup = lambda: signal.signal(signal.SIGTERM, outer)  # noqa: E731
    before = signal.getsignal(signal.SIGTERM)
    seen = []
    real = run_mod._Run.add

    def add(self, *a, **k):
        seen.append(signal.getsignal(signal.SIGTERM))
        return real(self, *a, **k)

    monkeypatch.setattr(run_mod._Run, "add", add)
    try:
        assert main(["--home", str(home.root), "ingest", str(docs)]) == 0
        assert seen and all(h is not before for h in seen)  # handled while the ingest runs
        assert signal.getsignal(signal.SIGTERM) is before
    finally:
        request_cleanup()


# -- heartbeat -------------------------------------------------------------------------------------------------------
def _big_text() -> str:
    return "\n\n".join(f"Paragraph {i} about rivers{i} and hills, with a few more words." for i in range(12000))


def test_a_big_file_reports_progress_while_it_is_chunked(settings, fake, tmp_path, monkeypatch):
    monkeypatch.setattr(progress_mod, "HEARTBEAT_S", 0.0)
    monkeypatch.setattr(run_mod, "IDS_SLAB", 500)
    d = tmp_path / "d"
    d.mkdir()
    (d / "big.txt").write_text(_big_text(), encoding="utf-8")
    events: list[IngestProgress] = []
    s = ingest_paths(settings, [d], embedder=fake, on_progress=events.append)
    assert s.added == 1
    stages = [e.stage for e in events]
    first_embed = stages.index("embedding")
    beats = [e for e in events[:first_embed] if e.stage == "chunking"]
    assert len(beats) >= 10  # was none: "reading", then nothing until the first slab was embedded
    within = [e.within for e in beats]
    assert within == sorted(within) and within[0] < 0.5 < within[-1] and within[-1] == 1.0
    assert all(e.bytes_done == 0 and e.path == str(d / "big.txt") for e in beats)  # bytes stand for the embedding
    assert all(e.within is None for e in events if e.stage != "chunking")


def test_heartbeats_are_few_by_default(settings, fake, tmp_path, monkeypatch):
    clock = iter(range(10**6))
    monkeypatch.setattr(progress_mod, "time", SimpleNamespace(perf_counter=lambda: next(clock) * 0.1))  # 0.1 s a call
    d = tmp_path / "d"
    d.mkdir()
    (d / "big.txt").write_text(_big_text(), encoding="utf-8")
    events: list[IngestProgress] = []
    ingest_paths(settings, [d], embedder=fake, on_progress=events.append)
    times = [e.elapsed_s for e in events if e.stage == "chunking"]
    assert times and all(b - a >= progress_mod.HEARTBEAT_S for a, b in zip(times, times[1:]))


def test_the_chunks_are_the_same_with_a_heartbeat(tokenizer, monkeypatch):
    import ragtune.appliance.ingest.chunker as chunker

    monkeypatch.setattr(chunker, "BLOCK_CHARS", 4096)
    text = _big_text()[:200_000]
    told: list[int] = []
    assert chunk_text(text, tokenizer, on_block=told.append) == chunk_text(text, tokenizer)
    assert len(told) > 20 and told == sorted(told) and told[-1] == len(text.rstrip())


def test_the_progress_line_says_how_far_within_the_file(monkeypatch, capsys):
    import shutil

    monkeypatch.setattr(shutil, "get_terminal_size", lambda fallback=(80, 20): os.terminal_size((120, 20)))
    _Bar(tty=True)(IngestProgress(1, 3, 10.0, 100.0, "/docs/big.html", "chunking", 5.0, 0.4))
    assert "chunking big.html (40%)" in capsys.readouterr().err
    _Bar(tty=True)(IngestProgress(1, 3, 10.0, 100.0, "/docs/big.html", "embedding", 5.0))
    err = capsys.readouterr().err
    assert "embedding big.html" in err and "%)" not in err
