"""Round 44 follow-ups: `log forget` says the replay-eval rows it blanked, a busy index exits 75 (EX_TEMPFAIL) instead
of a damaged database's 4, and `docs list` marks documents whose file is gone and names that look the same but differ
in Unicode form."""

from __future__ import annotations

import json
import os

from ragtune.appliance.errors import StoreError
from ragtune.appliance.ingest.documents import list_documents, show_document
from ragtune.appliance.ingest.pipeline import ingest_paths
from ragtune.appliance.lexical import IndexBusy, LexicalIndex
from ragtune.appliance.store import open_store
from ragtune.cli import main

from .ingest_helpers import write_good
from .test_log_retention import row
from .test_r44_leftovers import _replay


# -- `log forget` text output names the replay rows -------------------------------------------------------------------
def test_log_forget_says_the_replay_rows_it_blanked(home, capsys):
    """Was: "forgot 1 entry (1), 0 review(s) and 0 cached answer(s)"; only --json showed `replays`."""
    with open_store(home) as s:
        user = s.add_query_log(row(1.0, query="my secret question", normalized_query="my secret question"))
        copy = s.add_query_log(row(2.0, query="my secret question", normalized_query="my secret question"))
        other = s.add_query_log(row(3.0, query="another question", normalized_query="another question"))
        _replay(s, "r1", {user: copy})
    assert main(["--home", str(home.root), "log", "forget", str(user)]) == 0
    out = capsys.readouterr().out
    assert out == f"forgot 1 entry ({user}), 0 review(s) and 0 cached answer(s), and 1 replay-eval row(s) ({copy})\n"
    assert main(["--home", str(home.root), "log", "forget", str(other)]) == 0  # none: not mentioned
    assert capsys.readouterr().out == f"forgot 1 entry ({other}), 0 review(s) and 0 cached answer(s)\n"


# -- busy: exit 75 ----------------------------------------------------------------------------------------------------
def test_a_busy_index_exits_75_not_the_damaged_database_4(home, settings, tmp_path, fake, monkeypatch, capsys):
    import ragtune.appliance.ingest.writer as writer
    from ragtune.appliance.errors import BusyError

    assert issubclass(IndexBusy, BusyError) and issubclass(IndexBusy, StoreError)  # still caught as a StoreError
    assert IndexBusy("x").exit_code == 75 and StoreError("x").exit_code == 4
    write_good(tmp_path / "docs")
    ingest_paths(settings, [tmp_path / "docs"], embedder=fake)
    monkeypatch.setattr(writer.acquire_writer, "__defaults__", (0.0, None))  # do not wait the 30 s
    lexical = LexicalIndex(settings.home.lexical_dir)
    with lexical.writer() as w:  # another ingest writes
        assert main(["--home", str(home.root), "docs", "remove", str(tmp_path / "docs"), "--json"]) == 75
        with open_store(home) as s:
            w.finish(s.index_version)
    err = json.loads(capsys.readouterr().out)["error"]
    assert err["type"] == "IndexBusy" and err["exit_code"] == 75


# -- docs list: gone files and Unicode twins --------------------------------------------------------------------------
NFC, NFD = "caf\u00e9", "cafe\u0301"  # two folders, as a Mac copy beside the original makes them


def _name(path: str) -> str:
    """The folder of a twin, the file of the others."""
    parent, name = os.path.split(path)
    return os.path.basename(parent) if name == "menu.txt" else name


def test_docs_list_marks_gone_files_and_unicode_twins(home, settings, tmp_path, fake, capsys):
    """Was: a renamed file's document listed like any other, and `café.txt` twice, the same to the eye."""
    docs = tmp_path / "docs"
    docs.mkdir()
    for form, text in ((NFC, "The espresso machine is descaled every Monday by the morning shift.\n"),
                       (NFD, "The tea kettle is emptied every evening before the shop closes.\n")):
        (docs / form).mkdir()
        (docs / form / "menu.txt").write_text(text, encoding="utf-8")
    (docs / "kept.txt").write_text("Deliveries arrive on Tuesdays and Fridays at the back door.\n", encoding="utf-8")
    (docs / "moved.txt").write_text("Holiday opening hours are posted two weeks ahead.\n", encoding="utf-8")
    ingest_paths(settings, [docs], embedder=fake)
    (docs / "moved.txt").rename(docs / "renamed.txt")
    listed = {_name(d.path): d for d in list_documents(settings)}
    assert {n: (d.gone, d.unicode_twin) for n, d in listed.items()} == {
        NFC: (False, True), NFD: (False, True), "kept.txt": (False, False), "moved.txt": (True, False)}
    # --under one form lists that folder only, and its twin outside the list is still found
    assert [d.unicode_twin for d in list_documents(settings, under=docs / NFD)] == [True]

    assert main(["--home", str(home.root), "docs", "list"]) == 0
    cap = capsys.readouterr()
    lines = cap.out.splitlines()
    assert f"  {docs / NFC / 'menu.txt'} (composed name) — menu\n" in cap.out, cap.out
    assert f"  {docs / NFD / 'menu.txt'} (decomposed name) — menu\n" in cap.out, cap.out
    moved = next(i for i, line in enumerate(lines) if line.endswith(f"{docs / 'moved.txt'} — moved"))
    assert lines[moved + 1].split()[0] == "GONE" and "renamed or deleted" in lines[moved + 1]
    assert sum("GONE" in line for line in lines) == 1 and "kept.txt (" not in cap.out
    assert cap.err.strip().endswith(", 1 gone")
    assert main(["--home", str(home.root), "docs", "list", "--json"]) == 0
    rows = {_name(d["path"]): d for d in json.loads(capsys.readouterr().out)["documents"]}
    assert {n: (d["gone"], d["unicode_twin"]) for n, d in rows.items()} == {
        NFC: (False, True), NFD: (False, True), "kept.txt": (False, False), "moved.txt": (True, False)}
    # `docs show --json` does not look (new fields of docs list only)
    assert "gone" not in show_document(settings, str(listed["kept.txt"].id))[0].to_json()


def test_a_gone_corpus_row_is_its_corpus_files(home, settings, tmp_path, fake):
    corpus = tmp_path / "beir" / "corpus.jsonl"
    corpus.parent.mkdir()
    corpus.write_text("".join(json.dumps({"_id": f"d{i}", "title": f"T{i}", "text": f"Row {i} says hello there."})
                              + "\n" for i in range(2)), encoding="utf-8")
    ingest_paths(settings, [corpus], embedder=fake)
    assert [d.gone for d in list_documents(settings)] == [False, False]
    corpus.unlink()
    assert [d.gone for d in list_documents(settings)] == [True, True]
