"""Titles an office share's documents get (round 42): a plain-text memo's first line when it stands alone as a title,
else the file name; the text itself is unchanged."""

from __future__ import annotations

import pytest

from ragtune.appliance.ingest.loaders import LOADER_VERSIONS, load_file


def _load(tmp_path, name, raw: bytes):
    p = tmp_path / name
    p.write_bytes(raw)
    return load_file(p)


@pytest.mark.parametrize("raw, title", [
    (b"Parking during the resurfacing works\n\nFrom 3 June the north car park is closed.\n",
     "Parking during the resurfacing works"),
    (b"MEMO: IT password rotation\n\nChange it by 30 September.\n", "MEMO: IT password rotation"),
    (b"\n\n  Server room access  \r\n\r\nThe badge list is reviewed every quarter.\r\n", "Server room access"),
    (b"Who to call when the lift breaks?\n\nFacilities, extension 2231.\n", "Who to call when the lift breaks?"),
    (b"Visitor wifi\n============\n\nThe password changes monthly.\n", "Visitor wifi"),  # underlined
    (b"Canteen closed on Friday\n", "Canteen closed on Friday"),  # a one-line file
    ("Café opening hours\n\nFrom 8 until 4.\n".encode("utf-16"), "Café opening hours"),  # Notepad's "Unicode"
])
def test_a_first_line_that_stands_alone_is_the_title(tmp_path, raw, title):
    d = _load(tmp_path, "memo_2024-06.txt", raw)
    assert d.title == title
    assert d.text.lstrip().startswith(title)  # the title line stays in the text: chunks are what they were


@pytest.mark.parametrize("raw", [
    b"Please remember the fire alarm test is on Wednesday at 10:00.\n\nIt lasts a minute.\n",  # a sentence
    b"The quarterly numbers are in and we have\nbeaten the target by four percent.\n",  # hard-wrapped prose
    b"2024-05-01 12:00:01 INFO starting\n2024-05-01 12:00:02 INFO ready\n",  # a log
    b"name,dept,ext\nAlma,HR,2201\n",  # a CSV export saved as .txt
    b"Hi all,\n\nThe printer on floor 3 is fixed.\n",  # a greeting
    b"Agenda:\n\n1. Budget\n2. Parking\n",  # an opening, not a title
    b"2024-06-03\n\nNotes from the stand-up.\n",  # no letters
    b"=====================\n\nBody text here.\n",
    ("x" * 101 + "\n\nBody.\n").encode(),  # too long for a title
])
def test_otherwise_the_file_name_is_the_title(tmp_path, raw):
    assert _load(tmp_path, "memo_2024-06.txt", raw).title == "memo 2024 06"


def test_txt_loader_version_was_bumped_so_stored_memos_get_their_titles():
    # stored .txt documents are re-read on the next ingest (only chunks whose embedding text changed re-embed)
    assert LOADER_VERSIONS["txt"] >= 7
