import pytest

from ragtune.appliance.config import load_settings, settings_from_dict
from ragtune.appliance.errors import ConfigError
from ragtune.appliance.home import Home


@pytest.mark.product_defaults
def test_defaults_and_home_env(home):
    s = load_settings()
    assert s.home.root == home.root
    assert s.retrieve.k == 3 and s.ingest.chunk_tokens <= 254 and s.generate.answer_mode == "extractive"


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


@pytest.mark.parametrize("section,line,message", [
    ("[embed]\nthreads = true\n", 2, "must be a whole number, got true"),
    ("[retrieve]\ncache_ttl_s = inf\n", 2, "must be a finite number, got inf"),
    ("[retrieve]\nk = 4\nmmr_lambda = nan\n", 3, "must be a finite number, got nan"),
    ("[generate]\nanswer_cache = 1\n", 2, "must be true or false, got 1"),
    ("[retrieve]\nrerank_weight = 1.5\n", 2, "must be -1 (the reranker's own) or 0..1"),
    ("[retrieve]\nbm25_max_df = 0\n", 2, "must be in (0, 1]"),
    ("[retrieve]\nann_candidates = 5\n", 2, "must be 0 (by the index's size) or 10..5000"),
    ("[generate]\nmodel = 5\n", 2, "must be a string, got 5"),
    ("[generate]\nrefusal_threshold = \"sometimes\"\n", 2, "must be 0..1 or \"auto\""),
    ("[generate]\nrefusal_threshold = true\n", 2, "must be 0..1 or \"auto\""),
    ("[generate]\nmin_answer_logprob = 0.5\n", 2, "must be a number <= 0, \"auto\" or \"off\""),
    ("[generate]\nmin_answer_logprob = \"never\"\n", 2, "must be a number <= 0, \"auto\" or \"off\""),
    ("[ingest]\n\nextensions = [\".md\", \".exe\"]\n", 3, "no loader reads .exe"),
    ("[serve]\nqueue = 4\nbody_timeout_s = 0\n", 3, "[serve] body_timeout_s: must be seconds, > 0 and at most 3600"),
    ("[serve]\nbody_timeout_s = -1.5\n", 2, "must be seconds, > 0"),
    ("[serve]\nbody_timeout_s = 86400\n", 2, "at most 3600"),
    ("[serve]\nbody_timeout_s = \"30\"\n", 2, "must be a finite number, got \"30\""),
    ("[serve]\nbody_timeout_s = inf\n", 2, "must be a finite number, got inf"),
    ("[serve]\nbody_timeout_s = true\n", 2, "must be a finite number, got true"),
    ("[serve]\nshutdown_timeout_s = -1\n", 2, "[serve] shutdown_timeout_s: must be seconds, 0 (cut requests "
     "short at once) to 3600"),
    ("[serve]\nshutdown_timeout_s = 7200\n", 2, "to 3600"),
    ("[serve]\nshutdown_timeout_s = \"30\"\n", 2, "must be a finite number, got \"30\""),
    ("[serve]\nshutdown_timeout_s = nan\n", 2, "must be a finite number, got nan"),
    ("[serve]\nshutdown_timeout_s = false\n", 2, "must be a finite number, got false"),
    ("[serve]\nport = 8088\nbody_timeout = 30\n", 3, "unknown key(s) in [serve]: body_timeout"),
])
def test_hostile_values_name_file_line_and_key(tmp_path, section, line, message):
    """Issue 18 item 8: `threads = true` and `cache_ttl_s = inf` were accepted; an extension no loader reads made
    those files skipped silently."""
    p = tmp_path / "c.toml"
    p.write_text(section)
    with pytest.raises(ConfigError) as e:
        load_settings(p)
    assert str(e.value).startswith(f"{p}:{line}: ") and message in str(e.value)


@pytest.mark.parametrize("value", ["0", "-1", "5", "\"x\"", "true", "nan"])
def test_adapter_scale_must_be_a_number_up_to_4_or_auto(tmp_path, value):
    p = tmp_path / "c.toml"
    p.write_text(f"[generate]\nadapter_scale = {value}\n")
    with pytest.raises(ConfigError) as e:
        load_settings(p)
    assert str(e.value).startswith(f"{p}:2: [generate] adapter_scale: must be a number 0 < s <= 4 or \"auto\"")


