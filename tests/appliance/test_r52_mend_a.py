"""R52 mend (mA, finding 1): `ragtune log show|review|forget` of an id a scoped server showed its tenant read the
home's key and never write it, and a shown id with no entry is said as the operator typed it. Was: a damaged key
was rewritten by a read-only command (a running server kept the old one, so its shown ids no longer decoded), an
unreadable one was replaced by a random key (the id decoded to an unrelated entry), and "no query log entry
3258139978736514" named a number nobody typed."""

from __future__ import annotations

import json

import pytest

from ragtune.cli import main
from ragtune.serve.publicid import KEY_FILE, SHOWN, PublicIds

from .test_ask_cli import fakes  # noqa: F401  (the fixture: a home answered by fake engines)
from .test_log_cli import _one_logged

OK = '{"status": "ok", "answer": "1889.", "citations": ["S1"]}'


@pytest.mark.parametrize("damage", ["short", "dir"])
def test_a_damaged_or_unreadable_key_is_a_usage_error_and_is_left_as_it_is(fakes, capsys, home, damage):
    _one_logged(capsys)
    key = home.root / KEY_FILE
    if damage == "short":
        key.write_bytes(b"short")
    else:  # cannot be read as a file: was a random key for the process, decoding to an unrelated row
        key.mkdir()
    for argv in (["log", "show", str(SHOWN + 1)], ["log", "review", str(SHOWN + 1), "--answer-json", OK],
                 ["log", "forget", "1", str(SHOWN + 1)]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert KEY_FILE in err and str(SHOWN + 1) in err and "Traceback" not in err, err
        assert ("not a key of 32 bytes (5)" if damage == "short" else "cannot be read") in err
    assert key.read_bytes() == b"short" if damage == "short" else key.is_dir()  # never rewritten by a reader
    assert not [p.name for p in home.root.iterdir() if p.name.startswith(f".{KEY_FILE}")]
    assert main(["log", "show", "1", "--json"]) == 0  # not forgotten: the usage error came first
    assert json.loads(capsys.readouterr().out)["forgotten"] is None


def test_a_shown_id_with_no_entry_is_said_as_typed(fakes, capsys, home):
    log_id = _one_logged(capsys)
    ids = PublicIds(home.root)  # the key, as the server's first scoped start makes it
    typo = ids.encode("log", log_id) + 1
    row = ids.decode("log", typo)
    assert row != log_id
    said = f"no query log entry for shown id {typo} (store id {row})"
    assert main(["log", "show", str(typo)]) == 2
    assert said in capsys.readouterr().err
    assert main(["log", "review", str(typo), "--answer-json", OK]) == 2
    assert said in capsys.readouterr().err
    assert main(["log", "forget", str(typo)]) == 2
    assert f"{said}: nothing was forgotten" in capsys.readouterr().err
    assert main(["log", "forget", "999", str(typo)]) == 2  # a store id is said as it is, next to the shown one
    assert f"no query log entries 999, shown id {typo} (store id {row}): nothing" in capsys.readouterr().err
    assert main(["log", "show", "999"]) == 2  # a store id: the message as before
    assert "no query log entry 999" in capsys.readouterr().err
