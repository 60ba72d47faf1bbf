"""Round 44 follow-ups to ingest: a document stored earlier through a symlink that is no longer followed (its target
outside the given folders) is gone, not a stale failure (`--prune` removes it, a run without it lists it as gone);
`ingest --follow-outside-links`; the ignored line names a Mac's junk in words that fit; the embedded vectors of a
flush fill one array (they were held twice while slabs were joined)."""

from __future__ import annotations

import json
import tracemalloc

import numpy as np
import pytest

import ragtune.appliance.ingest.run as run_mod
from ragtune.appliance.ingest.chunker import embedding_text
from ragtune.appliance.ingest.pipeline import ingest_paths
from ragtune.appliance.ingest.summary import IngestSummary
from ragtune.appliance.ingest.walk import MAC_JUNK, NO_EXTENSION, OUTSIDE_LINK
from ragtune.appliance.store import Store
from ragtune.cli import main

from .ingest_helpers import FakeEmbedder


@pytest.fixture
def cli_fake(monkeypatch, tokenizer):
    import ragtune.appliance.embed

    monkeypatch.setattr(ragtune.appliance.embed, "Embedder", lambda cfg, home: FakeEmbedder(tokenizer))


@pytest.fixture
def share(tmp_path):
    """A shared folder with a document, and links to a private file and a private folder outside it."""
    share = tmp_path / "share"
    share.mkdir()
    (share / "expenses.md").write_text("# Expenses\n\nClaims within 60 days.\n", encoding="utf-8")
    private = tmp_path / "private"
    (private / "notes").mkdir(parents=True)
    (private / "diary.md").write_text("# Diary\n\nMy private diary entry.\n", encoding="utf-8")
    (private / "notes" / "plans.md").write_text("# Plans\n\nSecret holiday plans.\n", encoding="utf-8")
    (share / "diary.md").symlink_to(private / "diary.md")
    (share / "notes").symlink_to(private / "notes")
    return share


def _paths(settings) -> list[str]:
    with Store(settings.home.db_path) as st:
        return sorted(d["path"] for d in st.documents())


def _stored_before(settings, fake, share) -> list[str]:
    """What an ingest of round 43 (or one with follow_outside_links) stored: the documents behind the links too."""
    s = ingest_paths(settings, [share], embedder=fake, follow_outside_links=True)
    assert s.added == 3 and not s.failed
    behind = [str(share / "diary.md"), str(share / "notes" / "plans.md")]
    assert _paths(settings) == sorted([str(share / "expenses.md"), *behind])
    return behind


# -- 1a: documents behind a link no longer followed -------------------------------------------------------------------
def test_prune_removes_documents_stored_through_a_link_no_longer_followed(settings, fake, share):
    behind = _stored_before(settings, fake, share)
    s = ingest_paths(settings, [share], embedder=fake, prune=True)
    assert {p for p, _ in s.failed} == {str(share / "diary.md"), str(share / "notes")}
    assert all(r.startswith(OUTSIDE_LINK) for _, r in s.failed)
    assert sorted(s.pruned) == behind and s.deleted == 2  # the file link's document was kept, stale
    assert s.stale == [] and s.gone == []
    assert _paths(settings) == [str(share / "expenses.md")]


def test_without_prune_they_are_gone_not_stale(settings, fake, share):
    behind = _stored_before(settings, fake, share)
    s = ingest_paths(settings, [share], embedder=fake)
    assert s.stale == []  # was: the diary marked stale ("failed to re-ingest") and served as such
    assert s.gone == behind and s.deleted == 0
    with Store(settings.home.db_path) as st:
        assert all("stale" not in d["meta"] for d in st.documents())
    again = ingest_paths(settings, [share], embedder=fake, prune=True)
    assert sorted(again.pruned) == behind


def test_a_corpus_file_behind_a_link_is_gone_row_by_row(settings, fake, share, tmp_path):
    corpus = tmp_path / "private" / "corpus.jsonl"
    corpus.write_text('{"_id": "d1", "title": "One", "text": "First row text."}\n'
                      '{"_id": "d2", "title": "Two", "text": "Second row text."}\n', encoding="utf-8")
    (share / "corpus.jsonl").symlink_to(corpus)
    ingest_paths(settings, [share], embedder=fake, follow_outside_links=True)
    rows = [f"{share / 'corpus.jsonl'}#d1", f"{share / 'corpus.jsonl'}#d2"]
    assert set(rows) <= set(_paths(settings))
    s = ingest_paths(settings, [share], embedder=fake)
    assert set(rows) <= set(s.gone) and s.stale == []
    s = ingest_paths(settings, [share], embedder=fake, prune=True)
    assert set(rows) <= set(s.pruned) and not set(rows) & set(_paths(settings))


def test_an_unreadable_file_is_still_kept_stale(settings, fake, share):
    """Other walk failures are unchanged: a file that is there but cannot be read keeps its stored version."""
    _stored_before(settings, fake, share)
    (share / "expenses.md").write_bytes(b"")  # fails to re-ingest: empty
    s = ingest_paths(settings, [share], embedder=fake, prune=True)
    assert [p for p, _ in s.stale] == [str(share / "expenses.md")]
    assert str(share / "expenses.md") in _paths(settings)


