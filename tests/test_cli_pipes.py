"""A pipe where a command reads a file of lines (`eval run <(grep … set.jsonl)`, `dataset build --qa <(…)`): read
once into a bounded spool file the command reads instead, removed when it ends. Devices and sockets are still refused,
and so is a pipe where a folder, a document or a seekable file is read."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import click
import pytest

from ragtune.appliance import prompt, spool
from ragtune.appliance.errors import InputError
from ragtune.cli import main
from ragtune.cli.common import checked_path


def _fifo(tmp_path: Path, data: bytes, name: str = "qa.jsonl") -> tuple[Path, threading.Thread]:
    """A named pipe a thread writes `data` into (as the shell does for `<(…)`), closed at the end."""
    fifo = tmp_path / name
    os.mkfifo(fifo)

    def write() -> None:
        try:
            with open(fifo, "wb") as fh:
                fh.write(data)
        except BrokenPipeError:  # the reader stopped early (the size cap)
            pass

    t = threading.Thread(target=write, daemon=True)
    t.start()
    return fifo, t


@pytest.fixture
def spool_dir(tmp_path, monkeypatch):
    """The temporary folder spools go to: empty again once the command is done."""
    d = tmp_path / "tmp"
    d.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(d))
    return d


def _example(q: str = "When?") -> dict:
    return prompt.training_example(prompt.SYSTEM_PROMPT, [{"id": "S1", "text": "Opens at 06:00."}], q,
                                   {"status": "ok", "answer": "At 06:00.", "citations": ["S1"]})


def _lines(n: int = 3) -> bytes:
    return "".join(json.dumps(_example(f"When does it open, case {i}?")) + "\n" for i in range(n)).encode()


# -- checked_path ------------------------------------------------------------------------------------------------
def test_a_pipe_is_read_once_into_a_private_spool_removed_as_the_command_ends(tmp_path, spool_dir):
    data = b'{"a": 1}\n' * 1000
    fifo, writer = _fifo(tmp_path, data)
    check = checked_path(reads="a JSONL file", pipes=True)
    ctx = click.Context(click.Command("x"))
    with ctx:
        got = check(ctx, click.Option(["--qa"]), str(fifo))
        writer.join(5)
        assert isinstance(got, str) and Path(got).is_file() and Path(got).read_bytes() == data
        assert Path(got).name == "qa.jsonl" and Path(got).parent.parent == spool_dir  # the pipe's own name
        assert Path(got).parent.stat().st_mode & 0o777 == 0o700
        assert Path(got).read_bytes() == data  # read as often as the readers like
    assert list(spool_dir.iterdir()) == []


def test_a_pipe_keeps_the_type_click_gave_and_several_paths_are_spooled_each(tmp_path, spool_dir):
    a, wa = _fifo(tmp_path, b"one\n", "a")
    b, wb = _fifo(tmp_path, b"two\n", "b")
    f = tmp_path / "f.jsonl"
    f.write_text("three\n")
    check = checked_path(reads="a JSONL file", pipes=True)
    ctx = click.Context(click.Command("x"))
    with ctx:
        got = check(ctx, click.Argument(["srcs"], nargs=-1), (a, Path(f), b))
        assert isinstance(got, tuple) and all(isinstance(p, Path) for p in got)
        assert [p.read_text() for p in got] == ["one\n", "three\n", "two\n"] and got[1] == f
    assert list(spool_dir.iterdir()) == []


def test_a_pipe_larger_than_the_cap_is_refused_by_its_name_and_leaves_nothing(tmp_path, spool_dir, monkeypatch):
    monkeypatch.setattr(spool, "MAX_MB", 1 / 1024)  # 1 KB
    fifo, _ = _fifo(tmp_path, b"x" * 5000)
    check = checked_path(reads="a JSONL file", pipes=True)
    with pytest.raises(InputError) as e:
        check(None, click.Option(["--qa"]), str(fifo))
    assert e.value.message == f"--qa {fifo}: a pipe larger than 1.0 KB: not read further"
    assert "write it to a file" in e.value.hint
    assert list(spool_dir.iterdir()) == []


def test_a_pipe_is_still_refused_where_the_command_does_not_read_lines(tmp_path, spool_dir):
    fifo = tmp_path / "p"
    os.mkfifo(fifo)  # never opened: a refusal reads nothing (opening it would block with no writer)
    check = checked_path(reads="a folder")
    with pytest.raises(InputError) as e:
        check(None, click.Option(["--exclude"]), str(fifo))
    assert e.value.message == f"--exclude {fifo}: a device, pipe or socket, not a folder"


def test_devices_and_sockets_are_refused_where_pipes_are_read(tmp_path, spool_dir):
    check = checked_path(reads="a JSONL file", pipes=True)
    sock_path = tmp_path / "s"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(sock_path))
    try:
        for dev in ("/dev/null", "/dev/zero", str(sock_path)):
            if not os.path.exists(dev):
                continue
            with pytest.raises(InputError) as e:
                check(None, click.Option(["--qa"]), dev)
            assert e.value.message == f"--qa {dev}: a device, pipe or socket, not a JSONL file"
    finally:
        sock.close()
    assert list(spool_dir.iterdir()) == []


# -- the commands ------------------------------------------------------------------------------------------------
def test_dataset_report_reads_a_training_file_through_a_pipe(tmp_path, spool_dir, capsys):
    """The reader reads the file, then hashes it: a pipe given as it is was refused (and would read empty twice)."""
    f = tmp_path / "lines.jsonl"
    f.write_bytes(_lines())
    assert main(["dataset", "report", "--json", str(f)]) == 0
    want = json.loads(capsys.readouterr().out)
    fifo, _ = _fifo(tmp_path, _lines())
    assert main(["dataset", "report", "--json", str(fifo)]) == 0
    assert json.loads(capsys.readouterr().out) == want
    assert list(spool_dir.iterdir()) == []


def test_eval_run_gets_the_piped_set_as_a_training_format_file(tmp_path, spool_dir, capsys, monkeypatch):
    import ragtune.appliance.eval.run as run
    from ragtune.appliance.eval.datasets import load_dataset

    f = tmp_path / "set.jsonl"
    f.write_bytes(_lines(4))
    seen = {}

    def fake_run(settings, dataset, opts, **kw):
        seen["dataset"] = load_dataset(dataset)
        raise InputError("stop here")

    monkeypatch.setattr(run, "run_eval", fake_run)
    assert main(["eval", "run", str(f)]) == 2
    want = seen.pop("dataset")
    (tmp_path / "fd").mkdir()
    fifo, _ = _fifo(tmp_path / "fd", _lines(4), "set.jsonl")  # the identity hashes the name (`<(…)`: 63 each time)
    assert main(["eval", "run", str(fifo)]) == 2
    assert capsys.readouterr().err.endswith("error: stop here\n")
    got = seen["dataset"]
    assert (got.kind, got.identity, got.items) == ("jsonl", want.identity, want.items)  # the same set, same run id
    assert got.path != want.path and Path(got.path).name == "set.jsonl"
    assert list(spool_dir.iterdir()) == []


def test_a_broken_line_in_a_piped_set_is_named_by_its_line(tmp_path, spool_dir, capsys):
    fifo, _ = _fifo(tmp_path, _lines(2) + b'{"prompt": \n')
    assert main(["dataset", "report", str(fifo)]) == 2
    err = capsys.readouterr().err
    assert "lines.jsonl" not in err and "/qa.jsonl:3: " in err and "internal error" not in err


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash")
def test_process_substitution_works_end_to_end(tmp_path):
    """The real thing: bash's `<(…)` hands the command /dev/fd/63, a pipe that can be read once."""
    f = tmp_path / "all.jsonl"
    f.write_bytes(_lines(5))
    env = {**os.environ, "RAGTUNE_HOME": str(tmp_path / "home"), "TMPDIR": str(tmp_path)}
    cmd = f'"{sys.executable}" -m ragtune dataset report --json <(head -n 3 "{f}")'
    r = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, timeout=300, env=env)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["input"] == 3
    assert not list(tmp_path.glob("ragtune-pipe-*"))
