"""Round 47: what a supported Python or dependency version broke (docs/install.md, "Supported versions")."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ragtune.appliance.errors import ConfigError


def _loop(tmp_path: Path) -> Path:
    loop = tmp_path / "loop.toml"
    os.symlink(loop, loop)
    return loop


def test_config_set_on_a_symlink_loop_is_refused_and_the_link_kept(tmp_path):
    from ragtune.appliance.config_edit import init_config, set_config_value

    loop = _loop(tmp_path)
    with pytest.raises(ConfigError, match=r"loop\.toml: cannot write config: Too many levels of symbolic links"):
        set_config_value(loop, "retrieve.k", "5")
    with pytest.raises(ConfigError, match=r"loop\.toml: cannot write config"):
        init_config(loop, force=True)
    assert loop.is_symlink()  # not replaced by a plain file


def test_a_symlink_loop_is_refused_with_python_313s_resolve(tmp_path, monkeypatch):
    """Python 3.13's Path.resolve() no longer raises RuntimeError on a symlink loop: it returns a path that is
    still a link, and `config set` replaced the link by a new file holding only the one setting."""
    from ragtune.appliance.config_edit import set_config_value

    loop = _loop(tmp_path)
    real_resolve = Path.resolve

    def resolve_313(self, strict=False):
        try:
            return real_resolve(self, strict)
        except RuntimeError:  # Python < 3.13 on a loop: answer as 3.13 does
            return Path(os.path.abspath(self))

    monkeypatch.setattr(Path, "resolve", resolve_313)
    with pytest.raises(ConfigError, match=r"loop\.toml: cannot write config"):
        set_config_value(loop, "retrieve.k", "5")
    assert loop.is_symlink()


def test_the_toml_parser_reads_toml_10_on_every_python():
    """tomli >= 2.4 reads TOML 1.1 (newlines and a trailing comma in an inline table); Python 3.11-3.14's tomllib
    reads TOML 1.0. A config that loads on 3.10 must load on 3.11, and config_edit's inline-table edits assume 1.0:
    pyproject.toml bounds tomli below 2.4 (Python 3.10 only)."""
    from ragtune.appliance.tomltext import tomllib

    for text in ("a = {\n  b = 1 }\n", "a = { b = 1, }\n"):
        with pytest.raises(tomllib.TOMLDecodeError):
            tomllib.loads(text)


def test_an_ipv4_mapped_loopback_bind_needs_a_token_with_python_313s_ipaddress(monkeypatch):
    """Python 3.13's IPv6Address.is_loopback says True for ::ffff:127.0.0.1 (3.10-3.12: False): `serve --host
    ::ffff:127.0.0.1` without a token was refused on 3.11 and accepted on 3.13. One answer now: refused."""
    import ipaddress

    from ragtune.serve.auth import check_bind, is_loopback

    real = ipaddress.IPv6Address.is_loopback
    monkeypatch.setattr(ipaddress.IPv6Address, "is_loopback",
                        property(lambda ip: ip.ipv4_mapped.is_loopback if ip.ipv4_mapped else real.fget(ip)))
    assert not is_loopback("::ffff:127.0.0.1") and not is_loopback("[::ffff:127.0.0.1]")
    assert is_loopback("::ffff:127.0.0.1", mapped=True)  # a Host header (guard.is_loopback_name)
    assert is_loopback("::1") and is_loopback("[::1]") and is_loopback("127.0.0.2") and is_loopback("LOCALHOST")
    with pytest.raises(ConfigError, match="refusing to serve on ::ffff:127.0.0.1 without a token"):
        check_bind("::ffff:127.0.0.1", [])
