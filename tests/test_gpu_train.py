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


def test_collect_joins_the_parts_into_the_adapter_folder(tmp_path):
    files = {"adapter_config.json": b'{"r": 16}', "adapter_model.safetensors": bytes(range(256)) * 400}
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(f"./{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    blob, at = buf.getvalue(), tmp_path / "back"
    at.mkdir()
    cut = len(blob) // 2  # as `split` leaves them: adapter.tar.part00, part01
    (at / "adapter.tar.part00").write_bytes(blob[:cut])
    (at / "adapter.tar.part01").write_bytes(blob[cut:])
    (at / "train.log").write_text("done\n")
    res = _run("collect", str(at), str(tmp_path / "adapter"))
    assert res.returncode == 0, res.stderr
    for name, data in files.items():
        assert (tmp_path / "adapter" / name).read_bytes() == data
    assert (tmp_path / "adapter" / "train.log").read_text() == "done\n"
