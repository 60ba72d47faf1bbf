"""Round 42: `ragtune eval compare` on a run made before items.jsonl existed. Was: refused, with a hint that
re-running `eval run` writes the file (after an upgrade a re-run is a new run id, answered again). Now its rows are
rebuilt from the answers the home's store keeps of the run its report.json names, scored against its dataset read
again (checked to be the same); where that home is not given, or the dataset changed, the error says what works."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from ragtune.appliance.errors import InputError
from ragtune.appliance.eval import paired as P
from ragtune.appliance.eval import run as R
from ragtune.cli import cli, main
from tests.appliance.eval_fakes import FakeEngine, no_ingest, write_beir


@pytest.fixture(autouse=True)
def fake_adapters(monkeypatch):
    monkeypatch.setattr(R, "resolve_adapter", lambda s, a: (None, None) if a in (None, "none") else (a, "id-" + a))
    monkeypatch.setattr(R, "_default_ingest", no_ingest)


def _run(settings, beir, out, modes, **kw):
    return R.run_eval(settings, beir, R.EvalOptions(out=out, safety=False, **kw),
                      engine_factory=lambda s: FakeEngine(modes), ingest=no_ingest)


def _runs(settings, tmp_path):
    beir = write_beir(tmp_path / "mini")
    _run(settings, beir, tmp_path / "old", {"none": "bad"}, arms="A")
    _run(settings, beir, tmp_path / "new", {"none": "good"}, arms="A", seed=1)
    return beir


def test_a_run_without_items_jsonl_is_read_from_the_home_store(settings, tmp_path):
    _runs(settings, tmp_path)
    want = P.compare_runs(tmp_path / "old", tmp_path / "new", arm="A")
    kept = (tmp_path / "old" / P.ITEMS_FILE).read_text()
    (tmp_path / "old" / P.ITEMS_FILE).unlink()  # as a run made before the file existed
    got = P.compare_runs(tmp_path / "old", tmp_path / "new", arm="A", home=settings.home)
    for key in ("n_paired", "task_success", "answerable", "unanswerable", "flips", "flips_from"):
        assert got[key] == want[key], key
    assert "rebuilt from the answers of run" in got["notes"][0]
    # the rows are the ones the run wrote (its own items.jsonl)
    report = tmp_path / "old" / "report.json"
    assert P.rows_from_store(report, settings.home) == [json.loads(x) for x in kept.splitlines()]

    out = CliRunner().invoke(cli, ["--home", str(settings.home.root), "eval", "compare", str(tmp_path / "old"),
                                   str(tmp_path / "new"), "--arm", "A"])
    assert out.exit_code == 0, out.output
    assert "task success: 37.5% -> 100.0%" in out.output and "rebuilt from the answers" in out.output


def test_without_the_home_that_made_it_the_error_says_what_works(settings, tmp_path, capsys):
    _runs(settings, tmp_path)
    (tmp_path / "old" / P.ITEMS_FILE).unlink()
    (tmp_path / "other").mkdir()
    assert main(["--home", str(tmp_path / "other"), "eval", "compare", str(tmp_path / "old"), str(tmp_path / "new"),
                 "--arm", "A"]) == 2
    err = capsys.readouterr().err
    assert "items.jsonl: not found: compare reads the items.jsonl" in err
    assert "--home" in err and "new one" in err  # was: "run the same command again … writes it"
    assert "resumes from the stored answers and writes it" not in err
    with pytest.raises(InputError, match="not found"):  # a library caller with no home: the same error
        P.compare_runs(tmp_path / "old", tmp_path / "new", arm="A")


def test_a_changed_dataset_is_refused_not_scored(settings, tmp_path):
    beir = _runs(settings, tmp_path)
    (tmp_path / "old" / P.ITEMS_FILE).unlink()
    (beir / "queries.jsonl").write_text((beir / "queries.jsonl").read_text() + "\n")  # another identity
    with pytest.raises(InputError, match="changed since"):
        P.compare_runs(tmp_path / "old", tmp_path / "new", arm="A", home=settings.home)


def test_reading_the_home_leaves_nothing_beside_its_database(settings, tmp_path):
    # was: a plain read-only open left -wal/-shm beside an idle home, which doctor and backup then took for in use
    _runs(settings, tmp_path)
    (tmp_path / "old" / P.ITEMS_FILE).unlink()
    db = settings.home.db_path
    before = sorted(p.name for p in db.parent.iterdir())
    assert not any(n.endswith(("-wal", "-shm")) for n in before)
    P.compare_runs(tmp_path / "old", tmp_path / "new", arm="A", home=settings.home)
    assert sorted(p.name for p in db.parent.iterdir()) == before
