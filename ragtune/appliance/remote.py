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

from . import vocab
from .config import GenerateConfig
from .errors import ConfigError, GenerationError, InputError, ModelError
from .generate import load_error, resolve_model
from .genresult import GenResult, OnToken
from .llamalog import llama_cpp_module as _llama_cpp
from .home import Home
from .jsonl import loads_located


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
        self.formatter = vocab.chat_formatter(self.llm, path)
        # A server tokenizes the prompt text with special tokens parsed (llama-server: parse_special=true on
        # /completions and on its chat path; vLLM: the HF tokenizer's added tokens), so a control-token string in a
        # source would be one there too: neutralised here from this GGUF's vocabulary, as the local backend does.
        self.control = vocab.ControlText.of_model(lc, self.llm, self.formatter.render)
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
        return self.formatter.render(self.control.messages(messages))

    def tokenize(self, text: str) -> list[int]:
        with self.tok_lock:
            return self.llm.tokenize(text.encode("utf-8"), add_bos=True, special=True)


def shown_url(url: str) -> str:
    """`url` without a user name or password (http://user:secret@host/v1): messages and logs name the server."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    head = rest.split("?", 1)[0].split("#", 1)[0]
    at = head.rfind("@")
    # up to the last "@" of a `user:password@` (even a malformed one whose password holds a "/"); an "@" in a path
    # after a plain host is kept
    if at >= 0 and (":" in head[:at] or "/" not in head[:at]):
        return f"{scheme}{sep}{rest[at + 1:]}"
    return url


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
        self._key = os.environ.get(cfg.api_key_env, "") if cfg.api_key_env else ""
        headers = {"Authorization": f"Bearer {self._key}"} if self._key else {}
        self._own_client = client is None
        self._client = client or httpx.Client(timeout=cfg.remote_timeout_s, headers=headers)
        self._headers = headers
        self._listed: set[str] | None = None
        self.url = shown_url(self.base_url)  # what messages name: never a password in the URL

    @property
    def cache_scope(self) -> dict[str, str]:
        """What besides the local GGUF decides an answer: the server and the name it serves the model under (the
        answer cache keys on model_id, the GGUF's sha256, which the local backend and every server share)."""
        return {"backend": "openai", "server": self.url, "served": self._served_name()}

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
            base = name == self.base_name
            raise GenerationError(
                f"the generation server at {self.url} does not serve {name!r} "
                f"(it lists: {', '.join(sorted(self._listed)) or 'nothing'})",
                hint=("set [generate] remote_model to the name it serves the base model under, or start it with "
                      f"the alias {name!r}") if base else
                     "start it with that model alias / LoRA module, or map the adapter in [generate] remote_adapters")

    def _request(self, method: str, route: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        import httpx

        try:
            r = self._client.request(method, self.base_url + route, json=body, headers=self._headers)
        except httpx.HTTPError as exc:
            raise self._transport_error(exc, route) from None
        if r.status_code != 200:
            raise self._status_error(r.status_code, route, r.text)
        # another server's words: a syntax error, a number of 5,000 digits or [[[[… is its bad reply, never a crash
        data = loads_located(r.text, f"the generation server's reply on {route}", error=GenerationError,
                             hint=self._not_openai(), record=True)
        if not isinstance(data, dict):
            raise GenerationError(f"the generation server's reply on {route} is not a JSON object",
                                  hint=self._not_openai())
        return data

    def _not_openai(self) -> str:
        """The hint for a reply that is not OpenAI's (HTML, broken JSON): it names the URL the message may not."""
        return (f"is [generate] base_url = {self.url} the API root of an OpenAI-compatible server (llama-server, "
                "llama_cpp.server, vLLM)?")

    def _transport_error(self, exc: Exception, route: str) -> GenerationError:
        """No reply (or part of one): refused or unresolvable (base_url), too slow (remote_timeout_s)."""
        import httpx

        if isinstance(exc, httpx.TimeoutException):
            return GenerationError(f"the generation server at {self.url} did not answer {route} within "
                                   f"{self.cfg.remote_timeout_s:g} s",
                                   hint="raise [generate] remote_timeout_s, or give the server fewer requests "
                                        "at once (serve --workers)")
        if isinstance(exc, (httpx.ConnectError, httpx.UnsupportedProtocol, httpx.InvalidURL)):
            return GenerationError(f"the generation server at {self.url} is unreachable: {self._said(exc)}",
                                   hint="start it, or set [generate] base_url to the address it listens on")
        return GenerationError(f"the generation server at {self.url} failed on {route}: "
                               f"{self._said(exc) or type(exc).__name__}", hint="see the server's log")

    def _status_error(self, status: int, route: str, text: str) -> GenerationError:
        msg = f"the generation server at {self.url} answered {status} on {route}: {self._said(text) or '(empty)'}"
        if status in (401, 403):
            env = self.cfg.api_key_env
            hint = (f"the key in ${env} was refused: put the server's key there" if self._key else
                    f"put the server's API key in the environment variable {env} ([generate] api_key_env)" if env
                    else "set [generate] api_key_env to the environment variable that holds the server's key")
        elif status in (404, 405):
            hint = ("check [generate] base_url: the API's root, with its prefix (usually ending in /v1), "
                    "of an OpenAI-compatible server")
        else:
            hint = "see the server's log"
        return GenerationError(msg, hint=hint)

    def _said(self, text: Any) -> str:
        """A server's words on one line, short, without the API key (a server may echo the key it refused)."""
        out = " ".join(str(text).split()).replace(self.base_url, self.url)
        if self._key:
            out = out.replace(self._key, "***")
        return out[:200]

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
            raise GenerationError(f"asked the generation server at {self.url} for {name!r}, it answered as "
                                  f"{served!r}; refusing the answer",
                                  hint="point [generate] base_url at the server that serves it, or set [generate] "
                                       "remote_model / remote_adapters to the names this one serves")
        n_out = _count(usage, "completion_tokens") or len(self._vocab.tokenize(text)) if text else 0
        total = (time.perf_counter() - t0) * 1000
        return GenResult(text=text, tokens_prompt=_count(usage, "prompt_tokens") or n_prompt,
                         tokens_completion=n_out, ttft_ms=ttft or total, generation_ms=total,
                         finish=finish or "stop")

    def _parse(self, data: dict[str, Any]) -> tuple[str, dict[str, Any], str | None, str | None]:
        try:
            choice = data["choices"][0]
            text = choice.get("text")
            if text is None:
                text = (choice.get("message") or {}).get("content") or ""
        except (KeyError, IndexError, TypeError, AttributeError):
            raise GenerationError(f"the generation server's reply on {self.url}/completions has no choices[0].text",
                                  hint=self._not_openai()) from None
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
                    raise self._status_error(r.status_code, "/completions", r.text)
                for line in r.iter_lines():
                    line = line.strip()
                    if not line.startswith("data:"):
                        continue  # SSE comments, event names, keep-alives
                    payload = line[5:].strip()
                    if payload == "[DONE]":
                        break
                    data = loads_located(payload, "the generation server's stream", error=GenerationError,
                                         hint=self._not_openai(), record=True)
                    if not isinstance(data, dict):
                        raise GenerationError("the generation server streamed a value that is not a JSON object",
                                              hint=self._not_openai())
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
            raise self._transport_error(exc, "/completions") from None
        if finish is None:
            # e.g. llama_cpp.server's interrupt_requests ends a stream early when another request waits
            raise GenerationError(f"the generation server at {self.url} ended the stream before the answer was "
                                  "finished", hint="with llama_cpp.server set interrupt_requests = false")
        return "".join(parts), usage, served, finish, ttft

    def close(self) -> None:
        if self._own_client:
            self._client.close()


PROBE_GRAMMAR = 'root ::= "ok"'  # what a server that applies grammars must answer


def check_server(cfg: GenerateConfig, home: Home | None = None, *, adapter: tuple[Path, str] | None = None,
                 client: Any = None) -> tuple[str, str, str | None]:
    """`ragtune doctor`'s look at the generation server: (status, detail, hint), status "ok" or "warn"; a
    GenerationError when it cannot answer (unreachable, a key refused, a name it does not serve, a reply that is
    not OpenAI's). One tiny request (max_tokens 4) with a grammar tells whether the server applies grammars and
    whether it counts our prompt's tokens as generate.model does (another tokenizer: another model than the one
    configured, whatever its name). `adapter`: (file, id) of the adapter `ask` would serve, checked too."""
    gen = OpenAIGenerator(cfg, home, client=client)
    try:
        names = [gen.base_name]
        if adapter is not None:
            gen.set_adapter(adapter[0], adapter[1])
            names += [gen._adapter_name] if gen._adapter_name else []
        if cfg.remote_adapter_field == "model":
            for name in names:
                gen._check_listed(name)
        msgs = [{"role": "user", "content": "Reply with ok."}]
        body = gen.body(msgs, gbnf=PROBE_GRAMMAR, max_tokens=4, seed=0, temperature=0.0, stream=False,
                        prefix_cache=False)
        t0 = time.perf_counter()
        text, usage, served, _ = gen._parse(gen._request("POST", "/completions", body))
        ms = (time.perf_counter() - t0) * 1000
        if served is not None and served != body["model"]:
            raise GenerationError(f"asked the generation server at {gen.url} for {body['model']!r}, it answered "
                                  f"as {served!r}", hint="set [generate] remote_model / remote_adapters to the "
                                                         "names this server serves")
        counted, ours = _count(usage, "prompt_tokens"), gen.count_tokens(msgs)
        if counted and abs(counted - ours) > 1:  # one: a BOS token one side adds and the other does not
            raise GenerationError(f"the generation server at {gen.url} counts {counted} tokens in a prompt that "
                                  f"generate.model ({cfg.model}) counts as {ours}: it serves a model with another "
                                  "tokenizer", hint="serve generate.model's GGUF there, or set [generate] model "
                                                    "to the model the server serves")
        detail = f"{gen.url} serves {', '.join(repr(n) for n in names)}; answered in {ms:.0f} ms"
        if text.strip() != "ok":
            return ("warn", f"{detail}, but not as the grammar allows ({gen._said(text)[:40]!r}): it ignores "
                            "grammars, so more answers are repaired or refused as invalid",
                    "use a server that applies GBNF grammars (llama-server, llama_cpp.server)")
        return "ok", detail + ", grammar applied", None
    finally:
        gen.close()


def make_generator(cfg: GenerateConfig, home: Home | None = None) -> Any:
    """The configured backend: in-process llama.cpp ("local") or an OpenAI-compatible server ("openai")."""
    if cfg.backend == "openai":
        return OpenAIGenerator(cfg, home)
    from .generate import LlamaGenerator

    return LlamaGenerator(cfg, home)
