"""Generator: the fake (fast) and a handful of real llama.cpp checks (slow)."""

from __future__ import annotations

import json

import pytest

from ragtune.appliance.config import GenerateConfig
from ragtune.appliance.errors import GenerationError, InputError, ModelError
from ragtune.appliance.decoding import JsonTail as _JsonTail
from ragtune.appliance.generate import resolve_model
from tests.fakes import FakeGenerator
from ragtune.appliance.prompt import SYSTEM_PROMPT, messages
from ragtune.appliance.schema import answer_schema, parse_answer, validate_answer
from ragtune.appliance.types import ContextItem

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


def test_through_answer_cuts_after_the_answers_closing_quote():
    from ragtune.appliance.decoding import through_answer

    head = '{"status": "ok", "answer": "a \\" é\\\\"'  # an escaped quote, a backslash, then the closing quote
    assert through_answer(head + ', "citations": ["S1"]}') == head and json.loads(head + "}")["answer"] == 'a " é\\'
    assert through_answer('{"status": "ok", "answer": "open') == '{"status": "ok", "answer": "open'


def test_resolve_model_errors(tmp_path, home):
    with pytest.raises(ModelError, match="not found"):
        resolve_model(str(tmp_path / "missing.gguf"), home)
    with pytest.raises(ModelError):
        resolve_model("no-such-model-name", home)


# -- real llama.cpp ---------------------------------------------------------------------------------------
@pytest.mark.slow
def test_constrained_generation_is_schema_valid_and_streams(gen, capfd):
    msgs = messages(SYSTEM_PROMPT, CTX, "When was the Eiffel Tower built?")
    got = []
    r = gen.generate(msgs, schema=answer_schema(["S1", "S2"], 200), on_token=got.append)
    obj, err = parse_answer(r.text)
    assert err is None and validate_answer(obj, ["S1", "S2"], 200) == []
    assert "".join(got) == r.text
    assert 0 < r.ttft_ms <= r.generation_ms and r.tokens_prompt > 50 and r.tokens_completion > 5
    from ragtune.appliance.generate import LlamaGenerator

    LlamaGenerator(GenerateConfig(threads=1)).close()  # loading logs a lot in llama.cpp
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
def test_answer_candidates_replay_the_tokens_before_the_answer_exactly(gen):
    # Greedy decodes of one prompt take the same tokens up to the answer whatever `avoid`: the next candidate
    # replays them from the last decode (not decoded again) and ends exactly as a full decode would.
    msgs = messages(SYSTEM_PROMPT, CTX, "When was the Eiffel Tower built?")
    s = answer_schema(["S1", "S2"], 200)
    ext = [(c.id, [c.text]) for c in CTX]
    first = gen.generate(msgs, schema=s, extractive=ext)
    obj, err = parse_answer(first.text)
    assert err is None and obj["status"] == "ok", first.text
    avoid = [obj["answer"].split()[0]]
    replayed = gen.generate(msgs, schema=s, extractive=ext, avoid=avoid)
    n_pre = len(replayed.tokens) - replayed.tokens_completion
    assert 5 <= n_pre <= 16 and replayed.tokens[:n_pre] == first.tokens[:n_pre]
    gen._pre_answer = None  # the same candidate decoded in full
    full = gen.generate(msgs, schema=s, extractive=ext, avoid=avoid)
    assert full.tokens_completion == len(full.tokens)
    assert (replayed.text, replayed.tokens, replayed.p_refused, replayed.answer_mean_logprob,
            replayed.answer_min_logprob) == (full.text, full.tokens, full.p_refused, full.answer_mean_logprob,
                                             full.answer_min_logprob)
    # another question, or sampling, or a cold prompt: nothing is replayed
    other = gen.generate(messages(SYSTEM_PROMPT, CTX, "Who built it?"), schema=s, extractive=ext, avoid=avoid)
    hot = gen.generate(msgs, schema=s, extractive=ext, avoid=avoid, temperature=0.7, seed=3)
    cold = gen.generate(msgs, schema=s, extractive=ext, avoid=avoid, prefix_cache=False)
    assert all(r.tokens_completion == len(r.tokens) for r in (other, hot, cold))



