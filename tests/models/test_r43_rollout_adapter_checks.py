"""Round 43: `rollout start` checks its candidate against the served model as `ask` checks an adapter it is
given (refs.check_servable): made for another base, or of another shape, it is refused up front with `ask`'s
message, not started for every candidate client to be refused."""

from __future__ import annotations

import pytest

from ragtune.appliance.errors import InputError
from ragtune.models.rollout import RolloutState
from tests.serve.test_r43_adapter_choice import OTHER, shapes  # noqa: F401  (the fixture)

SHAPE = "its LoRA for blk.0.attn_q.weight is 4×4 (rank 2), the model's weight is 8×16"


def test_a_candidate_of_another_shape_is_refused(home, shapes):  # noqa: F811
    """Was: started (no base recorded: nothing was checked); every candidate request then failed."""
    st = RolloutState(home)
    with pytest.raises(InputError) as e:
        st.start("narrow", 5, model_id=shapes["model"].id)
    assert "narrow.gguf: does not fit model " in e.value.message and e.value.message.endswith(SHAPE), e.value.message
    assert "roll out an adapter made for the served model" in e.value.hint
    assert not st.path.exists()
    assert st.start("loose", 5, model_id=shapes["model"].id).candidate == shapes["loose"].id  # fits: started


def test_rollout_start_says_what_ask_says(home, shapes, capsys):  # noqa: F811
    """The CLI checks the candidate against the configured [generate] model, with `ask`'s words."""
    from ragtune.cli import main

    model, theirs = shapes["model"], shapes["theirs"]
    (home.root / "config.toml").write_text('[generate]\nmodel = "my-model"\n', encoding="utf-8")
    said = f"adapter {theirs.id[:12]}… (theirs) was made for base model {OTHER[:12]}…, but the served model is " \
           f"{model.id[:12]}… (my-model); refusing to serve it on another model"
    assert main(["--home", str(home.root), "rollout", "start", "theirs", "--share", "5"]) == InputError.exit_code
    assert said in capsys.readouterr().err
    assert main(["--home", str(home.root), "rollout", "start", "narrow", "--share", "5"]) == InputError.exit_code
    assert SHAPE in capsys.readouterr().err
    assert not RolloutState(home).path.exists()
    assert main(["--home", str(home.root), "rollout", "start", "made", "--share", "5"]) == 0
