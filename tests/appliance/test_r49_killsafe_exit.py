"""Round 49 (h5's disaster-recovery run, fixed by h18): `ragtune ingest` where the database refused to store most
documents (569 of 600 `failed: ... database error: disk I/O error`, 31 stored) exited 0, as a partial failure of
files does: a cron job saw nothing. A document the database refused is the home's problem, not the file's: the run
still prints its summary, then exits 4 (StoreError: "database problems", docs/ingest.md). Files that fail to load
keep their codes: 0 when others were stored, 2 when nothing was."""

from __future__ import annotations

import json

import pytest

from ragtune.appliance.errors import StoreError
from ragtune.appliance.store import Store
from ragtune.cli import main

from .ingest_helpers import FakeEmbedder, write_good


@pytest.fixture
def cli_fake(monkeypatch, tokenizer):
    import ragtune.appliance.embed

    monkeypatch.setattr(ragtune.appliance.embed, "Embedder", lambda cfg, home: FakeEmbedder(tokenizer))


def _refuse(monkeypatch, every: bool):
    real = Store.put_document
    calls = []

    def put(self, **kw):
        calls.append(kw["path"])
        if every or len(calls) % 2 == 0:
            raise StoreError("database error: disk I/O error")
        return real(self, **kw)
    monkeypatch.setattr(Store, "put_document", put)


@pytest.mark.parametrize("every", [False, True])
def test_documents_the_database_refused_make_the_ingest_exit_4(home, tmp_path, cli_fake, capsys, monkeypatch, every):
    write_good(tmp_path / "docs")
    _refuse(monkeypatch, every)
    capsys.readouterr()
    assert main(["--home", str(home.root), "ingest", str(tmp_path / "docs"), "--json"]) == StoreError.exit_code
    out = capsys.readouterr()
    s = json.loads(out.out)  # the summary first, then the error
    assert s["store_errors"] == len(s["failed"]) > 0 and (s["added"] == 0) == every
    assert "could not be stored (database error" in out.err and "Traceback" not in out.err


def test_files_that_fail_to_load_keep_exit_0_beside_stored_ones(home, tmp_path, cli_fake, capsys):
    write_good(tmp_path / "docs")
    (tmp_path / "docs" / "empty.md").write_bytes(b"")
    assert main(["--home", str(home.root), "ingest", str(tmp_path / "docs"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["store_errors"] == 0