@pytest.mark.slow
def test_a_candidate_cut_after_its_answer_decodes_again_to_the_same_tokens(gen):
    # candidates.py: the later candidates stop at their answer's closing quote; the winner is decoded again in full
    # with its avoid list (after other candidates moved the KV cache on) and takes the same tokens, bit for bit.
    msgs = messages(SYSTEM_PROMPT, CTX, "When was the Eiffel Tower built?")
    s = answer_schema(["S1", "S2"], 200)
    ext = [(c.id, [c.text]) for c in CTX]
    first = gen.generate(msgs, schema=s, extractive=ext, refusal_threshold=0.6)
    avoid = [json.loads(first.text)["answer"].split()[0]]
    cut = gen.generate(msgs, schema=s, extractive=ext, refusal_threshold=1.0, avoid=avoid, answer_only=True)
    assert cut.finish == "answer" and cut.text.endswith('"') and cut.tokens_completion < len(cut.tokens)
    answer = json.loads(cut.text + "}")["answer"]
    assert answer and answer.split()[0] not in avoid
    other = gen.generate(msgs, schema=s, extractive=ext, refusal_threshold=1.0, avoid=avoid + [answer.split()[0]],
                         answer_only=True)
    assert other.finish == "answer" and other.tokens[:len(cut.tokens)] != cut.tokens
    whole = gen.generate(msgs, schema=s, extractive=ext, refusal_threshold=1.0, avoid=avoid)
    assert whole.finish == "stop" and json.loads(whole.text)["answer"] == answer
    assert whole.tokens[:len(cut.tokens)] == cut.tokens and whole.text.startswith(cut.text)
    assert (whole.answer_mean_logprob, whole.answer_min_logprob, whole.p_refused) == \
        (cut.answer_mean_logprob, cut.answer_min_logprob, cut.p_refused)


@pytest.mark.slow
def test_budget_close_out_keeps_json_valid(gen):
    # 600 characters allowed but only 100 tokens; hot sampling rambles, so the answer string is closed early
    # and the JSON still completes within the budget.
    msgs = messages(SYSTEM_PROMPT, CTX, "Describe it at length.")
    finishes = set()
    for seed in (1, 2):
        r = gen.generate(msgs, schema=answer_schema(["S1", "S2"], 600), max_tokens=100, temperature=2.0, seed=seed)
        obj, err = parse_answer(r.text)
        assert err is None and validate_answer(obj, ["S1", "S2"], 600) == [], r.text
        assert r.tokens_completion <= 100
        finishes.add(r.finish)
    assert "closed" in finishes


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


