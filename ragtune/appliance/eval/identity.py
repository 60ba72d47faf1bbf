"""The identity of an eval run: which settings can change an answer (`answer_settings`), the run id that hashes
them with the dataset, arms, adapter and seed (`make_run_id`), and the adapter arms B and C serve
(`resolve_adapter`). run.py keys, resumes and reports runs by these.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path
from typing import Any

from .. import answer_code as _code
from ..builtin_adapters import refusal_model_for
from ..calibrated import CALIBRATED
from ..config import Settings
from ..errors import RagtuneError
from ..refusal import keyed, resolve_serving
from ..store import json_dumps
from .datasets import Dataset

RUN_VERSION = 2  # bump when the stored result format or the run-id recipe changes (2: the answer code is keyed)


def answer_code() -> str:
    """The digest of the code that answers (answer_code.py: importing it reads no sources, the digest is made on
    first call and cached). Keyed in the run id since round 52: a resumed run re-asked nothing after an answer-path
    change, and a before/after comparison compared the old answers with themselves under a report stamped with the
    new digest. Looked up at call time, not aliased at import, so a test that stands in a digest is seen here."""
    return _code.answer_code_digest()

# -- run identity -------------------------------------------------------------------------------------------------
# [generate] keys that cannot change an answer; every other one is part of the run id. (A list of the keys that
# can, kept by hand, once let evidence_check and focus_sentences slip through: a run with the check off resumed
# one with it on.) The adapter is keyed by its identity; the key's variable and the timeout are transport, and base_url
# is keyed as the server (answer_settings) with the remote backend.
_NOT_ANSWERS = frozenset({"adapter", "threads", "threads_batch", "answer_cache", "prefix_cache", "price_per_1k_prompt",
                          "price_per_1k_completion", "base_url", "api_key_env", "remote_timeout_s"})


def answer_settings(settings: Settings) -> dict[str, Any]:
    """The settings that can change an answer (threads and cache switches cannot). `adapter_scale` only when it is
    a number other than 1.0: "auto" is keyed by what it resolves to (make_run_id), 1.0 is the adapter as trained, and
    the runs before the setting existed keep their ids."""
    gen = {k: v for k, v in dataclasses.asdict(settings.generate).items() if k not in _NOT_ANSWERS and keyed(k, v)}
    if settings.generate.backend == "openai":  # another server is another answer (as the answer cache keys it)
        from ..remote import shown_url

        gen["server"] = shown_url(settings.generate.base_url)
    return {
        "generate": gen,
        "retrieve": settings.retrieve.answer_values(),
        "ingest": {"chunk_tokens": settings.ingest.chunk_tokens, "overlap_tokens": settings.ingest.overlap_tokens},
        "embed": {"model": settings.embed.model},
        "rerank_files": _rerank_files(settings),
    }


def _rerank_files(settings: Settings) -> dict[str, str]:
    """sha256 of the reranker and evidence model files in use when `retrieve.rerank` names a folder (the built-in
    "default" does): a refitted evidence.json or reranker.json changes answers, so it is another run."""
    from ..evidence import FILE as EVIDENCE_FILE
    from ..hashing import sha256_file
    from ..rerank import rerank_folder

    try:
        folder = rerank_folder(settings.retrieve.rerank, settings.home)
    except RagtuneError:  # a reranker that does not resolve: the run's retrieval says so, not its id
        return {}
    if not folder or not Path(folder).is_dir():
        return {}
    files = ["reranker.json"] + ([EVIDENCE_FILE] if settings.generate.evidence_check else [])
    return {name: sha256_file(Path(folder) / name) for name in files if (Path(folder) / name).is_file()}


def make_run_id(dataset: Dataset, arms: list[str], adapter: str | None, seed: int, limit: int | None,
                settings: Settings, safety: bool, split: str | None = None,
                adapter_serving: dict[str, Any] | None = None, code: str | None = None) -> str:
    """`code`: the answer code's digest (default: this process's, `answer_code`); another code is another run, kept
    apart (HOME/eval/RUN_ID) so that the run before the change stays to be compared with."""
    blob = {"v": RUN_VERSION, "answer_code": code or answer_code(), "kind": dataset.kind, "dataset": dataset.identity,
            "arms": sorted(arms), "adapter": adapter or "none", "seed": seed, "limit": limit, "safety": safety,
            "settings": answer_settings(settings)}
    if split:
        blob["split"] = split
    if adapter:
        # what "auto" means for this adapter lives in its manifest: a recalibrated one is a different run
        for key in CALIBRATED:
            if getattr(settings.generate, key) == "auto":
                v = resolve_serving(key, "auto", adapter, (adapter_serving or {}).get(key))
                if keyed(key, v):
                    blob[f"adapter_{key}"] = v
        model = served_refusal_model(settings, adapter, adapter_serving)
        if model is not None:  # a refitted refusal model is a different run too
            blob["adapter_refusal_model"] = model.to_dict()
    blob = json_dumps(blob)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def served_refusal_model(settings: Settings, adapter: str | None, adapter_serving: dict[str, Any] | None) -> Any:
    """The refusal model the adapter's arms are served with (refusal_model.py), or None."""
    return refusal_model_for(settings.generate.refusal_model, adapter, (adapter_serving or {}).get("refusal_model"))


