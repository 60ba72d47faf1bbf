"""A corpus.jsonl that fails validation (a bad JSON line, a duplicate `_id`, no rows) is remembered like any file its
bytes fail (ingest/failures.py): the next ingest lists it as still unreadable without reading it again; a changed
file, or `retry_failed`, is read again; reading it forgets the record. A corpus that never failed is not hashed."""

from __future__ import annotations

import json

import pytest

import ragtune.appliance.beir as beir
from ragtune.appliance.ingest.failures import CORPUS_CHECK_VERSION, CORPUS_KIND
from ragtune.appliance.ingest.pipeline import ingest_paths
from ragtune.appliance.store import Store
from ragtune.cli import main

from .ingest_helpers import FakeEmbedder


def _lines(n):
    return [json.dumps({"_id": f"d{i}", "title": f"T{i}", "text": f"passage {i} about river number {i}"})
            for i in range(n)]


BAD = {
    "bad JSON": lambda: _lines(3)[:2] + ['{"_id": "broken", "text": '],
    "duplicate _id": lambda: _lines(3) + [json.dumps({"_id": "d1", "text": "again"})],
    "no rows": lambda: [],
}


@pytest.fixture
def reads(monkeypatch):
    """The corpus files beir.iter_corpus was asked to read (validation and streaming both go through it)."""
    seen: list[str] = []
    real = beir.iter_corpus

    def counted(path, **kw):
        seen.append(str(path))
        return real(path, **kw)

    monkeypatch.setattr(beir, "iter_corpus", counted)
    return seen


def _write(path, lines):
    path.write_text("".join(line + "\n" for line in lines))
    return path


def _records(settings):
    with Store(settings.home.db_path) as s:
        return s.ingest_failures()


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_corpus_is_still_unreadable_until_it_changes(settings, tmp_path, fake, reads, case):
    corpus = _write(tmp_path / "corpus.jsonl", BAD[case]())
    first = ingest_paths(settings, [corpus], embedder=fake)
    assert [p for p, _ in first.failed] == [str(corpus)] and first.still_unreadable == []
    reason = first.failed[0][1]
    rec = _records(settings)[str(corpus)]
    assert (rec["kind"], rec["loader_version"], rec["reason"]) == (CORPUS_KIND, CORPUS_CHECK_VERSION, reason)

    reads.clear()
    again = ingest_paths(settings, [corpus], embedder=fake)
    assert reads == [] and again.failed == []  # not validated again, not reported as a new failure
    assert [(p, r) for p, r, _ in again.still_unreadable] == [(str(corpus), reason)]
    assert again.nothing_ingested
    assert again.still_unreadable_line().startswith("1 file still unreadable")

    _write(corpus, _lines(3))  # fixed: read again, stored, and its record forgotten
    fixed = ingest_paths(settings, [corpus], embedder=fake)
    assert reads and fixed.added == 3 and fixed.failed == [] and fixed.still_unreadable == []
    assert _records(settings) == {}


def test_a_changed_but_still_bad_corpus_is_a_new_failure(settings, tmp_path, fake, reads):
    corpus = _write(tmp_path / "corpus.jsonl", BAD["bad JSON"]())
    ingest_paths(settings, [corpus], embedder=fake)
    old = _records(settings)[str(corpus)]
    _write(corpus, BAD["duplicate _id"]())
    s = ingest_paths(settings, [corpus], embedder=fake)
    assert reads and s.still_unreadable == [] and "duplicate _id 'd1'" in s.failed[0][1]
    new = _records(settings)[str(corpus)]
    assert new["sha256"] != old["sha256"] and "duplicate _id" in new["reason"]


def test_retry_failed_reads_it_again_and_its_stored_rows_stay_kept_and_stale(settings, tmp_path, fake, reads):
    corpus = _write(tmp_path / "corpus.jsonl", _lines(3))
    assert ingest_paths(settings, [corpus], embedder=fake).added == 3
    _write(corpus, BAD["bad JSON"]())
    s = ingest_paths(settings, [corpus], embedder=fake, prune=True)
    assert len(s.failed) == 1 and len(s.stale) == 3
    reads.clear()
    s = ingest_paths(settings, [corpus], embedder=fake, prune=True)
    assert reads == [] and s.failed == [] and len(s.still_unreadable) == 1
    assert s.deleted == 0 and sorted(p for p, _ in s.stale) == [f"{corpus}#d{i}" for i in range(3)]
    s = ingest_paths(settings, [corpus], embedder=fake, retry_failed=True)
    assert reads and len(s.failed) == 1 and s.still_unreadable == []


def test_a_corpus_that_never_failed_is_not_hashed(settings, tmp_path, fake, monkeypatch):
    import ragtune.appliance.ingest.failures as failures

    hashed: list[str] = []
    monkeypatch.setattr(failures, "sha256_file", lambda p: hashed.append(str(p)) or "x")
    corpus = _write(tmp_path / "corpus.jsonl", _lines(2))
    assert ingest_paths(settings, [corpus], embedder=fake).added == 2
    assert ingest_paths(settings, [corpus], embedder=fake).unchanged == 2
    assert hashed == []


def test_cli_says_still_unreadable_for_a_bad_corpus(home, tmp_path, monkeypatch, tokenizer, capsys):
    import ragtune.appliance.embed

    monkeypatch.setattr(ragtune.appliance.embed, "Embedder", lambda cfg, home: FakeEmbedder(tokenizer))
    corpus = _write(tmp_path / "corpus.jsonl", BAD["duplicate _id"]())
    args = ["--home", str(home.root), "ingest", str(corpus)]
    assert main(args) == 2
    assert f"failed: {corpus}:4: duplicate _id 'd1'" in capsys.readouterr().out
    assert main(args) == 2
    out = capsys.readouterr().out
    assert "failed: " not in out and "1 file still unreadable" in out and "corpus.jsonl" in out
