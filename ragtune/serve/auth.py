"""Bearer tokens: loaded from `[serve] tokens` and the `tokens_env` variable, compared in constant time.

A token is "name:secret" or a bare "secret"; the name is the client id of whoever holds it (a bare secret gets
"token-" + the first 8 hex digits of its sha256, never the secret itself). A front before the first ":" that is
no name (letters, digits, `._-`, at most 64: config_ops.token_name) is refused: it is more likely part of a
secret that holds a ":", which would land in the logs as a name.

A token may carry a scope ([serve] token_scopes): the documents its requests may read (app.py hands it to
scopes.ScopeCache.filters with the request's "in").
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
from dataclasses import dataclass
from typing import Any, Sequence

from ..appliance.config import MIN_TOKEN_CHARS, ServeConfig, split_token
from ..appliance.config_ops import BAD_NAME, token_name
from ..appliance.errors import ConfigError


@dataclass(frozen=True)
class Token:
    name: str
    digest: bytes  # sha256 of the secret: equal-length inputs for compare_digest
    scope: tuple[str, ...] | None = None  # the documents it may read, as "in" refs; None: all; (): none


_NO_DIGEST = bytes(32)  # compared with on a miss: a lookup that found nothing takes a hit's time


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("utf-8")).digest()


def parse_token(raw: str, where: str) -> Token:
    name, secret = token_name(raw), split_token(raw)[1]
    if name is None:  # never the value: it may be a secret's front
        raise ConfigError(f"{where}: a token {BAD_NAME}", hint="e.g. hr-team:<secret>")
    if len(secret) < MIN_TOKEN_CHARS:
        raise ConfigError(f"{where}: a serve token must be at least {MIN_TOKEN_CHARS} characters",
                          hint="e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(32))'")
    return Token(name or "token-" + hashlib.sha256(secret.encode()).hexdigest()[:8], _digest(secret))


def load_tokens(cfg: ServeConfig, environ: dict[str, str] | None = None) -> "TokenList":
    env = os.environ if environ is None else environ
    out = [parse_token(t, "[serve] tokens") for t in cfg.tokens]
    raw = env.get(cfg.tokens_env, "") if cfg.tokens_env else ""
    out += [parse_token(t, f"${cfg.tokens_env}") for t in raw.split(",") if t.strip()]
    return TokenList(scoped(cfg, out))


class TokenList(tuple):
    """load_tokens' tokens, with an index by digest: a request's token is found by one lookup of its digest, not by
    comparing it with each token (a server for many clients: 1,000 tokens cost ~0.8 ms of the event loop a
    request, a 401 included, so anyone without a token could keep the loop busy). Found or not, the time is one
    hash lookup and one compare_digest: it says neither which token nor whether any matched (the dict's hash of a
    sha256 digest is keyed per process; its bytes are compared only on equal hashes). The first of two tokens with
    one secret is the one found, as before. A tuple (round 51): it cannot change after its index is built, so the
    index is always the list's (a reload swaps in a new TokenList); it equals a list of the same tokens."""

    by_digest: dict[bytes, Token]

    def __new__(cls, tokens: Any = ()) -> "TokenList":
        self = super().__new__(cls, tokens)
        self.by_digest = {}
        for t in self:
            self.by_digest.setdefault(t.digest, t)
        return self

    def __eq__(self, other: object) -> bool:
        return list(self) == other if isinstance(other, list) else tuple.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = tuple.__hash__


def scoped(cfg: ServeConfig, tokens: list[Token]) -> list[Token]:
    """TOKENS with their scopes from [serve] token_scopes / token_scopes_default. Refused (ConfigError), rather than
    served wider or narrower than meant: scopes set without any token (every request would be unscoped), and
    token_scopes_default = "none" leaving every token without a document."""
    scopes, default = cfg.token_scopes, cfg.token_scopes_default
    if not scopes and default == "all":
        return tokens
    if not tokens:
        raise ConfigError("[serve] token_scopes / token_scopes_default are set but no token is: a request without "
                          "a token would read every document", hint="set [serve] tokens or $" + cfg.tokens_env)
    out = [Token(t.name, t.digest, tuple(scopes[t.name]) if t.name in scopes else None if default == "all" else ())
           for t in tokens]
    if all(t.scope == () for t in out):
        raise ConfigError('[serve] token_scopes_default = "none" and no token has a token_scopes entry: every '
                          "request would read nothing", hint="name the tokens in [serve] token_scopes, e.g. "
                          '{ hr = ["/srv/docs/hr/"] }, using the names before their ":"')
    return out


