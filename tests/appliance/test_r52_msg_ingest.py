"""Round 52: `ragtune ingest` of an Outlook .msg given by name: stored, listed, searchable (the loader's own tests:
test_r52_msg.py). `.msg` is in the default `[ingest] extensions`."""

from __future__ import annotations

from ragtune.cli import main

from . import msg_build
from .ingest_helpers import cli_ingest_one


def test_a_msg_file_is_ingested_and_found_by_its_sender(home, tmp_path, monkeypatch, tokenizer, capsys):
    cli_ingest_one(home, tmp_path / "evidence" / "RE Lease renewal.msg", msg_build.outlook(), monkeypatch, tokenizer,
                   capsys)
    assert main(["--home", str(home.root), "docs", "list", "--json"]) == 0
    assert "RE Lease renewal.msg" in capsys.readouterr().out
    assert main(["--home", str(home.root), "search", "Dana Whitfield lease renewal rent"]) == 0
    assert "RE Lease renewal.msg" in capsys.readouterr().out
