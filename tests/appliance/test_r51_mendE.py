"""Round 51, mender E (reviewer rE's findings on bring-your-own-model): a GGUF whose default chat template is fine but
whose named one (`tokenizer.chat_template.tool_use`) llama-cpp-python cannot compile is refused by `config set` and
failed by `doctor`, naming the key (it passed both, then every `ask` and `serve` stopped on it); `models list` with a
served model file that cannot be read shows the list (was "error: Input/output error", exit 74); doctor's template
hint is the generator's; serve's start-up check is the engine's public `check_fits`, and counts an empty question's
prompt once."""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from ragtune.cli import main
from tests.appliance.byo_gguf_build import FAMILIES, build_gguf

KEY = "tokenizer.chat_template.tool_use"
BROKEN = "{% for m in messages %}{{ m.content | nosuchfilter }}{% endfor %}"
GOOD = "{% for m in messages %}{{ m.content }}{% endfor %}"


@pytest.fixture
def gguf_deps():
    pytest.importorskip("gguf")
    pytest.importorskip("tokenizers")
    pytest.importorskip("llama_cpp.llama_chat_format")


def test_a_broken_named_template_stops_the_model_load(gguf_deps, settings, tmp_path):
    """The premise: llama-cpp-python compiles the named template too, so such a model cannot answer at all."""
    from ragtune.appliance.errors import ModelError
    from ragtune.appliance.generate import LlamaGenerator

    f = build_gguf(tmp_path / "tool.gguf", "qwen", named_templates={"tool_use": BROKEN})
    with pytest.raises(ModelError, match="No filter named 'nosuchfilter'"):
        LlamaGenerator(settings.generate, model=str(f)).load()


def test_config_set_refuses_a_model_whose_named_template_cannot_be_compiled(gguf_deps, tmp_path, capsys):
    f = build_gguf(tmp_path / "tool.gguf", "qwen", named_templates={"tool_use": BROKEN})
    home = tmp_path / "h"
    assert main(["--home", str(home), "models", "add", str(f), "--kind", "base-gguf", "--name", "tool"]) == 0
    capsys.readouterr()
    for ref in ("tool", str(f)):  # by name (registry) and by path
        assert main(["--home", str(home), "config", "set", "generate.model", ref]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"error: generate.model: {f}: its chat template {KEY} cannot be read"), err
        assert "No filter named 'nosuchfilter'" in err and f"--remove-metadata {KEY}" in err, err
    assert not (home / "config.toml").exists() or "tool" not in (home / "config.toml").read_text()


def test_a_good_named_template_is_taken(gguf_deps, tmp_path, capsys):
    f = build_gguf(tmp_path / "tool.gguf", "qwen", named_templates={"tool_use": GOOD})
    assert main(["--home", str(tmp_path / "h"), "config", "set", "generate.model", str(f)]) == 0


def _doctor_model_lines(home, capsys) -> list[dict]:
    capsys.readouterr()
    main(["--home", str(home), "doctor", "--quick", "--json"])  # other lines may fail on a bare home
    return [c for c in json.loads(capsys.readouterr().out)["checks"] if c["name"] == "model"]


def test_doctor_fails_a_broken_named_template(gguf_deps, tmp_path, capsys):
    f = build_gguf(tmp_path / "tool.gguf", "qwen", named_templates={"tool_use": BROKEN})
    home = tmp_path / "h"
    home.mkdir()
    (home / "config.toml").write_text(f'[generate]\nmodel = "{f}"\n')  # set by hand: config set refuses it
    fails = [c for c in _doctor_model_lines(home, capsys) if c["status"] == "fail"]
    assert len(fails) == 1 and fails[0]["detail"].startswith(f"{f}: its chat template {KEY} cannot be read"), fails
    assert f"--remove-metadata {KEY}" in fails[0]["hint"]


