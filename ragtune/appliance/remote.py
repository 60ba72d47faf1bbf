"""Generation on an OpenAI-compatible server (`generate.backend = "openai"`): llama.cpp's `llama-server`,
llama-cpp-python's `llama_cpp.server`, or vLLM. Implements the `Generator` protocol of generate.py.

What travels per request: the prompt rendered here with the GGUF's own chat template (the exact text the
in-process backend evaluates, sent to `/completions`), the answer grammar (`grammar`, plus vLLM's
`structured_outputs`), the decoding settings, and the adapter (as the model name, or llama-server's per-request
`lora` list). Servers can ignore a grammar (fail open), so the engine validates and repairs the text on our side as
it does for the local backend; any transport or server error is a `GenerationError` (fail closed: there is no
fallback to another model or adapter).

Adapter identity: a served name that the server does not list in `/models` is refused before any request uses it
(llama_cpp.server silently answers an unknown model name with its default model).

The tokenizer and chat template come from the local GGUF loaded vocab-only (a few MB), so prompts are rendered
and counted exactly as the in-process backend does.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any, Sequence

from .config import GenerateConfig
from .errors import ConfigError, GenerationError, InputError, ModelError
from .generate import load_error, resolve_model
from .genresult import GenResult, OnToken
from .llamalog import llama_cpp_module as _llama_cpp
from .home import Home
from .jsonl import loads_located


def _formatter(llm: Any) -> Any:
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    template = llm.metadata.get("tokenizer.chat_template")
    if not template:
        raise ModelError("the GGUF has no chat template (tokenizer.chat_template)")
    eos, bos = llm.token_eos(), llm.token_bos()
    return Jinja2ChatFormatter(
        template=template, eos_token=llm._model.token_get_text(eos) if eos >= 0 else "",
        bos_token=llm._model.token_get_text(bos) if bos >= 0 else "", add_generation_prompt=True)


def _count(usage: dict[str, Any], key: str) -> int:
    """A token count from a server's `usage`; 0 (count it here) when it is missing or not a count ("12", -1, 1e400)."""
    n = usage.get(key)
    return n if isinstance(n, int) and not isinstance(n, bool) and n >= 0 else 0


class _Vocab:
    """The GGUF's tokenizer and chat template, loaded once per model file's content (its sha256: a GGUF replaced
    at the same path is another model, with maybe another vocabulary or template) and shared (tokenizing is
    read-only)."""

    _cache: dict[str, "_Vocab"] = {}  # sha256 -> its vocabulary
    _lock = threading.Lock()

    def __init__(self, path: Path):
        lc = _llama_cpp()
        self.path = str(path)
        try:
            self.llm = lc.Llama(model_path=str(path), vocab_only=True, verbose=False)
        except (ValueError, RuntimeError, OSError) as exc:
            raise load_error(path, exc, "read the model's vocabulary") from None  # an unknown architecture named
        self.formatter = _formatter(self.llm)
        self.n_ctx_train = int(self.llm.metadata.get("llama.context_length", 0) or 0)
        self.tok_lock = threading.Lock()

    @classmethod
    def get(cls, path: Path, sha256: str) -> "_Vocab":
        """The vocabulary of the file at `path` whose bytes hash to `sha256` (resolve_model verified them)."""
        with cls._lock:
            v = cls._cache.get(sha256)
            if v is None:
                v = _Vocab(path)
                # a file replaced at this path: its old vocabulary stays with the generators holding it, not here
                for old in [k for k, o in cls._cache.items() if o.path == v.path]:
                    del cls._cache[old]
                cls._cache[sha256] = v
            return v

    def render(self, messages: Sequence[dict[str, str]]) -> str:
        return self.formatter(messages=list(messages)).prompt

    def tokenize(self, text: str) -> list[int]:
        with self.tok_lock:
            return self.llm.tokenize(text.encode("utf-8"), add_bos=True, special=True)


