"""Registry: content-addressed, immutable manifests; verify on use; adapter activation with rollback."""

from __future__ import annotations

import errno
import json
import os

import pytest

from ragtune.cli import main
from ragtune.appliance.errors import InputError, ModelError
from ragtune.appliance import default_models as defaults
from ragtune.appliance.hashing import sha256_path
from ragtune.appliance.registry import Registry
from tests.gguf_helpers import gguf_bytes, write_gguf


def _write(path, data: bytes):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _tamper(path):
    """Flip one byte; keep the size, move the mtime (the hash memo is keyed by size+mtime)."""
    st = path.stat()
    os.chmod(path, 0o644)  # registry copies are read-only (root would write anyway; CI users would not)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


def test_add_is_idempotent_and_manifest_immutable(reg, tmp_path):
    f = write_gguf(tmp_path / "a.gguf", tag="x")
    a1 = reg.add(f, "lora-gguf", base_id="b" * 64)
    mpath = reg.dir / f"{a1.id}.json"
    before = mpath.read_bytes()
    a2 = reg.add(f, "lora-gguf", name="other-name")
    assert a2.id == a1.id == sha256_path(f)
    assert mpath.read_bytes() == before  # written once, never rewritten
    assert a2.name == "a" and a2.lineage["base_id"] == "b" * 64
    assert a1.path == reg.dir / "blobs" / a1.id / "a.gguf" and a1.path.read_bytes() == f.read_bytes()
    assert "llama-cpp-python" in a1.lineage["tools"]
    assert not list(reg.dir.glob("*.part")) and not list(reg.dir.glob(".*.part"))



def test_the_same_bytes_under_another_kind_are_refused(reg, tmp_path):
    """Sweep: re-adding a file with another --kind silently returned the artifact of the first kind."""
    emb = tmp_path / "emb"
    _write(emb / "model.onnx", b"onnx")
    _write(emb / "tokenizer.json", b"{}")
    _write(emb / "config.json", b"{}")
    first = reg.add(emb, "embedder")
    with pytest.raises(InputError, match=r"already registered as embedder .*not hf-model"):
        reg.add(emb, "hf-model")
    assert reg.add(emb, "embedder").id == first.id  # the right kind is still idempotent

def test_tamper_detection_copied_and_in_place(reg, tmp_path):
    f = write_gguf(tmp_path / "m.gguf", lora=False, tag="m")
    copied = reg.add(f, "base-gguf")
    assert reg.get(copied.id).path == copied.path
    _tamper(copied.path)
    with pytest.raises(ModelError, match="does not match its id"):
        reg.get(copied.id)

    g = write_gguf(tmp_path / "n.gguf", lora=False, tag="n")
    placed = reg.add(g, "base-gguf", copy=False)
    assert placed.path == g.resolve()
    reg.get(placed.id)
    _tamper(g)
    with pytest.raises(ModelError, match="refusing"):
        reg.get(placed.id)
    g.unlink()
    with pytest.raises(ModelError, match="missing"):
        reg.get(placed.id)
    # The same bytes found elsewhere re-point the manifest (same id and lineage) instead of staying broken.
    moved = write_gguf(tmp_path / "elsewhere" / "n.gguf", lora=False, tag="n")
    again = reg.add(moved, "base-gguf", copy=False)
    assert again.id == placed.id and again.manifest["created"] == placed.manifest["created"]
    assert reg.get(placed.id).path == moved.resolve()


def test_directory_artifact_hash(reg, tmp_path):
    d = tmp_path / "adapter"
    _write(d / "adapter_config.json", b'{"peft_type": "LORA"}')
    _write(d / "adapter_model.safetensors", b"weights")
    _write(d / "sub" / "x.txt", b"x")
    h1 = sha256_path(d)
    art = reg.add(d, "lora-hf")
    assert art.id == h1 and art.path.is_dir() and art.manifest["is_dir"]
    assert sha256_path(art.path) == h1  # the copy hashes the same: relative paths, not absolute
    _tamper(art.path / "adapter_model.safetensors")
    with pytest.raises(ModelError):
        reg.get(art.id)
    (d / "sub" / "x.txt").write_bytes(b"y")
    assert sha256_path(d) != h1


