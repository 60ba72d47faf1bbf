"""Round 50, upgrading a home the round-48 release made (tests/fixtures/upgrade: built by that release's own commands,
not by SQL in its shape): the first open applies 0017 only, keeps every row and review, seeds the document ids past
the removed document the query log still names; the keyword index of schema 2 is rebuilt whole on first use and
finds what the old one found; the old config (tokens, token_scopes) loads. docs/upgrading.md names the keyword-index
schema and chunker version the code has, so the next bump of either has to say what it does to an upgraded home."""

from __future__ import annotations

import json
import re
import tarfile
from pathlib import Path

import pytest

from ragtune.appliance.store import Store

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "upgrade" / "r48_home.tar.gz"
DOC = Path(__file__).resolve().parents[2] / "docs" / "upgrading.md"


@pytest.fixture
def home48(tmp_path: Path) -> Path:
    with tarfile.open(FIXTURE) as tar:
        if hasattr(tarfile, "data_filter"):  # Python 3.12, and 3.10/3.11 patch releases of 2023 on
            tar.extractall(tmp_path, filter="data")
        else:
            tar.extractall(tmp_path)
    return tmp_path / "home"


def test_the_round48_home_takes_0017_alone_and_keeps_its_rows(home48):
    with Store(home48 / "ragtune.db") as st:
        assert st.migrated == ["0017_documents_ids_not_reused"]
        assert st.query("SELECT id, path FROM documents ORDER BY id") == [
            (1, "/tmp/h5/fxsrc/ja.md"), (2, "/tmp/h5/fxsrc/th.md")]
        assert st.query("SELECT id, doc_id FROM chunks ORDER BY id") == [(1, 1), (2, 2)]
        assert [r[0] for r in st.query("SELECT id FROM query_log ORDER BY id")] == [1, 2]
        assert st.query_log_entry(1)["review"]["answer"] == "一泊一万五千円まで"
        assert len(st.query_review_history(1)) == 1
        # travel.md was document 3, removed by the old release; only the query log still names it
        assert '"doc_id":3' in st.query("SELECT context FROM query_log WHERE id = 2")[0][0].replace(" ", "")
        assert st.query("SELECT seq FROM sqlite_sequence WHERE name = 'documents'") == [(3,)]
    with Store(home48 / "ragtune.db") as st:
        assert st.migrated == []  # applied once


def test_a_new_document_after_the_upgrade_does_not_take_the_removed_id_the_log_names(home48):
    from .store_helpers import Chunk, unit_vec

    with Store(home48 / "ragtune.db") as st:
        new_id, _ = st.put_document(path="/tmp/h5/fxsrc/canteen.md", sha256="c", title="Canteen", kind="md", size=1,
                                    doc_date=None, ingested_at=1.0, meta="{}",
                                    chunks=[Chunk(ord=0, text="Lunch at noon.", sha256="c-0")], vectors=[unit_vec(0)])
        assert new_id == 4  # before 0017 it was 3: the log's answer about travel.md would name the canteen


def test_the_schema2_keyword_index_is_rebuilt_on_first_use_and_finds_the_same_chunk(home48):
    from ragtune.appliance.lexical import SCHEMA_VERSION, LexicalIndex

    assert json.loads((home48 / "tantivy" / "synced.json").read_text())["schema"] == 2
    with Store(home48 / "ragtune.db") as st:
        lex = LexicalIndex(home48 / "tantivy")
        assert lex.corrupt  # another schema: started empty, refilled from the database
        assert lex.ensure_synced(st) is True
        assert lex.synced_version == st.index_version
        assert json.loads((home48 / "tantivy" / "synced.json").read_text())["schema"] == SCHEMA_VERSION
        # the round-48 `search 宿泊費` ranked ja.md's chunk (id 1) first by BM25; so does the rebuilt index
        assert [cid for cid, _ in lex.search("宿泊費", 5)][:1] == [1]
        assert [cid for cid, _ in lex.search("พนักงาน", 5)][:1] == [2]
        assert lex.ensure_synced(st) is False  # once


def test_the_round48_config_with_tokens_and_scopes_loads(home48):
    from ragtune.appliance.config import load_settings
    from ragtune.appliance.home import Home

    settings = load_settings(home48 / "config.toml", home=Home(home48))
    assert settings.serve.token_scopes == {"hr": ["/tmp/h5/fxsrc/ja.md"]}


def test_upgrading_md_names_the_keyword_index_schema_and_chunker_version_of_the_code():
    from ragtune.appliance.ingest.run import CHUNKER_VERSION
    from ragtune.appliance.lexical import SCHEMA_VERSION

    text = re.sub(r"\s+", " ", DOC.read_text(encoding="utf-8"))
    assert f"keyword-index schema {SCHEMA_VERSION}" in text
    assert f"chunker version {CHUNKER_VERSION}" in text