class OpenAIGenerator:
    """One caller at a time (like LlamaGenerator: the adapter is per instance); many instances may share the
    server. `client` is an httpx.Client (shared connection pool) or None to make one."""

    def __init__(self, cfg: GenerateConfig, home: Home | None = None, *, client: Any = None):
        import httpx

        if not cfg.base_url:
            raise GenerationError("generate.backend = 'openai' needs generate.base_url",
                                  hint="e.g. base_url = \"http://127.0.0.1:8080/v1\"")
        self.cfg = cfg
        self.home = home or Home()
        path, sha = resolve_model(cfg.model, self.home)  # not str(): a config value names its line
        self.model_path = path
        self.model_id = sha
        self._vocab = _Vocab.get(path, sha)
        self.n_ctx = cfg.n_ctx
        self.base_url = cfg.base_url.rstrip("/")
        self.base_name = cfg.remote_model or Path(path).stem
        self.adapter_id = "none"
        self.adapter_scale = 1.0  # generate.adapter_scale for the current adapter (llama-server's "lora" scale)
        self._adapter_name: str | None = None  # served name of the current adapter
        self._lora_slot: int | None = None
        key = os.environ.get(cfg.api_key_env, "") if cfg.api_key_env else ""
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self._own_client = client is None
        self._client = client or httpx.Client(timeout=cfg.remote_timeout_s, headers=headers)
        self._headers = headers
        self._listed: set[str] | None = None

    # -- Generator protocol ---------------------------------------------------------------------------------
    def render(self, messages: Sequence[dict[str, str]]) -> str:
        return self._vocab.render(messages)

    def count_tokens(self, messages: Sequence[dict[str, str]]) -> int:
        return len(self._vocab.tokenize(self.render(messages)))

    @property
    def adapter_served(self) -> str:
        return "none" if self.adapter_id == "none" else "remote"  # the server applies it, however it does

    def set_adapter(self, path: Path | str | None, sha256: str | None = None, *, scale: float = 1.0) -> None:
        """Select the adapter for the next requests, at strength `scale`. The file is not sent: the server must
        already serve it under the name in `generate.remote_adapters` (keyed by adapter id, id prefix, or file
        name), else under its id. The scale travels only in llama-server's per-request "lora" list ("lora-id"); a
        served model name has the strength it was started with, so another scale there is a ConfigError."""
        if path is None:
            self.adapter_id, self.adapter_scale, self._adapter_name, self._lora_slot = "none", 1.0, None, None
            return
        if float(scale) != 1.0 and self.cfg.remote_adapter_field != "lora-id":
            raise ConfigError(f"[generate] adapter_scale: {float(scale)} is in force for this adapter, but with "
                              "remote_adapter_field = \"model\" the server applies an adapter at the strength it "
                              "was started with; a scale cannot be sent per request",
                              hint="use remote_adapter_field = \"lora-id\" (llama-server), or start the server "
                                   "with the scale (llama-server --lora-scaled) and set adapter_scale = 1.0")
        from .hashing import sha256_file

        p = Path(path)
        aid = sha256 or (sha256_file(p) if p.is_file() else None)
        if not aid:
            raise ModelError(f"{p}: adapter file not found")
        target = self._mapping(aid, p)
        if self.cfg.remote_adapter_field == "lora-id":
            try:
                self._lora_slot = int(target)
            except (TypeError, ValueError):
                raise GenerationError(f"adapter {aid[:12]}: generate.remote_adapters must give llama-server's lora "
                                      f"slot number (the order of --lora), got {target!r}") from None
            self._adapter_name = None
        else:
            self._adapter_name = str(target)
            self._lora_slot = None
        self.adapter_id, self.adapter_scale = aid, float(scale)

    def _mapping(self, aid: str, path: Path) -> Any:
        m = self.cfg.remote_adapters
        for key in (aid, path.name, path.stem):
            if key in m:
                return m[key]
        for key, value in m.items():
            if len(key) >= 8 and aid.startswith(key):
                return value
        if self.cfg.remote_adapter_field == "lora-id":
            raise GenerationError(f"adapter {aid[:12]}: no llama-server lora slot configured",
                                  hint="add it to [generate] remote_adapters, e.g. {\"<id>\" = 0}")
        return aid

    def _served_name(self) -> str:
        return self._adapter_name or self.base_name

    def _check_listed(self, name: str) -> None:
        """Refuse a model name the server does not list (it could answer with another model instead)."""
        if self._listed is None or name not in self._listed:
            data = self._request("GET", "/models")
            self._listed = {str(m.get("id")) for m in data.get("data", []) if isinstance(m, dict)}
        if name not in self._listed:
            raise GenerationError(f"the generation server at {self.base_url} does not serve {name!r} "
                                  f"(it lists: {', '.join(sorted(self._listed)) or 'nothing'})",
                                  hint="start it with that model alias / LoRA module, or map the adapter in "
                                       "[generate] remote_adapters")

    def _request(self, method: str, route: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        import httpx

        try:
            r = self._client.request(method, self.base_url + route, json=body, headers=self._headers)
        except httpx.HTTPError as exc:
            raise GenerationError(f"the generation server at {self.base_url} is unreachable: {exc}") from None
        if r.status_code != 200:
            raise GenerationError(f"the generation server answered {r.status_code} on {route}: {r.text[:200]}")
        # another server's words: a syntax error, a number of 5,000 digits or [[[[… is its bad reply, never a crash
        data = loads_located(r.text, f"the generation server's reply on {route}", error=GenerationError, record=True)
        if not isinstance(data, dict):
            raise GenerationError(f"the generation server's reply on {route} is not a JSON object")
        return data

    def body(self, messages: Sequence[dict[str, str]], *, gbnf: str, max_tokens: int, seed: int,
             temperature: float, stream: bool, prefix_cache: bool) -> dict[str, Any]:
        """The /completions request (public for tests and docs)."""
        body: dict[str, Any] = {
            "model": self._served_name(), "prompt": self.render(messages), "max_tokens": max_tokens,
            "temperature": temperature, "seed": seed, "top_k": 40, "top_p": 1.0, "min_p": 0.0,
            "repeat_penalty": 1.0, "presence_penalty": 0.0, "frequency_penalty": 0.0, "stream": stream,
            "grammar": gbnf, "structured_outputs": {"grammar": gbnf}, "cache_prompt": prefix_cache,
        }
        if self.cfg.remote_adapter_field == "lora-id":
            body["lora"] = [] if self._lora_slot is None else [{"id": self._lora_slot, "scale": self.adapter_scale}]
        return body

    def generate(self, messages: list[dict[str, str]], *, schema: dict[str, Any], max_tokens: int | None = None,
                 seed: int | None = None, on_token: OnToken | None = None, temperature: float | None = None,
                 prefix_cache: bool | None = None, extractive: Any = None, refusal_threshold: float | None = None,
                 **_: Any) -> GenResult:
        """The grammar travels; what the local decoder does beyond it cannot: extractive spans are not enforced
        while decoding (the engine's span check refuses a non-verbatim answer afterwards) and no P(refused) or
        answer confidence is computed (`p_refused`, `answer_min_logprob` stay None: no refusal by either)."""
        from .grammar import gbnf_from_schema

        t0 = time.perf_counter()
        gbnf = gbnf_from_schema(schema)  # fails closed like the local backend: no grammar, no request
        max_tokens = int(max_tokens or self.cfg.max_tokens)
        n_prompt = self.count_tokens(messages)
        if n_prompt + max_tokens > self.n_ctx:
            raise InputError(f"the prompt is {n_prompt} tokens; with {max_tokens} tokens for the answer it "
                             f"exceeds the context window ({self.n_ctx})")
        name = self._served_name()
        if self.cfg.remote_adapter_field == "model":
            self._check_listed(name)
        body = self.body(messages, gbnf=gbnf, max_tokens=max_tokens,
                         seed=self.cfg.seed if seed is None else int(seed),
                         temperature=self.cfg.temperature if temperature is None else float(temperature),
                         stream=on_token is not None,
                         prefix_cache=self.cfg.prefix_cache if prefix_cache is None else bool(prefix_cache))
        if on_token is None:
            data = self._request("POST", "/completions", body)
            text, usage, served, finish = self._parse(data)
            ttft = (time.perf_counter() - t0) * 1000
        else:
            text, usage, served, finish, ttft = self._stream(body, on_token, t0)
        if served is not None and served != name:
            raise GenerationError(f"asked the generation server for {name!r}, it answered as {served!r}; "
                                  "refusing the answer")
        n_out = _count(usage, "completion_tokens") or len(self._vocab.tokenize(text)) if text else 0
        total = (time.perf_counter() - t0) * 1000
        return GenResult(text=text, tokens_prompt=_count(usage, "prompt_tokens") or n_prompt,
                         tokens_completion=n_out, ttft_ms=ttft or total, generation_ms=total,
                         finish=finish or "stop")

    @staticmethod
    def _parse(data: dict[str, Any]) -> tuple[str, dict[str, Any], str | None, str | None]:
        try:
            choice = data["choices"][0]
            text = choice.get("text")
            if text is None:
                text = (choice.get("message") or {}).get("content") or ""
        except (KeyError, IndexError, TypeError, AttributeError):
            raise GenerationError("the generation server's reply has no choices[0].text") from None
        usage = data.get("usage") if isinstance(data.get("usage"), dict) else {}
        return str(text), usage, data.get("model"), choice.get("finish_reason")

    def _stream(self, body: dict[str, Any], on_token: OnToken, t0: float
                ) -> tuple[str, dict[str, Any], str | None, str | None, float]:
        import httpx

        parts: list[str] = []
        usage: dict[str, Any] = {}
        served = finish = None
        ttft = 0.0
        try:
            with self._client.stream("POST", self.base_url + "/completions", json=body,
                                     headers=self._headers) as r:
                if r.status_code != 200:
                    r.read()
                    raise GenerationError(f"the generation server answered {r.status_code} on /completions: "
                                          f"{r.text[:200]}")
                for line in r.iter_lines():
                    line = line.strip()
                    if not line.startswith("data:"):
                        continue  # SSE comments, event names, keep-alives
                    payload = line[5:].strip()
                    if payload == "[DONE]":
                        break
                    data = loads_located(payload, "the generation server's stream", error=GenerationError,
                                         record=True)
                    if not isinstance(data, dict):
                        raise GenerationError("the generation server streamed a value that is not a JSON object")
                    if not data.get("choices"):
                        usage = data["usage"] if isinstance(data.get("usage"), dict) else usage
                        continue
                    piece, u, served, f = self._parse(data)
                    usage = u or usage
                    finish = f or finish
                    if piece:
                        if not ttft:
                            ttft = (time.perf_counter() - t0) * 1000
                        parts.append(piece)
                        on_token(piece)  # may raise to abort (a client went away): the stream is closed
        except httpx.HTTPError as exc:
            raise GenerationError(f"the generation server at {self.base_url} failed mid-answer: {exc}") from None
        if finish is None:
            # e.g. llama_cpp.server's interrupt_requests ends a stream early when another request waits
            raise GenerationError("the generation server ended the stream before the answer was finished",
                                  hint="with llama_cpp.server set interrupt_requests = false")
        return "".join(parts), usage, served, finish, ttft

    def close(self) -> None:
        if self._own_client:
            self._client.close()


def make_generator(cfg: GenerateConfig, home: Home | None = None) -> Any:
    """The configured backend: in-process llama.cpp ("local") or an OpenAI-compatible server ("openai")."""
    if cfg.backend == "openai":
        return OpenAIGenerator(cfg, home)
    from .generate import LlamaGenerator

    return LlamaGenerator(cfg, home)
