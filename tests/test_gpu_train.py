"""benchmarks/gpu_train.sh: the parts that run here (usage, a bad dataset folder, collect). Its `train` step was
run on CPU by hand (docs/tuning.md, "On a lent GPU machine"): it loads the real base model, minutes, not a test."""

from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "gpu_train.sh"


def _run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", **env})


def test_usage_without_a_step():
    res = _run()
    assert res.returncode == 2
    assert "prepare DATASET_DIR" in res.stdout and "collect FILES_AT DEST" in res.stdout


def test_prepare_refuses_a_folder_without_train_jsonl(tmp_path):
    res = _run("prepare", str(tmp_path), DEV=str(tmp_path / "dev"))
    assert res.returncode == 2
    assert "has no train.jsonl" in res.stderr
    assert not (tmp_path / "dev").exists()


FILES = {"adapter_config.json": b'{"r": 16}', "adapter_model.safetensors": bytes(range(256)) * 400}


def _parts(at: Path, name: str) -> None:
    """An adapter folder's tar cut in two, as `split` leaves it: NAME.tar.part00, part01."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for fname, data in FILES.items():
            info = tarfile.TarInfo(f"./{fname}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    blob = buf.getvalue()
    at.mkdir(exist_ok=True)
    (at / f"{name}.tar.part00").write_bytes(blob[: len(blob) // 2])
    (at / f"{name}.tar.part01").write_bytes(blob[len(blob) // 2:])


def test_train_many_needs_a_runs_file(tmp_path):
    res = _run("train-many", str(tmp_path / "none.txt"), OUT=str(tmp_path))
    assert res.returncode == 2
    assert "no runs file" in res.stderr


def test_collect_joins_the_parts_of_each_run_into_its_folder(tmp_path):
    at = tmp_path / "back"
    _parts(at, "s1")
    _parts(at, "c1")
    res = _run("collect", str(at), str(tmp_path / "runs"))
    assert res.returncode == 0, res.stderr
    for run in ("s1", "c1"):
        for fname, data in FILES.items():
            assert (tmp_path / "runs" / run / fname).read_bytes() == data
    assert not (tmp_path / "runs" / "adapter_config.json").exists()


def test_collect_joins_the_parts_into_the_adapter_folder(tmp_path):
    files, at = FILES, tmp_path / "back"
    _parts(at, "adapter")
    (at / "train.log").write_text("done\n")
    res = _run("collect", str(at), str(tmp_path / "adapter"))
    assert res.returncode == 0, res.stderr
    for name, data in files.items():
        assert (tmp_path / "adapter" / name).read_bytes() == data
    assert (tmp_path / "adapter" / "train.log").read_text() == "done\n"
