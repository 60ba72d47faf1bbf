"""The keyword index's sync marker around an ingest that fails: a run that raises before it stored a document (its
embedder does not load) leaves the marker as it found it, so no search pays for a rebuild; a run that fails after
storing one, or is killed, leaves it dirty (rebuilt on the next open)."""

from __future__ import annotations

import pytest

import ragtune.appliance.embed as embed_mod
import ragtune.appliance.ingest.pipeline as pl
from ragtune.appliance.errors import ModelError
from ragtune.appliance.ingest.pipeline import ingest_paths
from ragtune.appliance.lexical import SIDECAR, LexicalIndex
from ragtune.appliance.store import Store
from ragtune.cli import main

from .ingest_helpers import FakeEmbedder, write_good


def _in_step(settings) -> bool:
    with Store(settings.home.db_path) as st:
        lex = LexicalIndex(settings.home.lexical_dir)
        try:
            return lex.is_synced(st)
        finally:
            lex.close()


def _marker(settings):
    return LexicalIndex(settings.home.lexical_dir).synced_version


@pytest.fixture
def one_more(tmp_path):
    f = tmp_path / "more" / "page.html"
    f.parent.mkdir()
    f.write_text("<html><body><p>Rivers flood in spring.</p></body></html>")
    return f


def test_an_unknown_embedder_leaves_the_index_in_step(settings, tmp_path, fake, one_more):
    write_good(tmp_path / "docs")
    ingest_paths(settings, [tmp_path / "docs"], embedder=fake)
    assert _in_step(settings)
    with pytest.raises(ModelError, match="nosuch"):
        ingest_paths(settings.replace("embed", model="nosuch"), [one_more])
    assert _in_step(settings)  # was: marker None, rebuilt on the next search
    s = ingest_paths(settings, [tmp_path / "docs", one_more], embedder=fake)
    assert not s.interrupted and s.added == 1  # and no "an earlier ingest did not finish" note


def test_an_embedder_that_does_not_load_leaves_the_index_in_step(settings, tmp_path, fake, one_more, monkeypatch):
    write_good(tmp_path / "docs")
    ingest_paths(settings, [tmp_path / "docs"], embedder=fake)

    def broken(cfg, home):
        raise ModelError("model.onnx: cannot load")

    monkeypatch.setattr(embed_mod, "model_identity", lambda cfg, home: (fake.model_id, fake.max_seq_len))
    monkeypatch.setattr(embed_mod, "Embedder", broken)
    with pytest.raises(ModelError, match="cannot load"):
        ingest_paths(settings, [one_more])
    assert _in_step(settings)


def test_a_fresh_home_whose_first_ingest_fails_is_in_step(home, settings, tmp_path, capsys):
    """The tester's case through the CLI: `config set embed.model nosuch`, then `ingest some.html` (exit 3)."""
    page = tmp_path / "some.html"
    page.write_text("<html><body><p>hello world text</p></body></html>")
    home.root.mkdir(parents=True, exist_ok=True)
    (home.root / "config.toml").write_text('[embed]\nmodel = "nosuch"\n')  # `config set` may refuse it
    assert main(["--home", str(home.root), "ingest", str(page)]) == 3
    assert _in_step(settings) and _marker(settings) == 0


def test_an_index_out_of_step_before_stays_so(settings, tmp_path, fake, one_more):
    """Put back means as found: a marker left dirty by a killed run stays dirty (rebuilt, and the next ingest says
    an earlier one did not finish)."""
    write_good(tmp_path / "docs")
    ingest_paths(settings, [tmp_path / "docs"], embedder=fake)
    LexicalIndex(settings.home.lexical_dir)._write_sidecar(None)  # as a killed run leaves it
    with pytest.raises(ModelError):
        ingest_paths(settings.replace("embed", model="nosuch"), [one_more])
    assert not _in_step(settings)
    assert ingest_paths(settings, [one_more], embedder=fake).interrupted
    assert _in_step(settings)


def test_a_failure_after_a_document_was_stored_leaves_the_marker_dirty(settings, tmp_path, fake, one_more,
                                                                       monkeypatch):
    """Crash safety: SQLite holds a document the keyword index does not: the marker must force the rebuild."""
    write_good(tmp_path / "docs")
    ingest_paths(settings, [tmp_path / "docs"], embedder=fake)

    def fails(self):
        raise RuntimeError("disk gone")

    monkeypatch.setattr(pl._Run, "finish_version", fails)
    with pytest.raises(RuntimeError):
        ingest_paths(settings, [one_more], embedder=fake)  # stored, then failed before the index was updated
    assert _marker(settings) is None and not _in_step(settings)
    with pytest.raises(RuntimeError):  # the same failure in a run that stored nothing (all unchanged)
        ingest_paths(settings, [tmp_path / "docs"], embedder=fake)
    assert _marker(settings) is None  # dirty as it found it: the rebuild is still owed
    monkeypatch.undo()
    ingest_paths(settings, [tmp_path / "docs"], embedder=fake)
    assert _in_step(settings)
    with pytest.raises(RuntimeError):
        monkeypatch.setattr(pl._Run, "finish_version", fails)
        ingest_paths(settings, [tmp_path / "docs"], embedder=fake)
    assert _in_step(settings)  # nothing stored: left in step
    assert (settings.home.lexical_dir / SIDECAR).is_file()


def test_a_killed_writer_leaves_the_marker_dirty(settings, tmp_path, fake):
    """`untouched()` acts only when the writer's block returns or raises: a process killed inside it never gets
    there (simulated: the marker as the writer leaves it while the block runs)."""
    write_good(tmp_path / "docs")
    ingest_paths(settings, [tmp_path / "docs"], embedder=fake)
    lex = LexicalIndex(settings.home.lexical_dir)
    with lex.writer() as w:
        w.untouched()
        assert _marker(settings) is None  # dirty while the block runs: a kill here leaves it so
    assert _in_step(settings)
    lex.close()
