"""`config set` on a home an older ragtune made (round 45): the old key typed as an older ragtune's docs or an admin's
script wrote it is named as renamed, with the command to use, not only "unknown key"; setting another key while
config.toml still holds the old one names that line of the file (docs/upgrading.md)."""

from __future__ import annotations

import pytest

from ragtune.appliance.config_edit import set_config_value
from ragtune.appliance.errors import ConfigError
from ragtune.cli import main

OLD = '# written for the old ragtune\n[retrieve]\nk = 4\nrerank_model = ""\n\n[generate]\nmax_tokens = 200\n'


def test_config_set_of_the_old_key_says_what_it_became(home):
    home.ensure()
    home.config_path.write_text(OLD, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        set_config_value(home.config_path, "retrieve.rerank_model", '""', home=home)
    assert "rerank_model is no longer read" in exc.value.message and "renamed [retrieve] rerank" in exc.value.message
    assert "ragtune config set retrieve.rerank VALUE" in exc.value.hint
    assert home.config_path.read_text(encoding="utf-8") == OLD


@pytest.mark.parametrize("dotted, raw", [("retrieve.k", "5"), ("generate.max_tokens", "100")])
def test_setting_another_key_beside_the_old_one_names_its_line(home, dotted, raw):
    home.ensure()
    home.config_path.write_text(OLD, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        set_config_value(home.config_path, dotted, raw, home=home)
    assert exc.value.message.startswith(f"{home.config_path}:4: [retrieve] rerank_model is no longer read")
    assert "ragtune config set retrieve.rerank" in exc.value.hint and f"then set {dotted}" in exc.value.hint
    assert home.config_path.read_text(encoding="utf-8") == OLD


def test_the_cli_says_it_without_a_traceback_and_the_fix_then_works(home, capsys):
    home.ensure()
    home.config_path.write_text(OLD, encoding="utf-8")
    assert main(["--home", str(home.root), "config", "set", "retrieve.rerank_model", '""']) != 0
    err = capsys.readouterr().err
    assert "Traceback" not in err and "renamed [retrieve] rerank" in err and "hint:" in err
    assert main(["--home", str(home.root), "config", "set", "retrieve.rerank", '""']) == 0
    assert main(["--home", str(home.root), "config", "set", "retrieve.k", "5"]) == 0
    text = home.config_path.read_text(encoding="utf-8")
    assert "rerank_model" not in text and 'rerank = ""' in text and "k = 5" in text and "max_tokens = 200" in text
