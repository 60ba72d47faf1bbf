"""Round 47: `ragtune doctor` on homes restored from backups and moved between machines (appliance/doctor.py,
lexical_health.py, doctor_files.py): a lexical index whose damage only a search meets (a Tantivy panic) fails with
its removal as the fix; documents whose files are not at their recorded path warn (`sources`) with `ragtune ingest
NEW-FOLDER`; files under the home of another owner warn (`owners`) with the `chown -R`; `docs list`'s GONE hint
names the re-pointing ingest too."""

from __future__ import annotations

import os
import shutil

import pytest

from ragtune.appliance.doctor import diagnose
from ragtune.appliance.ingest import ingest_paths
from ragtune.appliance.ingest.documents import GONE_HINT

from .kill_fuzz_helpers import write_corpus
from .test_r47_fix_lexical import _damage  # the one-byte damage a raw Tantivy search panics on


@pytest.fixture
def ingested(settings, fake, tmp_path):
    write_corpus(tmp_path / "docs", seed=3, n=6)
    ingest_paths(settings, [tmp_path / "docs"], embedder=fake)
    return settings


def _lines(home) -> dict[str, tuple[str, str, str | None]]:
    return {c.name: (c.status, c.detail, c.hint) for c in diagnose(home).checks}


# -- 1. a lexical index damaged where only a search reads ----------------------------------------------------------
def test_a_lexical_index_a_search_panics_on_fails_with_its_removal_as_the_fix(ingested, tmp_path):
    home = ingested.home
    _damage(home, tmp_path)  # one byte flipped (a bad disk, a restore gone wrong) where a search then panics
    status, detail, hint = _lines(home)["lexical"]
    assert status == "fail" and "damaged" in detail and "panicked" in detail, detail
    assert f'rm -rf "{home.lexical_dir}"' in hint and "builds it again from the database" in hint


def test_a_healthy_index_passes_the_probe_and_reads_as_before(ingested):
    assert _lines(ingested.home)["lexical"] == ("ok", "in step (18 chunks, index version 2)", None)


# -- 2. sources not at their recorded path -------------------------------------------------------------------------
def test_a_moved_documents_folder_warns_and_an_ingest_of_its_new_place_clears_it(ingested, fake, tmp_path, capsys):
    from ragtune.cli import main

    before = _lines(ingested.home)
    assert "sources" not in before  # all there: no line (the output other tests pin)
    (tmp_path / "docs").rename(tmp_path / "moved")
    status, detail, hint = _lines(ingested.home)["sources"]
    assert status == "warn"
    assert detail.startswith("6 of 6 documents' files are not at their recorded path"), detail
    assert f"none is under {tmp_path / 'docs'} any more" in detail
    assert "`ragtune ingest NEW-FOLDER`" in hint and "--prune" in hint
    assert main(["--home", str(ingested.home.root), "doctor"]) == 0  # a warning: exit 0
    assert "sources" in capsys.readouterr().out
    ingest_paths(ingested, [tmp_path / "moved"], embedder=fake)  # rename.py: re-pointed, not embedded again
    assert "sources" not in _lines(ingested.home)


def test_one_deleted_file_is_named(ingested, tmp_path):
    gone = sorted((tmp_path / "docs").glob("doc0*"))[1]
    gone.unlink()
    status, detail, _ = _lines(ingested.home)["sources"]
    assert status == "warn" and detail.startswith(f"1 of 6 documents' files are not at their recorded path ({gone})")
    assert "none is under" not in detail


def test_the_sources_check_stops_at_its_budget(ingested, tmp_path, monkeypatch):
    from ragtune.appliance import doctor_files

    shutil.rmtree(tmp_path / "docs")
    monkeypatch.setattr(doctor_files, "SOURCES_BUDGET_S", -1.0)  # past it at the first look at the clock
    monkeypatch.setattr(doctor_files, "SOURCES_BATCH", 2)
    _, detail, _ = _lines(ingested.home)["sources"]
    assert detail.startswith("2 of the first 2 looked at (of 6; stopped after -1 s) documents' files"), detail


# -- 3. docs list's GONE hint --------------------------------------------------------------------------------------
def test_the_gone_hint_names_the_ingest_of_a_moved_folder():
    assert "`ragtune ingest NEW-FOLDER`" in GONE_HINT and "--prune" in GONE_HINT and "docs remove" in GONE_HINT


# -- 4. files of another owner under the home ----------------------------------------------------------------------
@pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0, reason="needs root to chown")
def test_files_of_another_owner_under_the_home_warn_with_the_chown(ingested):
    import grp
    import pwd

    root = ingested.home.root
    assert "owners" not in _lines(ingested.home)
    nobody = pwd.getpwnam("nobody")
    # the home is nobody's; root ran a search in it and left its (root's) tantivy/ there
    for folder, dirs, files in os.walk(root):
        for name in [folder, *(os.path.join(folder, f) for f in files)]:
            os.lchown(name, nobody.pw_uid, nobody.pw_gid)
    os.chown(ingested.home.lexical_dir, 0, 0)
    for f in ingested.home.lexical_dir.iterdir():
        os.chown(f, 0, 0)
    status, detail, hint = _lines(ingested.home)["owners"]
    assert status == "warn"
    assert "belong to another user than the home's owner (nobody): tantivy/ (root)" in detail, detail
    n = 1 + len(list(ingested.home.lexical_dir.iterdir()))
    assert detail.startswith(f"{n} files and folders under the home")
    group = grp.getgrgid(nobody.pw_gid).gr_name
    assert hint.startswith(f'as root: chown -R nobody:{group} "{root}"')
