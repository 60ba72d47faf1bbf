"""[serve] token_scopes takes stored paths and folders, not document ids: an id is INTEGER PRIMARY KEY without
AUTOINCREMENT, so removing the newest document hands its id to the next one ingested, and a scope naming that id
would read a document nobody meant it to (salaries.md in place of a public note)."""

from __future__ import annotations

import pytest

from ragtune.appliance.config import ServeConfig, load_settings
from ragtune.appliance.errors import ConfigError
from ragtune.appliance.home import Home
from ragtune.appliance.store import open_store
from ragtune.serve.scopes import ScopeCache

from .test_r48_tokscope import _ingest

SECRET = "0123456789abcdefXYZ"


@pytest.mark.parametrize("ref", ["2", " 12 ", "007"])
def test_a_document_id_in_a_scope_is_refused_naming_the_key_and_token(ref):
    with pytest.raises(ConfigError) as e:
        ServeConfig(tokens=[f"hr:{SECRET}"], token_scopes={"hr": ["/srv/docs/hr/", ref]})
    msg = str(e.value)
    assert msg.startswith("[serve] token_scopes: hr: ") and f"'{ref.strip()}' is a document id" in msg, msg
    assert "name its stored path or folder" in msg


def test_the_file_line_is_named_and_paths_with_digits_are_fine(tmp_path):
    ok = ServeConfig(tokens=[f"hr:{SECRET}"], token_scopes={"hr": ["/srv/docs/2024/", "/srv/12", "12b"]})
    assert ok.token_scopes["hr"] == ["/srv/docs/2024/", "/srv/12", "12b"]
    p = tmp_path / "config.toml"
    p.write_text(f'[serve]\ntokens = ["hr:{SECRET}"]\ntoken_scopes = {{ hr = ["3"] }}\n')
    with pytest.raises(ConfigError) as e:
        load_settings(p)
    assert "token_scopes" in str(e.value) and "'3' is a document id" in str(e.value)


def test_why_an_id_cannot_scope_a_token(tmp_path):
    """The id of the newest document, once removed, was the next ingested one's before round 49 (migration 0017:
    never again); its path scopes nothing then."""
    home = Home(tmp_path / "home")
    home.ensure()
    assert _ingest(home, ["/srv/docs/pub/a.md", "/srv/docs/pub/b.md"]) == [1, 2]
    with open_store(home) as s:
        s.delete_document(2)
        s.bump_index_version()
    assert _ingest(home, ["/srv/docs/exec/salaries.md"]) == [3]  # (was [2], reused: an id scope read salaries)
    with open_store(home) as s:
        assert ScopeCache().filters(s, None, ("/srv/docs/pub/b.md",)) == {"doc_ids": []}
        assert ScopeCache().filters(s, None, ("/srv/docs/pub/",)) == {"doc_ids": [1]}
