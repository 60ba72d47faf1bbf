"""Round 49, disaster recovery (h5, fixed by h18): `docs remove REF --forget-log` killed part-way must leave a state
the same command finishes. It removed the documents (commit) and only then forgot the query-log entries quoting them:
a kill -9 between the two left the entries, and the rerun said "no ingested document matches", with no command to
finish the erasure. Now the entries are forgotten first, then the documents removed, then any entry that quoted them
meanwhile (a running serve) forgotten: killed at any write, the rerun ends with no entry quoting them and no document.
A forget that fails (busy) before the removal removes nothing: exit 75, and the same command is run again."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from ragtune.appliance.errors import BusyError
from ragtune.appliance.store import Store
from ragtune.cli import main
from ragtune.cli import docs_cmd

from . import kill_fuzz_helpers as kf
from .test_r45_erase import _corpus
from .test_r47_followup_erasure import _quote

REPO = Path(__file__).resolve().parents[2]


def _home_with_quotes(settings, tmp_path, fake) -> tuple[str, int, list[int], dict[str, str]]:
    """The leaked file and two guides that quote it in the query log (one entry also quotes a guide)."""
    path, doc_id = _corpus(settings, tmp_path, fake)
    ids = [_quote(settings, doc_id, path), _quote(settings, doc_id, path)]
    with Store(settings.home.db_path) as s:
        cids = [r[0] for r in s.query("SELECT id FROM chunks WHERE doc_id = ?", (doc_id,))]
    quoted = {"cids": json.dumps(cids), "dids": json.dumps([doc_id]), "paths": json.dumps([path])}
    return path, doc_id, ids, quoted


def _run(home: Path, argv: list[str], kill_at: str | None = None) -> tuple[int, list, str]:
    trace = home.parent / f"{home.name}.trace"
    trace.unlink(missing_ok=True)
    env = dict(os.environ, RAGTUNE_HOME=str(home), OMP_NUM_THREADS="1", **{kf.TRACE_ENV: str(trace)})
    env.pop(kf.KILL_ENV, None)
    if kill_at:
        env[kf.KILL_ENV] = kill_at
    p = subprocess.run([sys.executable, "-m", "tests.appliance.kill_fuzz_helpers", "run", *argv], cwd=REPO, env=env,
                       capture_output=True, text=True, timeout=120)
    return p.returncode, kf.parse_trace(trace.read_text() if trace.exists() else ""), p.stderr


def _erased(home: Path, path: str, ids: list[int], quoted: dict[str, str]) -> list[str]:
    with Store(home / "ragtune.db") as s:
        bad = []
        if s.document_by_path(path) is not None:
            bad.append("the document is still stored")
        if (left := s.log_ids_quoting(quoted)):
            bad.append(f"log entries still quote it: {left}")
        if s.log_ids_present(ids, forgotten_only=True) != set(ids):
            bad.append("an entry that quoted it is not forgotten")
    return bad


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix" or not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")
def test_an_erasure_killed_at_any_write_is_finished_by_the_same_command(settings, tmp_path, fake):
    path, _, ids, quoted = _home_with_quotes(settings, tmp_path, fake)
    base = settings.home.root
    argv = ["docs", "remove", path, "--forget-log"]
    clean = tmp_path / "clean"
    shutil.copytree(base, clean, symlinks=True)
    rc, trace, err = _run(clean, argv)
    assert rc == 0 and not _erased(clean, path, ids, quoted), err
    points = kf.kill_points(trace)
    assert any(p.startswith("txn:after") for p in points) and len(points) >= 4, points
    problems = []
    for n, point in enumerate(points):
        home = tmp_path / f"k{n:02d}"
        shutil.copytree(base, home, symlinks=True)
        rc, _, err = _run(home, argv, kill_at=point)
        if rc != -signal.SIGKILL:
            problems.append(f"{point}: not killed (rc {rc}): {err[-300:]}")
            continue
        rc, _, err = _run(home, argv)  # the documented way back: the same command
        # once the removal committed, nothing is left for the rerun to find: it says so (and the erasure is whole)
        if rc != 0 and not (rc == 2 and "no ingested document matches" in err):
            problems.append(f"{point}: rerun rc {rc}: {err[-300:]}")
        problems += [f"{point}: {b}" for b in _erased(home, path, ids, quoted)]
        # a kill after the removal's commit leaves the keyword index marked behind (the rerun finds nothing to
        # remove): the next search rebuilds it from SQLite, without the removed chunks
        rc, _, err = _run(home, ["search", "canteen", "--mode", "bm25", "--json"])
        problems += [f"{point}: search rc {rc}: {err[-300:]}"] if rc else []
        problems += [f"{point}: {b}" for b in kf.invariants(home)]
        # for disk space only: Tantivy's reader thread (invariants' searcher, until collected) may recreate its
        # meta lock file while the tree goes (CI: 'Directory not empty: tantivy')
        shutil.rmtree(home, ignore_errors=True)
    assert not problems, "\n".join(problems)


def test_the_entries_are_forgotten_before_the_documents_go(settings, tmp_path, fake, capsys, monkeypatch):
    """The order itself (fast, in process): when the removal starts, no entry quotes the documents any more."""
    from ragtune.appliance.ingest import documents

    path, doc_id, ids, quoted = _home_with_quotes(settings, tmp_path, fake)
    real, seen = documents.remove_documents, []

    def remove(settings_, refs, *, dry_run=False, **kw):
        if not dry_run:
            with Store(settings_.home.db_path) as s:
                seen.append(s.log_ids_quoting(quoted))
        return real(settings_, refs, dry_run=dry_run, **kw)
    monkeypatch.setattr(documents, "remove_documents", remove)
    capsys.readouterr()
    assert main(["--home", str(settings.home.root), "docs", "remove", path, "--forget-log", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert seen == [[]]  # was: [ids] (the removal first, the forget after)
    # one receipt, both forgets merged: the same keys as before
    assert out["quoted_by_log"] == ids and out["log_forgotten"]["forgotten"] == ids
    assert [d["id"] for d in out["removed"]] == [doc_id] and not _erased(settings.home.root, path, ids, quoted)


def test_a_failed_forget_before_the_removal_removes_nothing_and_the_rerun_finishes(settings, tmp_path, fake, capsys,
                                                                                   monkeypatch):
    path, doc_id, ids, quoted = _home_with_quotes(settings, tmp_path, fake)

    def busy(self, ids_):
        raise BusyError("database is locked")
    monkeypatch.setattr(Store, "forget_query_log", busy)
    capsys.readouterr()
    root = str(settings.home.root)
    assert main(["--home", root, "docs", "remove", path, "--forget-log"]) == BusyError.exit_code
    err = capsys.readouterr().err
    assert "nothing was removed or forgotten; run the same command again" in err and "Traceback" not in err, err
    with Store(settings.home.db_path) as s:
        assert s.document(doc_id) is not None and s.log_ids_quoting(quoted) == ids
    monkeypatch.undo()
    assert main(["--home", root, "docs", "remove", path, "--forget-log"]) == 0
    assert not _erased(settings.home.root, path, ids, quoted)


def test_an_entry_quoting_them_meanwhile_is_forgotten_after_the_removal(settings, tmp_path, fake, capsys,
                                                                        monkeypatch):
    """A running serve answers from the documents between the first forget and the removal: its entry is
    forgotten after the removal and the receipt counts it with the others; a failure of that second forget
    names it in `not reached` (the documents are gone: a rerun finds nothing) and exits with the error's code."""
    path, doc_id, ids, quoted = _home_with_quotes(settings, tmp_path, fake)
    real_clear, late = docs_cmd._clear_answer_cache, []

    def clear(settings_):  # called between the first forget and the removal
        if not late:
            late.append(_quote(settings, doc_id, path))
        return real_clear(settings_)
    monkeypatch.setattr(docs_cmd, "_clear_answer_cache", clear)
    capsys.readouterr()
    root = str(settings.home.root)
    assert main(["--home", root, "docs", "remove", path, "--forget-log", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["quoted_by_log"] == [*ids, *late] and out["log_forgotten"]["forgotten"] == [*ids, *late]
    assert not _erased(settings.home.root, path, [*ids, *late], quoted)


def test_a_failed_forget_after_the_removal_names_the_entries_quoting_meanwhile(settings, tmp_path, fake, capsys,
                                                                               monkeypatch):
    path, doc_id, ids, quoted = _home_with_quotes(settings, tmp_path, fake)
    real_clear, real_forget, late = docs_cmd._clear_answer_cache, Store.forget_query_log, []

    def clear(settings_):
        if not late:
            late.append(_quote(settings, doc_id, path))
        return real_clear(settings_)

    def forget(self, ids_):
        if late and late[0] in ids_:
            raise BusyError("database is locked")
        return real_forget(self, ids_)
    monkeypatch.setattr(docs_cmd, "_clear_answer_cache", clear)
    monkeypatch.setattr(Store, "forget_query_log", forget)
    capsys.readouterr()
    rc = main(["--home", str(settings.home.root), "docs", "remove", path, "--forget-log", "--json"])
    out = capsys.readouterr()
    assert rc == BusyError.exit_code, out.err
    doc = json.loads(out.out)
    left = {item["what"]: item for item in doc["not_reached"]}
    assert doc["log_forgotten"]["forgotten"] == ids and left["query_log"]["where"] == [str(late[0])]
    assert any("locked" in p for p in doc["problems"])
