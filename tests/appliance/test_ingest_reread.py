"""Re-reading documents whose loader changed, and re-embedding only the chunks the embedder would see differently
(ingest/reuse.py, the pipeline's use of it): a document stored by an older loader is re-read once; a replaced
document keeps the stored vectors of the chunks whose token ids (as the embedder encodes them: whitespace and case
folded, truncated at its max_seq_len) did not change, byte for byte what embedding them again gives; BEIR rows are
never re-read; a failed re-read keeps what is stored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ragtune.appliance.ingest import loaders as loaders_pkg
from ragtune.appliance.ingest.loaders import LOADER_VERSIONS, LoadError
from ragtune.appliance.ingest.pipeline import ingest_paths
from ragtune.appliance.store import Store

from .ingest_helpers import FakeEmbedder, NarrowEmbedder, write_good

PARAS = [f"Paragraph {i} tells of rivers, boats, locks and the long canals of the lowlands, in some detail. " * 3
         for i in range(24)]


def _long_md(path, paras=PARAS, title="Waterways"):
    path.write_text(f"---\ntitle: {title}\n---\n# Waterways\n\n" + "\n\n".join(paras) + "\n", encoding="utf-8")
    return path


def _rows(settings):
    """(text, start, end, n_tokens, token-ids key, vector blob) of every chunk, in document order."""
    with Store(settings.home.db_path) as s:
        rows = s.query("SELECT c.id, c.text, c.start_char, c.end_char, c.n_tokens, c.embed_ids_sha256 FROM chunks c"
                       " JOIN documents d ON d.id = c.doc_id ORDER BY d.path, c.ord")
        return [(*r[1:], s.vector_blob(r[0])) for r in rows]


def _chunk_ids(settings):
    with Store(settings.home.db_path) as s:
        return s.query("SELECT id FROM chunks ORDER BY id")


def _set_loader(settings, version):
    """Make every stored file document look stored by loader `version` (None: before loader versions existed)."""
    with Store(settings.home.db_path) as s:
        for d in s.documents():
            meta = {k: v for k, v in d["meta"].items() if k != "loader"}
            if version is not None:
                meta["loader"] = version
            s.set_document_meta(d["id"], meta)


def _metas(settings):
    with Store(settings.home.db_path) as s:
        return {d["path"]: d["meta"] for d in s.documents()}


def test_the_version_table_covers_every_loader_and_no_corpus_rows():
    assert set(LOADER_VERSIONS) == set(loaders_pkg.LOADERS) and "beir" not in LOADER_VERSIONS
    assert all(isinstance(v, int) and v >= 2 for v in LOADER_VERSIONS.values())  # stored without one: version 1


@pytest.mark.parametrize("stored", [None, 1])
def test_a_document_stored_by_an_older_loader_is_reread_once_then_unchanged(settings, tmp_path, fake, stored):
    write_good(tmp_path / "docs")
    first = ingest_paths(settings, [tmp_path / "docs"], embedder=fake)
    assert first.reread == 0 and all(m["loader"] == LOADER_VERSIONS[_kind(p)] for p, m in _metas(settings).items())
    before, ids = _rows(settings), _chunk_ids(settings)
    with Store(settings.home.db_path) as s:
        v0 = s.index_version
    _set_loader(settings, stored)
    with Store(settings.home.db_path) as st:  # a home from before migration 0008 too: no token-id keys
        st.query("UPDATE chunks SET embed_ids_sha256 = NULL")
    encoded = fake.encoded
    s = ingest_paths(settings, [tmp_path / "docs"], embedder=fake)
    # same files, same loaders' text: re-read, nothing embedded, nothing stored changed but the version (and the
    # hashes, filled in)
    assert (s.reread, s.unchanged, s.updated, s.added, s.chunks_reused, s.chunks_replaced) == (5, 5, 0, 0, 5, 5)
    assert fake.encoded == encoded and s.chunks_embedded == 0
    assert s.reuse_line() == "5 documents re-read (reader updated); 5 of 5 chunks kept their vectors"
    assert _rows(settings) == before and _chunk_ids(settings) == ids  # chunks, ids and vectors kept
    with Store(settings.home.db_path) as st:
        assert st.index_version == v0
    assert all(m["loader"] == LOADER_VERSIONS[_kind(p)] for p, m in _metas(settings).items())
    again = ingest_paths(settings, [tmp_path / "docs"], embedder=fake)
    assert (again.reread, again.unchanged, again.chunks_replaced) == (0, 5, 0) and again.reuse_line() is None


def _kind(path: str) -> str:
    return loaders_pkg.kind_of(Path(path))


def test_a_reread_with_new_text_embeds_only_the_chunks_that_changed(settings, tmp_path, fake, monkeypatch):
    (tmp_path / "docs").mkdir()
    doc = _long_md(tmp_path / "docs" / "long.md")
    real = loaders_pkg.LOADERS["md"]

    def old_loader(path, raw):  # what an older reader made of paragraph 5
        d = real(path, raw)
        d.text = d.text.replace("Paragraph 5 tells", "Paragraph 5 told")
        return d

    monkeypatch.setitem(loaders_pkg.LOADERS, "md", old_loader)
    ingest_paths(settings, [doc], embedder=fake)
    old = _rows(settings)
    assert len(old) > 5
    _set_loader(settings, 1)
    monkeypatch.setitem(loaders_pkg.LOADERS, "md", real)
    encoded = fake.encoded
    s = ingest_paths(settings, [doc], embedder=fake)
    new = _rows(settings)
    changed = len({r[0] for r in new} - {r[0] for r in old})
    assert 1 <= changed < len(new) // 2
    assert (s.reread, s.updated, s.chunks_replaced) == (1, 1, len(new))
    assert s.chunks_embedded == fake.encoded - encoded == changed and s.chunks_reused == len(new) - changed
    assert s.reuse_line() == f"1 document re-read (reader updated); {len(new) - changed} of {len(new)} chunks kept " \
                             "their vectors"
    assert "Paragraph 5 tells" in " ".join(r[0] for r in new)


@pytest.fixture
def fresh_settings(tmp_path):
    """Settings of a second, empty home (the `settings` fixture's defaults)."""
    from ragtune.appliance.config import Settings
    from ragtune.appliance.home import Home

    return Settings(home=Home(tmp_path / "fresh-home"))


@pytest.mark.parametrize("legacy", [False, True], ids=["keyed", "stored-before-0008"])
def test_an_edited_paragraph_reembeds_only_its_chunks_and_reuse_equals_reembedding(settings, fresh_settings, tmp_path,
                                                                                   fake, tokenizer, legacy):
    (tmp_path / "docs").mkdir()
    # a title long enough to be trimmed in the embedding text: the derived key (legacy rows) must trim it alike
    title = "Waterways " + " ".join(f"lowland{i}" for i in range(60))
    doc = _long_md(tmp_path / "docs" / "long.md", title=title)
    ingest_paths(settings, [doc], embedder=fake)
    old = _rows(settings)
    assert all(r[4] for r in old)  # the token ids' key is stored per chunk
    if legacy:  # rows written before migration 0008 have no key: it is derived from title, text and n_tokens
        with Store(settings.home.db_path) as s:
            s.query("UPDATE chunks SET embed_ids_sha256 = NULL")
    paras = list(PARAS)
    paras[11] = "Paragraph 11 was rewritten: the ferry now leaves from the north quay at dawn, every day. " * 3
    _long_md(doc, paras, title=title)
    encoded, calls = fake.encoded, fake.calls
    s = ingest_paths(settings, [doc], embedder=fake)
    new = _rows(settings)
    changed = len({r[0] for r in new} - {r[0] for r in old})
    assert 1 <= changed <= 3 and len(new) > 8
    assert (s.updated, s.reread, s.chunks_replaced) == (1, 0, len(new))
    assert fake.encoded - encoded == changed == s.chunks_embedded and fake.calls - calls == 1
    assert s.chunks_reused == len(new) - changed
    assert s.reuse_line() == f"{len(new) - changed} of {len(new)} chunks kept their vectors"
    # reuse == re-embedding: a fresh home embedding every chunk stores the very same rows
    ingest_paths(fresh_settings, [doc], embedder=FakeEmbedder(tokenizer))
    assert _rows(fresh_settings) == new


def _respaced(paras):
    """The same words with other whitespace: doubled spaces and tabs (as when line breaks of an HTML page became
    spaces), no line or paragraph break moved, so chunk boundaries stay where they were."""
    return [p.replace(", ", ",  ").replace(" and ", "\tand ") for p in paras]


@pytest.mark.parametrize("legacy", [False, True], ids=["keyed", "stored-before-0008"])
def test_a_whitespace_only_change_keeps_every_vector(settings, fresh_settings, tmp_path, fake, tokenizer, legacy):
    (tmp_path / "docs").mkdir()
    doc = _long_md(tmp_path / "docs" / "long.md")
    ingest_paths(settings, [doc], embedder=fake)
    old = _rows(settings)
    if legacy:
        with Store(settings.home.db_path) as st:
            st.query("UPDATE chunks SET embed_ids_sha256 = NULL")
    with Store(settings.home.db_path) as st:
        v0 = st.index_version
    _long_md(doc, _respaced(PARAS))
    encoded = fake.encoded
    s = ingest_paths(settings, [doc], embedder=fake)
    new = _rows(settings)
    assert len(new) == len(old) > 8 and all(a[0] != b[0] for a, b in zip(old, new))  # every chunk's text changed
    assert s.chunks_embedded == 0 and fake.encoded == encoded
    assert (s.updated, s.chunks_reused, s.chunks_replaced) == (1, len(new), len(new))
    # the new texts and spans are stored (citations show them); the vectors and keys are the old ones
    assert all("\tand " in r[0] for r in new) and [r[2] for r in new] != [r[2] for r in old]
    assert [r[5] for r in new] == [r[5] for r in old]
    assert all(r[4] for r in new) and (legacy or [r[4] for r in new] == [r[4] for r in old])
    with Store(settings.home.db_path) as st:
        assert st.index_version > v0  # the text changed: caches holding the old spans go
    ingest_paths(fresh_settings, [doc], embedder=FakeEmbedder(tokenizer))
    assert _rows(fresh_settings) == new  # reuse == embedding the new text


def test_a_changed_word_among_whitespace_changes_embeds_only_its_chunks(settings, tmp_path, fake):
    (tmp_path / "docs").mkdir()
    doc = _long_md(tmp_path / "docs" / "long.md")
    ingest_paths(settings, [doc], embedder=fake)
    old = _rows(settings)
    paras = _respaced(PARAS)
    paras[11] = paras[11].replace("canals", "ditches")
    _long_md(doc, paras)
    s = ingest_paths(settings, [doc], embedder=fake)
    new = _rows(settings)
    with_word = sum("ditches" in r[0] for r in new)
    assert 1 <= with_word <= 3 and s.chunks_embedded == with_word and s.chunks_reused == len(new) - with_word
    kept = {r[5] for r in old}
    assert [r[5] in kept for r in new] == ["ditches" not in r[0] for r in new]


def _last_replaced(text: str, old: str, new: str) -> str:
    at = text.rindex(old)
    return text[:at] + new + text[at + len(old):]


@pytest.mark.parametrize("emb_cls,embedded", [(NarrowEmbedder, 0), (FakeEmbedder, 1)], ids=["unread", "read"])
def test_a_change_past_what_the_embedder_reads_keeps_the_vector(settings, fresh_settings, tmp_path, tokenizer, emb_cls,
                                                                embedded):
    # The stock embedder reads max_seq_len tokens ([CLS] … [SEP], truncated on the right: embed.py `token_ids`)
    # and the chunker keeps title + chunk within that, so a chunk is always read whole. NarrowEmbedder reads only
    # the first 48 tokens of its 200-token chunks: a change past them is one it never sees.
    emb = emb_cls(tokenizer)
    (tmp_path / "docs").mkdir()
    doc = _long_md(tmp_path / "docs" / "long.md")
    ingest_paths(settings, [doc], embedder=emb)
    old = _rows(settings)
    paras = list(PARAS)
    paras[11] = _last_replaced(paras[11], "boats", "ships")  # same token count: no chunk boundary moves
    _long_md(doc, paras)
    s = ingest_paths(settings, [doc], embedder=emb)
    new = _rows(settings)
    changed = [i for i, (a, b) in enumerate(zip(old, new)) if a[0] != b[0]]
    assert len(changed) == 1 and new[changed[0]][3] > 48  # one chunk's text, longer than NarrowEmbedder reads
    assert (s.chunks_embedded, s.chunks_reused) == (embedded, len(new) - embedded)
    assert (new[changed[0]][5] == old[changed[0]][5]) == (embedded == 0)
    ingest_paths(fresh_settings, [doc], embedder=emb_cls(tokenizer))
    assert _rows(fresh_settings) == new  # reuse == embedding the new text, either way


def test_keys_of_a_home_stored_by_the_0007_build_are_cleared_then_derived(settings, tmp_path, fake):
    """Migration 0007 stored sha256s of the embedding text; 0008 renames its column and clears them (no text
    hash is a token-id key), and ingest derives the keys as for rows stored before any."""
    (tmp_path / "docs").mkdir()
    doc = _long_md(tmp_path / "docs" / "long.md")
    ingest_paths(settings, [doc], embedder=fake)
    old = _rows(settings)
    with Store(settings.home.db_path) as st:  # back to how the 0007 build left it
        st.query("ALTER TABLE chunks RENAME COLUMN embed_ids_sha256 TO embed_sha256")
        st.query("UPDATE chunks SET embed_sha256 = sha256")
        st.query("DELETE FROM _migrations WHERE name = '0008_chunk_embed_ids_sha256'")
    with Store(settings.home.db_path) as st:
        assert "0008_chunk_embed_ids_sha256" in st.applied_migrations()
        assert st.query("SELECT count(*), count(embed_ids_sha256) FROM chunks") == [(len(old), 0)]
    _long_md(doc, _respaced(PARAS))
    s = ingest_paths(settings, [doc], embedder=fake)
    assert (s.chunks_embedded, s.chunks_reused) == (0, len(old))
    assert [r[4:] for r in _rows(settings)] == [r[4:] for r in old]


def test_corpus_rows_are_never_reread(settings, tmp_path, fake):
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps({"_id": f"d{i}", "title": f"T{i}", "text": f"passage number {i} about ships"})
                              + "\n" for i in range(4)), encoding="utf-8")
    s = ingest_paths(settings, [corpus], embedder=fake)
    assert s.added == 4
    metas = _metas(settings)
    assert all("loader" not in m for m in metas.values())
    with Store(settings.home.db_path) as st:  # even a version someone wrote there is not looked at
        for d in st.documents():
            st.set_document_meta(d["id"], {**d["meta"], "loader": 1})
    encoded = fake.encoded
    s = ingest_paths(settings, [corpus], embedder=fake)
    assert (s.unchanged, s.reread, s.updated, fake.encoded) == (4, 0, 0, encoded)


