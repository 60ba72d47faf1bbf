"""A source that starts inside a markdown table is shown with its table's header (tablehead.py): a chunk of rows
without the row naming the columns leaves the model to guess which figure is which."""

from __future__ import annotations

from ragtune.appliance.prompt import context_from_hits
from ragtune.appliance.tablehead import head_before, table_heads
from ragtune.appliance.types import Hit

DOC = ("# Travel rates\n\nThe caps below apply from 1 April.\n\n| City | Lunch | Hotel |\n|---|---|---|\n"
       "| Avonmere | 12.00 | 90.00 |\n| Brackley | 13.00 | 95.00 |\n| Copperfield | 13.50 | 99.00 |\n\nAfter the table.")
AT = DOC.find("| Brackley")


def _chunks(cuts: list[int], overlap: int = 0) -> list[tuple[int, str, int]]:
    """(ord, text, start_char) of DOC cut at `cuts` (each chunk reaching `overlap` characters into the next)."""
    bounds = [0, *cuts, len(DOC)]
    return [(i, DOC[s:min(len(DOC), e + overlap)], s) for i, (s, e) in enumerate(zip(bounds, bounds[1:]))]


def _served(chunks, i: int) -> Hit:
    o, text, s = chunks[i]
    return Hit(chunk_id=o + 1, doc_id=1, text=text, source="rates.md", ord=o, start_char=s, end_char=s + len(text))


def _before(chunks):
    def fetch(doc_id: int, ord_: int, n: int) -> list[tuple[int, str, int]]:
        assert doc_id == 1
        return [c for c in reversed(chunks) if ord_ - n <= c[0] < ord_]
    return fetch


def test_a_chunk_of_rows_gets_its_tables_header_from_the_chunk_before():
    chunks = _chunks([AT], overlap=12)
    [hit] = table_heads([_served(chunks, 1)], _before(chunks))
    assert hit.table_head == "| City | Lunch | Hotel |\n|---|---|---|"
    assert hit.text == DOC[AT:] and hit.start_char == AT  # the chunk itself is unchanged
    [ctx] = context_from_hits([hit])
    assert ctx.text == "| City | Lunch | Hotel |\n|---|---|---|\n" + DOC[AT:]


def test_the_header_is_found_across_several_chunks_of_rows():
    third = DOC.find("| Copperfield")
    chunks = _chunks([DOC.find("| Avonmere"), AT, third])
    [hit] = table_heads([_served(chunks, 3)], _before(chunks))
    assert hit.table_head == "| City | Lunch | Hotel |\n|---|---|---|"


def test_no_header_where_the_table_starts_in_the_chunk_or_the_chunk_is_prose():
    chunks = _chunks([DOC.find("The caps"), DOC.find("After")])
    hits = table_heads([_served(chunks, 1), _served(chunks, 2), _served(chunks, 0)], _before(chunks))
    assert [h.table_head for h in hits] == ["", "", ""]


def test_rows_after_a_line_that_is_not_a_row_have_no_header():
    assert head_before("| A | B |\n|---|---|\n| 1 | 2 |\nA paragraph between.\n") == ""
    assert head_before("| 1 | 2 |\n| 3 | 4 |\n") == ""  # a table without a rule: no header to show
    assert head_before("| A | B |\n| :-- | --: |\n| 1 | 2 |\n") == "| A | B |\n| :-- | --: |"


def test_a_gap_in_the_chunks_before_stops_the_search():
    chunks = _chunks([DOC.find("| Avonmere"), AT])
    gap = [(0, chunks[0][1][:10], 0), chunks[1]]  # chunk 0 does not reach chunk 1: the text before is not whole
    [hit] = table_heads([_served(chunks, 2)], _before(gap + [chunks[2]]))
    assert hit.table_head == ""


def test_the_store_gives_the_chunks_before_nearest_first(store):
    from .store_helpers import Chunk, unit_vec

    chunks = _chunks([DOC.find("| Avonmere"), AT, DOC.find("| Copperfield")])
    doc_id, _ = store.put_document(path="/d/rates.md", sha256="s", title="Rates", kind="md", size=len(DOC),
                                   doc_date=None, ingested_at=1.0, meta="{}",
                                   chunks=[Chunk(o, t, s, s + len(t)) for o, t, s in chunks],
                                   vectors=[unit_vec(o) for o, _, _ in chunks])
    assert store.chunks_before(doc_id, 3, 2) == [chunks[2], chunks[1]]
    assert store.chunks_before(doc_id, 0, 6) == []
    [hit] = table_heads([_served(chunks, 3)], store.chunks_before)
    assert hit.table_head == "| City | Lunch | Hotel |\n|---|---|---|"
