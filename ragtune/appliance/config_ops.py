"""The settings of running the appliance: [serve], [rollout] and [retention] (config.py gathers every section and
re-exports these), and `check`, the validation step every section's `__post_init__` uses."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from typing import Any
from urllib.parse import urlsplit

from .calibrated import is_number
from .errors import ConfigError


def check(cond: bool, section: str, key: str, msg: str) -> None:
    if not cond:
        err = ConfigError(f"[{section}] {key}: {msg}")
        err.config_key = (section, key)  # type: ignore[attr-defined]  # lets the loader name the file's line
        raise err


# Keys an earlier ragtune read that this one does not, (section, key) -> (the key it became, what to know when moving
# its value there). A config.toml kept across an upgrade names one: the error says what to write instead, not only
# "unknown key" (docs/upgrading.md); `config set SECTION.NEW` replaces it (config_edit.py).
RETIRED_KEYS: dict[tuple[str, str], tuple[str, str]] = {
    # renamed when the trainable and built-in rerankers came (issue 16): the same path still works under `rerank`
    ("retrieve", "rerank_model"): ("rerank", 'the same meaning: a path is the same cross-encoder, "" is off; without '
                                             'the key the built-in reranker runs'),
}


def retired_keys(section: str, now: str | None = None) -> list[tuple[str, str, str]]:
    """(retired key, the key it became, the note on moving its value) of `[section]`'s RETIRED_KEYS; with `now`,
    only those `now` replaced. The one filter of RETIRED_KEYS: the loader's error (retired) and `config set`'s
    edits (config_edit.py) both read through it."""
    return [(old, new, note) for (sec, old), (new, note) in RETIRED_KEYS.items()
            if sec == section and now in (None, new)]


def retired(section: str, raw: dict, where: str, text: str | None) -> ConfigError | None:
    """The error for the first retired key of `[section]` in `raw` (the file's table, its `text`): which key, at
    which line of `where`, what it became and how to move its value. None when it has none."""
    from .tomltext import at_line, toml_value

    for key, new, note in retired_keys(section):
        if key in raw:
            try:
                value = toml_value(raw[key])
            except TypeError:
                value = "…"
            return ConfigError(f"{where}{at_line(text, section, key)}: [{section}] {key} is no longer read: it was "
                               f"renamed [{section}] {new}",
                               hint=f"write `{new} = {value}` in its place ({note}), or run `ragtune config set "
                                    f"{section}.{new} VALUE`, which replaces the line")
    return None


MIN_TOKEN_CHARS = 16  # a serve token's secret: guessing it must not be the easy way in


def masked_tokens(tokens: list[str]) -> list[str]:
    """Serve tokens as they may be shown (`config show`, its --json, `config set`): names only, never a secret (a
    front before ":" that is no token name may be a secret's: not shown either)."""
    return [f"{name}:***" if (name := token_name(t)) else "***" for t in tokens]


def masked_value(value: Any) -> Any:
    """A value typed for `[serve] tokens`, as a message may show it (`config set`'s errors): each string masked as
    masked_tokens masks a token, numbers and flags as they are (an error about them stays readable), anything else
    `***`. Whatever was typed, no secret."""
    if isinstance(value, list):
        return [masked_value(v) if not isinstance(v, list) else "***" for v in value]
    if isinstance(value, str):
        return masked_tokens([value])[0]
    return value if isinstance(value, (bool, int, float)) else "***"


def split_token(raw: str) -> tuple[str, str]:
    """(name, secret) of a serve token written "name:secret" or "secret" (name ""). The name is what is before the
    first ":"; whether it is one is token_name_ok's to say (a bare secret holding a ":" is refused, not split)."""
    name, sep, secret = raw.strip().partition(":")
    return (name.strip(), secret.strip()) if sep else ("", name.strip())


_TOKEN_NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")


def token_name_ok(name: str) -> bool:
    """A token's name as a client id and a `token_scopes` key: letters, digits, `._-`, 1..64 characters. Anything
    else before a ":" is more likely the front of a secret that holds a ":" (it would land in the logs)."""
    return bool(_TOKEN_NAME.fullmatch(name))


def token_name(raw: str) -> str | None:
    """The name of a serve token as written: "" for a bare secret, None for a misnamed one (an "x:y" whose x is no
    token name, token_name_ok: `:secret` too). The one rule of misnamed tokens: the loader refuses them
    (bad_token_name), serving refuses them (auth.parse_token), `config show` masks them whole (masked_tokens)."""
    name = split_token(raw)[0]
    return None if ":" in raw and not token_name_ok(name) else name


def bad_token_name(tokens: list[str]) -> int | None:
    """The 1-based position of the first misnamed token (token_name), or None."""
    return next((i for i, t in enumerate(tokens, 1) if token_name(t) is None), None)


BAD_NAME = ("the part before its first ':' is not a token name (letters, digits, . _ -, at most 64): a secret "
            "that holds a ':' needs a name in front, name:secret (the client sends the secret only)")
SCOPE_DEFAULTS = ("all", "none")
# Limits on document references, in a request's "in" (scope.py) and in a token's scope (below)
MAX_REFS = 100  # document references in one request (serve); a folder counts once
MAX_REF_CHARS = 4096  # a reference longer than PATH_MAX cannot be a stored path


_ORIGIN_HOST = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*|\[[0-9a-f:.]+\]")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def cors_origin(value: str) -> str:
    """A `[serve] cors_origins` entry as a browser writes its page's origin in an `Origin` header ("*" as it is):
    `scheme://host[:port]`, lower case, without the scheme's default port. A ValueError says what is wrong with
    one a browser would never send (a path, a trailing "/", user info, another scheme, a non-ASCII host)."""
    if value == "*":
        return value
    if value.strip() != value or not value:
        raise ValueError("must be an origin such as https://intranet.example.com, without spaces")
    if value.lower() == "null":  # what file:// pages and sandboxed frames send: any page can make itself one
        raise ValueError("is the origin any sandboxed page can take: serve the page from an http(s) origin")
    parts = urlsplit(value)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not value.lower().startswith(scheme + "://"):
        raise ValueError("must start with http:// or https:// (an origin is scheme://host[:port])")
    if parts.path or parts.query or parts.fragment or value.endswith(("?", "#")):
        raise ValueError("has a path: an origin is scheme://host[:port], without even a trailing / (a browser's "
                         "Origin header has none)")
    if "@" in parts.netloc:
        raise ValueError("must not hold a user name or password (an origin is scheme://host[:port])")
    host = parts.hostname or ""  # (lower case, an IPv6 address without its brackets)
    host = f"[{host}]" if ":" in host else host
    try:
        port = parts.port
    except ValueError:
        raise ValueError("has a port that is not a number 1..65535") from None
    if not _ORIGIN_HOST.fullmatch(host) or parts.netloc.endswith(":") or (port is not None and not 1 <= port <= 65535):
        raise ValueError("needs a host name (in ASCII: a browser sends an internationalised name as xn--…) or "
                         "address, and a port 1..65535 if any")
    return f"{scheme}://{host}" + (f":{port}" if port is not None and port != _DEFAULT_PORTS[scheme] else "")


_HOST_PORT = re.compile(r"(\[[^\]]*\]|[^:\[\]]*)(?::([0-9]{1,5}))?")
_HOST_NAME = re.compile(r"[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*")


def host_and_port(value: str) -> tuple[str, int | None]:
    """(host, port) of `name[:port]`, `address[:port]` or `[v6 address][:port]`, as a Host header writes them: the
    host lower case, without a trailing "." (`localhost.` is `localhost`), an IPv6 address as `[compressed]`. A
    ValueError for anything else (a scheme, a path, a bare IPv6 address, a port over 65535)."""
    import ipaddress

    m = _HOST_PORT.fullmatch(value)
    if m is None or (m.group(2) is not None and not 0 < int(m.group(2)) <= 65535):
        raise ValueError("is not a host name or address with an optional :port")
    host, port = m.group(1).lower(), (int(m.group(2)) if m.group(2) else None)
    if host.startswith("["):
        try:
            return f"[{ipaddress.IPv6Address(host[1:-1]).compressed}]", port
        except ValueError:
            raise ValueError("has no IPv6 address between its [ ]") from None
    host = host[:-1] if host.endswith(".") else host
    if not _HOST_NAME.fullmatch(host):
        raise ValueError("is not a host name or address (in ASCII: an internationalised name as its xn--… form)")
    return host, port


def allowed_host(value: str) -> str:
    """A `[serve] allowed_hosts` entry as the Host check compares it: a host name or address (any port), a
    `*.example.com` for every name under a domain, or "*" for any Host. A ValueError says what is wrong."""
    if value == "*":
        return value
    if value.strip() != value or not value:
        raise ValueError("must be a host name such as rag.example.com, without spaces")
    if "://" in value or "/" in value:
        raise ValueError("must be a host name as a Host header carries it (rag.example.com), not a URL")
    if value.count(":") > 1 and not value.startswith(("[", "*.")):  # a bare IPv6 address: as a Host header writes it
        import ipaddress

        try:
            return f"[{ipaddress.IPv6Address(value).compressed}]"
        except ValueError:
            raise ValueError("is not an IPv6 address (write one as [::1] with no port)") from None
    wild = value.startswith("*.")
    host, port = host_and_port(value[2:] if wild else value)
    if port is not None or value.endswith(":"):
        raise ValueError("must not have a port: a listed host is accepted on any port")
    if wild and host.startswith("["):
        raise ValueError("*. goes before a domain name, not an address")
    return ("*." if wild else "") + host


@dataclass
class ServeConfig:
    """`ragtune serve` (docs/serve.md)."""

    host: str = "127.0.0.1"
    port: int = 8088
    workers: int = 1  # answer engines = requests generated at once (each its own llama.cpp context)
    queue: int = 8  # requests waiting for an engine beyond `workers`; more get 503 + Retry-After
    retry_after_s: int = 2
    # the most requests one client (a token's name) may have waiting; more get 429 + Retry-After, and a freed engine
    # serves the waiting clients in turn. 0 = automatic: none with under two token names (one client: the queue
    # alone, as before round 50), the queue shared by up to 4 of them (at least 1) with two or more (docs/serve.md)
    max_waiting_per_client: int = 0
    max_body_bytes: int = 65536
    body_timeout_s: float = 30.0  # a request body not arrived by then is a 408 (a stalled upload holds no engine)
    shutdown_timeout_s: float = 30.0  # on SIGTERM/Ctrl+C, requests in flight get this long; then they are cut short
    # Bearer tokens: "name:secret" or "secret" (the name becomes the client id). Prefer tokens_env.
    tokens: list = field(default_factory=list)
    tokens_env: str = "RAGTUNE_SERVE_TOKENS"  # comma-separated, same forms; added to `tokens`
    # Browser pages of other origins that may call the API (CORS): ["https://intranet.example.com"], or ["*"] for
    # any. [] = none (no CORS headers). A token is still needed on every request but the browser's preflight.
    cors_origins: list = field(default_factory=list)
    # Host header names a loopback server answers for besides localhost, 127.0.0.1, [::1] and this machine's name
    # (a reverse proxy passing its public Host): ["rag.example.com", "*.example.com"], or ["*"] for any. Set on
    # another address, only these and those names are answered. [] = the loopback check only (docs/serve.md).
    allowed_hosts: list = field(default_factory=list)
    # Per-token document scopes (docs/serve.md "Scopes per token"): token name -> references as "in" takes them
    # (ids, stored paths, folders), e.g. { hr = ["/srv/docs/hr/"] }. A token without an entry reads every document,
    # or none with token_scopes_default = "none".
    token_scopes: dict = field(default_factory=dict)
    token_scopes_default: str = "all"

    def __post_init__(self) -> None:
        check(isinstance(self.host, str) and self.host != "", "serve", "host", "must be a host name or address")
        check(isinstance(self.port, int) and 0 <= self.port <= 65535, "serve", "port", "must be 0..65535")
        check(isinstance(self.workers, int) and 1 <= self.workers <= 64, "serve", "workers", "must be 1..64")
        check(isinstance(self.queue, int) and 0 <= self.queue <= 10000, "serve", "queue", "must be 0..10000")
        check(isinstance(self.retry_after_s, int) and 1 <= self.retry_after_s <= 3600, "serve", "retry_after_s",
               "must be 1..3600")
        check(isinstance(self.max_waiting_per_client, int) and not isinstance(self.max_waiting_per_client, bool)
              and 0 <= self.max_waiting_per_client <= 10000, "serve", "max_waiting_per_client",
              "must be 0..10000 (0: automatic, the queue shared by up to 4 clients once two or more token names are set)")
        check(isinstance(self.max_body_bytes, int) and 1024 <= self.max_body_bytes <= 64 << 20, "serve",
               "max_body_bytes", "must be 1 KiB..64 MiB")
        check(is_number(self.body_timeout_s) and 0 < self.body_timeout_s <= 3600, "serve", "body_timeout_s",
               "must be seconds, > 0 and at most 3600")
        check(is_number(self.shutdown_timeout_s) and 0 <= self.shutdown_timeout_s <= 3600, "serve",
               "shutdown_timeout_s", "must be seconds, 0 (cut requests short at once) to 3600")
        check(isinstance(self.tokens, list) and all(isinstance(t, str) and t.strip() for t in self.tokens),
               "serve", "tokens", "must be a list of non-empty strings")
        check(all(len(split_token(t)[1]) >= MIN_TOKEN_CHARS for t in self.tokens), "serve", "tokens",
               f"each token's secret must be at least {MIN_TOKEN_CHARS} characters "
               "(e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(32))')")
        check(bad_token_name(self.tokens) is None, "serve", "tokens", f"entry {bad_token_name(self.tokens)}: {BAD_NAME}")
        check(isinstance(self.tokens_env, str), "serve", "tokens_env", "must be an environment variable name")
        check_token_scopes(self.token_scopes, self.token_scopes_default)
        _check_entries("cors_origins", self.cors_origins, cors_origin, "origins",
                       '["https://intranet.example.com"]', "origin")
        _check_entries("allowed_hosts", self.allowed_hosts, allowed_host, "host names", '["rag.example.com"]', "Host")


def check_token_scopes(scopes: Any, default: Any) -> None:
    """`[serve] token_scopes` (a table of token name -> non-empty list of stored paths or folders: no ids)
    and `token_scopes_default` ("all" | "none"). Whether each name is a configured token is said at start (the
    tokens of $tokens_env are known only then: auth.scope_notes)."""
    from .text import shortened

    check(default in SCOPE_DEFAULTS, "serve", "token_scopes_default",
          '"all" (a token without a token_scopes entry reads every document) or "none" (it reads nothing)')
    check(isinstance(scopes, dict), "serve", "token_scopes",
          'must be a table of token name = list of documents, e.g. { hr = ["/srv/docs/hr/"] }')
    for name, refs in scopes.items():
        shown = shortened(str(name), 64)
        check(token_name_ok(str(name)), "serve", "token_scopes",
              f"'{shown}' is not a token name (letters, digits, . _ -, at most 64)")
        check(isinstance(refs, list) and refs and all(isinstance(r, str) and r.strip() for r in refs), "serve",
              "token_scopes", f"{shown} must be a non-empty list of stored paths or folders as "
              'strings, e.g. ["/srv/docs/hr/"] (leave the token out to let it read every document)')
        check(len(refs) <= MAX_REFS and all(len(r) <= MAX_REF_CHARS for r in refs), "serve", "token_scopes",
              f"{shown}: at most {MAX_REFS} references of {MAX_REF_CHARS} characters each")
        for r in refs:  # an id names one stored copy: a document removed and ingested again gets a new one
            check(not (r.strip().isascii() and r.strip().isdigit()), "serve", "token_scopes",
                  f"{shown}: '{shortened(r.strip(), 64)}' is a document id; a document removed and ingested again "
                  "gets a new id, which the scope would not name: name its stored path or folder")


def _check_entries(key: str, values: Any, canonical: Any, what: str, example: str, one: str) -> None:
    """A [serve] list of strings each `canonical` accepts (its ValueError says why not), "*" only alone."""
    check(isinstance(values, list) and all(isinstance(v, str) for v in values), "serve", key,
          f'must be a list of {what}, e.g. {example}, or ["*"] for any')
    for v in values:
        try:
            canonical(v)
        except ValueError as exc:
            from .text import shortened

            check(False, "serve", key, f"'{shortened(v, 100)}' {exc}")
    check("*" not in values or len(values) == 1, "serve", key, f'"*" (any {one}) must be the only entry')


@dataclass
class RolloutConfig:
    """Live canary comparison and alert rules (docs/rollout.md). Defaults follow the product's acceptance bar."""

    window_minutes: float = 60.0  # query-log rows compared per arm
    min_requests: int = 20  # per arm, before any rule can fire
    min_schema_adherence: float = 0.99  # candidate, valid before repair
    max_adherence_drop: float = 0.01  # control - candidate
    max_repair_rate: float = 0.03  # candidate
    max_unsupported_increase: float = 0.05  # candidate - control: the support check's "unsupported" refusals
    max_refusal_drop: float = 0.10  # control - candidate: refusing less can mean answering what it should not
    max_p95_ratio: float = 1.10  # candidate / control, total latency
    p95_slack_ms: float = 50.0  # ...and only when the candidate is also this much slower (noise on fast answers)
    max_tokens_ratio: float = 1.25  # candidate / control, completion tokens per answer (spend)
    auto_rollback: bool = False

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name == "auto_rollback":
                check(isinstance(v, bool), "rollout", f.name, "must be true or false")
            else:
                check(isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0, "rollout", f.name,
                       "must be a number >= 0")
        check(isinstance(self.min_requests, int) and self.min_requests >= 1, "rollout", "min_requests", "must be >= 1")
        check(self.window_minutes > 0, "rollout", "window_minutes", "must be > 0")
        for key in ("min_schema_adherence", "max_adherence_drop", "max_repair_rate", "max_unsupported_increase",
                    "max_refusal_drop"):
            check(getattr(self, key) <= 1, "rollout", key, "must be 0..1")


@dataclass
class RetentionConfig:
    """What the home's database keeps (docs/store.md, "Retention"; `ragtune log prune` for a one-off)."""

    # Days of query log to keep; 0 = all of it. 365 by default (round 46; 0 before): an entry holds a person's
    # question as typed and ~4 kB, so a log kept for ever grows ~1.5 GB a year at 1,000 questions a day. What is
    # training data or the organisation's record stays: reviewed entries and rows a rollout arm served are never
    # removed by it (`ragtune log prune` can, knowing the rollout). Applied where rows are written, at most once an
    # hour per process, in batches; the first pass that removes entries says so once (querylog.on_retention).
    query_log_days: int = 365
    # The answer cache's bound: beyond it the oldest entries go, in batches (a cache: a miss only costs an answer).
    answer_cache_max_entries: int = 10000

    def __post_init__(self) -> None:
        check(isinstance(self.query_log_days, int) and not isinstance(self.query_log_days, bool)
              and 0 <= self.query_log_days <= 100000, "retention", "query_log_days",
              "must be a whole number of days, 0 (keep everything) to 100000")
        check(isinstance(self.answer_cache_max_entries, int) and not isinstance(self.answer_cache_max_entries, bool)
              and 1 <= self.answer_cache_max_entries <= 100_000_000, "retention", "answer_cache_max_entries",
              "must be 1..100000000 (`[generate] answer_cache = false` turns the cache off)")
