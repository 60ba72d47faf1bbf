"""Round 50: `RAGTUNE_HOME` (or `--home`) naming a file is the CLI's `error:`/`hint:` message naming where the value
came from, exit 2 as before; click printed its usage block and "Invalid value for '--home'" though the user had set
the variable, not the option."""

from __future__ import annotations

import json

from ragtune.cli import main


def test_ragtune_home_naming_a_file_names_the_variable(tmp_path, monkeypatch, capsys):
    f = tmp_path / "home.toml"
    f.write_text("x")
    monkeypatch.setenv("RAGTUNE_HOME", str(f))
    assert main(["docs", "list"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: RAGTUNE_HOME={f} is a file, not a folder\n  hint: point RAGTUNE_HOME at"), err
    assert "Usage:" not in err and "--home" not in err


def test_home_option_naming_a_file_names_the_option(tmp_path, monkeypatch, capsys):
    f = tmp_path / "afile"
    f.write_text("x")
    monkeypatch.delenv("RAGTUNE_HOME", raising=False)
    assert main(["--home", str(f), "log", "list", "--json"]) == 2
    out, err = capsys.readouterr()
    assert err.startswith(f"error: --home {f} is a file, not a folder\n  hint: give --home the home folder"), err
    assert "Usage:" not in err
    assert json.loads(out)["error"]["exit_code"] == 2  # a --json command's error object, as for any error


def test_a_home_folder_is_taken_as_before(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("RAGTUNE_HOME", str(tmp_path / "new"))  # not there yet: `docs list` says so, its own way
    assert main(["docs", "list"]) == 2
    assert "does not exist" in capsys.readouterr().err
