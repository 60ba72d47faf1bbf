"""`ragtune tune default --resume` after a step failed (round 37): the finished steps are kept, the failed one runs
again, and the adapter is the one an unbroken rebuild gives. Uses test_default_adapter.py's tiny set and base."""

import json

import pytest

from ragtune.appliance.errors import ModelError

from .test_default_adapter import _recipe, _tiny_recipe, _tiny_set, tiny_base  # noqa: F401  (fixture)


@pytest.mark.slow
@pytest.mark.train
@pytest.mark.convert
def test_resume_after_a_failed_convert_keeps_the_data_and_the_training(tiny_base, tmp_path, settings,  # noqa: F811
                                                                        monkeypatch):
    import ragtune.converters.lora as lora
    from ragtune.models.default_adapter import RebuildOptions, rebuild

    base, sdist = tiny_base
    recipe = _recipe(tmp_path, _tiny_recipe(_tiny_set(tmp_path), base, "max_steps = 2\nsave_every = 1"))
    work = tmp_path / "work"

    def broken(*a, **kw):
        raise ModelError("convert_lora_to_gguf.py failed (simulated)")
    with monkeypatch.context() as mp:
        mp.setattr(lora, "lora_to_gguf", broken)
        with pytest.raises(ModelError, match="simulated"):
            rebuild(settings, RebuildOptions(work=work, recipe=recipe, sdist=str(sdist)), log=lambda _: None)
    state = json.loads((work / "rebuild.json").read_text())
    assert state["steps"]["train"]["done"] and not state["steps"].get("convert", {}).get("done")
    assert not (work / "tiny-default.gguf").exists() and not (work / "tiny-default.json").exists()
    adapter_before = (work / "adapter" / "adapter_model.safetensors").read_bytes()
    logs: list[str] = []
    out = rebuild(settings, RebuildOptions(work=work, recipe=recipe, sdist=str(sdist), resume=True), log=logs.append)
    assert any("dataset: kept" in x for x in logs) and any("train: kept" in x for x in logs)
    assert (work / "adapter" / "adapter_model.safetensors").read_bytes() == adapter_before
    m = json.loads((work / "tiny-default.json").read_text())
    assert out["id"] == m["sha256"] and m["training"]["metrics"]["steps"] == 2
