"""Round 45: a sub-folder of a walked folder that held UNAVAILABLE_MIN_DOCS or more stored documents and holds no
document file now (an unmounted share mounted under the folder given: empty, or missing) is not pruned: its documents
are kept and named in a `not pruned:` line, as an empty given folder's are since round 44. It was pruned whole."""

from __future__ import annotations

import json
import shutil

import pytest

from ragtune.appliance.ingest.pipeline import ingest_paths
from ragtune.appliance.ingest.prune import UNAVAILABLE_MIN_DOCS
from ragtune.appliance.store import Store
from ragtune.cli import main

from .ingest_helpers import FakeEmbedder


@pytest.fixture
def srv(tmp_path):
    """/srv/docs with its own files and a share mounted at /srv/docs/hr (with a folder of its own)."""
    root = tmp_path / "docs"
    (root / "hr" / "forms").mkdir(parents=True)
    for name in ("a.md", "b.md"):
        (root / name).write_text(f"# {name}\n\nText of {name}.\n", encoding="utf-8")
    for i in range(UNAVAILABLE_MIN_DOCS):
        (root / "hr" / f"policy{i}.md").write_text(f"# Policy {i}\n\nRule number {i}.\n", encoding="utf-8")
    (root / "hr" / "forms" / "leave.md").write_text("# Leave form\n\nFill it in.\n", encoding="utf-8")
    return root


def _paths(settings) -> list[str]:
    with Store(settings.home.db_path) as st:
        return sorted(d["path"] for d in st.documents())


def _unmount(share):
    for p in sorted(share.rglob("*"), reverse=True):  # the mount point stays, empty
        p.rmdir() if p.is_dir() else p.unlink()


@pytest.mark.parametrize("how", ["empty", "missing"])
def test_an_unmounted_share_under_the_root_is_not_pruned(settings, fake, srv, how):
    ingest_paths(settings, [srv], embedder=fake)
    stored = _paths(settings)
    assert len(stored) == 2 + UNAVAILABLE_MIN_DOCS + 1
    _unmount(srv / "hr") if how == "empty" else shutil.rmtree(srv / "hr")
    (srv / "b.md").unlink()  # a file deleted beside it is still pruned
    s = ingest_paths(settings, [srv], embedder=fake, prune=True)
    assert s.pruned == [str(srv / "b.md")]  # was: b.md and the share's 6 documents
    assert s.prune_refused == [(str(srv / "hr"), UNAVAILABLE_MIN_DOCS + 1)]
    assert _paths(settings) == [p for p in stored if not p.endswith("/b.md")]
    line = [x for x in s.prune_lines() if x.startswith("not pruned:")]
    assert line and f"{srv / 'hr'} holds no document file now" in line[0]
    # without --prune they are not listed as gone either (--prune would not remove them)
    s = ingest_paths(settings, [srv], embedder=fake)
    assert s.gone == []


def test_a_small_folder_deleted_is_pruned(settings, fake, srv):
    small = srv / "old"
    small.mkdir()
    for i in range(UNAVAILABLE_MIN_DOCS - 1):
        (small / f"x{i}.md").write_text(f"# Old {i}\n\nOld text {i}.\n", encoding="utf-8")
    ingest_paths(settings, [srv], embedder=fake)
    shutil.rmtree(small)
    s = ingest_paths(settings, [srv], embedder=fake)
    assert len(s.gone) == UNAVAILABLE_MIN_DOCS - 1
    s = ingest_paths(settings, [srv], embedder=fake, prune=True)
    assert len(s.pruned) == UNAVAILABLE_MIN_DOCS - 1 and s.prune_refused == []


def test_a_share_with_files_left_in_a_sub_folder_is_pruned_file_by_file(settings, fake, srv):
    ingest_paths(settings, [srv], embedder=fake)
    for i in range(UNAVAILABLE_MIN_DOCS):
        (srv / "hr" / f"policy{i}.md").unlink()  # hr/forms/leave.md is still there: hr is mounted
    s = ingest_paths(settings, [srv], embedder=fake, prune=True)
    assert len(s.pruned) == UNAVAILABLE_MIN_DOCS and s.prune_refused == []


def test_the_cli_keeps_them_and_says_why(home, srv, tokenizer, monkeypatch, capsys):
    import ragtune.appliance.embed

    monkeypatch.setattr(ragtune.appliance.embed, "Embedder", lambda cfg, h: FakeEmbedder(tokenizer))
    root = ["--home", str(home.root)]
    assert main(root + ["ingest", str(srv)]) == 0
    _unmount(srv / "hr")
    capsys.readouterr()
    assert main(root + ["ingest", str(srv), "--prune", "--json"]) == 0  # a.md, b.md unchanged: something happened
    out = json.loads(capsys.readouterr().out)
    assert out["prune_refused"] == [{"path": str(srv / "hr"), "documents": UNAVAILABLE_MIN_DOCS + 1}]
    assert out["pruned"] == []
