"""Round 49: `eval compare` pairs the questions' latency too (median of NEW - BASE per question, its exact 95 %
interval, faster/slower with the sign test), beside the correctness comparison; `--json` gains "latency"."""

from __future__ import annotations

import json
import random

import pytest

from ragtune.appliance.eval import paired as P
from ragtune.appliance.eval import run as R
from ragtune.appliance.eval.paired_latency import latency_line, median_interval, sign_test
from tests.appliance.eval_fakes import QUERIES, FakeEngine, no_ingest, write_beir


def _items(path, latencies, arm="A"):
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = []
    for i, ms in enumerate(latencies):
        row = {"arm": arm, "qid": f"q{i}", "question": f"question {i}", "answerable": True, "gold": ["x"],
               "status": "ok", "correct": i % 3 != 0, "f1": 1.0, "hallucinated": False, "answer": "x", "cited": []}
        if ms is not None:
            row["latency_ms"] = ms
        rows.append(json.dumps(row))
    path.write_text("\n".join(rows) + "\n")
    return path


def test_median_interval_is_the_sign_test_interval():
    assert median_interval([1.0] * 5) is None  # 2**-5 > 2.5 %: no 95 % interval from five
    assert median_interval([3.0, 1.0, 2.0, 6.0, 5.0, 4.0]) == (1.0, 6.0)
    assert median_interval([float(i) for i in range(1, 101)]) == (40.0, 61.0)  # the textbook ranks for n = 100
    for up, down in ((0, 0), (3, 1), (12, 3), (40, 55), (0, 9)):  # the correctness comparison's test, in logs
        assert sign_test(up, down) == pytest.approx(P.sign_test_p(up, down), rel=1e-9)
    big = median_interval([float(i) for i in range(10_001)])  # logs: no underflow at 10,000
    assert big is not None and big[0] < 5000 < big[1] and big[1] - big[0] < 250


def test_compare_says_how_much_slower_new_is(tmp_path):
    rnd = random.Random(7)
    base = [100.0 + rnd.random() * 50 for _ in range(40)]
    new = [b + 30.0 for b in base]
    out = P.compare_runs(_items(tmp_path / "b" / "items.jsonl", base), _items(tmp_path / "n" / "items.jsonl", new),
                         arm="A")
    lat = out["latency"]
    assert lat["n"] == 40 and lat["median_delta_ms"] == 30.0 and lat["ci95"] == [30.0, 30.0]
    assert lat["slower"] == 40 and lat["faster"] == 0 and lat["p"] < 1e-9
    line = latency_line(lat)
    assert "paired difference +30 ms, 95% CI +30 to +30 ms over 40 questions" in line and "slower on 40" in line
    again = P.compare_runs(tmp_path / "b", tmp_path / "n", arm="A")["latency"]
    assert again == lat  # no resampling: the same numbers every time
    pooled = P.compare_many([(tmp_path / "b", tmp_path / "n"), (tmp_path / "b", tmp_path / "n")], arm="A")
    assert pooled["pooled"]["latency"]["n"] == 80 and pooled["pooled"]["latency"]["median_delta_ms"] == 30.0


def test_rows_without_latency_say_so(tmp_path):
    out = P.compare_runs(_items(tmp_path / "b" / "items.jsonl", [None] * 8),
                         _items(tmp_path / "n" / "items.jsonl", [5.0] * 8), arm="A")
    assert out["latency"]["n"] == 0 and out["latency"]["median_delta_ms"] is None
    assert "no question timed on both sides" in latency_line(out["latency"])


def test_a_bad_latency_in_items_is_named(tmp_path):
    p = _items(tmp_path / "b" / "items.jsonl", [1.0, 2.0])
    p.write_text(p.read_text().replace('"latency_ms": 2.0', '"latency_ms": "slow"'))
    with pytest.raises(Exception, match=r"items.jsonl:2: 'latency_ms' must be a number"):
        P.read_rows(p)


@pytest.fixture
def fake_adapters(monkeypatch):
    monkeypatch.setattr(R, "resolve_adapter", lambda s, a: (None, None) if a in (None, "none") else (a, "id-" + a))


def test_a_run_records_each_answers_latency_and_compare_json_has_it(settings, tmp_path, fake_adapters):
    from click.testing import CliRunner

    from ragtune.cli import cli

    R.run_eval(settings, write_beir(tmp_path / "set"), R.EvalOptions(arms="A,C", adapter="ad1", out=tmp_path / "o",
                                                                     safety=False),
               engine_factory=lambda s: FakeEngine({"none": "good", "ad1": "good"}), ingest=no_ingest)
    rows = P.read_rows(tmp_path / "o" / "items.jsonl")
    assert len(rows) == 2 * len(QUERIES) and all(isinstance(r.get("latency_ms"), float) for r in rows)
    res = CliRunner().invoke(cli, ["--home", str(settings.home), "eval", "compare", str(tmp_path / "o"),
                                   "--base-arm", "A", "--arm", "C", "--json"])
    assert res.exit_code == 0, res.output
    got = json.loads(res.output)
    assert got["pairs"][0]["latency"]["n"] == len(QUERIES) and "latency" in got["pooled"]
