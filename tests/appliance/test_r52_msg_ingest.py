"""Round 52: `ragtune ingest` of an Outlook .msg given by name: stored, listed, searchable (the loader's own tests:
test_r52_msg.py). `.msg` is in the default `[ingest] extensions`."""

from __future__ import annotations

import json

import pytest

from ragtune.cli import main

from . import msg_build
from .ingest_helpers import FakeEmbedder


@pytest.fixture
def cli_fake(monkeypatch, tokenizer):
    import ragtune.appliance.embed

    monkeypatch.setattr(ragtune.appliance.embed, "Embedder", lambda cfg, home: FakeEmbedder(tokenizer))


def test_a_msg_file_is_ingested_and_found_by_its_sender(home, tmp_path, cli_fake, capsys):
    f = tmp_path / "evidence" / "RE Lease renewal.msg"
    f.parent.mkdir()
    f.write_bytes(msg_build.outlook())
    assert main(["--home", str(home.root), "ingest", str(f), "--json"]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert obj.get("failed") in (0, [], {}, None), obj
    assert main(["--home", str(home.root), "docs", "list", "--json"]) == 0
    assert "RE Lease renewal.msg" in capsys.readouterr().out
    assert main(["--home", str(home.root), "search", "Dana Whitfield lease renewal rent"]) == 0
    assert "RE Lease renewal.msg" in capsys.readouterr().out
