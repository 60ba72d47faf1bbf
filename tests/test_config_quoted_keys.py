"""`config set` of a key written quoted or dotted in config.toml (ragtune/appliance/config_edit.py `set_in_toml`,
tomltext.py `key_place`): `"model" = …`, `'model' = …` and a top-level `generate.model = …` are the key `model` of
[generate] to the TOML reader, so the edit replaces that value in place (the key as written, its comment kept)
instead of adding a second `model = …` line that the validation refused as a duplicate ("edit by hand")."""

from __future__ import annotations

import pytest

from ragtune.appliance.config import load_settings
from ragtune.appliance.config_edit import set_config_value, set_in_toml
from ragtune.appliance.home import Home
from ragtune.appliance.tomltext import at_line, key_line, loads, section_line


@pytest.mark.parametrize("before,after", [
    ('"model" = "x.gguf"\n', '"model" = "new.gguf"\n'),
    ("'model' = \"x.gguf\"\n", "'model' = \"new.gguf\"\n"),
    ('  "model"   =   "x.gguf"   # the big one\n', '  "model"   =   "new.gguf"   # the big one\n'),
    ('"mod\\u0065l" = "x.gguf"\n', '"mod\\u0065l" = "new.gguf"\n'),  # an escape in a basic key: still `model`
    ("'model'='x.gguf'#c\n", "'model'=\"new.gguf\"#c\n"),
    ('model="x.gguf"\n', 'model="new.gguf"\n'),  # a bare key keeps its spacing too
])
def test_a_quoted_key_is_replaced_in_place(before, after):
    text = f"# mine\n[generate]\n{before}seed = 1\n"
    got = set_in_toml(text, "generate", "model", "new.gguf")
    assert got == f"# mine\n[generate]\n{after}seed = 1\n"
    assert loads(got)["generate"] == {"model": "new.gguf", "seed": 1}


@pytest.mark.parametrize("other", ['"model.x" = 1', "'models' = 1", '"model " = 1', 'model.x = 1', '"Model" = 1'])
def test_a_quoted_key_that_is_another_name_is_not_it(other):
    text = f"[generate]\n{other}\n"
    got = set_in_toml(text, "generate", "model", "new.gguf")
    assert got == f"[generate]\nmodel = \"new.gguf\"\n{other}\n"


def test_a_quoted_section_header_is_found():
    text = '["generate"]\n"model" = "x.gguf"\n\n[ \'retrieve\' ]\nk = 2\n'
    got = set_in_toml(text, "generate", "model", "y.gguf")
    assert got == '["generate"]\n"model" = "y.gguf"\n\n[ \'retrieve\' ]\nk = 2\n'
    got = set_in_toml(got, "retrieve", "candidates", 40)  # a new key under the quoted header, not a second table
    assert got.endswith("[ 'retrieve' ]\ncandidates = 40\nk = 2\n")
    assert loads(got)["retrieve"] == {"k": 2, "candidates": 40}


def test_a_top_level_dotted_key_is_replaced_and_a_new_one_joins_it():
    """The reader takes `generate.model = …` above every header as [generate] model (TOML's dotted keys): set it
    there, and add a new key of that section the same way (a `[generate]` header would declare it twice)."""
    text = 'generate.model = "x.gguf"  # base\ngenerate . "seed" = 3\n\n[retrieve]\nk = 2\n'
    got = set_in_toml(text, "generate", "model", "y.gguf")
    assert got == 'generate.model = "y.gguf"  # base\ngenerate . "seed" = 3\n\n[retrieve]\nk = 2\n'
    got = set_in_toml(got, "generate", "seed", 4)
    assert got == 'generate.model = "y.gguf"  # base\ngenerate . "seed" = 4\n\n[retrieve]\nk = 2\n'
    got = set_in_toml(got, "generate", "max_tokens", 100)
    assert got == ('generate.model = "y.gguf"  # base\ngenerate . "seed" = 4\ngenerate.max_tokens = 100\n\n'
                   '[retrieve]\nk = 2\n')
    assert loads(got)["generate"] == {"model": "y.gguf", "seed": 4, "max_tokens": 100}
    # a dotted key inside another table is that table's, never [generate]'s
    inner = '[retrieve]\ngenerate.model = "x"\n'
    assert key_line(inner, "generate", "model") is None


def test_lines_inside_a_multi_line_value_are_no_keys():
    text = '[generate]\nremote_model = """\nmodel = "fake"\n"""\nmodel = "x.gguf"\n'
    assert key_line(text, "generate", "model") == 5
    got = set_in_toml(text, "generate", "model", "y.gguf")
    assert got == '[generate]\nremote_model = """\nmodel = "fake"\n"""\nmodel = "y.gguf"\n'


def test_config_set_edits_a_quoted_key(tmp_path):
    """Was: a second `model = …` line, then "cannot set … without breaking the file … edit the file by hand"."""
    home = Home(tmp_path / "h")
    home.root.mkdir()
    home.config_path.write_text('[generate]\n"max_tokens" = 100  # short answers\n\'seed\' = 1\n', encoding="utf-8")
    set_config_value(home.config_path, "generate.max_tokens", "200", home=home)
    set_config_value(home.config_path, "generate.seed", "2", home=home)
    assert home.config_path.read_text(encoding="utf-8") == \
        '[generate]\n"max_tokens" = 200  # short answers\n\'seed\' = 2\n'
    s = load_settings(home=home)
    assert (s.generate.max_tokens, s.generate.seed) == (200, 2)
    home.config_path.write_text('generate.seed = 1\n', encoding="utf-8")
    set_config_value(home.config_path, "generate.seed", "5", home=home)
    set_config_value(home.config_path, "generate.max_tokens", "64", home=home)
    assert home.config_path.read_text(encoding="utf-8") == 'generate.seed = 5\ngenerate.max_tokens = 64\n'
    assert load_settings(home=home).generate.max_tokens == 64


def test_errors_name_the_line_of_a_quoted_key(tmp_path):
    text = '# c\n["generate"]\n"bogus" = 1\n\'seed\' = 2\n'
    assert key_line(text, "generate", "seed") == 4 and at_line(text, "generate", "bogus") == ":3"
    assert section_line(text, "generate") == 2 and section_line('"top" = 1\n[a]\n', "top") == 1
    home = Home(tmp_path / "h")
    home.root.mkdir()
    home.config_path.write_text(text, encoding="utf-8")
    with pytest.raises(Exception, match=r"config\.toml:3: unknown key\(s\) in \[generate\]: bogus"):
        load_settings(home=home)
