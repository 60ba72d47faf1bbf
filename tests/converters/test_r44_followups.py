"""Round 44 follow-ups: `convert lora --name N` and `convert soup --name N` with N another GGUF LoRA's name are refused
before converting (converters.check_name_free, as quantize and gguf since round 43), not by registry.add after the
conversion ran with its output kept."""

from __future__ import annotations

import pytest

from ragtune.appliance.errors import InputError
from ragtune.appliance.home import Home
from ragtune.appliance.registry import Registry
from ragtune.converters.lora import lora_to_gguf
from tests.converters.test_lora_temporaries import setup  # noqa: F401  (the fixture: a fake convert_lora_to_gguf.py)
from tests.gguf_helpers import write_gguf


def _taken_error(name: str, art) -> str:
    return f"--name {name}: the name '{name}' is already that of {art.id[:12]}… (lora-gguf); give it another --name"


def test_convert_lora_with_a_taken_name_is_refused_before_the_script_runs(setup, tmp_path):  # noqa: F811
    reg = Registry(Home(setup["home"]))
    other = reg.add(write_gguf(tmp_path / "other.gguf", tag="other"), "lora-gguf", name="taken")
    out = setup["out"] / "lora.gguf"
    with pytest.raises(InputError) as e:
        lora_to_gguf(setup["run"], None, out, registry=reg, name="taken")
    assert e.value.message == _taken_error("taken", other) and "nothing was converted" in (e.value.hint or "")
    assert sorted(p.name for p in setup["out"].iterdir()) == []  # the script never ran: no output, no log
    # a free name converts; the same conversion again under its name passes (registry.add: the same artifact)
    first = lora_to_gguf(setup["run"], None, out, registry=reg, name="mine").artifact
    again = lora_to_gguf(setup["run"], None, setup["out"] / "again.gguf", registry=reg, name="mine").artifact
    assert first.name == "mine" and again.id == first.id
    # another outtype is another LoRA: refused before converting
    with pytest.raises(InputError) as e:
        lora_to_gguf(setup["run"], None, setup["out"] / "f16.gguf", registry=reg, name="mine", outtype="f16")
    assert e.value.message == _taken_error("mine", first) and not (setup["out"] / "f16.gguf").exists()
    assert not (setup["out"] / "f16.gguf.log").exists()


def test_convert_soup_with_a_taken_name_is_refused_before_averaging(tmp_path, monkeypatch, capsys):
    pytest.importorskip("gguf")
    import ragtune.converters.soup as soup_mod
    from ragtune.cli import main
    from tests.converters.test_soup import _lora

    reg = Registry(Home(tmp_path / "home"))
    pa = reg.add(_lora(tmp_path / "a.gguf", 4, 8.0, 1)[0], "lora-gguf", name="a")
    pb = reg.add(_lora(tmp_path / "b.gguf", 4, 8.0, 2)[0], "lora-gguf", name="b")
    read = []
    real_read = soup_mod._read
    monkeypatch.setattr(soup_mod, "_read", lambda path: read.append(path) or real_read(path))
    out = tmp_path / "s.gguf"
    assert main(["--home", str(tmp_path / "home"), "convert", "soup", "a", "b", "--out", str(out),
                 "--name", "b"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {_taken_error('b', pb)}\n"), err
    assert "nothing was converted" in err and read == [] and not out.exists()
    # a free name averages; the soup of A made before, under its name, passes (the same bytes: the same artifact)
    first = soup_mod.soup("a", "b", out, registry=reg, name="ab").artifact
    assert soup_mod.soup("a", "b", tmp_path / "s2.gguf", registry=reg, name="ab").artifact.id == first.id
    n = len(read)
    with pytest.raises(InputError) as e:  # a soup of another A under that name: refused before reading
        soup_mod.soup("b", "a", tmp_path / "ba.gguf", registry=reg, name="ab")
    assert e.value.message == _taken_error("ab", first) and len(read) == n and pa.name == "a"