@pytest.mark.parametrize("value, want", [("\"auto\"", "auto"), ("1.25", 1.25), ("4", 4), ("0.5", 0.5)])
def test_adapter_scale_accepted(tmp_path, value, want):
    p = tmp_path / "c.toml"
    p.write_text(f"[generate]\nadapter_scale = {value}\n")
    assert load_settings(p).generate.adapter_scale == want
    assert settings_from_dict({}).generate.adapter_scale == "auto"  # the default: the served adapter's own


@pytest.mark.product_defaults
def test_config_set_and_init(tmp_path):
    from ragtune.appliance.config_edit import init_config, set_config_value

    p = tmp_path / "h" / "config.toml"
    init_config(p)
    with pytest.raises(ConfigError, match="already exists"):
        init_config(p)
    assert load_settings(p).retrieve.k == 3  # everything commented out: defaults rule
    assert set_config_value(p, "retrieve.k", "4") == 4
    assert set_config_value(p, "generate.adapter", "a1b2c3d4") == "a1b2c3d4"  # a bare word for a text key
    assert set_config_value(p, "generate.adapter", "12345678") == "12345678"  # digits stay text for a text key
    assert set_config_value(p, "ingest.extensions", '[".md", ".txt"]') == [".md", ".txt"]
    s = load_settings(p)
    assert (s.retrieve.k, s.generate.adapter, s.ingest.extensions) == (4, "12345678", [".md", ".txt"])
    text = p.read_text()
    assert text.count("k = 4") == 1 and "# ragtune settings" in text  # comments kept, one line per key
    before = p.read_text()
    for dotted, value, msg in (("retrieve.k", "9", "must be 1..6"), ("retrieve.kk", "1", "unknown key"),
                               ("nope.k", "1", "unknown section"), ("embed.threads", "true", "whole number"),
                               ("k", "1", "SECTION.KEY")):
        with pytest.raises(ConfigError, match=msg):
            set_config_value(p, dotted, value)
    assert p.read_text() == before  # a bad value changes nothing


def test_config_cli_set_works_on_a_broken_file(tmp_path, capsys):
    from ragtune.cli import main

    home = tmp_path / "h"
    assert main(["--home", str(home), "config", "init"]) == 0
    (home / "config.toml").write_text("[retrieve]\nk = 99\n")
    assert main(["--home", str(home), "config", "show"]) == 2
    assert main(["--home", str(home), "config", "set", "retrieve.k", "3"]) == 0
    assert main(["--home", str(home), "config", "show", "--json"]) == 0
    assert '"k": 3' in capsys.readouterr().out


@pytest.mark.parametrize("content,line,message", [
    (b"[retrieve]\nk = 3\n# caf\xe9\n", 3, "cannot read config: not UTF-8 text (byte 0xe9 at column 6)"),
    (b"\xff\xfe[\x00", 1, "cannot read config: not UTF-8 text (byte 0xff at column 1)"),
    (b"[retrieve]\nk = 3\n\n[retreive]\nk = 4\n", 4, "unknown section(s): retreive"),
    (b"k = 3\n[retrieve]\nk = 4\n", 1, "unknown section(s): k"),
    (b"# settings\nretrieve = 5\n", 2, "[retrieve] must be a table"),
    (b"[ingest]\nextensions = []\n", 2, "[ingest] extensions: must be a non-empty list"),
])
def test_unreadable_files_and_misplaced_sections_name_the_line(tmp_path, content, line, message):
    """Sweep: a non-UTF-8 config printed the codec's message (a byte offset, no line); an unknown section or a
    top-level key named no line; `extensions = []` was accepted (every file then ignored)."""
    p = tmp_path / "c.toml"
    p.write_bytes(content)
    with pytest.raises(ConfigError) as e:
        load_settings(p)
    assert str(e.value).startswith(f"{p}:{line}: {message}")


