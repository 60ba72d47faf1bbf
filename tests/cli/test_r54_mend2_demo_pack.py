"""Round 54, mend of reviewer readA: `ragtune demo` dropped every document under any `/ragtune/models/pack/` folder
from HOME/demo, a user's own file there too. Only an older install's copy of this pack's files goes now: a path
whose part after `ragtune/models/pack/docs/` names a file this install's pack has."""

from __future__ import annotations

import shutil

import pytest


def test_demo_keeps_ones_own_files_under_a_pack_like_folder(home, tmp_path, monkeypatch):
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
    old = tmp_path / "old-venv" / "ragtune" / "models" / "pack" / "docs"
    first = sorted(p for p in pack_dir().iterdir() if p.is_file())[0]
    old.mkdir(parents=True)
    shutil.copy(first, old / first.name)  # an older install's copy of a pack file: goes
    (old / "my-notes.md").write_text("# Notes\n\nThe demo room is booked on Tuesdays.\n")  # no pack file: stays
    elsewhere = tmp_path / "projects" / "ragtune" / "models" / "pack" / "plans"
    elsewhere.mkdir(parents=True)
    (elsewhere / first.name).write_text("# Plans\n\nThe lab moves in May.\n")  # not under a pack's docs/: stays
    demo = home.root / "demo"
    runner = CliRunner()
    for folder in (old, elsewhere):
        assert runner.invoke(cli, ["--home", str(demo), "ingest", str(folder)]).exit_code == 0

    result = runner.invoke(cli, ["demo", "--json", "--questions", "1"])
    assert result.exit_code == 0, result.output
    assert f"demo: removed 1 documents of another ragtune's sample pack ({old.parent})" in result.stderr
    paths = {d.path for d in list_documents(Settings(home=home.__class__(demo)))}
    assert str(old / first.name) not in paths
    assert {str(old / "my-notes.md"), str(elsewhere / first.name)} <= paths
