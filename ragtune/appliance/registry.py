"""Model registry: every artifact the appliance can serve has an immutable id, the sha256 of its bytes.

Layout under `$RAGTUNE_HOME/registry/`:
    <sha256>.json              manifest, written once atomically (re-adding the same bytes is a no-op)
    blobs/<sha256>/<filename>  the artifact when it was copied in (converted outputs; the folder built beside it
                               and renamed into place whole); otherwise `file` names the file referenced in
                               place: inside the home relative to this folder (`../models/x.gguf`: the home works
                               wherever it is moved), outside it absolute (older homes' absolute ones still read)
    active.json                the served adapter and the previous one (for instant rollback): registry_served.py

What an artifact is (kinds and their checks, the manifest schema, names) is artifacts.py; this module stores them,
and registry_files.py places their bytes (the blobs/ copy, the home-relative reference to a file in place).

A directory artifact (a peft adapter, a merged HF model) is hashed as sha256 over its sorted
(relative path, file sha256) pairs, so the id does not depend on file order or timestamps.
The default models (ragtune/appliance/default_models.py) are listed as built-ins whose ids are their manifest sha256s,
and so are the package's built-in adapters (ragtune/appliance/builtin_adapters.py, kind lora-gguf).
Every `get` re-verifies the bytes (memoised by the file's identity on disk: hashing.py), so a replaced or corrupt
file is refused.
Which model and adapter a reference names is resolved in refs.py.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterable

from . import builtin_adapters as builtin
from . import default_models as defaults
from .artifacts import (ADAPTER_KINDS, HEX64, KINDS, LINEAGE_KEYS, MANIFEST_FORMAT, MAX_NAME, Artifact, artifact_size,
                        check_kind, check_name, file_name, tool_versions, validate_manifest)
from .atomic import atomic_write_json, sweep_stale
from .errors import AdapterMisfit, InputError, ModelError, unreadable
from .hashing import clear_caches, sha256_path
from .home import Home, make_home
from .jsonl import loads_located
from .normalize import ARG_HINT, lone_surrogate
from .registry_files import copy_blob, home_relative, manifest_file  # home_relative: also this module's API
from .registry_served import ServedAdapter, utc_now
from .text import escaped, shortened, shown_path
from .tomltext import with_origin

_HEXPREFIX = re.compile(r"^[0-9a-f]{8,64}$")
# What each kind's lineage base_id may name, when it is registered: a model an adapter or a conversion is made from
# (an adapter is never a base); an embedder or a reranker is made from its own kind (or a Hugging Face model).
_LLM_BASES = ("base-gguf", "merged-gguf", "quantized-gguf", "hf-model")
BASE_KINDS = {**{k: _LLM_BASES for k in ("base-gguf", "merged-gguf", "quantized-gguf", "lora-gguf", "lora-hf",
                                         "hf-model")},
              "embedder": ("embedder", "hf-model"), "reranker": ("reranker", "hf-model")}
_BUILTIN_KIND = {"llm": "base-gguf", "embedder": "embedder"}
GGUF_MODEL_KINDS = ("base-gguf", "merged-gguf", "quantized-gguf")  # what `[generate] model` may name (refs.py)
# The kinds among which one reference looks a name up (Registry.name_taken): a name is unique within each.
# `[generate] model` searches the GGUF models, `--adapter`/`ragtune:NAME` the GGUF LoRAs, `convert lora` peft folders.
NAME_FAMILIES = (GGUF_MODEL_KINDS, ADAPTER_KINDS, ("lora-hf",))
_SURROGATES = re.compile("[\ud800-\udfff]+")  # the bytes of a name that are not UTF-8, as Python's str holds them
COPIED_IN = "copied into the home"  # Artifact.note of a copy asked for of an artifact registered in place


def check_chosen_name(name: str | None) -> str | None:
    """A name the caller chose (`--name`), as `add` takes it: artifacts.check_name's rules, and UTF-8 text. A name
    whose bytes are not UTF-8 (a lone surrogate in Python's str, from a terminal in another encoding) would be stored,
    then listed as `\\udce9` and could never be typed back: refused, naming it (escaped)."""
    if name is not None and (esc := lone_surrogate(name)) is not None:
        raise InputError(f"'{escaped(name)}' is not valid Unicode (a lone surrogate {esc}); give a name such as "
                         "my-adapter-v2", hint=ARG_HINT)
    return check_name(name)


def _untaken(name: str, digest: str, taken: dict[str, Any]) -> tuple[str, str]:
    """A name from the file that another artifact of its family already has (Registry.name_taken): the id's first 8
    characters appended, so each name still names one artifact; a note, as the user did not choose it."""
    new = f"{name[:MAX_NAME - 9]}-{digest[:8]}"
    return new, (f"the name '{escaped(name)}' is already that of {taken['id'][:12]}… ({taken['kind']}): registered "
                 f"as '{escaped(new)}' (`--name` chooses another)")


def _file_name(stem: str, digest: str) -> tuple[str, str]:
    """artifacts.file_name, and a file name whose bytes are not UTF-8 made safe the same way (the user did not choose
    it: a note, never an error): each run of such bytes a '-', the id's first 8 characters appended."""
    if lone_surrogate(stem) is None:
        return file_name(stem, digest)
    clean = _SURROGATES.sub("-", stem).strip("-") or "artifact"
    name, changed = file_name(clean, digest)  # also reserved, blank or too long once cleaned: made safe there
    if not changed:
        name = f"{clean[:MAX_NAME - 9]}-{digest[:8]}"
    return name, f"the file name '{escaped(shown_path(stem))}' is not valid UTF-8: registered as '{name}'"


class Registry(ServedAdapter):
    """Content-addressed store of model artifacts and their lineage. Cheap to construct. Which adapter is served
    (active.json: `activate`, `rollback`, `default_adapter`, …) is registry_served.py's `ServedAdapter`."""

    def __init__(self, home: Home | None = None):
        self.home = home or Home()
        self.dir = self.home.registry_dir
        self.state_path = self.dir / "active.json"
        # a GGUF model's sha256 -> its file, for one resolved by path here (refs.resolve_gguf_model): check_fits finds
        # it by its id; this instance's, never another home's (a process may hold several: tests, a serve pool)
        self.model_files: dict[str, Path] = {}

    # --- adding -------------------------------------------------------------------------------
    def add(self, path: Path | str, kind: str, *, name: str | None = None, copy: bool = True,
            licence: str = "", record_tools: bool = True, **lineage: Any) -> Artifact:
        """Register a file or directory. Idempotent: the same bytes return the existing artifact (its
        manifest is not rewritten; only when its file went missing or bad is it re-pointed at these bytes).
        `copy=True` places the bytes under blobs/<sha256>/, also bytes registered in place before (the manifest is
        then re-pointed at the copy, same id; Artifact.note says so). `record_tools`: the installed tool versions made
        these bytes (a converter here): its lineage's `tools`; False (`models add`): only a `tools=` its records give.
        `name`: one the caller chose must be one a reference can name (artifacts.check_name: InputError); None, or
        the file's own name (what converters pass for an output without --name), is taken from the file, made safe
        when the file name could not be a name (none.gguf -> none-<id>; Artifact.note says so)."""
        src = Path(path).expanduser()
        own_names = (src.name, src.stem)
        if name is not None and name not in own_names:
            check_chosen_name(name)
        if kind not in KINDS:
            raise InputError(f"unknown artifact kind '{kind}' (known: {', '.join(KINDS)})")
        unknown = set(lineage) - set(LINEAGE_KEYS)
        if unknown:
            raise InputError(f"unknown lineage keys: {', '.join(sorted(unknown))} (known: {', '.join(LINEAGE_KEYS)})")
        if lineage.get("base_id") is not None:
            self._check_base(kind, lineage["base_id"])
        if not src.exists():
            raise InputError(f"{src}: no such file or directory")
        src = src.resolve()
        own_names += (src.name, src.stem)  # a link: the name of either
        make_home(self.home.root)  # owner-only if this add makes it; then what killed adds left (gigabytes) goes
        sweep_stale(self.dir)
        sweep_stale(self.dir / "blobs")
        check_kind(src, kind)
        if kind == "lora-gguf" and lineage.get("base_id") is not None:
            self.check_fits(src, str(lineage["base_id"]), origin=lineage["base_id"])
        digest = sha256_path(src)
        mpath = self.dir / f"{digest}.json"
        if mpath.is_file():
            existing = self._read_manifest(mpath, digest)
            if existing.get("kind") != kind:  # one id, one kind: the same bytes cannot be two artifacts
                raise InputError(f"{src}: already registered as {existing.get('kind')} ({digest[:12]}…), not {kind}",
                                 hint=f"use it as it is (`ragtune models show {digest[:12]}`), or give the right --kind")
            was = self.path_of(existing)
            try:
                self._verify(existing, was)
            except ModelError:
                # Its file was moved, deleted or damaged, and these are the right bytes: re-point the manifest
                # (same id, same lineage; only where the bytes live changes).
                if copy:
                    blob = copy_blob(self.dir, src, digest)
                    existing = {**existing, "file": blob.relative_to(self.dir).as_posix()}
                else:
                    existing = {**existing, "file": home_relative(src, self.home.root) or str(src)}
                atomic_write_json(mpath, existing)
                return self._artifact(existing)
            if copy and not was.is_relative_to(self.dir / "blobs"):
                # Registered in place, now asked to be copied: the copy is what makes the home independent of the
                # file (a later `mv` of it must not break `ask`). The blob is placed whole first, then the manifest
                # re-pointed (same id and lineage): a kill between the two leaves the in-place manifest working.
                blob = copy_blob(self.dir, src, digest)
                existing = {**existing, "file": blob.relative_to(self.dir).as_posix()}
                atomic_write_json(mpath, existing)
                return replace(self._artifact(existing), note=f"{COPIED_IN}; was registered in place at {was}")
            return self._artifact(existing)
        known = self._builtins().get(digest) or self._builtin_adapters().get(digest)
        if known is not None:
            return self._artifact(known)
        note = ""
        if name is None or name in own_names:  # named after its file: not the user's choice, so made safe
            name, note = _file_name(name or src.stem, digest)
            if (taken := self.name_taken(name, kind)) is not None:  # and made its own: one name, one artifact
                name, note = _untaken(name, digest, taken)
        elif (taken := self.name_taken(name, kind)) is not None:
            # a second model (adapter) of one name makes the name ambiguous: a config naming the first stops serving
            raise self.name_taken_error(f"{shown_path(src)}: not registered", name, taken, kind)
        if copy:
            blob = copy_blob(self.dir, src, digest)
            file_ref = blob.relative_to(self.dir).as_posix()
        else:
            file_ref = home_relative(src, self.home.root) or str(src)
        lineage = {k: v for k, v in lineage.items() if v is not None}
        if record_tools:
            lineage.setdefault("tools", tool_versions())
        manifest = {
            "format": MANIFEST_FORMAT, "id": digest, "kind": kind, "name": name,
            "file": file_ref, "size": artifact_size(src), "created": utc_now(), "licence": licence or "",
            "lineage": lineage, "is_dir": src.is_dir(),
        }
        validate_manifest(manifest, mpath)
        atomic_write_json(mpath, manifest)
        return replace(self._artifact(manifest), note=note)

    def name_taken(self, name: str, kind: str) -> dict[str, Any] | None:
        """The artifact of `kind`'s family (NAME_FAMILIES: the kinds one reference looks a name up among) named
        `name`, which a new one of that name would make ambiguous, or None. Another family may share it (each use
        picks its kind); embedders, rerankers and Hugging Face models are not checked."""
        family = next((f for f in NAME_FAMILIES if kind in f), None)
        if family is None:
            return None
        return next((m for m in self.list() if m["name"] == name and m["kind"] in family), None)

    @staticmethod
    def name_taken_error(what: str, name: str, taken: dict[str, Any], kind: str, *, converted: bool = True
                         ) -> InputError:
        """The refusal of a name `taken` has (name_taken), said of `what`; `converted=False` before a converter has
        written anything (converters.check_name_free), so no output to register is named."""
        uses = {"lora-gguf": "`--adapter`, `[generate] adapter` and `ragtune:NAME`",
                "lora-hf": "`convert lora` and the commands naming it"}.get(kind, "`[generate] model` and the commands "
                                                                               "naming it")
        what_kind = "adapters" if kind in ADAPTER_KINDS or kind == "lora-hf" else "models"
        hint = f"a name two {what_kind} share could no longer be used: {uses} would be refused as ambiguous"
        hint += (f" (a converter's output stays: `ragtune models add FILE --kind {kind} --name OTHER` registers it)"
                 if converted else "; nothing was converted")
        return InputError(f"{what}: the name '{escaped(name)}' is already that of {taken['id'][:12]}… "
                          f"({taken['kind']}); give it another --name", hint=hint)

    def model_file(self, model_id: str) -> Path | None:
        """The file of the GGUF model `model_id` (registered or built-in) when it is here, else None."""
        m = next((m for m in self.list() if m["id"] == model_id.lower() and m["kind"] in GGUF_MODEL_KINDS), None)
        if m is None or not m["file"]:
            return None
        path = Path(m["file"]) if m.get("builtin") else self.path_of(m)
        return path if path.is_file() else None

    def check_fits(self, lora: Path, model_id: str, *, origin: Any = None, model: Path | None = None) -> None:
        """AdapterMisfit (an InputError) when the GGUF LoRA `lora` cannot be applied to the model `model_id`
        (ggufinfo.lora_misfit: its tensors' names and shapes against the model's, headers only), before it is
        registered, activated or served against it; llama.cpp would refuse it at the first answer. `model`: the
        model's file when the caller has it (a served model given by path is not in the registry: eval/run.py);
        `model_id` "" with it: a model whose id is not known (doctor --quick), named by its file. A model not here,
        or a header gguf cannot read: not checked (the loader has the last word). The answer is kept per LoRA file
        and model (serve checks every request's adapter, and lists them all: two headers read once, not each time)."""
        from .ggufinfo import GGUFError, lora_misfit, read_gguf

        model = model if model is not None and Path(model).is_file() else None
        key = _fits_key(lora, model_id, model)
        if key is not None and key in _FITS:  # before looking the model up: that reads every manifest
            problem = _FITS[key]
        else:
            model = model or (self.model_file(model_id) if model_id else None)
            if model is None:
                return
            try:
                problem = lora_misfit(read_gguf(lora), read_gguf(model))
            except GGUFError:
                return
            if key is not None:
                if len(_FITS) >= _FITS_MAX:
                    _FITS.clear()
                _FITS[key] = problem
        if problem:
            name = next((m["name"] for m in self.list() if m["id"] == model_id.lower()), None) if model_id else None
            hint = ("this LoRA was made for a model of another shape: use it with the model it was converted for, "
                    "or convert the trained adapter for this one (`ragtune convert lora ADAPTER --base MODEL`)")
            model = model or (self.model_file(model_id) if model_id else None)
            label = escaped(name) if name is not None else shown_path(model) if model is not None else "?"
            what = f"model {model_id[:12]}… ({label})" if model_id else f"model {label}"
            raise with_origin(AdapterMisfit(f"{shown_path(lora)}: does not fit {what}: {problem}", why=problem,
                                            hint=hint), origin)

    def _check_base(self, kind: str, base_id: Any) -> None:
        """A `base_id` that names a registered artifact must be of a kind `kind` is made from (BASE_KINDS): an adapter
        on an embedder is refused here, not at `models activate`. One this registry does not hold passes (a base
        kept elsewhere: a LoRA trained on another machine's model)."""
        base = next((m for m in self.list() if m["id"] == str(base_id).lower()), None)
        if base is not None and base["kind"] not in BASE_KINDS[kind]:
            raise with_origin(InputError(
                f"{base['id'][:12]}… ({escaped(base['name'])}) is of kind {base['kind']}, not a base for kind {kind}",
                hint=f"the base of kind {kind} is of kind {', '.join(BASE_KINDS[kind])}: give its id (see `ragtune "
                     "models list`)"), base_id)

    # --- reading ------------------------------------------------------------------------------
    def _read_manifest(self, mpath: Path, expect_id: str | None = None) -> dict[str, Any]:
        try:
            text = mpath.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ModelError(unreadable(mpath, exc, "cannot read manifest")) from None
        obj = loads_located(text, mpath, "invalid manifest JSON", error=ModelError)  # a crash or a person damaged it
        return validate_manifest(obj, mpath, expect_id)

    def _manifests(self) -> list[dict[str, Any]]:
        if not self.dir.is_dir():
            return []
        out = []
        for mpath in sorted(self.dir.glob("*.json")):
            if HEX64.match(mpath.stem):
                out.append(self._read_manifest(mpath, mpath.stem))
        return out

    def _builtins(self) -> dict[str, dict[str, Any]]:
        out = {}
        for entry in defaults.load_manifest()["models"]:
            try:
                path = str(defaults.locate(entry["name"], defaults._spec(entry), self.home, verify=False))
            except ModelError:
                path = ""  # not installed: listed, refused on get with the fetch hint
            lineage = {"quantization": entry["quantization"]} if entry.get("quantization") else {}
            out[entry["sha256"]] = {
                "format": MANIFEST_FORMAT, "id": entry["sha256"], "kind": _BUILTIN_KIND.get(entry["kind"], "hf-model"),
                "name": entry["name"], "file": path, "size": int(entry.get("size", 0)), "created": "",
                "licence": entry.get("licence", ""), "lineage": lineage, "builtin": True,
            }
        return out

    def _builtin_adapters(self) -> dict[str, dict[str, Any]]:
        """The package's built-in adapters in registry-manifest form (`details` = their own manifest)."""
        out = {}
        for b in builtin.list_builtins():
            m = b.manifest
            out[b.sha256] = {
                "format": MANIFEST_FORMAT, "id": b.sha256, "kind": "lora-gguf", "name": b.name, "file": str(b.file),
                "size": m["size"], "created": m["created"], "licence": m["licence"], "lineage": b.lineage,
                "builtin": True, "go": b.go, "default": b.is_default, "details": m,
            }
        return out

    def list(self, kind: str | None = None) -> list[dict[str, Any]]:
        """Every manifest (built-ins first, then registered, by creation time)."""
        items = _unique(list(self._builtins().values()) + list(self._builtin_adapters().values())
                        + sorted(self._manifests(), key=lambda m: (m["created"], m["id"])))
        return [m for m in items if kind is None or m["kind"] == kind]

    def manifest(self, ref: str, *, kinds: Iterable[str] | None = None) -> dict[str, Any]:
        """The manifest for an id / prefix / name, without verifying the bytes (`kinds`: see get)."""
        return self._resolve(ref, kinds)

    def _resolve(self, ref: str, kinds: Iterable[str] | None = None) -> dict[str, Any]:
        given, ref = ref, (ref or "").strip()  # `given` may remember its config line (tomltext.Sourced)
        if not ref:
            raise InputError("empty model id")
        items = self.list()
        low = ref.lower()
        if HEX64.match(low):
            for m in items:
                if m["id"] == low:
                    return m
        elif _HEXPREFIX.match(low):
            hits = [m for m in items if m["id"].startswith(low)]
            if len(hits) == 1:
                return hits[0]
            if len(hits) > 1:
                raise with_origin(InputError(f"id prefix '{ref}' is ambiguous: " + ", ".join(
                    f"{m['id'][:16]} ({m['name']})" for m in hits), hint="give more characters of the id"), given)
        hits = [m for m in items if m["name"] == ref]
        if len(hits) > 1 and kinds is not None:  # `train --out a1` + `convert lora … --out a1.gguf`: one of them serves
            allowed = set(kinds)
            hits = [m for m in hits if m["kind"] in allowed] or hits
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            raise with_origin(InputError(f"name '{ref}' matches several artifacts: " + ", ".join(m["id"][:16] for m in hits),
                                         hint="use the id (or a unique prefix of at least 8 characters)"), given)
        hint = "see `ragtune models list`"
        if re.fullmatch(r"[0-9a-fA-F]{1,7}", ref):
            hint = "an id prefix needs at least 8 characters; " + hint
        elif "/" in ref or ref.startswith((".", "~")):  # meant as a path: say that no such path exists either
            hint = f"there is no file or folder at {shortened(shown_path(ref))} either; " + hint
        # the reference as given, escaped and cut: a 100,000-character argument is named, not repeated
        raise with_origin(ModelError(f"no artifact '{shortened(ref)}' in the registry ({self.dir})", hint=hint), given)

    def path_of(self, manifest: dict[str, Any]) -> Path:
        """The file a manifest names (registry_files.manifest_file)."""
        return manifest_file(self.dir, manifest)

    def _artifact(self, m: dict[str, Any]) -> Artifact:
        return Artifact(m["id"], self.path_of(m) if m["file"] else Path(), m["kind"], m)

    def get(self, ref: str, *, verify: bool = True, kinds: Iterable[str] | None = None) -> Artifact:
        """Resolve an id, a unique id prefix (>= 8 hex chars) or a name; verify the bytes still hash to the id.
        `kinds`: what the caller can use; a name several artifacts share resolves to the one of these kinds."""
        m = self._resolve(ref, kinds)
        if m.get("builtin") and m["kind"] not in ADAPTER_KINDS:
            if not m["file"]:
                # Raises the locator's clear "not found … run `ragtune models fetch`" error.
                defaults.locate_all(m["name"], self.home, verify=verify)
            path = Path(m["file"])
        else:
            path = self.path_of(m)
        if verify:
            self._verify(m, path)
        return Artifact(m["id"], path, m["kind"], m)

    def _verify(self, m: dict[str, Any], path: Path) -> None:
        shipped = m.get("builtin") and m["kind"] in ADAPTER_KINDS
        if not path.exists() and not shipped and path.parent.parent == self.dir / "blobs":
            sweep_stale(path.parent.parent, path.parent.name)  # a repair's swap killed midway: its old copy put back
        if not path.exists():
            raise ModelError(f"{path}: file of artifact {m['id'][:12]}… ({m['name']}) is missing",
                             hint=_BUILTIN_HINT if shipped else "restore it, or re-add/re-convert the artifact")
        got = sha256_path(path)
        if got != m["id"]:
            what = "its manifest's sha256" if shipped else "its id"
            raise ModelError(f"{path}: sha256 {got[:12]}… does not match {what} {m['id'][:12]}… ({m['name']}); refusing to use it",
                             hint=_BUILTIN_HINT if shipped else
                             "the file was modified or replaced; restore it or register the new file (it gets a new id)")

    def verify(self, ref: str | None = None) -> list[tuple[dict[str, Any], ModelError | None]]:
        """Re-hash one artifact or all of them (fresh hashes, no memo). Returns (manifest, its ModelError or None):
        the error itself, its message and hint each for its place."""
        items = [self._resolve(ref)] if ref else self.list()
        out = []
        for m in items:
            clear_caches()
            try:
                self.get(m["id"])
                out.append((m, None))
            except ModelError as exc:
                out.append((m, exc))
        return out

    # --- a home moved or backed up (backup.py) ---------------------------------------------------
    def in_place(self) -> list[tuple[dict[str, Any], Path]]:
        """(manifest, file) of each artifact referenced in place (not in blobs/); a damaged manifest is left out."""
        out = []
        for mpath in sorted(self.dir.glob("*.json")) if self.dir.is_dir() else []:
            try:
                m = self._read_manifest(mpath, mpath.stem) if HEX64.match(mpath.stem) else None
            except ModelError:  # the commands that use it say why
                m = None
            if m and m["file"] and not self.path_of(m).is_relative_to(self.dir / "blobs"):
                out.append((m, self.path_of(m)))
        return out

    def make_relative(self, old_root: Path) -> list[tuple[str, str, str]]:
        """Manifests naming a file inside `old_root` absolutely (older homes did) rewritten home-relative: in a copy
        of the home `old_root` (a backup), where the absolute path names the old place. [(manifest, old, new)]."""
        done = []
        for m, path in self.in_place():
            rel = home_relative(path, old_root) if os.path.isabs(m["file"]) else None
            if rel is not None:
                atomic_write_json(self.dir / f"{m['id']}.json", {**m, "file": rel})
                done.append((f"{m['id']}.json", m["file"], rel))
        return done

    def take_in(self, artifact_id: str, src: Path) -> Path:
        """Copy artifact `artifact_id`'s file `src` into blobs/ and point its manifest there (same id, lineage): `backup
        --include-external` in its copy. ModelError when `src` no longer holds those bytes (nothing changes then)."""
        mpath = self.dir / f"{artifact_id}.json"
        m = self._read_manifest(mpath, artifact_id)
        blob = copy_blob(self.dir, Path(src), artifact_id)
        atomic_write_json(mpath, {**m, "file": blob.relative_to(self.dir).as_posix()})
        return blob


_FITS: dict[tuple, str | None] = {}  # check_fits' answers: (the LoRA file's identity, the model's) -> the misfit or None
_FITS_MAX = 4096


def _identity(path: Path | str) -> tuple | None:
    """A file's identity on disk (as hashing.py memoises by): other bytes at the same path are another file."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (os.path.realpath(path), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _fits_key(lora: Path, model_id: str, model: Path | None) -> tuple | None:
    """A model id names its bytes; a model known only by its file (no id) is that file's identity."""
    lora_id = _identity(lora)
    if lora_id is None:
        return None
    if model_id:
        return lora_id, model_id.lower()
    model_file = _identity(model) if model is not None else None
    return None if model_file is None else (lora_id, model_file)


def _unique(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per id, the first kept: a built-in whose bytes were also registered in the home is the built-in."""
    seen: set[str] = set()
    return [m for m in items if not (m["id"] in seen or seen.add(m["id"]))]


_BUILTIN_HINT = ("a built-in adapter of the ragtune package: reinstall ragtune (or rebuild it: `ragtune tune default "
                 "--promote`); `--adapter none` or [generate] adapter = \"none\" serves the base model")
