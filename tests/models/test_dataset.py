"""Dataset building: targets from retrieved context, refusals when the answer is missing, log pass-through."""

import json
import shutil

import pytest

from ragtune.appliance import prompt
from ragtune.appliance.errors import InputError
from ragtune.models import dataset as ds
from ragtune.models.pack import load_qa, pack_dir


ROW = {"id": "a1", "question": "What is the hotel limit in Munich?", "answer": "EUR 180 per night.",
       "gold_doc": "policies/travel-policy.md", "evidence": "| Munich | EUR 180 |", "answerable": True, "intent": "policy"}


def test_target_cites_only_chunks_holding_the_answer():
    ctx = [{"id": "S1", "text": "Hotel limits\n\n<table><tr><td>Munich</td><td>EUR 180</td></tr></table>"},
           {"id": "S2", "text": "Berlin | EUR 160"},
           {"id": "S3", "text": "| Munich | EUR 180 |"}]
    out, why = ds.target_for(ROW, ctx, ["/x/docs/policies/travel-policy.md", "/x/docs/policies/travel-policy.md",
                                        "/x/docs/other.md"])  # S3 holds it but is another document
    assert why == "answered" and out == {"status": "ok", "answer": "EUR 180 per night.", "citations": ["S1"]}


def test_target_is_refusal_when_context_lacks_answer_or_unanswerable():
    ctx = [{"id": "S1", "text": "Berlin hotels are capped at EUR 160."}]
    out, why = ds.target_for(ROW, ctx, ["policies/travel-policy.md"])
    assert why == "answer_not_retrieved"
    assert out == {"status": "refused", "answer": prompt.REFUSAL_TEXT, "citations": []}
    out, why = ds.target_for(dict(ROW, answerable=False, gold_doc=None), ctx, ["x"])
    assert why == "unanswerable" and out["status"] == "refused"


def test_holds_answer_requires_numbers():
    row = {"answer": "Up to 20 working days per year.", "evidence": ""}
    assert ds.holds_answer("Employees may work abroad for up to 20 working days per year.", row)
    assert not ds.holds_answer("Employees may work abroad for up to 30 working days per year.", row)


def _example(**out):
    o = {"status": "ok", "answer": "At 06:00.", "citations": ["S1"]}
    o.update(out)
    return prompt.training_example(prompt.SYSTEM_PROMPT, [{"id": "S1", "text": "Opens at 06:00."}], "When?", o)


def test_validate_example():
    assert ds.validate_example(_example(), "f:1") == []
    assert any("not in the context" in e for e in ds.validate_example(_example(citations=["S9"]), "f:1"))
    assert any("cites nothing" in e for e in ds.validate_example(_example(status="refused"), "f:1"))
    assert any("at least one" in e for e in ds.validate_example(_example(citations=[]), "f:1"))
    assert ds.validate_example({"prompt": {}, "output": {}}, "f:1")


def test_from_log_passes_valid_lines_and_names_bad_ones(tmp_path):
    p = tmp_path / "log.jsonl"
    good = _example()
    good["meta"] = {"time": "2025-01-02T10:00:00Z", "log_id": 7}
    p.write_text(json.dumps(good) + "\n", encoding="utf-8")
    rows, stats = ds.build_from_log(p)
    assert rows[0]["prompt"] == good["prompt"] and rows[0]["meta"]["log_id"] == 7 and stats.answered == 1
    p.write_text(json.dumps(good) + "\n" + json.dumps(_example(citations=["S4"])) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"log.jsonl:2: .*S4"):
        ds.build_from_log(p)
    p.write_text("{bad\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"log.jsonl:1: invalid JSON"):
        ds.build_from_log(p)


@pytest.mark.slow
def test_build_from_qa_with_the_real_retriever(settings, tmp_path):
    """Two pack documents ingested into a scratch home, retrieved with the serving settings."""
    pytest.importorskip("onnxruntime")
    docs = tmp_path / "docs"
    for rel in ("policies/travel-policy.md", "policies/expense-policy.md"):
        (docs / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(pack_dir() / rel, docs / rel)
    qa = [r for r in load_qa() if r.get("gold_doc") in ("policies/travel-policy.md", "policies/expense-policy.md")][:6]
    qa += [r for r in load_qa() if not r["answerable"]][:2]
    rows, stats = ds.build_from_qa(settings, qa, docs)
    assert len(rows) == 8 and stats.chunks > 0 and stats.unanswerable == 2
    for r in rows:
        assert ds.validate_example(r, "x") == []
        ids = {c["id"] for c in r["prompt"]["context"]}
        assert 1 <= len(ids) <= settings.retrieve.k
        assert set(r["output"]["citations"]) <= ids
        if r["meta"]["answerable"] and r["output"]["status"] == "ok":
            cited = [c["text"] for c in r["prompt"]["context"] if c["id"] in r["output"]["citations"]]
            row = next(q for q in qa if q["id"] == r["meta"]["qa_id"])
            assert all(ds.holds_answer(t, row) for t in cited)
    assert sum(r["output"]["status"] == "ok" for r in rows) >= 4
    assert all(r["output"]["status"] == "refused" for r in rows if not r["meta"]["answerable"])


def test_cli_build_from_log_and_report(tmp_path, capsys):
    from ragtune.cli import main

    log = tmp_path / "log.jsonl"
    rows = []
    for i in range(20):
        e = _example(answer=f"At 0{i % 9}:00.")
        e["prompt"]["user"] = f"When does gate {i} open? Mail ops{i}@corp.example"
        e["meta"] = {"time": f"2025-01-{i + 1:02d}T10:00:00Z", "intent": "fact"}
        rows.append(json.dumps(e))
    log.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "ds"
    assert main(["dataset", "build", "--from-log", str(log), "--out", str(out), "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["split"]["holdout"] == 4 and rep["scrub"]["replaced"]["EMAIL"] == 20
    assert (out / "train.jsonl").is_file() and (out / "report.md").is_file()
    assert main(["dataset", "report", str(out)]) == 0
    assert "Temporal holdout" in capsys.readouterr().out
    assert main(["dataset", "build", "--out", str(out)]) == 2  # no source
    assert "exactly one source" in capsys.readouterr().err


def test_runtime_does_not_import_the_training_stack():
    import subprocess
    import sys

    code = "import sys, ragtune.cli, ragtune.models.dataset, ragtune.models.curate, ragtune.models.pack; print('torch' in sys.modules, 'peft' in sys.modules)"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.stdout.strip() == "False False", r.stderr
