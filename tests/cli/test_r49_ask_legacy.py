"""Round 49: `ragtune ask` routed through a rollout whose control is an older release's built-in default says so
once on stderr, as serve logs it (models/rollout_legacy.legacy_note); a pinned --adapter and no rollout say nothing."""

from __future__ import annotations

import json

from ragtune.cli import main
from tests.appliance.test_doctor_rollout import _adapters
from tests.appliance.test_r48_upg2 import _control_client, _old_rollout
from tests.cli.test_r44_scripting import fakes  # noqa: F401  (the fixture: a fake generator and retriever)


def test_ask_through_a_legacy_rollout_says_the_control_mapping_once(fakes, home, capsys, monkeypatch):
    ids = _adapters(home, "water")
    rid = _old_rollout(home, ids["water"])
    monkeypatch.setenv("RAGTUNE_CLIENT", _control_client(rid))
    assert main(["ask", "--json", "When was the Eiffel Tower built?"]) == 0
    cap = capsys.readouterr()
    assert json.loads(cap.out)["arm"] == "control"
    lines = [ln for ln in cap.err.splitlines() if "older ragtune release" in ln]
    assert len(lines) == 1 and lines[0].startswith(f"note: rollout {rid}: the control arm 2aedd9884ae5"), cap.err
    assert "the base model (none)" in lines[0]
    assert main(["ask", "When was the Eiffel Tower built?"]) == 0  # text output too
    assert "older ragtune release" in capsys.readouterr().err


def test_ask_pinned_or_without_a_rollout_has_no_rollout_note(fakes, home, capsys, monkeypatch):
    assert main(["ask", "--json", "When was the Eiffel Tower built?"]) == 0
    assert "rollout" not in capsys.readouterr().err
    ids = _adapters(home, "water")
    rid = _old_rollout(home, ids["water"])
    monkeypatch.setenv("RAGTUNE_CLIENT", _control_client(rid))
    assert main(["ask", "--json", "--adapter", "none", "When was the Eiffel Tower built?"]) == 0
    assert "older ragtune release" not in capsys.readouterr().err