def test_a_failed_reread_keeps_the_stored_document(settings, tmp_path, fake, monkeypatch):
    docs = write_good(tmp_path / "docs")
    ingest_paths(settings, [tmp_path / "docs"], embedder=fake)
    _set_loader(settings, None)
    before = _rows(settings)
    real = loaders_pkg.LOADERS["md"]

    def broken(path, raw):
        raise LoadError("the new reader chokes on this")

    monkeypatch.setitem(loaders_pkg.LOADERS, "md", broken)
    s = ingest_paths(settings, [tmp_path / "docs"], embedder=fake)
    cats = str(docs["cats.md"])
    reason = "the new reader chokes on this"
    assert s.failed == [(cats, reason)] and s.stale == [(cats, reason)]
    assert s.reread == 4 and not s.nothing_ingested
    assert _rows(settings) == before  # chunks and vectors as they were
    meta = _metas(settings)[cats]
    assert "loader" not in meta and meta["stale"]["reason"] == "the new reader chokes on this"
    s = ingest_paths(settings, [tmp_path / "docs"], embedder=fake)  # the file failed as it is: not read again
    assert (s.reread, s.failed, s.stale, s.unchanged) == (0, [], [(cats, reason)], 4)
    assert [p for p, _, _ in s.still_unreadable] == [cats]
    # the reader is fixed, and its version bumped as a change of its text must be: the file is read again
    monkeypatch.setitem(loaders_pkg.LOADERS, "md", real)
    monkeypatch.setitem(LOADER_VERSIONS, "md", LOADER_VERSIONS["md"] + 1)
    s = ingest_paths(settings, [tmp_path / "docs"], embedder=fake)
    assert (s.reread, s.failed, s.stale, s.still_unreadable) == (1, [], [], [])
    meta = _metas(settings)[cats]
    assert meta["loader"] == LOADER_VERSIONS["md"] and "stale" not in meta
    assert _rows(settings) == before


