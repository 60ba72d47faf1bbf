"""Bad inputs of `ragtune dataset build --qa … --docs …` (round 41): a --docs that is missing or a file is said as
such before the questions are read; an unanswerable question that carries an answer is refused naming file:line,
as `eval run` refuses it (ragtune/models/build.py; the rule is models/pack.validate_qa_row's)."""

from __future__ import annotations

import json

import pytest

from ragtune.cli import main

ANSWERED = {"id": "q1", "question": "What does the handbook say?", "answer": "hello", "answerable": True,
            "intent": "fact", "gold_doc": "handbook.md"}
REFUSED = {"id": "q2", "question": "Who is the chief executive?", "answer": "", "answerable": False,
           "intent": "fact"}


def _qa(folder, *rows):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "qa.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    docs = folder / "docs"
    docs.mkdir(exist_ok=True)
    (docs / "handbook.md").write_text("The handbook says hello to every new starter.\n")
    return path, docs


@pytest.mark.parametrize("kind", ["missing", "file"])
def test_a_docs_that_is_not_a_folder_is_said_before_the_questions_are_read(tmp_path, capsys, kind):
    qa, _ = _qa(tmp_path / "mine", ANSWERED)
    docs = tmp_path / "nonexist" if kind == "missing" else qa
    assert main(["dataset", "build", "--qa", str(qa), "--docs", str(docs), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    want = "no such folder" if kind == "missing" else "not a folder"
    assert err.startswith(f"error: --docs {docs}: {want}"), err
    assert "gold_doc" not in err and not (tmp_path / "o").exists()


def test_a_broken_qa_file_with_a_missing_docs_is_told_the_docs_first(tmp_path, capsys):
    """Before the questions are read: the first line's own problem is not what is said."""
    qa = tmp_path / "qa.jsonl"
    qa.write_text("not json\n")
    assert main(["dataset", "build", "--qa", str(qa), "--docs", str(tmp_path / "none"), "--out",
                 str(tmp_path / "o")]) == 2
    assert capsys.readouterr().err.startswith(f"error: --docs {tmp_path / 'none'}: no such folder")


@pytest.mark.parametrize("source", ["qa", "corpus-folder"])
def test_an_unanswerable_question_with_an_answer_is_refused_naming_its_line(tmp_path, capsys, source):
    qa, docs = _qa(tmp_path / "mine", ANSWERED, dict(REFUSED, answer="Bob"))
    args = ["--qa", str(qa), "--docs", str(docs)] if source == "qa" else ["--corpus", str(tmp_path / "mine")]
    assert main(["dataset", "build", *args, "--out", str(tmp_path / "o"), "--no-fit"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {qa}:2: answerable is false but 'answer' gives 'Bob'"), err
    assert not (tmp_path / "o").exists()


def test_an_unanswerable_question_with_an_empty_answer_is_not_refused_by_the_check(tmp_path):
    from ragtune.models.pack import read_qa

    qa, docs = _qa(tmp_path / "mine", ANSWERED, REFUSED, dict(REFUSED, id="q3", answer="  "))
    assert len(read_qa(qa, docs)) == 3  # nothing raised
