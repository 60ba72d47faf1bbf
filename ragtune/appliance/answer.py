"""The answer pipeline, one request at a time:

normalise the question -> hybrid retrieve -> context S1..Sk -> prompt.messages -> grammar-constrained generation
-> parse + schema validation (validity recorded before any repair) -> bounded repair -> refusal check
-> Answer with citations resolved to chunk id, source and span -> query log (+ answer cache).

Decisions (docs/answer.md has the long form):
- The model sees the normalised question (`normalize.normalize_query`: control characters removed, disfluencies
  cut), the same text retrieval used; the raw question is logged alongside.
- Nothing ingested -> InputError with a hint to run `ragtune ingest` (a clear message, not a refusal).
  Retrieval that finds nothing -> a refusal without calling the model (refusal_reason "no_sources").
- A question that cannot fit in the context window even without sources -> InputError. Otherwise the
  lowest-ranked sources are dropped until the prompt fits.
- Refusal check (only when there is a context): "ok" with no citations -> refused ("no_citations"); "ok" whose
  answer has too little lexical support in the cited sources -> refused ("unsupported"). A refused answer always
  carries REFUSAL_TEXT and no citations. With an empty context (tune-only arm) answers are not grounded-checked.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from typing import Any, Callable

from .config import Settings
from .errors import InputError, RagtuneError, StoreError
from .prompt import REFUSAL_TEXT, SYSTEM_PROMPT, context_from_hits, messages, system_prompt_sha256
from .schema import MAX_CITATIONS, answer_schema, parse_answer, validate_answer
from .types import Answer, ContextItem, Hit, Timings

MIN_SUPPORT = 0.34  # default of [generate] min_support: share of the answer's content words in the cited sources
NONE_ADAPTER = "none"

_WORD = re.compile(r"\w+", re.UNICODE)
_STOP = frozenset("""a an the and or but if of to in on at by for with from as is are was were be been being it its this
that these those there their they them he she his her him we you your i me my our not no do does did so than then
what which who whom whose when where why how also into over under about after before can could would should will
shall may might must has have had just only very more most such any some each all both other yes""".split())


def content_words(text: str) -> list[str]:
    return [w for w in (m.group(0).lower() for m in _WORD.finditer(text)) if w not in _STOP]


def support_score(answer: str, sources: list[str]) -> float:
    """Share of the answer's content words that occur in the sources (1.0 when the answer has none,
    e.g. "Yes.": nothing to contradict lexically)."""
    words = content_words(answer)
    if not words:
        return 1.0
    vocab = set(content_words(" ".join(sources)))
    # tolerate simple inflection: "built" vs "build", "cities" vs "city"
    stems = {w[:5] for w in vocab if len(w) >= 5}
    hit = sum(1 for w in words if w in vocab or (len(w) >= 5 and w[:5] in stems))
    return hit / len(words)


def clean_question(question: Any) -> str:
    """Control characters stripped, whitespace collapsed; empty -> InputError."""
    if not isinstance(question, str):
        raise InputError("the question must be text")
    from .normalize import clean_text

    q = clean_text(question)
    if not q:
        raise InputError("empty question", hint="ask a question with some words in it")
    return q


def _deterministic_repair(obj: Any, ids: list[str], max_chars: int) -> Any:
    """Fix what can be fixed without the model: unknown/duplicate citations dropped, the answer truncated
    and stripped of control characters, missing keys filled. Returns None when nothing sensible remains."""
    if not isinstance(obj, dict):
        return None
    status = obj.get("status")
    if status not in ("ok", "refused"):
        return None
    ans = obj.get("answer")
    if not isinstance(ans, str):
        ans = "" if ans is None else str(ans)
    ans = "".join(ch if (ord(ch) >= 0x20 or ch in "\n\t") else " " for ch in ans).strip()[:max_chars].strip()
    if not ans:
        if status == "refused":
            ans = REFUSAL_TEXT
        else:
            return None
    cites = obj.get("citations", [])
    if not isinstance(cites, list):
        cites = []
    allowed = set(ids)
    cites = [c for c in dict.fromkeys(c for c in cites if isinstance(c, str)) if c in allowed][:MAX_CITATIONS]
    return {"status": status, "answer": ans, "citations": cites}


class AnswerEngine:
    """Owns (lazily) a Retriever, a Generator and the Store unless they are given."""

    def __init__(self, settings: Settings, *, retriever: Any = None, generator: Any = None, store: Any = None):
        self.settings = settings
        self.cfg = settings.generate
        self._owned: list[Any] = []
        self._store = store
        self._retriever = retriever
        self._generator = generator
        self._adapter_ref: str | None = None  # what set_adapter was given (or the config default)
        self._adapter_id = NONE_ADAPTER
        self._adapter_ready = False

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
            from .generate import LlamaGenerator

            self._generator = LlamaGenerator(self.cfg, self.settings.home)
            self._owned.append(self._generator)
        if not self._adapter_ready:
            self._adapter_ready = True  # set first: a failing default adapter must not loop
            self._apply_adapter(self.cfg.adapter if self._adapter_ref is None else self._adapter_ref)
        return self._generator

    @property
    def model_id(self) -> str:
        return self.generator.model_id

    @property
    def adapter_id(self) -> str:
        return self._adapter_id

    def close(self) -> None:
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
        """(path or None, id) for "none", "active" (the registry's activated adapter), a registry
        id/prefix/name, or a .gguf path (registered: its id; unregistered: a `<file>.json` manifest with
        "sha256" next to it, else its own hash)."""
        ref = (ref or NONE_ADAPTER).strip()
        if ref.lower() == NONE_ADAPTER:
            return None, NONE_ADAPTER
        from pathlib import Path

        from ragtune.models.registry import ADAPTER_KINDS, Registry

        reg = Registry(self.settings.home)
        if ref.lower() == "active":
            art = reg.active_adapter()
            return (None, NONE_ADAPTER) if art is None else (art.path, art.id)
        p = Path(ref).expanduser()
        if p.is_file():
            from ragtune.models.defaults import sha256_file
            from ragtune.models.registry import resolve_input

            path, rid = resolve_input(reg, p, kinds=ADAPTER_KINDS)
            if rid:
                return path, rid
            side = p.with_name(p.name + ".json")
            if side.is_file():
                from .errors import ModelError, located

                try:
                    want = json.loads(side.read_text(encoding="utf-8")).get("sha256")
                except (ValueError, OSError, AttributeError) as exc:
                    raise ModelError(f"{located(side)}: unreadable adapter manifest: {exc}") from None
                if want:
                    return p, str(want)
            return p, sha256_file(p)
        art = reg.get(ref)
        if art.kind not in ADAPTER_KINDS:
            raise InputError(f"{ref}: is a {art.kind}, not a GGUF LoRA adapter",
                             hint="convert a trained adapter with `ragtune convert` first")
        return art.path, art.id

    def _apply_adapter(self, ref: str | None) -> None:
        path, aid = self.resolve_adapter(ref)
        if aid == self._adapter_id and self._generator is not None and \
                getattr(self._generator, "adapter_id", aid) == aid:
            return
        self._generator.set_adapter(path, None if path is None else aid)
        self._adapter_id = aid

    def set_adapter(self, ref: str | None) -> str:
        """Switch the served adapter ("none" = base). Returns the adapter id."""
        self._adapter_ref = ref or NONE_ADAPTER
        if self._generator is not None and self._adapter_ready:
            self._apply_adapter(self._adapter_ref)
        else:
            _ = self.generator  # loads, then applies _adapter_ref
        return self._adapter_id

    # -- the request --------------------------------------------------------------------------------------
    def _decoding(self) -> dict[str, Any]:
        from .grammar import GRAMMAR_VERSION

        c = self.cfg
        return {"temperature": c.temperature, "seed": c.seed, "max_tokens": c.max_tokens,
                "max_answer_chars": c.max_answer_chars, "max_repairs": c.max_repairs, "grammar": GRAMMAR_VERSION}

    def cache_key(self, ctx: list[ContextItem], question: str) -> str:
        parts = {
            "model": self.model_id, "adapter": self._adapter_id, "system": system_prompt_sha256(SYSTEM_PROMPT),
            "context": [[c.id, hashlib.sha256(c.text.encode("utf-8")).hexdigest()] for c in ctx],
            "query": question, "decoding": self._decoding(),
        }
        return hashlib.sha256(json.dumps(parts, sort_keys=True).encode("utf-8")).hexdigest()

    def ask(self, question: str, *, adapter: str | None = None, k: int | None = None, use_cache: bool = True,
            retrieve: bool = True, context: list[ContextItem] | None = None,
            on_token: Callable[[str], None] | None = None) -> Answer:
        """Answer one question. `on_token` receives the answer text as it is generated (JSON-unescaped,
        the answer field only). Raises InputError for empty or overlong questions."""
        t0 = time.perf_counter()
        q = clean_question(question)
        from .normalize import normalize_query

        nq = normalize_query(q)
        gen = self.generator
        if adapter is not None:
            self.set_adapter(adapter)
        max_tokens = self.cfg.max_tokens
        n_ctx = getattr(gen, "n_ctx", self.cfg.n_ctx)
        # The question alone must fit (checked before retrieval: no point searching for an unanswerable prompt).
        if gen.count_tokens(messages(SYSTEM_PROMPT, [], nq)) + max_tokens > n_ctx:
            raise InputError(f"the question is too long for the model's context window ({n_ctx} tokens incl. "
                             f"{max_tokens} for the answer)", hint="shorten the question")
        hits: list[Hit] = []
        retrieval_ms = 0.0
        if context is not None:
            ctx = [c if isinstance(c, ContextItem) else ContextItem(**c) for c in context]
        elif not retrieve:
            ctx = []
        else:
            retriever = self.retriever
            rr = retriever.retrieve(q, k=k, mode="hybrid", use_cache=use_cache)
            hits = rr.hits
            if not hits:
                store = getattr(retriever, "store", None) or self.store
                try:
                    n_chunks = store.count_chunks()
                except Exception as exc:
                    raise StoreError(f"cannot read the store: {exc}") from None
                if n_chunks == 0:
                    raise InputError("nothing is ingested yet, so there is nothing to answer from",
                                     hint="run `ragtune ingest PATH` first")
            nq = rr.normalized_query or nq
            retrieval_ms = rr.retrieval_ms
            ctx = context_from_hits(hits)
        retrieved = [c.chunk_id for c in ctx if c.chunk_id is not None] if not hits else [h.chunk_id for h in hits]
        msgs = messages(SYSTEM_PROMPT, ctx, nq)
        if ctx and gen.count_tokens(msgs) + max_tokens > n_ctx:
            # Keep sources in rank order while they fit; one that does not is skipped (a later, shorter one
            # may still fit). Retrieved contexts are renumbered S1..Sk; a given context keeps its ids.
            kept: list[ContextItem] = []
            for c in ctx:
                if gen.count_tokens(messages(SYSTEM_PROMPT, kept + [c], nq)) + max_tokens <= n_ctx:
                    kept.append(c)
            if context is None:
                kept = [ContextItem(**{**c.__dict__, "id": f"S{i}"}) for i, c in enumerate(kept, start=1)]
            ctx = kept
            msgs = messages(SYSTEM_PROMPT, ctx, nq)
        ids = [c.id for c in ctx]
        base = dict(retrieved=retrieved, context=ctx, model=gen.model_id, adapter=self._adapter_id)

        if retrieve and context is None and not ctx:
            ans = Answer(status="refused", answer=REFUSAL_TEXT, refusal_reason="no_sources",
                         timings=Timings(retrieval_ms=retrieval_ms), **base)
            return self._finish(ans, t0, q, nq, hits)

        use_answer_cache = use_cache and self.cfg.answer_cache and self.cfg.temperature == 0
        key = self.cache_key(ctx, nq) if use_answer_cache else None
        if key is not None:
            cached = self._cache_get(key, ctx, base, retrieval_ms)
            if cached is not None:
                if on_token is not None:
                    on_token(cached.answer)
                return self._finish(cached, t0, q, nq, hits)

        schema = answer_schema(ids, self.cfg.max_answer_chars)
        stream = _AnswerStream(on_token) if on_token is not None else None
        gen_kw: dict[str, Any] = {}
        if not use_cache:
            gen_kw["prefix_cache"] = False
        res = gen.generate(msgs, schema=schema, max_tokens=max_tokens, seed=self.cfg.seed,
                           on_token=stream.feed if stream else None, **gen_kw)
        raw = res.text
        tokens_prompt, tokens_completion = res.tokens_prompt, res.tokens_completion
        ttft_ms, generation_ms = res.ttft_ms, res.generation_ms
        obj, err = parse_answer(raw)
        errs = [err] if err else validate_answer(obj, ids, self.cfg.max_answer_chars)
        valid = not errs
        repaired = False
        repairs = 0
        while errs:
            repaired = True
            fixed = _deterministic_repair(obj, ids, self.cfg.max_answer_chars)
            if fixed is not None and not validate_answer(fixed, ids, self.cfg.max_answer_chars):
                obj, errs = fixed, []
                break
            if repairs >= self.cfg.max_repairs:
                break
            repairs += 1
            note = (f"\n\nYour previous reply was not valid ({'; '.join(errs)[:200]}). "
                    "Reply with exactly one JSON object as described.")
            retry_msgs = [msgs[0], {"role": "user", "content": msgs[1]["content"] + note}]
            res = gen.generate(retry_msgs, schema=schema, max_tokens=max_tokens, seed=self.cfg.seed, **gen_kw)
            tokens_prompt += res.tokens_prompt
            tokens_completion += res.tokens_completion
            generation_ms += res.generation_ms
            raw = res.text
            obj, err = parse_answer(raw)
            errs = [err] if err else validate_answer(obj, ids, self.cfg.max_answer_chars)
        refusal_reason = None
        if errs:
            obj = {"status": "refused", "answer": REFUSAL_TEXT, "citations": []}
            refusal_reason = "invalid_output"
        status, text, cites = obj["status"], obj["answer"], list(obj["citations"])
        if status == "ok" and ctx:
            by_id = {c.id: c for c in ctx}
            if not cites:
                refusal_reason = "no_citations"
            elif support_score(text, [by_id[c].text for c in cites]) < self.settings.generate.min_support:
                refusal_reason = "unsupported"
            if refusal_reason:
                status = "refused"
        if status == "refused":
            text, cites = REFUSAL_TEXT, []
            refusal_reason = refusal_reason or "model"
        by_id = {c.id: c for c in ctx}
        ans = Answer(status=status, answer=text, citations=[by_id[c] for c in cites], **base,
                     timings=Timings(retrieval_ms=retrieval_ms, ttft_ms=ttft_ms, generation_ms=generation_ms),
                     tokens_prompt=tokens_prompt, tokens_completion=tokens_completion,
                     cost=self._cost(tokens_prompt, tokens_completion), valid=valid, repaired=repaired,
                     refusal_reason=refusal_reason, raw_output=raw)
        if key is not None:
            self._cache_put(key, ans)
        return self._finish(ans, t0, q, nq, hits)

    # -- helpers ----------------------------------------------------------------------------------------
    def _cost(self, tp: int, tc: int) -> float:
        return tp / 1000 * self.cfg.price_per_1k_prompt + tc / 1000 * self.cfg.price_per_1k_completion

    def _finish(self, ans: Answer, t0: float, q: str, nq: str, hits: list[Hit]) -> Answer:
        from .querylog import log_answer

        ans.timings.total_ms = (time.perf_counter() - t0) * 1000
        try:
            ans.log_id = log_answer(self.store, ans, query=q, normalized_query=nq, hits=hits)
        except RagtuneError:
            raise
        except Exception as exc:  # apsw errors: the answer itself is fine, say what failed
            raise StoreError(f"cannot write the query log: {exc}") from None
        ans.timings.total_ms = (time.perf_counter() - t0) * 1000
        return ans

    def _cache_get(self, key: str, ctx: list[ContextItem], base: dict[str, Any], retrieval_ms: float) -> Answer | None:
        row = self.store.one("SELECT value FROM answer_cache WHERE key = ?", (key,))
        if row is None:
            return None
        try:
            v = json.loads(row[0])
            by_id = {c.id: c for c in ctx}
            cites = [by_id[c] for c in v["citations"]]
            return Answer(status=v["status"], answer=v["answer"], citations=cites, **base,
                          timings=Timings(retrieval_ms=retrieval_ms), tokens_prompt=0, tokens_completion=0,
                          cost=0.0, valid=v["valid"], repaired=v["repaired"], refusal_reason=v["refusal_reason"],
                          cached=True, raw_output=v["raw_output"])
        except (ValueError, KeyError, TypeError):
            return None  # a damaged entry is a miss; it is overwritten by the next answer

    def _cache_put(self, key: str, ans: Answer) -> None:
        v = {"status": ans.status, "answer": ans.answer, "citations": [c.id for c in ans.citations],
             "valid": ans.valid, "repaired": ans.repaired, "refusal_reason": ans.refusal_reason,
             "raw_output": ans.raw_output}
        with self.store.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO answer_cache(key, value, created) VALUES (?, ?, ?)",
                         (key, json.dumps(v, ensure_ascii=False), time.time()))


class _AnswerStream:
    """Turns the raw JSON token stream into answer-text deltas (the 4th JSON string, unescaped)."""

    _ESC = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "/": "/", "b": "", "f": "", "r": ""}

    def __init__(self, sink: Callable[[str], None]):
        self.sink = sink
        self.in_string = False
        self.escape = False
        self.strings = 0

    def feed(self, s: str) -> None:
        out = []
        for ch in s:
            if self.in_string:
                if self.escape:
                    self.escape = False
                    if self.strings == 4:
                        out.append(self._ESC.get(ch, ch))
                elif ch == "\\":
                    self.escape = True
                elif ch == '"':
                    self.in_string = False
                elif self.strings == 4:
                    out.append(ch)
            elif ch == '"':
                self.in_string = True
                self.strings += 1
        if out:
            self.sink("".join(out))
