import pytest

from ragtune.appliance.config import load_settings, settings_from_dict
from ragtune.appliance.errors import ConfigError
from ragtune.appliance.home import Home


def test_defaults_and_home_env(home):
    s = load_settings()
    assert s.home.root == home.root
    assert s.retrieve.k == 6 and s.ingest.chunk_tokens <= 254


def test_unknown_key_is_an_error(tmp_path):
    p = tmp_path / "c.toml"
    p.write_text("[retrieve]\nkk = 3\n")
    with pytest.raises(ConfigError) as e:
        load_settings(p)
    assert str(p) in str(e.value) and "kk" in str(e.value)


def test_unknown_section_and_bad_value(tmp_path):
    with pytest.raises(ConfigError, match="unknown section"):
        settings_from_dict({"nope": {}})
    with pytest.raises(ConfigError, match="k: must be 1..6"):
        settings_from_dict({"retrieve": {"k": 9}})


def test_toml_syntax_error_names_file_and_line(tmp_path):
    p = tmp_path / "c.toml"
    p.write_text("[retrieve]\nk = = 3\n")
    with pytest.raises(ConfigError) as e:
        load_settings(p)
    assert str(p) in str(e.value) and "line 2" in str(e.value)


def test_chunk_size_bounded_by_embedder():
    with pytest.raises(ConfigError):
        settings_from_dict({"ingest": {"chunk_tokens": 300}})


def test_home_override(tmp_path):
    assert Home(tmp_path).db_path == tmp_path.resolve() / "ragtune.db"
