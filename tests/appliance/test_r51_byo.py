"""Round 51, an IT lead brings a bigger model: real, loadable GGUFs of other families (byo_gguf_build.py: Qwen/ChatML,
Llama 3, Phi-3, Gemma, Mistral [INST], no template; random weights, < 1 MB) registered, configured and answering
through llama.cpp under the grammar; the built-in adapter and its calibrated "auto" values kept off them; a model's
trained context; `config set` refusing a template llama-cpp-python cannot compile (was: every `ask` and `serve`
stopped with "internal error: TemplateAssertionError", exit 70, past `config set`)."""

from __future__ import annotations

import json

import pytest

from ragtune.cli import main
from tests.appliance.byo_gguf_build import FAMILIES, build_gguf

pytest.importorskip("gguf")
pytest.importorskip("tokenizers")
pytest.importorskip("llama_cpp.llama_chat_format")

# family -> (architecture, how the system turn reaches the model, a marker of its template, its end-of-turn token)
EXPECTED = {
    "qwen": ("qwen2", "kept", "<|im_start|>system\n", "<|im_end|>"),
    "llama3": ("llama", "kept", "<|start_header_id|>system<|end_header_id|>", "<|eot_id|>"),
    "phi3": ("phi3", "folded", "<|user|>\nSYS\n\nUSER<|end|>", "<|end|>"),
    "gemma": ("gemma", "folded", "<start_of_turn>user\nSYS\n\nUSER<end_of_turn>", "<end_of_turn>"),
    "mistral": ("llama", "folded", "[INST] SYS\n\nUSER [/INST]", "</s>"),
}


@pytest.mark.parametrize("family", list(EXPECTED))
def test_models_add_takes_each_family_and_says_what_it_is(tmp_path, capsys, family):
    f = build_gguf(tmp_path / f"{family}.gguf", family)
    assert f.stat().st_size < 2_000_000
    home = str(tmp_path / "h")
    assert main(["--home", home, "models", "add", str(f), "--kind", "base-gguf", "--name", "ours"]) == 0
    capsys.readouterr()
    assert main(["--home", home, "models", "show", "ours"]) == 0
    facts = json.loads(capsys.readouterr().out)["gguf"]
    arch, system, _, _ = EXPECTED[family]
    assert (facts["architecture"], facts["context_length"]) == (arch, 4096)
    assert facts["chat_template"] == {"present": True, "system": system, "error": None}
    assert main(["--home", home, "config", "set", "generate.model", "ours"]) == 0


def test_a_cut_or_foreign_file_and_a_model_without_template(tmp_path, capsys):
    home = str(tmp_path / "h")
    whole = build_gguf(tmp_path / "q.gguf", "qwen")
    cut = tmp_path / "cut.gguf"
    cut.write_bytes(whole.read_bytes()[:100_000])
    assert main(["--home", home, "models", "add", str(cut), "--kind", "base-gguf"]) == 2
    assert "truncated GGUF file" in capsys.readouterr().err
    (tmp_path / "t.gguf").write_text("hello\n")
    assert main(["--home", home, "models", "add", str(tmp_path / "t.gguf"), "--kind", "base-gguf"]) == 2
    assert "not a GGUF file" in capsys.readouterr().err
    bare = build_gguf(tmp_path / "n.gguf", "notemplate")
    assert main(["--home", home, "config", "set", "generate.model", str(bare)]) == 2
    assert "no chat template" in capsys.readouterr().err


