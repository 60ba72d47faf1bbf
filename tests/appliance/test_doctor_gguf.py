"""doctor reads the header of a `[generate] model` given by path and checks its length against its tensors (header
and tensor table only): a GGUF cut short passed as "a path (no recorded sha256)", then `ask` and `serve` failed in
llama.cpp ("tensor … data is not within the file bounds")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ragtune.cli import main
from tests.gguf_helpers import gguf_bytes


def _model_line(home: Path, capsys, *args: str) -> tuple[int, dict]:
    rc = main(["--home", str(home), "doctor", "--json", *args])
    checks = json.loads(capsys.readouterr().out)["checks"]
    return rc, next(c for c in checks if c["name"] == "model")


@pytest.mark.parametrize("quick", [(), ("--quick",)])
@pytest.mark.parametrize("content,message", [
    (gguf_bytes(lora=False, n_floats=64)[:-40], "truncated GGUF file: tensor token_embd.weight ends at byte"),
    (b"not a model at all", "not a GGUF file (bad magic"),
    (gguf_bytes(lora=True), "a GGUF LoRA adapter, not a model"),
], ids=["truncated", "not-gguf", "adapter"])
def test_a_model_file_that_llama_cpp_would_refuse_fails(tmp_path, capsys, content, message, quick):
    home = tmp_path / "home"
    home.mkdir()
    model = tmp_path / "t.gguf"
    model.write_bytes(content)
    (home / "config.toml").write_text(f'[generate]\nmodel = "{model}"\n', encoding="utf-8")
    rc, line = _model_line(home, capsys, *quick)
    assert rc == 1 and line["status"] == "fail" and line["detail"].startswith(f"{model}: {message}"), line
    assert line["hint"]


def test_a_whole_model_file_by_path_is_ok(tmp_path, capsys):
    home = tmp_path / "home"
    home.mkdir()
    model = tmp_path / "t.gguf"
    model.write_bytes(gguf_bytes(lora=False, n_floats=64))
    (home / "config.toml").write_text(f'[generate]\nmodel = "{model}"\n', encoding="utf-8")
    rc, line = _model_line(home, capsys)
    assert line == {"status": "ok", "name": "model", "detail": f"{model}: a path (no recorded sha256)", "hint": None}
