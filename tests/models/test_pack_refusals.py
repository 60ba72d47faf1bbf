"""The question-set rule that an unanswerable question carries no answer lives in `validate_qa_row` (every reader of
the pack's format: `read_qa`, `load_qa`, `dataset build --qa/--corpus FOLDER`), not in a second pass over the file."""

from __future__ import annotations

import json

import pytest

from ragtune.appliance.errors import InputError
from ragtune.models.pack import load_qa, read_qa, validate_qa_row

REFUSED = {"id": "q2", "question": "Who is the chief executive?", "answer": "", "answerable": False,
           "intent": "fact"}


def test_validate_qa_row_refuses_an_unanswerable_question_with_an_answer():
    with pytest.raises(InputError) as e:
        validate_qa_row(dict(REFUSED, answer="Bob"), "f.jsonl:7")
    assert e.value.message == "f.jsonl:7: answerable is false but 'answer' gives 'Bob'"
    assert "set answerable true and give its gold_doc" in e.value.hint
    with pytest.raises(InputError) as e:
        validate_qa_row(dict(REFUSED, answer="x" * 200), "f.jsonl:7")
    assert e.value.message.endswith(f"gives '{'x' * 80}'")  # the answer is shown cut to 80 characters
    assert validate_qa_row(dict(REFUSED, answer=" \n"), "f.jsonl:7")["answer"] == " \n"  # blank is no answer


def test_read_qa_names_the_line_without_a_docs_folder(tmp_path):
    qa = tmp_path / "qa.jsonl"
    qa.write_text(json.dumps(REFUSED) + "\n" + json.dumps(dict(REFUSED, id="q3", answer="Bob")) + "\n")
    with pytest.raises(InputError, match=f"^{qa}:2: answerable is false but 'answer' gives 'Bob'"):
        read_qa(qa)


def test_a_gold_doc_on_an_unanswerable_question_is_still_said_first():
    with pytest.raises(InputError, match="must not have a gold_doc"):
        validate_qa_row(dict(REFUSED, answer="Bob", gold_doc="a.md"), "f.jsonl:1")


def test_the_shipped_pack_passes():
    assert any(r["answerable"] is False for r in load_qa())
