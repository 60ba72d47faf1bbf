"""Round 47, bringing your own chat model: its chat template (chat_template.py), what `models add` / `models show` /
`doctor` say of it (ggufinfo.model_facts, check_whole), for the shapes people bring: Llama 3, Qwen/chatml, Phi-3,
Gemma (no system role), Mistral [INST], no template, a template this Jinja cannot read, a split GGUF, an embedding
model, a small training context."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from ragtune.appliance.errors import ModelError
from ragtune.cli import main
from tests.gguf_helpers import _s

pytest.importorskip("llama_cpp.llama_chat_format")

# The templates as their models ship them (abridged where they handle tools).
CHATML = ("{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\\n"
          "You are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\\n' }}{% endif %}{{'<|im_start|>' "
          "+ message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}"
          "{{ '<|im_start|>assistant\\n' }}{% endif %}")
LLAMA3 = ("{% for message in messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'"
          "+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}"
          "{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>"
          "\\n\\n' }}{% endif %}")
GEMMA = ("{{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}"
         "{% endif %}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
         "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
         "{% if (message['role'] == 'assistant') %}{% set role = 'model' %}{% else %}{% set role = message['role'] %}"
         "{% endif %}{{ '<start_of_turn>' + role + '\\n' + message['content'] | trim + '<end_of_turn>\\n' }}{% endfor %}"
         "{% if add_generation_prompt %}{{'<start_of_turn>model\\n'}}{% endif %}")
MISTRAL = ("{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
           "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
           "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == "
           "'assistant' %}{{ message['content'] + eos_token}}{% else %}{{ raise_exception('Only user and assistant roles "
           "are supported!') }}{% endif %}{% endfor %}")
PHI3_V1 = ("{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') %}{{'<|user|>' + '\\n' + "
           "message['content'] + '<|end|>' + '\\n' + '<|assistant|>' + '\\n'}}{% elif (message['role'] == 'assistant') %}"
           "{{message['content'] + '<|end|>' + '\\n'}}{% endif %}{% endfor %}")  # drops a system turn, silently
DO_TAG = "{% for message in messages %}{% do message.update({'x': 1}) %}{{ message['content'] }}{% endfor %}"
ALWAYS_RAISES = "{{ raise_exception('this template renders nothing') }}"


def _msgs():
    from ragtune.appliance.prompt import SYSTEM_PROMPT, messages

    return messages(SYSTEM_PROMPT, [{"id": "S1", "text": "The standard week is 37.5 hours."}], "How long is the week?")


def _direct(template: str, msgs, bos="<s>", eos="</s>") -> str:
    """What generate.py rendered before: llama-cpp-python's formatter on the messages as they are."""
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    return Jinja2ChatFormatter(template=template, eos_token=eos, bos_token=bos, add_generation_prompt=True)(
        messages=list(msgs)).prompt


@pytest.mark.parametrize("template", [CHATML, LLAMA3], ids=["chatml", "llama3"])
def test_a_template_with_a_system_role_renders_the_prompt_byte_identical(template):
    from ragtune.appliance.chat_template import KEPT, ChatTemplate

    t = ChatTemplate(template, bos_token="<s>", eos_token="</s>")
    assert t.system == KEPT
    assert t.render(_msgs()) == _direct(template, _msgs())


def test_the_default_models_own_template_renders_byte_identical():
    """SmolLM2's prompt (the default model's GGUF, read from its header) must not change by a byte."""
    from ragtune.appliance import default_models
    from ragtune.appliance.chat_template import KEPT, ChatTemplate
    from ragtune.appliance.ggufinfo import read_gguf

    try:
        path = default_models.locate_all("smollm2-135m-instruct-q4_1", verify=False)[0]
    except Exception:  # noqa: BLE001 - not fetched on this machine
        pytest.skip("the default model is not in the model cache")
    template = read_gguf(path).metadata["tokenizer.chat_template"]
    t = ChatTemplate(template, bos_token="<|im_start|>", eos_token="<|im_end|>")
    assert t.system == KEPT
    assert t.render(_msgs()) == _direct(template, _msgs(), "<|im_start|>", "<|im_end|>")


