"""How the CLI fails (ragtune/cli/__init__.py main, cli/common.py): the machine's errors (a full disk, a read-only
home) and memory are one `error:` line with a hint and an exit code, never "internal error"; with --json, stdout
holds exactly one JSON object on failure too; registry names that could never be referenced are refused; a
command missing its extra says so before its long work starts."""

from __future__ import annotations

import errno
import json
import sys

import click
import pytest

from ragtune.cli import main, os_error_message
from ragtune.cli.common import artifact_name


def _run(argv, capsys):
    code = main(argv)
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def test_a_full_disk_is_an_io_error_naming_the_file_and_the_config_stays_whole(tmp_path, capsys, monkeypatch):
    """Sweep: `config set` on a full disk (or a read-only home) ended in "internal error: OSError"."""
    import ragtune.appliance.atomic as atomic

    cfg = tmp_path / "h" / "config.toml"
    cfg.parent.mkdir()
    cfg.write_text("[retrieve]\nk = 3\n")

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", full)
    code, out, err = _run(["--home", str(cfg.parent), "config", "set", "retrieve.k", "4"], capsys)
    assert code == 74 and out == ""
    assert err.startswith(f"error: {cfg}: No space left on device\n  hint: the disk is full")
    assert "internal error" not in err
    assert cfg.read_text() == "[retrieve]\nk = 3\n"  # the old file, whole
    assert sorted(p.name for p in cfg.parent.iterdir()) == ["config.toml"]  # no temporary file left


def test_os_error_message_names_the_destination_not_the_temporary_file(tmp_path):
    part = tmp_path / "registry" / ".active.json.9ebodwxs.part"
    msg, hint = os_error_message(OSError(errno.EROFS, "Read-only file system", str(part)))
    assert msg == f"{tmp_path / 'registry' / 'active.json'}: Read-only file system" and "read-only" in hint
    # a copy: the destination is the second file name
    exc = OSError(errno.ENOSPC, "No space left on device", "/src/a.gguf", None, str(tmp_path / ".a.gguf.x_1y.part"))
    assert os_error_message(exc)[0] == f"{tmp_path / 'a.gguf'}: No space left on device"
    assert os_error_message(OSError(errno.EIO, "Input/output error")) == ("Input/output error", None)


