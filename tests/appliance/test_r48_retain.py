"""AdapterServing.retain (round 48): when a rollout ends the server closes the merged models and run-time LoRAs of
the adapters no request is routed to any more; the bound alone (MERGED_KEEP) kept the losing arm loaded (~250 MB)
until another adapter took its place. The fakes are test_r48_membound's."""

from __future__ import annotations

from ragtune.appliance import merged as M
from tests.appliance.test_r48_membound import _adapter, gen  # noqa: F401 - the fixture


def test_retain_closes_the_losing_arm_and_keeps_the_served_one(gen, tmp_path):  # noqa: F811
    control, cand = _adapter(tmp_path, "control"), _adapter(tmp_path, "cand")
    for arm in (control, cand, control):  # a rollout: both arms loaded, the control serving now
        gen.set_adapter(*arm)
    assert gen.loaded == 2
    assert gen.retain([control[1]]) == [cand[1]]  # rollback: the candidate's model closed, its file unpinned
    assert gen.log["closes"] == [M.merged_path(gen.model_id, cand[1]).name]
    assert list(gen._merged) == [(control[1], 1.0)] and list(gen._merged_pins) == [(control[1], 1.0)]
    gen.ask()
    assert gen.retain([control[1]]) == [] and gen.loaded == 1  # again: nothing more


def test_retain_never_closes_the_model_serving_now(gen, tmp_path):  # noqa: F811
    control, cand = _adapter(tmp_path, "control"), _adapter(tmp_path, "cand")
    gen.set_adapter(*control)
    gen.set_adapter(*cand)  # the last request went to the candidate
    assert gen.retain([control[1]]) == []
    gen.ask()  # still served, not closed under a request
    gen.set_adapter(*control)
    assert gen.retain([control[1]]) == [cand[1]] and gen.loaded == 1


def test_retain_by_scale_and_with_none(gen, tmp_path):  # noqa: F811
    a = _adapter(tmp_path, "a")
    gen.set_adapter(*a, scale=1.0)
    gen.set_adapter(*a, scale=0.5)
    assert gen.retain([(a[1], 0.5)]) == [a[1]]  # the other scale is another model
    assert list(gen._merged) == [(a[1], 0.5)]
    gen.set_adapter(None)
    assert gen.retain(["none"]) == [a[1]] and gen.loaded == 0  # the base serving: every merged model closed


def test_retain_frees_run_time_loras_outside_the_set(gen, tmp_path):  # noqa: F811
    freed: list[int] = []

    class Lc:  # llama.cpp's C API as the run-time path uses it
        llama_adapter_lora_p_ctypes = __import__("ctypes").c_void_p

        def __init__(self):
            self.n = 0

        def llama_adapter_lora_init(self, model, path):
            self.n += 1
            return self.n

        def llama_set_adapters_lora(self, ctx, arr, n, scales):
            return 0

        def llama_adapter_lora_free(self, handle):
            freed.append(handle)

    gen._lc = Lc()
    gen.cfg.adapter_merge = False
    control, cand, other = (_adapter(tmp_path, n) for n in ("control", "cand", "other"))
    gen.set_adapter(*control)
    gen.set_adapter(*cand)
    assert gen.retain([(control[1], 1.0)]) == [] and not freed  # the candidate is set on the context now
    gen.set_adapter(*control)
    assert gen.retain([(control[1], 1.0)]) == [cand[1]] and freed == [2]
    gen.set_adapter(*other)
    gen.set_adapter(None)
    assert sorted(gen.retain([])) == sorted([control[1], other[1]]) and not gen._adapters
