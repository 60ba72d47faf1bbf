"""Round 45 soak: a `ragtune serve` up for weeks, watched through /metrics. Its registry had only the request
counters: the process's memory, open descriptors and CPU, and the sizes of what grows on disk (ragtune.db, its
write-ahead log, the Tantivy and vector folders) could not be graphed or alerted on from the server itself."""

from __future__ import annotations

import os

from ragtune.serve.metrics import Metrics
from tests.serve.test_api import AUTH, client  # noqa: F401  (the app over the fake engine)


def _values(m: Metrics) -> dict[str, float]:
    out = {}
    for line in m.render().decode().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            out[name] = float(value)
    return out


def test_the_process_figures_are_exported():
    v = _values(Metrics())
    assert v["process_resident_memory_bytes"] > 1e6
    assert v["process_open_fds"] >= 3
    assert "process_cpu_seconds_total" in v and "process_start_time_seconds" in v
    assert 'python_gc_objects_collected_total{generation="0"}' in v
    assert not any(k.startswith("ragtune_store_bytes") for k in v)  # no home given: no sizes


def test_open_fds_follow_the_process():
    m = Metrics()
    before = _values(m)["process_open_fds"]
    fds = [os.open(os.devnull, os.O_RDONLY) for _ in range(5)]
    try:
        assert _values(m)["process_open_fds"] == before + 5
    finally:
        for fd in fds:
            os.close(fd)


def test_store_sizes_are_read_at_each_scrape(tmp_path):
    (tmp_path / "ragtune.db").write_bytes(b"x" * 4096)
    (tmp_path / "tantivy").mkdir()
    (tmp_path / "tantivy" / "a.idx").write_bytes(b"y" * 100)
    m = Metrics(tmp_path)
    v = _values(m)
    assert v['ragtune_store_bytes{file="ragtune.db"}'] == 4096
    assert v['ragtune_store_bytes{file="ragtune.db-wal"}'] == 0  # absent (truncated by a checkpoint): 0, no error
    assert v['ragtune_store_bytes{file="tantivy"}'] == 100
    assert v['ragtune_store_bytes{file="vectors"}'] == 0
    (tmp_path / "ragtune.db-wal").write_bytes(b"w" * 5000)
    (tmp_path / "tantivy" / "b.store").write_bytes(b"z" * 50)
    v = _values(m)
    assert v['ragtune_store_bytes{file="ragtune.db-wal"}'] == 5000 and v['ragtune_store_bytes{file="tantivy"}'] == 150


def test_two_servers_in_one_process_keep_their_own_registries(tmp_path):
    a, b = Metrics(tmp_path), Metrics()
    a.requests.labels("/v1/ask", "200").inc()
    assert 'ragtune_requests_total{code="200",route="/v1/ask"}' in _values(a)
    assert 'ragtune_requests_total{code="200",route="/v1/ask"}' not in _values(b)
    assert "process_resident_memory_bytes" in _values(b)


def test_the_served_metrics_carry_them(client):  # noqa: F811
    text = client.get("/metrics", headers=AUTH).text
    assert "process_resident_memory_bytes" in text and "process_open_fds" in text
    assert 'ragtune_store_bytes{file="ragtune.db"}' in text  # serve passes its home (server.py)
