"""Round 48: the serve soak driver's sampling helpers (benchmarks/soak_serve.py), on this process and made-up
events: the figures it reports must mean what its table says. No server is started here."""

from __future__ import annotations

import importlib.util
import math
import os
import socket
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "soak_serve.py"


@pytest.fixture(scope="module")
def soak():
    spec = importlib.util.spec_from_file_location("soak_serve", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="Linux /proc")
def test_proc_figures_count_descriptors_and_sockets(soak):
    before = soak.proc_figures(os.getpid())
    assert before["rss_mb"] > 1 and before["threads"] >= 1
    fds = [os.open(os.devnull, os.O_RDONLY) for _ in range(3)]
    s = socket.socket()
    try:
        now = soak.proc_figures(os.getpid())
        assert now["fds"] == before["fds"] + 4
        assert now["sockets"] == before["sockets"] + 1
    finally:
        s.close()
        for fd in fds:
            os.close(fd)


def test_proc_figures_of_a_gone_process_are_marked_not_raised(soak):
    out = soak.proc_figures(2 ** 22 + 7)  # above the default pid_max: no such process
    assert math.isnan(out["rss_mb"]) and out["fds"] == -1


def test_an_absent_wal_is_zero(soak, tmp_path):
    assert soak.file_mb(tmp_path / "ragtune.db-wal") == 0.0
    (tmp_path / "ragtune.db-wal").write_bytes(b"w" * 2_000_000)
    assert soak.file_mb(tmp_path / "ragtune.db-wal") == 2.0


def test_windows_split_by_time_and_count_codes(soak):
    events = [(10.0, "ask", 200, 100.0), (20.0, "ask", 200, 300.0), (30.0, "badauth", 401, 1.0),
              (310.0, "ask", 200, 50.0), (320.0, "ask", 503, 2.0)]
    w = soak.windows(events)
    assert [x["requests"] for x in w] == [3, 2]
    assert w[0]["ask_p50_ms"] == 200.0 and w[0]["codes"] == {200: 2, 401: 1}
    assert w[1]["ask_p95_ms"] == 50.0  # a 503 is not an answered request's latency
    assert w[1]["start_min"] == 5.0


def test_percentile_interpolates_and_empty_is_nan(soak):
    assert soak.percentile([1, 2, 3, 4], 50) == 2.5
    assert soak.percentile([5], 95) == 5
    assert math.isnan(soak.percentile([], 50))


def test_growth_per_1000_skips_warm_up_and_fits_a_line(soak):
    samples = [{"requests": 0, "rss_mb": 100.0}, {"requests": 100, "rss_mb": 180.0}]  # warm-up: skipped
    samples += [{"requests": r, "rss_mb": 200.0 + r / 1000 * 3} for r in (1000, 2000, 3000, 4000)]
    assert soak.growth_per_1000(samples) == pytest.approx(3.0)
    flat = [{"requests": r, "fds": 20} for r in range(0, 6000, 1000)]
    assert soak.growth_per_1000(flat, "fds") == 0
    assert math.isnan(soak.growth_per_1000(samples[:3]))  # one point after the warm-up: no slope
