"""Round 47 restore drill (appliance/backup_manifest.py, backup_verify.py): `backup --verify` checks the hard-linked
model files by content, not by size. A backup copied to another machine (`cp -r`, `tar`, `rsync`: the links become
copies) whose model blob rotted by one byte kept its size and passed; now each such file is checked against its
artifact id (a blob's folder name, a file registered in place: its manifest's id), a folder artifact as a whole,
and the backup does not read those files again to write backup.json. An older backup.json (size only for the
linked files) is checked by the same names."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ragtune.appliance import backup_manifest
from ragtune.appliance.backup import MANIFEST, backup_home
from ragtune.appliance.backup_verify import verify_backup
from ragtune.appliance.hashing import sha256_bytes, sha256_path
from ragtune.appliance.registry import Registry
from tests.gguf_helpers import write_gguf


def _flip(p: Path, at: int | None = None) -> None:
    """One byte changed in place, the size kept (bit rot)."""
    p.chmod(0o644)  # blobs are read-only
    data = bytearray(p.read_bytes())
    i = len(data) // 2 if at is None else at
    data[i] ^= 0x01
    p.write_bytes(bytes(data))


@pytest.fixture
def home_with_models(home):
    """A home with a copied-in blob (one file), a folder artifact blob and a GGUF registered in place in models/,
    plus an unregistered file in models/."""
    root = home.root
    raw = b"GGUF" + bytes(range(256)) * 64
    blob = root / "registry" / "blobs" / sha256_bytes(raw) / "model.gguf"
    blob.parent.mkdir(parents=True)
    blob.write_bytes(raw)
    folder = root / "scratch-adapter"
    (folder / "sub").mkdir(parents=True)
    (folder / "adapter_config.json").write_text('{"r": 8}\n', encoding="utf-8")
    (folder / "sub" / "weights.bin").write_bytes(bytes(range(200)) * 10)
    tree = root / "registry" / "blobs" / sha256_path(folder) / "adapter"
    shutil.copytree(folder, tree)
    shutil.rmtree(folder)
    inplace = write_gguf(root / "models" / "lora.gguf", tag="r47")
    art = Registry(home).add(inplace, "lora-gguf", copy=False)
    (root / "models" / "unregistered.bin").write_bytes(b"x" * 5000)
    return {"blob": blob.relative_to(root).as_posix(), "tree": tree.relative_to(root).as_posix(),
            "inplace": "models/lora.gguf", "id": art.id, "plain": "models/unregistered.bin"}


def _moved(home, tmp_path: Path) -> Path:
    """A backup, then copied elsewhere as `cp -r` would (the hard links become separate files)."""
    backup_home(home, tmp_path / "bk")
    shutil.copytree(tmp_path / "bk", tmp_path / "moved")
    return tmp_path / "moved"


def test_backup_json_names_each_linked_file_by_its_artifact_id(home, home_with_models, tmp_path):
    m = home_with_models
    backup_home(home, tmp_path / "bk")
    files = json.loads((tmp_path / "bk" / MANIFEST).read_text(encoding="utf-8"))["files"]
    blob_id = m["blob"].split("/")[2]
    assert files[m["blob"]]["sha256"] == files[m["blob"]]["artifact"] == blob_id
    assert files[m["inplace"]]["sha256"] == files[m["inplace"]]["artifact"] == m["id"]
    assert "sha256" not in files[f"{m['tree']}/sub/weights.bin"]  # verify hashes the folder as one
    assert files[m["plain"]]["sha256"] == sha256_bytes(b"x" * 5000)  # known by no name: hashed
    res = verify_backup(tmp_path / "bk")
    assert res.ok and res.problems == [] and res.notes == [], res


@pytest.mark.parametrize("which", ["blob", "inplace", "tree", "plain"])
def test_a_same_size_damaged_model_file_fails_verify(home, home_with_models, tmp_path, which):
    m = home_with_models
    moved = _moved(home, tmp_path)
    target = moved / (f"{m['tree']}/sub/weights.bin" if which == "tree" else m[which])
    size = target.stat().st_size
    _flip(target)
    assert target.stat().st_size == size
    res = verify_backup(moved)
    assert not res.ok and len(res.problems) == 1, res.problems
    named = m["tree"] if which == "tree" else m[which]
    assert res.problems[0].startswith(f"{named}: not the "), res.problems
    if which != "plain":
        assert "artifact" in res.problems[0] and "the registry refuses it" in res.problems[0]
    assert verify_backup(tmp_path / "bk").ok  # the backup itself (its links: the home's files) is untouched


def test_a_blob_already_damaged_in_the_home_is_said_at_the_first_verify(home, home_with_models, tmp_path):
    _flip(home.root / home_with_models["blob"])
    backup_home(home, tmp_path / "bk")
    res = verify_backup(tmp_path / "bk")
    assert not res.ok and "already in the home when the backup was made" in res.problems[0]


def test_the_backup_does_not_read_the_linked_files_known_by_name(home, home_with_models, tmp_path, monkeypatch):
    read = []
    real = backup_manifest.sha256_of
    monkeypatch.setattr(backup_manifest, "sha256_of", lambda p: read.append(Path(p).name) or real(p))
    backup_home(home, tmp_path / "bk")
    assert "model.gguf" not in read and "lora.gguf" not in read and "weights.bin" not in read
    assert "unregistered.bin" in read


def test_an_older_backup_json_listing_linked_files_by_size_is_checked_by_name(home, home_with_models, tmp_path):
    m = home_with_models
    moved = _moved(home, tmp_path)
    data = json.loads((moved / MANIFEST).read_text(encoding="utf-8"))
    tree_files = (f"{m['tree']}/sub/weights.bin", f"{m['tree']}/adapter_config.json")
    for rel in (m["blob"], m["inplace"], m["plain"], *tree_files):
        data["files"][rel] = {"size": data["files"][rel]["size"]}  # as round 45 wrote a hard-linked file
    (moved / MANIFEST).write_text(json.dumps(data), encoding="utf-8")
    res = verify_backup(moved)
    assert res.ok and res.notes == [f"{m['plain']}: checked by its size only (an older backup recorded no sha256 "
                                     f"for it)"], res
    for rel in (m["blob"], m["inplace"], f"{m['tree']}/sub/weights.bin"):
        _flip(moved / rel)
    res = verify_backup(moved)
    assert sorted(p.split(":")[0] for p in res.problems) == sorted([m["blob"], m["inplace"], m["tree"]])


def test_hard_links_inside_the_backup_are_hashed_once(home, home_with_models, tmp_path, monkeypatch):
    import ragtune.appliance.backup_verify as bv

    moved = _moved(home, tmp_path)
    other = moved / "models" / "same.gguf"
    other.hardlink_to(moved / home_with_models["inplace"])
    data = json.loads((moved / MANIFEST).read_text(encoding="utf-8"))
    data["files"]["models/same.gguf"] = dict(data["files"][home_with_models["inplace"]])
    (moved / MANIFEST).write_text(json.dumps(data), encoding="utf-8")
    read = []
    monkeypatch.setattr(bv, "sha256_of", lambda p: read.append(Path(p).name) or backup_manifest.sha256_of(p))
    res = verify_backup(moved)
    assert res.ok and sum(n in ("same.gguf", "lora.gguf") for n in read) == 1, read


def test_a_killed_backups_temporary_is_named_as_such(home, home_with_models, tmp_path):
    from ragtune.appliance.errors import InputError

    part = tmp_path / ".bk.ab12cd34.part"  # what a backup to tmp_path/bk killed before its rename leaves
    (part / "registry").mkdir(parents=True)
    (part / "ragtune.db").write_bytes(b"SQLite format 3\0")
    with pytest.raises(InputError) as err:
        verify_backup(part)
    assert "unfinished temporary of a backup to" in err.value.message and str(tmp_path / "bk") in err.value.hint
