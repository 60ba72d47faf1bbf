"""What an evaluation set's author is told (round 47):
- a qrels TSV without its header row was refused at line 1: a first row of three tab-separated fields whose third is
  an integer is a judgement; a TREC qrels file (`qid 0 docid score`) or space-separated columns are still refused,
  but the message says what the file looks like and gives the line that converts it;
- a set where no query is labelled got only the report's "no labelled questions": the dataset's note now says which
  metadata keys are missing, the first query's file:line, and how to write a label."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from ragtune.appliance.beir import load_qrels
from ragtune.appliance.errors import InputError
from ragtune.appliance.eval.datasets import load_beir
from tests.appliance.eval_fakes import write_beir


def _qrels(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "test.tsv"
    p.write_bytes(text.encode())
    return p


@pytest.mark.parametrize("text", ["q1\td1\t1\nq2\td2\t0\n", "\ufeffq1\td1\t1\r\nq2\td2\t0\r\n"])
def test_qrels_without_a_header_are_read_from_line_1(tmp_path, text):
    lines: dict = {}
    assert load_qrels(_qrels(tmp_path, text), line_of=lines) == {"q1": {"d1": 1}, "q2": {"d2": 0}}
    assert lines == {("q1", "d1"): 1, ("q2", "d2"): 2}
    with_header = _qrels(tmp_path, "query-id\tcorpus-id\tscore\n" + text.lstrip("\ufeff"))
    assert load_qrels(with_header) == {"q1": {"d1": 1}, "q2": {"d2": 0}}  # as before


@pytest.mark.parametrize("first", ["q1\td1\t1.0", "q1\td1\trelevant", "id\tdoc\tscore", "q1\td1"])
def test_an_ambiguous_first_row_is_still_refused_at_line_1(tmp_path, first):
    with pytest.raises(InputError, match=r"test\.tsv:1: expected header 'query-id<TAB>corpus-id<TAB>score' \(or, "
                                         r"without one, a first judgement"):
        load_qrels(_qrels(tmp_path, first + "\nq2\td2\t1\n"))


def _convert(message: str, path: Path) -> None:
    """Run the awk line the message gives (as a shell would) and put the result in place."""
    cmd = message.split("e.g. ", 1)[1].split(", then replace", 1)[0]
    subprocess.run(cmd, shell=True, check=True, cwd=path.parent)
    path.with_name(path.name + ".new").replace(path)


@pytest.mark.parametrize("text, says", [
    ("q1 0 d1 1\nq1 0 d2 0\nq2 0 d2 2\n", "looks like a TREC qrels file (query-id, iteration, corpus-id, score): "
                                          "drop the second column"),
    ("q1\t0\td1\t1\nq1\t0\td2\t0\nq2\t0\td2\t2\n", "looks like a TREC qrels file"),
    ("q1 d1 1\nq1 d2 0\nq2 d2 2\n", "the fields are separated by spaces: BEIR qrels separate them with tabs"),
    ("query-id corpus-id score\nq1 d1 1\nq1 d2 0\nq2 d2 2\n", "separated by spaces"),
])
@pytest.mark.skipif(shutil.which("awk") is None, reason="the hint's conversion line needs awk")
def test_trec_and_space_separated_qrels_say_how_to_convert_them(tmp_path, text, says):
    path = _qrels(tmp_path, text)
    with pytest.raises(InputError) as exc:
        load_qrels(path)
    msg = str(exc.value)
    assert "test.tsv:1: " in msg, msg
    assert says in msg and "awk '" in msg, msg
    _convert(msg, path)  # the line it gives does convert the file
    assert load_qrels(path) == {"q1": {"d1": 1, "d2": 0}, "q2": {"d2": 2}}


def test_a_space_separated_row_after_the_header_gets_the_hint(tmp_path):
    with pytest.raises(InputError, match=r":3: expected 3 tab-separated fields, got 1; the fields are separated by "
                                         r"spaces"):
        load_qrels(_qrels(tmp_path, "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2 d2 1\n"))


def test_a_beir_folder_with_headerless_qrels_loads(tmp_path):
    beir = write_beir(tmp_path / "set")
    qrels = beir / "qrels" / "test.tsv"
    qrels.write_text("".join(qrels.read_text().splitlines(keepends=True)[1:]))
    assert len(load_beir(beir).items) == len(write_beir(tmp_path / "ref").joinpath("queries.jsonl").read_text()
                                              .splitlines())


def test_a_set_with_no_label_says_what_to_write(tmp_path):
    beir = write_beir(tmp_path / "set")
    path = beir / "queries.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    for row in rows:
        row["metadata"] = {"context_id": row["metadata"]["context_id"]}
    path.write_text("\n\n" + "\n".join(json.dumps(r) for r in rows) + "\n")  # the first query is on line 3
    ds = load_beir(beir)
    assert ds.summary()["n_unlabeled"] == len(rows)
    note = next(n for n in ds.notes if n.startswith("no query is labelled"))
    assert "neither `answers` (a list of strings) nor `answerable` (true or false)" in note, note
    assert f"{path}:3: query {rows[0]['_id']}" in note, note
    example = note.split("e.g. ", 1)[1].split(" or,", 1)[0]
    assert json.loads(example)["metadata"] == {"answers": ["the answer"]}  # the example is valid JSON
    assert '{"metadata": {"answerable": false}}' in note
    assert not any("neither metadata.answers" in n for n in ds.notes)  # said once
