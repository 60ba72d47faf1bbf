"""The home's first open for writing (home.sweep_leftovers) also clears what killed commands left in the trees of
runs they write (home.RUN_TREES: tune/, rerankers/, eval/, logs/), with the tests those commands' own sweeps use
(atomic.sweep_stale: an unlocked `.NAME.<8>.part` / `.NAME.old-PID`; the LoRA converter's sweep_legacy). Never what
a live process holds, never a finished file; bounded on a home of many runs."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ragtune.appliance import home as home_mod
from ragtune.appliance.atomic import atomic_write_text, locked_temporary
from ragtune.appliance.home import RUNS_SWEPT, sweep_leftovers
from ragtune.appliance.store import Store

REPO = Path(__file__).resolve().parents[2]
_TWO_DAYS_AGO = time.time() - 2 * 86400

# Where each command writes: the folder, the name it writes there atomically, whether by a temporary folder, and a
# finished file of that place
PLACES = [
    ("tune/default", "default.gguf", True, "default.gguf"),  # tune default's LoRA GGUF (lora.py: a work folder)
    ("tune/default", "rebuild.json", False, "rebuild.json"),
    ("tune/default/adapter", "checkpoint", True, "checkpoint/state.json"),  # its training run (loop.py)
    ("tune/default/adapter", "adapter", True, "adapter_model.safetensors"),
    ("tune/default/data", "train.jsonl", False, "train.jsonl"),
    ("tune/default/eval/holdout", "report.json", False, "report.json"),  # its eval run
    ("rerankers/20250101-120000", "report.json", False, "pairs.jsonl"),
    ("rerankers/20250101-120000/model", "reranker.json", False, "model.onnx"),
    ("eval/0123abcd", "report.json", False, "report.json"),
    ("eval/0123abcd", "items.jsonl", False, "items.jsonl"),
    ("logs", "tui-native.log", False, "tui-native.log"),
]

# A writer that is killed mid-write: its temporaries stay, its process (and so its locks) are gone
_KILLED = """
import os, sys
from pathlib import Path
from ragtune.appliance.atomic import locked_temporary
for arg in sys.argv[1:]:
    dest, folder = Path(arg.rstrip("/")), arg.endswith("/")
    tmp, fd = locked_temporary(dest, folder)
    (tmp / "half.bin" if folder else tmp).write_bytes(b"half")
    print(tmp, flush=True)
os._exit(9)
"""


@pytest.fixture
def root(tmp_path, monkeypatch):
    """A home with a database, opened before: the next open is this process's first again."""
    monkeypatch.setattr(home_mod, "_swept", set())
    r = tmp_path / "home"
    Store(r / "ragtune.db").close()
    monkeypatch.setattr(home_mod, "_swept", set())
    return r


def _killed_writer(*dests: Path, folder: bool = False) -> list[Path]:
    for d in dests:
        d.parent.mkdir(parents=True, exist_ok=True)
    p = subprocess.run([sys.executable, "-c", _KILLED, *(f"{d}/" if folder else str(d) for d in dests)],
                       cwd=REPO, capture_output=True, text=True, timeout=60)
    assert p.returncode == 9, p.stderr
    return [Path(line) for line in p.stdout.split()]


