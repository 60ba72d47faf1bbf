"""Prometheus metrics of one server (its own registry, so two apps in one process never mix counts).

A server runs for weeks: besides the requests, the registry carries the process's own figures (`process_*`: resident
memory, open fds, CPU seconds; `python_gc_*`) and, given the home, the sizes of what grows on disk
(`ragtune_store_bytes{file}`), read at each scrape: creeping memory, a leaked descriptor or a write-ahead log that
never shrinks shows on a dashboard instead of in an outage."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, GCCollector, Histogram, ProcessCollector, \
    generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily

_LATENCY = (0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120)


def adapter_label(adapter: str | None) -> str:
    a = adapter or "none"
    return a if a == "none" else a[:12]


def _tree_bytes(path: Path) -> int:
    """Bytes of the files under `path` (0 when absent); files removed while it walks are skipped."""
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.stat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total


class StoreSizes:
    """`ragtune_store_bytes{file}`: ragtune.db, its -wal, the Tantivy and vector folders of a home, at each scrape."""

    FILES = ("ragtune.db", "ragtune.db-wal")
    FOLDERS = ("tantivy", "vectors")

    def __init__(self, root: Path):
        self.root = Path(root)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        g = GaugeMetricFamily("ragtune_store_bytes", "Size on disk of the home's database, its write-ahead log and "
                              "its search index folders", labels=["file"])
        for name in self.FILES:
            try:
                size = (self.root / name).stat().st_size
            except OSError:  # no -wal between a checkpoint's truncate and the next write
                size = 0
            g.add_metric([name], size)
        for name in self.FOLDERS:
            g.add_metric([name], _tree_bytes(self.root / name))
        yield g


class StoreResets:
    """`ragtune_store_resets_total`: connections reopened because a statement left unreset held an old read snapshot
    (store/snapshots.py): each one would have failed every later query-log write and pinned the -wal."""

    def collect(self) -> Iterator[CounterMetricFamily]:
        from ..appliance.store.snapshots import resets

        c = CounterMetricFamily("ragtune_store_resets", "Store connections reopened because they kept an old read "
                                "snapshot open (a statement never reset)")
        c.add_metric([], resets())
        yield c


class Metrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self, home: Path | None = None) -> None:
        """`home`: the served home's folder, for ragtune_store_bytes (none: not reported)."""
        r = self.registry = CollectorRegistry()
        ProcessCollector(registry=r)  # process_resident_memory_bytes, process_open_fds, ... (Linux /proc)
        GCCollector(registry=r)
        if home is not None:
            r.register(StoreSizes(home))
        r.register(StoreResets())
        self.requests = Counter("ragtune_requests", "HTTP requests by route and status code",
                                ["route", "code"], registry=r)
        self.latency = Histogram("ragtune_request_seconds", "HTTP request latency (answered requests)",
                                 ["route", "adapter"], buckets=_LATENCY, registry=r)
        self.answers = Counter("ragtune_answers", "Answers by adapter, rollout arm and status",
                               ["adapter", "arm", "status"], registry=r)
        # a failed answer writes no query-log row and no ragtune_answers: without this an arm whose adapter file is
        # gone (every request a 500 model_error) showed no error rate of its own. Bounded: 3 arms x the fixed codes
        self.answer_errors = Counter("ragtune_answer_errors", "Answers that failed, by rollout arm and error code",
                                     ["arm", "code"], registry=r)
        self.refusals = Counter("ragtune_refusals", "Refusals by reason", ["adapter", "reason"], registry=r)
        self.schema_failures = Counter("ragtune_schema_failures", "Model outputs invalid before repair",
                                       ["adapter"], registry=r)
        self.repairs = Counter("ragtune_repairs", "Answers that needed repair", ["adapter"], registry=r)
        self.tokens = Counter("ragtune_tokens", "Tokens by adapter and kind", ["adapter", "kind"], registry=r)
        self.rejected = Counter("ragtune_rejected", "Requests refused with 503 because the queue was full",
                                registry=r)
        # 429 client_busy: a client already had [serve] max_waiting_per_client waiting (no client label: one
        # client's scrape-able count of another's refusals, and 200 clients' series, are not wanted)
        self.rejected_client = Counter("ragtune_client_rejected", "Requests refused with 429 because their client "
                                       "already had [serve] max_waiting_per_client requests waiting", registry=r)
        self.cancelled = Counter("ragtune_cancelled", "Requests whose client went away before the answer",
                                 registry=r)
        # closed by the connection while it waited for a request's head (wire.py): a slow loris, at its deadline
        self.connections_closed = Counter("ragtune_connections_closed", "Connections closed while waiting for a "
                                          "request, by reason (head_timeout: no whole request head within [serve] "
                                          "body_timeout_s)", ["reason"], registry=r)
        self.connections_closed.labels("head_timeout")  # shown (at 0) from the start
        self.queue_depth = Gauge("ragtune_queue_depth", "Requests waiting for an engine", registry=r)
        self.inflight = Gauge("ragtune_inflight", "Requests being answered", registry=r)
        self.workers = Gauge("ragtune_workers", "Answer engines", registry=r)
        self.rollout_share = Gauge("ragtune_rollout_share", "Candidate share of the running rollout (percent)",
                                   registry=r)
        self.rollout_breach = Gauge("ragtune_rollout_breach", "1 while a rollout alert rule is breached",
                                    ["rule"], registry=r)
        self.auto_rollbacks = Counter("ragtune_rollout_auto_rollbacks", "Rollouts rolled back by an alert rule",
                                      registry=r)
        self._breached: set[str] = set()

    def observe_answer(self, route: str, ans: Any, arm: str | None, seconds: float) -> None:
        a = adapter_label(ans.adapter)
        self.latency.labels(route, a).observe(seconds)
        self.answers.labels(a, arm or "-", ans.status).inc()
        if ans.status == "refused":
            self.refusals.labels(a, ans.refusal_reason or "model").inc()
        if not ans.valid:
            self.schema_failures.labels(a).inc()
        if ans.repaired:
            self.repairs.labels(a).inc()
        self.tokens.labels(a, "prompt").inc(ans.tokens_prompt)
        self.tokens.labels(a, "completion").inc(ans.tokens_completion)

    def observe_error(self, arm: str | None, code: str | None) -> None:
        """A request routed to `arm` (None: pinned, or no rollout: "-", as in ragtune_answers) that failed with the
        API error `code` (errors.py's fixed codes)."""
        self.answer_errors.labels(arm or "-", code or "internal_error").inc()

    def set_pool(self, pool: Any) -> None:
        self.queue_depth.set(pool.waiting)
        self.inflight.set(pool.running)
        self.workers.set(len(pool.engines))

    def set_rollout(self, share: float, breaches: list[str]) -> None:
        self.rollout_share.set(share)
        now = set(breaches)
        for rule in self._breached | now:
            self.rollout_breach.labels(rule).set(1 if rule in now else 0)
        self._breached |= now

    def render(self) -> bytes:
        return generate_latest(self.registry)
