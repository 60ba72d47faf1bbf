"""Round 47 fix: a damaged Tantivy segment made tantivy-py panic (pyo3's PanicException, a BaseException) inside
`LexicalIndex.search`, and `ragtune search` died with a traceback. Now the panic is a damaged index: the search
rebuilds it from the database (the store of the last ensure_synced) and runs again; without a store, a StoreError
naming the folder with the hint to remove it; `is_synced` says not in step; any other BaseException goes on."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ragtune.appliance.errors import StoreError
from ragtune.appliance.ingest import ingest_paths
from ragtune.appliance.lexical import LexicalIndex
from ragtune.appliance.lexical_panic import is_panic
from ragtune.appliance.lexical_terms import query_terms
from ragtune.appliance.store import Store

from .kill_fuzz_helpers import write_corpus


class PanicException(BaseException):
    """Stands in for pyo3's (told by its name, as tantivy-py's is)."""


@pytest.fixture
def ingested(settings, fake, tmp_path):
    write_corpus(tmp_path / "docs", seed=3, n=6)
    ingest_paths(settings, [tmp_path / "docs"], embedder=fake)
    return settings


def _words(home) -> list[str]:
    with Store(home.db_path) as st:
        words = sorted({t for (text,) in st.query("SELECT text FROM chunks") for t in query_terms(text)})
    return [" ".join(words[i:i + 8]) for i in range(0, len(words), 8)]


def search_panics(index: Path, words: list[str], scratch: Path, *, count: bool = True,
                  boosts: dict[str, float] | None = None) -> str | None:
    """The first of `words` for which tantivy itself (no ragtune code) panics searching a copy of `index` (top 50,
    `count` as given, fields boosted as `boosts`), or None."""
    import tantivy

    from ragtune.appliance.lexical_terms import with_tokenizer

    shutil.rmtree(scratch, ignore_errors=True)
    shutil.copytree(index, scratch)
    try:
        ix = with_tokenizer(tantivy.Index.open(str(scratch)))
        s = ix.searcher()
        for w in words:
            q = (ix.parse_query(w, ["title", "text"], field_boosts=boosts) if boosts
                 else ix.parse_query(w, ["title", "text"]))
            s.search(q, 50, count=count)
    except BaseException as exc:  # noqa: B036 - pyo3's PanicException
        return w if is_panic(exc) else None
    return None


def _raw_search_panics(index: Path, words: list[str], scratch: Path) -> bool:
    """Whether tantivy itself panics searching a copy of `index` for each of `words` (counting hits)."""
    return search_panics(index, words, scratch) is not None


def _damage(home, tmp_path) -> list[str]:
    """Flip one byte of a segment file where a search panics; the words searched (skip when none does)."""
    words = _words(home)
    files = sorted(p for p in home.lexical_dir.iterdir() if p.suffix in (".store", ".term", ".idx"))
    for path in files:
        orig = path.read_bytes()
        for at in range(len(orig) - 1, -1, -max(1, len(orig) // 97)):
            damaged = bytearray(orig)
            damaged[at] ^= 0xFF
            path.write_bytes(bytes(damaged))
            if _raw_search_panics(home.lexical_dir, words, tmp_path / "copy"):
                return words
            path.write_bytes(orig)
    pytest.skip("no one-byte damage made this tantivy panic")


def test_ragtune_search_on_a_damaged_index_rebuilds_it_and_answers(ingested, tmp_path, capsys):
    from ragtune.cli import main

    home = ingested.home
    with Store(home.db_path) as st:
        (text,) = st.query("SELECT text FROM chunks ORDER BY id LIMIT 1")[0]
    word = sorted(query_terms(text), key=len)[-1]
    capsys.readouterr()
    assert main(["search", "--mode", "bm25", "--json", "--no-cache", word]) == 0
    before = capsys.readouterr().out
    words = _damage(home, tmp_path)
    codes = [main(["search", "--mode", "bm25", "--json", "--no-cache", w]) for w in [word, *words]]
    out = capsys.readouterr()
    assert codes == [0] * len(codes) and "Traceback" not in out.err, out.err
    hits = [[h["chunk_id"] for h in json.loads(line)["hits"]] for line in (before, out.out.splitlines()[0])]
    assert hits[0] and hits[1] == hits[0]  # the same hits as before the damage
    assert not _raw_search_panics(home.lexical_dir, words, tmp_path / "copy2")  # rebuilt in the home


def test_a_panic_without_a_store_to_rebuild_from_is_a_store_error_naming_the_folder(tmp_path, monkeypatch):
    idx = LexicalIndex(tmp_path / "lex")

    def panics(*a, **k):
        raise PanicException("called `Option::unwrap()` on a `None` value")
    monkeypatch.setattr(idx, "_search", panics)
    with pytest.raises(StoreError) as err:
        idx.search("ferry", 5)
    assert str(tmp_path / "lex") in err.value.message and "Tantivy panicked" in err.value.message
    assert f'rm -rf "{tmp_path / "lex"}"' in err.value.hint and idx.corrupt


def test_a_panic_counting_the_index_means_not_in_step_and_the_next_ensure_synced_rebuilds(ingested, monkeypatch):
    from ragtune.appliance.store import open_store

    with open_store(ingested.home) as store:
        idx = LexicalIndex(ingested.home.lexical_dir)
        assert idx.is_synced(store)
        real = type(idx._index)

        class Damaged:
            def reload(self):
                raise PanicException("index out of bounds")
        good, idx._index = idx._index, Damaged()
        assert not idx.is_synced(store) and idx.corrupt
        idx._index = good
        assert idx.ensure_synced(store) is True and idx.is_synced(store) and isinstance(idx._index, real)
        idx.close()


def test_other_base_exceptions_are_not_swallowed(tmp_path, monkeypatch):
    idx = LexicalIndex(tmp_path / "lex")

    def interrupted(*a, **k):
        raise KeyboardInterrupt
    monkeypatch.setattr(idx, "_search", interrupted)
    with pytest.raises(KeyboardInterrupt):
        idx.search("ferry", 5)
    assert not idx.corrupt
