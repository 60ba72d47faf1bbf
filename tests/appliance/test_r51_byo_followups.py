"""Round 51, bring-your-own-model follow-ups (with byo_gguf_build.py's tiny real GGUFs): a model whose chat template
llama-cpp-python cannot compile, named in a hand-edited config, is a ModelError at `ask` and `serve` (was "internal
error: TemplateAssertionError", exit 70); a 512-token n_ctx whose instructions and answer's room leave no room for a
question says which settings to change (was "shorten the question"); `doctor` says why the built-in adapter does not
serve on another model; `models add` shows the header's architecture and context; `models list` no longer calls the
built-in adapter "the default" unqualified while another model is served."""

from __future__ import annotations

import json

import pytest

from ragtune.cli import main
from tests.appliance.byo_gguf_build import FAMILIES, build_gguf

pytest.importorskip("gguf")
pytest.importorskip("tokenizers")
pytest.importorskip("llama_cpp.llama_chat_format")

BROKEN = {  # what Llama() compiles at load and rejects
    "unknown-filter": ("{% for m in messages %}{{ m.content | nosuchfilter }}{% endfor %}", "No filter named"),
    "syntax": ("{% for m in messages %}{{ m['content'] }}{% endfor", "unexpected end of template"),
}


def _broken(tmp_path, monkeypatch, case):
    arch, _, specials, eot = FAMILIES["qwen"]
    monkeypatch.setitem(FAMILIES, case, (arch, BROKEN[case][0], specials, eot))
    return build_gguf(tmp_path / f"{case}.gguf", case)


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_template_llama_cpp_cannot_compile_is_a_model_error_naming_the_file(settings, tmp_path, monkeypatch, case):
    from ragtune.appliance.chat_template import TEMPLATE_HINT
    from ragtune.appliance.errors import ModelError
    from ragtune.appliance.generate import LlamaGenerator

    f = _broken(tmp_path, monkeypatch, case)
    with pytest.raises(ModelError) as exc:
        LlamaGenerator(settings.generate, model=str(f))
    assert exc.value.message.startswith(f"{f}: its chat template cannot be read: ") and BROKEN[case][1] in \
        exc.value.message, exc.value.message
    assert exc.value.hint == TEMPLATE_HINT


def test_ask_and_serve_say_the_template_cannot_be_read(home, tmp_path, monkeypatch, capsys, loopback):
    """The model set by hand in config.toml (`config set` refuses it): `ask` exits 3 with the message, not 70 with
    "internal error"; `serve` stops with it while loading, before it listens."""
    import ragtune.serve.server as server
    from ragtune.serve import wire

    f = _broken(tmp_path, monkeypatch, "unknown-filter")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "leave.md").write_text("Full-time employees get 25 days of annual leave per calendar year.\n")
    assert main(["ingest", str(docs)]) == 0
    home.ensure()
    (home.root / "config.toml").write_text(f'[generate]\nmodel = "{f}"\n')
    capsys.readouterr()
    assert main(["ask", "How many days of annual leave?"]) == 3
    err = capsys.readouterr().err
    assert f"error: {f}: its chat template cannot be read: No filter named 'nosuchfilter'" in err, err
    assert "gguf-new-metadata" in err and "internal error" not in err
    ran: list[bool] = []
    monkeypatch.setattr(server, "uvicorn_config", lambda app, settings, log_level="info", **kw: None)
    monkeypatch.setattr(wire.HangupServer, "__init__", lambda self, config: None)
    monkeypatch.setattr(wire.HangupServer, "run", lambda self, sockets=None: ran.append(True))
    assert main(["serve", "--host", "127.0.0.1", "--port", "0"]) == 3
    err = capsys.readouterr().err
    assert f"error: {f}: its chat template cannot be read" in err and "internal error" not in err, err
    assert ran == []  # it never listened


