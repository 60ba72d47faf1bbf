"""`config set` while a server runs on the home: a running `serve` read config.toml at its start, so the change waits
for a restart, and `config set` says so (a note on stderr; stdout stays the value). The server's marker is an flock
(ragtune/serve/marker.py): a file left by a server that died is no marker."""

from __future__ import annotations

import json

from ragtune.cli import main
from ragtune.serve.marker import MARKER, serving, serving_marker


def test_config_set_notes_that_a_running_server_needs_a_restart(home, capsys):
    home.ensure()
    assert main(["config", "set", "retrieve.k", "4"]) == 0
    assert "note:" not in capsys.readouterr().err  # no server
    with serving_marker(home.root):
        assert serving(home.root)
        assert main(["config", "set", "retrieve.k", "1"]) == 0
        got = capsys.readouterr()
        assert got.out.startswith("retrieve.k = 1  (")
        assert "note: `ragtune serve` is running on" in got.err and "restart it to apply this change" in got.err
        assert main(["config", "set", "retrieve.k", "2", "--json"]) == 0
        got = capsys.readouterr()
        assert json.loads(got.out)["value"] == 2 and "restart it" in got.err
    assert not serving(home.root)  # the server stopped
    assert main(["config", "set", "retrieve.k", "3"]) == 0
    assert "note:" not in capsys.readouterr().err


def test_a_marker_file_nobody_holds_is_no_server(home):
    home.ensure()
    (home.root / MARKER).write_text("")  # what a killed server leaves: the file, not its lock
    assert not serving(home.root)
    assert not serving(home.root / "no-such-home")


def test_config_set_help_says_a_running_server_reads_the_file_at_start(capsys):
    assert main(["config", "set", "--help"]) == 0
    assert "A running `ragtune serve` read the file when it started: restart it" in \
        " ".join(capsys.readouterr().out.split())
