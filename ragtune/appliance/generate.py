"""Generation: the one place that calls llama.cpp (through llama-cpp-python). The scripted test double lives in
tests/fakes.py.

`LlamaGenerator` owns the model's vocabulary (loaded alone at start), the base model (loaded on first use, or by
`load()`), the merged models it serves adapters from (merged.py), pinned run-time LoRA adapters and the grammar
samplers; everything native is released by `close()`. llama.cpp's log
goes to the Python logger "ragtune.llama" (llamalog.py), never to stdout/stderr.

Decoding is our own loop over llama-cpp-python's low-level API; which token is taken at each step (the grammar,
the extractive span constraint, the repetition guard, the model's refusal probability) is decided in sampler.py,
fast on a 49k-token vocabulary.

Prompt prefix reuse: the KV cache of the previous request stays in the context; the next prompt is compared
token by token and only the differing tail is evaluated (the system prompt and chat header are identical for
every request, so they are never recomputed while `generate.prefix_cache` is on).

Answer prefix replay: a greedy decode of the same prompt under the same constraints takes the same tokens up to the
answer's opening, whatever its `avoid` (which acts only from there). The answer candidates (candidates.py) decode
the same prompt again and again, so the tokens before the answer (`{"status": "ok", "answer": "`, ~10) are
replayed from the previous decode instead of decoded one by one; their KV entries are still in the cache, and the
choices and log-probabilities after them are bit for bit those of a full decode. The candidates' refusal threshold
(1.0) is not the first decode's: a threshold only decides the status, so the record serves any threshold under which
the decode also commits to "ok" (`_takes_ok`). A candidate is decoded only through its answer string
(`answer_only`): the citations only of the one chosen are needed, and it is decoded again in full.
"""

from __future__ import annotations

import codecs
import collections
import time
from pathlib import Path
from typing import Any, Sequence

from . import vocab as _vocab
from .adapter_serving import AdapterServing
from .ggufinfo import load_template_error
from .config import GenerateConfig
from .errors import GenerationError, InputError, ModelError, OutOfMemory
from .home import Home
from .llamalog import CaptureStderr as _CaptureStderr
from .llamalog import fd_guard as _fd_guard
from .llamalog import llama_cpp_module as _llama_cpp
from .llamalog import recent_error_text as _recent_error_text
from .genresult import GenResult, OnToken, refusal_json
from .text import is_utf8, shown_path


def _takes_ok(recorded: float | None, p_refused: float | None, threshold: float | None) -> bool:
    """Whether a greedy decode at `threshold` commits to "ok" with the same token as the recorded one did (at
    `recorded`, the model's P(refused) `p_refused`; sampler.Sampler._status): a threshold only forces the status
    to the class it wants ("ok" when P(refused) <= it), and no threshold (None) forces nothing, so the same
    threshold, or any two under which "ok" is wanted (or no P(refused) was read), take the same token."""
    if threshold == recorded:
        return True
    if threshold is None or recorded is None:
        return False
    return p_refused is None or p_refused <= threshold


# -- model resolution ------------------------------------------------------------------------------------
def resolve_model(ref: str | Path, home: Home) -> tuple[Path, str]:
    """(path, sha256) of a GGUF given a default-model name, a registry id/prefix/name, or a file path.
    The bytes are verified against the manifest/registry hash (memoised: hashing.py)."""
    from .refs import resolve_gguf_model
    from .registry import Registry

    return resolve_gguf_model(Registry(home), ref)


