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
            assert e.value.message == f"--qa {dev}: a device or socket, not a JSONL file"  # a pipe is taken here
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


def test_eval_run_gets_the_piped_set_by_its_name_and_its_run_id_from_its_bytes(tmp_path, spool_dir, capsys,
                                                                               monkeypatch, settings):
    """The report named the spool (/tmp/ragtune-pipe-…/63, gone once the command ended), and the run id hashed the
    pipe's name: the same lines through /dev/fd/62 and /dev/fd/63 were two runs."""
    import hashlib

    import ragtune.appliance.eval.run as run
    from ragtune.appliance.eval.datasets import load_dataset

    f = tmp_path / "set.jsonl"
    f.write_bytes(_lines(4))
    seen = []

    def fake_run(settings_, dataset, opts, **kw):
        ds = load_dataset(dataset)
        seen.append((ds, run.make_run_id(ds, ["A", "C"], None, 0, None, settings, False)))
        raise InputError("stop here")

    monkeypatch.setattr(run, "run_eval", fake_run)
    assert main(["eval", "run", str(f)]) == 2
    for fd in ("62", "63"):
        (tmp_path / fd).mkdir()
        fifo, _ = _fifo(tmp_path / fd, _lines(4), fd)  # as bash's `<(…)`: /dev/fd/63, or 62 beside another
        assert main(["eval", "run", str(fifo)]) == 2
        assert capsys.readouterr().err.endswith("error: stop here\n")
        assert seen[-1][0].path == f"{fifo} (a pipe)"
    (want, want_id), (a, a_id), (b, b_id) = seen
    assert want.path == str(f.resolve())  # a file: as it was
    assert want.identity == hashlib.sha256(b"set.jsonl" + _lines(4)).hexdigest()  # its name and bytes, as before
    assert (a.kind, a.items) == (b.kind, b.items) == ("jsonl", want.items)
    assert a.identity == b.identity == hashlib.sha256(_lines(4)).hexdigest()  # a pipe: its bytes alone
    assert a_id == b_id != want_id
    assert list(spool_dir.iterdir()) == []


def test_a_broken_line_in_a_piped_set_is_named_by_its_line(tmp_path, spool_dir, capsys):
    fifo, _ = _fifo(tmp_path, _lines(2) + b'{"prompt": \n')
    assert main(["dataset", "report", str(fifo)]) == 2
    err = capsys.readouterr().err
    assert f"error: {fifo} (a pipe):3: " in err and "ragtune-pipe-" not in err and "internal error" not in err


# -- what a message names: the pipe as it was given, never its spool (gone once the command has ended) --------------
def test_eval_run_names_a_bad_line_of_a_piped_set_by_the_pipe(tmp_path, spool_dir, capsys, settings):
    fifo, _ = _fifo(tmp_path, _lines(2) + b'{"question": "When?"}\n', "63")
    assert main(["eval", "run", str(fifo)]) == 2
    err = capsys.readouterr().err
    assert f"error: {fifo} (a pipe):3: " in err and "ragtune-pipe-" not in err, err
    assert list(spool_dir.iterdir()) == []


