"""Round 52: a table's documents (.xlsx, .csv) are chunked a row a chunk (ingest/table_chunks.py), the kind handed to
the chunker by the ingest run (run.py: `table=` for chunker.TABLE_KINDS); prose is chunked as before. Content invented for the tests (CC0)."""

from __future__ import annotations

from pathlib import Path


from ragtune.appliance.config import Settings
from ragtune.appliance.home import Home
from ragtune.appliance.ingest import chunker, ingest_paths
from ragtune.appliance.ingest.chunker import TABLE_KINDS, chunk_text
from ragtune.appliance.ingest.loaders import LOADER_VERSIONS
from ragtune.appliance.ingest.loaders.delimited import load_csv

ROWS = ["Name,Team,Desk,Extension"] + [f"Person {i} Surname{i},Team {i % 5},D-{100 + i},{4100 + i}" for i in range(40)]
PROSE = ("# Leave policy\n\nStaff get 25 days of leave a year; part-time staff get a share of that. Carry over up to "
         "five days. Ask your manager: they approve leave in the HR system.\n\n") * 12


def _csv(text: str, name: str = "directory.csv"):
    return load_csv(Path("/tmp/r52-h2") / name, text.encode())


def test_table_chunks_hold_one_whole_row_each_with_exact_spans(tokenizer):
    d = _csv("\n".join(ROWS))
    chunks = chunk_text(d.text, tokenizer, chunk_tokens=200, overlap_tokens=40, table=True)
    lines = d.text.splitlines()
    assert [c.text for c in chunks] == lines  # one row a chunk, no overlap, no row cut
    assert [c.ord for c in chunks] == list(range(len(chunks)))
    for c in chunks:
        assert d.text[c.start_char:c.end_char] == c.text


def test_prose_chunking_of_the_same_text_overlaps_inside_rows(tokenizer):
    """What table chunking replaces: 200-token chunks of many rows, the overlap starting inside a row."""
    d = _csv("\n".join(ROWS))
    chunks = chunk_text(d.text, tokenizer, chunk_tokens=200, overlap_tokens=40, table=False)
    assert len(chunks) < len(ROWS) // 4
    assert any(not c.text.startswith("Name: ") for c in chunks[1:])


def test_sheet_heading_and_title_go_with_the_first_row_and_a_wide_row_is_still_cut(tokenizer):
    text = ("## Sheet: Prices\nStationery price list 2025\nItem: Stapler; Price: £6.75\nItem: Toner; Price: £89.00\n"
            "\n## Sheet: Notes\nItem: Paper; Price: £4.20\n")
    got = [c.text for c in chunk_text(text, tokenizer, chunk_tokens=200, overlap_tokens=40, table=True)]
    assert got == ["## Sheet: Prices\nStationery price list 2025\nItem: Stapler; Price: £6.75",
                   "Item: Toner; Price: £89.00", "## Sheet: Notes\nItem: Paper; Price: £4.20"]
    wide = "; ".join(f"Field {i}: value {i}" for i in range(80))
    chunks = chunk_text(f"Item: X; {wide}\nItem: Y; Field: z", tokenizer, chunk_tokens=100, overlap_tokens=20,
                        table=True)
    assert len(chunks) > 3 and chunks[-1].text == "Item: Y; Field: z"
    assert all(c.text.endswith(";") for c in chunks[:-2])  # cut between labelled values, as before


def test_table_kinds_pick_table_chunking_and_prose_is_unchanged(tokenizer):
    d = _csv("\n".join(ROWS))
    assert len(chunk_text(d.text, tokenizer, table=True)) == len(ROWS) - 1
    assert TABLE_KINDS == {"xlsx", "csv", "ods"}
    assert chunk_text(PROSE, tokenizer, table=False) == chunk_text(PROSE, tokenizer)


def test_pipeline_hands_the_kind_to_the_chunker(tmp_path, fake, monkeypatch):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "directory.csv").write_text("\n".join(ROWS) + "\n", encoding="utf-8")
    (docs / "policy.md").write_text(PROSE, encoding="utf-8")
    seen: list = []
    real = chunker.chunk_text

    def spy(text, *a, **kw):
        seen.append(kw.get("table"))
        return real(text, *a, **kw)

    monkeypatch.setattr("ragtune.appliance.ingest.run.chunk_text", spy)
    settings = Settings(home=Home(tmp_path / "home"))
    s = ingest_paths(settings, [docs], embedder=fake)
    assert s.added == 2 and sorted(seen) == [False, True]
    from ragtune.appliance.store import Store

    with Store(settings.home.db_path) as st:
        texts = [t for _, _, _, t in st.iter_chunk_texts(None)]
    assert "Name: Person 33 Surname33; Team: Team 3; Desk: D-133; Extension: 4133" in texts


def test_table_kinds_loader_versions_bumped():
    """Homes chunked before round 52's table chunks re-read their spreadsheets and CSV files (their chunking changed;
    xlsx and csv were at 3 when it came; .ods, new in the same round, is read so from its first version), and every
    kind written by tablerows.py is chunked as a table."""
    assert LOADER_VERSIONS["xlsx"] >= 4 and LOADER_VERSIONS["csv"] >= 4
    assert chunker.TABLE_KINDS == {"xlsx", "csv", "ods"}