def test_the_cli_lists_them_as_gone_and_follows_them_when_asked(home, settings, share, cli_fake, capsys):
    root = ["--home", str(home.root)]
    assert main(root + ["ingest", str(share), "--follow-outside-links", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["added"] == 3 and out["failed"] == []
    assert main(root + ["ingest", str(share)]) == 0
    text = capsys.readouterr().out
    assert "2 stored document(s) whose files are gone still answer questions" in text
    assert "diary.md" in text.split("gone still answer questions")[1]
    assert "kept the stored (older) version" not in text  # not stale
    assert main(root + ["ingest", str(share), "--prune", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert sorted(out["pruned"]) == [str(share / "diary.md"), str(share / "notes" / "plans.md")]
    assert _paths(settings) == [str(share / "expenses.md")]


def test_the_flag_is_in_the_help(capsys):
    assert main(["ingest", "--help"]) == 0
    assert "--follow-outside-links" in capsys.readouterr().out


# -- 2: the ignored line ----------------------------------------------------------------------------------------------
def test_mac_junk_is_not_called_an_extension():
    only = IngestSummary(ignored=7, ignored_exts={MAC_JUNK: 7})
    assert only.ignored_line() == "ignored 7 macOS metadata file(s) (._*, .DS_Store)"
    mixed = IngestSummary(ignored=10, ignored_exts={MAC_JUNK: 7, ".csv": 2, NO_EXTENSION: 1})
    assert mixed.ignored_line() == \
        "ignored 3 file(s) with other extensions (.csv ×2, no extension ×1) and 7 macOS metadata file(s)"
    assert mixed.to_json()["ignored_exts"] == {MAC_JUNK: 7, ".csv": 2, NO_EXTENSION: 1}  # the --json key as is
    many = IngestSummary(ignored=12, ignored_exts={".a": 1, ".b": 1, ".c": 1, ".d": 1, ".e": 1, MAC_JUNK: 7})
    assert many.ignored_line() == \
        "ignored 5 file(s) with other extensions (.a ×1, .b ×1, .c ×1, .d ×1, …) and 7 macOS metadata file(s)"
    assert IngestSummary(ignored=2, ignored_exts={".csv": 2}).ignored_line() == \
        "ignored 2 file(s) with other extensions (.csv ×2)"  # as before


# -- 5: one array for a flush's vectors -------------------------------------------------------------------------------
class _QuickEmbedder(FakeEmbedder):
    """Constant vectors, at once: the flush's own memory is what is measured (no token ids: texts are encoded)."""

    token_ids = None  # type: ignore[assignment]

    def encode(self, texts):
        self.calls += 1
        return np.full((len(texts), self.dim), 1 / np.sqrt(self.dim), dtype=np.float32)


def test_a_flush_holds_its_vectors_once(settings, tmp_path, tokenizer, monkeypatch):
    small = settings.replace("ingest", chunk_tokens=16, overlap_tokens=0)
    d = tmp_path / "d"
    d.mkdir()
    (d / "big.txt").write_text("\n\n".join(f"Line {i} alpha beta gamma." for i in range(10000)), encoding="utf-8")
    seen: dict[str, float] = {}
    real_flush, real_write = run_mod._Run.flush, run_mod._Run.write

    def flush(self, *a, **k):
        tracemalloc.start()
        tracemalloc.reset_peak()
        seen["base"] = tracemalloc.get_traced_memory()[0]
        try:
            return real_flush(self, *a, **k)
        finally:
            tracemalloc.stop()

    def write(self, p):
        if "peak" not in seen:  # every vector is embedded by the first write: the flush's peak so far
            seen["peak"] = tracemalloc.get_traced_memory()[1] - seen["base"]
            seen["vectors"] = len(p.chunks) * 384 * 4
        return real_write(self, p)

    monkeypatch.setattr(run_mod._Run, "flush", flush)
    monkeypatch.setattr(run_mod._Run, "write", write)
    s = ingest_paths(small, [d], embedder=_QuickEmbedder(tokenizer))
    assert s.added == 1 and s.chunks_added >= 5000
    # the vectors once, and a little: was twice (the slabs, and the array they were joined into)
    assert seen["peak"] < 1.5 * seen["vectors"], seen


def test_flushed_vectors_are_those_embedded(settings, fake, tmp_path):
    small = settings.replace("ingest", chunk_tokens=16, overlap_tokens=2)
    d = tmp_path / "d"
    d.mkdir()
    (d / "a.txt").write_text("\n\n".join(f"Paragraph {i} about rivers{i} and hills." for i in range(400)))
    ingest_paths(small, [d], embedder=fake)
    with Store(small.home.db_path) as st:
        (doc,) = st.documents()
        rows = st.conn.execute("SELECT c.text, c.n_tokens, v.embedding FROM chunks c JOIN chunk_vec v "
                               "ON v.rowid = c.id WHERE c.doc_id = ? ORDER BY c.ord", (doc["id"],)).fetchall()
    assert len(rows) > 2 * run_mod.EMBED_SLAB
    for text, n_tokens, blob in rows:
        want = fake.encode([embedding_text(doc["title"], text, n_tokens, fake.tokenizer, fake.max_seq_len)])[0]
        assert np.allclose(np.frombuffer(blob, dtype=np.float32), want, atol=1e-6)
