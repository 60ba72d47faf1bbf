"""Round 47, last reading: `served_adapter` (what a `rollout rollback` serves, what `models list` stars) says None,
"cannot be told", when the served model cannot be resolved here, instead of resolving "default" without a model (a
built-in adapter made for another base could be named)."""

from __future__ import annotations

from ragtune.appliance import refs
from ragtune.appliance.config import GenerateConfig
from ragtune.appliance.registry import Registry
from ragtune.models.rollout import served_adapter
from tests.serve.helpers import register_adapters


def test_no_served_model_means_the_served_adapter_cannot_be_told(home, monkeypatch):
    ids = register_adapters(home)
    reg = Registry(home)
    reg.activate(ids["alpha"])
    assert served_adapter(reg, GenerateConfig(adapter="default")) == ids["alpha"]  # the model resolves here
    monkeypatch.setattr(refs, "served_model_id", lambda registry, ref: None)
    assert served_adapter(reg, GenerateConfig(adapter="default")) is None  # was: alpha, whatever the base
    assert served_adapter(reg, GenerateConfig(adapter="beta")) is None
    assert served_adapter(reg, GenerateConfig(adapter="none")) == "none"  # the base model: no adapter either way
