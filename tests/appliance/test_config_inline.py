"""`config set` of a section written as an inline table (ragtune/appliance/config_edit.py `set_in_toml`, tomltext.py
`inline_table`): `generate = { temperature = 0.2, adapter = "x" }` is [generate] to the TOML reader, and TOML adds no
key to an inline table from outside its braces, so the value is replaced inside them, or `, key = value` goes before
the `}`, every other character kept (was: a second `[generate]` appended, refused as "edit the file by hand"). Shapes
that hold no table to set a key in are refused naming the file and line."""

from __future__ import annotations

import pytest

from ragtune.appliance.config import load_settings
from ragtune.appliance.config_edit import set_config_value, set_in_toml
from ragtune.appliance.errors import ConfigError
from ragtune.appliance.home import Home
from ragtune.appliance.tomltext import inline_table, key_line, loads


@pytest.mark.parametrize("before,key,value,after", [
    ('generate = { temperature = 0.2, adapter = "x" }  # mine\n', "temperature", 0.5,
     'generate = { temperature = 0.5, adapter = "x" }  # mine\n'),
    ('generate = { temperature = 0.2, adapter = "x" }  # mine\n', "seed", 3,
     'generate = { temperature = 0.2, adapter = "x", seed = 3 }  # mine\n'),
    ('generate = {}\n', "seed", 3, 'generate = { seed = 3 }\n'),
    ('generate = { \t}\n', "seed", 3, 'generate = { seed = 3 }\n'),
    # quoted keys, no blanks, a "," and a "}" inside a string: the members as TOML reads them
    ('"generate"={"seed"=1,model="a,b}"}\n', "seed", 4, '"generate"={"seed"=4,model="a,b}"}\n'),
    ("generate = { 'model' = 'a.gguf' }", "model", "b.gguf", 'generate = { \'model\' = "b.gguf" }\n'),
    ('generate = { remote_adapters = { a = "x" }, seed = 1 }\n', "remote_adapters", {"b": "y"},
     'generate = { remote_adapters = {"b" = "y"}, seed = 1 }\n'),
])
def test_a_member_of_an_inline_section_is_set_inside_its_braces(before, key, value, after):
    text = f"# mine\n{before}\n[retrieve]\nk = 2\n" if before.endswith("\n") else before
    want = f"# mine\n{after}\n[retrieve]\nk = 2\n" if before.endswith("\n") else after
    got = set_in_toml(text, "generate", key, value)
    assert got == want
    assert loads(got)["generate"][key] == value


def test_a_value_that_spans_lines_inside_the_braces():
    """TOML 1.0 allows a newline inside an inline table only within a value (a multi-line array, its comments)."""
    text = 'ingest = { extensions = [\n  ".md", # notes\n  ".txt",\n], chunk_tokens = 100 }\n[retrieve]\nk = 2\n'
    got = set_in_toml(text, "ingest", "overlap_tokens", 10)
    assert got == ('ingest = { extensions = [\n  ".md", # notes\n  ".txt",\n], chunk_tokens = 100, '
                   'overlap_tokens = 10 }\n[retrieve]\nk = 2\n')
    got = set_in_toml(got, "ingest", "extensions", [".pdf"])
    assert got == 'ingest = { extensions = [".pdf"], chunk_tokens = 100, overlap_tokens = 10 }\n[retrieve]\nk = 2\n'
    assert loads(got) == {"ingest": {"extensions": [".pdf"], "chunk_tokens": 100, "overlap_tokens": 10},
                          "retrieve": {"k": 2}}
    assert key_line(text, "ingest", "chunk_tokens") == 4


@pytest.mark.parametrize("text", [
    "generate = {\n  seed = 1 }\n",  # a newline between the members
    "generate = { seed = 1, }\n",  # a trailing comma
    "generate = { seed = 1 # c\n}\n",  # a comment
    "generate = { seed = }\n",  # no value
    "generate = { seed = 1 model = 2 }\n",  # no comma
    "generate = { seed = 1 1 }\n",  # not one value
])
def test_what_toml_does_not_read_as_an_inline_table_is_none(text):
    with pytest.raises(ValueError):
        loads(text)
    assert inline_table(text, "generate") is None


def test_config_set_edits_an_inline_section_and_a_dotted_one(tmp_path):
    """The whole path, as `ragtune config set` runs it: read, edit in place, validate, write; the new values load."""
    home = Home(tmp_path / "h")
    home.root.mkdir()
    text = ('# my settings\ngenerate = { temperature = 0.2, adapter = "none" }  # tuned\nretrieve.k = 4  # four\n\n'
            '[ingest]\nchunk_tokens = 120\n')
    home.config_path.write_text(text, encoding="utf-8")
    assert set_config_value(home.config_path, "generate.temperature", "0.7", home=home) == 0.7
    assert set_config_value(home.config_path, "generate.seed", "9", home=home) == 9
    assert set_config_value(home.config_path, "retrieve.k", "5", home=home) == 5
    assert home.config_path.read_text(encoding="utf-8") == (
        '# my settings\ngenerate = { temperature = 0.7, adapter = "none", seed = 9 }  # tuned\nretrieve.k = 5  # four\n'
        '\n[ingest]\nchunk_tokens = 120\n')
    s = load_settings(home=home)
    assert (s.generate.temperature, s.generate.seed, s.generate.adapter, s.retrieve.k) == (0.7, 9, "none", 5)
    with pytest.raises(ConfigError, match=r"cannot set generate\.temperature = 5: \[generate\] temperature: must be"):
        set_config_value(home.config_path, "generate.temperature", "5", home=home)  # still validated before written
    assert load_settings(home=home).generate.temperature == 0.7


def test_errors_name_the_line_of_an_inline_member(tmp_path):
    home = Home(tmp_path / "h")
    home.root.mkdir()
    home.config_path.write_text('# c\ngenerate = { seed = 1, temperature = 5 }\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"config\.toml:2: \[generate\] temperature: must be 0\.\.2"):
        load_settings(home=home)


@pytest.mark.parametrize("text,line,shape", [
    ("# c\n[[generate]]\nseed = 1\n", 2, "an array of tables"),
    ('[retrieve]\nk = 2\n\n[[generate]]\nseed = 1\n[[generate]]\nseed = 2\n', 4, "an array of tables"),
    ("generate = [1, 2]\n", 1, "an array"),
    ("generate = 3\n", 1, "a value"),
])
def test_a_section_that_is_no_table_is_refused_naming_file_and_line(tmp_path, text, line, shape):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        set_config_value(path, "generate.seed", "3", home=Home(tmp_path / "h"))
    assert e.value.message == \
        f"{path}:{line}: cannot set generate.seed: [generate] is written as {shape}, not one table"
    assert e.value.hint == "edit the file by hand: make it one [generate] table"
    assert path.read_text(encoding="utf-8") == text


def test_an_inline_table_toml_forbids_is_refused_naming_its_line(tmp_path):
    """A multi-line inline table (TOML 1.0 forbids it: the file never loaded): the loader's own error, not an edit."""
    path = tmp_path / "config.toml"
    text = "# c\ngenerate = {\n  seed = 1 }\n"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"^{path}: invalid TOML: .*\(at line 2, column \d+\)") as e:
        set_config_value(path, "generate.seed", "3", home=Home(tmp_path / "h"))
    assert e.value.hint == "fix that line by hand, then set generate.seed"
    assert path.read_text(encoding="utf-8") == text