def test_lookup_by_prefix_and_name(reg, tmp_path, monkeypatch):
    a = reg.add(write_gguf(tmp_path / "one.gguf", tag="1"), "lora-gguf")
    assert reg.get(a.id[:8]).id == a.id
    assert reg.get(a.id[:8].upper()).id == a.id
    assert reg.get("one").id == a.id
    with pytest.raises(ModelError, match="at least 8"):
        reg.get(a.id[:7])
    with pytest.raises(ModelError, match="no artifact"):
        reg.get("nope")
    # two adapters of one name: what a home registered before `add` gave a taken name another (round 44) holds
    monkeypatch.setattr(Registry, "name_taken", lambda self, name, kind: None)
    reg.add(write_gguf(tmp_path / "d2" / "one.gguf", tag="2"), "lora-gguf")
    with pytest.raises(InputError, match="matches several"):
        reg.get("one")


def test_ambiguous_prefix(reg, tmp_path):
    f = _write(tmp_path / "f.bin", b"f")
    for last in "12":
        i = "abcdef12" + "0" * 55 + last
        m = {"format": 1, "id": i, "kind": "lora-gguf", "name": f"n{last}", "file": str(f), "size": 1,
             "created": "2026-01-01T00:00:00Z", "licence": "", "lineage": {}}
        _write(reg.dir / f"{i}.json", json.dumps(m).encode())
    with pytest.raises(InputError, match="ambiguous"):
        reg.get("abcdef12")
    assert reg.manifest("abcdef12" + "0" * 55 + "1")["name"] == "n1"


def test_activate_and_rollback(reg, tmp_path):
    assert reg.active_adapter() is None
    with pytest.raises(ModelError, match="nothing to roll back"):
        reg.rollback()
    a = reg.add(write_gguf(tmp_path / "a.gguf", tag="a"), "lora-gguf")
    b = reg.add(write_gguf(tmp_path / "b.gguf", tag="b"), "lora-gguf")
    reg.activate(a.id[:10])
    assert reg.active_adapter().id == a.id
    reg.activate("b")
    assert reg.active_adapter().id == b.id
    assert reg.rollback().id == a.id and reg.active_adapter().id == a.id
    assert reg.rollback().id == b.id  # rollback twice = redo
    reg.activate(None)
    assert reg.active_adapter() is None
    assert reg.rollback().id == b.id
    state = json.loads(reg.state_path.read_text())
    assert state["active"] == b.id and state["previous"] is None

    hf = reg.add(_write(tmp_path / "hfad" / "adapter_config.json", b"{}").parent, "lora-hf")
    with pytest.raises(ModelError, match="convert it first"):
        reg.activate(hf.id)
    assert reg.active_adapter().id == b.id  # a refused activation changes nothing

    _tamper(b.path)
    with pytest.raises(ModelError):
        reg.active_adapter()  # the served adapter is verified on use too


def test_corrupt_state_file_named(reg):
    reg.dir.mkdir(parents=True)
    reg.state_path.write_text("{nope")
    with pytest.raises(ModelError, match="active.json:1"):
        reg.active_adapter()
    reg.state_path.write_text('{"active": "zz", "previous": null}')
    with pytest.raises(ModelError, match="active.json"):
        reg.active_adapter()
    reg.state_path.write_bytes(b'{"active": null,\n "previous": "\xff"}')  # not UTF-8: named, no traceback
    with pytest.raises(ModelError, match=r"active.json:2: cannot read: not UTF-8 text \(byte 0xff"):
        reg.active_adapter()


@pytest.mark.parametrize("content,match", [
    ("{not json", "invalid manifest JSON"),
    ('{"format": 1}', "missing key 'id'"),
    (None, "'kind' must be one of"),
    ("[]", "not a JSON object"),
    (b'{"format": 1,\n "id": "\xff"}', r"json:2: cannot read manifest: not UTF-8 text \(byte 0xff"),
])
def test_manifest_validation_names_the_file(reg, tmp_path, content, match):
    i = "0" * 64
    if content is None:
        content = json.dumps({"format": 1, "id": i, "kind": "weird", "name": "x", "file": "/x", "size": 1,
                              "created": "", "licence": "", "lineage": {}})
    mpath = _write(reg.dir / f"{i}.json", content if isinstance(content, bytes) else content.encode())
    with pytest.raises(ModelError, match=match) as ei:
        reg.list()
    assert str(mpath) in str(ei.value)