def _write(path: Path, data: bytes = b"x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _open(root: Path) -> None:
    Store(root / "ragtune.db").close()


def test_killed_writers_temporaries_in_every_run_tree_go_at_the_first_open(root):
    dead: list[Path] = []
    for folder, name, is_dir, _ in PLACES:
        dead += _killed_writer(root / folder / name, folder=is_dir)
    finished = [_write(root / folder / done) for folder, _, _, done in PLACES]
    atomic_write_text(root / "eval" / "0123abcd" / "report.md", "# done\n")
    finished.append(root / "eval" / "0123abcd" / "report.md")
    live = []
    try:
        for folder, name, is_dir, _ in PLACES:  # this process (os.getpid()) is writing them now
            live.append(locked_temporary(root / folder / name, is_dir))
        assert len(dead) == len(live) == len(PLACES) and all(p.exists() for p in dead)
        _open(root)
        assert [p for p in dead if os.path.lexists(p)] == []
        assert all(tmp.exists() for tmp, _ in live) and all(p.read_bytes() for p in finished)
    finally:
        for _, fd in live:
            os.close(fd)
    assert sweep_leftovers(root, again=True)  # the writer is done (its fd closed): what it left is a leftover now
    assert [tmp for tmp, _ in live if os.path.lexists(tmp)] == []


def test_a_checkpoint_swap_killed_midway_is_undone_and_a_live_swap_left_alone(root):
    """`.checkpoint.old-PID` (loop.py's checkpoint swap without RENAME_EXCHANGE): a dead swapper's is put back where
    checkpoint/ is missing and removed where the new one is in place (runfolder.clean_leftovers' sweep_stale); the
    one this process is swapping (it holds it locked, as replace_into does) stays."""
    dead_pid = _dead_pid()
    run_a, run_b = root / "tune" / "a" / "adapter", root / "tune" / "b" / "adapter"
    aside_a = _write(run_a / f".checkpoint.old-{dead_pid}" / "state.json", b"old").parent  # no checkpoint/ there
    _write(run_b / "checkpoint" / "state.json", b"new")
    aside_b = _write(run_b / f".checkpoint.old-{dead_pid}" / "state.json", b"old").parent
    mine = _write(root / "eval" / "r1" / f".report.json.old-{os.getpid()}" / "x", b"mine").parent
    fd = os.open(mine, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        _open(root)
        assert (run_a / "checkpoint" / "state.json").read_bytes() == b"old" and not aside_a.exists()
        assert (run_b / "checkpoint" / "state.json").read_bytes() == b"new" and not aside_b.exists()
        assert (mine / "x").read_bytes() == b"mine"
    finally:
        os.close(fd)


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_tune_also_loses_old_unlocked_lora_work_folders_when_clearly_dead(root):
    """What `convert lora`'s own sweep_legacy takes beside its OUT (atomic.OLD_LORA_TEMP, pid-less): idle for two
    days, gone; a young one may be a live older ragtune's, kept. Not outside tune/ (no converter writes there)."""
    aged = _write(root / "tune" / "default" / ".ragtune-lora-ab12cd34" / "half.gguf").parent
    os.utime(aged / "half.gguf", (_TWO_DAYS_AGO, _TWO_DAYS_AGO))
    os.utime(aged, (_TWO_DAYS_AGO, _TWO_DAYS_AGO))
    young = _write(root / "tune" / "default" / ".ragtune-lora-ef56gh78" / "half.gguf").parent
    elsewhere = _write(root / "eval" / "r1" / ".ragtune-lora-ab12cd34" / "half.gguf").parent
    os.utime(elsewhere / "half.gguf", (_TWO_DAYS_AGO, _TWO_DAYS_AGO))
    os.utime(elsewhere, (_TWO_DAYS_AGO, _TWO_DAYS_AGO))
    _open(root)
    assert not aged.exists() and young.exists() and elsewhere.exists()


def test_what_no_run_command_leaves_is_left_alone(root, tmp_path):
    """A run's scratch home (swept by its own first open), a level deeper than a command writes, a folder reached
    through a symlink, names not of the temporaries' patterns, and the same in a home opened read-only."""
    kept = [_write(root / "eval" / "r1" / "home" / ".config.toml.k1ll3d_a.part"),
            _write(root / "rerankers" / "r" / "model" / "sub" / ".x.k1ll3d_a.part"),
            _write(root / "logs" / "old" / ".x.k1ll3d_a.part"),
            _write(root / "eval" / "r1" / ".report.json.part"),
            _write(root / "eval" / "r1" / ".hidden-notes"),
            _write(tmp_path / "outside" / ".report.json.k1ll3d_a.part")]
    (root / "eval" / "linked").symlink_to(tmp_path / "outside")
    ro = _write(root / "eval" / "r2" / ".report.json.k1ll3d_b.part")
    with Store(root / "ragtune.db", readonly=True):
        pass
    assert ro.exists()
    _open(root)
    assert all(p.exists() for p in kept) and not ro.exists()


def test_a_home_of_many_eval_runs_goes_into_the_newest_only(root):
    """1,000 eval runs (5,000 files): each listing is bounded to the RUNS_SWEPT most recently changed runs, so the
    open stays at milliseconds (printed). A killed run is one of the newest (its temporary changed its folder) and
    its litter goes; one in a run older than the newest RUNS_SWEPT stays for that run's own next write (or a later
    open once it is among the newest)."""
    for i in range(1000):
        run = root / "eval" / f"{i:040x}"
        for name in ("report.json", "report.md", "report.html", "items.jsonl"):
            _write(run / name, b"{}")
        (run / "home").mkdir()
        os.utime(run, (_TWO_DAYS_AGO + i, _TWO_DAYS_AGO + i))
    old = _write(root / "eval" / f"{0:040x}" / ".report.json.k1ll3d_a.part")
    os.utime(old.parent, (_TWO_DAYS_AGO, _TWO_DAYS_AGO))
    (new,) = _killed_writer(root / "eval" / f"{500:040x}" / "report.json")  # just now: the newest
    t0 = time.perf_counter()
    assert sweep_leftovers(root)
    ms = (time.perf_counter() - t0) * 1000
    t0 = time.perf_counter()
    sweep_leftovers(root, again=True)  # nothing to remove: listings only
    again_ms = (time.perf_counter() - t0) * 1000
    print(f"open's sweep of a home with 1,000 eval runs: {ms:.1f} ms, again with nothing to remove: {again_ms:.1f} ms")
    assert not new.exists() and old.exists() and again_ms < 1000
    os.utime(old.parent)  # written again (as a rerun of it would): now among the newest
    sweep_leftovers(root, again=True)
    assert not old.exists()
    assert RUNS_SWEPT < 1000
