"""Config errors that quote a key (or a value) typed on the command line, or a quoted key of the file, escape it in
the library (config_edit, config): every caller (CLI, TUI, serve) gets a message whose newline cannot forge a line
and whose ESC cannot drive a terminal. The CLI escaped each line, but kept a newline as a line break."""

from __future__ import annotations

import json

import pytest

from ragtune.appliance.config import load_settings
from ragtune.appliance.config_edit import set_config_value
from ragtune.appliance.errors import ConfigError

_NASTY = "\x1b]0;pwned\x07\x1b[2J\nerror: forged"
_SHOWN = "\\x1b]0;pwned\\x07\\x1b[2J\\nerror: forged"


def _message(fn, *args) -> str:
    with pytest.raises(ConfigError) as e:
        fn(*args)
    msg = e.value.message
    assert "\x1b" not in msg and "\n" not in msg and "\x07" not in msg
    return msg


@pytest.mark.parametrize("dotted, said", [
    (f"retrieve.k{_NASTY}", f"unknown key 'k{_SHOWN}' in [retrieve]"),
    (f"nope{_NASTY}.k", f"unknown section 'nope{_SHOWN}'"),
    (f"k{_NASTY}", f"'k{_SHOWN}': give SECTION.KEY"),
])
def test_a_key_typed_with_an_escape_and_a_newline_is_escaped(tmp_path, dotted, said):
    p = tmp_path / "config.toml"
    assert _message(set_config_value, p, dotted, "1").startswith(said)
    assert not p.exists()  # nothing written


def test_a_value_typed_with_an_escape_is_escaped_where_the_change_is_named(tmp_path):
    p = tmp_path / "config.toml"
    msg = _message(set_config_value, p, "retrieve.k", f"4{_NASTY}")
    assert f"cannot set retrieve.k = 4{_SHOWN}:" in msg
    msg = _message(set_config_value, p, "retrieve.k", "4" * 35 + _NASTY)  # over 60 characters: its first 40
    assert f"cannot set retrieve.k = {'4' * 35}\\x1b]0;p…:" in msg


def test_a_quoted_key_or_section_of_the_file_is_escaped(tmp_path):
    p = tmp_path / "config.toml"
    p.write_text('[retrieve]\n"k\\u001b[2J\\nforged" = 1\n')
    assert "unknown key(s) in [retrieve]: k\\x1b[2J\\nforged" in _message(load_settings, p)
    p.write_text('["sec\\u001b]0;x\\u0007"]\nk = 1\n')
    assert "unknown section(s): sec\\x1b]0;x\\x07" in _message(load_settings, p)


def test_the_cli_prints_the_key_on_one_line_and_once_escaped(tmp_path, capsys):
    from ragtune.cli import main

    home = tmp_path / "h"
    assert main(["--home", str(home), "config", "set", f"retrieve.k{_NASTY}", "1"]) == 2
    err = capsys.readouterr().err
    first, *rest = err.split("\n")
    assert first == f"error: unknown key 'k{_SHOWN}' in [retrieve]"  # not "\\\\x1b": escaped once
    assert rest[0].startswith("  hint: known keys:") and "\x1b" not in err
    assert main(["--home", str(home), "config", "set", f"retrieve.k{_NASTY}", "1", "--json"]) == 2
    assert json.loads(capsys.readouterr().out)["error"]["message"] == f"unknown key 'k{_SHOWN}' in [retrieve]"
