"""What killed writers leave in a home goes at the home's next open for writing (home.sweep_leftovers, called by
StoreBase), not only at the next write of the same file: a half-copied GGUF in registry/blobs, a half-written vector
file or Tantivy's temporaries could otherwise stay for good. Never what a live process holds; a read-only open
changes nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ragtune.appliance import home as home_mod
from ragtune.appliance.home import LITTER_FOLDERS, sweep_leftovers
from ragtune.appliance.lexical import LexicalIndex
from ragtune.appliance.store import Store

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def root(tmp_path, monkeypatch):
    """A home with a database and a lexical index, opened before (this process swept it: none of the litter the
    tests place is gone by then)."""
    monkeypatch.setattr(home_mod, "_swept", set())
    r = tmp_path / "home"
    Store(r / "ragtune.db").close()
    LexicalIndex(r / "tantivy").close()
    monkeypatch.setattr(home_mod, "_swept", set())  # the next open is this process's first again
    return r


def _write(path: Path, data: bytes = b"x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _litter(r: Path) -> list[Path]:
    """A killed writer's temporary in every swept folder (a file, or a folder with a file in it), a folder swap's
    old copy, and the lexical index's."""
    out = [_write(r / sub / f".f{i}.k1ll3d_{i}.part", b"half") for i, sub in enumerate(LITTER_FOLDERS)]
    out.append(_write(r / "registry" / "blobs" / f".{'a' * 64}.k1ll3d_z.part" / "big.gguf", b"G" * 4096).parent)
    out.append(_write(r / "vectors" / ".vecs-3.f32.abcd_123.part", b"\0" * 4096))
    out += [_write(r / "tantivy" / n, b"{") for n in (".tmpAb12Cd", "synced.json.tmp")]
    return out


def _tree(r: Path) -> dict[str, tuple[int, int]]:
    """Every file but the database's (a read-only open of a WAL database may make `-wal`/`-shm`: SQLite's)."""
    return {str(p.relative_to(r)): (p.lstat().st_size, p.lstat().st_mtime_ns) for p in sorted(r.rglob("*"))
            if not p.name.startswith("ragtune.db")}


def test_the_first_open_for_writing_clears_what_killed_writers_left(root):
    dead = _litter(root)
    dead.append(_write(root / "tune" / "run" / ".ckpt.k1ll3d_t.part"))  # a run tree: swept at open too (round 41)
    keep = [_write(root / "adapters" / "run" / ".ckpt.k1ll3d_t.part"),  # below a swept folder, no run tree
            _write(root / ".hidden-notes"), _write(root / "vectors" / ".not.ours.part"),
            _write(root / "tantivy" / ".tmpnot-tantivy")]
    Store(root / "ragtune.db").close()
    assert [p for p in dead if os.path.lexists(p)] == []
    assert all(p.exists() for p in keep)
    again = _write(root / "registry" / ".active.json.k1ll3d_q.part")  # once per home and process
    Store(root / "ragtune.db").close()
    assert again.exists()
    assert sweep_leftovers(root, again=True) and not again.exists()
    ix = LexicalIndex(root / "tantivy")  # the index is whole
    assert not ix.corrupt
    ix.close()


def test_a_read_only_open_changes_nothing(root):
    _litter(root)
    before = _tree(root)
    with Store(root / "ragtune.db", readonly=True) as st:
        st.applied_migrations()
    with Store(root / "ragtune.db", readonly=True, immutable=True):
        pass
    assert _tree(root) == before


def test_a_database_that_is_not_a_homes_sweeps_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(home_mod, "_swept", set())
    dead = _write(tmp_path / ".config.toml.k1ll3d_a.part")
    Store(tmp_path / "scratch.db").close()
    assert dead.exists()


_HOLDER = """
import sys
from ragtune.appliance.atomic import atomic_open
from ragtune.appliance.lexical import LexicalIndex
with atomic_open(sys.argv[1] + "/registry/active.json") as fh, LexicalIndex(sys.argv[1] + "/tantivy").writer():
    fh.write("theirs"); fh.flush()
    print("writing", flush=True)
    sys.stdin.readline()
"""


def test_what_a_live_process_writes_is_left_alone(root):
    """Another process writes active.json (its temporary flock-held) and holds Tantivy's writer (whose own
    temporaries may be the `.tmpXXXXXX` there): this process's open clears only the dead's."""
    p = subprocess.Popen([sys.executable, "-c", _HOLDER, str(root)], cwd=REPO, stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline().strip() == "writing"
        (theirs,) = [n for n in os.listdir(root / "registry") if n.startswith(".active.json.")]
        tantivy_tmp = _write(root / "tantivy" / ".tmpXy34Zw", b"{")  # made after their writer cleared its folder
        dead = _write(root / "registry" / ".manifest.json.k1ll3d_a.part")
        Store(root / "ragtune.db").close()
        assert not dead.exists()
        assert (root / "registry" / theirs).read_text() == "theirs" and tantivy_tmp.exists()
    finally:
        p.communicate("\n", timeout=60)
    assert p.returncode == 0 and (root / "registry" / "active.json").read_text() == "theirs"
    assert sweep_leftovers(root, again=True) and not tantivy_tmp.exists()  # the writer is gone: its lock too


def test_the_sweep_lists_each_folder_once_on_a_home_with_many_files(root):
    """Bounded: one listing of each known folder, nothing below; on 20,000 files and folders it is milliseconds
    (printed; the bound here is loose for a busy machine)."""
    for i in range(5000):
        (root / "registry" / "blobs" / f"{i:064x}").mkdir(parents=True)
        _write(root / "registry" / f"{i:064x}.json", b"{}")
    for i in range(5000):
        _write(root / "vectors" / f"part-{i}.f32")
    for i in range(5000):
        _write(root / "tantivy" / f"{i:032x}.idx")
    dead = _litter(root)
    t0 = time.perf_counter()
    assert sweep_leftovers(root)
    ms = (time.perf_counter() - t0) * 1000
    print(f"sweep of a home with 20,000 entries: {ms:.1f} ms")
    assert [p for p in dead if os.path.lexists(p)] == [] and ms < 2000
    t0 = time.perf_counter()
    sweep_leftovers(root, again=True)  # nothing to remove: listings only
    print(f"again, nothing to remove: {(time.perf_counter() - t0) * 1000:.1f} ms")


def test_a_temporary_that_cannot_be_removed_never_fails_the_open(root, monkeypatch):
    from ragtune.appliance import atomic

    dead = _write(root / "registry" / ".active.json.k1ll3d_a.part")

    def refuse(p):
        raise PermissionError(13, "Permission denied", str(p))

    monkeypatch.setattr(atomic, "_remove", refuse)
    Store(root / "ragtune.db").close()
    assert dead.exists()
