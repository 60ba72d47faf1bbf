"""`ragtune backup --verify DEST` (round 45 drill): exit 0 for a whole backup, 1 with each damaged file named and
what to do, 2 for a folder that is no backup; --json; --verify with --include-external is a usage error."""

from __future__ import annotations

import json

import pytest

from ragtune.appliance.backup import backup_home
from ragtune.appliance.ingest import ingest_paths
from ragtune.cli import main
from tests.appliance.ingest_helpers import FakeEmbedder, real_tokenizer
from tests.appliance.kill_fuzz_helpers import write_corpus


@pytest.fixture(scope="module")
def fake():
    return FakeEmbedder(real_tokenizer())


def _backup(settings, fake, tmp_path):
    write_corpus(tmp_path / "docs", seed=6, n=4)
    ingest_paths(settings, [tmp_path / "docs"], embedder=fake)
    (settings.home.root / "config.toml").write_text("[retrieve]\nk = 4\n", encoding="utf-8")
    dest = tmp_path / "bk é 1"  # spaces and non-ASCII: a path as an operator names it
    backup_home(settings.home, dest)
    return dest


def test_verify_ok_then_damaged_then_not_a_backup(settings, fake, tmp_path, capsys):
    dest = _backup(settings, fake, tmp_path)
    assert main(["backup", "--verify", str(dest)]) == 0
    out = capsys.readouterr()
    assert out.out.startswith(f"backup {dest}: ok; made ") and "4 documents" in out.out and out.err == ""
    (dest / "config.toml").write_text("[retrieve]\nk = 6\n", encoding="utf-8")
    assert main(["backup", "--verify", str(dest)]) == 1
    out = capsys.readouterr()
    assert "DAMAGED (1 problem)" in out.out
    assert "config.toml: not the bytes the backup wrote" in out.err and "do not restore from this backup" in out.err
    assert "Traceback" not in out.err
    assert main(["backup", "--verify", str(dest), "--json"]) == 1
    res = json.loads(capsys.readouterr().out)
    assert res["ok"] is False and res["problems"][0].startswith("config.toml:")
    assert main(["backup", "--verify", str(settings.home.root)]) == 2
    assert "has no backup.json" in capsys.readouterr().err


def test_verify_with_include_external_is_a_usage_error(settings, fake, tmp_path, capsys):
    dest = _backup(settings, fake, tmp_path)
    assert main(["backup", "--verify", "--include-external", str(dest)]) == 2
    assert "--verify checks one" in capsys.readouterr().err