def load_error(path: Path, exc: BaseException, what: str = "load the model", n_ctx: int | None = None) -> ModelError:
    """What llama.cpp's refusal to load `path` means. llama-cpp-python says only "Failed to load model from file"
    (llama.cpp's own reason goes to its log): a model of an architecture this llama.cpp does not know (registered
    before `models add` checked it, or a file given by path) is named as such, with what to do. `what` llama.cpp
    could not do (remote.py reads only the vocabulary). Out of memory (a std::bad_alloc, its KV cache or compute
    buffers not allocated, numpy's MemoryError) is said as such, with what to lower: `n_ctx`, the context asked."""
    from . import machine

    log = _recent_error_text()
    if OutOfMemory.says_so(exc) or OutOfMemory.says_so(RuntimeError(log)):
        lower = f"lower `[generate] n_ctx` (now {n_ctx}) or choose a smaller `[generate] model`" if n_ctx else None
        why = str(exc).replace(f": {path}", "") or type(exc).__name__  # "Failed to load model from file: PATH"
        hint = machine.out_of_memory_hint(lower)
        return ModelError(f"{path}: out of memory: llama.cpp cannot {what} ({why})",
                          hint=f"{log}; {hint}" if log else hint)
    from .ggufinfo import GGUFError, architecture_message, known_architectures, read_gguf

    try:
        arch = read_gguf(path).architecture
    except GGUFError:
        arch = ""
    known = known_architectures() if arch else None
    if known is not None and arch not in known:
        message, hint = architecture_message(path, arch)
        return ModelError(f"{message}: llama.cpp cannot {what}", hint=hint)
    return ModelError(f"{path}: llama.cpp cannot {what}: {exc}", hint=_recent_error_text() or None)


