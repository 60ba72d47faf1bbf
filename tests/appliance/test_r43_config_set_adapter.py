"""Round 43: `config set generate.adapter X` checks X against the configured `[generate] model` as `ask` does
(its recorded base, its shape), with `ask`'s messages: it ran resolve_adapter with no model id, so it checked
neither, and every `ask` then failed on the value it had taken."""

from __future__ import annotations

import pytest

from tests.serve.test_r43_adapter_choice import OTHER, shapes  # noqa: F401  (the fixture)

SHAPE = "its LoRA for blk.0.attn_q.weight is 4×4 (rank 2), the model's weight is 8×16"


def _set(home, value):
    from ragtune.cli import main

    return main(["--home", str(home.root), "config", "set", "generate.adapter", value])


@pytest.mark.parametrize("model_by", ["name", "path"])
def test_config_set_checks_an_adapter_against_the_configured_model(home, shapes, capsys, model_by):  # noqa: F811
    model, theirs = shapes["model"], shapes["theirs"]
    served = "my-model" if model_by == "name" else str(shapes["model_file"])
    cfg = home.root / "config.toml"
    cfg.write_text(f'[generate]\nmodel = "{served}"\n', encoding="utf-8")
    before = cfg.read_bytes()
    assert _set(home, "narrow") == 2
    err = capsys.readouterr().err
    assert "generate.adapter" in err and "narrow.gguf: does not fit model " in err and SHAPE in err, err
    assert cfg.read_bytes() == before  # refused: the file unchanged
    if model_by == "name":  # a model by path is not hashed here: no id to hold the adapter's base against
        assert _set(home, "theirs") == 2
        err = capsys.readouterr().err
        assert f"adapter {theirs.id[:12]}… (theirs) was made for base model {OTHER[:12]}…, but the served model " \
               f"is {model.id[:12]}… (my-model); refusing to serve it on another model" in err, err
        assert cfg.read_bytes() == before
    for fits in ("made", "loose", "none", "default"):
        assert _set(home, fits) == 0, capsys.readouterr().err
    assert 'adapter = "default"' in cfg.read_text(encoding="utf-8")


def test_config_set_mends_a_config_that_does_not_load(home, shapes, capsys):  # noqa: F811
    """A config file that does not parse names no model to check against: `config set` still mends it."""
    cfg = home.root / "config.toml"
    cfg.write_text('[generate]\nmodel = "my-model"\nadapter = \n', encoding="utf-8")
    assert _set(home, "made") == 0, capsys.readouterr().err
    assert 'adapter = "made"' in cfg.read_text(encoding="utf-8")