def test_out_of_memory_is_an_error_not_an_internal_error(capsys, monkeypatch):
    """Sweep: `--config /dev/zero config show` read until memory ran out, then printed "internal error"."""
    import ragtune.cli.config_cmd as config_cmd

    def boom(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(config_cmd, "dump_toml", boom)
    code, out, err = _run(["config", "show"], capsys)
    assert code == 1 and err.startswith("error: out of memory\n  hint:") and "internal error" not in err


def test_json_errors_are_one_json_object_on_stdout(tmp_path, capsys):
    home = tmp_path / "h"
    # a typed error
    code, out, err = _run(["--home", str(home), "config", "set", "retrieve.k", "99", "--json"], capsys)
    assert code == 2 and err.startswith("error: ")
    obj = json.loads(out)["error"]
    assert obj["type"] == "ConfigError" and obj["exit_code"] == 2 and "must be 1..6" in obj["message"]
    # a usage error click reports
    code, out, err = _run(["--home", str(home), "search", "x", "--k", "0", "--json"], capsys)
    assert code == 2 and "Usage:" in err
    assert json.loads(out)["error"]["message"] == "Invalid value for '--k': 0 is not in the range 1<=x<=6."
    # without --json, or with "--json" as the question's text after `--`: stdout stays empty
    code, out, err = _run(["--home", str(home), "config", "set", "retrieve.k", "99"], capsys)
    assert code == 2 and out == ""
    code, out, err = _run(["--home", str(home), "ask", "--", "--json"], capsys)
    assert code == 2 and out == "" and "nothing is ingested" in err


def test_a_command_that_printed_its_json_then_failed_prints_no_second_object(capsys, monkeypatch):
    """`models verify --json` prints its results and then fails: still exactly one object on stdout."""
    from ragtune.appliance.errors import ModelError
    from ragtune.appliance.registry import Registry

    monkeypatch.setattr(Registry, "verify", lambda self, ref=None: [(
        {"id": "a" * 64, "name": "x", "kind": "lora-gguf"}, ModelError("sha256 mismatch"))])
    code, out, err = _run(["models", "verify", "--json"], capsys)
    assert code == 3 and json.loads(out)["ok"] is False and "failed verification" in err


@pytest.mark.parametrize("name,why", [
    ("none", "reserved"), ("Default", "reserved"), ("active", "reserved"), ("", "empty"), ("  ", "empty"),
    (" a1", "blanks"), ("a\nb", "control character"), ("a\tb", "control character"), ("x" * 201, "longer"),
    ("caf\udce9", "not valid Unicode"),  # bytes that are not UTF-8, as Python hands them over
])
def test_artifact_names_that_could_never_be_referenced_are_refused(name, why):
    with pytest.raises(click.BadParameter, match=why):
        artifact_name(None, None, name)


def test_artifact_name_accepts_ordinary_names():
    for name in (None, "a1", "my-adapter-v2", "ragtune-default.v3", "12345678", "none-v2"):
        assert artifact_name(None, None, name) == name


def test_models_add_refuses_a_reserved_name_and_notes_an_ignored_one(tmp_path, capsys):
    """Sweep: `models add --name none` registered an adapter `--adapter none` could never pick (it means the base
    model); `models add` of bytes already registered ignored a new --name without a word."""
    from tests.gguf_helpers import write_gguf

    a = write_gguf(tmp_path / "a.gguf", lora=True)
    code, out, err = _run(["models", "add", str(a), "--kind", "lora-gguf", "--name", "none"], capsys)
    assert code == 2 and "'none' is reserved" in err
    code, out, err = _run(["models", "add", str(a), "--kind", "lora-gguf", "--name", "first", "--json"], capsys)
    assert code == 0 and json.loads(out)["name"] == "first"
    code, out, err = _run(["models", "add", str(a), "--kind", "lora-gguf", "--name", "second"], capsys)
    assert code == 0 and out.split()[-1] == "first"
    assert "already registered as 'first'" in err and "--name 'second' not applied" in err


def test_models_add_of_a_file_named_none_registers_a_safe_name_with_a_note(tmp_path, capsys):
    """Sweep: `models add none.gguf` without --name bypassed the --name check and registered an adapter named "none",
    which `--adapter none` can never pick."""
    from tests.gguf_helpers import write_gguf

    home = tmp_path / "h"
    a = write_gguf(tmp_path / "none.gguf", lora=True)
    code, out, err = _run(["--home", str(home), "models", "add", str(a), "--kind", "lora-gguf", "--json"], capsys)
    m = json.loads(out)
    assert code == 0 and m["name"] == f"none-{m['id'][:8]}"
    assert err == f"note: the file name 'none' is reserved (none, default, active name the adapter choice itself): " \
                  f"registered as '{m['name']}'; --name gives another\n"


def test_models_add_copy_on_a_full_disk_names_the_blob_and_leaves_nothing(tmp_path, capsys, monkeypatch):
    import shutil

    from tests.gguf_helpers import write_gguf

    def full(src, dst, **kw):
        open(dst, "wb").write(b"GGUF")
        raise OSError(errno.ENOSPC, "No space left on device", str(src), None, str(dst))

    monkeypatch.setattr(shutil, "copyfile", full)
    home = tmp_path / "h"
    a = write_gguf(tmp_path / "a.gguf", lora=True)
    code, out, err = _run(["--home", str(home), "models", "add", str(a), "--kind", "lora-gguf", "--copy"], capsys)
    blobs = home / "registry" / "blobs"
    assert code == 74 and err.startswith(f"error: {blobs}/") and "/a.gguf: No space left on device\n  hint:" in err
    assert ".part" not in err and list(blobs.iterdir()) == []


def test_config_set_refuses_an_adapter_no_command_could_serve(tmp_path, capsys):
    """Sweep: `config set generate.adapter nosuch` was written, and then every `ask` failed."""
    home = tmp_path / "h"
    code, out, err = _run(["--home", str(home), "config", "set", "generate.adapter", "nosuch"], capsys)
    assert code == 2 and err.startswith("error: generate.adapter: no artifact 'nosuch'")  # a bad value: 2
    assert not (home / "config.toml").exists()
    for ok in ("none", "default"):
        assert _run(["--home", str(home), "config", "set", "generate.adapter", ok], capsys)[0] == 0


def test_a_missing_extra_is_said_before_the_long_work(tmp_path, capsys, monkeypatch):
    """Sweep: without torch, `tune default` built the whole dataset and `rerank train --kind cross-encoder` mined
    every question's pairs (a minute) before saying that torch is missing."""
    monkeypatch.setitem(sys.modules, "torch", None)  # as if the [train] extra were not installed
    work = tmp_path / "work"
    code, out, err = _run(["tune", "default", "--work", str(work), "--json"], capsys)
    assert code == 6 and "'torch' package" in err and "ragtune[train]" in err
    assert json.loads(out)["error"]["type"] == "MissingExtraError"
    assert not work.exists()
    code, out, err = _run(["rerank", "train", "--kind", "cross-encoder", "--no-register",
                           "--out", str(tmp_path / "rr")], capsys)
    assert code == 6 and "'torch' package" in err and "mined" not in err
