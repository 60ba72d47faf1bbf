"""Round 46: serve says in its log, once, what the query log's retention first removed (the default keeps 365 days)."""

import logging

from ragtune.appliance import querylog
from ragtune.serve.server import retention_logged


class _Lines(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(record.getMessage())


def test_serve_logs_the_retention_note_while_serving_and_stops_listening_after():
    # a handler on the logger itself, enabled at WARNING: logging set up by earlier tests (uvicorn's dictConfig, a
    # --log-level) may have stopped it propagating, disabled it or raised its level; serve sets it up itself
    got, logger = _Lines(), logging.getLogger("uvicorn.error")
    was = (logger.disabled, logger.level)
    logger.disabled = False
    logger.setLevel(logging.WARNING)
    logger.addHandler(got)
    try:
        with retention_logged():
            assert len(querylog.on_retention) >= 1
            for tell in list(querylog.on_retention):
                tell(None, 200, 50, 365)
        assert got.lines == [querylog.retention_note(200, 50, 365)]
        for tell in list(querylog.on_retention):  # none of serve's left
            tell(None, 1, 0, 365)
        assert len(got.lines) == 1
    finally:
        logger.removeHandler(got)
        logger.disabled = was[0]
        logger.setLevel(was[1])
