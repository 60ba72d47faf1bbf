"""Round 46: serve says in its log, once, what the query log's retention first removed (the default keeps 365 days)."""

import logging

from ragtune.appliance import querylog
from ragtune.serve.server import retention_logged


def test_serve_logs_the_retention_note_while_serving_and_stops_listening_after(caplog):
    with caplog.at_level(logging.WARNING, logger="uvicorn.error"):
        with retention_logged():
            assert len(querylog.on_retention) >= 1
            for tell in list(querylog.on_retention):
                tell(None, 200, 50, 365)
        assert querylog.retention_note(200, 50, 365) in caplog.text
        n = len(caplog.records)
        for tell in list(querylog.on_retention):  # none of serve's left
            tell(None, 1, 0, 365)
        assert len(caplog.records) == n
