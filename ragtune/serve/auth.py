"""Bearer tokens: loaded from `[serve] tokens` and the `tokens_env` variable, compared in constant time.

A token is "name:secret" or a bare "secret"; the name is the client id of whoever holds it (a bare secret gets
"token-" + the first 8 hex digits of its sha256, never the secret itself).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
from dataclasses import dataclass

from ..appliance.config import MIN_TOKEN_CHARS, ServeConfig, split_token
from ..appliance.errors import ConfigError


@dataclass(frozen=True)
class Token:
    name: str
    digest: bytes  # sha256 of the secret: equal-length inputs for compare_digest


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("utf-8")).digest()


def parse_token(raw: str, where: str) -> Token:
    name, secret = split_token(raw)
    if len(secret) < MIN_TOKEN_CHARS:
        raise ConfigError(f"{where}: a serve token must be at least {MIN_TOKEN_CHARS} characters",
                          hint="e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))'")
    return Token(name or "token-" + hashlib.sha256(secret.encode()).hexdigest()[:8], _digest(secret))


def load_tokens(cfg: ServeConfig, environ: dict[str, str] | None = None) -> list[Token]:
    env = os.environ if environ is None else environ
    out = [parse_token(t, "[serve] tokens") for t in cfg.tokens]
    raw = env.get(cfg.tokens_env, "") if cfg.tokens_env else ""
    out += [parse_token(t, f"${cfg.tokens_env}") for t in raw.split(",") if t.strip()]
    return out


def check_bearer(header: str | None, tokens: list[Token]) -> str | None:
    """The name of the token in an `Authorization: Bearer …` header, or None. Every token is compared (no
    early exit), each comparison constant-time over equal-length digests."""
    if not header or not header[:7].lower() == "bearer ":
        return None
    given = _digest(header[7:].strip())
    found = None
    for t in tokens:
        if hmac.compare_digest(given, t.digest) and found is None:
            found = t.name
    return found


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
