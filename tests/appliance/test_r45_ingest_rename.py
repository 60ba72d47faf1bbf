"""Round 45: a renamed or moved file (same bytes, new path, old file gone) is the stored document, moved: it keeps its
id, chunks and vectors and nothing is embedded again (it was a new document embedded in full, the old one pruned or
left answering); a copy (the old file still there) is a new document as before; the summary says `renamed: a → b`."""

from __future__ import annotations

import json
import shutil

import pytest

from ragtune.appliance.ingest.pipeline import ingest_paths
from ragtune.appliance.store import Store
from ragtune.cli import main

from .ingest_helpers import FakeEmbedder


def _note(i: int) -> str:
    return f"# Note {i}\n\n" + f"Paragraph {i} is about topic {i} and nothing else. " * 40


@pytest.fixture
def docs(tmp_path):
    d = tmp_path / "docs"
    d.mkdir()
    for i in range(20):
        (d / f"note{i:02d}.md").write_text(_note(i), encoding="utf-8")
    return d


def _rows(settings) -> dict[str, tuple[int, list[int]]]:
    """path -> (document id, its chunk ids)."""
    with Store(settings.home.db_path) as st:
        return {d["path"]: (d["id"], st.chunk_ids_of_documents([d["id"]])) for d in st.documents()}


@pytest.mark.parametrize("prune", [False, True])
def test_renaming_20_files_embeds_nothing_and_keeps_ids(settings, fake, docs, prune):
    first = ingest_paths(settings, [docs], embedder=fake)
    assert first.added == 20 and fake.encoded == first.chunks_added == 60
    before = _rows(settings)
    for i in range(20):
        (docs / f"note{i:02d}.md").rename(docs / f"renamed{i:02d}.md")
    fake.encoded = fake.calls = 0
    s = ingest_paths(settings, [docs], embedder=fake, prune=prune)
    assert fake.encoded == 0 and fake.calls == 0  # was 60 chunks, one embed call
    assert s.added == 0 and s.deleted == 0 and s.pruned == [] and s.gone == [] and s.unchanged == 20
    assert sorted(s.renamed) == [(str(docs / f"note{i:02d}.md"), str(docs / f"renamed{i:02d}.md")) for i in range(20)]
    after = _rows(settings)
    assert after == {p.replace("/note", "/renamed"): v for p, v in before.items()}  # same ids, same chunk ids
    assert s.index_version > first.index_version  # a cached result naming the old path is not served
    again = ingest_paths(settings, [docs], embedder=fake, prune=prune)
    assert again.renamed == [] and again.unchanged == 20 and again.index_version == s.index_version


def test_a_moved_folder_keeps_its_documents(settings, fake, docs, tmp_path):
    ingest_paths(settings, [docs], embedder=fake)
    before = _rows(settings)
    archive = tmp_path / "archive"
    archive.mkdir()
    shutil.move(str(docs), str(archive / "docs"))
    fake.encoded = 0
    s = ingest_paths(settings, [archive], embedder=fake)  # the old folder is not even given
    assert fake.encoded == 0 and len(s.renamed) == 20 and s.added == 0
    moved = str(archive / "docs")
    assert _rows(settings) == {p.replace(str(docs), moved): v for p, v in before.items()}


def test_query_log_chunks_still_resolve_after_a_rename(settings, fake, docs):
    ingest_paths(settings, [docs], embedder=fake)
    doc_id, chunk_ids = _rows(settings)[str(docs / "note03.md")]
    (docs / "note03.md").rename(docs / "three.md")
    ingest_paths(settings, [docs], embedder=fake, prune=True)
    with Store(settings.home.db_path) as st:  # what `log show` reads for a logged source's chunk id
        rows = st.chunks_by_ids(chunk_ids)
    assert sorted(rows) == sorted(chunk_ids)
    assert {r["source"] for r in rows.values()} == {str(docs / "three.md")}
    assert {r["doc_id"] for r in rows.values()} == {doc_id}


