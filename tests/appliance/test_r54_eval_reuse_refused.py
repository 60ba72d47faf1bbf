"""Round 54, upgrade tester: a refused `eval run --reuse` (a run of other answer code after an upgrade, another
seed, a replay, an unknown id) left an empty report folder under HOME/eval and a record of the run that never ran.
Every --reuse is checked before either is made."""

from __future__ import annotations

import pytest

from ragtune.appliance.errors import InputError
from ragtune.appliance.eval import run as R
from ragtune.appliance.store import Store
from tests.appliance.eval_fakes import FakeEngine, no_ingest
from tests.appliance import test_eval_run

beir = test_eval_run.beir  # the fixture: a mini BEIR set


def run(settings, beir, **kw):
    return R.run_eval(settings, beir, R.EvalOptions(safety=False, arms="A", **kw),
                      engine_factory=lambda s: FakeEngine({"none": "good"}), ingest=no_ingest)


def runs(settings) -> list[str]:
    """The report folders of the recorded runs."""
    with Store(settings.home.db_path) as store:
        return store.eval_run_outs()


@pytest.mark.parametrize("lender", ["seed", "unknown"])
def test_a_refused_reuse_leaves_no_folder_and_no_run_record(settings, beir, lender):
    first = run(settings, beir, seed=1)
    before = sorted(p.name for p in settings.home.eval_dir.iterdir())
    recorded = runs(settings)
    ref = first["run_id"] if lender == "seed" else "0123456789abcdef"
    with pytest.raises(InputError, match="another seed" if lender == "seed" else "no such eval run"):
        run(settings, beir, seed=2, reuse=[ref])
    assert sorted(p.name for p in settings.home.eval_dir.iterdir()) == before
    assert runs(settings) == recorded
    # the same run without --reuse is made and answered as before
    again = run(settings, beir, seed=2)
    assert again["answered_now"] > 0 and len(runs(settings)) == len(recorded) + 1
