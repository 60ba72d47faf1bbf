"""Remembered failures (ingest/failures.py, migration 0009): a file that cannot be read is not read again while its
bytes and its loader version stay the same; the summary lists it as still unreadable. A changed file, a newer
loader or `retry_failed` reads it again; reading it, its file going, or `docs remove` forgets it. Read errors and
embedding failures are never remembered."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ragtune.appliance.ingest import loaders as loaders_pkg
from ragtune.appliance.ingest.documents import remove_documents
from ragtune.appliance.ingest.loaders import LOADER_VERSIONS
from ragtune.appliance.ingest.pipeline import ingest_paths
from ragtune.appliance.store import Store
from ragtune.cli import main

from .ingest_helpers import GOOD, FakeEmbedder, pdf_bytes, write_bad, write_good

REMEMBERED = ["binary.txt", "broken.docx", "corrupt.pdf", "empty.md", "latin1.txt", "locked.pdf"]


@pytest.fixture
def cli_fake(monkeypatch, tokenizer):
    import ragtune.appliance.embed

    monkeypatch.setattr(ragtune.appliance.embed, "Embedder", lambda cfg, home: FakeEmbedder(tokenizer))


@pytest.fixture
def loads(monkeypatch):
    """The names of the files each loader was called on, in order (the loaders themselves still run)."""
    seen: list[str] = []
    for kind, fn in list(loaders_pkg.LOADERS.items()):
        def counted(path, raw, fn=fn):
            seen.append(path.name)
            return fn(path, raw)
        monkeypatch.setitem(loaders_pkg.LOADERS, kind, counted)
    return seen


def _records(settings):
    with Store(settings.home.db_path) as s:
        return s.ingest_failures()


def _names(pairs):
    return sorted(p.rsplit("/", 1)[-1] for p, *_ in pairs)


def test_a_file_that_failed_is_not_read_again_until_it_changes(settings, tmp_path, fake, loads):
    write_good(tmp_path / "docs")
    bad = write_bad(tmp_path / "docs" / "bad")
    first = ingest_paths(settings, [tmp_path / "docs"], embedder=fake)
    assert _names(first.failed) == REMEMBERED and first.still_unreadable == []
    recs = _records(settings)
    assert sorted(recs) == sorted(str(p) for p in bad.values())
    pdf = recs[str(bad["corrupt.pdf"])]
    assert (pdf["kind"], pdf["loader_version"]) == ("pdf", LOADER_VERSIONS["pdf"])
    assert pdf["reason"] == dict(first.failed)[str(bad["corrupt.pdf"])] and pdf["failed_at"] > 0

    loads.clear()
    again = ingest_paths(settings, [tmp_path / "docs"], embedder=fake)
    assert loads == [] and again.failed == [] and again.unchanged == 5  # nothing read, nothing reported anew
    assert _names(again.still_unreadable) == REMEMBERED and not again.nothing_ingested
    assert {p: r for p, r, _ in again.still_unreadable} == {p: r["reason"] for p, r in recs.items()}
    assert _records(settings) == recs  # failed_at stays: when it failed, not when it was last skipped
    line = again.still_unreadable_line(lambda p: p.rsplit("/", 1)[-1], most=2)
    assert line == ("6 files still unreadable, unchanged since an earlier ingest (not read again; --retry-failed "
                    "reads them): binary.txt, broken.docx, … (4 more)")

    # one fixed, one changed but still broken, one emptied: those three are read again
    bad["corrupt.pdf"].write_bytes(pdf_bytes("Now a readable report on canal locks."))
    bad["binary.txt"].write_bytes(bytes(range(200)) * 3)
    bad["latin1.txt"].write_bytes(b"")
    loads.clear()
    third = ingest_paths(settings, [tmp_path / "docs"], embedder=fake)
    assert sorted(loads) == ["binary.txt", "corrupt.pdf"]  # an empty file fails before any loader
    assert third.added == 1 and _names(third.failed) == ["binary.txt", "latin1.txt"]
    assert _names(third.still_unreadable) == ["broken.docx", "empty.md", "locked.pdf"]
    recs3 = _records(settings)
    assert str(bad["corrupt.pdf"]) not in recs3
    assert recs3[str(bad["latin1.txt"])]["reason"] == "empty document"
    assert recs3[str(bad["binary.txt"])]["sha256"] != recs[str(bad["binary.txt"])]["sha256"]


def test_a_newer_loader_or_retry_failed_reads_it_again(settings, tmp_path, fake, loads, monkeypatch):
    bad = write_bad(tmp_path / "bad")
    write_good(tmp_path / "bad" / "good")
    ingest_paths(settings, [tmp_path / "bad"], embedder=fake)
    loads.clear()
    s = ingest_paths(settings, [tmp_path / "bad"], embedder=fake, retry_failed=True)
    assert sorted(loads) == ["binary.txt", "broken.docx", "corrupt.pdf", "latin1.txt", "locked.pdf"]
    assert _names(s.failed) == REMEMBERED and s.still_unreadable == []
    monkeypatch.setitem(LOADER_VERSIONS, "pdf", LOADER_VERSIONS["pdf"] + 1)
    loads.clear()
    s = ingest_paths(settings, [tmp_path / "bad"], embedder=fake)
    assert sorted(loads) == ["corrupt.pdf", "locked.pdf", "report.pdf"]  # the stored PDF is re-read as well
    assert _names(s.failed) == ["corrupt.pdf", "locked.pdf"] and s.reread == 1
    assert _records(settings)[str(bad["locked.pdf"])]["loader_version"] == LOADER_VERSIONS["pdf"]
    loads.clear()
    s = ingest_paths(settings, [tmp_path / "bad"], embedder=fake)
    assert loads == [] and len(s.still_unreadable) == 6


def test_a_deleted_file_is_forgotten_and_read_errors_are_never_remembered(settings, tmp_path, fake):
    bad = write_bad(tmp_path / "bad")
    (tmp_path / "bad" / "huge.txt").write_text("big " * 300_000, encoding="utf-8")
    small = settings.replace("ingest", max_file_mb=0.5)
    s = ingest_paths(small, [tmp_path / "bad"], embedder=fake)
    assert "huge.txt" in _names(s.failed) and str(tmp_path / "bad" / "huge.txt") not in _records(small)
    bad["corrupt.pdf"].unlink()
    s = ingest_paths(small, [tmp_path / "bad" / "binary.txt"], embedder=fake)  # the folder is not walked
    assert _names(s.still_unreadable) == ["binary.txt"] and s.nothing_ingested
    assert str(bad["corrupt.pdf"]) not in _records(small)  # its file is gone
    s = ingest_paths(small, [tmp_path / "bad"], embedder=fake)
    assert _names(s.failed) == ["huge.txt"] and len(s.still_unreadable) == 5  # the size limit: read each time


def test_embedding_failures_are_not_remembered(settings, tmp_path, tokenizer):
    (tmp_path / "d").mkdir()
    f = tmp_path / "d" / "swim.md"
    f.write_text("# Swim\n\nDogs enjoy swimming in lakes.\n", encoding="utf-8")
    s = ingest_paths(settings, [f], embedder=FakeEmbedder(tokenizer, fail_on="swimming"))
    assert s.failed and s.failed[0][1].startswith("embedding failed") and _records(settings) == {}
    s = ingest_paths(settings, [f], embedder=FakeEmbedder(tokenizer))
    assert (s.added, s.failed, s.still_unreadable) == (1, [], [])


def test_a_stale_document_stays_stale_and_is_kept_by_prune_while_its_file_still_fails(settings, tmp_path, fake,
                                                                                       loads):
    docs = write_good(tmp_path / "docs")
    ingest_paths(settings, [tmp_path / "docs"], embedder=fake)
    cats = str(docs["cats.md"])
    docs["cats.md"].write_bytes(b"\x00\x01binary now")
    s = ingest_paths(settings, [tmp_path / "docs"], embedder=fake, prune=True)
    assert s.failed == [(cats, "binary file")] and s.stale == [(cats, "binary file")]
    with Store(settings.home.db_path) as st:
        since = st.document_by_path(cats)["meta"]["stale"]["since"]
    loads.clear()
    s = ingest_paths(settings, [tmp_path / "docs"], embedder=fake, prune=True)
    assert loads == [] and s.failed == [] and s.deleted == 0 and s.stale == [(cats, "binary file")]
    assert _names(s.still_unreadable) == ["cats.md"]
    with Store(settings.home.db_path) as st:
        assert st.document_by_path(cats)["meta"]["stale"] == {"reason": "binary file", "since": since}
    docs["cats.md"].write_text(GOOD["cats.md"], encoding="utf-8")
    s = ingest_paths(settings, [tmp_path / "docs"], embedder=fake)  # back to what is stored
    assert s.unchanged == 5 and s.stale == [] and _records(settings) == {}


def test_docs_remove_forgets_the_failure_of_its_file(settings, tmp_path, fake, loads):
    docs = write_good(tmp_path / "docs")
    ingest_paths(settings, [tmp_path / "docs"], embedder=fake)
    docs["dogs.txt"].write_bytes(b"\x00\x01binary now")
    ingest_paths(settings, [tmp_path / "docs"], embedder=fake)
    assert list(_records(settings)) == [str(docs["dogs.txt"])]
    remove_documents(settings, [str(docs["dogs.txt"])])
    assert _records(settings) == {}
    loads.clear()
    s = ingest_paths(settings, [tmp_path / "docs"], embedder=fake)
    assert loads == ["dogs.txt"] and s.failed == [(str(docs["dogs.txt"]), "binary file")]


def test_a_home_from_before_migration_0009_upgrades(settings, tmp_path, fake):
    bad = write_bad(tmp_path / "bad")
    write_good(tmp_path / "bad" / "good")
    ingest_paths(settings, [tmp_path / "bad"], embedder=fake)
    with Store(settings.home.db_path) as st:  # as a build before 0009 left it
        st.query("DROP TABLE ingest_failures")
        st.query("DELETE FROM _migrations WHERE name = '0009_ingest_failures'")
    s = ingest_paths(settings, [tmp_path / "bad"], embedder=fake)  # opening the store applies it
    assert _names(s.failed) == REMEMBERED and s.unchanged == 5 and len(_records(settings)) == len(bad)
    with Store(settings.home.db_path) as st:  # applied again over its own table (a lost _migrations row): a no-op
        st.query("DELETE FROM _migrations WHERE name = '0009_ingest_failures'")
    with Store(settings.home.db_path) as st:
        assert "0009_ingest_failures" in st.applied_migrations() and len(st.ingest_failures()) == len(bad)


def test_cli_names_still_unreadable_files_once_and_retries_on_request(home, tmp_path, cli_fake, capsys):
    d = tmp_path / "docs"
    write_good(d)
    (d / "broken.pdf").write_bytes(b"%PDF-1.4 cut short")
    (d / "empty.md").write_bytes(b"")
    args = ["--home", str(home.root), "ingest", str(d)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "failed 2;" in out and f"failed: {d / 'broken.pdf'}: corrupt PDF" in out
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "failed: " not in out and "failed 0;" in out
    assert ("2 files still unreadable, unchanged since an earlier ingest (not read again; --retry-failed reads "
            "them): broken.pdf, empty.md") in out.splitlines()
    assert main([*args, "--json"]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert [(os_name(x["path"]), x["reason"]) for x in obj["still_unreadable"]] == \
        [("broken.pdf", obj["still_unreadable"][0]["reason"]), ("empty.md", "empty document")]
    assert obj["failed"] == [] and all(x["failed_at"] > 0 for x in obj["still_unreadable"])
    assert main([*args, "--retry-failed"]) == 0
    out = capsys.readouterr().out
    assert "failed 2;" in out and "still unreadable" not in out
    # only files that still fail: nothing ingested, exit 2, as on the run that found them
    assert main(["--home", str(home.root), "ingest", str(d / "broken.pdf")]) == 2
    cap = capsys.readouterr()
    assert "1 file still unreadable" in cap.out and "nothing was ingested: 1 file(s) failed" in cap.err


def os_name(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def test_the_tui_summary_counts_still_unreadable_files():
    from ragtune.appliance.ingest.summary import IngestSummary
    from ragtune.tui.screens.ingest import summary_text

    s = IngestSummary(unchanged=3, still_unreadable=[("/d/a.pdf", "corrupt PDF", 1.0)])
    assert summary_text(s) == "0 added, 0 updated, 3 unchanged, 0 chunks; 1 still unreadable"
    assert IngestSummary().still_unreadable_line() is None


@pytest.mark.parametrize("link", [False, True])
def test_a_file_gone_between_listing_and_reading_is_not_found_or_a_broken_symlink(settings, tmp_path, fake,
                                                                                  monkeypatch, link):
    """A plain file deleted while the ingest runs was "file not found (broken symlink?)": the reasons are the docs
    table's, `not found` for a file, `broken symlink` only for a link whose target went."""
    import ragtune.appliance.ingest.pipeline as pl

    d = tmp_path / "d"
    d.mkdir()
    (d / "a.md").write_text("# A\n\nstays")
    (d / ".kept").mkdir()  # the link's target inside the folder (a link outside it is not followed: round 44)
    target = d / ".kept" / "target.md"
    target.write_text("# B\n\nwill go")
    gone = d / "b.md"
    if link:
        gone.symlink_to(target)
    else:
        target.rename(gone)
    real = pl.walk

    def walk_then_delete(*a, **kw):
        w = real(*a, **kw)
        (target if link else gone).unlink()
        return w

    monkeypatch.setattr(pl, "walk", walk_then_delete)
    s = ingest_paths(settings, [d], embedder=fake)
    reason = "broken symlink" if link else "not found"
    assert s.added == 1 and s.failed == [(str(gone), reason)]
    docs = Path(__file__).resolve().parents[2] / "docs" / "ingest.md"
    assert "| `not found`, `broken symlink` |" in docs.read_text()  # the reasons its table gives
