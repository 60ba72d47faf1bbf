"""Generator: the fake (fast) and a handful of real llama.cpp checks (slow)."""

from __future__ import annotations

import json

import pytest

from appliance.config import GenerateConfig
from appliance.errors import GenerationError, InputError, ModelError
from appliance.generate import FakeGenerator, _JsonTail, resolve_model
from appliance.prompt import SYSTEM_PROMPT, messages
from appliance.schema import answer_schema, parse_answer, validate_answer
from appliance.types import ContextItem

CTX = [ContextItem(id="S1", text="The Eiffel Tower is in Paris. It was built from 1887 to 1889 by Gustave Eiffel."),
       ContextItem(id="S2", text="Mount Everest is the highest mountain on Earth.")]


def test_fake_scripts_streams_and_fails_closed():
    g = FakeGenerator(['{"status": "ok"', {"status": "refused", "answer": "x", "citations": []}])
    got = []
    r1 = g.generate([], schema=answer_schema(["S1"]), on_token=got.append)
    assert "".join(got) == r1.text == '{"status": "ok"'
    r2 = g.generate([], schema=answer_schema(["S1"]))
    assert json.loads(r2.text)["status"] == "refused"
    assert g.generate([], schema=answer_schema(["S1"])).text == r2.text  # last item repeats
    with pytest.raises(GenerationError):
        g.generate([], schema={"type": "object"})
    g.close()
    with pytest.raises(GenerationError):
        g.generate([], schema=answer_schema(["S1"]))


def test_json_tail_tracks_the_answer_string():
    t = _JsonTail()
    t.feed('{"status": "ok", "answer": "a \\" }')
    assert t.in_answer and not t.done
    t.feed('\\\\", "citations": ["S1"]}')
    assert not t.in_answer and t.done


def test_resolve_model_errors(tmp_path, home):
    with pytest.raises(ModelError, match="not found"):
        resolve_model(str(tmp_path / "missing.gguf"), home)
    with pytest.raises(ModelError):
        resolve_model("no-such-model-name", home)


# -- real llama.cpp ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def gen():
    from appliance.generate import LlamaGenerator

    try:
        g = LlamaGenerator(GenerateConfig(threads=1, max_tokens=96))
    except ModelError as exc:  # pragma: no cover
        pytest.skip(f"default GGUF not available: {exc}")
    yield g
    g.close()


@pytest.mark.slow
def test_constrained_generation_is_schema_valid_and_streams(gen, capfd):
    msgs = messages(SYSTEM_PROMPT, CTX, "When was the Eiffel Tower built?")
    got = []
    r = gen.generate(msgs, schema=answer_schema(["S1", "S2"], 200), on_token=got.append)
    obj, err = parse_answer(r.text)
    assert err is None and validate_answer(obj, ["S1", "S2"], 200) == []
    assert "".join(got) == r.text
    assert 0 < r.ttft_ms <= r.generation_ms and r.tokens_prompt > 50 and r.tokens_completion > 5
    out, errout = capfd.readouterr()
    assert out == "" and errout == ""  # llama.cpp logging never reaches the terminal


@pytest.mark.slow
def test_prefix_cache_reuses_the_system_prompt(gen):
    s = answer_schema(["S1", "S2"], 100)
    gen.generate(messages(SYSTEM_PROMPT, CTX, "Where is the Eiffel Tower?"), schema=s)
    warm = gen.generate(messages(SYSTEM_PROMPT, CTX[::-1], "How high is Everest?"), schema=s)
    sys_tokens = gen.count_tokens([{"role": "system", "content": SYSTEM_PROMPT}])
    assert warm.reused_prompt_tokens >= sys_tokens - 2
    cold = gen.generate(messages(SYSTEM_PROMPT, CTX, "How high is Everest?"), schema=s, prefix_cache=False)
    assert cold.reused_prompt_tokens == 0
    # same answer with and without reuse (greedy decoding on identical prompts)
    again = gen.generate(messages(SYSTEM_PROMPT, CTX, "How high is Everest?"), schema=s)
    assert again.text == cold.text and again.reused_prompt_tokens > sys_tokens


@pytest.mark.slow
def test_budget_close_out_keeps_json_valid(gen):
    # 600 characters allowed but only 40 tokens: the answer string is closed early, the JSON completes.
    msgs = messages(SYSTEM_PROMPT, CTX, "Describe everything about both sources in great detail, at length.")
    r = gen.generate(msgs, schema=answer_schema(["S1", "S2"], 600), max_tokens=40)
    obj, err = parse_answer(r.text)
    assert err is None and validate_answer(obj, ["S1", "S2"], 600) == [], r.text
    assert r.tokens_completion <= 40


@pytest.mark.slow
def test_overlong_prompt_and_bad_adapters(gen, tmp_path):
    with pytest.raises(InputError, match="context window"):
        gen.generate(messages(SYSTEM_PROMPT, [], "word " * 5000), schema=answer_schema([], 50))
    bogus = tmp_path / "bogus.gguf"
    bogus.write_bytes(b"not a gguf file at all")
    with pytest.raises(ModelError, match="does not match"):
        gen.set_adapter(bogus, "0" * 64)
    with pytest.raises(ModelError, match="cannot load"):
        gen.set_adapter(bogus, None)
    assert gen.adapter_id == "none"
    gen.set_adapter(None)
    assert gen.adapter_id == "none"
