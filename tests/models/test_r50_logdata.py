"""Round 50: a 50,000-line log export spent a third of its line validation in `non_finite`, which formatted the
path of every value of every line (each source's text too) to find, almost always, nothing. The path is now only
worked out for a line that holds NaN or Infinity."""

from __future__ import annotations

from ragtune.models import dataset as ds


class _Key(str):
    def __format__(self, spec: str) -> str:  # what naming a path costs: never paid for a clean line
        raise AssertionError("a path was formatted for a line without NaN or Infinity")


def test_a_clean_line_names_no_path():
    line = {_Key("prompt"): {_Key("context"): [{_Key("id"): "S1", _Key("text"): "x " * 500}]}, _Key("n"): 1.5}
    assert ds.non_finite(line) is None


def test_a_non_finite_number_is_still_named_by_its_path():
    line = {"prompt": {"context": [{"id": "S1", "text": "x"}, {"id": "S2", "score": float("nan")}]},
            "meta": {"w": float("inf")}}
    assert ds.non_finite(line) == "prompt.context[1].score"
    assert ds.non_finite([1.0, float("-inf")]) == "[1]"
    assert ds.non_finite(float("nan")) == "the line"
