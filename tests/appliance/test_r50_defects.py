"""Round 50, known defects cleared: `Settings.replace` with an unknown section or key is a typed ConfigError (was an
AttributeError/TypeError traceback); the parse budget is the setting `[ingest] parse_seconds`, validated, read by the
ingest, and a file that ran out of a lower limit is read again once the limit is raised (it was listed as still
unreadable, unchanged, forever); config.py's path keys live in config_paths.py and are still found in config."""

from __future__ import annotations

import time

import pytest

from ragtune.appliance.config import Settings, load_settings
from ragtune.appliance.errors import ConfigError
from ragtune.appliance.ingest import ingest_paths
from ragtune.appliance.ingest.loaders import web
from ragtune.appliance.ingest.loaders.parse_budget import PARSE_SECONDS, limit, outgrown, timed_out_after


# -- Settings.replace ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("section", ["ingset", "home", "source", 3])
def test_replace_with_an_unknown_section_names_it_and_the_known_ones(section):
    with pytest.raises(ConfigError) as err:
        Settings().replace(section, chunk_tokens=100)
    assert f"unknown section '{section}'" in err.value.message
    assert "embed, ingest, retrieve, generate" in err.value.hint


def test_replace_with_an_unknown_key_names_it_and_the_known_ones():
    with pytest.raises(ConfigError) as err:
        Settings().replace("ingest", chunk_tokens=100, chunk_tokenz=100, zz=1)
    assert err.value.message == "Settings.replace: unknown key(s) in [ingest]: chunk_tokenz, zz"
    assert "chunk_tokens" in err.value.hint and "parse_seconds" in err.value.hint


def test_replace_still_replaces_and_validates():
    s = Settings()
    new = s.replace("ingest", parse_seconds=12)
    assert new.ingest.parse_seconds == 12 and s.ingest.parse_seconds == 300.0
    with pytest.raises(ConfigError, match=r"\[ingest\] parse_seconds: must be seconds"):
        s.replace("ingest", parse_seconds=0)


def test_the_path_keys_moved_to_config_paths_are_still_found_in_config():
    from ragtune.appliance import config, config_paths

    for name in ("PATH_KEYS", "FOUND_AS", "PATH_SUFFIXES", "looks_like_path", "place_in_home", "home_path_value",
                 "_in_home"):
        assert getattr(config, name) is getattr(config_paths, name), name


