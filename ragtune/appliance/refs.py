"""References: the one resolution of "which model / adapter" for every caller, over the registry.

Which adapter serves (`resolve_adapter`), first match wins: an explicit reference (`--adapter`, a request's
adapter) > `[generate] adapter` when it names one ("none" = the base) > the registry's choice once `models
activate|deactivate|rollback` made one (active.json; null = the base) > the built-in default adapter when its
manifest says go > the base model. `[generate] adapter = "default"` (the default) means "the last three".

A path is read as given, so a relative one against the working directory: right for the command line (`--adapter
PATH`, `models add PATH`). The config's model keys arrive already made absolute against the home when they name the
home's files (config.py `_in_home`: relative paths in config.toml are the home's). A value ending in `.gguf` that
names no file is looked up as a registry name (`models add a.gguf --name my.gguf`), by both resolvers.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

from .artifacts import ACTIVE_ADAPTER, ADAPTER_KINDS, DEFAULT_ADAPTER, NONE_ADAPTER  # no artifact may be named so
from .atomic import is_special
from .chat_template import CHAT_TEMPLATE  # refs.CHAT_TEMPLATE too: the default template's GGUF key
from .errors import (AdapterBaseMismatch, AdapterMisfit, ConfigError, InputError, ModelError, RagtuneError,
                     located)
from .hashing import sha256_path
from .jsonl import loads_located
from .registry import GGUF_MODEL_KINDS, Registry
from .text import escaped, shortened, shown_path
from .tomltext import Sourced, with_origin


def resolve_input(registry: Registry, ref: str | Path, *, kinds: Iterable[str] | None = None) -> tuple[Path, str | None]:
    """A CLI input that may be a path or a registry ref: returns (path, id or None). A path that is
    registered under its hash gets that id (so lineage links up); an unregistered path gets None. A registry
    ref (id, unique prefix, name; the default models by name) is verified and must be one of `kinds`."""
    p = Path(ref).expanduser()
    if os.path.exists(p):
        if is_special(p):  # /dev/zero would be hashed until the end of time; /dev/null was "no such file"
            want = " or ".join(kinds) if kinds is not None else "model or adapter"
            raise InputError(f"{shortened(shown_path(p))}: a device, pipe or socket, not a file or folder "
                             f"(expected a {want}, or a registry id or name)")
        p = p.resolve()  # converters run scripts from another cwd
        digest = sha256_path(p)
        try:
            return p, registry.manifest(digest)["id"]  # the registry's own lookup by id
        except ModelError:  # not registered: no id, so no lineage link
            return p, None
    art = registry.get(str(ref), kinds=kinds)
    if kinds is not None and art.kind not in kinds:
        raise InputError(f"{ref}: is a {art.kind}; expected one of {', '.join(kinds)}")
    return art.path, art.id


def resolve_adapter(registry: Registry, ref: str | Path | None, *, model_id: str | None = None,
                    model_file: Path | None = None) -> tuple[Path | None, str]:
    """(file or None, id) of the adapter to serve: "none" -> (None, "none"); "default" -> `default_adapter()` (the
    registry's choice, else the built-in default if go, else none); "active" -> the registry's activated adapter
    (verified), or none; a GGUF LoRA file -> its registered id, else the "sha256" of a `<file>.json` manifest
    beside it, else its own sha256; otherwise a registry id / prefix / name of a lora-gguf artifact (a built-in
    adapter by name too, whatever its go). `model_id`: the served model, so "default" never picks a built-in
    adapter trained on another base, and the adapter is checked against it before anything is generated: made for
    another base (AdapterBaseMismatch), or of another shape (AdapterMisfit; headers read once per file and model:
    Registry.check_fits). `model_file`: the served model's file, when the caller resolved it through another
    Registry (the generator's: a model given by path has no manifest to find it by). One activated while another
    model was served is the server's state, not the caller's choice: a plain ModelError."""
    given, ref = ref, str(ref or NONE_ADAPTER).strip()  # `given` may remember its config line (tomltext.Sourced)
    if ref.lower() in (NONE_ADAPTER, ""):
        return None, NONE_ADAPTER
    if ref.lower() in (ACTIVE_ADAPTER, DEFAULT_ADAPTER):
        art = registry.active_adapter() if ref.lower() == ACTIVE_ADAPTER else \
            registry.default_adapter(model_id=model_id)
        if art is None:
            return None, NONE_ADAPTER
        # activated while another model was served: said, not loaded onto this one
        _check_base(registry, art.manifest, model_id, given, activated=True)
        _check_shape(registry, art.path, art.id, model_id, given, activated=True, model_file=model_file)
        return art.path, art.id
    path, aid = _find_adapter(registry, ref, model_id, given)
    _check_shape(registry, path, aid, model_id, given, model_file=model_file)
    return path, aid


def _find_adapter(registry: Registry, ref: str, model_id: str | None, given: Any) -> tuple[Path, str]:
    """resolve_adapter for a file or a registry reference, its base checked when recorded."""
    p = Path(ref).expanduser()
    if os.path.isfile(p):
        path, rid = resolve_input(registry, p, kinds=ADAPTER_KINDS)
        if rid:
            _check_base(registry, registry.manifest(rid), model_id, given)
            return path, rid
        side = p.with_name(p.name + ".json")
        if side.is_file():
            try:
                raw = side.read_bytes()
            except OSError as exc:
                raise ModelError(f"{located(side)}: unreadable adapter manifest: {exc.strerror or exc}") from None
            doc = loads_located(raw, side, "unreadable adapter manifest: invalid JSON", error=ModelError)
            if not isinstance(doc, dict):
                raise ModelError(f"{located(side)}: unreadable adapter manifest: expected a JSON object, got "
                                 f"{type(doc).__name__}")
            want = doc.get("sha256")
            if want:
                return p, str(want)
        return p, sha256_path(p)
    try:
        art = registry.get(ref, kinds=ADAPTER_KINDS)
    except (InputError, ModelError) as exc:
        raise with_origin(exc, given) from None
    if art.kind not in ADAPTER_KINDS:
        raise with_origin(InputError(f"{ref}: is a {art.kind}, not a GGUF LoRA adapter",
                                     hint="convert a trained adapter with `ragtune convert` first"), given)
    _check_base(registry, art.manifest, model_id, given)
    return art.path, art.id


def _named(registry: Registry) -> Callable[[str], str]:
    names = {m["id"]: m["name"] for m in registry.list()}
    return lambda i: f"{i[:12]}… ({escaped(names[i])})" if i in names else f"{i[:12]}…"


_ACTIVATED_HINT = ("`ragtune models activate` one made for the served model, or `ragtune models deactivate` to serve "
                   "the base model alone")


def _check_base(registry: Registry, manifest: dict[str, Any], model_id: str | None, given: Any, *,
                activated: bool = False) -> None:
    """A registered adapter whose lineage names another base than the served model (`model_id`) is refused before
    anything is generated, as `models activate` refuses it: a LoRA is made for one model, and on another (even one
    of the same shape) its effect was never measured. Unknown on either side (no base recorded, no model id): not
    checked."""
    base = (manifest.get("lineage") or {}).get("base_id")
    if not model_id or not base or str(base).lower() == model_id.lower():
        return
    named = _named(registry)
    how = "the activated adapter" if activated else "adapter"
    message = (f"{how} {named(manifest['id'])} was made for base model {named(str(base))}, but the served model is "
               f"{named(model_id)}; refusing to serve it on another model")
    if activated:  # the server's choice, not the caller's
        raise with_origin(ModelError(message, hint=_ACTIVATED_HINT), given)
    raise with_origin(AdapterBaseMismatch(
        message, hint="choose an adapter made for the served model (`ragtune models list`), `--adapter none` for the "
                      "base model alone, or serve its base ([generate] model)"), given)


def _check_shape(registry: Registry, path: Path, aid: str, model_id: str | None, given: Any, *,
                 activated: bool = False, model_file: Path | None = None) -> None:
    """The adapter's tensors against the served model's (Registry.check_fits; a LoRA registered without a base, or
    a file, has only its shape to tell), so a misfit is said before llama.cpp refuses it at the first answer. A
    model given by path (not registered) is found by its file: `model_file` (the generator's), else the one
    resolve_gguf_model hashed for it through this registry (Registry.model_files)."""
    if not model_id:
        return
    model_file = model_file or registry.model_files.get(model_id.lower())
    try:
        registry.check_fits(Path(path), model_id, origin=given, model=model_file)
    except AdapterMisfit as exc:
        if not activated:
            raise
        raise with_origin(ModelError(f"the activated adapter {_named(registry)(aid)} does not fit the served model: "
                                     f"{exc.why}", hint=_ACTIVATED_HINT), given) from None


def check_servable(registry: Registry, manifest: dict[str, Any], path: Path | str | None, model_id: str | None,
                   given: Any = None) -> None:
    """The checks resolve_adapter makes on an adapter named by reference, for a caller that found it otherwise
    (a rollout's candidate, serve's listing and GET /v1/models/{model}): made for another base than the model
    `model_id` (AdapterBaseMismatch), or of another shape (AdapterMisfit; not without a `path` to read), with the
    messages `ask` gives. Unknown model (None): not checked."""
    _check_base(registry, manifest, model_id, given)
    if path is not None:
        _check_shape(registry, Path(path), manifest["id"], model_id, given)


def served_model_id(registry: Registry, ref: str | Path) -> str | None:
    """The id of the GGUF `[generate] model` names (`ref`), or None when it cannot be resolved here: a command that
    only checks an adapter against it goes on, and serving that model fails on its own, with its own message."""
    from .errors import RagtuneError

    try:
        return resolve_gguf_model(registry, ref)[1]
    except (RagtuneError, OSError):  # a file it cannot read (EIO, EACCES): `models list` shows "?", as for the adapter
        return None


def resolve_gguf_model(registry: Registry, ref: str | Path, *, verify: bool = True) -> tuple[Path, str]:
    """(file, sha256) of a GGUF base/merged/quantized model: a file path, a default-model name (a built-in of
    the registry) or a registry id / prefix / name. The bytes are verified (memoised: hashing.py), a registry
    artifact's unless `verify=False` (a file given by path is always hashed: its id).
    A value ending in `.gguf` is a file when one is there, else a registry name (`models add x.gguf --name
    my.gguf`); when both are there the file wins, as in resolve_adapter. Neither: the error names both readings."""
    ref = ref if isinstance(ref, str) else str(ref)  # a Sourced stays one: its errors name its config line
    p = Path(ref).expanduser()
    if os.path.isfile(p):
        digest = sha256_path(p)
        registry.model_files[digest] = p.resolve()  # check_fits finds it by its id (_check_shape)
        return p, digest
    name = ref.strip()  # as the registry looks a name up
    if ref.endswith(".gguf") and not any(m["name"] == name for m in registry.list()):
        # meant as a file most often, so the file is named first (the registry's own error would name only the name)
        raise with_origin(ModelError(f"{p}: model file not found, and no artifact in the registry ({registry.dir}) "
                                     f"is named '{shortened(name)}'",
                                     hint="fix the path, or name a registered model (see `ragtune models list`)"), ref)
    art = registry.get(ref, verify=verify, kinds=GGUF_MODEL_KINDS)  # a LoRA sharing the model's name is not it
    if not art.kind.endswith("gguf") or art.kind in ADAPTER_KINDS:
        raise with_origin(ModelError(f"{ref}: is a {art.kind}, not a GGUF model",
                                     hint="pass a base/merged/quantized GGUF"), ref)
    return Path(art.path), art.id


def check_model_file(path: str | Path) -> Any:
    """A GGUF model file as llama.cpp will read it, cheaply: its header, and a length that holds every tensor (no
    hashing). InputError when it is not a GGUF or is cut short, when it is a LoRA adapter, not a model, when its
    architecture is not one the installed llama.cpp loads, or when it has no chat template (generate.py refuses it):
    `config set` and `doctor` say so before every `ask` and `serve` would. Returns what it read (ggufinfo.GGUFInfo),
    so that a caller does not parse the header again."""
    from .ggufinfo import GGUFError, check_architecture, read_gguf

    try:
        info = read_gguf(path)
    except GGUFError as exc:
        raise InputError(exc.message, hint="give a whole GGUF model (copy it again if a copy or download was cut "
                                            "short), a registered model's id or name, or a default model's name") from None
    if info.type == "adapter":
        raise InputError(f"{path}: a GGUF LoRA adapter, not a model",
                         hint="an adapter is served by [generate] adapter; [generate] model names the model")
    check_architecture(info)  # llama.cpp loads it, even for a remote backend (its vocabulary): "unknown architecture"
    if not info.metadata.get(CHAT_TEMPLATE):  # the generator (local or remote) renders every prompt with it
        raise InputError(f"{path}: the GGUF has no chat template ({CHAT_TEMPLATE}): answers are prompted in the "
                         "model's chat format, so it cannot answer",
                         hint="serve a chat (instruct) model's GGUF, or copy this one with its chat template added: "
                              "gguf-new-metadata --chat-template-file TEMPLATE.jinja IN.gguf OUT.gguf")
    return info


MODEL_KEYS = ("generate.adapter", "generate.model", "embed.model", "retrieve.rerank")


def model_value_check(home: Any, key: str, *, model: Any = None) -> Callable[[str], None] | None:
    """For a model key (MODEL_KEYS; None for others), `config set`'s test of a value as every command will read it
    from the file (a relative path: the home's): a ConfigError (exit 2) when no command could load it. Files are
    found, not hashed or loaded (a base GGUF of gigabytes is verified where it is served); a GGUF model file's header
    is read and its length checked against its tensors (a file cut short is refused here, not by llama.cpp).
    `model`: the configured `[generate] model`, against which an adapter named by reference or file
    (generate.adapter) is checked as `ask` checks it: its base, its shape (_adapter_model)."""
    if key not in MODEL_KEYS:
        return None

    def check(value: str) -> None:
        try:
            _resolve_model_value(home, key, Sourced(value, key), model)  # its errors name the key
        except ConfigError:
            raise
        except RagtuneError as exc:  # a model error here is a bad value typed now: exit 2, the file unchanged
            raise ConfigError(exc.message, hint=exc.hint) from None

    return check


def _resolve_model_value(home: Any, key: str, value: Sourced, model: Any = None) -> None:
    from . import default_models

    if key == "generate.adapter":
        registry = Registry(home)
        chosen = str(value).strip().lower() not in (NONE_ADAPTER, DEFAULT_ADAPTER, ACTIVE_ADAPTER, "")
        model_id, model_file = _adapter_model(registry, model) if chosen else (None, None)
        path, _ = resolve_adapter(registry, value, model_id=model_id)  # ask's base and shape checks, with an id
        if path is not None and model_id is None and model_file is not None:  # a model by path: its shape only
            registry.check_fits(Path(path), "", origin=value, model=model_file)
        return
    if key == "retrieve.rerank":
        from .rerank import effective_rerank, resolve_reranker

        ref = effective_rerank(value)  # "default": the built-in's folder; "": off
        if ref:
            resolve_reranker(Sourced(ref, key), home)
        return
    try:  # the value alone: a found GGUF's header and length (no hashing), nothing looked up
        read = resolve_model_value(Registry(home), key, value, locate=False)
    except RagtuneError as exc:  # not a GGUF, an adapter, a file cut short: llama.cpp would refuse it at every `ask`
        raise with_origin(exc, value) from None
    wants = {"generate.model": "llm", "embed.model": "embedder"}[key]
    if read.how == "default" and default_models.manifest_entry(value).get("kind") == wants:
        return  # a default model's name: fine before `ragtune models fetch` places its files
    if read.how == "path" and read.found and key == "generate.model":
        from .ggufinfo import read_gguf

        _check_template(read_gguf(read.path).metadata, read.path, value)  # its header and length were checked above
        return
    if key == "generate.model":  # a path not there, a registry reference, a default model of another kind
        path, mid = resolve_gguf_model(Registry(home), value, verify=False)
        if not path.is_file():  # registered in place, then moved or deleted: every `ask` would fail on it
            raise with_origin(ModelError(f"{path}: the file of model {mid[:12]}… is missing",
                                         hint="restore it, or register the model again where it is now "
                                              "(`ragtune models add`)"), value)
        try:
            info = check_model_file(path)
        except RagtuneError as exc:
            raise with_origin(exc, value) from None
        _check_template(info.metadata, path, value)
    else:
        from .embed import resolve_files

        resolve_files(value, home)


def _check_template(metadata: dict[str, Any], path: Path, value: Sourced) -> None:
    """`config set generate.model`: a chat template that this Jinja cannot compile or that renders no question is
    refused, as no template is (check_model_file); so is a named one (`tokenizer.chat_template.tool_use`) it cannot
    compile. Not in check_model_file: `doctor` says it on a line of its own. Why here: llama-cpp-python compiles every
    template in the GGUF when it loads the model, so one it cannot read stopped every `ask` and `serve`, past config
    set (chat_template.template_errors). `metadata`: the header of `path`, as read."""
    from .chat_template import template_errors

    errors = template_errors(metadata, path)
    if errors:
        raise with_origin(errors[0], value)


def _adapter_model(registry: Registry, model: Any) -> tuple[str | None, Path | None]:
    """(id, file) of the configured `[generate] model` that `config set generate.adapter` checks an adapter
    against, found as `config set` finds models: nothing hashed, so a model given by path has no id (its file
    still tells the LoRA's shape: doctor --quick does the same), a default model's or a registered one's is its
    recorded id. (None, None) when it is not there or not a model: serving it fails on its own, with its message."""
    from . import default_models

    if not model:
        return None, None
    try:
        read = resolve_model_value(registry, "generate.model", model, locate=False)
        if read.how == "path":
            return None, (read.path if read.found else None)
        if read.how == "default":  # its id is its manifest's, fetched or not
            return str(default_models.manifest_entry(str(model))["sha256"]), None
        return str(registry.manifest(model, kinds=GGUF_MODEL_KINDS)["id"]), None
    except (RagtuneError, KeyError):
        return None, None


@dataclass(frozen=True)
class ModelValue:
    """What a model key's value (generate.model, embed.model) names, read as serving reads it."""
    how: str  # "path" | "default" (a default model's name) | "registry" (an id / prefix / name)
    path: Path | None = None  # path: as given, there or not; registry (located): the artifact's file or folder
    found: bool = True  # path, registry: whether that file or folder is there
    paths: tuple[Path, ...] = ()  # default (located): its files
    manifest: dict[str, Any] | None = None  # registry (located)
    id: str | None = None  # default (located): its sha256; registry (located): the artifact's id; a path has none
    problem: ModelError | None = None  # registry (verify): what the registry's verify found wrong with the file


def resolve_model_value(registry: Registry, key: str, value: Any, *, locate: bool = True, verify: bool = True
                        ) -> ModelValue:
    """The one walk over a model key's value, for `doctor` and `config set`, in serving's order (resolve_gguf_model,
    embed.resolve_files): a path when the file (the embedder: a folder) is there or the value reads as one
    (config.PATH_KEYS) though nothing is; else a default model's name; else a registry id / prefix / name. A found
    GGUF model file's header and length are read (check_model_file: its InputError raised), never hashed: a path
    has no recorded sha256.
    `locate`: look a default model's files and a registry artifact up (`doctor`); without it nothing past the value
    is read (`config set` takes a default model's name before `models fetch` places its files). `verify`, when
    locating: hash what is found (`doctor` without --quick); a missing registry file is said (`found`), never
    verified (a verify of a missing blob would put a swapped-aside copy back)."""
    from . import default_models as defaults
    from .config import FOUND_AS, PATH_KEYS

    section_key = tuple(key.split("."))
    ref = str(value)
    p = Path(ref).expanduser()
    found = FOUND_AS[section_key](p)
    if found or PATH_KEYS[section_key](ref):
        if found and key == "generate.model":  # its header and length, as llama.cpp will read them
            check_model_file(p)
        return ModelValue("path", p, found)
    if ref in defaults.default_names():
        if not locate:
            return ModelValue("default")
        paths = tuple(defaults.locate_all(ref, registry.home, verify=verify))
        return ModelValue("default", paths=paths, id=defaults.manifest_entry(ref)["sha256"])
    if not locate:
        return ModelValue("registry")
    m = registry.manifest(value, kinds=GGUF_MODEL_KINDS if key == "generate.model" else None)
    path = registry.path_of(m) if m["file"] else None
    there = path is not None and path.exists()
    problem = registry.verify(m["id"])[0][1] if there and verify else None
    if there and problem is None and key == "generate.model" and not m.get("builtin") and path.is_file():
        check_model_file(path)  # its bytes as registered: a header of before the check, or no chat template
    return ModelValue("registry", path, there, manifest=m, id=m["id"], problem=problem)
