"""Each curation step on hand-made cases."""

import json

import pytest

from ragtune.appliance import prompt
from ragtune.appliance.errors import ConfigError
from ragtune.models import curate as cu
from ragtune.models.dataset import validate_example


def ex(q, status="ok", date=None, intent="fact", ctx="Opens at 06:00.", answer=None):
    out = {"status": status, "answer": answer or ("At 06:00." if status == "ok" else prompt.REFUSAL_TEXT),
           "citations": ["S1"] if status == "ok" else []}
    meta = {"intent": intent}
    if date:
        meta["date"] = date
    return prompt.training_example(prompt.SYSTEM_PROMPT, [{"id": "S1", "text": ctx}], q, out, **meta)


def lines(rows):
    return [(f"in.jsonl:{i}", r) for i, r in enumerate(rows, start=1)]


NOMIX = dict(mix_frac=0.0, refusal_share=-1, max_intent_share=1.0, holdout_frac=0.0)


def test_scrub_pii_and_secrets():
    text = ("Mail jane.doe@corp.example or call +31 40 123 4567 / (555) 123-4567. Card 4111 1111 1111 1111, "
            "not 4111 1111 1111 1112. Keys: sk-abcdefghijklmnop1234, AKIAIOSFODNN7EXAMPLE, "
            "ghp_abcdefghijklmnopqrstuvwxyz0123456789, "
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U. "
            "Released 2024-09-12, version 3.2, EUR 1,200, 37.5 hours.")
    from collections import Counter
    c = Counter()
    out = cu.scrub_text(text, c)
    for secret in ("jane.doe", "123 4567", "123-4567", "4111 1111 1111 1111", "sk-abc", "AKIA", "ghp_", "eyJhbGci"):
        assert secret not in out, (secret, out)
    assert "4111 1111 1111 1112" in out  # fails the Luhn check: not a card
    assert "2024-09-12" in out and "EUR 1,200" in out and "37.5 hours" in out
    assert c["EMAIL"] == 1 and c["CARD"] == 1 and c["PHONE"] == 2
    assert c["API_KEY"] == c["AWS_KEY"] == c["GITHUB_TOKEN"] == c["JWT"] == 1
    assert cu.luhn_ok("4111111111111111") and not cu.luhn_ok("4111111111111112")


def test_scrub_applies_to_context_question_and_answer():
    e = ex("Is bob@x.example reachable?", ctx="Contact bob@x.example.", answer="Write to bob@x.example.")
    train, _, rep = cu.curate(lines([e]), cu.CurateConfig(**NOMIX))
    s = json.dumps(train[0])
    assert "bob@x.example" not in s and s.count("[EMAIL]") == 3 and rep["scrub"]["replaced"] == {"EMAIL": 3}


def test_schema_rejects_and_reports_location():
    bad = ex("q1")
    bad["output"]["citations"] = ["S7"]
    train, _, rep = cu.curate(lines([ex("q0"), bad]), cu.CurateConfig(**NOMIX))
    assert len(train) == 1 and rep["schema"]["rejected"] == 1
    assert rep["schema"]["examples"][0]["where"] == "in.jsonl:2"


def test_dedup_normalises_case_and_whitespace():
    a, b, c = ex("When does it open?"), ex("when  does it   OPEN?"), ex("When does it close?")
    train, _, rep = cu.curate(lines([a, b, c]), cu.CurateConfig(**NOMIX))
    assert rep["dedup"] == {"before": 3, "after": 2, "removed": 1} and len(train) == 2


def test_temporal_holdout_takes_the_newest():
    rows = [ex(f"q{i}", date=f"2024-0{1 + i % 9}-01") for i in range(10)] + [ex("undated")]
    train, hold, rep = cu.curate(lines(rows), cu.CurateConfig(**dict(NOMIX, holdout_frac=0.2)))
    hd = sorted(r["meta"]["date"] for r in hold)
    td = [r["meta"]["date"] for r in train if "date" in r["meta"]]
    assert len(hold) == 2 and min(hd) >= max(td)
    assert any(r["prompt"]["user"] == "undated" for r in train)  # undated lines always train
    assert rep["split"]["holdout"] == 2


