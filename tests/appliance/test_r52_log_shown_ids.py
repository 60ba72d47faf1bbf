"""`ragtune log show|review|forget` take the id a scoped server showed its tenant (serve/publicid.py, round 52): the
operator pastes what a client quotes and meets the entry, not "no entry 4503599627370497"."""

from __future__ import annotations

import json

from ragtune.cli import main
from ragtune.serve.publicid import KEY_FILE, PublicIds

from .test_ask_cli import fakes  # noqa: F401  (the fixture: a home answered by fake engines)
from .test_log_cli import _one_logged


def test_a_shown_id_is_turned_back_with_the_homes_key(fakes, capsys, home):
    log_id = _one_logged(capsys)
    shown = PublicIds(home.root).encode("log", log_id)  # makes the key, as serve's first scoped start does
    assert shown != log_id and (home.root / KEY_FILE).is_file()
    assert main(["log", "show", str(shown), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["id"] == log_id
    ok = '{"status": "ok", "answer": "1889.", "citations": ["S1"]}'
    assert main(["log", "review", str(shown), "--answer-json", ok]) == 0
    assert f"entry {log_id} reviewed" in capsys.readouterr().err
    assert main(["log", "forget", str(shown), "--json"]) == 0
    capsys.readouterr()
    assert main(["log", "show", str(log_id), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["forgotten"] is not None


def test_a_shown_id_without_the_key_is_a_usage_error(fakes, capsys, home):
    _one_logged(capsys)
    assert main(["log", "show", str(PublicIds(key=b"x" * 32).encode("log", 1))]) == 2
    err = capsys.readouterr().err
    assert "a scoped server shows its clients" in err and KEY_FILE in err and "Traceback" not in err
    assert not (home.root / KEY_FILE).exists()  # nothing made by asking