def test_manifest_id_must_match_file_name(reg, tmp_path):
    f = write_gguf(tmp_path / "a.bin", tag="a")
    art = reg.add(f, "lora-gguf")
    other = reg.dir / ("1" * 64 + ".json")
    other.write_text((reg.dir / f"{art.id}.json").read_text())
    with pytest.raises(ModelError, match="does not match the file name"):
        reg.list()


def test_add_rejects_bad_input(reg, tmp_path):
    with pytest.raises(InputError, match="unknown artifact kind"):
        reg.add(_write(tmp_path / "a", b"a"), "weights")
    with pytest.raises(InputError, match="unknown lineage"):
        reg.add(tmp_path / "a", "lora-gguf", colour="red")
    with pytest.raises(InputError, match="no such file"):
        reg.add(tmp_path / "missing", "lora-gguf")


def test_builtins_listed_with_manifest_ids(reg):
    items = {m["name"]: m for m in reg.list()}
    for entry in defaults.load_manifest()["models"]:
        assert items[entry["name"]]["id"] == entry["sha256"]
        assert items[entry["name"]]["builtin"]
    try:
        path = defaults.locate_all("smollm2-135m-instruct-q4_1")[0]
    except ModelError:
        pytest.skip("default LLM not installed")
    art = reg.get("smollm2-135m-instruct-q4_1")
    assert art.path == path and art.kind == "base-gguf" and art.lineage["quantization"] == "Q4_1"
    assert reg.get(art.id[:12]).id == art.id


def _cli(capsys, *args):
    rc = main(list(args))
    out, err = capsys.readouterr()
    return rc, out, err


def test_cli_models(capsys, home, tmp_path):
    f = write_gguf(tmp_path / "ad.gguf", tag="adapter")
    rc, out, _ = _cli(capsys, "models", "add", str(f), "--kind", "lora-gguf", "--json")
    assert rc == 0
    m = json.loads(out)
    assert m["id"] == sha256_path(f) and m["file"] == str(f.resolve())  # in place by default

    rc, out, _ = _cli(capsys, "models", "list", "--json")
    listing = json.loads(out)
    assert rc == 0 and m["id"] in [a["id"] for a in listing["artifacts"]] and listing["active_adapter"] is None

    rc, out, _ = _cli(capsys, "models", "show", m["id"][:8])
    assert rc == 0 and json.loads(out)["path"] == str(f.resolve())

    rc, out, _ = _cli(capsys, "models", "activate", "ad")
    assert rc == 0 and m["id"][:16] in out
    rc, out, _ = _cli(capsys, "models", "list")
    assert f"* {m['id'][:16]}" in out
    rc, out, _ = _cli(capsys, "models", "rollback")
    assert rc == 0 and "none" in out

    rc, out, _ = _cli(capsys, "models", "verify", m["id"])
    assert rc == 0 and out.startswith("ok ")
    _tamper(f)
    rc, out, _ = _cli(capsys, "models", "verify", "--json")
    res = json.loads(out)
    assert rc == 3 and not res["ok"] and any(r["id"] == m["id"] and not r["ok"] for r in res["results"])
    rc, _, err = _cli(capsys, "models", "activate", m["id"])
    assert rc == 3 and err.startswith("error: ") and "does not match" in err

    rc, _, err = _cli(capsys, "models", "show", "deadbeef")
    assert rc == 3 and "no artifact" in err


@pytest.mark.parametrize("content,kind,message", [
    (b"not a model at all", "lora-gguf", "bad magic"),
    (gguf_bytes(lora=True)[:-5], "lora-gguf", "truncated GGUF file"),
    (gguf_bytes(lora=True)[:30], "lora-gguf", "truncated GGUF file"),
    (gguf_bytes(lora=False), "lora-gguf", "not a LoRA adapter"),
    (gguf_bytes(lora=True), "base-gguf", "a GGUF LoRA adapter, not a model"),
    (b"GGUF" + b"\x07\0\0\0" + bytes(16), "quantized-gguf", "unsupported GGUF version 7"),
])
def test_add_checks_the_gguf_header(reg, tmp_path, capsys, content, kind, message):
    """Issue 18 item 8: `models add X --kind lora-gguf` accepted a file that is not a GGUF LoRA."""
    f = _write(tmp_path / "x.gguf", content)
    with pytest.raises(InputError, match=message):
        reg.add(f, kind)
    assert not reg.dir.exists() or not list(reg.dir.glob("*.json"))
    rc, _, err = _cli(capsys, "models", "add", str(f), "--kind", kind)
    assert rc == 2 and err.startswith("error: cannot register as") and str(f) in err and "\n" in err.strip() + "\n"


