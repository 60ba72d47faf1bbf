"""`backup` of a home whose file registered in place is gone: the file is said to be missing, with its artifact, with
and without --include-external. Was: listed under "not in the backup" with no note, and with --include-external a
raw `[Errno 2] No such file or directory: '…'` warning."""

from __future__ import annotations

import json

import pytest

from ragtune.appliance.backup import backup_home
from ragtune.cli import main
from tests.gguf_helpers import write_gguf


@pytest.mark.parametrize("include", [(), ("--include-external",)])
def test_a_missing_external_file_is_said_missing(settings, reg, tmp_path, capsys, include):
    ext = write_gguf(tmp_path / "x.gguf", lora=False, tag="gone-ext")
    art = reg.add(ext, "base-gguf", name="zed", copy=False)
    ext.unlink()
    assert main(["--home", str(settings.home.root), "backup", str(tmp_path / "b"), *include]) == 0
    err = capsys.readouterr().err
    assert f"    {ext} (missing: see the warning below)\n" in err
    assert (f"  warning: {ext}: the file of artifact {art.id[:12]} (zed) is missing: it is not in the backup, and the "
            f"home cannot serve it either (restore the file, or re-add the artifact)\n") in err
    assert "Errno" not in err and "No such file" not in err

    res = backup_home(settings.home, tmp_path / "b2", include_external=bool(include))
    assert res.missing_files == res.external_files == [str(ext)] and res.included_external == []
    assert len(res.warnings) == 1


def test_a_missing_file_inside_the_home_is_said_missing(settings, reg, tmp_path, capsys):
    root = settings.home.root
    f = write_gguf(root / "models" / "m.gguf", lora=False, tag="gone-in")
    art = reg.add(f, "base-gguf", name="inside", copy=False)
    f.unlink()
    assert main(["--home", str(root), "backup", str(tmp_path / "b"), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["missing_files"] == [str(f)] and res["external_files"] == []
    assert res["warnings"] == [f"{f}: the file of artifact {art.id[:12]} (inside) is missing: it is not in the backup, "
                               "and the home cannot serve it either (restore the file, or re-add the artifact)"]


def test_an_unreadable_external_file_is_said_without_a_raw_errno(settings, reg, tmp_path, monkeypatch):
    """Another failure to read it (here: permission) is its words, not the OSError's repr."""
    from ragtune.appliance.registry import Registry

    ext = write_gguf(tmp_path / "x.gguf", lora=False, tag="unreadable")
    reg.add(ext, "base-gguf", name="locked", copy=False)

    def refuse(self, artifact_id, src):
        raise PermissionError(13, "Permission denied", str(src))

    monkeypatch.setattr(Registry, "take_in", refuse)
    res = backup_home(settings.home, tmp_path / "b", include_external=True)
    assert res.warnings == [f"{ext}: not copied in: Permission denied"] and res.missing_files == []
    assert res.external_files == [str(ext)]