def test_an_embedding_failure_still_stores_documents_that_reuse_every_vector(settings, tmp_path, tokenizer):
    docs = write_good(tmp_path / "docs")
    ingest_paths(settings, [tmp_path / "docs"], embedder=FakeEmbedder(tokenizer))
    _set_loader(settings, None)
    docs["dogs.txt"].write_text("Dogs are loyal. They now also enjoy swimming in lakes.\n")
    s = ingest_paths(settings, [tmp_path / "docs"], embedder=FakeEmbedder(tokenizer, fail_on="swimming"))
    assert [p for p, _ in s.failed] == [str(docs["dogs.txt"])] and s.reread == 4 and s.unchanged == 4
    assert all(m.get("loader") for p, m in _metas(settings).items() if p != str(docs["dogs.txt"]))


def test_cli_prints_the_reuse_line_and_json_carries_the_counts(home, tmp_path, monkeypatch, tokenizer, capsys):
    import ragtune.appliance.embed
    from ragtune.appliance.config import Settings
    from ragtune.cli import main

    monkeypatch.setattr(ragtune.appliance.embed, "Embedder", lambda cfg, home: FakeEmbedder(tokenizer))
    write_good(tmp_path / "docs")
    assert main(["--home", str(home.root), "ingest", str(tmp_path / "docs")]) == 0
    assert "re-read" not in capsys.readouterr().out
    _set_loader(Settings(home=home), None)
    assert main(["--home", str(home.root), "ingest", str(tmp_path / "docs")]) == 0
    out = capsys.readouterr().out
    assert "5 documents re-read (reader updated); 5 of 5 chunks kept their vectors" in out
    _set_loader(Settings(home=home), 1)
    assert main(["--home", str(home.root), "ingest", str(tmp_path / "docs"), "--json"]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert (obj["reread"], obj["chunks_reused"], obj["chunks_replaced"], obj["chunks_embedded"]) == (5, 5, 5, 0)


class _IdsEmbedder(FakeEmbedder):
    """Embeds token ids as the real Embedder's `encode_token_ids` does; counts tokenisations and text encodes."""

    tokenised = 0

    def token_ids(self, texts):
        self.tokenised += len(texts)
        return super().token_ids(texts)

    def encode(self, texts):
        raise AssertionError("ingest hands the embedder the ids it tokenised for the reuse keys")

    def encode_token_ids(self, ids):  # FakeEmbedder.encode counts them in `encoded`
        return FakeEmbedder.encode(self, [self.tokenizer.decode(list(map(int, x))) for x in ids])


def test_new_chunks_are_tokenised_once_and_embedded_from_those_ids(settings, tmp_path, tokenizer):
    (tmp_path / "docs").mkdir()
    doc = _long_md(tmp_path / "docs" / "long.md")
    e = _IdsEmbedder(tokenizer)
    s = ingest_paths(settings, [doc], embedder=e)
    n = s.chunks_added
    assert n > 3 and (e.tokenised, e.encoded, s.chunks_embedded) == (n, n, n)
    paras = list(PARAS)
    paras[5] = "A new paragraph on herons and eels."
    _long_md(doc, paras)
    s = ingest_paths(settings, [doc], embedder=e)
    assert 0 < s.chunks_embedded < n and e.encoded == n + s.chunks_embedded  # only the new chunks' ids