def test_activate_refuses_a_bad_adapter_registered_before_checks(reg, tmp_path):
    bad = _write(tmp_path / "old.gguf", b"GGUF fake adapter from an older release")
    digest = sha256_path(bad)
    m = {"format": 1, "id": digest, "kind": "lora-gguf", "name": "old", "file": str(bad), "size": bad.stat().st_size,
         "created": "2026-01-01T00:00:00Z", "licence": "", "lineage": {}}
    _write(reg.dir / f"{digest}.json", json.dumps(m).encode())
    with pytest.raises(InputError, match="not a GGUF file|unsupported GGUF version"):
        reg.activate("old")
    assert reg.active_adapter() is None


def test_registry_copies_are_read_only(reg, tmp_path):
    art = reg.add(write_gguf(tmp_path / "ro.gguf", tag="ro"), "lora-gguf", copy=True)
    assert not os.stat(art.path).st_mode & 0o222
    d = tmp_path / "hf"
    _write(d / "adapter_config.json", b"{}")
    hf = reg.add(d, "lora-hf", copy=True)
    assert not os.stat(hf.path / "adapter_config.json").st_mode & 0o222
    # a damaged read-only blob is still replaced on re-add (its folder stays writable)
    _tamper(art.path)
    again = reg.add(tmp_path / "ro.gguf", "lora-gguf", copy=True)
    assert reg.get(again.id).path.read_bytes() == (tmp_path / "ro.gguf").read_bytes()


@pytest.mark.parametrize("kind,layout,message", [
    ("embedder", {"notes.txt": b"hello"}, "expected model.onnx with tokenizer.json beside it"),
    ("embedder", {"model.onnx": b"onnx"}, "expected model.onnx with tokenizer.json beside it"),
    ("hf-model", {"corpus.jsonl": b"{}"}, "not a folder with config.json"),
    ("lora-hf", {"README.md": b"# x"}, "not a folder with adapter_config.json"),
])
def test_add_checks_the_layout_of_other_kinds(reg, tmp_path, capsys, kind, layout, message):
    """Sweep: `models add TEXTFILE --kind embedder` (or a BEIR folder as hf-model / lora-hf) was registered."""
    d = tmp_path / "art"
    for name, data in layout.items():
        _write(d / name, data)
    for target in (d, d / next(iter(layout))):
        with pytest.raises(InputError, match=rf"cannot register as {kind}: {target}: {message}"):
            reg.add(target, kind)
    assert not reg.dir.exists() or not list(reg.dir.glob("*.json"))
    rc, _, err = _cli(capsys, "models", "add", str(d), "--kind", kind)
    assert rc == 2 and err.startswith(f"error: cannot register as {kind}: {d}")


def test_add_accepts_the_layouts_the_loaders_read(reg, tmp_path):
    emb = tmp_path / "emb"
    _write(emb / "model.onnx", b"onnx")
    _write(emb / "tokenizer.json", b"{}")
    assert reg.add(emb, "embedder").kind == "embedder"
    onnx = _write(tmp_path / "other" / "e.onnx", b"onnx2")
    _write(tmp_path / "other" / "tokenizer.json", b"{}")
    assert reg.add(onnx, "embedder", copy=False).kind == "embedder"  # the file, its tokenizer beside it
    assert reg.add(_write(tmp_path / "hf" / "config.json", b"{}").parent, "hf-model").kind == "hf-model"


def test_a_missing_path_given_as_a_reference_says_so(reg, tmp_path):
    """Sweep: `convert gguf /no/such/dir` said only that no artifact '/no/such/dir' is in the registry."""
    with pytest.raises(ModelError) as e:
        reg.get(str(tmp_path / "nope"))
    assert f"there is no file or folder at {tmp_path / 'nope'} either" in str(e.value)
    with pytest.raises(ModelError) as e:
        reg.get("some-name")
    assert "either" not in str(e.value)


