"""Round 47 review: backup --verify hashed a folder artifact with a copy of hashing.sha256_path less its memo
(backup_manifest.tree_sha256): now sha256_path itself, `cached=False`. Doctor's `owners` check counted a folder of
another user's without the 2 s budget the rest of the check keeps (doctor_files._count): now bounded, and the line
says "at least" when the count was cut short."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ragtune.appliance import doctor_files, hashing
from ragtune.appliance.backup_manifest import tree_sha256


def test_an_uncached_hash_reads_every_byte_and_backup_verify_uses_it(tmp_path, monkeypatch):
    folder = tmp_path / "artifact"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.json").write_text("{}")
    (folder / "sub" / "w.bin").write_bytes(b"1234")
    monkeypatch.setattr(hashing, "_settled", lambda st: True)
    monkeypatch.setattr(hashing, "_identity", lambda st: (0,))  # a rewrite in place its timestamps do not show
    hashing.clear_caches()
    before = hashing.sha256_path(folder)
    assert tree_sha256(folder) == before
    (folder / "sub" / "w.bin").write_bytes(b"4321")
    assert hashing.sha256_path(folder) == before  # the memo: what --verify must not trust
    now = hashing.sha256_path(folder, cached=False)
    assert now != before and tree_sha256(folder) == now
    assert hashing.sha256_file(folder / "sub" / "w.bin", cached=False) == hashing.sha256_bytes(b"4321")
    hashing.clear_caches()
    assert hashing.sha256_path(folder) == now
    (folder / "a.json").unlink()
    (folder / "sub" / "w.bin").unlink()
    assert len(tree_sha256(folder)) == 64  # an emptied folder: a hash no artifact has, not an error


class _Rep:
    def __init__(self):
        self.lines = []

    def add(self, status, name, detail, hint=None):
        self.lines.append((status, name, detail, hint))


@pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0, reason="needs root to chown")
def test_a_folder_of_another_owner_is_counted_within_the_budget(tmp_path, monkeypatch):
    import pwd

    nobody = pwd.getpwnam("nobody")
    root = tmp_path / "home"
    foreign = root / "tantivy"
    for i in range(20):
        (foreign / f"d{i}").mkdir(parents=True)
        (foreign / f"d{i}" / "f").write_text("x")
    os.chown(root, nobody.pw_uid, nobody.pw_gid)  # the home is nobody's; tantivy/ and all in it root's
    clock = iter(range(0, 10_000))

    class SlowShare:  # each look at the clock half a second later: a walk on a slow share
        @staticmethod
        def monotonic():
            return next(clock) * 0.5

    monkeypatch.setattr(doctor_files, "time", SlowShare)
    rep = _Rep()
    doctor_files.check_owners(Path(root), rep)
    ((status, name, detail, _),) = rep.lines
    assert status == "warn" and name == "owners" and detail.startswith("at least "), detail
    n = int(detail.split()[2])
    assert n < 1 + 20 * 2  # stopped at the budget: was every entry under the folder, however many
    monkeypatch.undo()
    rep = _Rep()
    doctor_files.check_owners(Path(root), rep)
    assert rep.lines[0][2].startswith(f"{1 + 20 * 2} files and folders under the home")