def test_config_set_on_a_file_that_is_not_toml_says_so(tmp_path, capsys):
    """Sweep: `config set` on a config.toml that was already broken said the edit would break it."""
    from ragtune.cli import main

    home = tmp_path / "h"
    home.mkdir()
    (home / "config.toml").write_text("[retrieve]\nk = 3\n\n[retrieve\n")
    before = (home / "config.toml").read_text()
    assert main(["--home", str(home), "config", "set", "generate.seed", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {home / 'config.toml'}: invalid TOML: ") and "line 4" in err
    assert "without breaking" not in err and "fix that line by hand" in err
    assert (home / "config.toml").read_text() == before
    # an edit that repairs the broken line still works (the value line itself was the problem)
    (home / "config.toml").write_text("[retrieve]\nk = = 3\n")
    assert main(["--home", str(home), "config", "set", "retrieve.k", "4"]) == 0


def test_config_set_keeps_the_files_mode_and_its_symlink(tmp_path):
    """Sweep: `config set` (and `eval calibrate`, `config init --force`) replaced a 0600 config holding [serve]
    tokens by a world-readable one, and a symlinked config (dotfiles) by a plain file, leaving the target stale."""
    import os

    from ragtune.appliance.config_edit import init_config, set_config_value

    p = tmp_path / "config.toml"
    p.write_text('[serve]\ntokens = ["me:aaaaaaaaaaaaaaaaaaaaaaaa"]\n')
    p.chmod(0o600)
    set_config_value(p, "retrieve.k", "4")
    assert p.stat().st_mode & 0o777 == 0o600 and load_settings(p).retrieve.k == 4
    real = tmp_path / "dotfiles" / "ragtune.toml"
    real.parent.mkdir()
    real.write_text("[retrieve]\nk = 2\n")
    link = tmp_path / "linked.toml"
    link.symlink_to(real)
    set_config_value(link, "retrieve.k", "5")
    assert link.is_symlink() and load_settings(real).retrieve.k == 5
    init_config(link, force=True)
    assert link.is_symlink() and "# ragtune settings" in real.read_text()
    loop = tmp_path / "loop.toml"
    os.symlink(loop, loop)
    with pytest.raises(ConfigError, match="loop.toml: cannot write config"):
        set_config_value(loop, "retrieve.k", "5")


def test_a_config_link_to_nothing_is_an_error_not_the_defaults(tmp_path):
    home = Home(tmp_path)
    home.config_path.parent.mkdir(parents=True, exist_ok=True)
    home.config_path.symlink_to(home.config_path)  # a loop
    with pytest.raises(ConfigError, match="symbolic link"):
        load_settings(home=home)
    home.config_path.unlink()
    home.config_path.symlink_to(tmp_path / "gone.toml")
    with pytest.raises(ConfigError, match="symbolic link"):
        load_settings(home=home)


def test_serve_body_timeout_is_a_setting(tmp_path):
    p = tmp_path / "c.toml"
    p.write_text("[serve]\nbody_timeout_s = 2.5\n")
    assert load_settings(p).serve.body_timeout_s == 2.5
    assert settings_from_dict({}).serve.body_timeout_s == 30.0  # the default: a stalled upload gets 30 s


def test_serve_shutdown_timeout_is_a_setting(tmp_path):
    p = tmp_path / "c.toml"
    p.write_text("[serve]\nshutdown_timeout_s = 5\n")
    assert load_settings(p).serve.shutdown_timeout_s == 5
    p.write_text("[serve]\nshutdown_timeout_s = 0\n")  # no grace: requests in flight are cut short at once
    assert load_settings(p).serve.shutdown_timeout_s == 0
    assert settings_from_dict({}).serve.shutdown_timeout_s == 30.0  # the default: 30 s for requests in flight


def test_serve_tokens_too_short_are_refused_where_the_config_is_read():
    with pytest.raises(ConfigError, match=r"\[serve\] tokens: .*16 characters"):
        settings_from_dict({"serve": {"tokens": ["alice:short"]}})
    settings_from_dict({"serve": {"tokens": ["alice:" + "s" * 16, "t" * 16]}})


def test_config_sets_at_once_keep_every_value(tmp_path, monkeypatch):
    """Crash sweep: eight `ragtune config set`s started together kept about half of the values (each read the
    file, then replaced it with its own edit). Edits now run one after the other."""
    import threading
    import time

    from ragtune.appliance import config_edit
    from ragtune.appliance.config_edit import init_config, set_config_value

    p = tmp_path / "config.toml"
    init_config(p)
    write = config_edit._write_config

    def slow_write(path, text):  # both edits have read the file before either writes: the race, every time
        time.sleep(0.2)
        write(path, text)

    monkeypatch.setattr(config_edit, "_write_config", slow_write)
    sets = [("retrieve.k", "5"), ("retrieve.candidates", "40"), ("ingest.chunk_tokens", "200")]
    threads = [threading.Thread(target=set_config_value, args=kv) for kv in [(p, *x) for x in sets]]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    s = load_settings(p)
    assert (s.retrieve.k, s.retrieve.candidates, s.ingest.chunk_tokens) == (5, 40, 200)
    assert sorted(x.name for x in tmp_path.iterdir()) == ["config.toml"]  # no lock or temporary file left


def test_model_references_remember_their_config_line(tmp_path):
    # a reference is resolved far from the file (registry, model files): its value keeps the file and line, so the
    # resolver's error can name them; a value a flag or code sets instead is a plain string
    import copy
    import pickle

    from ragtune.appliance.config import dump_toml

    p = tmp_path / "c.toml"
    p.write_text('[embed]\nthreads = 1\nmodel = "e1"\n\n[generate]\nadapter = "a1"\nmodel = "m.gguf"\n'
                 '[retrieve]\nrerank = "r1"\n')
    s = load_settings(p)
    assert s.embed.model == "e1" and s.embed.model.origin == f"{p}:3: [embed] model"
    assert s.generate.adapter.origin == f"{p}:6: [generate] adapter"
    assert s.generate.model.origin == f"{p}:7: [generate] model"
    assert s.retrieve.rerank.origin == f"{p}:9: [retrieve] rerank"
    assert pickle.loads(pickle.dumps(s.embed.model)).origin == s.embed.model.origin  # serve's workers
    assert copy.deepcopy(s).embed.model.origin == s.embed.model.origin
    assert 'model = "e1"' in dump_toml(s)
    changed = s.replace("generate", model="flag.gguf")
    assert not hasattr(changed.generate.model, "origin") and changed.generate.adapter.origin  # only what changed
    assert not hasattr(settings_from_dict({"embed": {"model": "e1"}}).embed.model, "origin")  # no file, no line
    assert not hasattr(load_settings(p).embed.threads, "origin")  # only model references


def test_cli_names_the_config_line_of_a_model_that_does_not_resolve(home, tmp_path, capsys):
    from ragtune.cli import main

    home.root.mkdir(parents=True, exist_ok=True)
    home.config_path.write_text('[embed]\nthreads = 1\nmodel = "nope"\n')
    doc = tmp_path / "a.md"
    doc.write_text("# A\n\nSome text.\n")
    assert main(["ingest", str(doc)]) == 3
    err = capsys.readouterr().err
    assert f"error: {home.config_path}:3: [embed] model: unknown embedder 'nope'" in err and "hint:" in err
    assert "Traceback" not in err


def test_config_set_refuses_more_than_one_value_and_a_device(tmp_path):
    """Sweep: `config set retrieve.k $'4\\n[other]'` stored 4 and dropped the rest without a word; `--config
    /dev/null config set …` renamed a file over the device (as root) or reported a setting that went nowhere."""
    import os

    from ragtune.appliance.config_edit import _write_config, set_config_value

    p = tmp_path / "config.toml"
    p.write_text("[retrieve]\nk = 3\n")
    for raw in ("4\n[bogus]", '"x"\n[retrieve]\nk = 5', "4\nk2 = 5"):
        key = "generate.adapter" if raw.startswith('"') else "retrieve.k"
        with pytest.raises(ConfigError, match="more than one TOML value"):
            set_config_value(p, key, raw)
    assert p.read_text() == "[retrieve]\nk = 3\n"
    assert set_config_value(p, "retrieve.k", "4  # a comment") == 4
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError, match="not a regular file"):
        _write_config(fifo, "[retrieve]\nk = 4\n")


def test_config_set_reads_a_capped_file(tmp_path):
    """`--config /dev/zero config set retrieve.k 3` read the device until memory ran out (the loader's read is
    capped at 4 MB; the editor's was not). A CRLF file is still edited as before: its lines written with "\\n"."""
    import os
    from pathlib import Path

    from ragtune.appliance.config_edit import set_config_value

    if os.path.exists("/dev/zero"):
        with pytest.raises(ConfigError, match="/dev/zero: cannot read config: larger than 4 MB"):
            set_config_value(Path("/dev/zero"), "retrieve.k", "3")
    p = tmp_path / "config.toml"
    p.write_bytes(b"[retrieve]\r\nk = 3\r\n")
    assert set_config_value(p, "retrieve.k", "5") == 5
    assert p.read_bytes() == b"[retrieve]\nk = 5\n"