# -- [ingest] parse_seconds ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["0", "-5", "1e9", '"abc"', "true", "nan"])
def test_a_bad_parse_seconds_is_refused_with_the_file_and_line(tmp_path, value):
    path = tmp_path / "config.toml"
    path.write_text(f"# settings\n[ingest]\nchunk_tokens = 200\nparse_seconds = {value}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(path)
    assert err.value.message.startswith(f"{path}:4: [ingest] parse_seconds: must be"), err.value.message


def test_parse_seconds_reads_from_the_file(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[ingest]\nparse_seconds = 900\n", encoding="utf-8")
    assert load_settings(path).ingest.parse_seconds == 900


def test_a_timeout_reason_says_its_limit_and_only_a_higher_one_outgrows_it():
    reason = ("PDF took over 300 s to read (millions of drawing operators on a page, or forms nested deep?): "
              "not ingested")
    assert timed_out_after(reason) == 300 and timed_out_after("corrupt PDF: no %PDF header") is None
    assert timed_out_after("HTML took over 0.3 s to read (a page?)") == 0.3
    assert limit() == 300.0  # nothing set: the default
    for now, retried in ((300.0, False), (299.0, False), (300.0000001, False), (301.0, True), (0, True)):
        token = PARSE_SECONDS.set(now)
        try:
            assert outgrown(reason) is retried, now
        finally:
            PARSE_SECONDS.reset(token)
    assert outgrown("corrupt PDF: no %PDF header") is False


@pytest.fixture
def slow_html(tmp_path, monkeypatch):
    """A folder with one HTML page whose parse spins (pure Python, so the budget's interrupt lands) while `spin[0]`."""
    d = tmp_path / "docs"
    d.mkdir()
    (d / "page.html").write_text("<html><body><p>Valves are checked weekly.</p></body></html>", encoding="utf-8")
    (d / "notes.md").write_text("# Notes\n\npumps are serviced monthly", encoding="utf-8")
    spin = [True]
    feed = web._HTMLText.feed

    def slow_feed(self, data):
        end = time.monotonic() + 5
        while spin[0] and time.monotonic() < end:
            pass
        return feed(self, data)

    monkeypatch.setattr(web._HTMLText, "feed", slow_feed)
    return d, spin


def test_the_ingest_reads_its_budget_from_the_setting_and_retries_a_timeout_once_it_is_raised(settings, fake,
                                                                                            slow_html):
    d, spin = slow_html
    page = str(d / "page.html")
    low = settings.replace("ingest", parse_seconds=0.3)
    s = ingest_paths(low, [d], embedder=fake)  # the setting's 0.3 s, not the default 300 s (the reason says it)
    assert s.added == 1 and [(p, r[:28]) for p, r in s.failed] == [(page, "HTML took over 0.3 s to read")]
    assert PARSE_SECONDS.get(None) is None  # the run's budget does not outlive it

    spin[0] = False  # the file now reads in time, but its bytes are the same: only the limit says "read it again"
    s = ingest_paths(low, [d], embedder=fake)  # the same limit: remembered, not read again
    assert [p for p, *_ in s.still_unreadable] == [page] and s.added == 0

    s = ingest_paths(low.replace("ingest", parse_seconds=0.2), [d], embedder=fake)  # lowered: still not read
    assert [p for p, *_ in s.still_unreadable] == [page] and s.added == 0

    s = ingest_paths(low.replace("ingest", parse_seconds=60), [d], embedder=fake)  # raised: read again
    assert s.still_unreadable == [] and s.failed == [] and s.added == 1
    s = ingest_paths(low.replace("ingest", parse_seconds=60), [d], embedder=fake)  # and forgotten as a failure
    assert s.still_unreadable == [] and s.unchanged == 2


def test_a_callers_own_parse_seconds_wins_over_the_setting(settings, fake, slow_html):
    d, _ = slow_html
    token = PARSE_SECONDS.set(0.3)
    try:
        s = ingest_paths(settings.replace("ingest", parse_seconds=60), [d], embedder=fake)
        assert PARSE_SECONDS.get() == 0.3
    finally:
        PARSE_SECONDS.reset(token)
    assert [r[:28] for _, r in s.failed] == ["HTML took over 0.3 s to read"]


# -- doctor on a Tantivy index that panics: stderr is ragtune's own ------------------------------------------------
def test_doctor_on_an_index_tantivy_panics_on_keeps_the_rust_panic_text_off_stderr(settings, fake, tmp_path, capfd):
    from ragtune.cli import main

    from .kill_fuzz_helpers import write_corpus
    from .test_r47_fix_lexical import _damage

    write_corpus(tmp_path / "docs", seed=3, n=6)
    ingest_paths(settings, [tmp_path / "docs"], embedder=fake)
    _damage(settings.home, tmp_path)  # one byte flipped where a search panics (skips when none does)
    capfd.readouterr()
    rc = main(["--home", str(settings.home.root), "doctor"])
    out, err = capfd.readouterr()
    assert rc != 0 and "lexical" in out and "panicked" in out
    assert "panicked at" not in err and "RUST_BACKTRACE" not in err, err


def test_rust_quiet_drops_the_panic_block_and_puts_back_anything_else(capfd):
    import os

    from ragtune.appliance.lexical_panic import rust_quiet, without_panics

    panic = (b"\nthread '<unnamed>' (21064) panicked at /root/.cargo/tantivy-0.27.0/src/vint.rs:71:28:\n"
             b"index out of bounds: the len is 8 but the index is 8\nstack backtrace:\n   0: x\n"
             b"note: Some details are omitted, run with `RUST_BACKTRACE=full` for a verbose backtrace.\n")
    short = b"thread 'main' panicked at src/a.rs:1:2:\nboom\nnote: run with `RUST_BACKTRACE=1` environment variable\n"
    assert without_panics(panic) == b"" and without_panics(short) == b""
    assert without_panics(b"warning: a\n" + short + b"warning: b\n") == b"warning: a\nwarning: b\n"
    assert without_panics(b"warning: a\nthread 'x' panicked at y:\n(no note)") == b"warning: a\n"
    with rust_quiet():
        os.write(2, b"before\n" + panic)
        os.write(2, b"after\n")
    assert capfd.readouterr().err == "before\nafter\n"
    os.write(2, b"later\n")  # fd 2 is stderr again
    assert capfd.readouterr().err == "later\n"


# -- ingest/prune.py: what an ingest without --prune says is gone or now skipped, read once -------------------------
def test_gone_and_now_skipped_read_the_stored_documents_and_their_files_once(settings, fake, tmp_path, monkeypatch):
    from ragtune.appliance.ingest import prune
    from ragtune.appliance.store import Store

    d = tmp_path / "docs"
    d.mkdir()
    for n in range(4):
        (d / f"n{n}.md").write_text(f"# Note {n}\n\nvalve {n} is checked weekly", encoding="utf-8")
    (d / "corpus.jsonl").write_text('{"_id": "r1", "title": "R", "text": "pumps are serviced monthly"}\n',
                               encoding="utf-8")
    ingest_paths(settings, [d], embedder=fake)
    (d / "n0.md").unlink()  # gone
    (d / "corpus.jsonl").unlink()  # its row: gone
    lists, looks, ids = [], [], []
    under, there, by_sha = Store.documents_under, prune.file_there, Store.file_documents_by_sha
    monkeypatch.setattr(Store, "documents_under", lambda self, prefix: lists.append(prefix) or under(self, prefix))
    monkeypatch.setattr(Store, "file_documents_by_sha", lambda self: ids.append(1) or by_sha(self))
    monkeypatch.setattr(prune, "file_there", lambda path, kind=None: looks.append(path) or there(path, kind))
    s = ingest_paths(settings, [d], embedder=fake)
    assert s.gone == sorted([str(d / "n0.md"), f"{d / 'corpus.jsonl'}#r1"]) and s.now_skipped == []
    root = str(d) + "/"
    assert lists.count(root) == 1, lists  # gone_documents and skipped_documents read them once between them
    assert sorted(looks) == sorted(set(looks)), looks  # each stored file looked for once
    assert len(ids) <= 1  # which documents are files (not corpus rows): asked once
