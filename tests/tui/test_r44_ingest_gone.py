"""The app's ingest says what `ragtune ingest` says of documents whose files are gone (`IngestSummary.prune_lines`:
pruned, not pruned, kept though gone), as plain lines under the title "files gone". Before: the summary carried them
(`ingest_paths` fills `gone` for every caller) and the app showed none, so a renamed file's old document went on
answering without a word."""

from __future__ import annotations

from ragtune.appliance.ingest.summary import IngestSummary
from ragtune.tui.app import default_ingest
from ragtune.tui.screens.chat import ChatScreen
from ragtune.tui.screens.ingest import gone_lines
from tests.tui.fakes import ingest_via_prompt, wait_until


def gone_messages(app) -> list[str]:
    return [n.message for n in app._notifications if n.title == "files gone"]


async def test_a_deleted_files_document_is_named_after_an_ingest_in_the_app(make_app, settings, tmp_path):
    """The real ingest (default_ingest over this home): a folder ingested, one of its files deleted, the folder
    ingested again from the prompt."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "sauna.md").write_text("# Sauna\n\nThe sauna opens at 16:00.\n")
    (docs / "pool.md").write_text("# Pool\n\nThe pool closes at 21:00.\n")
    assert default_ingest(settings, [docs]).added == 2
    (docs / "pool.md").unlink()
    app = make_app(ingest=default_ingest)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await ingest_via_prompt(pilot, docs)
        await wait_until(pilot, lambda: bool(gone_messages(app)), tries=400)
        await wait_until(pilot, lambda: isinstance(app.screen, ChatScreen))
        assert gone_messages(app) == [
            "1 stored document(s) whose files are gone still answer questions (renamed, moved or deleted; "
            "`ragtune ingest --prune` removes them): pool.md"]
        assert any(n.title == "ingested" and n.message.startswith("0 added, 0 updated, 1 unchanged")
                   for n in app._notifications)


async def test_pruned_and_refused_prunes_are_shown_as_the_cli_words_them(make_app, tmp_path):
    summary = IngestSummary(unchanged=1, pruned=["/srv/docs/old.md"], prune_refused=[("/mnt/share", 40)],
                            gone=["/srv/docs/corpus.jsonl#d7"])

    def ingest(settings, paths, *, progress=None, should_stop=None):
        return summary

    (tmp_path / "a.md").write_text("# a\n")
    app = make_app(ingest=ingest)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await ingest_via_prompt(pilot, tmp_path / "a.md")
        await wait_until(pilot, lambda: bool(gone_messages(app)))
        shown = gone_messages(app)
    assert shown == gone_lines(summary) and len(shown) == 3
    assert shown[0] == "pruned 1 document(s) whose files are gone: old.md"
    assert shown[1].startswith("not pruned: /mnt/share holds no document file now but 40 stored document(s) came "
                               "from it")
    assert shown[2].endswith("`ragtune ingest --prune` removes them): corpus.jsonl#d7")


def test_nothing_gone_and_a_summary_without_the_lines_say_nothing():
    from types import SimpleNamespace

    assert gone_lines(IngestSummary(added=2)) == []
    assert gone_lines(SimpleNamespace(added=1)) == []  # a stand-in ingest's summary (tests/tui/fakes.py)