# --- names ---------------------------------------------------------------------------------------------------
def test_a_chosen_name_no_reference_could_pick_is_refused_before_anything_is_written(reg, tmp_path):
    f = write_gguf(tmp_path / "a.gguf", lora=True)
    for bad in ("none", "Default", "a\nb", " a", "x" * 201):
        with pytest.raises(InputError, match="give a name such as"):
            reg.add(f, "lora-gguf", name=bad, copy=True)
    assert not reg.dir.exists()


@pytest.mark.parametrize("file", ["none.gguf", "active.gguf", "default"])
def test_a_file_named_like_a_reserved_word_gets_a_safe_name_and_a_note(reg, tmp_path, file):
    """Sweep: `models add none.gguf` (or a converter's `--out none.gguf`) registered an adapter named "none",
    which `--adapter none` can never pick: it means the base model."""
    from ragtune.appliance.refs import resolve_adapter

    f = write_gguf(tmp_path / file, lora=True, tag=file)
    stem = f.stem
    art = reg.add(f, "lora-gguf", copy=False)
    assert art.name == f"{stem}-{art.id[:8]}" and reg.get(art.name).id == art.id
    assert art.note == f"the file name '{stem}' is reserved (none, default, active name the adapter choice itself): " \
                       f"registered as '{art.name}'"
    # as a converter passes the name: the same bytes, the same manifest (in place still: a copy asked for of an
    # artifact registered in place is copied in, with its own note, test_registry_copy_in.py)
    again = reg.add(f, "lora-gguf", name=stem, copy=False)
    assert again.name == art.name and again.note == ""
    assert resolve_adapter(reg, stem)[1] != art.id  # the word still means what refs.py says


def test_a_converter_output_named_after_a_reserved_word_gets_a_safe_name(reg, tmp_path):
    out = write_gguf(tmp_path / "none.gguf", lora=True, tag="conv")
    art = reg.add(out, "lora-gguf", name=out.stem)  # converters: name=name or out.stem
    assert art.name == f"none-{art.id[:8]}" and "reserved" in art.note
    d = tmp_path / "default"
    _write(d / "adapter_config.json", b"{}")
    hf = reg.add(d, "lora-hf", name=d.name)  # register_adapter: name=name or path.name
    assert hf.name == f"default-{hf.id[:8]}"


def test_a_file_name_with_a_newline_gets_a_one_line_name(reg, tmp_path):
    f = write_gguf(tmp_path / "a\nb.gguf", lora=True)
    art = reg.add(f, "lora-gguf")
    assert art.name == f"a-b-{art.id[:8]}" and "\n" not in art.note


# --- atomic copies ----------------------------------------------------------------------------------------------
def _full_disk(monkeypatch):
    """shutil.copyfile writes part of the file, then the disk is full."""
    import errno
    import shutil

    def copyfile(src, dst, **kw):
        with open(src, "rb") as fi, open(dst, "wb") as fo:
            fo.write(fi.read(7))
        raise OSError(errno.ENOSPC, "No space left on device", str(src), None, str(dst))

    monkeypatch.setattr(shutil, "copyfile", copyfile)


@pytest.mark.parametrize("folder", [False, True])
def test_a_copy_that_fails_midway_leaves_nothing(reg, tmp_path, monkeypatch, folder):
    """Sweep: `models add --copy` on a full disk left an empty or partial registry/blobs/<sha256>/ folder."""
    if folder:
        src = tmp_path / "hf"
        _write(src / "adapter_config.json", b'{"peft_type": "LORA"}')
        _write(src / "adapter_model.safetensors", b"weights" * 100)
        kind = "lora-hf"
    else:
        src, kind = write_gguf(tmp_path / "a.gguf", lora=True), "lora-gguf"
    digest = sha256_path(src)
    with monkeypatch.context() as m:
        _full_disk(m)
        with pytest.raises(OSError) as e:
            reg.add(src, kind, copy=True)
    assert e.value.errno == errno.ENOSPC  # one error, not copytree's list of them
    if not folder:
        assert e.value.filename2 == str(reg.dir / "blobs" / digest / src.name)  # the blob, not a temporary name
    assert list((reg.dir / "blobs").iterdir()) == []  # no <sha256>/ folder, no temporary one
    assert not list(reg.dir.glob("*.json"))
    art = reg.add(src, kind, copy=True)  # room again: the same add succeeds
    assert art.path == reg.dir / "blobs" / digest / src.name and reg.get(art.id).id == digest