def test_a_copy_is_a_new_document_as_before(settings, fake, docs):
    """The old path is still there: a copy. Today's behaviour, measured: the copy's chunks are embedded again (vectors
    are reused only within one document's replacement, not across documents)."""
    ingest_paths(settings, [docs], embedder=fake)
    shutil.copy(docs / "note00.md", docs / "copy.md")
    fake.encoded = 0
    s = ingest_paths(settings, [docs], embedder=fake, prune=True)
    assert s.renamed == [] and s.added == 1 and fake.encoded == s.chunks_added == 3
    assert str(docs / "note00.md") in _rows(settings) and str(docs / "copy.md") in _rows(settings)


def test_renamed_and_copied_at_once_moves_one(settings, fake, docs):
    ingest_paths(settings, [docs], embedder=fake)
    doc_id = _rows(settings)[str(docs / "note05.md")][0]
    shutil.copy(docs / "note05.md", docs / "a.md")
    (docs / "note05.md").rename(docs / "b.md")
    s = ingest_paths(settings, [docs], embedder=fake, prune=True)
    assert s.renamed == [(str(docs / "note05.md"), str(docs / "a.md"))] and s.added == 1  # walk order: a.md first
    assert _rows(settings)[str(docs / "a.md")][0] == doc_id


def test_another_kind_is_not_a_move(settings, fake, docs):
    ingest_paths(settings, [docs], embedder=fake)
    (docs / "note01.md").rename(docs / "note01.txt")  # read by another loader: another text
    s = ingest_paths(settings, [docs], embedder=fake, prune=True)
    assert s.renamed == [] and s.added == 1 and s.pruned == [str(docs / "note01.md")]


def test_a_title_from_the_file_name_follows_the_rename(settings, tokenizer, tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    (d / "travel_policy.md").write_text("Trains are booked in second class. " * 30, encoding="utf-8")  # no heading
    (d / "leave.md").write_text("# Leave\n\nTwenty-five days a year. " * 3, encoding="utf-8")
    fake = FakeEmbedder(tokenizer)
    ingest_paths(settings, [d], embedder=fake)
    before = _rows(settings)
    (d / "travel_policy.md").rename(d / "expenses_and_trains.md")
    (d / "leave.md").rename(d / "holidays.md")
    fake.encoded = 0
    s = ingest_paths(settings, [d], embedder=fake, prune=True)
    assert len(s.renamed) == 2 and s.added == 0 and s.deleted == 0
    with Store(settings.home.db_path) as st:
        titles = {x["path"]: (x["id"], x["title"]) for x in st.documents()}
    assert titles[str(d / "expenses_and_trains.md")] == (before[str(d / "travel_policy.md")][0], "expenses and trains")
    assert titles[str(d / "holidays.md")] == (before[str(d / "leave.md")][0], "Leave")
    # the title is embedded with each chunk: the retitled document's chunks are embedded again, the other's not
    assert fake.encoded == len(before[str(d / "travel_policy.md")][1])
    assert s.unchanged == 1 and s.updated == 1


def test_the_cli_says_renamed(home, settings, docs, tokenizer, monkeypatch, capsys):
    import ragtune.appliance.embed

    monkeypatch.setattr(ragtune.appliance.embed, "Embedder", lambda cfg, h: FakeEmbedder(tokenizer))
    root = ["--home", str(home.root)]
    assert main(root + ["ingest", str(docs)]) == 0
    (docs / "note00.md").rename(docs / "first.md")
    capsys.readouterr()
    assert main(root + ["ingest", str(docs)]) == 0
    out = capsys.readouterr().out
    assert "renamed: note00.md → first.md" in out and "gone" not in out
    (docs / "note01.md").rename(docs / "first.md.bak.md")
    sub = docs / "sub"
    sub.mkdir()
    (docs / "first.md").rename(sub / "first.md")
    assert main(root + ["ingest", str(docs), "--json"]) == 0
    got = json.loads(capsys.readouterr().out)["renamed"]
    assert {"from": str(docs / "first.md"), "to": str(sub / "first.md")} in got and len(got) == 2
