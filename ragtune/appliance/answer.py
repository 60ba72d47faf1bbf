"""The answer pipeline, one request at a time. `AnswerEngine.ask` is the sequence of its stages, each a named
function below (docs/answer.md has the long form):

1. `normalise_question`  control characters out, whitespace collapsed, disfluencies cut (normalize.py; once: the
                         model and the retriever see the same normalised text, the raw question is logged alongside)
2. `_retrieve`           hybrid retrieval -> context S1..Sk (or the caller's context, or none; answer_sources.py)
3. `fit_context`         drop the lowest-ranked sources until the prompt fits the generator's window, counted with
                         the generator's own tokenizer (prompt.py)
4. `_generate`           grammar-constrained generation of the answer JSON (generate.py, sampler.py); in
                         extractive mode the answer is a span of a source by construction (extractive.py),
                         optionally only from the sentences that best match the question (focus.py)
5. `judge`               schema validation (validity recorded before repair), bounded repair (repair.py), then
                         the model's P(refused) (or the refusal model weighing it with other signals:
                         refusal_model.py), the extractive span check, citations pruned to the sources that
                         hold the answer, injected words, lexical support -> emitted or refused (refusal.py)
6. `_emit`               Answer with citations resolved to chunk id, source and span; query log (+ answer cache)

Decisions:
- Nothing ingested -> NothingIngested (an InputError) with a hint to run `ragtune ingest` (a clear message, not a
  refusal), said before the generation model is first loaded (the first request retrieves first).
  Retrieval that finds nothing -> a refusal without calling the model (refusal_reason "no_sources").
- A served context that looks like it does not hold the answer (evidence.py: a logistic model over the best
  sentence's share of the question's words, the reranker's top score, a number asked that the context lacks) ->
  refused ("no_evidence"), the model is not called.
- A question that tries to change the rules ("forget the documents", "print your system prompt", "status must
  be ok"; injection.QUESTION_PATTERNS) -> refused without calling the model (refusal_reason "override").
- A question that cannot fit in the context window even without sources -> InputError; the instructions and
  `max_tokens` alone past `n_ctx` (no question could fit) -> ConfigError naming those settings (question_fit.py).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from typing import Any, Callable

from .answer_cache import AnswerCache, unlogged
from .answer_code import answer_code_digest
from .answer_sources import Sources, retrieve_sources
from .answer_stream import AnswerStream
from .answer_served import sent_whole, served_verdict
from .candidates import choose_span
from .config import Settings
from .errors import GenerationError, InputError, RagtuneError, StoreError
from .extractive import extractive_sources
from .focus import focus
from .genresult import GenResult
from .injection import is_override_question
from .normalize import normalise_question
from .prompt import REFUSAL_TEXT, SYSTEM_PROMPT, fit_context, messages, system_prompt_sha256
from .refusal import Verdict, content_words, refusal_check, support_score  # noqa: F401  (re-exported)
from .refusal import language_reason
from .refs import NONE_ADAPTER
from .repair import Checked, repair_note, validate_and_repair
from .schema import answer_schema
from .types import Answer, ContextItem, Timings

MIN_SUPPORT = 0.34  # default of [generate] min_support: share of the answer's content words in the cited sources


class AnswerEngine(AnswerCache):
    """Owns (lazily) a Retriever, a Generator and the Store unless they are given."""

    def __init__(self, settings: Settings, *, retriever: Any = None, generator: Any = None, store: Any = None):
        self.settings = settings
        self.cfg = settings.generate
        self._owned: list[Any] = []
        self._closed = False
        self._store = store
        self._retriever = retriever
        self._generator = generator
        self._adapter_ref: str | None = None  # what set_adapter was given (or the config default)
        self._adapter_id = NONE_ADAPTER
        self._applied_scale = 1.0  # the adapter_scale the generator was given with it
        self._adapter_ready = False
        self._evidence: Any = False  # evidence.EvidenceModel | None once loaded (False: not yet)
        self._serving: dict[tuple[Any, ...], Any] = {}  # (key, setting, adapter id, override) -> value
        # What "auto" means for any adapter this engine serves, instead of its manifest's values: an eval of an
        # adapter not installed yet (eval run --adapter-refusal-threshold, --adapter-min-answer-logprob,
        # --adapter-evidence-cut, --adapter-answer-candidates, --adapter-scale), by key (calibrated.CALIBRATED), and
        # "refusal_model" (its JSON object: a rebuild's eval). A key not here: the manifest decides.
        self.adapter_serving: dict[str, Any] = {}
        # One request at a time, whatever thread asks: two threads decoding in one llama.cpp context abort the
        # whole process (GGML_ASSERT). Reentrant: ask() sets adapters and may close on the same thread.
        self._lock = threading.RLock()

    # -- resources --------------------------------------------------------------------------------------
    @property
    def store(self) -> Any:
        if self._store is None:
            from .store import open_store

            self._store = open_store(self.settings.home)
            self._owned.append(self._store)
        return self._store

    @property
    def retriever(self) -> Any:
        if self._retriever is None:
            from .retrieve import Retriever

            self._retriever = Retriever(self.settings, store=self.store)
            self._owned.append(self._retriever)
        return self._retriever

    @property
    def generator(self) -> Any:
        if self._generator is None:
            from .remote import make_generator  # generate.backend: in-process llama.cpp or an OpenAI server

            self._generator = make_generator(self.cfg, self.settings.home)
            self._owned.append(self._generator)
        if not self._adapter_ready:
            self._adapter_ready = True  # set first: a failing default adapter must not loop
            self._apply_adapter(self.cfg.adapter if self._adapter_ref is None else self._adapter_ref)
        return self._generator

    @property
    def evidence(self) -> Any:
        """The evidence model paired with the reranker in use (evidence.py), or None (no pre-generation check)."""
        if self._evidence is False:
            from .evidence import for_reranker
            from .rerank import rerank_folder

            self._evidence = (for_reranker(rerank_folder(self.settings.retrieve.rerank, self.settings.home))
                              if self.cfg.evidence_check else None)
        return self._evidence

    @property
    def model_id(self) -> str:
        return self.generator.model_id

    @property
    def adapter_id(self) -> str:
        return self._adapter_id

    @property
    def adapter_served(self) -> str:
        """How the adapter answers now, as the generator did it (Generator.adapter_served), not as configured."""
        return self.generator.adapter_served

    @property
    def refusal_threshold(self) -> float:
        """`generate.refusal_threshold`, "auto" resolved for the adapter being served (refusal.resolve_serving)."""
        t = self._serving_value("refusal_threshold")
        return 1.0 if t is None else t

    @property
    def evidence_cut(self) -> float | None:
        """`generate.evidence_cut`, "auto" resolved for the adapter being served; None: the evidence model's own."""
        return self._serving_value("evidence_cut")

    @property
    def min_answer_logprob(self) -> float | None:
        """`generate.min_answer_logprob`, "auto" resolved for the adapter being served; None: no floor."""
        return self._serving_value("min_answer_logprob")

    @property
    def refusal_model(self) -> Any:
        """`generate.refusal_model` resolved for the adapter being served (refusal_model.py), or None."""
        return self._serving_value("refusal_model")

    @property
    def answer_candidates(self) -> int:
        """`generate.answer_candidates`, "auto" resolved for the adapter being served; 1: the first span only."""
        return int(self._serving_value("answer_candidates") or 1)

    @property
    def adapter_scale(self) -> float:
        """`generate.adapter_scale`, "auto" resolved for the adapter being served; the base: 1.0 (no adapter)."""
        return self._scale_for(self._adapter_id)

    def _scale_for(self, aid: str) -> float:
        return 1.0 if aid == NONE_ADAPTER else float(self._serving_value("adapter_scale", aid) or 1.0)

    def _serving_value(self, name: str, aid: str | None = None) -> Any:
        from .builtin_adapters import refusal_model_for
        from .refusal import resolve_serving

        aid = self._adapter_id if aid is None else aid
        over = self.adapter_serving.get(name) if aid != NONE_ADAPTER else None  # the base: defaults
        setting = getattr(self.cfg, name)
        key = (name, setting, aid, json.dumps(over, sort_keys=True) if isinstance(over, dict) else over)
        if key not in self._serving:  # "auto" reads a manifest: once per adapter switch, not per question
            self._serving[key] = (refusal_model_for(setting, aid, over) if name == "refusal_model"
                                  else resolve_serving(name, setting, aid, over))
        return self._serving[key]

    def close(self) -> None:
        with self._lock:
            self._close()

    def _close(self) -> None:
        self._closed = True  # what it owned is closed: a later ask says so (not an error of a closed store)
        for obj in reversed(self._owned):
            try:
                obj.close()
            except Exception:
                pass
        self._owned.clear()

    def __enter__(self) -> "AnswerEngine":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- adapters -------------------------------------------------------------------------------------------
    def resolve_adapter(self, ref: str | None) -> tuple[Any, str]:
        """(path or None, id) for "none", "default" (the activated adapter, else the built-in default adapter of
        the served model when its manifest says go), "active" (the registry's activated adapter), a registry
        id/prefix/name, or a .gguf path (registered: its id; unregistered: a `<file>.json` manifest with
        "sha256" next to it, else its own hash)."""
        from .refs import resolve_adapter
        from .registry import Registry

        gen = self._generator  # its model given by path: the file it loaded is what an adapter is checked against
        return resolve_adapter(Registry(self.settings.home), ref, model_id=getattr(gen, "model_id", None),
                               model_file=getattr(gen, "model_path", None))

    def _apply_adapter(self, ref: str | None) -> None:
        path, aid = self.resolve_adapter(ref)
        scale = self._scale_for(aid)  # its strength is served with it: another scale is another model
        if (aid, scale) == (self._adapter_id, self._applied_scale) and self._generator is not None and \
                getattr(self._generator, "adapter_id", aid) == aid:
            return
        self._generator.set_adapter(path, None if path is None else aid, scale=scale)
        self._adapter_id, self._applied_scale = aid, scale

    def set_adapter(self, ref: str | None) -> str:
        """Switch the served adapter ("none" = base). Returns the adapter id. A switch that fails (an adapter that
        cannot load) raises and leaves the adapter that served before: later requests must not retry it."""
        with self._lock:
            return self._set_adapter(ref)

    def _set_adapter(self, ref: str | None) -> str:
        prev, self._adapter_ref = self._adapter_ref, ref or NONE_ADAPTER
        try:
            if self._generator is not None and self._adapter_ready:
                self._apply_adapter(self._adapter_ref)
            else:
                _ = self.generator  # loads, then applies _adapter_ref
        except Exception:
            self._adapter_ref = prev
            raise
        return self._adapter_id

    def close_other_adapters(self, keep: list[str], switch_to: str | None = None) -> list[str]:
        """Close the generator's merged models and LoRAs (AdapterServing.retain) but those `keep` names and the one
        serving, after a switch to `switch_to` if given: the ids closed ([] once closed). The caller holds _lock."""
        if self._closed or not self.holds_adapters:
            return []
        if switch_to is not None:
            self.set_adapter(switch_to)
        return self._generator.retain([self.resolve_adapter(ref)[1] for ref in keep] + [self.adapter_id])

    @property
    def holds_adapters(self) -> bool:  # close_other_adapters could close some (asked before waiting for `_lock`)
        return callable(getattr(self._generator, "retain", None))

    # -- the request: its stages in order -------------------------------------------------------------------
    def ask(self, question: str, *, adapter: str | None = None, k: int | None = None, use_cache: bool = True,
            retrieve: bool = True, context: list[ContextItem] | None = None,
            on_token: Callable[[str], None] | None = None, mode: str | None = None, client_id: str | None = None,
            arm: str | None = None, filters: dict[str, Any] | None = None, rollout: str | None = None) -> Answer:
        """Answer one question. `on_token` receives the answer text as it is generated (JSON-unescaped,
        the answer field only; with several answer candidates, "" per decoded token and then the chosen answer
        whole: the caller can tell generation is under way, and stop it by raising). `mode`: "extractive" | "free"
        (default `generate.answer_mode`). `client_id`, `arm` (a rollout's "control"/"candidate") and `rollout` (that
        rollout's id) go into the query log. `filters`: answer only from that part of the documents (retrieval's
        scope: scope.py). Raises InputError for empty or overlong questions. Safe to call
        from several threads: they take turns (an engine per thread answers in parallel)."""
        with self._lock:
            return self._ask(question, adapter=adapter, k=k, use_cache=use_cache, retrieve=retrieve, context=context,
                             on_token=on_token, mode=mode, client_id=client_id, arm=arm, filters=filters,
                             rollout=rollout)

    def _ask(self, question: str, *, adapter: str | None, k: int | None, use_cache: bool, retrieve: bool,
             context: list[ContextItem] | None, on_token: Callable[[str], None] | None, mode: str | None,
             client_id: str | None, arm: str | None, filters: dict[str, Any] | None,
             rollout: str | None = None) -> Answer:
        if self._closed:
            raise GenerationError("the engine is closed", hint="make a new AnswerEngine")
        t0 = time.perf_counter()
        mode = self._mode(mode)
        q, nq = normalise_question(question)
        override = is_override_question(q) or is_override_question(nq)
        # before the first model load, retrieval: an empty home's NothingIngested costs no model load (seconds)
        src = None if override or self._generator is not None else self._retrieve(
            q, nq, k=k, use_cache=use_cache, retrieve=retrieve, context=context, filters=filters)
        gen = self._generator_for(adapter)
        self.check_fits(gen, nq)
        if override:  # a jailbreak: refused, nothing retrieved or asked
            src = Sources([], nq)
            return self._emit(self._answer(Verdict("refused", REFUSAL_TEXT, [], "override"), None, [], src, gen,
                                           mode), t0, question, src, (client_id, arm, rollout))
        if src is None:
            src = self._retrieve(q, nq, k=k, use_cache=use_cache, retrieve=retrieve, context=context, filters=filters)
        ctx = fit_context(gen.count_tokens, src.context, src.normalized, reserve=self.cfg.max_tokens,
                          n_ctx=self._n_ctx(gen), renumber=src.searched)
        if src.searched and not ctx:
            return self._emit(self._answer(Verdict("refused", REFUSAL_TEXT, [], "no_sources"), None, ctx, src, gen,
                                           mode), t0, question, src, (client_id, arm, rollout))
        holds, evidence = (self.evidence.holds(src.normalized, src.hits, self.evidence_cut)
                           if src.searched and self.evidence is not None else (True, None))
        if not holds:  # "language": a question in another language than its sources (say so, not "no evidence")
            reason = language_reason("no_evidence", src.normalized, [c.text for c in ctx])
            ans = self._answer(Verdict("refused", REFUSAL_TEXT, [], reason), None, [], src, gen, mode)
            ans.evidence_score = evidence
            return self._emit(ans, t0, question, src, (client_id, arm, rollout))
        key = self.cache_key(ctx, src.normalized, mode, evidence) if self._answer_cache_on(use_cache) else None
        cached = self._cache_get(key, ctx, src, gen, mode) if key is not None else None
        if cached is not None:
            if on_token is not None:
                on_token(cached.answer)
            cached.evidence_score = evidence
            return self._emit(cached, t0, question, src, (client_id, arm, rollout))
        msgs = messages(SYSTEM_PROMPT, ctx, src.normalized)
        schema = answer_schema([c.id for c in ctx], self.cfg.max_answer_chars)
        n = self.answer_candidates if mode == "extractive" else 1
        at_once = n > 1 or sent_whole(src.normalized, mode, ctx)  # sent whole once decided: answer_served.sent_whole
        stream = AnswerStream(on_token) if on_token is not None and not at_once else None
        tick = (lambda _piece: on_token("")) if on_token is not None and at_once else None  # type: ignore[misc]
        spans = (focus(src.normalized, extractive_sources(ctx, src.normalized), self.cfg.focus_sentences)
                 if mode == "extractive" else None)
        first = self._generate(gen, msgs, schema, spans, use_cache=use_cache, on_token=stream.feed if stream else tick)
        if n > 1:  # the prompt was just evaluated: the other candidates reuse it (prefix cache) whatever use_cache
            first = choose_span(first, lambda avoid, whole: self._generate(
                gen, msgs, schema, spans, use_cache=True, avoid=avoid, answer_only=not whole, on_token=tick), n,
                src.normalized, ctx)
        checked, verdict = self.judge(first, lambda errs: self._generate(gen, _with_note(msgs, repair_note(errs)),
                                                                         schema, spans, use_cache=use_cache),
                                      ctx, src.normalized, mode, evidence_score=evidence)
        verdict = served_verdict(verdict, ctx, src.normalized, mode, self.cfg.max_answer_chars)  # yes/no, tidied
        ans = self._answer(verdict, checked, ctx, src, gen, mode)
        if on_token is not None and stream is None:
            on_token(ans.answer)
        ans.evidence_score = evidence
        ans = self._emit(ans, t0, question, src, (client_id, arm, rollout))
        if key is not None:  # after the log: the entry names the row that produced it (a repeat's `cached_from`)
            self._cache_put(key, ans)
        return ans

    # -- the stages ---------------------------------------------------------------------------------------
    def judge(self, res: GenResult, regenerate: Callable[[list[str]], GenResult], ctx: list[ContextItem],
              question: str, mode: str, evidence_score: float | None = None) -> tuple[Checked, Verdict]:
        """After generation: validate `res` (`regenerate(errors)`: a repair retry), then the refusal checks."""
        c = self.cfg
        checked = validate_and_repair(res, regenerate, [x.id for x in ctx], max_chars=c.max_answer_chars,
                                      max_repairs=c.max_repairs)
        early = None if checked.obj is not None else "invalid_output"
        model = self.refusal_model
        if early is None and model is not None and ctx and checked.obj.get("status") == "ok" and model.refuses(
                question, checked.obj["answer"], checked.obj["citations"], {x.id: x.text for x in ctx},
                p_refused=checked.p_refused, evidence_score=evidence_score,
                answer_min_logprob=checked.answer_min_logprob):
            early = "uncertain"  # the refusal signals weighed together (refusal_model.py)
        verdict = refusal_check(checked.obj or _REFUSED, ctx, min_support=c.min_support, mode=mode,
                                p_refused=checked.p_refused, refusal_threshold=self.refusal_threshold,
                                answer_min_logprob=checked.answer_min_logprob,
                                min_answer_logprob=self.min_answer_logprob, question=question,
                                min_relevance=c.min_relevance, refuse_echo=c.refuse_echo, reason=early)
        return checked, verdict

    def _generator_for(self, adapter: str | None) -> Any:
        if adapter is not None:  # before a first load: only the model asked for is loaded
            self.set_adapter(adapter)
        gen = self.generator
        if self._applied_scale != self.adapter_scale:  # adapter_serving changed since: never a stale strength
            self._apply_adapter(self.cfg.adapter if self._adapter_ref is None else self._adapter_ref)
        return gen

    def _n_ctx(self, gen: Any) -> int:
        return getattr(gen, "n_ctx", self.cfg.n_ctx)

    def check_fits(self, gen: Any, nq: str = "") -> None:
        """The question alone must fit (no question, "": the instructions; serve checks that at start). Checked as
        soon as the model is loaded: before retrieval once it is (no point searching for an unanswerable prompt); on
        an engine's first request after it, as retrieval runs before the first load. question_fit.py says why not."""
        from .question_fit import check_question_fits

        check_question_fits(gen, nq, n_ctx=self._n_ctx(gen), max_tokens=self.cfg.max_tokens)

    def _retrieve(self, q: str, nq: str, *, k: int | None, use_cache: bool, retrieve: bool,
                  context: list[ContextItem] | None, filters: dict[str, Any] | None = None) -> Sources:
        """The caller's context as given, none (`retrieve=False`), or a hybrid retrieval (answer_sources.py)."""
        return retrieve_sources(self, q, nq, k=k, use_cache=use_cache, retrieve=retrieve, context=context,
                                filters=filters)

    def _mode(self, mode: str | None) -> str:
        from .config import ANSWER_MODES

        mode = self.cfg.answer_mode if mode is None else str(mode).strip().lower()
        if mode not in ANSWER_MODES:
            raise InputError(f"unknown answer mode {mode!r}", hint=f"one of: {', '.join(ANSWER_MODES)}")
        return mode

    def _generate(self, gen: Any, msgs: list[dict[str, str]], schema: dict[str, Any],
                  spans: list[tuple[str, tuple[str, ...]]] | None, *, use_cache: bool,
                  on_token: Callable[[str], None] | None = None, avoid: list[str] | None = None,
                  answer_only: bool = False) -> GenResult:
        # another candidate (`avoid`, candidates.py) answers too: the first one's status was "ok"
        kw: dict[str, Any] = {"refusal_threshold": 1.0 if avoid else self.refusal_threshold}
        if avoid:
            kw["avoid"] = avoid
        if answer_only:
            kw["answer_only"] = True
        if spans is not None:
            kw["extractive"] = spans
        if not use_cache:
            kw["prefix_cache"] = False
        return gen.generate(msgs, schema=schema, max_tokens=self.cfg.max_tokens, seed=self.cfg.seed,
                            on_token=on_token, **kw)

    def _answer(self, verdict: Verdict, checked: Checked | None, ctx: list[ContextItem], src: Sources,
                gen: Any, mode: str) -> Answer:
        """Assemble the Answer: citations resolved to their context items."""
        by_id = {c.id: c for c in ctx}
        ans = Answer(status=verdict.status, answer=verdict.text, citations=[by_id[c] for c in verdict.citations],
                     retrieved=src.retrieved, context=ctx, model=gen.model_id, adapter=self._adapter_id,
                     timings=Timings(retrieval_ms=src.retrieval_ms), refusal_reason=verdict.reason, mode=mode)
        if checked is not None:
            ans.p_refused, ans.answer_min_logprob = checked.p_refused, checked.answer_min_logprob
            ans.timings.ttft_ms, ans.timings.generation_ms = checked.ttft_ms, checked.generation_ms
            ans.tokens_prompt, ans.tokens_completion = checked.tokens_prompt, checked.tokens_completion
            ans.cost = self._cost(checked.tokens_prompt, checked.tokens_completion)
            ans.valid, ans.repaired, ans.raw_output = checked.valid, checked.repaired, checked.raw
        return ans

    def _emit(self, ans: Answer, t0: float, question: str, src: Sources,
              who: tuple[str | None, str | None, str | None]) -> Answer:
        """Log the request (every one, cache hits too; the question as typed) and stamp the total time. `who`: (client
        id, rollout arm, rollout id), metadata only: the answer's text, status and citations are as they were."""
        from .querylog import log_answer, typed_question

        ans.client_id, ans.arm, ans.rollout = who
        ans.timings.total_ms = (time.perf_counter() - t0) * 1000
        if unlogged(self.store):  # a read-only home (a kiosk's): answered, not logged (said once on stderr)
            return ans
        try:
            ans.log_id = log_answer(self.store, ans, query=typed_question(question), normalized_query=src.normalized,
                                    hits=src.hits, keep_days=self.settings.retention.query_log_days,
                                    scope=src.scope, settings=self.logged_settings(ans.mode))
        except RagtuneError:
            raise
        except Exception as exc:  # apsw errors: the answer itself is fine, say what failed
            raise StoreError(f"cannot write the query log: {exc}") from None
        ans.timings.total_ms = (time.perf_counter() - t0) * 1000
        return ans

    def _cost(self, tp: int, tc: int) -> float:
        return tp / 1000 * self.cfg.price_per_1k_prompt + tc / 1000 * self.cfg.price_per_1k_completion

    def cache_key(self, ctx: list[ContextItem], question: str, mode: str | None = None,
                  evidence: float | None = None) -> str:
        """The answer's inputs: the prompt and the schema as rendered (a template change is another key, not only
        a system-prompt change), the sources, the settings in force, the answer code (answer_code.py) and, when a
        refusal model weighs it, the context's evidence score (the same sources ranked with other scores can be
        refused)."""
        sha = lambda obj: hashlib.sha256(json.dumps(obj, sort_keys=True).encode("utf-8")).hexdigest()  # noqa: E731
        parts = {
            "model": self.model_id, "adapter": self._adapter_id, "system": system_prompt_sha256(SYSTEM_PROMPT),
            "context": [[c.id, hashlib.sha256(c.text.encode("utf-8")).hexdigest()] for c in ctx],
            "query": question, "decoding": self._decoding(), "mode": mode or self.cfg.answer_mode,
            "code": answer_code_digest(),
            "prompt": sha(messages(SYSTEM_PROMPT, ctx, question)),
            "schema": sha(answer_schema([c.id for c in ctx], self.cfg.max_answer_chars)),
            **({"evidence_score": evidence} if self.refusal_model is not None else {}),
            # a remote server (remote.py): another server or served name is another answer for the same GGUF
            **({"served_by": scope} if (scope := getattr(self.generator, "cache_scope", None)) else {}),
        }
        return sha(parts)


_REFUSED = {"status": "refused", "answer": REFUSAL_TEXT, "citations": []}


def _with_note(msgs: list[dict[str, str]], note: str) -> list[dict[str, str]]:
    """The same prompt with a note appended to the user turn (the repair retry)."""
    return [msgs[0], {"role": "user", "content": msgs[1]["content"] + note}]