def test_dataset_build_names_a_bad_line_of_piped_questions_by_the_pipe(tmp_path, spool_dir, capsys):
    from ragtune.models.pack import pack_dir, qa_path

    good = qa_path().read_bytes().splitlines(keepends=True)[:2]
    fifo, _ = _fifo(tmp_path, b"".join(good) + b'{"question": 7}\n', "63")
    out = tmp_path / "ds"
    assert main(["dataset", "build", "--qa", str(fifo), "--docs", str(pack_dir()), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"error: {fifo} (a pipe):3: " in err and "ragtune-pipe-" not in err, err
    assert list(spool_dir.iterdir()) == []


def test_every_error_names_a_live_spool_as_its_pipe(tmp_path, spool_dir):
    """Messages made by hand (rerank's dev-domain refusal, train's --resume mismatch, calibrate's one-kind set), not
    only `file:line` ones: the spool's path, as it is or escaped, wherever it stands; only while the spool lives."""
    from ragtune.appliance.errors import ConfigError
    from ragtune.appliance.text import escaped

    fifo, _ = _fifo(tmp_path, b"{}\n", "63")
    path, remove = spool.spool_pipe(fifo, "--qa 63")
    shown = f"{fifo} (a pipe)"
    try:
        e = InputError(f"{path}: holds questions of a dev domain", hint=f"fix {path}.")
        assert (e.message, e.hint) == (f"{shown}: holds questions of a dev domain", f"fix {shown}.")
        assert InputError(f"the test split of {path} has no answerable questions").message == \
            f"the test split of {shown} has no answerable questions"
        assert ConfigError(f"x (now 12ab… from {path}); '{escaped(Path(path).resolve())}'").message == \
            f"x (now 12ab… from {shown}); '{shown}'"
        for other in (f"{path}.bak", f"{path}x", f"{path}/y", f"{Path(path).parent}"):  # another file: as it is
            assert InputError(f"{other}: no").message == f"{other}: no"
        odd, _ = _fifo(tmp_path, b"{}\n", "6\x1b3")  # a named pipe whose name has an ESC: messages escape it
        odd_path, remove_odd = spool.spool_pipe(odd, "--qa 6\x1b3")
        assert InputError(f"{escaped(odd_path)}:2: bad; {path}:1").message == \
            f"{escaped(odd)} (a pipe):2: bad; {shown}:1"
        remove_odd()
    finally:
        remove()
    assert InputError(f"{path}: gone").message == f"{path}: gone"


def test_rerank_train_refuses_piped_dev_candidates_by_the_pipe_name(tmp_path, spool_dir, capsys):
    from tests.models.test_rerank_ltr import _groups

    data = "".join(json.dumps(g) + "\n" for g in _groups(4, source="corpus/no-such-domain")).encode()
    fifo, _ = _fifo(tmp_path, data, "63")
    assert main(["rerank", "train", "--candidates", str(fifo), "--no-register", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert f"error: {fifo} (a pipe): holds questions of a dev domain" in err and "ragtune-pipe-" not in err, err


def test_train_resume_mismatch_names_the_piped_data(tmp_path, spool_dir):
    from ragtune.models.train.config import TrainConfig
    from ragtune.models.train.loop import prepare

    out = tmp_path / "run"
    (out / "checkpoint").mkdir(parents=True)
    (out / "training_config.json").write_text(json.dumps({"config": {}, "dataset_sha256": "0" * 64}))
    fifo, _ = _fifo(tmp_path, _lines(3), "63")
    path, remove = spool.spool_pipe(fifo, "--data 63")
    try:
        with pytest.raises(InputError) as e:
            prepare(TrainConfig(data=str(path), out=str(out), resume=True))
    finally:
        remove()
    assert f"from {fifo} (a pipe))" in e.value.message and "ragtune-pipe-" not in e.value.message


# -- what is recorded: the name the pipe was given, never its spool ------------------------------------------------
def test_a_spool_knows_the_name_it_was_given_while_it_lives(tmp_path, spool_dir, monkeypatch):
    monkeypatch.chdir(tmp_path)
    fifo, _ = _fifo(tmp_path, b"{}\n", "63")
    f = tmp_path / "f.jsonl"
    f.write_text("{}\n")
    check = checked_path(reads="a JSONL file", pipes=True)
    ctx = click.Context(click.Command("x"))
    with ctx:
        got = check(ctx, click.Option(["--qa"]), "63")  # relative, as given: recorded absolute (not resolved)
        assert spool.original(got) == spool.original(Path(got).resolve()) == str(fifo)
        assert spool.shown_name(got) == f"{fifo} (a pipe)" and spool.shown_name(got, "other") == f"{fifo} (a pipe)"
        assert spool.original(f) is None and spool.shown_name(f) == str(f) and spool.shown_name(f, "x") == "x"
    assert spool.original(got) is None  # removed with its file


def test_dataset_build_from_a_piped_log_records_the_pipe_and_its_bytes(tmp_path, spool_dir, capsys):
    """dataset_config.json's log.path (and each line's meta.where) named /tmp/ragtune-pipe-…/63: a record of
    nothing once the command had ended."""
    import hashlib

    data = _lines(3)
    fifo, _ = _fifo(tmp_path, data, "63")
    out = tmp_path / "ds"
    assert main(["dataset", "build", "--from-log", str(fifo), "--out", str(out), "--json"]) == 0, capsys.readouterr()
    log = json.loads((out / "dataset_config.json").read_text(encoding="utf-8"))["build_options"]["log"]
    assert log["path"] == f"{fifo} (a pipe)" and log["sha256"] == hashlib.sha256(data).hexdigest()
    lines = [json.loads(x) for x in (out / "train.jsonl").read_text().splitlines() + (out / "holdout.jsonl")
             .read_text().splitlines()]
    assert sorted(x["meta"]["where"] for x in lines if x["meta"].get("source") == "log") == \
        [f"{fifo}:{n} (a pipe)" for n in (1, 2, 3)]  # (the mix adds general lines of its own)
    assert "ragtune-pipe-" not in (out / "dataset_config.json").read_text() + (out / "train.jsonl").read_text()
    assert list(spool_dir.iterdir()) == []


def test_a_piped_qa_set_is_labelled_by_the_pipe(tmp_path, spool_dir):
    from ragtune.models import raft
    from ragtune.models.pack import pack_dir, qa_path

    fifo, _ = _fifo(tmp_path, qa_path().read_bytes(), "63")
    path, remove = spool.spool_pipe(fifo, "--qa 63")
    try:
        qa, = raft.sets_for(qa=str(path), docs=pack_dir())
        assert qa.label == f"{fifo} (a pipe)" and qa.rows == raft.sets_for(qa=qa_path(), docs=pack_dir())[0].rows
    finally:
        remove()
    f, = raft.sets_for(qa=qa_path(), docs=pack_dir())
    assert f.label == str(qa_path())  # a file: as it was


def test_dataset_merge_records_a_piped_source_by_its_name(tmp_path, spool_dir, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    fa, _ = _fifo(a, _lines(2), "63")
    fb, _ = _fifo(b, "".join(json.dumps(_example(f"Who opens it, case {i}?")) + "\n" for i in range(2)).encode(),
                  "62")
    out = tmp_path / "m"
    assert main(["dataset", "merge", str(fa), str(fb), "--out", str(out)]) == 0, capsys.readouterr()
    cfg = json.loads((out / "dataset_config.json").read_text(encoding="utf-8"))
    assert [s["path"] for s in cfg["build_options"]["merge"]] == [f"{fa} (a pipe)", f"{fb} (a pipe)"]
    assert list(spool_dir.iterdir()) == []


def test_train_records_piped_data_by_its_name_and_its_resume_hint_asks_for_the_lines(tmp_path, spool_dir, capsys,
                                                                                      monkeypatch):
    """training_config.json's config.data and the hint after Ctrl-C named the spool, removed as the command ended."""
    import ragtune.models.train as train_pkg
    from ragtune.models.train.loop import recorded_config

    seen = {}

    def interrupted(cfg, **kw):  # stopped by Ctrl-C after a checkpoint
        seen["recorded"] = recorded_config(cfg)
        seen["lines"] = Path(cfg.data).read_bytes()
        (Path(cfg.out) / "checkpoint").mkdir(parents=True)
        (Path(cfg.out) / "checkpoint" / "state.json").write_text('{"step": 3}')
        raise KeyboardInterrupt

    monkeypatch.setattr(train_pkg, "train", interrupted)
    fifo, _ = _fifo(tmp_path, _lines(3), "63")
    out = tmp_path / "run"
    assert main(["train", "--data", str(fifo), "--out", str(out)]) == 130
    err = capsys.readouterr().err
    assert seen["lines"] == _lines(3) and seen["recorded"]["data"] == f"{fifo} (a pipe)"
    assert f"holds step 3; continue with: ragtune train --data <the lines of {fifo} (a pipe) again> --out {out} " in err
    assert "ragtune-pipe-" not in err and list(spool_dir.iterdir()) == []
    f = tmp_path / "d.jsonl"
    f.write_bytes(_lines(3))
    assert main(["train", "--data", str(f), "--out", str(tmp_path / "run2")]) == 130
    assert seen["recorded"]["data"] == str(f)  # a file: as it was
    assert f"continue with: ragtune train --data {f} --out " in capsys.readouterr().err


def test_rerank_train_reads_piped_candidates_and_records_their_name(tmp_path, spool_dir, capsys):
    from tests.models.test_rerank_ltr import _groups

    groups = _groups(40)
    data = "".join(json.dumps(g) + "\n" for g in groups).encode()
    fifo, _ = _fifo(tmp_path, data, "63")
    out = tmp_path / "out"
    assert main(["rerank", "train", "--candidates", str(fifo), "--epochs", "20", "--no-register", "--out", str(out),
                 "--json"]) == 0, capsys.readouterr().err
    report = json.loads(capsys.readouterr().out)
    assert report["candidates_from"] == f"{fifo} (a pipe)" and report["questions"]["dev_half"] == 20
    assert [json.loads(x) for x in (out / "candidates.jsonl").read_text().splitlines()] == groups
    assert list(spool_dir.iterdir()) == []


def test_rerank_train_reads_piped_pairs_and_records_their_name(tmp_path, spool_dir, capsys, monkeypatch):
    import ragtune.cli.rerank_cmd as rerank_cmd
    from ragtune.appliance.hashing import sha256_file
    from ragtune.models import rerank_train as rt
    from tests.models.test_rerank_train import _groups

    carrier = tmp_path / "carrier"  # no MiniLM here, and no torch run: the pairs and the record are what is tested
    carrier.mkdir()
    (carrier / "model.safetensors").write_bytes(b"weights")
    monkeypatch.setattr(rerank_cmd, "require_installed", lambda *a: None)
    monkeypatch.setattr(rt, "carrier_dir", lambda: carrier)
    monkeypatch.setattr(rt, "train", lambda cfg, groups, out, progress=None: {"groups": {"train": len(groups)}})
    groups = _groups(24)
    fifo, _ = _fifo(tmp_path, "".join(json.dumps(g) + "\n" for g in groups).encode(), "63")
    out = tmp_path / "out"
    assert main(["rerank", "train", "--kind", "cross-encoder", "--pairs", str(fifo), "--no-register", "--out",
                 str(out), "--json"]) == 0, capsys.readouterr().err
    report = json.loads(capsys.readouterr().out)
    assert report["pairs_from"] == f"{fifo} (a pipe)" and report["groups"] == {"train": 24}
    assert [json.loads(x) for x in (out / "pairs.jsonl").read_text().splitlines()] == groups
    assert report["dataset_sha256"] == sha256_file(out / "pairs.jsonl")
    assert list(spool_dir.iterdir()) == []


def test_tune_default_takes_a_piped_eval_set_and_names_it_so(tmp_path, spool_dir, capsys, monkeypatch):
    """Read at the start of the rebuild (a bad set fails before hours of training) and by its eval at the end, in
    the same command: the spool lives as long. The steps it prints and records name the pipe."""
    import shlex

    import ragtune.models.default_adapter as da
    from ragtune.appliance.eval.datasets import load_dataset

    fifo, _ = _fifo(tmp_path, _lines(4), "63")
    assert main(["tune", "default", "--eval-set", str(fifo), "--work", str(tmp_path / "w"), "--dry-run",
                 "--json"]) == 0, capsys.readouterr().err
    evals = [s["command"] for s in json.loads(capsys.readouterr().out)["steps"] if s["step"] == "eval"]
    assert len(evals) == 1 and f" eval run {shlex.quote(f'{fifo} (a pipe)')} " in evals[0]
    assert "ragtune-pipe-" not in evals[0]
    seen = {}

    def rebuild(settings, opts, log=print):
        seen["items"] = [load_dataset(s).items for s in opts.eval_sets]
        raise InputError("stop here")

    monkeypatch.setattr(da, "rebuild", rebuild)
    (tmp_path / "fd").mkdir()
    fifo, _ = _fifo(tmp_path / "fd", _lines(4), "62")
    assert main(["tune", "default", "--eval-set", str(fifo)]) == 2
    assert len(seen["items"]) == 1 and [i["question"] for i in seen["items"][0]] == \
        [f"When does it open, case {i}?" for i in range(4)]
    assert list(spool_dir.iterdir()) == []


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
