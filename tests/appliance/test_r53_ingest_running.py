"""`ask` or `search` in another shell while a home's first ingest runs (round 53, h7): they said "nothing is ingested
yet ... run `ragtune ingest PATH` first", the very command running. While a process holds the keyword index's writer
lock (Tantivy's flock on `.tantivy-writer.lock`, seen in /proc/locks: no lock of ours is taken), they say an ingest
is running and to ask again in a while; with the lock free, the old words."""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import pytest

from ragtune.appliance.answer_sources import require_ingested
from ragtune.appliance.errors import NothingIngested
from ragtune.appliance.scope import ingest_running, nothing_ingested, stored_documents
from ragtune.cli import main

pytestmark = pytest.mark.skipif(not Path("/proc/locks").is_file(), reason="told from /proc/locks (Linux)")
RUNNING = "an ingest into this home is running now"


@contextmanager
def writer_held(folder: Path):
    """As an ingest holds it from its start to its end (the flock Tantivy's IndexWriter takes)."""
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / ".tantivy-writer.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _empty(root: Path) -> SimpleNamespace:
    return SimpleNamespace(path=root / "ragtune.db", count_chunks=lambda: 0, count_documents=lambda: 0)


def test_an_empty_store_says_an_ingest_is_running_only_while_one_is(tmp_path):
    store = _empty(tmp_path)
    assert not ingest_running(store.path)  # no index folder yet
    (tmp_path / "tantivy").mkdir()
    (tmp_path / "tantivy" / ".tantivy-writer.lock").touch()  # left by every writer: not a running one
    assert not ingest_running(store.path)
    with pytest.raises(NothingIngested) as e:
        require_ingested(store)
    assert e.value.message == "nothing is ingested yet, so there is nothing to answer from"
    assert e.value.hint == "run `ragtune ingest PATH` first"
    with writer_held(tmp_path / "tantivy"):
        assert ingest_running(store.path)
        with pytest.raises(NothingIngested) as e:
            require_ingested(store)
        assert e.value.message == f"nothing is ingested yet, so there is nothing to answer from: {RUNNING}"
        assert "ask again in a while, or when it is done" in e.value.hint and "ragtune ingest" not in e.value.hint
        with pytest.raises(NothingIngested) as e:
            stored_documents(store, ["a.md"])  # `--in`, a server's "in"
        assert e.value.message.endswith(RUNNING)
    assert not ingest_running(store.path)  # the lock dies with its holder


def test_a_store_without_a_path_is_told_the_old_words():
    assert nothing_ingested(None).hint == "run `ragtune ingest PATH` first"  # a store double without a path
    assert not ingest_running(None) and not ingest_running("")


def test_an_index_beside_a_newer_releases_is_looked_at_too(tmp_path):
    with writer_held(tmp_path / "tantivy" / "schema-3"):  # lexical.own_folder: this release's index beside a newer
        assert ingest_running(tmp_path / "ragtune.db")


def test_the_cli_says_so(home, capsys):
    from ragtune.appliance.store import open_store

    from ragtune.appliance.lexical import LexicalIndex

    home.ensure()
    open_store(home).close()  # the database an ingest creates first, still empty
    lexical = LexicalIndex(home.lexical_dir)
    with lexical.writer():  # as the ingest holds it, before its first document is stored
        assert main(["--home", str(home.root), "search", "meal budget"]) == 2
        assert RUNNING in capsys.readouterr().err
        assert main(["--home", str(home.root), "ask", "What is the meal budget?"]) == 2
        err = capsys.readouterr().err
        assert RUNNING in err and "ragtune ingest PATH" not in err
    lexical.close()
    assert main(["--home", str(home.root), "search", "meal budget"]) == 2
    assert "run: ragtune ingest PATH" in capsys.readouterr().err


def _fake_proc(tmp_path: Path, lock: Path, dev: str, open_file: Path | None) -> Path:
    """A /proc of our own: /proc/locks says pid 4242 holds an flock on `dev`:<lock's inode>; its fd 3 is `open_file`
    (None: its fds cannot be read, another user's process)."""
    proc = tmp_path / "proc"
    proc.mkdir(parents=True)
    (proc / "locks").write_text(f"1: FLOCK  ADVISORY  WRITE 4242 {dev}:{lock.stat().st_ino} 0 EOF\n")
    if open_file is not None:
        (proc / "4242" / "fd").mkdir(parents=True)
        (proc / "4242" / "fd" / "3").symlink_to(open_file)
    return proc


def test_another_homes_lock_with_the_same_inode_number_is_no_running_ingest(tmp_path, monkeypatch):
    """Round 53 (rH): two homes on two file systems (two USB disks) whose lock files have one inode number: an ingest
    into one read as an ingest into the other. The holder's open files confirm it; unreadable, the device must match."""
    import ragtune.appliance.scope as scope

    home = tmp_path / "home"
    (home / "tantivy").mkdir(parents=True)
    lock = home / "tantivy" / ".tantivy-writer.lock"
    lock.touch()
    other = tmp_path / "other-disk-lock"  # what the holder really has open: another file
    other.touch()
    st = lock.stat()
    mine = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}"
    elsewhere = "fe:7f" if mine != "fe:7f" else "fe:7e"
    cases = [("a", elsewhere, other, False),  # the holder has another file open: another home's lock
             ("b", elsewhere, lock, True),  # it has this one open (an overlay: /proc/locks names another device)
             ("c", elsewhere, None, False),  # unreadable, on another device
             ("d", mine, None, True)]  # unreadable, on this one
    for name, dev, open_file, running in cases:
        monkeypatch.setattr(scope, "PROC", str(_fake_proc(tmp_path / name, lock, dev, open_file)))
        assert ingest_running(home / "ragtune.db") is running, name
