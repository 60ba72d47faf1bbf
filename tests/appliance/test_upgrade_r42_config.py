"""A config.toml written for an older ragtune (round 42): a key that was renamed since is named with its line, what
it became and what to write instead, not only "unknown key"; `config set` of the new key replaces the old line, so one
command makes the file load again (docs/upgrading.md)."""

from __future__ import annotations

import pytest

from ragtune.appliance.config import load_settings
from ragtune.appliance.config_edit import set_config_value
from ragtune.appliance.config_ops import RETIRED_KEYS
from ragtune.appliance.errors import ConfigError
from ragtune.cli import main

# [retrieve] as ragtune wrote it before the trainable rerankers (issue 16): a cross-encoder path, "" for off
OLD = '# mine\n[retrieve]\nk = 4\nrerank_model = "/opt/ce/model.onnx"  # the big one\ntitle_boost = 1.5\n'


def test_every_retired_key_is_gone_and_its_new_name_exists():
    from ragtune.appliance.config import SECTIONS

    for (section, key), (new, _) in RETIRED_KEYS.items():
        names = {f for f in SECTIONS[section].__dataclass_fields__}
        assert key not in names and new in names


@pytest.mark.parametrize("value, written", [('"/opt/ce/model.onnx"', '"/opt/ce/model.onnx"'), ('""', '""')])
def test_a_renamed_key_says_what_it_became_and_what_to_write(home, value, written):
    home.ensure()
    home.config_path.write_text(f"[retrieve]\nk = 4\nrerank_model = {value}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_settings(home=home)
    msg, hint = exc.value.message, exc.value.hint
    assert f"{home.config_path}:3:" in msg and "rerank_model" in msg and "renamed [retrieve] rerank" in msg
    assert f"rerank = {written}" in hint and "ragtune config set retrieve.rerank" in hint


def test_config_set_of_the_new_key_replaces_the_old_line(home):
    home.ensure()
    home.config_path.write_text(OLD, encoding="utf-8")
    set_config_value(home.config_path, "retrieve.rerank", '""', home=home)
    text = home.config_path.read_text(encoding="utf-8")
    assert "rerank_model" not in text and text.startswith("# mine\n[retrieve]\n") and "title_boost = 1.5" in text
    s = load_settings(home=home)
    assert s.retrieve.rerank == "" and s.retrieve.k == 4 and s.retrieve.title_boost == 1.5


def test_config_set_of_another_key_names_the_old_one_and_changes_nothing(home, capsys):
    home.ensure()
    home.config_path.write_text(OLD, encoding="utf-8")
    rc = main(["--home", str(home.root), "config", "set", "retrieve.k", "5"])
    err = capsys.readouterr().err
    assert rc != 0 and "Traceback" not in err
    assert "rerank_model" in err and "renamed [retrieve] rerank" in err and "config set retrieve.rerank" in err
    assert home.config_path.read_text(encoding="utf-8") == OLD


def test_doctor_fails_the_config_naming_the_old_key(home, capsys):
    home.ensure()
    home.config_path.write_text(OLD, encoding="utf-8")
    rc = main(["--home", str(home.root), "doctor", "--quick"])
    out = capsys.readouterr().out
    assert rc == 1 and "config.toml:4: [retrieve] rerank_model is no longer read" in out and "rerank = " in out