def test_an_empty_blob_folder_left_by_an_older_release_is_replaced(reg, tmp_path):
    f = write_gguf(tmp_path / "a.gguf", lora=True)
    (reg.dir / "blobs" / sha256_path(f)).mkdir(parents=True)
    art = reg.add(f, "lora-gguf", copy=True)
    assert art.path.read_bytes() == f.read_bytes()
    assert [p.name for p in (reg.dir / "blobs").iterdir()] == [art.id]


def test_activate_refuses_an_adapter_for_another_base_and_leaves_the_choice(reg, tmp_path):
    a = reg.add(write_gguf(tmp_path / "a.gguf", tag="a"), "lora-gguf", base_id="a" * 64)
    b = reg.add(write_gguf(tmp_path / "b.gguf", tag="b"), "lora-gguf", base_id="b" * 64)
    reg.activate(a.id, model_id="a" * 64)
    with pytest.raises(ModelError, match=r"is an adapter for base model bbbbbbbbbbbb, but the served model is "
                                         r"aaaaaaaaaaaa") as ei:
        reg.activate(b.id, model_id="a" * 64)
    assert "trained on the served model" in ei.value.hint
    assert reg.active_adapter().id == a.id  # refused: nothing switched
    assert reg.activate(b.id).id == b.id  # the served model unknown: not checked


def test_models_verify_prints_an_error_escaped_on_its_line(capsys, home, tmp_path):
    """`models verify` printed the error raw: a path holding a control (an ESC sequence) drove the terminal."""
    f = write_gguf(tmp_path / "a\x1b[2Jb.gguf", tag="adapter")
    rc, out, _ = _cli(capsys, "models", "add", str(f), "--kind", "lora-gguf", "--json")
    assert rc == 0
    _tamper(f)
    rc, out, _ = _cli(capsys, "models", "verify")
    assert rc == 3 and "a\\x1b[2Jb.gguf" in out and "\x1b" not in out and "does not match" in out


def test_a_chosen_name_that_is_not_utf8_is_refused_naming_it_escaped(reg, tmp_path):
    """A --name whose bytes are not UTF-8 was registered, then listed as `caf\\udce9` and never typed back."""
    f = write_gguf(tmp_path / "a.gguf", lora=True)
    with pytest.raises(InputError) as e:
        reg.add(f, "lora-gguf", name=os.fsdecode(b"caf\xe9"))
    assert e.value.message == "'caf\\udce9' is not valid Unicode (a lone surrogate \\udce9); give a name such as " \
                              "my-adapter-v2"
    assert "not UTF-8" in e.value.hint and not reg.dir.exists()


@pytest.mark.parametrize("raw,stem", [(b"caf\xe9.gguf", "caf"), (b"\xe9\xe8.gguf", "artifact"),
                                      (b"none\xe9.gguf", "none")])
def test_a_file_name_that_is_not_utf8_gets_a_safe_name_and_a_note(reg, tmp_path, raw, stem):
    f = write_gguf(os.fsdecode(bytes(tmp_path) + b"/" + raw), lora=True, tag=repr(raw))
    art = reg.add(f, "lora-gguf")  # as a converter passes it: name=out.stem, the file's own
    again = reg.add(f, "lora-gguf", name=f.stem)
    assert art.name == f"{stem}-{art.id[:8]}" and again.id == art.id and reg.get(art.name).id == art.id
    shown = os.fsencode(f.stem).decode("utf-8", "backslashreplace")
    assert art.note == f"the file name '{shown}' is not valid UTF-8: registered as '{art.name}'"
    assert art.name.encode("utf-8")


def test_an_unknown_reference_is_named_escaped_and_cut(reg):
    with pytest.raises(ModelError) as e:
        reg.get("x" * 100_000)
    assert e.value.message.startswith(f"no artifact '{'x' * 200}… (100000 characters)' in the registry (")
    with pytest.raises(ModelError) as e:
        reg.get("./a\x1b[2J")
    assert "'./a\\x1b[2J'" in e.value.message and "\x1b" not in str(e.value)


