"""`ragtune rollout status` counts, per arm, the entries a person reviewed and the reviews that corrected the answer
(round 43: it ignored reviews, so a candidate a lead kept correcting looked as good as its numbers). Counts only,
never an alert rule; a forgotten entry has no review left to count."""

from __future__ import annotations

import json

from click.testing import CliRunner

from ragtune.appliance.config import RolloutConfig, Settings
from ragtune.appliance.store import open_store
from ragtune.cli import cli
from ragtune.models.rollout import CANDIDATE, CONTROL, RolloutState
from ragtune.models.rollout_watch import check
from tests.serve.helpers import register_adapters

OUT = {"status": "ok", "answer": "Paris.", "citations": ["S1"]}
ROW = {"query": "q", "normalized_query": "q", "model_id": "m", "adapter_id": "none", "system_prompt_sha256": "s",
       "context": [{"id": "S1", "text": "Paris."}], "retrieved": [], "output": OUT, "raw_output": "", "valid": True,
       "repaired": False, "refused": False, "tokens_prompt": 5, "tokens_completion": 5, "timings": {"total_ms": 9.0}}


def test_status_counts_reviewed_and_corrected_entries_per_arm(home):
    register_adapters(home)
    RolloutState(home).start("alpha", 50)
    with open_store(home) as s:
        ids = {arm: [s.add_query_log({**ROW, "arm": arm}) for _ in range(4)] for arm in (CONTROL, CANDIDATE)}
        s.add_query_log({**ROW, "arm": None})  # served outside the rollout: not an arm's
        s.set_query_review(ids[CONTROL][0], OUT)  # confirmed
        s.set_query_review(ids[CANDIDATE][0], {**OUT, "answer": "Lyon."})  # corrected
        s.set_query_review(ids[CANDIDATE][1], {"status": "refused", "answer": "no", "citations": []})  # corrected
        s.set_query_review(ids[CANDIDATE][2], OUT)  # confirmed
        s.set_query_review(ids[CANDIDATE][3], {**OUT, "answer": "Nice."})
        s.forget_query_log([ids[CANDIDATE][3]])  # its review is erased: neither reviewed nor corrected now
        rows = s.rollout_rows(0)
    assert [r[-2:] for r in rows if r[0] == CANDIDATE] == [(True, True), (True, True), (True, False), (False, False)]
    arms = check(Settings(home=home, rollout=RolloutConfig(min_requests=5)), apply=False)["comparison"]["arms"]
    assert (arms[CONTROL]["reviewed"], arms[CONTROL]["corrected"]) == (1, 0)
    assert (arms[CANDIDATE]["reviewed"], arms[CANDIDATE]["corrected"]) == (3, 2)
    res = CliRunner().invoke(cli, ["rollout", "status"])
    assert res.exit_code == 0, res.output
    lines = {ln.split()[0]: ln.split()[1:] for ln in res.output.splitlines() if ln.strip()}
    assert lines["reviewed"] == ["1", "3"] and lines["corrected"] == ["0", "corrected", "2", "corrected"]
    res = CliRunner().invoke(cli, ["rollout", "status", "--json"])
    assert json.loads(res.output)["comparison"]["arms"][CANDIDATE]["corrected"] == 2
