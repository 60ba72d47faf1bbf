"""How the in-process generator (generate.LlamaGenerator) serves an adapter: merged into a Q8_0 copy of its base
(merged.py; the default, `generate.adapter_merge`), or applied by llama.cpp at run time (`llama_set_adapters_lora`
on the base's context: `adapter_merge` off, or an adapter that cannot be merged). Either way at a strength,
`generate.adapter_scale` resolved for the adapter (the engine's `adapter_scale`): the served weights are
W + scale · (alpha / r) · B · A, llama.cpp's `--lora-scaled`. An adapter at another scale is another model: its own
merged file (merged.merged_path), or the run-time LoRA set again with the new scale (clearing the prefix cache)."""

from __future__ import annotations

import ctypes
import os
from pathlib import Path
from typing import Any, Iterable

from .errors import ModelError
from .llamalog import recent_error_text

# Merged models (and run-time LoRAs) held loaded per generator: what can be served now, the active adapter and a
# running rollout's other arm. Each merged model is about the base's size at Q8_0 (~250 MB for the 135M default);
# unbounded, every rollout candidate a server had served stayed loaded until restart (benchmarks/soak.md).
MERGED_KEEP = 2


class AdapterServing:
    """The adapter switch of LlamaGenerator (a mixin: it uses the generator's `cfg`, `_lc`, `model_path`, `model_id`,
    `_load`, `_serve`, `_base_model`, `_check_open`, `_llm` and `_ctx`)."""

    adapter_id: str = "none"
    adapter_scale: float = 1.0  # the strength the current adapter is served at (1.0 with none)
    _runtime_lora = False  # a LoRA is set on the base's context
    _merged: dict[tuple[str, float], Any]  # (adapter sha256, scale) -> Llama of its merged model (merged.py)
    _adapters: dict[str, Any]  # sha256 -> llama_adapter_lora* (the MERGED_KEEP most recently set)
    _merged_pins: dict[tuple[str, float], int | None]  # (sha, scale) -> the fd whose flock pins its merged file

    @property
    def adapter_served(self) -> str:
        """How the current adapter answers: "none" (the base), "merged" (a merged model, merged.py) or "lora"
        (llama.cpp applies it at run time: `adapter_merge` off, or the adapter could not be merged)."""
        return "none" if self.adapter_id == "none" else "lora" if self._runtime_lora else "merged"

    def set_adapter(self, path: Path | str | None, sha256: str | None = None, *, scale: float = 1.0) -> None:
        """Switch the adapter (None = base model) and its strength `scale`. With `generate.adapter_merge` (the
        default) the adapter is served merged into a Q8_0 copy of the base (merged.py; built once per scale, then a
        second model beside the base); otherwise, or when it cannot be merged, llama.cpp applies it at run time:
        loaded once and kept, and setting it clears the base's prefix cache (KV entries computed under another
        adapter or scale are not reusable). The file must hash to `sha256` (its identity)."""
        self._check_open()
        from .hashing import sha256_file

        if path is None:
            self._serve(self._base_model())
            self._clear_runtime_lora()
            self.adapter_id, self.adapter_scale = "none", 1.0
            return
        p = Path(path)
        if not p.is_file():
            raise ModelError(f"{p}: adapter file not found")
        got = sha256_file(p)
        if sha256 and got != sha256:
            raise ModelError(f"{p}: sha256 {got[:12]}… does not match the adapter's manifest ({sha256[:12]}…); refusing it",
                             hint="the adapter file was modified or replaced")
        scale = float(scale)
        if (got, scale) == (self.adapter_id, self.adapter_scale):
            return
        if self.cfg.adapter_merge and self._serve_merged(p, got, scale):
            self._clear_runtime_lora()  # the base answers without it again (when it is switched back to)
            return
        # Nothing served changes until the adapter is applied: a failure leaves the generator serving what its
        # adapter_id says (the answer cache keys answers by that id).
        lc = self._lc
        base = self._base_model()
        handle = self._adapters.pop(got, None)
        if handle is None:
            handle = lc.llama_adapter_lora_init(base.model, os.fsencode(p))  # the file name's bytes, UTF-8 or not
            if not handle:
                raise ModelError(f"{p}: llama.cpp cannot load this LoRA adapter for {self.model_path.name}",
                                 hint=recent_error_text() or "is it a GGUF LoRA converted for this base model?")
        self._adapters[got] = handle  # last: the most recently set
        arr = (lc.llama_adapter_lora_p_ctypes * 1)(handle)
        scales = (ctypes.c_float * 1)(scale)
        base.n_tokens = 0  # its KV entries were computed under another adapter (or none)
        if lc.llama_set_adapters_lora(base.ctx, arr, 1, scales) != 0:
            lc.llama_set_adapters_lora(base.ctx, None, 0, None)  # what the base applies is unknown: nothing
            if self._runtime_lora:  # it was serving the previous run-time LoRA, which is gone now
                self._runtime_lora = False
                self.adapter_id, self.adapter_scale = "none", 1.0
            raise ModelError(f"{p}: llama.cpp failed to apply the adapter")
        self._serve(base)
        self._runtime_lora = True
        self.adapter_id, self.adapter_scale = got, scale
        self._trim_loras(MERGED_KEEP)

    def _serve_merged(self, path: Path, sha: str, scale: float) -> bool:
        """Serve the adapter merged into its base at `scale` (merged.py); False when it cannot be (then: run-time
        LoRA). At most MERGED_KEEP merged models stay loaded, the least recently served closed first."""
        key = (sha, scale)
        llm = self._merged.pop(key, None)
        if llm is None:
            from .merged import ensure_merged, pin

            fd = None
            for _ in range(3):
                merged = ensure_merged(self.model_path, self.model_id, path, sha, scale)
                if merged is None:
                    return False
                try:
                    fd = pin(merged)  # held while loaded: no _prune (of any process) removes it meanwhile
                    break
                except FileNotFoundError:
                    continue  # pruned or replaced by another process between its check and the lock: again
                except OSError:
                    break  # (unreadable: loaded unpinned, and llama.cpp's loader says what is wrong)
            self._trim_merged(MERGED_KEEP - 1)  # room first: the peak stays MERGED_KEEP (+ the one serving now)
            try:
                llm = self._load(merged)
            except BaseException:
                _unpin(fd)
                raise
            self._merged_pins[key] = fd
        self._merged[key] = llm  # last: the most recently served (dicts keep insertion order)
        self._serve(llm)
        self.adapter_id, self.adapter_scale = sha, scale
        self._trim_merged(MERGED_KEEP)  # the one that served before is no longer in use: closable now
        return True

    def _trim_merged(self, keep: int) -> None:
        """Close the least recently served merged models past `keep`: every native object (llama.cpp's model,
        context, batch; Llama.close) and the file's pin. Never the one serving now: a request uses only that one,
        and requests and switches take turns (the engine's lock), so any other has no request using it."""
        for key in list(self._merged):
            if len(self._merged) <= keep:
                break
            if self._merged[key] is not self._llm:  # (the one serving: closed by the trim after the next switch)
                self._drop_merged(key)

    def _drop_merged(self, key: tuple[str, float]) -> None:
        _close_llm(self._merged.pop(key))
        _unpin(self._merged_pins.pop(key, None))

    def retain(self, keep: Iterable[str | tuple[str, float]]) -> list[str]:
        """Close the merged models and free the run-time LoRAs of every adapter outside `keep` (adapter ids: at any
        scale; (id, scale) pairs: at that scale), never the one serving now. What a server calls when a rollout
        ends (serve/server.py), under the engine's lock as a switch is: the bound alone kept the losing arm loaded
        (~250 MB) until another adapter took its place. Returns the ids of what it closed."""
        keep = set(keep)
        ids = {k if isinstance(k, str) else k[0] for k in keep}
        gone = []
        for key in list(self._merged):
            if key[0] not in keep and key not in keep and self._merged[key] is not self._llm:
                self._drop_merged(key)
                gone.append(key[0])
        for sha in list(self._adapters):
            if sha not in ids and self._free_lora(sha):
                gone.append(sha)
        return gone

    def _trim_loras(self, keep: int) -> None:
        """Free the least recently set run-time LoRAs past `keep`; never the one set on the base's context now."""
        for sha in list(self._adapters):
            if len(self._adapters) <= keep:
                break
            self._free_lora(sha)

    def _free_lora(self, sha: str) -> bool:
        """Free the run-time LoRA `sha` (llama.cpp's adapter object), unless it is the one set on the base's context
        now (a request may be decoding with it); whether it was freed. What retain and _trim_loras both do."""
        if self._runtime_lora and sha == self.adapter_id:
            return False
        self._lc.llama_adapter_lora_free(self._adapters.pop(sha))
        return True

    def _clear_runtime_lora(self) -> None:
        if self._runtime_lora:
            base = self._base_model()
            self._lc.llama_set_adapters_lora(base.ctx, None, 0, None)
            base.n_tokens = 0  # its KV entries were computed with the adapter
            self._runtime_lora = False

    def _release_adapters(self) -> None:
        """close(): the run-time adapters and the merged models."""
        if self._runtime_lora:
            try:
                self._lc.llama_set_adapters_lora(self._base.ctx, None, 0, None)
            except Exception:
                pass
        for handle in self._adapters.values():
            self._lc.llama_adapter_lora_free(handle)
        self._adapters.clear()
        for llm in self._merged.values():
            _close_llm(llm)
        self._merged.clear()
        for fd in self._merged_pins.values():
            _unpin(fd)
        self._merged_pins.clear()


def _close_llm(llm: Any) -> None:
    """Llama.close frees its model, context and batch; a sampler it made for itself (never used here) only on
    garbage collection: freed now too."""
    llm.close()
    sampler = getattr(llm, "_sampler", None)
    if sampler is not None and hasattr(sampler, "close"):
        sampler.close()


def _unpin(fd: int | None) -> None:
    if fd is not None:
        try:
            os.close(fd)  # drops its shared flock: _prune may remove the file again
        except OSError:
            pass