def test_refusal_balance_oversamples_and_caps():
    rows = [ex(f"ok{i}") for i in range(14)] + [ex(f"no{i}", status="refused") for i in range(2)]
    cfg = cu.CurateConfig(**dict(NOMIX, refusal_share=0.3))
    train, _, rep = cu.curate(lines(rows), cfg)
    assert rep["balance"]["after"]["refusal_share"] == pytest.approx(0.3, abs=0.03)
    rows = [ex(f"ok{i}") for i in range(4)] + [ex(f"no{i}", status="refused") for i in range(12)]
    train, _, rep = cu.curate(lines(rows), cfg)
    assert sum(r["output"]["status"] == "refused" for r in train) == 2  # capped: 2 / (4 + 2)


def test_intent_cap():
    rows = [ex(f"p{i}", intent="policy") for i in range(12)] + [ex(f"f{i}", intent="fact") for i in range(4)]
    train, _, rep = cu.curate(lines(rows), cu.CurateConfig(**dict(NOMIX, max_intent_share=0.6)))
    n = len(train)
    assert sum(r["meta"]["intent"] == "policy" for r in train) <= 0.6 * n + 1
    assert sum(r["meta"]["intent"] == "fact" for r in train) == 4


def test_mix_adds_valid_general_and_safety_examples():
    pool = cu.mix_examples()
    assert all(validate_example(e, "mix") == [] for e in pool)
    assert {e["meta"]["intent"] for e in pool} == {"general", "safety"}
    assert any("Ignore all previous instructions" in c["text"] for e in pool for c in e["prompt"]["context"])
    rows = [ex(f"q{i}") for i in range(40)]
    train, _, rep = cu.curate(lines(rows), cu.CurateConfig(**dict(NOMIX, mix_frac=0.08)))
    assert rep["mix"]["added"] == 3 and 0.05 <= rep["mix"]["share"] <= 0.1
    with pytest.raises(ConfigError):
        cu.CurateConfig(mix_frac=0.3)


def test_write_curated_artifacts(tmp_path):
    rows = [ex(f"q{i}", date=f"2024-01-{10 + i}") for i in range(10)]
    train, hold, rep = cu.curate(lines(rows), cu.CurateConfig())
    cfg = cu.write_curated(tmp_path, train, hold, rep, build={"questions": 10})
    for f in ("train.jsonl", "holdout.jsonl", "report.json", "report.md", "dataset_config.json"):
        assert (tmp_path / f).is_file()
    assert cfg["train"]["sha256"] == cu.sha256_file(tmp_path / "train.jsonl")
    saved = json.loads((tmp_path / "dataset_config.json").read_text())
    assert saved["dataset_sha256"] == cfg["dataset_sha256"] and len(cfg["dataset_sha256"]) == 64
    md = (tmp_path / "report.md").read_text()
    for section in ("Schema", "scrubbing", "De-duplication", "Temporal holdout", "Balance", "mix"):
        assert section in md


def test_mix_repeats_each_pool_example_at_most_three_times():
    rows = [ex(f"q{i}") for i in range(1000)]
    train, _, rep = cu.curate(lines(rows), cu.CurateConfig(**dict(NOMIX, mix_frac=0.07)))
    pool = len(cu.mix_examples())
    assert rep["mix"]["wanted"] == 75 and rep["mix"]["added"] == min(75, 3 * pool)
    assert "capped at 3 copies" in cu.report_markdown(rep) or rep["mix"]["added"] == 75


def test_temporal_holdout_never_takes_every_line():
    # one date across the set (a --limit build of one document): the cut would hold out all of it and leave
    # train empty; the cut moves to the newer dates, and with one date only nothing is held out
    one = [ex(f"q{i}", date="2024-01-15") for i in range(10)]
    train, hold, rep = cu.curate(lines(one), cu.CurateConfig(**dict(NOMIX, holdout_frac=0.2)))
    assert len(train) == 10 and hold == [] and rep["split"]["dates"] == 1
    assert "nothing held out" in cu.report_markdown(rep)
    two = [ex(f"a{i}", date="2024-01-15") for i in range(9)] + [ex("b", date="2024-02-01")]
    train, hold, _ = cu.curate(lines(two), cu.CurateConfig(**dict(NOMIX, holdout_frac=0.2)))
    assert len(train) == 9 and [r["prompt"]["user"] for r in hold] == ["b"]
