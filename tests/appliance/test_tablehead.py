"""A source that starts inside a markdown table is shown with its table's header (tablehead.py): a chunk of rows
without the row naming the columns leaves the model to guess which figure is which."""

from __future__ import annotations

from ragtune.appliance.ingest.chunker import chunk_text
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
    def fetch(doc_id: int, ord_: int) -> list[tuple[int, str, int]]:
        assert doc_id == 1
        return [c for c in reversed(chunks) if c[0] < ord_]
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
    assert list(store.chunks_before(doc_id, 3)) == [chunks[2], chunks[1], chunks[0]]
    assert list(store.chunks_before(doc_id, 0)) == []
    [hit] = table_heads([_served(chunks, 3)], store.chunks_before)
    assert hit.table_head == "| City | Lunch | Hotel |\n|---|---|---|"


def _put(store, doc: str, chunks) -> int:
    from .store_helpers import Chunk, unit_vec

    doc_id, _ = store.put_document(path="/d/long.md", sha256="s", title="Long", kind="md", size=len(doc),
                                   doc_date=None, ingested_at=1.0, meta="{}",
                                   chunks=[Chunk(c.ord, c.text, c.start_char, c.end_char) for c in chunks],
                                   vectors=[unit_vec(c.ord) for c in chunks])
    return doc_id


def _hit(doc_id: int, c) -> Hit:
    return Hit(chunk_id=c.ord + 1, doc_id=doc_id, text=c.text, source="long.md", ord=c.ord, start_char=c.start_char,
               end_char=c.end_char)


def _table(head: str, label: str, n: int) -> str:
    return f"| {head} | Lunch | Hotel |\n|---|---|---|\n" + "".join(
        f"| {label} {i} | {10 + i % 7}.00 | {80 + i % 13}.00 |\n" for i in range(n))


def test_a_table_of_any_length_gives_its_header_to_a_chunk_at_its_end(store, tokenizer):
    doc = "# Rates\n\nThe caps below apply.\n\n" + _table("City", "Town", 400) + "\nAfter the table.\n"
    chunks = chunk_text(doc, tokenizer, chunk_tokens=40, overlap_tokens=8)
    doc_id = _put(store, doc, chunks)
    in_rows = [c for c in chunks if c.text.startswith("| Town")]
    assert in_rows[-1].ord - in_rows[0].ord > 20  # far more chunks back than the old look-back of 6
    hits = table_heads([_hit(doc_id, c) for c in in_rows], store.chunks_before)
    assert {h.table_head for h in hits} == {"| City | Lunch | Hotel |\n|---|---|---|"}


def test_tables_back_to_back_each_give_their_own_header(store, tokenizer):
    # a blank line between the first two; the third right below the second; rows after prose have no header
    doc = ("# Rates\n\n" + _table("City", "Town", 120) + "\n" + _table("Port", "Harbour", 120)
           + _table("Camp", "Site", 120) + "Prose ends it.\n" + "".join(f"| Row {i} | {i} | {i} |\n" for i in range(120)))
    chunks = chunk_text(doc, tokenizer, chunk_tokens=40, overlap_tokens=8)
    doc_id = _put(store, doc, chunks)
    want = {"Town": "| City | Lunch | Hotel |\n|---|---|---|", "Harbour": "| Port | Lunch | Hotel |\n|---|---|---|",
            "Site": "| Camp | Lunch | Hotel |\n|---|---|---|", "Row": ""}
    served = [c for c in chunks if c.text.startswith("| ") and c.text.split(" ")[1] in want]
    assert len(served) > 4 * 7  # each table longer than the old look-back of 6 chunks
    for c, h in zip(served, table_heads([_hit(doc_id, c) for c in served], store.chunks_before)):
        assert h.table_head == want[c.text.split(" ")[1]], c.text[:40]


def test_a_chunk_that_starts_at_a_header_row_gets_no_other_header():
    doc = _table("City", "Town", 3) + _table("Port", "Harbour", 3)  # the second right below the first
    at = doc.find("| Port")
    chunks = [(0, doc[:at], 0), (1, doc[at:], at)]
    assert table_heads([_served(chunks, 1)], _before(chunks))[0].table_head == ""
    at = doc.find("|---", at)  # a chunk that starts at the rule: none either
    chunks = [(0, doc[:at], 0), (1, doc[at:], at)]
    assert table_heads([_served(chunks, 1)], _before(chunks))[0].table_head == ""
    chunks = _chunks([DOC.find("| City")])  # and after prose, as before
    assert table_heads([_served(chunks, 1)], _before(chunks))[0].table_head == ""


def test_the_walk_over_chunks_finds_what_the_whole_text_before_gives():
    """Chunks of rows are passed over whole (one search each); a line that may end the walk (not a row, or "--" in
    it) is walked line by line: at any cuts, the header is the one the text before the chunk gives."""
    import random

    lines = ["| A | B |", "|---|---|", "| 1 | -- |", "  | 3 | 4 |", "    | code |", "prose", "", "---", "\t| t |",
             "| :-- | --: |", "|" + "x|" * 350]
    rng = random.Random(7)
    for _ in range(3000):
        doc = "\n".join(rng.choice(lines) for _ in range(rng.randint(1, 12))) + "\n| last | row |"
        cuts = sorted(set(rng.sample(range(1, len(doc)), min(len(doc) - 1, rng.randint(1, 5)))))
        bounds = [0, *cuts, len(doc)]
        chunks = [(i, doc[s:e + rng.randint(0, 3)], s) for i, (s, e) in enumerate(zip(bounds, bounds[1:]))]
        last = chunks[-1]
        hit = Hit(chunk_id=1, doc_id=1, text=last[1], source="d.md", ord=last[0], start_char=last[2],
                  end_char=len(doc))
        [got] = table_heads([hit], _before(chunks))
        [want] = table_heads([hit], _before([(last[0] - 1, doc[:last[2]], 0)]))  # the text before in one piece
        assert got.table_head == want.table_head, (doc, cuts)
