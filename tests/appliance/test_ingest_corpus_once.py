"""A corpus.jsonl is read once per ingest (it was read three times: a line count, a validation pass and the rows),
or twice when its rows are too big to keep (loaders.HOLD_MB): validated whole first either way, so a bad line still
fails the file before any row is stored, and the progress still adds up."""

from __future__ import annotations

import builtins
import json

import pytest

import ragtune.appliance.beir as beir
import ragtune.appliance.ingest.loaders as loaders
from ragtune.appliance.ingest.loaders import LoadError, iter_beir_documents
from ragtune.appliance.ingest.pipeline import ingest_paths
from ragtune.appliance.store import Store


def _corpus(path, n, bad_at=None):
    lines = [json.dumps({"_id": f"d{i}", "title": f"T{i}", "text": f"passage {i} about river number {i}"})
             for i in range(n)]
    if bad_at is not None:
        lines[bad_at - 1] = '{"_id": "broken", "text": '
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def opens(monkeypatch):
    """How often each file was opened for reading."""
    counted: dict[str, int] = {}
    real = builtins.open

    def counting(file, mode="r", *a, **kw):
        if "r" in mode and (isinstance(file, (str, bytes)) or hasattr(file, "__fspath__")):
            key = str(file)
            counted[key] = counted.get(key, 0) + 1
        return real(file, mode, *a, **kw)

    monkeypatch.setattr(builtins, "open", counting)
    return counted


@pytest.fixture(params=["held", "streamed"])
def mode(request, monkeypatch):
    if request.param == "streamed":
        monkeypatch.setattr(loaders, "HOLD_MB", 0)  # every row over the budget: validated, then read again
    return request.param


def _stored(settings):
    with Store(settings.home.db_path) as st:
        return st.query("SELECT path, sha256, title FROM documents ORDER BY path")


def test_an_ingest_reads_the_corpus_once_or_twice_when_too_big_to_keep(settings, tmp_path, fake, opens, mode):
    corpus = _corpus(tmp_path / "corpus.jsonl", 20)
    s = ingest_paths(settings, [corpus], embedder=fake)
    assert s.added == 20 and s.failed == []
    assert opens[str(corpus)] == (1 if mode == "held" else 2)
    assert [r[0] for r in _stored(settings)] == sorted(f"{corpus}#d{i}" for i in range(20))


def test_both_ways_hand_out_the_same_rows(tmp_path, monkeypatch):
    corpus = _corpus(tmp_path / "corpus.jsonl", 12)
    held = [(d.path, d.title, d.text, d.sha256, d.doc_date) for d in iter_beir_documents(corpus)]
    monkeypatch.setattr(loaders, "HOLD_MB", 0)
    assert [(d.path, d.title, d.text, d.sha256, d.doc_date) for d in iter_beir_documents(corpus)] == held


def test_a_bad_last_line_stores_nothing_and_is_named(settings, tmp_path, fake, mode):
    corpus = _corpus(tmp_path / "corpus.jsonl", 30, bad_at=30)
    s = ingest_paths(settings, [corpus], embedder=fake)
    assert s.added == 0 and [p for p, _ in s.failed] == [str(corpus)]
    assert s.failed[0][1].startswith(f"{corpus}:30: truncated JSON")
    assert not settings.home.db_path.exists() or _stored(settings) == []


def test_rows_are_counted_before_the_first_is_handed_out(tmp_path, mode):
    corpus = _corpus(tmp_path / "corpus.jsonl", 7)
    calls: list[tuple[str, int]] = []
    for doc in iter_beir_documents(corpus, counted=lambda n: calls.append(("counted", n))):
        calls.append(("row", 0))
    assert calls[0] == ("counted", 7) and calls.count(("counted", 7)) == 1 and len(calls) == 8
    with pytest.raises(LoadError, match="empty document"):  # no rows: failed, never counted
        list(iter_beir_documents(_corpus(tmp_path / "empty.jsonl", 0), counted=calls.append))


def test_a_corpus_changed_between_the_two_reads_fails_the_file_not_the_run(settings, tmp_path, fake, monkeypatch):
    """Read twice (too big to keep), the file was edited after its validation: the InputError of the second read
    escaped the ingest as a whole-run error. Now the file fails, naming the line; the rows before it stay stored."""
    monkeypatch.setattr(loaders, "HOLD_MB", 0)
    corpus = _corpus(tmp_path / "corpus.jsonl", 5)
    other = tmp_path / "notes.md"
    other.write_text("# Notes\n\nStill ingested after the corpus failed.\n")
    real = beir.iter_corpus
    reads = []

    def edited_after_validation(path, **kw):
        reads.append(path)
        if len(reads) == 2:  # the second read: the file was rewritten meanwhile
            _corpus(corpus, 5, bad_at=4)
        return real(path, **kw)

    monkeypatch.setattr(beir, "iter_corpus", edited_after_validation)
    s = ingest_paths(settings, [corpus, other], embedder=fake)
    assert [p for p, _ in s.failed] == [str(corpus)] and s.failed[0][1].startswith(f"{corpus}:4: truncated JSON")
    assert sorted(r[0] for r in _stored(settings)) == [f"{corpus}#d{i}" for i in range(3)] + [str(other)]


def test_progress_counts_files_and_rows_and_its_bytes_add_up(settings, tmp_path, fake, mode):
    folder = tmp_path / "set"
    folder.mkdir()
    _corpus(folder / "corpus.jsonl", 6)
    (folder / "a.md").write_text("# A\n\nFirst note.\n")
    (folder / "z.md").write_text("# Z\n\nLast note.\n")
    told, events = [], []
    s = ingest_paths(settings, [folder], embedder=fake, progress=lambda d, t, p: told.append((d, t)),
                     on_progress=events.append)
    assert s.added == 8
    assert told[-1] == (8, 8) and [d for d, _ in told] == list(range(1, 9))
    assert all(d <= t for d, t in told)
    last = events[-1]
    assert last.stage == "done" and last.bytes_done == pytest.approx(last.bytes_total) and last.bytes_total > 0