BROKEN = {  # what llama-cpp-python's Llama() compiles at load (unknown filter, syntax) or renders to nothing
    "unknown-filter": ("{% for m in messages %}{{ m.content | nosuchfilter }}{% endfor %}", "No filter named"),
    "syntax": ("{% for m in messages %}{{ m['content'] }}{% endfor", "cannot be read (line 1)"),
    "always-raises": ("{{ raise_exception('nope') }}", "cannot render a question: ValueError: nope"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_config_set_refuses_a_model_whose_template_cannot_render(tmp_path, capsys, monkeypatch, case):
    template, words = BROKEN[case]
    arch, _, specials, eot = FAMILIES["qwen"]
    monkeypatch.setitem(FAMILIES, case, (arch, template, specials, eot))
    f = build_gguf(tmp_path / "bad.gguf", case)
    home = tmp_path / "h"
    assert main(["--home", str(home), "models", "add", str(f), "--kind", "base-gguf", "--name", "bad"]) == 0
    capsys.readouterr()
    for ref in ("bad", str(f)):  # by name (registry) and by path
        assert main(["--home", str(home), "config", "set", "generate.model", ref]) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: generate.model: ") and words in err and "gguf-new-metadata" in err, err
        assert "internal error" not in err
    assert not (home / "config.toml").exists() or "bad" not in (home / "config.toml").read_text()


@pytest.mark.parametrize("family", list(EXPECTED))
def test_the_prompt_is_the_familys_own_with_one_bos_and_its_stop_token(settings, tmp_path, family):
    from ragtune.appliance.generate import LlamaGenerator

    _, system, marker, eot = EXPECTED[family]
    gen = LlamaGenerator(settings.generate, model=str(build_gguf(tmp_path / "m.gguf", family)))
    try:
        msgs = [{"role": "system", "content": "SYS"}, {"role": "user", "content": "USER"}]
        text = gen.render(msgs)
        assert marker in text and gen._formatter.system == system, text
        toks = gen.tokenize_prompt(msgs)
        bos = gen._vocab_llm.token_bos()
        assert toks.count(bos) == (0 if family == "qwen" else 1)  # the template's {{ bos_token }} not doubled
        eog = {gen._vocab_llm._model.token_get_text(t) for t in range(gen.n_vocab) if gen._eog(t)}
        assert eot in eog  # the family's end of turn ends an answer
    finally:
        gen.close()


def test_a_128k_model_keeps_the_configured_context(settings, tmp_path):
    from ragtune.appliance.generate import LlamaGenerator

    gen = LlamaGenerator(settings.generate, model=str(build_gguf(tmp_path / "m.gguf", "qwen", n_ctx_train=131072)))
    try:
        gen.load()
        assert gen.n_ctx == settings.generate.n_ctx == gen._serving().n_ctx()  # not 131072 (its KV cache: memory)
    finally:
        gen.close()


DOCS = ["Full-time employees get 25 days of annual leave per calendar year.",
        "The office is closed between 24 December and 1 January.",
        "Expense claims are filed within 30 days through the finance portal.",
        "Laptops are replaced every four years by the IT service desk.",
        "New hires complete security training in their first week.",
        "The on-call rota changes every Monday at 09:00."]


@pytest.mark.product_defaults
@pytest.mark.parametrize("family,n_ctx,k", [("gemma", 2048, 3), ("llama3", 1024, 6)], ids=["gemma", "llama3-512x6"])
def test_another_model_answers_under_the_grammar_without_the_builtin_adapter(settings, tmp_path, family, n_ctx, k):
    """The built-in adapter (made for the default model) is installed and `adapter = "default"`: another base answers
    as itself, with the "auto" values of a model that records none; six sources on a model trained on 512 tokens,
    at n_ctx 1024, are trimmed to fit, not sent to llama.cpp past its window."""
    from ragtune.appliance.answer import AnswerEngine
    from ragtune.appliance.calibrated import CALIBRATED
    from ragtune.appliance.refusal import resolve_serving
    from ragtune.appliance.schema import validate_output
    from tests.appliance.test_answer import FakeRetriever, _hits
    from tests.gguf_helpers import write_builtin

    write_builtin(tmp_path / "builtin-adapters")
    model = build_gguf(tmp_path / "m.gguf", family, n_ctx_train=512 if n_ctx == 1024 else 4096)
    s = settings.replace("generate", model=str(model), threads=1, threads_batch=1, n_ctx=n_ctx, max_tokens=128,
                         adapter="default").replace("retrieve", k=k)
    docs = [" ".join([t] * 6) for t in DOCS]  # ~110 tokens each: six do not fit beside the instructions in 1024
    with AnswerEngine(s, retriever=FakeRetriever(_hits(docs))) as eng:
        a = eng.ask("How many days of annual leave do full-time employees get?", use_cache=False, k=k)
        gen = eng.generator
        assert gen.adapter_id == "none"
    d = a.to_json()
    ids = [c.id for c in a.context]
    assert len(a.retrieved) == k and 0 < len(ids) <= k
    if k == 6:
        assert len(ids) < 6, ids  # trimmed to the window
    emitted = {"status": d["status"], "answer": d["answer"], "citations": [c["id"] for c in d["citations"]]}
    assert validate_output(emitted, ids) == []
    assert d["status"] in ("ok", "refused") and d["adapter"] == "none" and d["valid"]
    assert a.tokens_prompt + 128 <= n_ctx
    for key, (_, _, fallback) in CALIBRATED.items():
        assert resolve_serving(key, "auto", d["adapter"]) == fallback


def _default_model():
    from ragtune.appliance import default_models

    try:
        return default_models.locate_all("smollm2-135m-instruct-q4_1", verify=False)[0]
    except Exception:  # noqa: BLE001 - not fetched on this machine
        pytest.skip("the default model is not in the model cache")


def test_the_default_models_prompt_is_byte_identical(settings, tmp_path, capsys):
    """The default model's prompt, text and tokens, as generate.py rendered it before round 51 (pinned), and
    `config set generate.model` still takes its file by path (the template check renders its template)."""
    import hashlib

    from ragtune.appliance.generate import LlamaGenerator
    from ragtune.appliance.prompt import SYSTEM_PROMPT, messages

    path = _default_model()
    gen = LlamaGenerator(settings.generate, model=str(path))
    try:
        msgs = messages(SYSTEM_PROMPT, [{"id": "S1", "text": "Full-time employees get 25 days of annual leave."},
                                        {"id": "S2", "text": "The office closes on 24 December."}],
                        "How many days of annual leave?")
        text, toks = gen.render(msgs), gen.tokenize_prompt(msgs)
    finally:
        gen.close()
    assert hashlib.sha256(text.encode()).hexdigest() == \
        "dad33ae8de7f4610c6ef8329073590a2486fb47ef8ffef2a226a3e1e405d82eb", text
    assert len(toks) == 184
    assert hashlib.sha256(str(toks).encode()).hexdigest() == \
        "a7160e8914b09b34793f782055b35a424457311aae5bb89d62178e97113b6b81"
    assert main(["--home", str(tmp_path / "h"), "config", "set", "generate.model", str(path)]) == 0


@pytest.mark.product_defaults
def test_eval_run_arm_a_answers_with_another_model(settings, tmp_path):
    """`eval run --arms A` with the tiny Llama-3-family model (a real engine over the set's own documents): every
    question answered schema-valid by it, the report naming its id, the built-in adapter (installed, made for the
    default model) not served, and the "auto" values resolved to those of a model that records none."""
    from ragtune.appliance.answer import AnswerEngine
    from ragtune.appliance.calibrated import CALIBRATED
    from ragtune.appliance.eval import run as R
    from ragtune.appliance.hashing import sha256_path
    from ragtune.appliance.types import Hit
    from tests.appliance.eval_fakes import DOCS as EDOCS
    from tests.appliance.eval_fakes import no_ingest, write_beir
    from tests.appliance.test_answer import FakeRetriever
    from tests.gguf_helpers import write_builtin

    write_builtin(tmp_path / "builtin-adapters")
    model = build_gguf(tmp_path / "m.gguf", "llama3")
    s = settings.replace("generate", model=str(model), threads=1, threads_batch=1, max_tokens=64)
    hits = [Hit(chunk_id=i, doc_id=i, text=t, source=f"/x/corpus.jsonl#{d}", start_char=0, end_char=len(t),
                sha256=f"h{i}", bm25_rank=i, fused=1.0 / i) for i, (d, t) in enumerate(EDOCS.items(), start=1)]
    engines = []

    def factory(es):
        engines.append(AnswerEngine(es, retriever=FakeRetriever(hits)))
        return engines[-1]

    report = R.run_eval(s, write_beir(tmp_path / "set"), R.EvalOptions(arms="A", out=tmp_path / "o", safety=False,
                                                                       limit=2), engine_factory=factory,
                        ingest=no_ingest)
    data = json.loads((tmp_path / "o" / "report.json").read_text())
    assert data["adapter"] == "none" and data["arms"]["A"]["n"] == 2, data["arms"]["A"]
    assert sha256_path(model) in json.dumps(data)  # the arm's model_ids
    for key in ("refusal_threshold", "min_answer_logprob", "evidence_cut", "answer_candidates"):
        assert data[f"{key}_adapter"] == CALIBRATED[key][2]
    items = [json.loads(line) for line in (tmp_path / "o" / data["items_file"]).read_text().splitlines()]
    assert report is not None and len(items) == 2 and all(i["status"] in ("ok", "refused") for i in items), items
    assert all(i["reason"] != "invalid_output" for i in items), items  # under the grammar: schema-valid JSON