def test_doctor_hint_for_the_default_template_is_the_generators(gguf_deps, tmp_path, capsys, monkeypatch):
    from ragtune.appliance.chat_template import TEMPLATE_HINT

    arch, _, specials, eot = FAMILIES["qwen"]
    monkeypatch.setitem(FAMILIES, "bad", (arch, BROKEN, specials, eot))
    f = build_gguf(tmp_path / "bad.gguf", "bad")
    home = tmp_path / "h"
    home.mkdir()
    (home / "config.toml").write_text(f'[generate]\nmodel = "{f}"\n')
    fails = [c for c in _doctor_model_lines(home, capsys) if c["status"] == "fail"]
    assert [c["hint"] for c in fails] == [TEMPLATE_HINT], fails
    assert "tokenizer.chat_template)" in fails[0]["detail"]


def test_template_errors_names_each_broken_key():
    pytest.importorskip("llama_cpp.llama_chat_format")
    from ragtune.appliance.chat_template import template_errors

    meta = {"tokenizer.chat_template": GOOD, KEY: BROKEN, "tokenizer.chat_template.rag": GOOD,
            "tokenizer.chat_templates": ["tool_use", "rag"]}
    errors = template_errors(meta, "m.gguf")
    assert [e.message.split(" cannot")[0] for e in errors] == [f"m.gguf: its chat template {KEY}"]
    assert template_errors({"tokenizer.chat_template": GOOD}, "m.gguf") == []


@pytest.mark.skipif(not os.path.isfile("/proc/self/mem"), reason="needs /proc/self/mem (a file no read succeeds on)")
def test_models_list_with_an_unreadable_model_file(tmp_path, capsys):
    home = tmp_path / "h"
    home.mkdir()
    (home / "config.toml").write_text('[generate]\nmodel = "/proc/self/mem"\n')
    assert main(["--home", str(home), "models", "list"]) == 0, capsys.readouterr().err
    capsys.readouterr()
    assert main(["--home", str(home), "models", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["served_model"] is None


class _Counting:
    def __init__(self):
        self.calls = 0

    def count_tokens(self, msgs):
        self.calls += 1
        return 100


def test_an_empty_question_is_counted_once():
    from ragtune.appliance.errors import ConfigError, InputError
    from ragtune.appliance.question_fit import check_question_fits

    gen = _Counting()
    with pytest.raises(ConfigError, match=r"the instructions \(100 tokens\)"):
        check_question_fits(gen, "", n_ctx=200, max_tokens=128)
    assert gen.calls == 1
    gen = _Counting()
    with pytest.raises(ConfigError):  # a question: its prompt, then the instructions alone
        check_question_fits(gen, "why?", n_ctx=200, max_tokens=128)
    assert gen.calls == 2
    with pytest.raises(InputError):
        check_question_fits(SimpleNamespace(count_tokens=lambda m: 100 + len(m[-1]["content"])), "x" * 200,
                            n_ctx=300, max_tokens=128)


def test_serve_start_checks_the_engines_public_check_fits():
    from ragtune.appliance.answer import AnswerEngine
    from ragtune.serve.server import _model_loader

    assert callable(getattr(AnswerEngine, "check_fits", None))
    seen = []
    gen = SimpleNamespace()
    engine = SimpleNamespace(generator=gen, check_fits=lambda g: seen.append(g))
    state = SimpleNamespace(router=SimpleNamespace(served_default=lambda: None))
    _model_loader(state)(engine)
    assert seen == [gen]


def test_a_named_template_broken_at_load_names_its_key_and_hint(tmp_path):
    # round 51: the load's TemplateError is said as the header's own account (the key, --remove-metadata)
    from ragtune.appliance.ggufinfo import load_template_error

    p = build_gguf(tmp_path / "named.gguf", "qwen", named_templates={"tool_use": BROKEN})
    err = load_template_error(Path(p), ValueError("No filter named 'nosuchfilter'."))
    assert "tokenizer.chat_template.tool_use" in err.message and "--remove-metadata" in (err.hint or "")