@pytest.mark.parametrize("template,head", [
    (GEMMA, "<s><start_of_turn>user\nYou answer questions"),
    (MISTRAL, "<s>[INST] You answer questions"),
    (PHI3_V1, "<s><|user|>\nYou answer questions"),
], ids=["gemma", "mistral", "phi3-v1"])
def test_a_template_without_a_system_role_gets_the_instructions_in_the_user_turn(template, head):
    """Gemma's and Mistral's templates raised "System role not supported" at every answer (`ask`: internal error,
    exit 70); Phi-3's first template dropped the instructions without a word."""
    from ragtune.appliance.chat_template import FOLDED, ChatTemplate
    from ragtune.appliance.prompt import SYSTEM_PROMPT

    t = ChatTemplate(template, bos_token="<s>", eos_token="</s>")
    assert t.system == FOLDED
    text = t.render(_msgs())
    assert text.startswith(head), text[:80]
    assert text.count(SYSTEM_PROMPT) == 1
    assert f"{SYSTEM_PROMPT}\n\nContext:\n[S1] The standard week is 37.5 hours." in text
    assert "Question: How long is the week?" in text


@pytest.mark.parametrize("template,words", [
    (DO_TAG, "cannot be read (line 1): Encountered unknown tag 'do'"),
    (ALWAYS_RAISES, "cannot render a question: ValueError: this template renders nothing"),
], ids=["unknown-tag", "always-raises"])
def test_a_template_that_cannot_render_is_a_model_error_naming_the_file(template, words):
    from ragtune.appliance.chat_template import ChatTemplate

    with pytest.raises(ModelError) as e:
        ChatTemplate(template, path="/m/x.gguf")
    assert e.value.message.startswith("/m/x.gguf: its chat template (tokenizer.chat_template) ")
    assert words in e.value.message and "gguf-new-metadata" in e.value.hint


def test_fold_system_keeps_the_other_turns():
    from ragtune.appliance.chat_template import fold_system

    msgs = [{"role": "system", "content": "S"}, {"role": "user", "content": "U"}]
    assert fold_system(msgs) == [{"role": "user", "content": "S\n\nU"}]
    assert msgs[1]["content"] == "U"  # the caller's messages are not changed
    assert fold_system([{"role": "system", "content": "S"}]) == [{"role": "user", "content": "S"}]
    assert fold_system([{"role": "user", "content": "U"}]) == [{"role": "user", "content": "U"}]


