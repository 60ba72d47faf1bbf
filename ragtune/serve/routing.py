"""OpenAI model names -> adapters: `ragtune` (routed: the rollout arm, else the served default: the activated
adapter, else the built-in default adapter when its manifest says go), `ragtune:base`
(no adapter), `ragtune:<adapter id, prefix or name>` (that adapter, pinned)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..appliance.errors import AdapterBaseMismatch, AdapterMisfit, InputError, ModelError, RagtuneError
from ..appliance.home import Home
from ..appliance.refs import ACTIVE_ADAPTER, DEFAULT_ADAPTER, NONE_ADAPTER
from ..appliance.artifacts import ADAPTER_KINDS
from ..models.rollout import Route, Router as _Router

MODEL = "ragtune"
MODEL_PREFIX = MODEL + ":"
BASE_MODEL = MODEL_PREFIX + "base"

__all__ = ["AmbiguousAdapter", "BASE_MODEL", "MODEL", "MODEL_PREFIX", "Route", "RoutedAdapterError", "Router",
           "UnknownAdapter", "UnknownModel"]


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
    hint = "roll the rollout back (`ragtune rollout rollback`)" if arm else "set [generate] adapter to one made for " \
        "the served model, or to none, and restart serve"
    return RoutedAdapterError(f"unpinned requests are routed to an adapter ({where}) the served model cannot "
                              f"serve: {exc.message}", why=f"{where}: {why}", hint=hint)


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

