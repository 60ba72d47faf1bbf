"""tomltext: TOML values written back as TOML, and the line a key sits on."""

from __future__ import annotations

import math

import pytest

from ragtune.appliance.errors import ConfigError
from ragtune.appliance.tomltext import key_line, read_toml, toml_repr, toml_value, tomllib


@pytest.mark.parametrize("value", [True, 3, -0.25, "a \"quoted\" path\\x", ["a", "b"], [1, 2.5], {"k": 1, "x y": "z"}])
def test_toml_value_round_trips(value):
    assert tomllib.loads(f"v = {toml_value(value)}")["v"] == value


def test_toml_value_refuses_what_toml_cannot_hold():
    with pytest.raises(TypeError):
        toml_value(None)


def test_toml_repr_names_non_finite_numbers_and_odd_types():
    assert [toml_repr(v) for v in (math.inf, -math.inf, math.nan)] == ["inf", "-inf", "nan"]
    assert toml_repr(None) == "NoneType" and toml_repr("x") == '"x"'


def test_key_line_finds_the_key_in_its_own_section():
    text = "[a]\nk = 1\n\n[b]  # comment\n# k = 0\n  k = 2\nkk = 3\n"
    assert key_line(text, "a", "k") == 2
    assert key_line(text, "b", "k") == 6
    assert key_line(text, "b", "kk") == 7
    assert key_line(text, "c", "k") is None and key_line(text, "a", "kk") is None


def test_section_line_and_at_line():
    from ragtune.appliance.tomltext import at_line, section_line

    text = "top = 1\n# c\n[a]\nk = 1\n[b.sub]\nx = 2\n[[c]]\ny = 3\n"
    assert section_line(text, "top") == 1 and section_line(text, "a") == 3
    assert section_line(text, "b") == 5 and section_line(text, "c") == 7
    assert section_line(text, "k") is None  # a key inside [a] is not a top-level name
    assert at_line(text, "a", "k") == ":4" and at_line(text, "a") == ":3" and at_line(None, "a") == ""


@pytest.mark.parametrize("data, message", [
    (b"a = 1\nb = \n", r"r\.toml: invalid TOML: .*line 2"),
    (b"a = 1\n# caf\xe9\n", r"r\.toml:2: cannot read the thing: not UTF-8 text \(byte 0xe9 at column 6\)"),
])
def test_read_toml_names_file_and_line(tmp_path, data, message):
    p = tmp_path / "r.toml"
    p.write_bytes(data)
    with pytest.raises(ConfigError, match=message):
        read_toml(p, "the thing")


def test_read_toml_returns_text_and_table(tmp_path):
    p = tmp_path / "r.toml"
    p.write_text("[s]\nk = 3\n", encoding="utf-8")
    assert read_toml(p, "x") == ("[s]\nk = 3\n", {"s": {"k": 3}})
    with pytest.raises(ConfigError, match=r"nope\.toml: cannot read x"):
        read_toml(tmp_path / "nope.toml", "x")


def test_a_device_given_as_a_config_is_refused_without_filling_memory():
    with pytest.raises(ConfigError, match="/dev/zero: cannot read config: larger than 4 MB"):
        read_toml("/dev/zero", "config")
