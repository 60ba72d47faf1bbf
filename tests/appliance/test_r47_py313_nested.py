"""Round 47: Python 3.13's json reads 3,000 nested brackets (3.10-3.12 refuse ~1,000; 3.13 refuses ~10,000; the
refusals: test_readers_fuzz*.py at 100,000 levels). Whatever the Python, a record nested 3,000 deep is either named
as nested too deeply or read and then treated exactly as the same field holding a shallow nested list. Never a
RecursionError or a traceback."""

from __future__ import annotations

import json

import pytest

from ragtune.appliance.errors import InputError
from tests.fuzzing import write

DEEP, SHALLOW = "[" * 3000 + "]" * 3000, "[[[]]]"
TOO_DEEP = "invalid JSON: nested too deeply"


def _outcome(fn):
    try:
        return "ok", fn()
    except InputError as exc:
        return "error", exc.message


def _same_as_shallow(read, raw_of):
    """`read(text)` with the deep value, against the shallow one."""
    deep, shallow = _outcome(lambda: read(raw_of(DEEP))), _outcome(lambda: read(raw_of(SHALLOW)))
    if deep[0] == "error" and TOO_DEEP in deep[1]:  # 3.10-3.12
        return
    assert deep[0] == shallow[0], (deep, shallow)
    if deep[0] == "error":
        assert deep[1] == shallow[1]


def test_a_corpus_line_3000_deep_is_named_or_read(tmp_path):
    from ragtune.appliance.beir import iter_corpus

    def read(text):
        return [d["_id"] for d in iter_corpus(write(tmp_path / "corpus.jsonl", text.encode()))]

    _same_as_shallow(read, lambda v: '{"_id": "d1", "text": "x"}\n{"_id": "d2", "text": "y", "n": ' + v + "}\n")
    _same_as_shallow(read, lambda v: '{"_id": "d2", "text": ' + v + "}\n")


def test_a_training_example_3000_deep_is_named_or_read(tmp_path):
    from ragtune.models.dataset import read_examples

    example = {"prompt": {"system": "Answer from the sources.", "user": "When?",
                          "context": [{"id": "S1", "text": "The strike started in 1926."}]},
               "output": {"status": "ok", "answer": "in 1926", "citations": ["S1"]}}

    def read(text):
        return len(read_examples(write(tmp_path / "train.jsonl", text.encode())))

    _same_as_shallow(read, lambda v: json.dumps(example)[:-1] + ', "meta": ' + v + "}\n")
    _same_as_shallow(read, lambda v: json.dumps({**example, "output": "@"}).replace('"@"', v) + "\n")


@pytest.mark.parametrize("field", ["citations", "answer"])
def test_an_answer_3000_deep_is_a_parse_error_or_fails_validation(field):
    from ragtune.appliance.schema import parse_answer, validate_output

    doc = {"status": "ok", "answer": "x", "citations": ["S1"]}
    deep, shallow = (json.dumps({**doc, field: "@"}).replace('"@"', v) for v in (DEEP, SHALLOW))
    obj, err = parse_answer(deep)
    if obj is None:
        assert err == TOO_DEEP
    else:  # read: the schema check says what it says for any list there (the repair path takes it from here)
        assert validate_output(obj, ["S1"]) == validate_output(parse_answer(shallow)[0], ["S1"]) != []