def test_instructions_and_max_tokens_past_n_ctx_name_the_settings(settings, tmp_path):
    """A model served at n_ctx 512 (trained on 512) with max_tokens 256: no question fits beside the instructions,
    so the message names n_ctx and max_tokens, not the question. A long question at max_tokens 64 is still the
    question's."""
    from ragtune.appliance.answer import AnswerEngine
    from ragtune.appliance.errors import ConfigError, InputError
    from tests.appliance.test_answer import FakeRetriever, _hits

    model = build_gguf(tmp_path / "m.gguf", "llama3", n_ctx_train=512)
    s = settings.replace("generate", model=str(model), threads=1, threads_batch=1, n_ctx=512, max_tokens=256)
    with AnswerEngine(s, retriever=FakeRetriever(_hits())) as eng:
        with pytest.raises(ConfigError) as exc:
            eng.ask("How many days of annual leave?", use_cache=False)
    msg = exc.value.message
    assert msg.startswith("the instructions (") and "tokens) and the answer's room (max_tokens 256) exceed n_ctx " \
        "(512)" in msg, msg
    n = int(msg.split("(")[1].split(" ")[0])
    assert 256 < n + 256 and n < 512  # the instructions alone fit; with the answer's room they do not
    assert exc.value.hint == "raise generate.n_ctx or lower generate.max_tokens"
    s = s.replace("generate", max_tokens=64)
    with AnswerEngine(s, retriever=FakeRetriever(_hits())) as eng:
        with pytest.raises(InputError) as exc2:
            eng.ask(" ".join(f"clause{i}" for i in range(120)) + "?", use_cache=False)
    assert not isinstance(exc2.value, ConfigError) and exc2.value.hint == "shorten the question"


def _serve_another(home, tmp_path, capsys):
    """The built-in adapter installed (made for the default model) and the tiny Qwen model served by name."""
    from tests.gguf_helpers import write_builtin

    write_builtin(tmp_path / "builtin-adapters")  # the folder conftest points RAGTUNE_BUILTIN_ADAPTERS at
    f = build_gguf(tmp_path / "qwen.gguf", "qwen")
    assert main(["models", "add", str(f), "--kind", "base-gguf", "--name", "ours"]) == 0
    assert main(["config", "set", "generate.model", "ours"]) == 0
    capsys.readouterr()
    from ragtune.appliance.hashing import sha256_path

    return sha256_path(f)


def test_doctor_says_why_the_base_model_answers(home, tmp_path, capsys):
    _serve_another(home, tmp_path, capsys)
    main(["doctor", "--quick", "--json"])  # other lines may fail on a bare home: the adapter line is the point
    (line,) = [c for c in json.loads(capsys.readouterr().out)["checks"] if c["name"] == "adapter"]
    assert line["status"] == "ok" and line["detail"] == (
        "[generate] adapter = 'default': the base model answers (none): the built-in adapter ragtune-default was "
        "trained on smollm2-135m-instruct-q4_1 (b179c9523d0e), not on this model"), line
    assert main(["config", "set", "generate.adapter", "none"]) == 0
    capsys.readouterr()
    main(["doctor", "--quick", "--json"])
    (line,) = [c for c in json.loads(capsys.readouterr().out)["checks"] if c["name"] == "adapter"]
    assert line["detail"] == "[generate] adapter = 'none': the base model answers (none)"  # chosen: no why


@pytest.mark.parametrize("family,n_ctx,words", [("qwen", 4096, "(qwen2, context 4096)"),
                                                ("llama3", 512, "(llama, context 512)")])
def test_models_add_line_ends_with_architecture_and_context(home, tmp_path, capsys, family, n_ctx, words):
    f = build_gguf(tmp_path / f"{family}.gguf", family, n_ctx_train=n_ctx)
    assert main(["models", "add", str(f), "--kind", "base-gguf", "--name", "ours"]) == 0
    out = capsys.readouterr().out.splitlines()
    from ragtune.appliance.hashing import sha256_path

    assert out == [f"{sha256_path(f)}  base-gguf  ours  {words}"], out  # its start as before
    assert main(["models", "add", str(f), "--kind", "base-gguf", "--json"]) == 0
    assert "architecture" not in json.loads(capsys.readouterr().out)  # --json: the manifest, unchanged


def test_models_list_calls_the_builtin_the_default_for_its_base_only(home, tmp_path, capsys):
    model_id = _serve_another(home, tmp_path, capsys)
    assert main(["models", "list"]) == 0
    out = capsys.readouterr().out
    (line,) = [x for x in out.splitlines() if "ragtune-default" in x]
    assert not line.startswith("*") and "(built-in adapter, the default for its base smollm2-135m-instruct-q4_1 " \
        "only, not the served model; go: true)" in line, out
    assert main(["models", "list", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert {"active_adapter", "served_adapter", "artifacts", "rollout"} <= set(d)  # the keys it had
    assert d["served_model"] == model_id and d["served_adapter"] == "none"
