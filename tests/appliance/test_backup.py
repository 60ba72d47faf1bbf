"""`ragtune backup DEST` (ragtune/appliance/backup.py, cli/backup_cmd.py): a backup opens as a home and answers the
same searches; one taken while an ingest writes is consistent; a killed or failed backup leaves nothing at DEST;
refusals write nothing."""

from __future__ import annotations

import dataclasses
import errno
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from ragtune.appliance.backup import backup_home
from ragtune.appliance.config import Settings
from ragtune.appliance.errors import InputError
from ragtune.appliance.home import Home
from ragtune.appliance.ingest import ingest_paths
from ragtune.appliance.retrieve import Retriever
from ragtune.appliance.store import Store
from ragtune.cli import main

from .kill_fuzz_helpers import QUERIES, invariants, write_corpus

REPO = Path(__file__).resolve().parents[2]


def _ann(settings: Settings) -> Settings:
    """Settings searching through the derived vector index (ANN) even at a few chunks: its files exist to leave out."""
    return dataclasses.replace(settings, retrieve=dataclasses.replace(settings.retrieve, vector_search="ann"))


def _search(settings: Settings, fake) -> list:
    with Retriever(settings, embedder=fake) as r:
        return [[(h.chunk_id, round(h.fused, 6)) for h in r.retrieve(q, k=5, use_cache=False).hits] for q in QUERIES]


def _filled(settings: Settings, fake, tmp_path: Path) -> Settings:
    """A home with documents, both derived indexes, a config file, a registry (a blob, active.json) and litter."""
    write_corpus(tmp_path / "docs", seed=7, n=12)
    ingest_paths(settings, [tmp_path / "docs"], embedder=fake)
    s = _ann(settings)
    _search(s, fake)  # builds vectors/ too
    root = settings.home.root
    (root / "config.toml").write_text("[retrieve]\nk = 4\n", encoding="utf-8")
    blob = root / "registry" / "blobs" / ("a" * 64)
    blob.mkdir(parents=True)
    (blob / "adapter.gguf").write_bytes(b"GGUF" + b"\0" * 4096)
    (root / "registry" / "active.json").write_text('{"active": null, "previous": null}\n', encoding="utf-8")
    (root / "registry" / ".active.json.abcd1234.part").write_text("half", encoding="utf-8")  # a killed writer's
    (root / "cache" / "dataset-scratch").mkdir(parents=True)
    (root / "cache" / "dataset-scratch" / "x.jsonl").write_text("{}\n", encoding="utf-8")
    return s


def test_backup_is_a_home_that_answers_the_same_searches(settings, fake, tmp_path):
    s = _filled(settings, fake, tmp_path)
    root = settings.home.root
    before = _search(s, fake)
    dest = tmp_path / "backups" / "b1"
    res = backup_home(settings.home, dest)
    assert res.documents == 12 and res.chunks > 12 and res.chunks == Store(root / "ragtune.db").count_chunks()
    assert res.database_bytes > 0 and res.bytes >= res.database_bytes and res.seconds >= 0
    names = sorted(p.name for p in dest.iterdir())
    assert names == ["backup.json", "config.toml", "ragtune.db", "registry"], names  # no tantivy/, vectors/, cache/
    assert set(res.left_out) == {"tantivy", "vectors", "cache"}
    assert (dest / "config.toml").read_text(encoding="utf-8") == "[retrieve]\nk = 4\n"
    assert (dest / "registry" / "active.json").is_file()
    assert not list((dest / "registry").glob(".*"))  # the killed writer's temporary is not carried over
    src_blob = root / "registry" / "blobs" / ("a" * 64) / "adapter.gguf"
    dest_blob = dest / "registry" / "blobs" / ("a" * 64) / "adapter.gguf"
    assert os.path.samefile(src_blob, dest_blob) and res.linked_files == 1  # same file system: a hard link
    assert not list(dest.parent.glob(".*")), "no temporary beside DEST"
    copy = dataclasses.replace(s, home=Home(dest))
    assert _search(copy, fake) == before  # the indexes rebuilt from the snapshot rank as the original's
    assert (dest / "tantivy" / "synced.json").is_file() and (dest / "vectors" / "state.json").is_file()
    assert invariants(dest) == []