def resolve_adapter(settings: Settings, adapter: str | None) -> tuple[str | None, str | None]:
    """(reference for the engine, identity) of the adapter for arms B and C, or (None, None) without one.

    --adapter, else the config's [generate] adapter (its default "default": the activated adapter, else the built-in
    default adapter when its manifest says go), else the registry's active adapter. The identity is the adapter's
    registry id or file sha256, so a run is keyed on adapter content, not on a nickname. An unknown
    reference is an error here, before any question is answered; so is an adapter made for another base than the
    served model, or one whose tensors do not fit it (the messages of `ask` and `models activate`)."""
    if adapter is None:
        adapter = settings.generate.adapter if settings.generate.adapter != "none" else "active"
    elif not hasattr(adapter, "origin"):
        from ..tomltext import Sourced

        adapter = Sourced(str(adapter), "--adapter")  # its errors name the flag, as `ask --adapter` does
    ref = str(adapter).strip()
    if ref.lower() in ("", "none"):
        return None, None
    from ..registry import Registry
    from ..refs import resolve_adapter as resolve_adapter_ref

    # The engine answers in a scratch home whose registry is empty: hand it the verified file, whose sha256
    # is the registry id, never a name it would look up there. That engine sees only a file, so the checks against
    # the served model are made here, before arm A answers a question for nothing.
    registry = Registry(settings.home)
    model = _served_model(registry, settings)
    path, aid = resolve_adapter_ref(registry, adapter, model_id=model[1] if model else None)
    if path is None:
        return None, None
    if model is not None:
        registry.check_fits(Path(path), model[1], origin=adapter, model=model[0])
    return str(Path(path).resolve()), str(aid)


def _served_model(registry: Any, settings: Settings) -> tuple[Path, str] | None:
    """(file, sha256) of the served model, so "default" never picks a built-in adapter made for another base and an
    adapter is checked against it (None when the model cannot be resolved here: the engine reports that itself)."""
    from ..errors import RagtuneError
    from ..refs import resolve_gguf_model

    try:
        return resolve_gguf_model(registry, settings.generate.model)
    except RagtuneError:
        return None


def builtin_note(adapter: str | None) -> list[str]:
    """Without an adapter to evaluate, say so when the package ships a default adapter that is not served by
    default (its manifest says go: false): evaluating it is one flag away."""
    if adapter:
        return []
    from ..builtin_adapters import get_builtin

    b = get_builtin()
    if b is None or not b.present or b.go:
        return []
    return [f"the built-in default adapter {b.name} ({b.sha256[:12]}…) is not served by default (its manifest says "
            f"go: false): `--adapter {b.name}` evaluates it"]