def test_an_add_clears_what_killed_adds_left_but_not_a_live_copy(reg, tmp_path):
    """Kill fuzzer: a killed `models add --copy` left its half-copied blob folder (gigabytes for a GGUF) and a
    manifest temporary behind for good."""
    import fcntl

    blobs = reg.dir / "blobs"
    dead = _write(blobs / f".{'a' * 64}.k1ll3d_a.part" / "big.gguf", b"x" * 4096).parent
    dead_manifest = _write(reg.dir / f".{'a' * 64}.json.k1ll3d_b.part", b"{")
    live = _write(blobs / f".{'b' * 64}.l1vecopy.part" / "big.gguf", b"y" * 4096).parent
    fd = os.open(live, os.O_RDONLY)  # a concurrent add, copying: it holds its folder's lock
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        art = reg.add(write_gguf(tmp_path / "a.gguf", lora=True), "lora-gguf", copy=True)
        assert not dead.exists() and not dead_manifest.exists()
        assert sorted(p.name for p in blobs.iterdir()) == sorted([art.id, live.name])
    finally:
        os.close(fd)
    reg.add(write_gguf(tmp_path / "b.gguf", tag="b"), "lora-gguf", copy=False)
    assert not live.exists()  # its add died: the next one clears it


def test_a_blob_repair_killed_between_its_renames_is_undone_on_the_next_get(reg, tmp_path):
    """A damaged blob's repair swaps the folder; without RENAME_EXCHANGE a kill between the two renames left
    blobs/<id> missing and the good old copy aside as .<id>.old-PID."""
    art = reg.add(write_gguf(tmp_path / "a.gguf", lora=True), "lora-gguf", copy=True)
    folder = art.path.parent
    os.rename(folder, folder.with_name(f".{art.id}.old-999999"))
    assert reg.get(art.id).path.read_bytes() == (tmp_path / "a.gguf").read_bytes()
    assert [p.name for p in folder.parent.iterdir()] == [art.id]


def test_a_base_id_of_a_kind_no_artifact_is_made_from_is_refused_at_add(reg, tmp_path, capsys):
    """QA r41: `models add other.gguf --kind lora-gguf --base-id 8199be6f699a` (the built-in embedder) was accepted;
    only `models activate` caught it. A registered base of the wrong kind is refused at add, naming its kind; a full
    id the registry does not hold is a base kept elsewhere: recorded, with a warning."""
    entries = {e["kind"]: e["sha256"] for e in defaults.load_manifest()["models"]}
    embedder, llm = entries["embedder"], entries["llm"]
    f = write_gguf(tmp_path / "other.gguf", tag="other")
    with pytest.raises(InputError) as e:
        reg.add(f, "lora-gguf", base_id=embedder)
    assert f"{embedder[:12]}… (all-minilm-l6-v2-int8) is of kind embedder, not a base for kind lora-gguf" \
        in e.value.message
    assert "base-gguf, merged-gguf, quantized-gguf, hf-model" in e.value.hint
    adapter = reg.add(write_gguf(tmp_path / "ad.gguf", tag="ad"), "lora-gguf", base_id="b" * 64)
    with pytest.raises(InputError, match="is of kind lora-gguf, not a base for kind lora-gguf"):
        reg.add(f, "lora-gguf", base_id=adapter.id)  # an adapter is never a base
    assert not (reg.dir / f"{sha256_path(f)}.json").exists()  # nothing written
    rc, _, err = _cli(capsys, "models", "add", str(f), "--kind", "lora-gguf", "--base-id", embedder[:12])
    assert rc == 2 and err.startswith(f"error: --base-id: {embedder[:12]}… (all-minilm-l6-v2-int8) is of kind "
                                      "embedder, not a base for kind lora-gguf")
    # a base model is taken, silently; one this registry does not hold, with a warning
    rc, out, err = _cli(capsys, "models", "add", str(f), "--kind", "lora-gguf", "--base-id", llm[:12], "--json")
    assert rc == 0 and json.loads(out)["lineage"]["base_id"] == llm and "warning" not in err
    g = write_gguf(tmp_path / "g.gguf", tag="g")
    rc, out, err = _cli(capsys, "models", "add", str(g), "--kind", "lora-gguf", "--base-id", "C" * 64, "--json")
    assert rc == 0 and json.loads(out)["lineage"]["base_id"] == "c" * 64
    assert f"warning: --base-id {'c' * 12}… is not in this registry: recorded as given" in err
    # an embedder's base may be an embedder
    emb = tmp_path / "emb"
    _write(emb / "model.onnx", b"onnx")
    _write(emb / "tokenizer.json", b"{}")
    assert reg.add(emb, "embedder", base_id=embedder).lineage["base_id"] == embedder
