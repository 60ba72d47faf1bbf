"""Round 54, upgrade tester: `ragtune demo` after an upgrade that moved the sample pack's folder (a new virtual
environment or Python version). The demo home kept the older ragtune's pack beside the new one: 48 documents for
24, answers cited the old install's files. The older pack now goes before the new one is ingested; a document of
one's own in HOME/demo stays."""

from __future__ import annotations

import json
import shutil

import pytest


def test_demo_drops_the_pack_an_older_install_ingested(home, tmp_path, monkeypatch):
    pytest.importorskip("ragtune.models.pack")
    import ragtune.appliance.answer
    import ragtune.appliance.embed
    from click.testing import CliRunner

    from ragtune.appliance.config import Settings
    from ragtune.appliance.ingest.documents import list_documents
    from ragtune.cli import cli
    from ragtune.models.pack import pack_dir
    from tests.appliance.ingest_helpers import FakeEmbedder, real_tokenizer
    from tests.tui import fakes

    tok = real_tokenizer()
    monkeypatch.setattr(ragtune.appliance.embed, "Embedder", lambda cfg, h, **kw: FakeEmbedder(tok))
    monkeypatch.setattr(ragtune.appliance.answer, "AnswerEngine", fakes.FakeEngine)
    old = tmp_path / "old-venv" / "lib" / "ragtune" / "models" / "pack" / "docs"
    shutil.copytree(pack_dir(), old)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.md").write_text("# Notes\n\nThe demo room is booked on Tuesdays.\n")
    demo = home.root / "demo"
    runner = CliRunner()
    for folder in (old, mine):  # what the older ragtune's demo left, and a file of one's own
        assert runner.invoke(cli, ["--home", str(demo), "ingest", str(folder)]).exit_code == 0
    n_old = len(list_documents(Settings(home=home.__class__(demo)), under=old))
    assert n_old > 1

    result = runner.invoke(cli, ["demo", "--json", "--questions", "1"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.strip().splitlines()[-1])["home"] == str(demo)
    assert f"demo: removed {n_old} documents of another ragtune's sample pack ({old.parent})" in result.stderr
    paths = [d.path for d in list_documents(Settings(home=home.__class__(demo)))]
    assert not [p for p in paths if p.startswith(str(old))]
    assert str(mine / "notes.md") in paths  # not a pack: kept
    assert len([p for p in paths if p.startswith(str(pack_dir()))]) == n_old  # the pack once, from this install

    again = runner.invoke(cli, ["demo", "--json", "--questions", "1"])
    assert again.exit_code == 0 and "sample pack (" not in again.stderr