def test_backup_taken_while_an_ingest_writes_is_consistent(settings, fake, tmp_path):
    files = write_corpus(tmp_path / "docs", seed=11, n=30)
    ingest_paths(settings, files[:3], embedder=fake)
    done = threading.Event()
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            for f in files[3:]:  # one transaction and index version each: many commits during the backups
                ingest_paths(settings, [f], embedder=fake)
        except BaseException as exc:  # noqa: BLE001 - re-raised by the test
            errors.append(exc)
        finally:
            done.set()

    t = threading.Thread(target=writer)
    t.start()
    seen = []
    try:
        i = 0
        while not done.is_set() or i < 2:
            dest = tmp_path / f"b{i}"
            seen.append((dest, backup_home(settings.home, dest)))
            i += 1
    finally:
        t.join()
    assert not errors
    assert any(3 < r.documents < 30 for _, r in seen), [r.documents for _, r in seen]  # taken mid-ingest
    for dest, res in seen:
        with Store(dest / "ragtune.db") as st:
            assert (st.count_documents(), st.count_chunks()) == (res.documents, res.chunks)
    for dest, _ in seen[:: max(1, len(seen) // 6)]:
        _search(_ann(dataclasses.replace(settings, home=Home(dest))), fake)  # the product's rebuild-on-open
        assert invariants(dest) == [], dest


def test_a_killed_backup_leaves_nothing_at_dest(settings, fake, tmp_path):
    write_corpus(tmp_path / "docs", seed=3, n=4)
    ingest_paths(settings, [tmp_path / "docs"], embedder=fake)
    dest = tmp_path / "out" / "b"
    code = ("import os, signal, sys\n"
            "import ragtune.appliance.backup as b\n"
            "from ragtune.appliance.home import Home\n"
            "def die(*a, **k):\n"
            "    os.kill(os.getpid(), signal.SIGKILL)\n"
            "b._copy_tree = die\n"  # after the database copy, before the rest
            "b.backup_home(Home(sys.argv[1]), sys.argv[2])\n")
    p = subprocess.run([sys.executable, "-c", code, str(settings.home.root), str(dest)], cwd=REPO, timeout=120)
    assert p.returncode == -9
    assert not dest.exists()
    left = list(dest.parent.glob(".b.*.part"))
    assert len(left) == 1 and (left[0] / "ragtune.db").is_file()  # the half copy, under its temporary name only
    res = backup_home(settings.home, dest)  # the next backup to DEST clears it
    assert res.documents == 4 and list(dest.parent.iterdir()) == [dest]


def test_a_failed_write_names_dest_and_leaves_nothing(settings, fake, tmp_path, monkeypatch, capsys):
    write_corpus(tmp_path / "docs", seed=5, n=3)
    ingest_paths(settings, [tmp_path / "docs"], embedder=fake)
    (settings.home.root / "config.toml").write_text("[retrieve]\nk = 4\n", encoding="utf-8")
    dest = tmp_path / "full" / "b"

    def full(src, dst, **kw):
        raise OSError(errno.ENOSPC, "No space left on device", str(dst))

    monkeypatch.setattr(shutil, "copy2", full)
    assert main(["--home", str(settings.home.root), "backup", str(dest)]) == 74
    err = capsys.readouterr().err
    assert f"error: {dest}: No space left on device" in err and "disk is full" in err and "Traceback" not in err
    assert list(dest.parent.iterdir()) == []  # neither DEST nor a temporary


@pytest.mark.parametrize("case", ["not-empty", "file", "inside-home", "no-home"])
def test_refusals_exit_2_and_write_nothing(settings, fake, tmp_path, capsys, case):
    write_corpus(tmp_path / "docs", seed=2, n=2)
    ingest_paths(settings, [tmp_path / "docs"], embedder=fake)
    home = str(settings.home.root)
    dest = tmp_path / "dest"
    want = {"not-empty": "not empty", "file": "exists and is not a folder", "inside-home": "inside the home",
            "no-home": "does not exist"}[case]
    if case == "not-empty":
        dest.mkdir()
        (dest / "keep.txt").write_text("mine", encoding="utf-8")
    elif case == "file":
        dest.write_text("mine", encoding="utf-8")
    elif case == "inside-home":
        dest = settings.home.root / "bk"
    else:
        home = str(tmp_path / "nohome")
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    assert main(["--home", home, "backup", str(dest), "--json"]) == 2
    out = capsys.readouterr()
    assert want in out.err and "Traceback" not in out.err
    assert json.loads(out.out)["error"]["exit_code"] == 2
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before  # nothing written, nothing removed


def test_a_rollout_command_holding_its_lock_makes_the_backup_exit_75(settings, fake, tmp_path, capsys, monkeypatch):
    """Busy is "run it again later" (exit 75, as for a busy index; was 2, a bad input): nothing is written."""
    import fcntl

    import ragtune.appliance.backup as backup_mod

    write_corpus(tmp_path / "docs", 2, 3)
    ingest_paths(settings, [tmp_path / "docs"], embedder=fake)
    lock = settings.home.root / "registry" / "rollout.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    monkeypatch.setattr(backup_mod, "LOCK_WAIT_S", 0.1)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT)  # a rollout command, mid-way
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        assert main(["--home", str(settings.home.root), "backup", str(tmp_path / "dest"), "--json"]) == 75
    finally:
        os.close(fd)
    out = capsys.readouterr()
    err = json.loads(out.out)["error"]
    assert err["exit_code"] == 75 and err["type"] == "LockBusy" and "a rollout command has held" in err["message"]
    assert "Traceback" not in out.err and not (tmp_path / "dest").exists()


def test_dest_not_utf8_is_refused(settings, tmp_path, capsys):
    dest = os.fsdecode(os.fsencode(str(tmp_path)) + b"/b\xe9")
    assert main(["--home", str(settings.home.root), "backup", dest]) == 2
    assert "not valid UTF-8" in capsys.readouterr().err
    assert not [p for p in tmp_path.iterdir() if p.name.lstrip(".").startswith("b")]
    with pytest.raises(InputError, match="not valid UTF-8"):
        backup_home(settings.home, dest)


def test_cli_backup_json_then_the_backup_answers_docs_and_search(settings, fake, tmp_path, capsys):
    write_corpus(tmp_path / "docs", seed=9, n=6)
    ingest_paths(settings, [tmp_path / "docs"], embedder=fake)
    home, dest = str(settings.home.root), tmp_path / "empty"
    dest.mkdir()  # an empty folder is a valid DEST
    assert main(["--home", home, "backup", str(dest), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["dest"] == str(dest) and res["documents"] == 6 and res["chunks"] >= 6
    assert {"bytes", "seconds", "files", "left_out"} <= set(res)

    def both(*args: str) -> list:
        outs = []
        for h in (home, str(dest)):
            assert main(["--home", h, *args, "--json"]) == 0
            outs.append(json.loads(capsys.readouterr().out))
        return outs

    a, b = both("docs", "list")
    assert [d["path"] for d in a["documents"]] == [d["path"] for d in b["documents"]] and len(b["documents"]) == 6
    a, b = both("search", QUERIES[0], "--mode", "bm25")
    assert [h["chunk_id"] for h in a["hits"]] == [h["chunk_id"] for h in b["hits"]] and b["hits"]
