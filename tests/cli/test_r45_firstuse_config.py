"""Round 45, first use: `ragtune config set generate.backend openai` before a base_url is set says the order that
works (config_edit.py); a config file with the remote backend and no base_url names the command (config.py)."""

from __future__ import annotations

from ragtune.cli import main


def test_setting_the_remote_backend_first_names_the_order(tmp_path, capsys):
    home = tmp_path / "home"
    assert main(["--home", str(home), "config", "set", "generate.backend", "openai"]) == 2
    err = capsys.readouterr().err
    assert "base_url: must be an http(s) URL when backend = 'openai'" in err
    assert ("hint: set generate.base_url first: ragtune config set generate.base_url http://HOST:PORT/v1, then "
            "ragtune config set generate.backend openai") in err
    assert not (home / "config.toml").exists()
    assert main(["--home", str(home), "config", "set", "generate.base_url", "http://127.0.0.1:8080/v1"]) == 0
    assert main(["--home", str(home), "config", "set", "generate.backend", "openai"]) == 0
    assert 'backend = "openai"' in (home / "config.toml").read_text(encoding="utf-8")


def test_a_bad_base_url_with_the_remote_backend_names_the_command(tmp_path, capsys):
    home = tmp_path / "home"
    assert main(["--home", str(home), "config", "set", "generate.base_url", "http://127.0.0.1:8080/v1"]) == 0
    assert main(["--home", str(home), "config", "set", "generate.backend", "openai"]) == 0
    capsys.readouterr()
    assert main(["--home", str(home), "config", "set", "generate.base_url", "ftp://host"]) == 2
    err = capsys.readouterr().err
    assert "hint: set [generate] base_url: ragtune config set generate.base_url http://HOST:PORT/v1" in err
    assert "first" not in err  # the key being set is base_url itself: no order to name


def test_a_config_file_with_the_remote_backend_and_no_base_url(tmp_path, capsys):
    conf = tmp_path / "c.toml"
    conf.write_text('[generate]\nbackend = "openai"\n', encoding="utf-8")
    assert main(["--home", str(tmp_path / "home"), "--config", str(conf), "config", "show"]) == 2
    assert "hint: set [generate] base_url: ragtune config set generate.base_url http://HOST:PORT/v1" in \
        capsys.readouterr().err
