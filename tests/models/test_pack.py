"""The sample domain pack loads, validates, and has the advertised shape."""

import json
from collections import Counter

import pytest

from ragtune.appliance.errors import InputError
from ragtune.models.pack import load_qa, pack_dir, read_qa


def test_pack_loads_and_validates():
    rows = load_qa()
    ans = [r for r in rows if r["answerable"]]
    un = [r for r in rows if not r["answerable"]]
    assert len(ans) >= 200 and len(un) >= 60
    assert len({r["id"] for r in rows}) == len(rows)
    for r in ans:
        assert (pack_dir() / r["gold_doc"]).is_file()
        assert r["evidence"] in (pack_dir() / r["gold_doc"]).read_text(encoding="utf-8")
    assert set(Counter(r["intent"] for r in rows)) >= {"policy", "howto", "fact", "date", "troubleshoot"}


def test_pack_documents_are_varied_and_dated():
    files = [p for p in pack_dir().rglob("*") if p.is_file()]
    assert {p.suffix for p in files} >= {".md", ".txt", ".html"}
    words = sum(len(p.read_text(encoding="utf-8").split()) for p in files)
    assert words > 20000
    notes = list((pack_dir() / "release-notes").glob("*.md"))
    assert len(notes) >= 8 and all("\ndate: 20" in p.read_text(encoding="utf-8") for p in notes)
    # the question set and README live outside the ingested folder
    assert not (pack_dir() / "qa.jsonl").exists()
    assert "CC0" in (pack_dir().parent / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("line,msg", [
    ("{not json", "invalid JSON"),
    (json.dumps({"id": "x", "question": "q?", "answer": "", "answerable": True, "intent": "fact", "gold_doc": "faq.md"}), "non-empty 'answer'"),
    (json.dumps({"id": "x", "question": "q?", "answer": "a", "answerable": True, "intent": "nope", "gold_doc": "faq.md"}), "intent"),
    (json.dumps({"id": "x", "question": "q?", "answer": "a", "answerable": True, "intent": "fact", "gold_doc": "missing.md"}), "not found"),
    (json.dumps({"id": "x", "question": "q?", "answer": "a", "answerable": True, "intent": "fact", "gold_doc": "faq.md", "evidence": "zzz-not-there"}), "does not occur"),
    (json.dumps({"id": "x", "question": "q?", "answer": "", "answerable": False, "intent": "fact", "extra": 1}), "unknown key"),
])
def test_bad_qa_lines_name_file_and_line(tmp_path, line, msg):
    good = json.dumps({"id": "ok1", "question": "When was Larkspur founded?", "answer": "2016", "answerable": True,
                       "intent": "fact", "gold_doc": "faq.md", "evidence": "founded in 2016"})
    p = tmp_path / "qa.jsonl"
    p.write_text(good + "\n\n" + line + "\n", encoding="utf-8")
    with pytest.raises(InputError) as ei:
        read_qa(p, pack_dir())
    assert f"{p}:3" in str(ei.value) and msg in str(ei.value)


def test_duplicate_ids_rejected(tmp_path):
    row = json.dumps({"id": "d", "question": "q?", "answer": "", "answerable": False, "intent": "fact"})
    p = tmp_path / "qa.jsonl"
    p.write_text(row + "\n" + row + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"qa.jsonl:2: duplicate id"):
        read_qa(p)