def _tiny_lora(path, std=0.5):
    """A real (random) GGUF LoRA for SmolLM2's attention q projections, written with gguf-py."""
    gguf = pytest.importorskip("gguf")
    import numpy as np

    w = gguf.GGUFWriter(str(path), "llama")
    w.add_type("adapter")
    w.add_string("adapter.type", "lora")
    w.add_float32("adapter.lora.alpha", 16.0)
    rng = np.random.default_rng(0)
    for layer in range(4):
        w.add_tensor(f"blk.{layer}.attn_q.weight.lora_a", (rng.standard_normal((4, 576)) * std).astype(np.float32))
        w.add_tensor(f"blk.{layer}.attn_q.weight.lora_b", (rng.standard_normal((576, 4)) * std).astype(np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


@pytest.fixture
def runtime_lora(gen):
    """`gen` applying adapters with llama.cpp's run-time LoRA (generate.adapter_merge = false)."""
    gen.cfg.adapter_merge = False
    yield gen
    gen.set_adapter(None)
    gen.cfg.adapter_merge = True


@pytest.fixture
def tiny(runtime_lora, tmp_path):
    """(generator, a tiny LoRA file, its sha256, a one-source prompt)."""
    from ragtune.appliance.hashing import sha256_file

    lora = _tiny_lora(tmp_path / "tiny.gguf")
    return runtime_lora, lora, sha256_file(lora), messages(SYSTEM_PROMPT, CTX[:1], "Where is the Eiffel Tower?")


@pytest.mark.slow
def test_lora_switch_is_warm_and_reversible(tiny):
    gen, lora, sha, msgs = tiny
    s = answer_schema(["S1"], 60)
    base = gen.generate(msgs, schema=s, max_tokens=40).text
    model_handle = gen._llm.model
    assert gen.adapter_served == "none"
    gen.set_adapter(lora, sha)
    assert gen.adapter_id == sha and gen.adapter_served == "lora"
    tuned = gen.generate(msgs, schema=s, max_tokens=40)
    assert tuned.text != base and tuned.reused_prompt_tokens == 0  # prefix cache cleared on switch
    obj, err = parse_answer(tuned.text)
    assert err is None and validate_answer(obj, ["S1"], 60) == []
    gen.set_adapter(None)
    assert gen.generate(msgs, schema=s, max_tokens=40).text == base
    gen.set_adapter(lora, sha)  # pinned: no reload, same handle, same output
    assert len(gen._adapters) == 1 and gen._llm.model is model_handle
    assert gen.generate(msgs, schema=s, max_tokens=40).text == tuned.text
    lora.write_bytes(lora.read_bytes() + b"tampered")
    with pytest.raises(ModelError, match="does not match"):
        gen.set_adapter(lora, sha)
    gen.set_adapter(None)


def _next_token(gen, toks):
    """The model's next-token distribution after the prompt `toks`."""
    import numpy as np

    gen._eval_prompt(toks, False)
    lg = np.array(gen._logits(), dtype=np.float64)
    p = np.exp(lg - lg.max())
    return p / p.sum()


def kl(p, q):
    import numpy as np

    return float(np.sum(p * (np.log(p + 1e-12) - np.log(q + 1e-12))))


@pytest.mark.slow
def test_merged_adapter_serves_like_the_run_time_lora_and_each_model_keeps_its_prompt(tiny):
    gen, lora, sha, msgs = tiny
    toks = gen.tokenize_prompt(msgs)

    def next_token():
        return _next_token(gen, toks)

    base = next_token()
    gen.set_adapter(lora, sha)
    run_time = next_token()
    gen.set_adapter(None)
    gen.cfg.adapter_merge = True
    gen.set_adapter(lora, sha)
    assert gen.adapter_id == sha and gen._llm is not gen._base and gen.adapter_served == "merged"
    merged = next_token()
    assert merged.argmax() == run_time.argmax() != base.argmax()
    assert kl(run_time, merged) < 0.1 * kl(run_time, base)
    s = answer_schema(["S1"], 60)
    tuned = gen.generate(msgs, schema=s, max_tokens=40)
    gen.set_adapter(None)
    plain = gen.generate(msgs, schema=s, max_tokens=40)
    gen.set_adapter(lora, sha)  # the merged model is kept: no rebuild, no reload, its prompt still cached
    again = gen.generate(msgs, schema=s, max_tokens=40)
    # (the whole prompt when the tokens before the answer are replayed from `tuned`'s decode)
    assert again.text == tuned.text and again.reused_prompt_tokens >= len(toks) - 1
    gen.set_adapter(None)
    assert gen.generate(msgs, schema=s, max_tokens=40).reused_prompt_tokens >= len(toks) - 1
    assert plain.text != tuned.text and len(gen._merged) == 1


@pytest.mark.slow
def test_the_adapter_scale_is_served_alike_merged_and_at_run_time(runtime_lora, tmp_path):
    """generate.adapter_scale: W + scale · (alpha / r) · B · A, as llama.cpp's run-time LoRA scales it; another
    scale of the same adapter is set again (run time) or is its own merged model, never the one at 1.0. (A milder
    LoRA than `tiny`'s: at twice that one's strength the model is so deformed that Q8_0 rounding shows.)"""
    from ragtune.appliance.hashing import sha256_file

    gen, lora = runtime_lora, _tiny_lora(tmp_path / "mild.gguf", std=0.25)
    sha = sha256_file(lora)
    toks = gen.tokenize_prompt(messages(SYSTEM_PROMPT, CTX[:1], "Where is the Eiffel Tower?"))

    def next_token():
        return _next_token(gen, toks)

    base = next_token()
    gen.set_adapter(lora, sha)
    one = next_token()
    gen.set_adapter(lora, sha, scale=2.0)
    assert (gen.adapter_id, gen.adapter_scale, gen.adapter_served) == (sha, 2.0, "lora")
    two = next_token()
    assert kl(two, one) > 0.01
    gen.cfg.adapter_merge = True
    gen.set_adapter(lora, sha, scale=2.0)  # same adapter and scale: nothing to do
    assert gen.adapter_served == "lora"
    gen.set_adapter(None)
    assert (gen.adapter_id, gen.adapter_scale) == ("none", 1.0)
    gen.set_adapter(lora, sha, scale=2.0)
    assert gen.adapter_served == "merged" and gen._llm is gen._merged[(sha, 2.0)]
    merged = next_token()
    assert merged.argmax() == two.argmax() and kl(two, merged) < 0.1 * min(kl(two, one), kl(two, base))
    gen.set_adapter(lora, sha)  # 1.0: the merged model of the adapter as trained
    assert gen._llm is gen._merged[(sha, 1.0)] is not gen._merged[(sha, 2.0)]
    assert kl(one, next_token()) < 0.1 * min(kl(one, two), kl(one, base))
    gen.cfg.adapter_merge = False
    gen.set_adapter(lora, sha, scale=2.0)  # back to run time on the base, then merged: the base is plain again
    gen.cfg.adapter_merge = True
    gen.set_adapter(lora, sha)
    assert gen.adapter_served == "merged"
    gen.set_adapter(None)
    assert kl(base, next_token()) < 1e-6


def test_overlapping_stderr_captures_leave_fd2_where_it_was():
    # eval run --concurrency 2: two engines parse grammars at once; fd 2 must come back to the terminal/file
    import os
    import threading
    import time

    from ragtune.appliance.llamalog import CaptureStderr

    before = os.fstat(2)
    texts: list[str] = []

    def native_print(tag: str) -> None:
        with CaptureStderr() as cap:
            os.write(2, tag.encode())
            time.sleep(0.05)
        texts.append(cap.text)

    threads = [threading.Thread(target=native_print, args=(f"t{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    after = os.fstat(2)
    assert (after.st_ino, after.st_dev) == (before.st_ino, before.st_dev)
    assert sorted(texts) == ["t0", "t1", "t2", "t3"]


def test_models_loaded_in_two_threads_at_once_leave_stdout_and_stderr_where_they_were(gen):
    # eval run --concurrency 2 builds its engines lazily, in the worker threads: two Llama() loads at once each
    # dup2 /dev/null over fds 1 and 2 and restore what they saved, so unguarded they could restore /dev/null.
    import os
    import threading

    from ragtune.appliance.generate import LlamaGenerator

    before = [(os.fstat(fd).st_ino, os.fstat(fd).st_dev) for fd in (1, 2)]
    made: list = []

    def load() -> None:
        made.append(LlamaGenerator(GenerateConfig(threads=1, n_ctx=512)))

    threads = [threading.Thread(target=load) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for g in made:
        g.close()
    assert len(made) == 3
    assert [(os.fstat(fd).st_ino, os.fstat(fd).st_dev) for fd in (1, 2)] == before