def scope_notes(cfg: ServeConfig, tokens: list[Token]) -> tuple[str | None, list[str]]:
    """For `ragtune serve`'s start: a line saying how many tokens are scoped (None when none is), and a warning
    per token_scopes name no token has (a typo: that token, if it exists under another name, reads as the default
    says)."""
    names = {t.name for t in tokens}
    warnings = [f"[serve] token_scopes names '{n}', which no token has (tokens: {', '.join(sorted(names)) or 'none'}"
                f"; from [serve] tokens and ${cfg.tokens_env}): a typo?" for n in cfg.token_scopes if n not in names]
    n = sum(t.scope is not None for t in tokens)
    if not n:
        return None, warnings
    rest = "read every document" if cfg.token_scopes_default == "all" else "read nothing"
    return (f"scopes: {n} of {len(tokens)} token(s) read only their token_scopes documents; the others {rest}",
            warnings)


def empty_scope_note(store: Any, tokens: list[Token], shown: int = 10) -> str | None:
    """For `ragtune serve`'s start: a warning naming the tokens whose token_scopes entry matches no stored document
    now (a path mistyped among a server's 200 clients, a folder renamed or not ingested yet: not an error, since a
    folder ingested later joins the scope, but each of their questions is refused `no_sources` until then). None
    when every scope holds a document, or nothing is ingested at all (the start says that otherwise). A token whose
    scope is empty on purpose (token_scopes_default = "none") is not named. One lookup per distinct scope."""
    from ..appliance.errors import NothingIngested
    from ..appliance.scope import scope_documents

    found: dict[tuple[str, ...], bool] = {}
    try:
        for t in tokens:
            if t.scope and t.scope not in found:
                found[t.scope] = bool(scope_documents(store, t.scope))
    except NothingIngested:
        return None
    empty = sorted({t.name for t in tokens if t.scope and not found[t.scope]})
    if not empty:
        return None
    more = f" and {len(empty) - shown} more" if len(empty) > shown else ""
    return (f"[serve] token_scopes: {len(empty)} token(s) match no stored document now: {', '.join(empty[:shown])}"
            f"{more}; their questions are refused (no_sources) until a document is ingested under their folders "
            "(a typo, or a folder renamed? `ragtune docs list` shows the stored paths)")


def bearer_token(header: str | None, tokens: Sequence[Token]) -> Token | None:
    """The token of an `Authorization: Bearer …` header, or None. load_tokens' TokenList: one lookup of the given
    secret's digest and one constant-time compare_digest, hit or miss (TokenList). Any other list (a caller's own):
    every token is compared (no early exit), each constant-time over equal-length digests."""
    if not header or not header[:7].lower() == "bearer ":
        return None
    given = _digest(header[7:].strip())
    if isinstance(tokens, TokenList):
        t = tokens.by_digest.get(given)
        ok = hmac.compare_digest(given, t.digest if t is not None else _NO_DIGEST)  # the same work, hit or miss
        return t if ok and t is not None else None
    found = None
    for t in tokens:
        if hmac.compare_digest(given, t.digest) and found is None:
            found = t
    return found


def check_bearer(header: str | None, tokens: Sequence[Token]) -> str | None:
    """The name of the token in an `Authorization: Bearer …` header, or None (bearer_token)."""
    t = bearer_token(header, tokens)
    return None if t is None else t.name


def is_loopback(host: str, *, mapped: bool = False) -> bool:
    """`localhost` (any case) or a loopback address (127.0.0.0/8, ::1; in [ ] too): only this machine reaches it.
    The one test of loopback for serving: check_bind's of the address listened on, and, with `mapped` (an IPv4-mapped
    ::ffff:127.0.0.1 too: Python before 3.13 does not call it loopback), guard.is_loopback_name's of a Host header."""
    if host.lower() == "localhost":
        return True
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    v4 = getattr(ip, "ipv4_mapped", None)
    if v4 is not None:  # Python 3.13's is_loopback says True for ::ffff:127.0.0.1: one answer on every Python
        return mapped and v4.is_loopback
    return ip.is_loopback


def check_bind(host: str, tokens: list[Token]) -> None:
    """Refuse to listen beyond this machine without a token."""
    if not tokens and not is_loopback(host):
        raise ConfigError(f"refusing to serve on {host} without a token: anyone who can reach it could use it",
                          hint="set [serve] tokens or $RAGTUNE_SERVE_TOKENS (name:secret,...), or bind 127.0.0.1")
