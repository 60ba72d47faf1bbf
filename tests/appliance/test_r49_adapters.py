"""Round 49: AdapterServing frees a run-time LoRA in one place (`_free_lora`), which retain (a rollout ended) and
_trim_loras (the MERGED_KEEP bound) both go through: the "in use / free" steps were written twice, and a change to
one (what counts as in use) could miss the other. The fakes are test_r48_membound's."""

from __future__ import annotations

import ctypes

from ragtune.appliance.adapter_serving import MERGED_KEEP
from tests.appliance.test_r48_membound import _adapter, gen  # noqa: F401 - the fixture


class Lc:  # llama.cpp's C API as the run-time path uses it
    llama_adapter_lora_p_ctypes = ctypes.c_void_p

    def __init__(self):
        self.n, self.freed = 0, []

    def llama_adapter_lora_init(self, model, path):
        self.n += 1
        return self.n

    def llama_set_adapters_lora(self, ctx, arr, n, scales):
        return 0

    def llama_adapter_lora_free(self, handle):
        self.freed.append(handle)


def test_retain_and_the_bound_free_run_time_loras_through_one_step(gen, tmp_path, monkeypatch):  # noqa: F811
    gen._lc, gen.cfg.adapter_merge = Lc(), False
    asked: list[tuple[str, str]] = []
    free = type(gen)._free_lora

    def recording(self, sha):
        asked.append((sha, self.adapter_id))
        return free(self, sha)

    monkeypatch.setattr(type(gen), "_free_lora", recording)
    arms = [_adapter(tmp_path, n) for n in ("a", "b", "c")]
    for arm in arms:  # the third set: the bound frees the first
        gen.set_adapter(*arm)
    assert asked == [(arms[0][1], arms[2][1])] and gen._lc.freed == [1] and len(gen._adapters) == MERGED_KEEP
    asked.clear()
    assert gen.retain([]) == [arms[1][1]]  # the one set on the context now is asked about, and kept
    assert sorted(asked) == sorted([(arms[1][1], arms[2][1]), (arms[2][1], arms[2][1])])
    assert gen._lc.freed == [1, 2] and list(gen._adapters) == [arms[2][1]]


def test_the_one_step_never_frees_the_lora_in_use(gen, tmp_path):  # noqa: F811
    gen._lc, gen.cfg.adapter_merge = Lc(), False
    a = _adapter(tmp_path, "a")
    gen.set_adapter(*a)
    assert gen._free_lora(a[1]) is False and gen._lc.freed == [] and a[1] in gen._adapters
    gen.set_adapter(None)  # the base again: nothing set on its context
    assert gen._free_lora(a[1]) is True and gen._lc.freed == [1] and not gen._adapters