# -- headers: what is refused, what is shown -------------------------------------------------------------------------
def _gguf(path: Path, kv: dict, tensors: dict[str, tuple[int, ...]] | None = None, ftype: int = 0) -> Path:
    """A GGUF with these string/int metadata and F32 tensors of these shapes (zeros)."""
    tensors = tensors if tensors is not None else {"token_embd.weight": (4, 2)}
    head = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kv))
    for k, v in kv.items():
        head += _s(k) + (struct.pack("<I", 4) + struct.pack("<I", v) if isinstance(v, int)
                         else struct.pack("<I", 8) + _s(v))
    data, offset = b"", 0
    for name, dims in tensors.items():
        n = 1
        for d in dims:
            n *= d
        head += _s(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
        head += struct.pack("<IQ", ftype, offset)
        chunk = b"\0" * (4 * n)
        chunk += b"\0" * (-len(chunk) % 32)
        data, offset = data + chunk, offset + len(chunk)
    head += b"\0" * (-len(head) % 32)
    path.write_bytes(head + data)
    return path


def _model(path: Path, **extra) -> Path:
    kv = {"general.architecture": "llama", "general.type": "model", "general.name": path.stem,
          "tokenizer.chat_template": CHATML, "llama.context_length": 4096, "general.file_type": 0, **extra}
    return _gguf(path, kv, {"token_embd.weight": (4, 8), "output.weight": (4, 8)})


@pytest.mark.parametrize("extra,words", [
    ({"split.no": 0, "split.count": 2}, "part 1 of a GGUF split into 2 files"),
    ({"split.no": 1, "split.count": 2}, "part 2 of a GGUF split into 2 files"),
    ({"general.architecture": "bert", "bert.pooling_type": 1}, "an embedding model (general.architecture 'bert')"),
    ({"llama.pooling_type": 1}, "an embedding model (general.architecture 'llama')"),
], ids=["split-part-1", "split-part-2", "bert", "pooling"])
def test_a_file_that_is_not_a_whole_chat_model_is_refused_at_add(tmp_path, capsys, extra, words):
    """Part 1 of a split GGUF was registered (its id covering part 1 only; `--copy` copied part 1 alone, which
    llama.cpp then failed to load), part 2 as a model of its own; an embedding GGUF passed as a chat model."""
    f = _model(tmp_path / "m.gguf", **extra)
    rc = main(["--home", str(tmp_path / "h"), "models", "add", str(f), "--kind", "base-gguf", "--copy"])
    err = capsys.readouterr().err
    assert rc != 0 and words in err and "Traceback" not in err, err
    assert not (tmp_path / "h" / "registry" / "blobs").exists() or not any((tmp_path / "h" / "registry" / "blobs").iterdir())


def test_models_show_says_what_the_header_holds(tmp_path, capsys):
    home = str(tmp_path / "h")
    f = _model(tmp_path / "gem.gguf", **{"tokenizer.chat_template": GEMMA, "llama.context_length": 512})
    assert main(["--home", home, "models", "add", str(f), "--kind", "base-gguf", "--name", "gem"]) == 0
    err = capsys.readouterr().err
    assert "no system turn" in err and "ragtune config set generate.n_ctx 512, and generate.max_tokens 128" in err
    assert main(["--home", home, "models", "show", "gem"]) == 0
    facts = json.loads(capsys.readouterr().out)["gguf"]
    assert facts["architecture"] == "llama" and facts["parameters"] == 64 and facts["quantization"] == "ALL_F32"
    assert facts["context_length"] == 512
    assert facts["chat_template"] == {"present": True, "system": "folded", "error": None}
    f.unlink()  # moved away since: said in the JSON, not a traceback
    assert main(["--home", home, "models", "show", "gem"]) == 0
    assert "cannot read" in json.loads(capsys.readouterr().out)["gguf"]["error"]


def test_models_add_warns_of_a_template_it_cannot_read(tmp_path, capsys):
    f = _model(tmp_path / "bad.gguf", **{"tokenizer.chat_template": DO_TAG})
    assert main(["--home", str(tmp_path / "h"), "models", "add", str(f), "--kind", "base-gguf"]) == 0
    err = capsys.readouterr().err
    assert "warning:" in err and "unknown tag 'do'" in err and "cannot answer as [generate] model" in err


def _doctor_model_lines(home: Path, capsys) -> list[dict]:
    main(["--home", str(home), "doctor", "--json", "--quick"])
    return [c for c in json.loads(capsys.readouterr().out)["checks"] if c["name"] == "model"]


def test_doctor_fails_a_template_that_cannot_render_and_warns_of_a_short_context(tmp_path, capsys):
    home = tmp_path / "h"
    home.mkdir()
    bad = _model(tmp_path / "bad.gguf", **{"tokenizer.chat_template": ALWAYS_RAISES})
    (home / "config.toml").write_text(f'[generate]\nmodel = "{bad}"\n', encoding="utf-8")
    lines = _doctor_model_lines(home, capsys)
    assert [c["status"] for c in lines] == ["ok", "fail"], lines
    assert "cannot render a question" in lines[1]["detail"]

    short = _model(tmp_path / "short.gguf", **{"llama.context_length": 1024})
    (home / "config.toml").write_text(f'[generate]\nmodel = "{short}"\nn_ctx = 2048\n', encoding="utf-8")
    lines = _doctor_model_lines(home, capsys)
    assert [c["status"] for c in lines] == ["ok", "warn"], lines
    assert lines[1]["detail"].startswith("[generate] n_ctx = 2048 is more than the 1024 tokens the model was trained")
    assert "ragtune config set generate.n_ctx 1024" in lines[1]["hint"]

    (home / "config.toml").write_text(f'[generate]\nmodel = "{short}"\nn_ctx = 1024\n', encoding="utf-8")
    assert [c["status"] for c in _doctor_model_lines(home, capsys)] == ["ok"]  # a healthy model: one line, as before


@pytest.mark.parametrize("quick", [True, False], ids=["quick", "full"])
def test_doctor_says_what_ask_serves_with_a_model_given_by_path(tmp_path, capsys, quick):
    """`[generate] model` a path to another model, `adapter = "default"`: `ask` hashes the model and serves the base
    model (the built-in adapter serves only on its own base); doctor failed the built-in adapter's shape against it
    ("does not fit model …"), or said the built-in adapter served."""
    from tests.gguf_helpers import write_builtin

    write_builtin(tmp_path / "builtin-adapters")  # RAGTUNE_BUILTIN_ADAPTERS (conftest): made for the default model
    home = tmp_path / "h"
    home.mkdir()
    other = _model(tmp_path / "other.gguf")
    (home / "config.toml").write_text(f'[generate]\nmodel = "{other}"\n', encoding="utf-8")
    main(["--home", str(home), "doctor", "--json", *(["--quick"] if quick else [])])
    line = next(c for c in json.loads(capsys.readouterr().out)["checks"] if c["name"] == "adapter")
    assert line["status"] == "ok", line
    if quick:
        assert "if the model is its base, else the base model answers (none)" in line["detail"]
    else:
        assert line["detail"].startswith("[generate] adapter = 'default': the base model answers (none): the built-in "
                                         "adapter ragtune-default was trained on")  # round 51 says why


# -- models remove ---------------------------------------------------------------------------------------------------
def _run(capsys, home: Path, *args: str) -> tuple[int, str, str]:
    rc = main(["--home", str(home), *args])
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_models_remove_takes_out_a_copy_and_leaves_an_in_place_file(tmp_path, capsys):
    """There was no way to take a model out of the registry (`models list` kept every model ever added)."""
    home = tmp_path / "h"
    copied, placed = _model(tmp_path / "a.gguf"), _model(tmp_path / "b.gguf")
    assert _run(capsys, home, "models", "add", str(copied), "--kind", "base-gguf", "--copy")[0] == 0
    assert _run(capsys, home, "models", "add", str(placed), "--kind", "base-gguf")[0] == 0
    rc, out, _ = _run(capsys, home, "models", "remove", "a", "--json")
    gone = json.loads(out)
    assert rc == 0 and gone["name"] == "a" and gone["removed_file"].endswith(gone["id"])
    assert not (home / "registry" / f"{gone['id']}.json").exists() and not Path(gone["removed_file"]).exists()
    rc, out, err = _run(capsys, home, "models", "remove", "b")
    assert rc == 0 and out.startswith("removed ") and "registered in place: its file is left" in err
    assert placed.is_file()
    rc, out, _ = _run(capsys, home, "models", "list", "--json")
    assert not [m for m in json.loads(out)["artifacts"] if m["name"] in ("a", "b")]
    # added again later: registered afresh
    assert _run(capsys, home, "models", "add", str(copied), "--kind", "base-gguf", "--copy")[0] == 0


def test_models_remove_refuses_what_is_in_use(tmp_path, capsys):
    from types import SimpleNamespace

    from ragtune.appliance.errors import InputError
    from ragtune.appliance.home import Home
    from ragtune.appliance.registry import Registry
    from ragtune.appliance.registry_remove import remove
    from tests.gguf_helpers import write_gguf

    home = tmp_path / "h"
    assert _run(capsys, home, "models", "add", str(_model(tmp_path / "m.gguf")), "--kind", "base-gguf")[0] == 0
    for tag in ("l1", "l2"):
        assert _run(capsys, home, "models", "add", str(write_gguf(tmp_path / f"{tag}.gguf", tag=tag)),
                    "--kind", "lora-gguf")[0] == 0
    assert _run(capsys, home, "models", "activate", "l1")[0] == 0
    assert _run(capsys, home, "models", "activate", "l2")[0] == 0  # l1 is now the rollback target
    assert _run(capsys, home, "config", "set", "generate.model", "m")[0] == 0
    rc, _, err = _run(capsys, home, "models", "remove", "m")
    assert rc == 2 and "not removed: it is the configured [generate] model" in err and "Traceback" not in err
    rc, _, err = _run(capsys, home, "models", "remove", "l2")
    assert rc == 2 and "it is the activated adapter" in err and "models deactivate" in err
    rc, _, err = _run(capsys, home, "models", "remove", "l1")
    assert rc == 0 and "rollback now has no target" in err
    rc, out, _ = _run(capsys, home, "models", "list", "--json")
    assert json.loads(out)["active_adapter"] is not None  # l2 still served
    reg = Registry(Home(home))
    l2 = reg.manifest("l2")["id"]
    arms = SimpleNamespace(id="r1", candidate=l2, control="none")
    assert _run(capsys, home, "models", "deactivate")[0] == 0
    with pytest.raises(InputError, match="it is an arm of rollout r1"):
        remove(reg, SimpleNamespace(generate=SimpleNamespace(model="x", adapter="default")), "l2", rollout=arms)


def test_a_bos_the_tokenizer_adds_is_not_written_twice():
    """Llama 3's template writes {{ bos_token }} and its tokenizer adds one (tokenizer.ggml.add_bos_token): the
    prompt began with two BOS tokens. With `adds_bos` the rendered text leaves it to the tokenizer; a tokenizer that
    adds none (SmolLM2) keeps the template's text as it was."""
    from ragtune.appliance.chat_template import ChatTemplate

    both = ChatTemplate(LLAMA3, bos_token="<|begin_of_text|>", adds_bos=True).render(_msgs())
    assert both.startswith("<|start_header_id|>system") and "<|begin_of_text|>" not in both
    once = ChatTemplate(LLAMA3, bos_token="<|begin_of_text|>", adds_bos=False).render(_msgs())
    assert once == "<|begin_of_text|>" + both == _direct(LLAMA3, _msgs(), bos="<|begin_of_text|>")
    # a template that does not start with the BOS text: unchanged either way
    assert ChatTemplate(CHATML, bos_token="<s>", adds_bos=True).render(_msgs()) == _direct(CHATML, _msgs(), bos="<s>")
