"""`config set` keeps a user's notes (ragtune/appliance/config_edit.py `set_in_toml`, tomltext.py `value_end`): the
comment after the value it rewrites stays, with its spacing; `#` inside a string is no comment; a value over several
lines (an array, a multi-line string) is replaced whole; other lines are kept byte for byte."""

from __future__ import annotations

import pytest

from ragtune.appliance.config import load_settings
from ragtune.appliance.config_edit import set_config_value, set_in_toml
from ragtune.appliance.tomltext import loads, value_end
from ragtune.cli import main


@pytest.mark.parametrize("before,after", [
    ('model = "x.gguf"  # the big one\n', 'model = "new.gguf"  # the big one\n'),  # was: the note dropped
    ('model = "x.gguf"# tight\n', 'model = "new.gguf"# tight\n'),
    ('  model = "x.gguf"   # indented\n', '  model = "new.gguf"   # indented\n'),
    ('model = "a#b.gguf"  # c "q" # d\n', 'model = "new.gguf"  # c "q" # d\n'),  # `#` in the value is no comment
    ('model = "a\\"#b"  # escaped quote\n', 'model = "new.gguf"  # escaped quote\n'),
    ('model = "a\\\\"  # a backslash ends it\n', 'model = "new.gguf"  # a backslash ends it\n'),
    ("model = 'a\\'  # a literal has no escapes\n", 'model = "new.gguf"  # a literal has no escapes\n'),
    ("model = '#'#'\n", "model = \"new.gguf\"#'\n"),
    ('model = """two\n# lines"""  # after\n', 'model = "new.gguf"  # after\n'),
    ('model = """q""""  # a quote before the close\n', 'model = "new.gguf"  # a quote before the close\n'),
    ("model = '''a\n'#'''  # literal\n", 'model = "new.gguf"  # literal\n'),
    ('model = "x.gguf"   \n', 'model = "new.gguf"\n'),  # trailing blanks: not kept
    ('model = "x.gguf" junk\n', 'model = "new.gguf"\n'),  # not TOML after it: replaced, as before (repairs it)
    ('model = "never closed  # c\n', 'model = "new.gguf"\n'),  # a value that never ends: the line, as before
    ('model = "x.gguf"', 'model = "new.gguf"\n'),  # no final newline
])
def test_the_comment_after_a_rewritten_value_is_kept(before, after):
    text = f"# my settings\n[generate]\n{before}seed = 1  # other line\n" if before.endswith("\n") else \
        f"# my settings\n[generate]\n{before}"
    want = f"# my settings\n[generate]\n{after}seed = 1  # other line\n" if before.endswith("\n") else \
        f"# my settings\n[generate]\n{after}"
    got = set_in_toml(text, "generate", "model", "new.gguf")
    assert got == want
    assert loads(got)["generate"]["model"] == "new.gguf"


def test_a_multi_line_array_is_replaced_whole():
    """Was: only its first line replaced, the rest left behind: a broken file, refused with "edit the file by hand"."""
    text = ('[ingest]\nextensions = [\n  ".md",   # markdown\n  ".txt",  # "]" in a comment\n  "#x",\n]  # kinds\n'
            'max_file_mb = 3\n\n[retrieve]\nk = 4 # four\n')
    got = set_in_toml(text, "ingest", "extensions", [".pdf"])
    assert got == '[ingest]\nextensions = [".pdf"]  # kinds\nmax_file_mb = 3\n\n[retrieve]\nk = 4 # four\n'
    nested = '[x]\nv = [[1, 2], {a = "]"},\n  [3]]  # n\nw = 1\n'
    assert set_in_toml(nested, "x", "v", 5) == "[x]\nv = 5  # n\nw = 1\n"


def test_value_end():
    text = 'v = [1, [2], "]"]   # c\n'
    assert text[value_end(text, 4):] == "   # c\n"
    assert value_end('v = "open', 4) is None and value_end("v = [1,\n2", 4) is None
    assert value_end('v = "a\n"', 4) is None  # a one-line string cut by the line's end
    assert value_end("v = 3", 4) == 5


def test_config_set_keeps_the_notes_of_the_file(tmp_path, capsys):
    home = tmp_path / "h"
    home.mkdir()
    cfg = home / "config.toml"
    cfg.write_text('# mine\n[retrieve]\nk = 3  # three sources: the adapter was trained so\n\n[generate]\n'
                   'seed = 7  # reproducible\n', encoding="utf-8")
    assert main(["--home", str(home), "config", "set", "retrieve.k", "4"]) == 0
    assert main(["--home", str(home), "config", "set", "generate.seed", "8"]) == 0
    assert cfg.read_text(encoding="utf-8") == ('# mine\n[retrieve]\nk = 4  # three sources: the adapter was trained '
                                                'so\n\n[generate]\nseed = 8  # reproducible\n')
    set_config_value(cfg, "ingest.extensions", '[".md", ".txt"]')
    cfg.write_text(cfg.read_text(encoding="utf-8").replace('[".md", ".txt"]', '[\n  ".md",\n  ".txt",\n]  # two'),
                   encoding="utf-8")
    assert set_config_value(cfg, "ingest.extensions", '[".pdf"]') == [".pdf"]
    assert 'extensions = [".pdf"]  # two\n' in cfg.read_text(encoding="utf-8")
    assert load_settings(cfg).ingest.extensions == [".pdf"]
