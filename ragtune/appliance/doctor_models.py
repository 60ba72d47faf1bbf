"""`ragtune doctor`'s model checks (doctor.py runs them): the generation model, the embedder, the reranker and its
evidence model, the adapter `ask` would serve, and with `generate.backend = "openai"` the generation server. Read as
serving reads them; nothing is loaded whole, nothing written. `rep` is doctor.Report.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .artifacts import ACTIVE_ADAPTER, ADAPTER_KINDS, DEFAULT_ADAPTER, NONE_ADAPTER
from .errors import ModelError, RagtuneError
from .home import Home
from .refs import resolve_adapter, resolve_model_value
from .registry import Registry
from .tomltext import with_origin


def check_models(home: Home, s: Any, quick: bool, rep: Any) -> None:
    reg = Registry(home)
    model_id = _model(reg, "model", s.generate.model, quick, rep, key=("generate", "model"))
    _chat_model(reg, s, rep)
    _model(reg, "embedder", s.embed.model, quick, rep, key=("embed", "model"))
    _reranker(reg, home, s, quick, rep)
    model_file = None
    if model_id is None:  # a model given by path has no recorded sha256, but its tensors tell whether a LoRA fits
        p = Path(str(s.generate.model)).expanduser()
        model_file = p if p.is_file() else None
        if model_file is not None and not quick:
            # `ask` hashes a model given by path (its id): the built-in adapter serves only on its own base, and a
            # lineage is checked against that id. Without it, doctor said the built-in adapter served (or failed
            # its shape) where `ask` served the base model.
            from .hashing import sha256_path

            try:
                model_id = sha256_path(model_file)
            except RagtuneError:
                pass
    _adapter(reg, s, model_id, rep, model_file)  # then the server, which serves the adapter resolved here
    _generation_server(reg, s, model_id, rep)
    if not quick:
        _served_artifacts(reg, s, rep)


def _served_artifacts(reg: Any, s: Any, rep: Any) -> None:
    """The registered artifacts that serve or are activated (the configured model, embedder, adapter and reranker,
    the activated adapter), each re-hashed against its id: one whose file changed since it was added fails, named.
    Not every artifact (`models verify` does that): bounded time, and the ones the lines above hashed are read
    from this process's memo (hashing.py: keyed by each file's inode, size and times, so an edit is seen). No line
    when nothing registered serves (a fresh home serves the default models, checked above)."""
    ids: dict[str, str] = {}  # id -> what makes it served
    for what, key, ref in (("[generate] model", "generate.model", s.generate.model),
                           ("[embed] model", "embed.model", s.embed.model)):
        try:
            read = resolve_model_value(reg, key, ref, verify=False)
        except RagtuneError:
            continue  # its own line said why
        if read.how not in ("path", "default") and read.manifest is not None:
            ids.setdefault(read.manifest["id"], what)
    refs = [("[generate] adapter", s.generate.adapter, ADAPTER_KINDS), ("[retrieve] rerank", s.retrieve.rerank, None)]
    for what, ref, kinds in refs:
        ref = str(ref or "").strip()
        if not ref or ref.lower() in (NONE_ADAPTER, ACTIVE_ADAPTER, DEFAULT_ADAPTER) or os.path.exists(
                os.path.expanduser(ref)) or len(ref) > 512:
            continue  # a word, a path or nothing: not a registry reference
        try:
            ids.setdefault(reg.manifest(ref, kinds=kinds)["id"], what)
        except RagtuneError:
            continue
    try:
        active = reg.active_state().get("active")
    except RagtuneError:
        active = None
    if active:
        ids.setdefault(active, "activated")
    manifests = {m["id"]: m for m in reg.list()}
    todo = [(i, what) for i, what in ids.items() if i in manifests and not manifests[i].get("builtin")]
    if not todo:
        return
    bad = []
    for aid, what in todo:
        try:
            reg.get(aid)  # verified: sha256 of its file (or folder) against the id it was added with
        except RagtuneError as exc:
            bad.append((manifests[aid], what, exc))
    if bad:
        m, what, exc = bad[0]
        more = "; also " + ", ".join(f"{o['name']} ({o['id'][:12]})" for o, _, _ in bad[1:]) if bad[1:] else ""
        rep.add("fail", "artifacts", f"{m['name']} ({m['id'][:12]}, {m['kind']}, {what}): its file changed or is "
                f"gone since it was added: {exc.message}{more}",
                exc.hint or "restore it, or register the new file (it gets a new id) and serve that")
        return
    rep.add("ok", "artifacts", "re-hashed, as added: " + ", ".join(f"{manifests[i]['name']} ({i[:12]}, {w})"
                                                                    for i, w in todo))


def _model(reg: Any, name: str, ref: Any, quick: bool, rep: Any, *, key: tuple[str, str]) -> str | None:
    """One configured model checked the way `ragtune models verify` checks it; its id (None when unknown). Read as
    serving reads it (refs.resolve_model_value): a path, a default model's name, or a registry id / name, so `models
    add --name org/model` is found in the registry, as serving finds it."""
    unhashed = ", sha256 not checked (--quick)" if quick else ", sha256 as recorded"
    try:  # a found GGUF's header and length are read (not a GGUF, cut short, an adapter: `ask` would refuse it)
        read = resolve_model_value(reg, ".".join(key), ref, verify=not quick)
    except RagtuneError as exc:
        rep.error(name, exc)
        return None
    p = read.path
    if read.how == "path":  # nothing recorded to compare with
        what = f"not a {'file' if key[0] == 'generate' else 'folder'}" if os.path.exists(p) else "not found"
        rep.add("ok" if read.found else "fail", name,
                f"{p}: a path (no recorded sha256)" if read.found else f"{p}: {what}",
                None if read.found else "fix the path in config.toml")
        return None
    if read.how == "default":
        rep.add("ok", name, f"{ref}: {', '.join(f.name for f in read.paths)} in {read.paths[0].parent}{unhashed}")
        return read.id
    m = read.manifest
    if not read.found:
        rep.add("fail", name, f"{ref}: the file of artifact {m['id'][:12]} is missing ({p})",
                "restore it, or re-add the artifact")
    elif read.problem is not None:  # its message and its own hint, each in its place
        rep.error(name, read.problem)
    else:
        rep.add("ok", name, f"{m['name']} ({m['id'][:12]}) in {p}{unhashed}")
    return read.id


def _chat_model(reg: Any, s: Any, rep: Any) -> None:
    """A second `model` line, only for a problem its header shows (the first line found the file): a chat template
    that cannot render the prompt, or a named one llama-cpp-python cannot compile (fail: every `ask` would:
    chat_template.template_errors), and a `[generate] n_ctx` beyond the context the model was trained on (warn:
    llama.cpp allows it, the positions past it are ones the model never saw)."""
    from .chat_template import template_errors
    from .ggufinfo import read_gguf

    try:
        read = resolve_model_value(reg, "generate.model", s.generate.model, verify=False)
        path = read.path or (read.paths[0] if read.paths else None)  # a default model's: its files
        if path is None or not read.found or read.problem is not None or not Path(path).is_file():
            return  # the first line said it
        info = read_gguf(path)
    except RagtuneError:
        return
    for exc in template_errors(info.metadata, path):  # the default template, and every named one llama.cpp compiles
        rep.add("fail", "model", exc.message, exc.hint)
    trained = info.metadata.get(f"{info.architecture}.context_length")
    n_ctx = s.generate.n_ctx
    if isinstance(trained, int) and 0 < trained < n_ctx:
        rep.add("warn", "model", f"[generate] n_ctx = {n_ctx} is more than the {trained} tokens the model was "
                f"trained on ({info.architecture}.context_length): a prompt past {trained} tokens is outside what "
                "it has seen, and answers degrade without an error",
                context_hint(trained))


def context_hint(trained: int) -> str:
    """The settings that serve a model trained on `trained` (< 2048) tokens of context (also `models add`'s note).
    Measured: the default prompt with 3 sources is ~600 tokens, with 6 ~1,100; at n_ctx 512 the answer's room
    (max_tokens, 256) leaves none for a source (every answer refused: no_sources), at 128 one fits."""
    n_ctx = max(trained, 512)  # the smallest n_ctx the config accepts
    if n_ctx < 1024:
        return (f"ragtune config set generate.n_ctx {n_ctx}, and generate.max_tokens 128 (else no source fits beside "
                "the instructions and every question is refused), or serve a model trained on a longer context")
    return (f"ragtune config set generate.n_ctx {n_ctx} (fewer sources then fit: the prompt with 6 sources is about "
            "1,100 tokens), or serve a model trained on a longer context")


def _adapter(reg: Any, s: Any, model_id: str | None, rep: Any, model_file: Path | None = None) -> None:
    """The adapter `ask` would serve resolves (refs.resolve_adapter, as `ask` does: made for another base, or of a
    shape that does not fit the served model, it fails). A registered one whose file is missing is said before
    resolving: the registry's verify would put back a copy a killed swap left aside. `model_file`: the served model
    when it is given by path (no id): only the LoRA's shape is checked against it (Registry.check_fits)."""
    ref = str(s.generate.adapter or NONE_ADAPTER).strip()
    try:
        if ref.lower() in (ACTIVE_ADAPTER, DEFAULT_ADAPTER):
            aid = reg.active_state()["active"]
        elif ref.lower() == NONE_ADAPTER or os.path.isfile(os.path.expanduser(ref)):  # too long to look up: no
            aid = None
        else:
            aid = reg.manifest(s.generate.adapter, kinds=ADAPTER_KINDS)["id"]
        m = next((m for m in reg.list() if m["id"] == aid), None) if aid else None
        if m is not None and not m.get("builtin") and not reg.path_of(m).exists():
            rep.add("fail", "adapter", f"the file of adapter {aid[:12]} ({m['name']}) is missing: {reg.path_of(m)}",
                    "restore it, or `ragtune models deactivate` to serve the base model")
            return
        path, served = resolve_adapter(reg, s.generate.adapter, model_id=model_id)
        # the built-in adapter on a model by path not hashed (--quick): `ask` serves it only on its own base (which
        # it fits) and the base model on any other, so its shape says nothing here
        unknown_base = model_id is None and model_file is not None and served == reg._default_id()
        if path is not None and model_file is not None and not unknown_base:
            reg.check_fits(Path(path), "", origin=s.generate.adapter, model=model_file)
    except RagtuneError as exc:
        rep.error("adapter", exc)
        return
    rep.add("ok", "adapter", f"[generate] adapter = {ref!r}: " +
            ("the base model answers (none)" + _builtin_elsewhere(reg, ref, model_id) if served == NONE_ADAPTER
             else f"{served[:12]} ({path})") +
            (" if the model is its base, else the base model answers (none): not known without hashing the "
             "model (--quick)" if unknown_base else ""))


def _builtin_elsewhere(reg: Any, ref: str, model_id: str | None) -> str:
    """Why `adapter = "default"` serves the base model when the built-in adapter is installed: it was trained on
    another base (it serves only there). Said, so an IT lead serving their own model does not look for a broken
    install. "" otherwise (another adapter setting, `models deactivate`, no built-in, or the model unknown)."""
    from .builtin_adapters import builtin_with_id

    if ref.lower() != DEFAULT_ADAPTER or model_id is None:
        return ""
    try:
        art = reg.default_adapter()  # what "default" serves on the built-in's own base: it unless a choice was made
    except RagtuneError:
        return ""
    b = builtin_with_id(art.id) if art is not None else None
    base = b.manifest["base"] if b is not None else {}
    if not base or base["sha256"] == model_id:
        return ""
    return f": the built-in adapter {b.name} was trained on {base['name']} ({base['sha256'][:12]}), not on this model"


def _reranker(reg: Any, home: Home, s: Any, quick: bool, rep: Any) -> None:
    """`[retrieve] rerank` as every search resolves it (rerank.py: "default" the built-in, checked against its
    manifest; "" off; a folder; a registry id / name), and what the loader reads there, without loading an ONNX model:
    a feature model is read whole (numpy, a few KB), a cross-encoder's model.onnx and tokenizer.json looked for. The
    evidence model `ask` takes beside it (answer.py: `for_reranker(rerank_folder(…))`) is read too when `evidence_check` is on."""
    from .evidence import for_reranker
    from .rerank import effective_rerank, names_folder, resolve_reranker

    ref = s.retrieve.rerank
    hint = 'restore it, retrain it (`ragtune rerank train`), or set [retrieve] rerank = "" to turn reranking off'
    try:
        eff = effective_rerank(ref)
        if not eff:
            rep.add("ok", "reranker", "off ([retrieve] rerank = \"\")" if str(ref).strip() != "default" else
                    "off: this ragtune ships no built-in reranker")
            return
        if names_folder(eff):  # as resolve_reranker tells a folder from a registry artifact
            folder = resolve_reranker(eff, home)
            named = "the built-in" if str(ref).strip() == "default" else "a folder"
        else:  # a registry artifact: its file looked for before it is hashed (a verify could put back a copy)
            m = reg.manifest(eff)
            if m["kind"] != "reranker":
                raise with_origin(ModelError(f"registry artifact {eff} is a {m['kind']}, not a reranker"), ref)
            folder, named = reg.path_of(m), f"{m['name']} ({m['id'][:12]})"
            if not folder.exists():
                rep.add("fail", "reranker", f"{named}: the folder of reranker {m['id'][:12]} is missing ({folder})",
                        hint)
                return
            err = None if quick else reg.verify(m["id"])[0][1]
            if err is not None:
                rep.add("fail", "reranker", err.message, err.hint or hint)
                return
        kind = _reranker_files(folder)
        evidence = for_reranker(str(folder)) if s.generate.evidence_check else None  # as `ask` finds it (rerank_folder)
    except RagtuneError as exc:
        rep.add("fail", "reranker", exc.message, exc.hint or hint)
        return
    rep.add("ok", "reranker", f"{named}, {kind}: {folder}" + ("" if evidence is None else
                                                            f" (with its evidence model, {evidence.path.name})"))


def _reranker_files(folder: Path) -> str:
    """What `load_reranker` needs in `folder`, looked for and, for a feature model, read; its kind. ModelError else."""
    from .jsonl import loads_located

    meta = folder / "reranker.json" if folder.is_dir() else None
    spec: Any = None
    if meta is not None and meta.is_file():
        try:
            spec = loads_located(meta.read_bytes(), meta, "not a valid reranker.json: invalid JSON", error=ModelError)
        except OSError as exc:
            raise ModelError(f"{meta}: cannot read the reranker: {exc.strerror or exc}") from None
    if isinstance(spec, dict) and spec.get("kind") == "features":
        from .rerank_features import FeatureReranker

        FeatureReranker(folder)  # numpy only: the checks of every load
        return "a feature model"
    if meta is not None and meta.is_file() and not isinstance(spec, dict):
        raise ModelError(f"{meta}: not a valid reranker.json")
    onnx, tok = (folder / "model.onnx", folder / "tokenizer.json") if folder.is_dir() else \
        (folder, folder.with_name("tokenizer.json"))
    for f in (onnx, tok):
        if not f.is_file():
            raise ModelError(f"{f}: missing (a rerank model is a folder with model.onnx and tokenizer.json, or a "
                             f"feature model's reranker.json)")
    return "a cross-encoder (model.onnx, tokenizer.json; not loaded)"


def _generation_server(reg: Any, s: Any, model_id: str | None, rep: Any) -> None:
    """`generate.backend = "openai"`: the server answers, serves the configured names and our tokenizer, and applies
    grammars (remote.check_server: one 4-token request)."""
    if s.generate.backend != "openai":
        return
    from .remote import check_server

    try:
        path, served = resolve_adapter(reg, s.generate.adapter, model_id=model_id)
        adapter = None if served == NONE_ADAPTER else (Path(path), served)
        status, detail, hint = check_server(s.generate, reg.home, adapter=adapter)
    except RagtuneError as exc:
        rep.error("generation server", exc)
        return
    rep.add(status, "generation server", detail, hint)
