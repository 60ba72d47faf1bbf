"""A shared folder that changes every day, re-ingested by a nightly `ragtune ingest /srv/share` (round 44): an
unmounted (empty) share must not prune the corpus; what --prune removes is named; a run without --prune says which
stored documents' files are gone (renamed, moved, deleted) instead of serving them silently."""

from __future__ import annotations

import json

import pytest

from ragtune.appliance.ingest.pipeline import ingest_paths
from ragtune.appliance.ingest.prune import gone_documents
from ragtune.appliance.store import Store

from .ingest_helpers import FakeEmbedder


@pytest.fixture
def cli_fake(monkeypatch, tokenizer):
    import ragtune.appliance.embed

    monkeypatch.setattr(ragtune.appliance.embed, "Embedder", lambda cfg, home: FakeEmbedder(tokenizer))


def _share(tmp_path):
    share = tmp_path / "share"
    (share / "policies").mkdir(parents=True)
    (share / "policies" / "travel.md").write_text("# Travel\n\nThe daily meal allowance is 42 euros.\n")
    (share / "policies" / "leave.md").write_text("# Leave\n\nEvery employee gets 25 days of leave.\n")
    (share / "budget.txt").write_text("Budget\n\nThe marketing budget is 310000 euros.\n")
    return share


def _move_edited(src, dst):
    """A file renamed or moved and edited: gone from its old path. (A plain rename keeps its document since round 45:
    test_r45_ingest_rename.py.)"""
    dst.write_text(src.read_text() + "\nEdited since.\n")
    src.unlink()


def _paths(settings):
    with Store(settings.home.db_path) as s:
        return [d["path"] for d in s.documents()]


def test_an_emptied_or_unmounted_share_is_not_pruned(settings, tmp_path, fake):
    """Before: `ingest --prune /srv/share` on an empty mount point deleted every stored document, exit 0."""
    share = _share(tmp_path)
    ingest_paths(settings, [share], embedder=fake)
    for f in sorted(share.rglob("*.*")):
        f.unlink()
    s = ingest_paths(settings, [share], prune=True, embedder=fake)
    assert s.deleted == 0 and s.pruned == [] and s.prune_refused == [(str(share.resolve()), 3)]
    assert s.nothing_ingested  # the CLI exits 2: a cron job's mail says so
    assert len(_paths(settings)) == 3
    assert s.to_json()["prune_refused"] == [{"path": str(share.resolve()), "documents": 3}]


def test_prune_still_removes_deleted_files_and_names_them(settings, tmp_path, fake):
    share = _share(tmp_path)
    ingest_paths(settings, [share], embedder=fake)
    (share / "policies" / "leave.md").unlink()
    s = ingest_paths(settings, [share], prune=True, embedder=fake)
    assert s.deleted == 1 and s.prune_refused == []
    assert s.pruned == [str(share.resolve() / "policies" / "leave.md")]
    # a sub-folder emptied on purpose is pruned: only a walked root with no document file is refused
    (share / "budget.txt").unlink()
    (share / "policies" / "travel.md").unlink()
    (share / "notes.md").write_text("# Notes\n\nnew\n")
    s = ingest_paths(settings, [share], prune=True, embedder=fake)
    assert s.deleted == 2 and _paths(settings) == [str(share.resolve() / "notes.md")]


def test_gone_documents_lists_renamed_moved_and_deleted_files(settings, tmp_path, fake):
    share = _share(tmp_path)
    ingest_paths(settings, [share], embedder=fake)
    _move_edited(share / "policies" / "leave.md", share / "policies" / "annual-leave.md")
    (share / "hr").mkdir()
    _move_edited(share / "budget.txt", share / "hr" / "budget.txt")
    ingest_paths(settings, [share], embedder=fake)
    with Store(settings.home.db_path) as store:
        root = share.resolve()
        assert gone_documents(store, [share]) == [str(root / "budget.txt"), str(root / "policies" / "leave.md")]
        # an empty (unmounted?) or missing folder: its files are not known to be gone
        for f in sorted(share.rglob("*.*")):
            f.unlink()
        for d in sorted(share.rglob("*"), reverse=True):
            d.rmdir()
        assert gone_documents(store, [share]) == []
        share.rmdir()
        assert gone_documents(store, [share]) == []


def test_ingest_paths_names_gone_files_for_every_caller(settings, tmp_path, fake):
    """Before: only the CLI (a second open of the store) listed files gone from disk; the TUI and library callers of
    ingest_paths saw only those behind a symlink no longer followed."""
    share = _share(tmp_path)
    ingest_paths(settings, [share], embedder=fake)
    _move_edited(share / "policies" / "leave.md", share / "policies" / "annual-leave.md")
    s = ingest_paths(settings, [share], embedder=fake)
    assert s.gone == [str(share.resolve() / "policies" / "leave.md")] and s.deleted == 0
    with Store(settings.home.db_path) as store:  # a caller's own store too (the TUI passes one)
        assert ingest_paths(settings, [share], embedder=fake, store=store).gone == s.gone
    s = ingest_paths(settings, [tmp_path / "no-such-folder"], embedder=fake)  # every path bad: nothing said gone
    assert s.all_paths_bad and s.gone == []


def test_cli_says_what_a_nightly_run_kept_pruned_and_refused(home, tmp_path, cli_fake, capsys):
    from ragtune.cli import main

    share = _share(tmp_path)
    root = share.resolve()
    h = ["--home", str(home.root)]
    assert main(h + ["ingest", str(share)]) == 0
    capsys.readouterr()
    _move_edited(share / "policies" / "leave.md", share / "policies" / "annual-leave.md")
    assert main(h + ["ingest", str(share)]) == 0
    out = capsys.readouterr().out
    assert "1 stored document(s) whose files are gone still answer questions" in out and "leave.md" in out
    assert main(h + ["ingest", str(share), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["gone"] == [str(root / "policies" / "leave.md")]
    assert main(h + ["ingest", str(share), "--prune"]) == 0
    out = capsys.readouterr().out
    assert "pruned 1 document(s) whose files are gone: leave.md" in out and "still answer" not in out
    for f in sorted(share.rglob("*.*")):
        f.unlink()
    assert main(h + ["ingest", str(share), "--prune"]) == 2
    cap = capsys.readouterr()
    assert f"not pruned: {root} holds no document file now but 3 stored document(s)" in cap.out
    assert f"ragtune docs remove {root}" in cap.out and cap.err.startswith("error: nothing was ingested")
