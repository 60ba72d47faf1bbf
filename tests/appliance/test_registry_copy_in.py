"""`models add --copy` of bytes already registered in place: copied into blobs/ and the manifest re-pointed (same id),
said; before, the add returned the in-place artifact unchanged and a later `mv` of the file broke every use of it."""

from __future__ import annotations

import json

from ragtune.cli import main
from ragtune.appliance.hashing import sha256_path
from tests.gguf_helpers import write_gguf


def _cli(capsys, *args):
    rc = main(list(args))
    out, err = capsys.readouterr()
    return rc, out, err


def test_copy_of_an_artifact_registered_in_place_copies_it_and_repoints_the_manifest(reg, tmp_path):
    f = write_gguf(tmp_path / "x.gguf", lora=False, tag="copy-in")
    first = reg.add(f, "base-gguf", name="pure", copy=False)
    assert first.path == f.resolve() and first.note == ""
    again = reg.add(f, "base-gguf", copy=True)
    blob = reg.dir / "blobs" / first.id / "x.gguf"
    assert again.id == first.id == sha256_path(blob) and again.path == blob and again.name == "pure"
    assert again.note == f"copied into the home; was registered in place at {f.resolve()}"
    m = json.loads((reg.dir / f"{first.id}.json").read_text())
    assert m["file"] == f"blobs/{first.id}/x.gguf" and m["created"] == first.manifest["created"]
    f.rename(tmp_path / "y.gguf")  # the home no longer needs the file where it was
    assert reg.get("pure").path == blob
    assert reg.add(tmp_path / "y.gguf", "base-gguf", copy=True).note == ""  # copied already: nothing to say


def test_in_place_add_of_a_copied_artifact_keeps_the_copy(reg, tmp_path):
    f = write_gguf(tmp_path / "x.gguf", lora=False, tag="keep-copy")
    first = reg.add(f, "base-gguf", copy=True)
    again = reg.add(f, "base-gguf", copy=False)
    assert again.path == first.path == reg.dir / "blobs" / first.id / "x.gguf" and again.note == ""


def test_cli_models_add_copy_says_it_copied_the_in_place_file(capsys, home, tmp_path):
    f = write_gguf(tmp_path / "x.gguf", lora=False, tag="cli-copy-in")
    rc, out, _ = _cli(capsys, "models", "add", str(f), "--kind", "base-gguf", "--name", "pure")
    assert rc == 0
    rc, out, err = _cli(capsys, "models", "add", str(f), "--kind", "base-gguf", "--copy")
    digest = sha256_path(f)
    assert rc == 0 and out.split()[0] == digest
    # no "--name gives another"; the test file's template has no system turn, which `models add` also notes (round 47)
    assert err.splitlines()[0] == f"note: copied into the home; was registered in place at {f.resolve()}"
    assert "--name" not in err
    f.rename(tmp_path / "y.gguf")
    rc, out, _ = _cli(capsys, "models", "show", "pure")
    assert rc == 0 and json.loads(out)["path"] == str(home.registry_dir / "blobs" / digest / "x.gguf")
    rc, out, _ = _cli(capsys, "models", "verify", "pure")
    assert rc == 0 and out.startswith("ok ")


def test_the_notes_of_models_add_and_convert_are_said_one_way(capsys):
    """A copy-in note never gets the file-name note's "--name gives another" (convert lora said it for both)."""
    from ragtune.appliance.registry import COPIED_IN
    from ragtune.cli.common import artifact_note

    artifact_note(f"{COPIED_IN}; was registered in place at /x.gguf")
    artifact_note("named 'none-1' (a reserved word)")
    artifact_note("")
    assert capsys.readouterr().err.splitlines() == [
        f"note: {COPIED_IN}; was registered in place at /x.gguf",
        "note: named 'none-1' (a reserved word); --name gives another"]
