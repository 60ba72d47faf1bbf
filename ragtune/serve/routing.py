"""OpenAI model names -> adapters: `ragtune` (routed: the rollout arm, else the served default: the activated
adapter, else the built-in default adapter when its manifest says go), `ragtune:base`
(no adapter), `ragtune:<adapter id, prefix or name>` (that adapter, pinned); /v1/models/{model}'s path (ModelRoute);
a rollout's clients that name no user (Unnamed)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from starlette.convertors import Convertor, register_url_convertor
from starlette.routing import Match, Route as _PathRoute

from ..appliance.errors import AdapterBaseMismatch, AdapterMisfit, InputError, ModelError, RagtuneError
from ..appliance.home import Home
from ..appliance.refs import ACTIVE_ADAPTER, DEFAULT_ADAPTER, NONE_ADAPTER
from ..appliance.artifacts import ADAPTER_KINDS
from ..models.rollout import Route, Router as _Router

MODEL = "ragtune"
MODEL_PREFIX = MODEL + ":"
BASE_MODEL = MODEL_PREFIX + "base"

log = logging.getLogger("ragtune.serve")

__all__ = ["AmbiguousAdapter", "BASE_MODEL", "MODEL", "MODEL_PREFIX", "ModelRoute", "Route", "RoutedAdapterError",
           "Router", "UnknownAdapter", "UnknownModel", "Unnamed", "model_name"]


class UnknownModel(LookupError):
    """A model name this server does not serve (HTTP 404)."""


class UnknownAdapter(LookupError):
    """An `adapter` a client named that is not a registered GGUF LoRA (HTTP 400)."""


class AmbiguousAdapter(LookupError):
    """An id prefix or name (`adapter`, or the `ragtune:<ref>` model) that matches several adapters (HTTP 400); the
    message is the registry's, naming the candidates."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class RoutedAdapterError(ModelError):
    """An adapter the server routed an unpinned request to (a rollout's arm, or [generate] adapter) that cannot
    serve on the served model: the server's configuration is wrong, not the request (HTTP 500 model_error, where
    the same adapter named by the client is its 400). `why`: what the client may be told (no file path)."""

    def __init__(self, message: str, *, why: str, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.why = why


def routed_error(exc: AdapterBaseMismatch | AdapterMisfit, arm: str | None) -> RoutedAdapterError:
    """The client's 400 (it named the adapter) as the server's 500 (it did not)."""
    where = f"the rollout's {arm} arm" if arm else "[generate] adapter"
    why = "it was made for another base model" if isinstance(exc, AdapterBaseMismatch) else \
        f"it does not fit the served model: {exc.why}"  # type: ignore[union-attr]
    if arm == "candidate":
        hint = "roll the rollout back (`ragtune rollout rollback`)"
    elif arm:  # a rollback serves the control arm to everyone: it would not help while the control cannot be served
        hint = "fix the control arm's adapter first (`ragtune models verify`, or add it again made for the served " \
            "model); a rollback would serve it to every client"
    else:
        hint = "set [generate] adapter to one made for the served model, or to none, and restart serve"
    return RoutedAdapterError(f"unpinned requests are routed to an adapter ({where}) the served model cannot "
                              f"serve: {exc.message}", why=f"{where}: {why}", hint=hint)


class Unnamed:
    """Requests a running rollout routed whose client named no user (no `user` field, no X-Ragtune-Client header):
    their client id is the address (`anon@<address>`) or the token's name alone, so every user behind a reverse proxy
    or a shared token is one client, all on one arm. Past `limit` such requests from one client, the server log says
    so, once per process. Bounded: at most `max_clients` ids are counted (others are not), nothing after the warning;
    called on the event loop only (no lock)."""

    def __init__(self, limit: int = 200, max_clients: int = 256):
        self.limit, self.max_clients = limit, max_clients
        self.counts: dict[str, int] = {}
        self.warned = False

    def seen(self, client: str, principal: str | None, arm: str | None) -> None:
        if self.warned or arm is None or (client != principal if principal else "/" in client):
            return  # warned already, no rollout (or pinned), or the client named its user ("who/user")
        n = self.counts.get(client, 0) + 1
        if n == 1 and len(self.counts) >= self.max_clients:
            return
        self.counts[client] = n
        if n > self.limit:
            self.warned, self.counts = True, {}
            log.warning("rollout: more than %d requests from client %r named no user (no `user` field, no "
                        "X-Ragtune-Client header): every user behind it (a reverse proxy, a shared token) is one "
                        "client, all on one arm; have the front end pass `user` or X-Ragtune-Client per end user "
                        "(docs/serve.md, \"Client id\"). Said once per process.", self.limit, client)


class Router(_Router):
    def __init__(self, home: Home | None = None, *, default: str = "default", model: Any = None):
        """`model`: the served model's reference ([generate] model), so that only adapters it can serve are listed
        (None: every GGUF LoRA is)."""
        super().__init__(home, default=default)
        self.home = self.state.home
        self.model = model
        self._served: tuple[Path, str] | None | bool = False  # (file, id) of `model`, resolved on first use

    def served_default(self) -> str | None:
        """The adapter reference most requests for the routed name get now: a running rollout's control arm, else
        the served default (what `serve` loads before it listens)."""
        r = self.state.current()
        return self.default if r is None else r.adapter_of("control")

    def served_model(self, model: str) -> tuple[str, str | None]:
        """(its id as GET /v1/models lists it, the adapter reference) of a model name a client sends: the one
        resolver of a chat completion's `model` and of GET /v1/models/{model}, so that what one accepts the other
        finds. `ragtune` -> None (routed), `ragtune:base` -> "none", `ragtune:<adapter id, id prefix or name>` ->
        that GGUF LoRA's id (listed by its full id). Unknown names are an UnknownModel (404), a prefix or name of
        several adapters an AmbiguousAdapter (400)."""
        if model == MODEL:
            return MODEL, None
        if model == BASE_MODEL:
            return BASE_MODEL, "none"
        if model.startswith(MODEL_PREFIX):
            ref = model[len(MODEL_PREFIX):]
            if not ref.strip():  # "ragtune:": no such model (the registry's "empty model id" is not an ambiguity)
                raise UnknownModel(model)
            try:
                # among adapters only: `train --out a1` then `convert lora … a1.gguf` name a LoRA and its GGUF alike
                m = self.state.registry.manifest(ref, kinds=ADAPTER_KINDS)
            except InputError as exc:  # a prefix or name of several: say so, as for `adapter` (was a 404)
                raise AmbiguousAdapter(exc.message) from None
            except Exception:
                m = None
            if m is not None and m.get("kind") == "lora-gguf":
                return MODEL_PREFIX + m["id"], m["id"]
        raise UnknownModel(model)

    def listed_model(self, model: str) -> str:
        """GET /v1/models/{model}: served_model's id, for an adapter only when the list has it (check_servable);
        one the list leaves out is refused as a chat completion naming it is (400 adapter_base_mismatch /
        adapter_misfit), so the list and the lookup agree."""
        listed, ref = self.served_model(model)
        if ref not in (None, NONE_ADAPTER):
            self.check_servable(self.state.registry.manifest(ref, kinds=ADAPTER_KINDS))
        return listed

    def pinned_adapter(self, model: str) -> str | None:
        """None for the routed name; the adapter reference otherwise (served_model)."""
        return self.served_model(model)[1]

    def adapter_ref(self, ref: str) -> str:
        """What a client may name as `adapter`: "none", "default", "active", or a registered GGUF LoRA by id,
        prefix or name (returned as its id). Never a file path: the engine loads a path it is given, and a client
        must not make the server read, hash or load any file it can reach. An ambiguous prefix or name is an
        AmbiguousAdapter with the registry's message (it names the candidates)."""
        ref = ref.strip()
        if ref.lower() in (NONE_ADAPTER, DEFAULT_ADAPTER, ACTIVE_ADAPTER):
            return ref.lower()
        try:
            m = self.state.registry.manifest(ref, kinds=ADAPTER_KINDS)
        except ModelError:  # not in the registry
            m = None
        except InputError as exc:
            raise AmbiguousAdapter(exc.message) from None
        if m is None or m.get("kind") not in ADAPTER_KINDS:
            raise UnknownAdapter(ref)
        return m["id"]

    def list_adapters(self) -> list[dict[str, Any]]:
        """The GGUF LoRAs a request can be served with on the served model: made for it (their recorded base), or
        with no base recorded and tensors that fit it (Registry.check_fits: two headers, read once per adapter and
        model). One made for another base, or of another shape, would only be refused (400) if asked for."""
        adapters = self.state.registry.list(kind="lora-gguf")
        if self._served_model() is None:
            return adapters
        return [m for m in adapters if self._servable(m)]

    def check_servable(self, m: dict[str, Any]) -> None:
        """AdapterBaseMismatch / AdapterMisfit, `ask`'s, when the served model cannot serve the GGUF LoRA `m` (a
        manifest): the one test of the listing and of a model name's lookup, so they agree. Nothing when the served
        model is not known here; only its base when the adapter has no file to read."""
        from ..appliance.refs import check_servable

        served = self._served_model()
        if served is None:
            return
        registry = self.state.registry
        path = None if not m.get("file") else Path(m["file"]) if m.get("builtin") else registry.path_of(m)
        check_servable(registry, m, path, served[1])

    def _servable(self, m: dict[str, Any]) -> bool:
        try:
            self.check_servable(m)
        except (AdapterBaseMismatch, AdapterMisfit):
            return False
        return True

    def _served_model(self) -> tuple[Path, str] | None:
        """(file, id) of the served model, or None when it cannot be resolved here (nothing is then left out: the
        engines say what is wrong with it). Its bytes are hashed once per process (hashing.py), as serving does."""
        if self._served is False:
            from ..appliance.refs import resolve_gguf_model

            try:
                self._served = resolve_gguf_model(self.state.registry, self.model, verify=False) \
                    if self.model else None
            except RagtuneError:
                self._served = None
        return self._served  # type: ignore[return-value]


# -- /v1/models/{model}'s path (moved here from app.py in round 47) -----------------------------------------------
class _Segments(Convertor):
    """{model:segments}: one or more non-empty path segments (not "a//b", nor a trailing "/": the route's own)."""

    regex = "[^/]+(?:/[^/]+)*"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("segments", _Segments())


def model_name(scope: dict[str, Any]) -> str | None:
    """{model} of /v1/models/{model} as the client sent it, or None when the path names no model. A name may hold a
    "/" (an adapter named `hr/v2`, which a chat completion accepts), sent as %2F (the OpenAI SDK encodes it so); a
    literal "/" separates segments: one at the end is the route's optional slash, more name no model. uvicorn
    decodes both alike in the path: the raw path tells them apart."""
    raw = scope.get("raw_path")
    if raw is None:  # (an ASGI server that gives none: the decoded path, where a "/" is always a separator)
        segments = scope.get("path_params", {}).get("model", "").split("/")
    else:  # after the root path's segments, "", "v1", "models"
        segments = raw.decode("latin-1").split("/")[scope.get("root_path", "").count("/") + 3:]
    if len(segments) == 2 and segments[1] == "":
        segments = segments[:1]
    if len(segments) != 1 or not segments[0]:
        return None
    return segments[0] if raw is None else unquote(segments[0])


class ModelRoute(_PathRoute):
    """/v1/models/{model}: a path the decoded {model:segments} matches but whose raw path has more segments than a
    model (/v1/models/ragtune/base) is no route, as it was: a 404 not_found (or any method's), counted under "-"."""

    def matches(self, scope: Any) -> tuple[Match, dict[str, Any]]:
        match, child = super().matches(scope)
        if match is not Match.NONE and model_name({**scope, **child}) is None:
            return Match.NONE, {}
        return match, child
