"""Round 49, what the Windows/macOS share tester left: a stored name ending in a space could not be given to `docs
remove|show` (the ref was stripped); such a name looked like another in citations and listings; an NFC/NFD pair was
marked in `docs list` only (ask's citations and the rename line showed the same name twice); documents stored from a
recycle bin or an Apple package before junk.py skipped them were never said; Windows' junk was counted like an
extension ("Windows metadata ×8")."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from types import SimpleNamespace

import pytest

from ragtune.appliance.errors import UnknownDocument
from ragtune.appliance.ingest.doc_names import form_change, hidden_end, shown_doc_path
from ragtune.appliance.ingest.documents import list_documents, select_documents, show_document
from ragtune.appliance.ingest.pipeline import ingest_paths
from ragtune.appliance.ingest.prune import skipped_documents, stale_documents
from ragtune.appliance.ingest.summary import IngestSummary
from ragtune.appliance.ingest.walk import MAC_JUNK, WINDOWS_JUNK, walk
from ragtune.appliance.store import open_store
from ragtune.cli import main

NFC = unicodedata.normalize("NFC", "R\u00e9sum\u00e9.md")
NFD = unicodedata.normalize("NFD", NFC)
EXTS = [".md", ".txt", ".docx", ".jsonl"]


def _share(root: Path) -> Path:
    win = root / "share" / "Windows"
    win.mkdir(parents=True)
    (win / "notes.txt ").write_text("The VPN gateway moved to vpn2.example.org in March.\n", encoding="utf-8")
    (win / "minutes.txt.").write_text("The board approved the new travel policy on Tuesday.\n", encoding="utf-8")
    (win / "plain.txt").write_text("Parking permits are renewed every January at the front desk.\n", encoding="utf-8")
    return win


# -- 1. a ref is looked up as typed, then stripped, then by the name people see -------------------------------------
def test_a_name_ending_in_a_space_can_be_shown_and_removed(home, settings, tmp_path, fake, monkeypatch, capsys):
    win = _share(tmp_path)
    ingest_paths(settings, [tmp_path / "share"], embedder=fake)
    with open_store(home) as store:
        # as typed (was: stripped to "notes.txt", which matched nothing)
        assert [d.path for d in select_documents(store, [str(win / "notes.txt ")])] == [str(win / "notes.txt ")]
        # the name as seen, typed without its trailing space or dot: the single stored match
        assert [d.path for d in select_documents(store, [str(win / "notes.txt")])] == [str(win / "notes.txt ")]
        assert [d.path for d in select_documents(store, [str(win / "minutes.txt")])] == [str(win / "minutes.txt.")]
        # a ref pasted with spaces around it still finds a plain name (the old strip, as a fallback)
        assert [d.path for d in select_documents(store, [f" {win / 'plain.txt'} "])] == [str(win / "plain.txt")]
        with pytest.raises(UnknownDocument):
            select_documents(store, [str(win / "other.txt")])
    monkeypatch.chdir(tmp_path)
    assert show_document(settings, "share/Windows/notes.txt ")[0].path == str(win / "notes.txt ")
    assert main(["--home", str(home.root), "docs", "remove", "share/Windows/notes.txt "]) == 0
    assert "removed" in capsys.readouterr().out
    assert sorted(Path(d.path).name for d in list_documents(settings)) == ["minutes.txt.", "plain.txt"]


def test_two_names_that_differ_only_in_a_trailing_dot_match_none_when_typed_bare(home, settings, tmp_path, fake):
    win = _share(tmp_path)
    (win / "notes.txt.").write_text("Printer toner is ordered by the office manager.\n", encoding="utf-8")
    ingest_paths(settings, [tmp_path / "share"], embedder=fake)
    with open_store(home) as store:
        with pytest.raises(UnknownDocument):  # "notes.txt " or "notes.txt.": not guessed
            select_documents(store, [str(win / "notes.txt")])
        assert len(select_documents(store, [str(win / "notes.txt.")])) == 1  # exact still works


# -- 2. a trailing space or dot is shown quoted (one function) -------------------------------------------------------
def test_a_hidden_end_is_quoted_where_paths_are_shown(home, settings, tmp_path, fake, capsys):
    ends = ("/s/notes.txt ", "/s/minutes.txt.", "/s/a.txt", "/s/c.jsonl #4", "/s/c.jsonl#4", "/s/a#b.txt ")
    assert [hidden_end(p) for p in ends] == [True, True, False, True, False, True]
    assert shown_doc_path("/s/notes.txt ") == '"/s/notes.txt "' and shown_doc_path("/s/a\x1b.txt") == "/s/a\\x1b.txt"
    win = _share(tmp_path)
    ingest_paths(settings, [tmp_path / "share"], embedder=fake)
    assert main(["--home", str(home.root), "docs", "list"]) == 0
    out = capsys.readouterr().out
    assert f'"{win / "notes.txt "}" — ' in out and f'"{win / "minutes.txt."}" — ' in out
    assert f"  {win / 'plain.txt'} — " in out  # a plain name as before
    assert main(["--home", str(home.root), "docs", "list", "--json"]) == 0
    assert str(win / "notes.txt ").replace("\\", "\\\\") + '"' in capsys.readouterr().out  # JSON: as stored
    assert main(["--home", str(home.root), "docs", "show", str(win / "notes.txt ")]) == 0
    assert f'path: "{win / "notes.txt "}"' in capsys.readouterr().out


def _cite(source: str, n: int) -> SimpleNamespace:
    return SimpleNamespace(id=f"S{n}", source=source, text="some text", chunk_id=n, start_char=0, end_char=9)


def test_ask_citations_quote_a_hidden_end_and_mark_unicode_twins(home, capsys):
    from ragtune.cli.ask_print import print_citations

    print_citations(home, [_cite("/s/notes.txt ", 1), _cite(f"/s/{NFC}", 2), _cite(f"/s/{NFD}", 3),
                           _cite("/s/plain.txt", 4)])
    lines = capsys.readouterr().out.splitlines()[::2]
    assert lines == ['[1] S1 "/s/notes.txt " (id 1, chars 0-9)', f"[2] S2 /s/{NFC} (composed name) (id 2, chars 0-9)",
                     f"[3] S3 /s/{NFD} (decomposed name) (id 3, chars 0-9)", "[4] S4 /s/plain.txt (id 4, chars 0-9)"]


# -- 3. a rename in Unicode form only says so -------------------------------------------------------------------------
def test_a_rename_in_unicode_form_only_says_which_form(tmp_path):
    assert form_change(NFD, NFC) == " (decomposed → composed name)"
    assert form_change("a.md", "b.md") == "" and form_change(NFC, NFC) == ""
    s = IngestSummary(renamed=[(f"/s/{NFD}", f"/s/{NFC}"), ("/s/a.md", "/t/b.md")])
    assert s.renamed_lines() == [f"renamed: {NFD} → {NFC} (decomposed → composed name)", "renamed: /s/a.md → /t/b.md"]


def test_ingest_prints_the_form_of_a_unicode_rename(home, settings, tmp_path, fake, cli_fake, capsys):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / NFD).write_text("# CV\n\nTen years of plant maintenance in the north wing.\n", encoding="utf-8")
    ingest_paths(settings, [docs], embedder=fake)
    (docs / NFD).rename(docs / NFC)
    assert main(["--home", str(home.root), "ingest", str(docs)]) == 0
    assert f"renamed: {NFD} → {NFC} (decomposed → composed name)" in capsys.readouterr().out


@pytest.fixture
def cli_fake(monkeypatch, tokenizer):
    import ragtune.appliance.embed

    from .ingest_helpers import FakeEmbedder

    monkeypatch.setattr(ragtune.appliance.embed, "Embedder", lambda cfg, home: FakeEmbedder(tokenizer))


# -- 4. stored before junk.py skipped them: said, and --prune removes them -------------------------------------------
def _old_store(settings, fake, root: Path, n_bin: int) -> None:
    """Documents stored from a recycle bin and a Pages package, as an ingest before round 49 stored them."""
    (root / "kept.txt").write_text("The canteen opens at half past seven on weekdays.\n", encoding="utf-8")
    binned = root / "$RECYCLE.BIN" / "S-1-5-21-1-2-3-1001"
    binned.mkdir(parents=True)
    for i in range(n_bin):
        (binned / f"$R{i}.txt").write_text(f"Deleted draft number {i} about the old pay scale.\n", encoding="utf-8")
    pkg = root / "Plan.pages"
    pkg.mkdir()
    (pkg / "Index.zip").write_bytes(b"PK\x05\x06" + b"\x00" * 18)
    (pkg / "notes.txt").write_text("A part of the package that was read as a text file.\n", encoding="utf-8")
    ingest_paths(settings, [binned, pkg], embedder=fake)  # given directly: stored under the share's prefix
    ingest_paths(settings, [root], embedder=fake)


def test_documents_now_skipped_are_listed_and_pruned(home, settings, tmp_path, fake):
    root = tmp_path / "stick"
    root.mkdir()
    _old_store(settings, fake, root, n_bin=6)  # 6: more than prune.UNAVAILABLE_MIN_DOCS, not an unmounted share
    w = walk([root], EXTS)
    with open_store(home) as store:
        skipped = skipped_documents(store, w)
        assert sorted(Path(p).name for p in skipped) == sorted([f"$R{i}.txt" for i in range(6)] + ["notes.txt"])
        assert skipped_documents(store, w, exclude=set(skipped)) == []
        stale = stale_documents(store, w, {str(root / "kept.txt")}, [])
        assert len(stale.ids) == 7 and not stale.refused  # was: the recycle bin refused as "not mounted"
    line = IngestSummary(now_skipped=skipped).prune_lines()
    assert line[0].startswith("7 stored document(s) are now skipped; --prune removes them")
    ingest_paths(settings, [root], embedder=fake, prune=True)
    assert [Path(d.path).name for d in list_documents(settings)] == ["kept.txt"]


# -- 5. Windows' junk said apart like a Mac's -------------------------------------------------------------------------
def test_the_ignored_line_says_windows_metadata_apart():
    def line(**exts: int) -> str | None:
        e = {k.replace("_", "."): v for k, v in exts.items()}
        return IngestSummary(ignored=sum(e.values()), ignored_exts=e).ignored_line()

    both = {MAC_JUNK: 8, WINDOWS_JUNK: 8}
    assert IngestSummary(ignored=16, ignored_exts=both).ignored_line() == \
        "ignored 8 macOS metadata file(s) and 8 Windows metadata file(s)"
    assert IngestSummary(ignored=18, ignored_exts={**both, ".csv": 2}).ignored_line() == \
        "ignored 2 file(s) with other extensions (.csv ×2), 8 macOS metadata file(s) and 8 Windows metadata file(s)"
    assert IngestSummary(ignored=3, ignored_exts={WINDOWS_JUNK: 3}).ignored_line() == \
        "ignored 3 Windows metadata file(s) (Thumbs.db, desktop.ini, …)"
    assert IngestSummary(ignored=5, ignored_exts={WINDOWS_JUNK: 3, ".csv": 2}).ignored_line() == \
        "ignored 2 file(s) with other extensions (.csv ×2) and 3 Windows metadata file(s)"
    assert line(_csv=2) == "ignored 2 file(s) with other extensions (.csv ×2)"
