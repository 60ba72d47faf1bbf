"""R52: an `eval run` cut off mid-item (Ctrl-C, kill -9) and then resumed gives the report one uninterrupted run
gives: the same run id, the same items.jsonl byte for byte, the same numbers; every answer records the code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ragtune.appliance import answer_code
from ragtune.appliance.config import Settings
from ragtune.appliance.eval import run as R
from ragtune.appliance.home import Home
from ragtune.appliance.store import Store
from tests.appliance.eval_fakes import FakeEngine, no_ingest, write_beir

CODE = "feed" * 16  # fixed: the tree's own digest may change while the test runs (and the child must agree)
MODES = {"none": "good", "ad1": "hallucinate"}
OPTS = dict(arms="A,B,C", adapter="ad1", safety=False)
REPO = Path(__file__).resolve().parents[2]
# what differs between two runs of one command in two homes: where, how long, and how much was resumed
VOLATILE = {"out", "elapsed_s", "answered_now", "resumed", "items_file"}


@pytest.fixture(autouse=True)
def fakes(monkeypatch):
    monkeypatch.setattr(R, "resolve_adapter", lambda s, a: (None, None) if a in (None, "none") else (a, "id-" + a))
    monkeypatch.setattr(answer_code, "answer_code_digest", lambda: CODE)


def settings_at(root: Path) -> Settings:
    return Settings(home=Home(root)).replace("generate", answer_mode="free").replace("retrieve", k=6)


def run(root: Path, beir: Path, out: Path, engine: FakeEngine) -> dict:
    return R.run_eval(settings_at(root), beir, R.EvalOptions(out=out, **OPTS), engine_factory=lambda s: engine,
                      ingest=no_ingest)


def same_report(a: Path, b: Path) -> None:
    assert (a / "items.jsonl").read_bytes() == (b / "items.jsonl").read_bytes()
    ra, rb = (json.loads((x / "report.json").read_text()) for x in (a, b))
    assert {k: v for k, v in ra.items() if k not in VOLATILE} == {k: v for k, v in rb.items() if k not in VOLATILE}


def stored_codes(root: Path, run_id: str) -> set:
    with Store(Home(root).db_path) as st:
        return {r.get("answer_code") for r in st.eval_items(run_id).values()}


def test_ctrl_c_mid_run_then_resume_equals_one_run(tmp_path):
    beir = write_beir(tmp_path / "mini")
    whole = run(tmp_path / "h1", beir, tmp_path / "o1", FakeEngine(MODES))
    with pytest.raises(KeyboardInterrupt):
        run(tmp_path / "h2", beir, tmp_path / "o2", FakeEngine(MODES, stop_after=7))
    resumed = run(tmp_path / "h2", beir, tmp_path / "o2", FakeEngine(MODES))
    assert resumed["run_id"] == whole["run_id"] and resumed["resumed"] == 7
    same_report(tmp_path / "o1", tmp_path / "o2")
    assert stored_codes(tmp_path / "h2", resumed["run_id"]) == {CODE}


CHILD = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from ragtune.appliance import answer_code
    answer_code.answer_code_digest = lambda: {code!r}
    from ragtune.appliance.eval import run as R
    from tests.appliance.eval_fakes import FakeEngine, no_ingest
    from tests.appliance.test_r52_eval_code_resume import MODES, OPTS, settings_at
    R.resolve_adapter = lambda s, a: (None, None) if a in (None, "none") else (a, "id-" + a)

    class Killed(FakeEngine):
        def ask(self, question, **kw):
            if len(self.calls) == 10:  # the 11th answer is in flight: kill -9
                os.kill(os.getpid(), signal.SIGKILL)
            return super().ask(question, **kw)

    R.run_eval(settings_at(Path(sys.argv[1])), Path(sys.argv[2]), R.EvalOptions(out=Path(sys.argv[3]), **OPTS),
               engine_factory=lambda s: Killed(MODES), ingest=no_ingest)
""")


def test_kill_9_mid_item_then_resume_equals_one_run(tmp_path):
    beir = write_beir(tmp_path / "mini")
    whole = run(tmp_path / "h1", beir, tmp_path / "o1", FakeEngine(MODES))
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    child = subprocess.run([sys.executable, "-c", CHILD.format(code=CODE), str(tmp_path / "h2"), str(beir),
                            str(tmp_path / "o2")], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert child.returncode == -9, child.stderr[-2000:]
    with Store(Home(tmp_path / "h2").db_path) as st:
        assert len(st.eval_items(whole["run_id"])) == 10  # the one in flight was lost, nothing else
    eng = FakeEngine(MODES)
    resumed = run(tmp_path / "h2", beir, tmp_path / "o2", eng)
    assert resumed["resumed"] == 10 and len(eng.calls) == resumed["answered_now"] == 3 * 8 - 10
    same_report(tmp_path / "o1", tmp_path / "o2")
    assert stored_codes(tmp_path / "h2", resumed["run_id"]) == {CODE}
