"""Round 47, a shell scripter running ragtune from cron and CI: a closed stderr (`2>&-`) or stdout, TERM=dumb."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from ragtune.cli import common

# ingest with a progress line on stderr (the "waiting for another ingest" one, which every run may print), the
# ingest itself faked: what is tested is the CLI's streams, not the pipeline
INGEST = textwrap.dedent("""
    import sys
    import ragtune.appliance.ingest.pipeline as pipeline
    from ragtune.appliance.ingest.progress import IngestProgress
    from ragtune.appliance.ingest.summary import IngestSummary
    from ragtune.cli import main

    def ingest_paths(settings, paths, on_progress=None, **kw):
        on_progress(IngestProgress(0, 1, 0, 1, str(paths[0]), "waiting", 0.0))
        s = IngestSummary()
        s.added = 1
        return s

    pipeline.ingest_paths = ingest_paths
    sys.exit(main(["--home", sys.argv[1], "ingest", sys.argv[2], "--json"]))
""")


def _run_closed(tmp_path, code: str, closed: int) -> subprocess.CompletedProcess:
    doc = tmp_path / "a.md"
    doc.write_text("alpha\n")
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    return subprocess.run([sys.executable, "-c", code, str(tmp_path / "home"), str(doc)], env=env,
                          stdout=subprocess.DEVNULL if closed == 1 else subprocess.PIPE,
                          stderr=subprocess.DEVNULL if closed == 2 else subprocess.PIPE, timeout=60,
                          preexec_fn=lambda: os.close(closed))  # the fd closed, as `2>&-` leaves it


def test_a_closed_stderr_is_no_internal_error_and_keeps_stdout_json(tmp_path):
    """`ragtune ingest DIR --json 2>&-` (and `ask`, whose llama.cpp log capture flushes stderr) exited 70 with
    "internal error: AttributeError: 'NoneType' object has no attribute ..." after the work was done."""
    r = _run_closed(tmp_path, INGEST, 2)
    assert r.returncode == 0, r.stdout
    assert json.loads(r.stdout)["added"] == 1  # one object, nothing else on stdout


def test_a_closed_stdout_runs_the_command_and_says_nothing(tmp_path):
    r = _run_closed(tmp_path, INGEST, 1)
    assert r.returncode == 0 and b"Traceback" not in r.stderr and b"internal error" not in r.stderr


@pytest.mark.parametrize("term,tty,redraws", [("xterm-256color", True, True), ("dumb", True, False),
                                              (" DUMB ", True, False), ("xterm", False, False), ("", True, True)])
def test_progress_redraws_only_on_a_terminal_that_is_not_dumb(monkeypatch, term, tty, redraws):
    monkeypatch.setenv("TERM", term)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: tty, raising=False)
    assert common.is_tty() is redraws