# -- the real generator ----------------------------------------------------------------------------------
class LlamaGenerator(AdapterServing):
    """llama.cpp model + context. Not thread-safe: one request at a time (the TUI runs it in a worker). Its adapter
    switch (`set_adapter`, merged or run-time LoRA, at `adapter_scale`) is adapter_serving.py."""

    def __init__(self, cfg: GenerateConfig, home: Home | None = None, *, model: str | Path | None = None):
        self.cfg = cfg
        self.home = home or Home()
        self._llm = self._ctx = self._vocab_llm = None  # serving now: the base or a merged model; the vocabulary
        self._base: Any = None  # loaded on first use: a merged adapter alone never needs the base's weights
        self._merged: dict[tuple[str, float], Any] = {}  # (adapter sha256, scale) -> Llama of its merged model
        self._adapters: dict[str, Any] = {}  # sha256 -> llama_adapter_lora* (pinned until close)
        self._merged_pins: dict[tuple[str, float], int | None] = {}  # (sha, scale) -> the fd pinning its merged file
        self._grammars: "collections.OrderedDict[str, Any]" = collections.OrderedDict()
        self.adapter_id, self.adapter_scale, self._runtime_lora = "none", 1.0, False  # adapter_serving.py
        # The last greedy "ok" decode's tokens before the answer: (key, tokens, P(refused), its refusal threshold);
        # see "replay" above.
        self._pre_answer: tuple[tuple, list[int], float | None, float | None] | None = None
        path, sha = resolve_model(model or cfg.model, self.home)  # not str(): a config value names its line
        self.model_path = path
        self.model_id = sha
        lc = _llama_cpp()
        self._lc = lc
        # The tokenizer, chat template and vocabulary come from a vocabulary-only load (~18 MB): a merged model
        # has the same ones, and serving only a merged adapter then never maps the base's weights (185 MB).
        self._vocab_llm = llm = self._load(path, vocab_only=True)
        self._vocab = llm._model.vocab
        self.n_vocab = llm.n_vocab()
        self.n_ctx = cfg.n_ctx
        self._formatter = _vocab.chat_formatter(llm, path)
        import numpy as np

        self._np = np
        from .sampler import GrammarOps

        self._ops = GrammarOps(lc, self.n_vocab, np)
        self._vocab_index: Any = None  # extractive.VocabIndex, built on first use
        self._eog_cache: dict[int, bool] = {}
        self._quote_tok = self._single_token('"')
        self._control = _vocab.ControlText.of_model(lc, llm, self._formatter.render)  # F1: only its markers are control

    # -- helpers ---------------------------------------------------------------------------------------
    def _load(self, path: Path, *, vocab_only: bool = False) -> Any:
        cfg = self.cfg
        if not is_utf8(path):  # Llama() encodes model_path as UTF-8: it would fail on the codec, not on the file
            raise ModelError(f"{shown_path(path)}: llama.cpp opens a model by a UTF-8 path, and this one's bytes "
                             "are not UTF-8", hint="rename the file or its folder, then `ragtune models add` it again")
        from jinja2 import TemplateError  # llama-cpp-python's own: Llama() compiles every chat template in the file
        try:
            with _fd_guard():  # Llama() swaps fds 1/2 (see llamalog.fd_guard)
                return self._lc.Llama(
                    model_path=str(path), n_ctx=cfg.n_ctx, n_batch=min(512, cfg.n_ctx), n_threads=cfg.threads,
                    n_threads_batch=cfg.threads_batch, seed=cfg.seed, verbose=False, vocab_only=vocab_only,
                )
        except (ValueError, RuntimeError, OSError, MemoryError) as exc:  # MemoryError: numpy's, for the logits
            raise load_error(path, exc, n_ctx=None if vocab_only else cfg.n_ctx) from None
        except TemplateError as exc:  # a model in a hand-edited config: was "internal error" at `ask` and `serve`
            raise load_template_error(path, exc) from None

    def _serve(self, llm: Any) -> None:  # the base or a merged model: one vocabulary, a KV cache (prefix) each
        self._llm, self._ctx = llm, llm.ctx

    def _base_model(self) -> Any:
        self._base = self._base if self._base is not None else self._load(self.model_path)
        return self._base

    def _serving(self) -> Any:  # the model serving now: the base until an adapter is set
        self._check_open()
        if self._llm is None:
            self._serve(self._base_model())
        return self._llm

    def _check_open(self) -> None:
        if self._vocab_llm is None:
            raise GenerationError("the generator is closed")

    def render(self, messages: Sequence[dict[str, str]]) -> str:
        """The prompt text through the model's own chat template (chatml for SmolLM2); a control-token string inside
        a message stays text (vocab.ControlText: only the template's own markers are control tokens)."""
        return self._formatter.render(self._control.messages(messages))

    def tokenize_prompt(self, messages: Sequence[dict[str, str]]) -> list[int]:
        self._check_open()
        return self._vocab_llm.tokenize(self.render(messages).encode("utf-8"), add_bos=True, special=True)

    def count_tokens(self, messages: Sequence[dict[str, str]]) -> int:
        return len(self.tokenize_prompt(messages))

    def _piece(self, tok: int) -> bytes:
        return _vocab.piece(self._lc, self._vocab, tok)

    def _single_token(self, text: str) -> int | None:
        return _vocab.single_token(self._vocab_llm, text)

    def vocab_index(self) -> Any:
        """Every token's piece, byte-sorted (for the extractive constraint); built once per model."""
        if self._vocab_index is None:
            from .extractive import VocabIndex

            self._vocab_index = VocabIndex([self._piece(t) for t in range(self.n_vocab)])
        return self._vocab_index

    def _eog(self, tok: int) -> bool:
        v = self._eog_cache.get(tok)
        if v is None:
            v = self._eog_cache[tok] = bool(self._lc.llama_vocab_is_eog(self._vocab, tok))
        return v

    def _grammar(self, gbnf: str) -> Any:
        """A grammar sampler, parsed once per distinct grammar and reset per request (llama.cpp re-parses
        on reset, so a reused sampler starts from the root). Fails closed."""
        smpl = self._grammars.get(gbnf)
        if smpl is not None:
            self._grammars.move_to_end(gbnf)
            self._lc.llama_sampler_reset(smpl)
            return smpl
        with _CaptureStderr() as cap:
            smpl = self._lc.llama_sampler_init_grammar(self._vocab, gbnf.encode("utf-8"), b"root")
        if not smpl:
            detail = cap.text or _recent_error_text() or "parse failed"
            raise GenerationError(f"llama.cpp rejected the answer grammar: {detail}",
                                  hint="refusing to generate without the grammar")
        self._grammars[gbnf] = smpl
        while len(self._grammars) > 16:
            _, old = self._grammars.popitem(last=False)
            self._lc.llama_sampler_free(old)
        return smpl

    def _eval_prompt(self, tokens: list[int], use_prefix: bool) -> int:
        """Evaluate the prompt, reusing the longest common prefix of what the KV cache holds. Returns the
        number of reused tokens."""
        llm = self._serving()
        keep = 0
        if use_prefix:
            held = llm.input_ids[: llm.n_tokens]
            n = min(len(held), len(tokens))
            while keep < n and held[keep] == tokens[keep]:
                keep += 1
            keep = min(keep, len(tokens) - 1)  # evaluate at least one token: we need fresh logits
        llm.n_tokens = keep  # Llama.eval drops KV entries from n_tokens on
        try:
            llm.eval(tokens[keep:])
        except RuntimeError as exc:
            llm.n_tokens = 0
            raise GenerationError(f"llama.cpp failed to evaluate the prompt: {exc}") from None
        return keep

    def _holds(self, tokens: list[int]) -> bool:
        """Whether the KV cache holds `tokens` (all but the last, which is always evaluated again)."""
        llm = self._llm
        n = len(tokens) - 1
        return llm.n_tokens >= n and list(llm.input_ids[:n]) == tokens[:n]

    def _logits(self) -> Any:
        ptr = self._lc.llama_get_logits_ith(self._ctx, -1)
        return self._np.ctypeslib.as_array(ptr, shape=(self.n_vocab,))

    def _pick(self, logits: Any, temperature: float, rng: Any) -> int:
        np = self._np
        if temperature <= 0:
            return int(np.argmax(logits))
        finite = np.isfinite(logits)
        k = int(min(40, finite.sum()))  # top-k 40 over allowed tokens, then temperature
        top = np.argpartition(np.where(finite, logits, -np.inf), -k)[-k:]
        z = logits[top].astype(np.float64) / temperature
        p = np.exp(z - z.max())
        p /= p.sum()
        return int(top[rng.choice(len(top), p=p)])

    # -- public ----------------------------------------------------------------------------------------
    def load(self) -> None:
        """Load the weights of the model serving now (the base unless an adapter is set), which otherwise load on
        first use: `serve` loads them before it listens, so a model that cannot load stops it at start."""
        self._serving()

    def generate(self, messages: list[dict[str, str]], *, schema: dict[str, Any], max_tokens: int | None = None,
                 seed: int | None = None, on_token: OnToken | None = None, temperature: float | None = None,
                 prefix_cache: bool | None = None, extractive: Sequence[tuple[str, Sequence[str]]] | None = None,
                 refusal_threshold: float | None = None, avoid: Sequence[str] = (),
                 answer_only: bool = False) -> GenResult:
        """Grammar-constrained generation of one answer JSON. Raises GenerationError if the grammar cannot
        be built (never generates unconstrained).

        `extractive`: (context id, clean segments) per source; the answer must then be a span of one of them and
        cite a source holding it (extractive.py). `refusal_threshold`: take the "refused" branch exactly when the
        model's P(refused) at the status value exceeds it (None: the model's own pick). `avoid`: first words the
        answer must not start with (sampler.py; the answer candidates, candidates.py). `answer_only`: stop once the
        answer string closes (finish "answer"; a candidate needs only its answer and confidence)."""
        from .grammar import gbnf_from_schema, reserve_tokens

        self._check_open()
        gbnf = gbnf_from_schema(schema)
        smpl = self._grammar(gbnf)
        ids = list(schema["properties"]["citations"]["items"]["enum"])
        reserve = reserve_tokens(ids)
        # The keys before the answer take up to ~48 one-character tokens; below this budget the JSON could
        # not be guaranteed to complete, so a tiny max_tokens is raised to it.
        max_tokens = max(int(max_tokens or self.cfg.max_tokens), 48 + 8 + reserve)
        span = None
        if extractive is not None:
            from .extractive import SpanConstraint

            span = SpanConstraint(extractive, self.vocab_index())
        # Everything that decides the tokens before the answer (not `avoid`, not the seed: greedy only; the
        # refusal threshold only through the status it commits to: _takes_ok).
        replay_key = (gbnf, None if extractive is None else tuple((c, tuple(s)) for c, s in extractive), max_tokens)
        return self._run(messages, smpl=smpl, reserve=reserve, max_tokens=max_tokens, seed=seed,
                         on_token=on_token, temperature=temperature, prefix_cache=prefix_cache, span=span,
                         refusal_threshold=refusal_threshold, avoid=avoid, answer_only=answer_only,
                         refusal_text=refusal_json(int(schema["properties"]["answer"]["maxLength"])),
                         replay_key=replay_key)

    def generate_unconstrained(self, messages: list[dict[str, str]], *, max_tokens: int | None = None,
                               seed: int | None = None, temperature: float | None = None,
                               prefix_cache: bool | None = None) -> GenResult:
        """Benchmark baseline only (same loop, no grammar). The answer path never calls this."""
        self._check_open()
        return self._run(messages, smpl=None, reserve=0, max_tokens=max_tokens, seed=seed, on_token=None,
                         temperature=temperature, prefix_cache=prefix_cache)

    def _run(self, messages: list[dict[str, str]], *, smpl: Any, reserve: int, max_tokens: int | None,
             seed: int | None, on_token: OnToken | None, temperature: float | None,
             prefix_cache: bool | None, span: Any = None, refusal_threshold: float | None = None,
             refusal_text: str = "", avoid: Sequence[str] = (), replay_key: tuple | None = None,
             answer_only: bool = False) -> GenResult:
        from .decoding import through_answer
        from .sampler import Sampler

        np = self._np
        t0 = time.perf_counter()
        max_tokens = int(max_tokens or self.cfg.max_tokens)
        temperature = self.cfg.temperature if temperature is None else float(temperature)
        use_prefix = self.cfg.prefix_cache if prefix_cache is None else bool(prefix_cache)
        rng = np.random.default_rng(self.cfg.seed if seed is None else seed)
        tokens = self.tokenize_prompt(messages)
        if len(tokens) + max_tokens > self.n_ctx:
            raise InputError(f"the prompt is {len(tokens)} tokens; with {max_tokens} tokens for the answer it "
                             f"exceeds the context window ({self.n_ctx})")
        key = None
        if smpl is not None and replay_key is not None and temperature <= 0:
            key = (tuple(tokens), replay_key, id(self._serving()), self.adapter_id, self.adapter_scale)
        # Replayed only onto the KV cache that holds them: evaluated again in one batch, their numbers could
        # differ in the last bits from one-by-one decoding (and a cold prompt is evaluated whole, as asked).
        rec = self._pre_answer
        replay, replay_p = ([], None) if key is None or not use_prefix or rec is None or rec[0] != key \
            or not _takes_ok(rec[3], rec[2], refusal_threshold) or not self._holds(tokens + rec[1]) else rec[1:3]
        reused = min(self._eval_prompt(tokens + replay, use_prefix), len(tokens))
        prompt_ms = (time.perf_counter() - t0) * 1000
        pick = lambda lg: self._pick(lg, temperature, rng)  # noqa: E731
        sampler = None if smpl is None else Sampler(
            self._ops, smpl, pick=pick, piece=self._piece, greedy=temperature <= 0, span=span,
            refusal_threshold=refusal_threshold, quote_tok=self._quote_tok, reserve=reserve, max_tokens=max_tokens,
            avoid=avoid)
        out: list[int] = []
        dec = codecs.getincrementaldecoder("utf-8")("replace")
        text_parts: list[str] = []
        ttft = 0.0
        finish = "length"
        if replay:
            for tok in replay:  # taken before, in this order, by the same greedy choices; already in the KV cache
                self._lc.llama_sampler_accept(smpl, tok)
                out.append(tok)
                piece = self._piece(tok)
                sampler.accept(tok, piece)
                s = dec.decode(piece)
                if s:
                    text_parts.append(s)
                    if on_token is not None:
                        on_token(s)
            sampler.p_refused = replay_p
            ttft = (time.perf_counter() - t0) * 1000
        while len(out) < max_tokens:
            logits = self._logits()
            tok = pick(logits) if sampler is None else sampler.choose(logits, len(out))
            if sampler is not None:
                self._lc.llama_sampler_accept(smpl, tok)
            if self._eog(tok):
                finish = "stop"
                break
            out.append(tok)
            piece = self._piece(tok)
            s = dec.decode(piece)
            if not ttft:
                ttft = (time.perf_counter() - t0) * 1000
            if sampler is not None:
                sampler.accept(tok, piece)
                if sampler.refused:
                    # A refusal's text is fixed (prompt.REFUSAL_TEXT) and it cites nothing: stop decoding here.
                    text_parts = [refusal_text]
                    finish = "refused"
                    break
            if s:
                text_parts.append(s)
                if on_token is not None:
                    on_token(s)
            if sampler is not None and (sampler.js.done or answer_only and sampler.js.answer_closed):
                finish = "stop" if sampler.js.done else "answer"
                break  # the object is complete (the grammar would only allow end-of-generation now), or all asked
            try:
                self._llm.eval([tok])
            except RuntimeError as exc:
                self._llm.n_tokens = 0
                raise GenerationError(f"llama.cpp decode failed: {exc}") from None
        if finish != "refused":
            tail = dec.decode(b"", final=True)
            if tail:
                text_parts.append(tail)
        total = (time.perf_counter() - t0) * 1000
        if key is not None and sampler.pre_answer is not None and sampler.js.status_committed == "ok":
            self._pre_answer = (key, out[:sampler.pre_answer], sampler.p_refused, refusal_threshold)
        # tokens_completion: the tokens this call decoded (a replayed answer prefix was decoded before)
        text = "".join(text_parts)
        res = GenResult(text=through_answer(text) if finish == "answer" else text, tokens_prompt=len(tokens),
                        tokens_completion=len(out) - len(replay),
                        ttft_ms=ttft or total, generation_ms=total, prompt_ms=prompt_ms, reused_prompt_tokens=reused,
                        finish=finish, tokens=out)
        if sampler is not None:
            res.grammar_fallbacks, res.relaxed, res.p_refused = sampler.fallbacks, sampler.relaxed, sampler.p_refused
            res.answer_min_logprob = sampler.answer_min_logprob
            lps = sampler.answer_logprobs
            res.answer_mean_logprob = sum(lps) / len(lps) if lps else None
            if sampler.closed and finish == "stop":
                res.finish = "closed"
        return res

    def grammar_accepts(self, gbnf: str, text: str, *, complete: bool = True) -> bool:
        """Whether llama.cpp's grammar engine accepts `text` (tokenised by this model) under `gbnf`; with
        `complete`, also that the grammar is finished (end-of-generation allowed). For tests and debugging."""
        self._check_open()
        smpl = self._grammar(gbnf)
        for tok in self._vocab_llm.tokenize(text.encode("utf-8"), add_bos=False, special=False):
            if not self._ops.allows(smpl, tok):
                return False
            self._lc.llama_sampler_accept(smpl, tok)
        return self._ops.allows(smpl, self._vocab_llm.token_eos()) if complete else True

    def raw_decode_ms(self, prompt_tokens: Sequence[int], completion_tokens: Sequence[int]) -> float:
        """Benchmark baseline: plain llama_decode of the prompt (cold) and then of the given completion tokens
        one at a time — llama.cpp's own time for the same tokens, with no sampling and no Python wrapper."""
        self._serving()
        lc = self._lc
        mem = lc.llama_get_memory(self._ctx)
        lc.llama_memory_clear(mem, True)
        self._llm.n_tokens = 0  # the KV cache no longer matches our bookkeeping
        t0 = time.perf_counter()
        n_batch = self._llm.n_batch
        toks = list(prompt_tokens)
        for i in range(0, len(toks), n_batch):
            part = toks[i:i + n_batch]
            arr = (lc.llama_token * len(part))(*part)
            if lc.llama_decode(self._ctx, lc.llama_batch_get_one(arr, len(part))) != 0:
                raise GenerationError("llama_decode failed")
        for t in completion_tokens[:-1]:  # the last sampled token is never decoded by the answer path either
            arr = (lc.llama_token * 1)(t)
            if lc.llama_decode(self._ctx, lc.llama_batch_get_one(arr, 1)) != 0:
                raise GenerationError("llama_decode failed")
            self._logits()  # read the logits like any sampler would
        ms = (time.perf_counter() - t0) * 1000
        lc.llama_memory_clear(mem, True)
        return ms

    def close(self) -> None:
        if self._vocab_llm is None:
            return
        lc = self._lc
        for smpl in self._grammars.values():
            lc.llama_sampler_free(smpl)
        self._grammars.clear()
        self._release_adapters()
        for llm in (self._base, self._vocab_llm):
            if llm is not None:
                llm.close()
        self._llm = self._ctx = self._base = self._vocab_llm = None

    def __enter__(self) -> "LlamaGenerator":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass
