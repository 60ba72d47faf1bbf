"""`ragtune docs show|remove|list --under` with a name typed composed ("é" one character) for a file stored
decomposed ("e" + U+0301: a Mac's name, unzipped or copied to Linux), and the other way round (round 43): the two look
the same in `docs list`, but were "no ingested document matches"."""

from __future__ import annotations

import unicodedata

import pytest

from ragtune.appliance.errors import InputError
from ragtune.appliance.ingest.documents import list_documents, remove_documents, show_document
from ragtune.appliance.ingest.pipeline import ingest_paths


def _nfd(s: str) -> str:
    return unicodedata.normalize("NFD", s)


@pytest.fixture
def stored(settings, tmp_path, fake):
    docs = tmp_path / "docs"
    (docs / "\u00e9quipe").mkdir(parents=True)  # the folder composed, the files in it decomposed
    (docs / "\u00e9quipe" / _nfd("s\u00e9curit\u00e9.md")).write_text("# S\u00e9curit\u00e9\n\nTwo-factor login.\n",
                                                                     encoding="utf-8")
    (docs / _nfd("Qualit\u00e9.md")).write_text("# Qualit\u00e9\n\nISO 9001 since 2019.\n", encoding="utf-8")
    ingest_paths(settings, [docs], embedder=fake)
    return docs


def test_a_name_typed_composed_finds_the_decomposed_file(settings, stored):
    typed = str(stored / "Qualit\u00e9.md")  # as typed on a keyboard
    doc, _ = show_document(settings, typed)
    assert doc.path == _nfd(typed) and doc.title == "Qualit\u00e9"
    mixed = str(stored / "\u00e9quipe" / "s\u00e9curit\u00e9.md")  # the folder's part matches as it is, the name not
    assert show_document(settings, mixed)[0].path.endswith(_nfd("s\u00e9curit\u00e9.md"))
    assert [d.path for d in remove_documents(settings, [typed], dry_run=True).removed] == [_nfd(typed)]


def test_a_folder_typed_decomposed_lists_what_is_under_it(settings, stored):
    under = list_documents(settings, under=_nfd(str(stored / "\u00e9quipe")))
    assert len(under) == 1 and under[0].title == "S\u00e9curit\u00e9"
    assert list_documents(settings, under=str(stored / "\u00e9quipe")) == under


def test_a_name_that_is_not_there_in_any_form_is_still_an_error(settings, stored):
    with pytest.raises(InputError):
        show_document(settings, str(stored / "Qualit\u00e8.md"))  # è, not é
    assert list_documents(settings, under=str(stored / "\u00e9quipes")) == []
