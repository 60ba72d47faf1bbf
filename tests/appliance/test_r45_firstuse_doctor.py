"""Round 45, first use: `ragtune doctor` right after installing, before any home exists (appliance/doctor.py,
cli/doctor_cmd.py), and its machine line with the remote generation backend (doctor._machine, machine.fit)."""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path

import pytest

from ragtune.appliance import machine
from ragtune.appliance.config import load_settings
from ragtune.appliance.doctor import Report, _machine, diagnose
from ragtune.appliance.errors import InputError
from ragtune.appliance.home import Home
from ragtune.cli import main


def _lines(out: str) -> dict[str, tuple[str, str]]:
    rows = [line.split(None, 2) for line in out.splitlines() if line[:4].strip() in ("ok", "warn", "fail")]
    return {name: (status, detail) for status, name, detail in rows}


def _listing(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def test_doctor_on_a_home_not_made_yet_reports_what_it_can_and_creates_nothing(tmp_path, capsys):
    missing = tmp_path / "share" / "ragtune"
    before = _listing(tmp_path)
    assert main(["--home", str(missing), "doctor", "--quick"]) == 0
    out = capsys.readouterr().out
    lines = _lines(out)
    assert lines["home"] == ("warn", f"{missing} does not exist yet: the first `ragtune ingest` makes it"), out
    assert lines["config"] == ("ok", "no config.toml: the defaults")
    for name in ("model", "embedder", "machine", "disk"):  # what needs no home is still checked
        assert name in lines, out
    assert "database" not in lines and "leftovers" not in lines  # nothing to look at there
    assert "hint: `ragtune ingest PATH` creates it" in out
    assert not missing.exists() and _listing(tmp_path) == before


def test_doctor_json_on_a_home_not_made_yet(tmp_path, capsys):
    missing = tmp_path / "nowhere"
    assert main(["--home", str(missing), "doctor", "--json", "--quick"]) == 0
    out = json.loads(capsys.readouterr().out)
    (home,) = [c for c in out["checks"] if c["name"] == "home"]
    assert out["ok"] is True and home["status"] == "warn" and "does not exist yet" in home["detail"]
    assert not missing.exists()


def test_doctor_on_a_home_not_made_yet_checks_the_given_config(tmp_path, capsys):
    conf = tmp_path / "ragtune.toml"
    conf.write_text("[retrieve]\nk = 4\n", encoding="utf-8")
    missing = tmp_path / "nowhere"
    assert main(["--home", str(missing), "--config", str(conf), "doctor", "--quick"]) == 0
    assert _lines(capsys.readouterr().out)["config"] == ("ok", f"{conf} loads")
    conf.write_text("[retrieve]\nbogus = 1\n", encoding="utf-8")
    assert main(["--home", str(missing), "--config", str(conf), "doctor", "--quick"]) == 1  # a fail still fails
    status, detail = _lines(capsys.readouterr().out)["config"]
    assert status == "fail" and "ragtune.toml:2" in detail and not missing.exists()


def test_a_home_path_that_is_a_file_stays_an_error(tmp_path, capsys):
    afile = tmp_path / "afile"
    afile.write_text("x", encoding="utf-8")
    assert main(["--home", str(afile), "doctor"]) == 2  # --home's click type (and RAGTUNE_HOME's) refuses it first
    assert "is a file" in capsys.readouterr().err
    with pytest.raises(InputError, match="is not a folder"):  # the library's caller gets its own error
        diagnose(Home(afile), quick=True)
    with pytest.raises(InputError, match="cannot read: Not a directory"):
        diagnose(Home(afile / "home"), quick=True)  # a file where a parent folder should be


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads every folder")
def test_a_home_that_cannot_be_read_stays_an_error(tmp_path):
    locked = tmp_path / "locked"
    (locked / "home").mkdir(parents=True)
    os.chmod(locked, 0)
    try:
        with pytest.raises(InputError, match="cannot read"):
            diagnose(Home(locked / "home"), quick=True)
    finally:
        os.chmod(locked, 0o700)


# -- the machine line with generate.backend = "openai": the local process holds the vocabulary only --------------
def _s(text: str) -> bytes:
    b = text.encode()
    return struct.pack("<Q", len(b)) + b


def _model_with_vocab(path: Path, n_tokens: int, n_floats: int) -> Path:
    """A GGUF chat model whose header lists `n_tokens` tokens, with one F32 tensor of `n_floats` (its weights)."""
    kv = [_s("general.architecture") + struct.pack("<I", 8) + _s("llama"),
          _s("general.type") + struct.pack("<I", 8) + _s("model"),
          _s("tokenizer.chat_template") + struct.pack("<I", 8) + _s("{{ messages[0]['content'] }}"),
          _s("tokenizer.ggml.tokens") + struct.pack("<IIQ", 9, 8, n_tokens) + b"".join(_s(f"t{i}")
                                                                                    for i in range(n_tokens))]
    head = b"GGUF" + struct.pack("<IQQ", 3, 1, len(kv)) + b"".join(kv)
    head += _s("token_embd.weight") + struct.pack("<I", 1) + struct.pack("<Q", n_floats) + struct.pack("<IQ", 0, 0)
    head += b"\0" * (-len(head) % 32)
    path.write_bytes(head + b"\0" * (4 * n_floats))
    return path


def _machine_line(home: Home, backend: str) -> str:
    extra = 'backend = "openai"\nbase_url = "http://127.0.0.1:9/v1"\n' if backend == "openai" else ""
    model = _model_with_vocab(home.root / "big.gguf", n_tokens=1000, n_floats=2_000_000)  # 8 MB of weights
    home.config_path.write_text(f'[generate]\nmodel = "{model}"\n{extra}[embed]\nmodel = "{home.root}/none"\n',
                                encoding="utf-8")
    rep = Report(home=str(home.root), quick=True)
    _machine(home, load_settings(home=home), rep)
    (line,) = [c for c in rep.checks if c.name == "machine"]
    return line.detail


def test_the_machine_line_counts_the_vocabulary_only_with_a_remote_backend(tmp_path):
    home = Home(tmp_path / "home")
    home.root.mkdir()
    local = _machine_line(home, "local")
    assert f"ask needs ~{_mb(machine.RUNTIME_BYTES + (home.root / 'big.gguf').stat().st_size)}" in local, local
    remote = _machine_line(home, "openai")
    vocab = machine.vocab_bytes(1000)
    assert vocab == 1000 * machine.VOCAB_BYTES_PER_TOKEN
    assert f"ask needs ~{_mb(machine.RUNTIME_BYTES + vocab)}" in remote, remote
    assert "the generation model's vocabulary only, it runs on the generation server" in remote


def _mb(n: int) -> str:
    from ragtune.appliance.text import human_size

    return human_size(n)
