"""Round 47 follow-ups to the erasure walk-through (docs/security.md, "Erasure"): `docs remove --forget-log` removes
the documents, forgets the log entries quoting them and prints one receipt (what was erased, what is not reached);
a removal drops this user's rebuilt read-only copies of the home's keyword index; `ragtune backup` records itself in
the home so that the receipt names the backups made before; a damaged eval item no longer fails a replay or `eval
compare`."""

from __future__ import annotations

import json

from ragtune.appliance import lexical_cache
from ragtune.appliance.backup import backup_home
from ragtune.appliance.backup_record import backups_file, backups_made
from ragtune.appliance.ingest.documents import remove_documents
from ragtune.appliance.store import Store
from ragtune.cli import main

from .test_r45_erase import ROW, SECRET, _corpus


def _quote(settings, doc_id: int, path: str) -> int:
    with Store(settings.home.db_path) as s:
        cid = s.query("SELECT id FROM chunks WHERE doc_id = ?", (doc_id,))[0][0]
        return s.add_query_log({**ROW, "context": [{"id": "S1", "chunk_id": cid, "doc_id": doc_id, "source": path,
                                                    "text": SECRET}]})


def test_forget_log_erases_the_quoting_entries_and_prints_one_receipt(settings, tmp_path, fake, capsys):
    path, doc_id = _corpus(settings, tmp_path, fake)
    quoting = _quote(settings, doc_id, path)
    backup_home(settings.home, tmp_path / "bk1", record=True)  # made before: still holds it
    root = str(settings.home.root)

    assert main(["--home", root, "docs", "remove", path, "--forget-log"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("erasure receipt"), out
    assert f"document {doc_id}" in out and "answer cache cleared" in out
    assert f"query log: 1 entry forgotten ({quoting})" in out, out
    assert "1 backup made before still holds it: " in out and "bk1" in out, out
    for what in ("eval reports", "exports and datasets", "other users' caches", "serve's memory"):
        assert what in out, (what, out)
    with Store(settings.home.db_path) as s:
        entry = s.query_log_entry(quoting)
        assert entry["forgotten"] is not None and SECRET not in json.dumps(entry)


def test_forget_log_json_gives_the_same_as_keys(settings, tmp_path, fake, capsys):
    path, doc_id = _corpus(settings, tmp_path, fake)
    quoting = _quote(settings, doc_id, path)
    backup_home(settings.home, tmp_path / "bk1", record=True)
    capsys.readouterr()
    assert main(["--home", str(settings.home.root), "docs", "remove", path, "--forget-log", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["n_removed"] == 1 and doc["quoted_by_log"] == [quoting]
    assert doc["log_forgotten"]["forgotten"] == [quoting] and "answer_cache_cleared" in doc
    left = {item["what"]: item for item in doc["not_reached"]}
    assert left["backups"]["where"] == [str(tmp_path / "bk1")]
    assert {"eval_reports", "exports_and_datasets", "other_users_caches", "serve_memory"} <= set(left)
    assert "query_log" not in left  # forgotten: no longer left behind


def test_without_forget_log_the_entries_stay_and_the_backups_are_named(settings, tmp_path, fake, capsys):
    path, doc_id = _corpus(settings, tmp_path, fake)
    quoting = _quote(settings, doc_id, path)
    backup_home(settings.home, tmp_path / "bk1", record=True)
    capsys.readouterr()
    assert main(["--home", str(settings.home.root), "docs", "remove", path]) == 0
    err = capsys.readouterr().err
    assert f"ragtune log forget {quoting}`" in err and "1 backup made before still holds it" in err, err
    assert "other users' caches" in err
    with Store(settings.home.db_path) as s:
        assert s.query_log_entry(quoting)["forgotten"] is None


def test_a_bad_line_of_the_backups_record_is_named_never_a_failed_removal(settings, tmp_path, fake, capsys):
    path, _ = _corpus(settings, tmp_path, fake)
    f = backups_file(settings.home)
    f.parent.mkdir(parents=True, exist_ok=True)
    f.write_text('{"dest": "/mnt/b1", "time": 1000.5}\nnot json\n{"dest": 5, "time": 1}\n[1]\n'
                 '{"dest": "/mnt/b2", "time": "yesterday"}\n\n{"dest": "/mnt/b3", "time": 2000}\n')
    found, problems = backups_made(settings.home)
    assert [b["dest"] for b in found] == ["/mnt/b1", "/mnt/b3"]
    assert [p.split(": ")[0] for p in problems] == [f"{f}:2", f"{f}:3", f"{f}:4", f"{f}:5"], problems
    capsys.readouterr()
    assert main(["--home", str(settings.home.root), "docs", "remove", path, "--forget-log"]) == 0
    cap = capsys.readouterr()
    assert f"warning: {f}:2: not JSON (skipped)" in cap.err
    assert "2 backups made before still hold it: /mnt/b1" in cap.out, cap.out


def test_backup_records_itself_only_when_asked(settings, tmp_path, fake):
    _corpus(settings, tmp_path, fake)
    backup_home(settings.home, tmp_path / "plain")  # the library call leaves the source home as it was
    assert not backups_file(settings.home).exists()
    backup_home(settings.home, tmp_path / "rec", record=True)
    [b] = backups_made(settings.home)[0]
    assert b["dest"] == str(tmp_path / "rec") and b["exists"]


def test_a_removal_discards_this_users_rebuilt_copies_of_the_home(settings, tmp_path, fake, monkeypatch):
    monkeypatch.setenv(lexical_cache.CACHE_ENV, str(tmp_path / "cache"))
    path, _ = _corpus(settings, tmp_path, fake)
    with Store(settings.home.db_path) as s:
        folder = lexical_cache.home_folder(settings.home.lexical_dir, s)
    copy = folder / "v3"  # what a read-only reader's search rebuilt: it holds the document's terms
    copy.mkdir(parents=True)
    (copy / "meta.json").write_text("{}")
    (copy / "seg.store").write_bytes(SECRET.encode())
    summary = remove_documents(settings, [path])
    assert summary.lexical_cache_discarded == 1 and summary.to_json()["lexical_cache_discarded"] == 1
    assert not folder.exists()


def test_a_damaged_eval_item_is_skipped_and_counted(settings):
    with Store(settings.home.db_path) as s:
        s.ensure_eval_run("rp", "replay", {"dataset": {"kind": "replay"}})
        s.put_eval_item("rp", "A", "log1", {"log_id": 7, "answer": "a"})
        s.conn.execute("INSERT INTO eval_items(run_id, arm, qid, result) VALUES ('rp', 'A', 'log2', 'not json')")
        s.conn.execute("INSERT INTO eval_items(run_id, arm, qid, result) VALUES ('rp', 'C', 'log1', '[[[')")
        s.conn.execute("INSERT INTO eval_items(run_id, arm, qid, result) VALUES ('rp', 'C', 'log2', '5')")
        s.conn.execute("INSERT INTO eval_runs(id, created, dataset, config) VALUES ('bad', 1, 'x', '{oops')")
        s.conn.execute("INSERT INTO eval_items(run_id, arm, qid, result) VALUES ('bad', 'A', 'q', '{\"log_id\": 9}')")
        assert s.replay_log_ids() == {7}  # before: "malformed JSON" from json_extract
        assert s.eval_items("rp") == {("A", "log1"): {"log_id": 7, "answer": "a"}}  # before: json.loads raised
        assert s.damaged_eval_items("rp") == 3 and s.damaged_eval_items() == 3


def test_an_ingest_that_prunes_a_document_discards_this_users_rebuilt_copies(settings, tmp_path, fake, monkeypatch):
    """`ingest --prune` (and an edit) delete chunks too: a copy of the keyword index a read-only reader's search
    rebuilt in this user's cache still holds their text, so it goes with them, as at `docs remove`."""
    from pathlib import Path

    from ragtune.appliance.ingest import ingest_paths

    monkeypatch.setenv(lexical_cache.CACHE_ENV, str(tmp_path / "cache"))
    path, _ = _corpus(settings, tmp_path, fake)
    with Store(settings.home.db_path) as s:
        folder = lexical_cache.home_folder(settings.home.lexical_dir, s)
    copy = folder / "v3"
    copy.mkdir(parents=True)
    (copy / "seg.store").write_bytes(SECRET.encode())
    Path(path).unlink()
    summary = ingest_paths(settings, [Path(path).parent], prune=True, embedder=fake)
    assert summary.pruned == [path]
    assert not folder.exists()
