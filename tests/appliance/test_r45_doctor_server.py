"""Round 45: `ragtune doctor` with `generate.backend = "openai"` checks the generation server (remote.check_server:
it answers, serves the configured names and our tokenizer, applies grammars); was: all ok with the server down."""

from __future__ import annotations

from ragtune.appliance import remote
from ragtune.appliance.doctor import diagnose
from ragtune.appliance.errors import GenerationError
from ragtune.appliance.home import Home

CONFIG = '[generate]\nbase_url = "http://127.0.0.1:9/v1"\nbackend = "openai"\nadapter = "none"\n'


def _home(tmp_path, config=CONFIG):
    home = Home(tmp_path / "home")
    home.root.mkdir()
    (home.root / "config.toml").write_text(config)
    return home


def _line(rep):
    return next((c for c in rep.checks if c.name == "generation server"), None)


def test_doctor_says_a_server_that_does_not_answer(tmp_path, monkeypatch):
    seen = []

    def down(cfg, home=None, *, adapter=None, client=None):
        seen.append((cfg.base_url, adapter))
        raise GenerationError("the generation server at http://127.0.0.1:9/v1 is unreachable: connection refused",
                              hint="start it, or set [generate] base_url")

    monkeypatch.setattr(remote, "check_server", down)
    line = _line(diagnose(_home(tmp_path), quick=True))
    assert line is not None and line.status == "fail" and "unreachable" in line.detail
    assert "base_url" in line.hint and seen == [("http://127.0.0.1:9/v1", None)]  # adapter none: the base's name


def test_doctor_says_what_the_server_serves(tmp_path, monkeypatch):
    monkeypatch.setattr(remote, "check_server", lambda cfg, home=None, adapter=None, client=None:
                        ("ok", "http://127.0.0.1:9/v1 serves 'smollm2'; grammar applied", None))
    line = _line(diagnose(_home(tmp_path), quick=True))
    assert line is not None and (line.status, line.detail) == ("ok", "http://127.0.0.1:9/v1 serves 'smollm2'; "
                                                                      "grammar applied")


def test_the_local_backend_has_no_server_line(tmp_path, monkeypatch):
    monkeypatch.setattr(remote, "check_server", lambda *a, **k: (_ for _ in ()).throw(AssertionError("called")))
    assert _line(diagnose(_home(tmp_path, "[generate]\nadapter = \"none\"\n"), quick=True)) is None
