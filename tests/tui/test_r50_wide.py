"""Round 50 (a support agent in `ragtune chat` all day): wide characters and files that keep failing.

The documents list (ctrl+t) padded its path and title columns with str.ljust, which counts characters: a CJK title
or an emoji in a file name is two cells a character, so every column after it moved right and the date was cut
off the line (`2026-12-06 2`). And an ingest over a folder whose broken files failed before said `2 still
unreadable` without naming them (`ragtune ingest` names them and says how to read them again)."""

from __future__ import annotations

from types import SimpleNamespace

from rich.cells import cell_len

from ragtune.tui.data import pad_cells
from ragtune.tui.docsource import DocRow
from ragtune.tui.widgets.doclist import DocumentList, row_text
from tests.tui.fakes import FakeDocuments, ingest_via_prompt, wait_until

from .test_documents import open_documents

WIDE = [
    DocRow(1, "/srv/docs/vacation.md", "Vacation policy", 3, 1714557600.0),
    DocRow(2, "/srv/docs/chinese.md", "休假政策", 1, 1714557600.0),
    DocRow(3, "/srv/docs/emoji 🎉 party.md", "Office party 🎉🎂", 1, 1714557600.0),
    DocRow(4, "/srv/docs/規定/休暇規定のながいなまえ.md", "休暇規定 " * 12, 2, 1714557600.0),
    DocRow(5, "/srv/docs/arabic.md", "سياسة الإجازات", 1, 1714557600.0),
]


def test_pad_cells_counts_cells_not_characters():
    assert pad_cells("休假", 6) == "休假  " and cell_len(pad_cells("a🎉", 5)) == 5
    assert pad_cells("longer", 3) == "longer"  # never cuts: fit_cells does that


def test_a_wide_title_or_file_name_keeps_the_columns_after_it_in_place():
    for width in (60, 79, 119, 249):
        lines = [row_text(row, width).plain for row in WIDE]
        ends = {cell_len(line) for line in lines}
        assert ends == {width} or ends == {cell_len(lines[0])}, (width, [cell_len(x) for x in lines])
        # the date is whole and ends each line, at the same cell
        date = lines[0].rstrip()[-16:]
        assert all(line.rstrip().endswith(date) for line in lines)
        starts = {cell_len(line.rstrip()) for line in lines}
        assert len(starts) == 1, (width, starts)


class WideDocuments(FakeDocuments):
    def list_documents(self):
        self.listed += 1
        return list(WIDE)


async def test_the_documents_list_of_wide_titles_shows_every_date(make_app):
    app = make_app(documents=WideDocuments())
    async with app.run_test(size=(100, 20)) as pilot:
        await open_documents(pilot)
        await pilot.pause()
        doclist = app.screen.query_one(DocumentList)
        width = doclist.scrollable_content_region.width
        lines = ["".join(s.text for s in doclist.render_line(y)) for y in range(len(WIDE))]
        assert all(cell_len(line) == width for line in lines), [cell_len(line) for line in lines]
        dates = {line.rstrip()[-16:] for line in lines}  # whole, at the end of every line
        assert len(dates) == 1 and dates.pop().startswith(("2024-04-", "2024-05-"))


def test_snapshot_documents_list_with_cjk_emoji_and_arabic_titles(snap_compare, settings, monkeypatch):
    """Every date whole and in one column (dates in UTC: the same on every machine)."""
    import time

    import ragtune.tui.widgets.doclist as doclist
    from ragtune.tui.app import create_app
    from tests.tui.fakes import FAKE_ADAPTER_ID, FakeEngine, fake_ingest

    from .test_snapshots import steady

    monkeypatch.setattr(doclist.time, "localtime", time.gmtime)
    app = create_app(settings, engine=FakeEngine(), documents=WideDocuments(), ingest=fake_ingest,
                     adapter=FAKE_ADAPTER_ID)

    async def run_before(pilot):
        await pilot.press("ctrl+t")
        await wait_until(pilot, lambda: getattr(pilot.app.screen, "all", None) is not None, tries=500)
        await steady(pilot)

    assert snap_compare(app, terminal_size=(100, 14), run_before=run_before)


async def test_files_still_unreadable_are_named_with_how_to_read_them_again(make_app, tmp_path):
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "parking.txt").write_text("the car park opens at 7am\n")

    def ingest(settings, paths, *, progress=None, should_stop=None):
        return SimpleNamespace(added=0, updated=0, unchanged=1, chunks_added=0, failed=[],
                               still_unreadable=[(str(folder / "broken.pdf"), "not a PDF file", 1714557600.0),
                                                 (str(folder / "broken.docx"), "not a zip file", 1714557600.0)])

    app = make_app(ingest=ingest)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await ingest_via_prompt(pilot, folder)
        await wait_until(pilot, lambda: app.ingest_status is None and any(
            n.title == "ingested" for n in app._notifications))
        still = [n.message for n in app._notifications if n.title == "still unreadable"]
        assert len(still) == 2
        assert still[0].startswith(f"{folder / 'broken.pdf'}: not a PDF file")
        assert all("ragtune ingest --retry-failed" in m for m in still)
        assert any("2 still unreadable" in n.message for n in app._notifications if n.title == "ingested")
