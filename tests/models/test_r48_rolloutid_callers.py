"""Round 48 (with the caller patch /tmp/h10/callers.patch): the live comparison and doctor count only the rows of the
rollout running now, not a request routed by the one rolled back before it and logged after this one started."""

from __future__ import annotations

from ragtune.appliance.config import RolloutConfig
from ragtune.appliance.doctor import Report
from ragtune.appliance.store import open_store
from ragtune.models import rollout_doctor
from ragtune.models.rollout import CANDIDATE, CONTROL, RolloutState
from ragtune.models.rollout_watch import compare
from tests.serve.helpers import register_adapters

OUT = {"status": "ok", "answer": "Paris.", "citations": ["S1"]}
ROW = {"query": "q", "normalized_query": "q", "model_id": "m", "adapter_id": "none", "system_prompt_sha256": "s",
       "context": [], "retrieved": [], "output": OUT, "raw_output": "", "valid": True, "repaired": False,
       "refused": False, "tokens_prompt": 5, "tokens_completion": 5, "timings": {"total_ms": 9.0}}


def _log(home, arm: str, rollout: str | None, n: int = 1) -> None:
    with open_store(home) as s:
        for _ in range(n):
            s.add_query_log({**ROW, "arm": arm, **({"rollout": rollout} if rollout else {})})


def test_a_late_row_of_the_rolled_back_rollout_is_not_the_new_ones(home):
    register_adapters(home)
    st = RolloutState(home)
    old = st.start("alpha", 50)
    _log(home, CANDIDATE, old.id, 2)
    st.rollback(reason="test")
    new = st.start("beta", 50)
    _log(home, CANDIDATE, old.id, 3)  # in flight on the old candidate at the rollback, logged after the new start
    _log(home, CANDIDATE, new.id)
    _log(home, CONTROL, None)  # no id: an older caller's row, counted by row id as before
    with open_store(home) as s:
        arms = compare(s, new, RolloutConfig(), now=new.started + 5)["arms"]
    assert (arms[CANDIDATE]["n"], arms[CONTROL]["n"]) == (1, 1)  # was (4, 1)
    rep = Report(home=str(home.root), quick=True)
    rollout_doctor.check(home, True, rep)
    assert "answers logged since it started: 1 candidate, 1 control" in rep.checks[0].detail
