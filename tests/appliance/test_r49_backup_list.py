"""Round 49: a home restored from a backup (docs/store.md "When the home is damaged": `cp -a BK HOME.new`, `mv`)
knows the backups made of it, up to and including the one it came from: `ragtune backup` copies
registry/backups.jsonl into the backup with the line of the backup being made, and backup.json lists that file as
written (`backup --verify` of the backup and of the restored copy pass). Before, the copy held the home's lines
without its own (none at all for a first backup), so `docs find` and erasure receipts forgot them."""

from __future__ import annotations

import json
import shutil
import subprocess

from ragtune.appliance.backup import MANIFEST, backup_home
from ragtune.appliance.backup_manifest import sha256_of
from ragtune.appliance.backup_record import FILE, backups_file, backups_made
from ragtune.appliance.backup_verify import verify_backup
from ragtune.appliance.home import Home
from ragtune.appliance.store import Store


def _home(home):
    home.ensure()
    Store(home.db_path).close()
    return home


def test_each_backup_holds_the_backups_made_before_it_and_itself(home, tmp_path):
    _home(home)
    bk1, bk2 = tmp_path / "bk1", tmp_path / "bk2"
    backup_home(home, bk1, record=True)  # the first: the home had no backups.jsonl
    backup_home(home, bk2, record=True)
    assert [b["dest"] for b in backups_made(Home(bk1))[0]] == [str(bk1)]
    assert [b["dest"] for b in backups_made(Home(bk2))[0]] == [str(bk1), str(bk2)]
    assert (bk2 / FILE).read_bytes() == backups_file(home).read_bytes()  # the same lines, the same times
    assert (bk2 / FILE).stat().st_mode & 0o777 == 0o600
    for bk in (bk1, bk2):
        entry = json.loads((bk / MANIFEST).read_text())["files"]["registry/backups.jsonl"]
        assert entry == {"size": (bk / FILE).stat().st_size, "sha256": sha256_of(bk / FILE)}
        res = verify_backup(bk)
        assert res.ok, res.problems


def test_a_restored_home_names_the_backup_it_came_from(home, tmp_path):
    """The drill as docs/store.md writes it: verify BK, cp -a BK HOME.new, verify HOME.new, use it."""
    _home(home)
    bk = tmp_path / "bk"
    backup_home(home, bk, record=True)
    new = tmp_path / "home.new"
    subprocess.run(["cp", "-a", str(bk), str(new)], check=True)
    assert verify_backup(new).ok
    [b] = backups_made(Home(new))[0]
    assert b["dest"] == str(bk) and b["exists"]
    backup_home(Home(new), tmp_path / "bk-of-restored", record=True)  # the restored home goes on recording
    assert [b["dest"] for b in backups_made(Home(new))[0]] == [str(bk), str(tmp_path / "bk-of-restored")]


def test_a_torn_last_line_does_not_swallow_the_new_one(home, tmp_path):
    _home(home)
    f = backups_file(home)
    f.parent.mkdir(parents=True, exist_ok=True)
    f.write_text('{"dest": "/mnt/old", "time": 1000}\n{"dest": "/mnt/cut", "ti')  # a write cut short
    bk = tmp_path / "bk"
    backup_home(home, bk, record=True)
    found, problems = backups_made(Home(bk))
    assert [b["dest"] for b in found] == ["/mnt/old", str(bk)] and len(problems) == 1
    assert verify_backup(bk).ok


def test_the_library_call_without_record_copies_the_file_as_it_is(home, tmp_path):
    _home(home)
    backup_home(home, tmp_path / "plain")
    assert not (tmp_path / "plain" / FILE).exists() and not backups_file(home).exists()
    backup_home(home, tmp_path / "rec", record=True)
    backup_home(home, tmp_path / "plain2")
    assert (tmp_path / "plain2" / FILE).read_bytes() == backups_file(home).read_bytes()
    shutil.rmtree(tmp_path / "plain")
