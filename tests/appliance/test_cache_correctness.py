"""The caches never serve a stale or wrong answer: for each cache, everything its result depends on is in its key or
invalidates it (docs/answer.md "Caches", docs/retrieval.md "Cache").

- answer cache (answer.py `cache_key`): documents, every [generate] and [retrieve] setting, the prompt as rendered,
  the schema, the normalised question, the adapter (and its bytes), the evidence score a refusal model weighs;
- retrieval cache (retrieve.py): the index version, and only results computed against a BM25 index in step with it
  (an ingest in another process);
- the caches of files (sha256 memo, merged models, the adapter switch): test_cache_correctness_files.py;
- the answer-prefix replay record (generate.py `_pre_answer`): real model, marked slow.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from types import SimpleNamespace

import pytest

from ragtune.appliance.answer import AnswerEngine
from ragtune.appliance.errors import InputError
from ragtune.appliance.hashing import sha256_file
from ragtune.appliance.ingest.pipeline import ingest_paths
from ragtune.appliance.retrieve import Retriever
from ragtune.appliance.store import Store, open_store
from ragtune.appliance.types import ContextItem
from tests.fakes import FakeGenerator

from .test_answer import FakeRetriever, _hits

Q = "Where does the zeppelin hangar stand?"


def _source(messages, sid="S1"):
    m = re.search(rf"^\[{sid}\] (.*)$", messages[1]["content"], re.M)
    return m.group(1) if m else ""


def _echo(messages, schema):
    """The fake model answers with the first sentence of S1: an answer that changes whenever S1 does."""
    s1 = _source(messages)
    if not s1:
        return {"status": "refused", "answer": "x", "citations": []}
    return {"status": "ok", "answer": re.split(r"(?<=\.) ", s1)[0], "citations": ["S1"]}


def _chunk_texts(settings):
    with Store(settings.home.db_path) as s:
        return {r[0] for r in s.query("SELECT text FROM chunks")}


def _fresh(settings, fake, q=Q):
    """What a cold retriever serves now: the truth a cached answer must match."""
    with Retriever(settings, embedder=fake) as r:
        return [h.text for h in r.retrieve(q, use_cache=False).hits]


def _check(ans, settings, fake, q=Q):
    """The answer is the one the model gives for the context a cold retrieval finds now."""
    ctx = [c.text for c in ans.context]
    assert ctx == _fresh(settings, fake, q)
    assert set(ctx) <= _chunk_texts(settings)
    want = _echo([{}, {"content": "\n".join(f"[{c.id}] {' '.join(c.text.split())}" for c in ans.context)}], None)
    assert ans.answer == want["answer"] and ans.status == "ok"


@pytest.fixture
def docs(tmp_path):
    d = tmp_path / "docs"
    d.mkdir()
    (d / "zeppelin.md").write_text("The zeppelin hangar stands in Friedrichshafen. It was built in 1909.\n")
    (d / "bread.md").write_text("Sourdough bread rises with wild yeast instead of baker's yeast.\n")
    return d


def _live(settings, fake):
    """A serving engine over a real home (its own store, BM25 index and retriever), the fake model echoing S1."""
    gen = FakeGenerator([_echo])
    retr = Retriever(settings, embedder=fake)
    return AnswerEngine(settings, retriever=retr, generator=gen, store=retr.store), gen, retr


# -- documents ------------------------------------------------------------------------------------------------
def test_documents_added_changed_removed_and_rechunked_change_the_answer(settings, docs, fake):
    ingest_paths(settings, [docs], embedder=fake)
    eng, gen, retr = _live(settings, fake)
    try:
        a = eng.ask(Q)
        assert "Friedrichshafen" in a.answer and not a.cached
        _check(a, settings, fake)
        b = eng.ask(Q)
        assert b.cached and len(gen.calls) == 1 and b.answer == a.answer

        (docs / "zeppelin.md").write_text("The zeppelin hangar stands in Lakehurst. It was built in 1921.\n")
        ingest_paths(settings, [docs], embedder=fake)  # changed: same path, new text
        c = eng.ask(Q)
        assert "Lakehurst" in c.answer and not c.cached and len(gen.calls) == 2
        _check(c, settings, fake)

        q2 = "Where is the blimp museum?"
        before = eng.ask(q2)
        (docs / "blimp.md").write_text("The blimp museum is in Tokyo. It opened in 1999.\n")
        ingest_paths(settings, [docs], embedder=fake)  # added
        d = eng.ask(q2)
        assert "Tokyo" not in before.answer and "Tokyo" in d.answer
        _check(d, settings, fake, q2)

        (docs / "blimp.md").unlink()
        ingest_paths(settings, [docs], embedder=fake, prune=True)  # removed
        e = eng.ask(q2)
        assert "Tokyo" not in e.answer and e.answer == before.answer
        _check(e, settings, fake, q2)

        (docs / "zeppelin.md").write_text(" ".join(["The zeppelin hangar stands in Lakehurst."] +
                                                   [f"Airship number {i} was moored there." for i in range(12)]))
        small = settings.replace("ingest", chunk_tokens=24, overlap_tokens=0)
        ingest_paths(small, [docs], embedder=fake)  # re-chunked
        f = eng.ask(Q)
        assert not f.cached and all(len(c.text) < 200 for c in f.context)
        _check(f, settings, fake)
    finally:
        eng.close()
        retr.close()


def test_an_ingest_in_another_process_never_leaves_stale_retrievals_cached(settings, docs, fake):
    """Another process's ingest writes SQLite first (bumping the version) and commits the BM25 index at its end,
    with that same version: what this process retrieved in between (BM25 from the last commit) must not be cached
    under the version, or it outlives the ingest for `cache_ttl_s`."""
    from ragtune.appliance.lexical import LexicalIndex

    ingest_paths(settings, [docs], embedder=fake)
    reader = Retriever(settings, embedder=fake)
    q = "blimp museum Tokyo"
    try:
        reader.retrieve(q)
        writer_store, writer_lex = Store(settings.home.db_path), LexicalIndex(settings.home.lexical_dir)
        try:
            text = "The blimp museum is in Tokyo."
            with writer_lex.writer() as lw:  # the ingest protocol (ingest/pipeline.py), by hand
                with writer_store.transaction():
                    doc_id, _ = writer_store.put_document(
                        path=str(docs / "blimp.md"), sha256="b" * 64, title="Blimp", kind="md", size=len(text),
                        doc_date=None, ingested_at=0.0, meta="{}", vectors=[fake.encode([text])[0]],
                        chunks=[SimpleNamespace(ord=0, text=text, start_char=0, end_char=len(text),
                                                n_tokens=fake.count_tokens(text), sha256="c" * 64)])
                    writer_store.bump_index_version()
                during = reader.retrieve(q)  # mid-ingest: vectors see the chunk, BM25 does not yet
                assert not any(h.bm25_rank for h in during.hits if "Tokyo" in h.text)
                lw.replace_docs(writer_store, [doc_id])
                lw.finish(writer_store.index_version)
        finally:
            writer_store.close()
            writer_lex.close()
        after = reader.retrieve(q)
        assert not after.cached
        top = [h for h in after.hits if "Tokyo" in h.text]
        assert top and top[0].bm25_rank == 1  # the committed BM25 index, not the one read mid-ingest
        assert reader.retrieve(q).cached  # in step again: cached as usual
    finally:
        reader.close()


def test_a_cache_row_written_during_an_ingest_is_keyed_by_what_it_answered(settings, docs, fake):
    """The answer cache is content-addressed (the sources' texts): an answer computed from any state of the store
    is only ever served for that same context."""
    ingest_paths(settings, [docs], embedder=fake)
    eng, gen, retr = _live(settings, fake)
    try:
        old = eng.ask(Q)
        (docs / "zeppelin.md").write_text("The zeppelin hangar stands in Lakehurst. It was built in 1921.\n")
        ingest_paths(settings, [docs], embedder=fake)
        new = eng.ask(Q)
        assert old.answer != new.answer and not new.cached
        # the old context, given again (a retrieval of the old state: its texts and chunk ids, which key an entry
        # since round 51 so that tenants' entries do not overwrite each other): the old answer
        again = eng.ask(Q, context=[ContextItem(id=c.id, text=c.text, chunk_id=c.chunk_id) for c in old.context])
        assert again.cached and again.answer == old.answer
    finally:
        eng.close()
        retr.close()


# -- settings ---------------------------------------------------------------------------------------------------
# (setting, value, whether a second ask of the same engine may hit the cache)
GENERATE_KNOBS = [
    ("answer_mode", "extractive", True), ("refusal_threshold", 0.5, True), ("answer_candidates", 2, True),
    ("max_answer_chars", 100, True), ("focus_sentences", 2, True), ("refuse_echo", False, True),
    ("min_support", 0.5, True), ("min_relevance", 0.5, True), ("min_answer_logprob", -3.0, True),
    ("max_tokens", 64, True), ("max_repairs", 0, True), ("seed", 7, True),
    ("temperature", 0.5, False), ("answer_cache", False, False),
]


@pytest.mark.parametrize("key,value,caches", GENERATE_KNOBS, ids=[k for k, _, _ in GENERATE_KNOBS])
def test_every_generate_setting_that_changes_the_answer_is_in_the_key(settings, key, value, caches):
    store = open_store(settings.home)
    try:
        out = {"status": "ok", "answer": "from 1887 to 1889", "citations": ["S1"]}
        gen = FakeGenerator([out])
        base = AnswerEngine(settings, retriever=FakeRetriever(_hits(), store), generator=gen, store=store)
        assert not base.ask("When was it built?").cached and base.ask("When was it built?").cached
        other = AnswerEngine(settings.replace("generate", **{key: value}), retriever=FakeRetriever(_hits(), store),
                             generator=gen, store=store)
        assert not other.ask("When was it built?").cached and len(gen.calls) == 2
        assert other.ask("When was it built?").cached == caches
    finally:
        store.close()


def test_the_model_and_how_the_adapter_is_served_are_in_the_key(settings, tmp_path):
    store = open_store(settings.home)
    try:
        ask = lambda eng: eng.ask("When was it built?")  # noqa: E731
        gen = FakeGenerator([{"status": "ok", "answer": "from 1887 to 1889", "citations": ["S1"]}])
        eng = AnswerEngine(settings, retriever=FakeRetriever(_hits(), store), generator=gen, store=store)
        ask(eng)
        other = FakeGenerator([{"status": "ok", "answer": "from 1887 to 1889", "citations": ["S1"]}], model_id="m2")
        assert not ask(AnswerEngine(settings, retriever=FakeRetriever(_hits(), store), generator=other,
                                    store=store)).cached  # another model file (another sha256)
        f = tmp_path / "a.gguf"
        f.write_bytes(b"GGUF adapter A")
        eng.set_adapter(str(f))
        assert not ask(eng).cached and ask(eng).cached
        gen.serves = "lora"  # the same adapter, fallen back to run-time LoRA
        assert not ask(eng).cached
        eng.set_adapter("none")
        assert ask(eng).cached  # back on the base: its own answer
    finally:
        store.close()


RETRIEVE_KNOBS = [("k", 1), ("bm25_weight", 0.0), ("vector_weight", 0.0), ("fusion", "rrf"), ("rrf_k", 60),
                  ("mmr_lambda", 0.3), ("context_tokens", 64), ("candidates", 6), ("title_boost", 10.0),
                  ("original_query_weight", 0.0), ("vector_search", "exact")]


@pytest.mark.parametrize("key,value", RETRIEVE_KNOBS, ids=[k for k, _ in RETRIEVE_KNOBS])
def test_every_retrieve_setting_serves_the_answer_of_its_own_retrieval(settings, docs, fake, key, value):
    ingest_paths(settings, [docs], embedder=fake)
    eng, _, retr = _live(settings, fake)
    try:
        eng.ask(Q)  # the default settings' answer is in the (shared, on-disk) answer cache
    finally:
        eng.close()
        retr.close()
    changed = settings.replace("retrieve", **{key: value})
    eng, _, retr = _live(changed, fake)
    try:
        _check(eng.ask(Q), changed, fake)
    finally:
        eng.close()
        retr.close()


def test_a_retriever_whose_reranker_or_vector_backend_is_swapped_does_not_serve_the_old_ranking(settings, docs, fake):
    ingest_paths(settings, [docs], embedder=fake)
    with Retriever(settings, embedder=fake) as r:
        r.retrieve(Q)
        assert r.retrieve(Q).cached
        r.knn_backend = "exact"
        assert not r.retrieve(Q).cached

        class Prefer:
            def score(self, query, passages):
                return [1.0 if "yeast" in p else 0.0 for p in passages]

        r.reranker = Prefer()
        assert not r.retrieve(Q).cached


def test_the_normalisation_rules_prompt_template_and_schema_are_in_the_key(settings, monkeypatch):
    import ragtune.appliance.answer as answer_mod

    store = open_store(settings.home)
    try:
        gen = FakeGenerator([{"status": "ok", "answer": "from 1887 to 1889", "citations": ["S1"]}])

        class Normalised(FakeRetriever):  # hands on the question as the engine normalised it, as Retriever does
            def retrieve(self, query, **kw):
                return dataclasses.replace(super().retrieve(query, **kw), normalized_query=kw["normalized"])

        eng = AnswerEngine(settings, retriever=Normalised(_hits(), store), generator=gen, store=store)
        ask = lambda: eng.ask("When was it built, uh, finished?")  # noqa: E731
        ask()
        assert ask().cached
        real_norm = answer_mod.normalise_question
        monkeypatch.setattr(answer_mod, "normalise_question", lambda q: (real_norm(q)[0], real_norm(q)[1].upper()))
        assert not ask().cached  # another rule set: the model reads another question
        monkeypatch.undo()
        real_messages = answer_mod.messages
        monkeypatch.setattr(answer_mod, "messages", lambda s, c, q: [real_messages(s, c, q)[0], {
            "role": "user", "content": real_messages(s, c, q)[1]["content"].replace("Question:", "Q:")}])
        assert not ask().cached  # the user turn's template changed (not the system prompt)
        monkeypatch.undo()
        real_schema = answer_mod.answer_schema

        def schema(ids, n):  # answers of at least 2 characters: another grammar
            out = real_schema(ids, n)
            out["properties"]["answer"]["minLength"] = 2
            return out

        monkeypatch.setattr(answer_mod, "answer_schema", schema)
        assert not ask().cached  # another schema (so another grammar)
        monkeypatch.undo()
        assert ask().cached
    finally:
        store.close()


def test_a_refusal_model_weighs_the_evidence_score_of_each_request(settings, monkeypatch):
    """Same sources, other evidence (another reranker's scores): a refusal model that weighs the evidence score
    must see this request's, not the one the cached verdict was made with."""
    from ragtune.appliance import refusal_model

    model = refusal_model.parse({"features": list(refusal_model.FEATURES), "mean": [0, 0, 0, 0],
                                 "scale": [1, 1, 1, 1], "weights": [0, -1, 0, 0], "bias": 0.0, "threshold": 0.5})
    score = {"v": 5.0}

    class Evidence:
        def holds(self, question, hits, cut=None):
            return score["v"] > -10, score["v"]

    monkeypatch.setattr(AnswerEngine, "refusal_model", property(lambda self: model))
    monkeypatch.setattr(AnswerEngine, "evidence", property(lambda self: Evidence()))
    store = open_store(settings.home)
    try:
        gen = FakeGenerator([{"status": "ok", "answer": "from 1887 to 1889", "citations": ["S1"]}])
        eng = AnswerEngine(settings, retriever=FakeRetriever(_hits(), store), generator=gen, store=store)
        assert eng.ask("When was it built?").status == "ok"
        assert eng.ask("When was it built?").cached
        score["v"] = -5.0
        low = eng.ask("When was it built?")
        assert low.status == "refused" and low.refusal_reason == "uncertain" and not low.cached
        score["v"] = 5.0
        assert eng.ask("When was it built?").status == "ok"
        score["v"] = -20.0  # the evidence check (and its cut) runs before the cache: a cached "ok" is not served
        assert eng.ask("When was it built?").refusal_reason == "no_evidence"
    finally:
        store.close()


# -- adapters -----------------------------------------------------------------------------------------------------
def test_two_adapters_and_an_adapter_file_replaced_in_place_answer_apart(settings, tmp_path):
    store = open_store(settings.home)
    try:
        gen = FakeGenerator([{"status": "ok", "answer": "from 1887 to 1889", "citations": ["S1"]}])
        eng = AnswerEngine(settings, retriever=FakeRetriever(_hits(), store), generator=gen, store=store)
        a, b = tmp_path / "a.gguf", tmp_path / "b.gguf"
        a.write_bytes(b"GGUF adapter AAAA")
        b.write_bytes(b"GGUF adapter BBBB")
        ids = set()
        for ref in ("none", str(a), str(b)):
            ids.add(eng.set_adapter(ref))
            assert not eng.ask("When was it built?").cached
        assert len(ids) == 3 and len(gen.calls) == 3
        eng.set_adapter(str(a))
        old = eng.adapter_id
        st = a.stat()
        a.write_bytes(b"GGUF adapter CCCC")  # retrained, same size, its mtime set back (cp -p, tar x)
        os.utime(a, ns=(st.st_atime_ns, st.st_mtime_ns))
        assert eng.set_adapter(str(a)) != old and gen.adapter_id == sha256_file(a)
        assert not eng.ask("When was it built?").cached
    finally:
        store.close()


def test_a_name_registered_again_with_other_bytes_never_resolves_to_the_old_adapter(settings, tmp_path, monkeypatch):
    np = pytest.importorskip("numpy")
    pytest.importorskip("gguf")
    from ragtune.appliance.registry import Registry
    from tests.gguf_helpers import write_tensors

    def lora(name, v):
        a = np.full((2, 8), v, dtype=np.float32)
        return write_tensors(tmp_path / name, {"blk.0.attn_q.weight.lora_a": a, "blk.0.attn_q.weight.lora_b": a.T},
                             **{"general.type": "adapter", "adapter.type": "lora", "adapter.lora.alpha": 4.0})

    reg = Registry(settings.home)
    first = reg.add(lora("one.gguf", 0.1), "lora-gguf", name="mine")
    store = open_store(settings.home)
    try:
        eng = AnswerEngine(settings, retriever=FakeRetriever(_hits(), store), generator=FakeGenerator(), store=store)
        assert eng.set_adapter("mine") == first.id
        with pytest.raises(InputError, match="another --name"):  # a taken name is refused (round 44) ...
            reg.add(lora("two.gguf", 0.2), "lora-gguf", name="mine")
        # ... but a home registered before that may hold two adapters of one name
        monkeypatch.setattr(Registry, "name_taken", lambda self, name, kind: None)
        second = reg.add(lora("two.gguf", 0.2), "lora-gguf", name="mine")
        assert second.id != first.id
        with pytest.raises(InputError, match="several"):  # ambiguous now: said so, never the old one silently
            eng.set_adapter("mine")
        assert eng.set_adapter(second.id) == second.id
    finally:
        store.close()


# -- the answer-prefix replay record (generate.py) -----------------------------------------------------------------
@pytest.mark.slow
def test_the_replay_record_replays_only_what_a_full_decode_takes(gen):
    """Replayed only for the same prompt tokens, grammar, sources, threshold, budget, model object, adapter and
    scale; streamed pieces are those of a full decode; a repair retry (another prompt) decodes in full."""
    from ragtune.appliance.prompt import SYSTEM_PROMPT, messages
    from ragtune.appliance.schema import answer_schema

    ctx = [ContextItem(id="S1", text="The Eiffel Tower was built from 1887 to 1889 by Gustave Eiffel's company.")]
    msgs = messages(SYSTEM_PROMPT, ctx, "When was the Eiffel Tower built?")
    s = answer_schema(["S1"], 200)
    ext = [("S1", [ctx[0].text])]
    first = gen.generate(msgs, schema=s, extractive=ext)
    assert json.loads(first.text)["status"] == "ok"
    avoid = [json.loads(first.text)["answer"].split()[0]]
    streamed: list[str] = []
    replayed = gen.generate(msgs, schema=s, extractive=ext, avoid=avoid, on_token=streamed.append)
    assert replayed.tokens_completion < len(replayed.tokens)  # replayed
    gen._pre_answer = None
    full_stream: list[str] = []
    full = gen.generate(msgs, schema=s, extractive=ext, avoid=avoid, on_token=full_stream.append)
    assert full.tokens_completion == len(full.tokens)
    assert (streamed, replayed.text, replayed.tokens, replayed.p_refused) == \
        (full_stream, full.text, full.tokens, full.p_refused)
    # a repair retry: the note makes another prompt
    note = [msgs[0], {"role": "user", "content": msgs[1]["content"] + "\nYour last answer was invalid."}]
    assert gen.generate(note, schema=s, extractive=ext).tokens_completion > 0
    for change in ({"refusal_threshold": 0.01}, {"max_tokens": 80}, {"extractive": None}):
        gen.generate(msgs, schema=s, extractive=ext)  # the record is this prompt's again
        r = gen.generate(msgs, schema=s, **{"extractive": ext, **change})
        assert r.tokens_completion == len(r.tokens), change
    # the product's candidates: the first decode at the calibrated threshold, the others at 1.0; a threshold acts
    # only on the status, so an "ok" under both replays, and ends as a full decode at 1.0 does
    first = gen.generate(msgs, schema=s, extractive=ext, refusal_threshold=0.6)
    assert json.loads(first.text)["status"] == "ok" and first.p_refused <= 0.6
    cand = gen.generate(msgs, schema=s, extractive=ext, refusal_threshold=1.0, avoid=avoid)
    assert cand.tokens_completion < len(cand.tokens)
    gen._pre_answer = None
    whole = gen.generate(msgs, schema=s, extractive=ext, refusal_threshold=1.0, avoid=avoid)
    assert (cand.text, cand.tokens, cand.p_refused) == (whole.text, whole.tokens, whole.p_refused)
    for threshold in [first.p_refused / 2] * (first.p_refused > 0) + [None]:  # it would refuse / no threshold
        gen.generate(msgs, schema=s, extractive=ext, refusal_threshold=0.6)
        r = gen.generate(msgs, schema=s, extractive=ext, refusal_threshold=threshold)
        assert r.tokens_completion == len(r.tokens), threshold
    gen.generate(msgs, schema=s, extractive=ext)
    saved = gen.adapter_scale, gen.adapter_id
    try:  # what is served is in the key: another scale or adapter id on the same model object replays nothing
        for scale, aid in ((1.25, saved[1]), (saved[0], "f" * 64)):
            gen.adapter_scale, gen.adapter_id = scale, aid
            r = gen.generate(msgs, schema=s, extractive=ext)
            assert r.tokens_completion == len(r.tokens)
    finally:
        gen.adapter_scale, gen.adapter_id = saved
