"""benchmarks/doc_tables_build.py, the one .docx/.odt writer of the table benchmarks (r54_doc_tables_data.py,
r55_doc_table_shapes_data.py, r56_group_rows_data.py): its title row, group rows and header marks read through the
product's loaders as the sets expect, and each set's documents are written by it."""
from __future__ import annotations

import runpy
from pathlib import Path

import pytest

from ragtune.appliance.ingest.loaders import load_file

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
BUILD = runpy.run_path(str(BENCH / "doc_tables_build.py"))

# an invented choir rota (CC0)
BEFORE = ["## Rehearsals", "The choir rehearses twice a week in the church hall; sections rehearse apart before "
          "the concert."]
HEADER = ("Day", "Room", "Leader")
ROWS = ["Sopranos", ("Tuesday", "Vestry", "Carla Munro"), ("Friday", "Hall", "Ivo Petrov"),
        "Basses", ("Tuesday", "Hall", "Ned Farrow"), ("Friday", "", "Ned Farrow")]
AFTER = ["Bring your own folder.", "## Concert", "The concert is on 12 December."]


def _text(tmp_path: Path, name: str, **kw) -> str:
    BUILD["write"](tmp_path / name, "Choir rota", BEFORE, HEADER, ROWS, AFTER, **kw)
    return load_file(tmp_path / name).text


# (a table style's first-row formatting falls on the title row when there is one, so "style" goes without)
@pytest.mark.parametrize("name,mark,top", [("rota.docx", "bold", "Autumn term"), ("rota.docx", "repeat", "Autumn term"),
                                           ("rota.docx", "style", None), ("rota.odt", "heading-rows", "Autumn term"),
                                           ("rota.odt", "heading-style", None)])
def test_a_marked_header_labels_the_rows_and_group_rows_carry_onto_theirs(tmp_path, name, mark, top):
    text = _text(tmp_path, name, mark=mark, top=top)
    lines = text.split("\n")
    assert "# Choir rota" in lines and "## Rehearsals" in lines and "## Concert" in lines
    assert top is None or top in lines
    assert any("Day: Tuesday (Sopranos)" in ln and "Carla Munro" in ln for ln in lines), text
    assert any("Day: Tuesday (Basses)" in ln and "Ned Farrow" in ln for ln in lines), text
    assert not any("Carla Munro" in ln and "Basses" in ln for ln in lines)


@pytest.mark.parametrize("name,docx_options", [("rota.docx", {"grid": None}), ("rota.docx", {}), ("rota.odt", {})])
def test_an_unmarked_header_stays_a_plain_row(tmp_path, name, docx_options):
    text = _text(tmp_path, name, **docx_options)
    assert "Day | Room | Leader" in text
    assert "Day: Tuesday" not in text


@pytest.mark.parametrize("data", ["r54_doc_tables_data", "r55_doc_table_shapes_data", "r56_group_rows_data"])
def test_each_set_writes_its_documents_with_the_one_writer(tmp_path, data):
    mod = runpy.run_path(str(BENCH / f"{data}.py"))
    assert "docx_bytes" not in mod and "odt_bytes" not in mod and mod["BUILD"]["write"].__name__ == "write"
    mod["build"](tmp_path)
    for name, doc in mod["DOCS"].items():
        text = load_file(tmp_path / name).text
        header = doc[2] if data == "r56_group_rows_data" else doc[-2][0]  # r56 gives its header apart
        labelled = f"; {header[1]}: " in text
        assert labelled == (mod["MARKS"][name] is not None), (name, text)
    for qid, _, gold, _, accept in mod["Q"]:
        if gold and gold in mod["DOCS"]:
            assert any(a in load_file(tmp_path / gold).text.lower() for a in accept), qid
