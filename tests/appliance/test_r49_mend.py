"""Round 49's mends (round 48's final read): one definition where there were two or three, behaviour unchanged.

- the "misnamed token" rule (config_ops.token_name): the loader, serving and `config show` say the same of each token;
- the retired-key filter (config_ops.retired_keys): the loader's error and `config set`'s edits;
- a serve token's scope resolves its refs with one count of the store, not one per ref (scope.scope_documents);
- one walk of a lineage's reference keys (lineage.lineage_keys) for `models remove` and `models show`;
- one no-HOME guard (userdirs.under_home / need_home) for the home, the model cache and the cache folder."""

from __future__ import annotations

import hashlib
import inspect
import types

import pytest

from ragtune.appliance import config_edit, config_ops, default_models, home as home_mod, lineage, scope, userdirs
from ragtune.appliance.config_edit import set_config_value
from ragtune.appliance.config_ops import bad_token_name, masked_tokens, token_name
from ragtune.appliance.errors import ConfigError, InputError, ModelError, NothingIngested, RagtuneError
from ragtune.appliance.home import Home
from ragtune.appliance.store import Store
from ragtune.serve import auth

S = "s3cret-token-0123456789"  # long enough: only the name decides
# raw token -> (its name: None when misnamed, what `config show` shows)
TOKENS = {
    f"hr:{S}": ("hr", "hr:***"),
    f" hr-team.1_x : {S}": ("hr-team.1_x", "hr-team.1_x:***"),
    S: ("", "***"),
    f":{S}": (None, "***"),  # an empty name: a secret's front
    f"two words:{S}": (None, "***"),
    f"{'n' * 65}:{S}": (None, "***"),
    f"{'n' * 64}:{S}": ("n" * 64, f"{'n' * 64}:***"),
    f"équipe:{S}": (None, "***"),
    f"a:b:{S}": ("a", "a:***"),  # the name is before the first ":"
}


@pytest.mark.parametrize("raw", list(TOKENS))
def test_a_token_is_misnamed_alike_for_the_loader_serving_and_config_show(raw):
    name, shown = TOKENS[raw]
    assert token_name(raw) == name and masked_tokens([raw]) == [shown]
    assert bad_token_name([f"ok:{S}", raw]) == (None if name is not None else 2)
    if name is None:
        with pytest.raises(ConfigError) as e:
            auth.parse_token(raw, "[serve] tokens")
        assert e.value.message == f"[serve] tokens: a token {config_ops.BAD_NAME}" and S not in e.value.message
    else:
        assert auth.parse_token(raw, "x").name == (name or "token-" + hashlib.sha256(S.encode()).hexdigest()[:8])


def test_the_misnamed_rule_is_written_once():
    for fn in (auth.parse_token, config_ops.masked_tokens, config_ops.bad_token_name):
        assert "token_name(" in inspect.getsource(fn) and "token_name_ok" not in inspect.getsource(fn)


# -- retired keys ---------------------------------------------------------------------------------------------
def test_retired_keys_filter_by_section_and_by_the_key_they_became(monkeypatch):
    monkeypatch.setitem(config_ops.RETIRED_KEYS, ("retrieve", "old_k"), ("k", "the same"))
    assert [k for k, _, _ in config_ops.retired_keys("retrieve")] == ["rerank_model", "old_k"]
    assert config_ops.retired_keys("retrieve", "rerank")[0][:2] == ("rerank_model", "rerank")
    assert config_ops.retired_keys("retrieve", "k") == [("old_k", "k", "the same")]
    assert config_ops.retired_keys("generate") == [] and config_ops.retired_keys("retrieve", "top_k") == []
    for fn in (config_ops.retired, config_edit._without_retired, config_edit._renamed_retired):
        assert "RETIRED_KEYS.items()" not in inspect.getsource(fn)


def test_config_set_renames_drops_and_refuses_retired_keys_as_before(tmp_path, monkeypatch):
    home = Home(tmp_path / "h")
    home.root.mkdir()
    cfg = home.config_path
    cfg.write_text('[retrieve]\nk = 4\nrerank_model = ""  # off, Ann\n')
    set_config_value(cfg, "retrieve.rerank", '"off"', home=home)  # renamed in place, its comment kept
    assert cfg.read_text() == '[retrieve]\nk = 4\nrerank = "off"  # off, Ann\n'
    cfg.write_text('[retrieve]\nrerank_model = ""\nrerank = ""\n')  # both: the retired line goes
    set_config_value(cfg, "retrieve.rerank", '"off"', home=home)
    assert cfg.read_text() == '[retrieve]\nrerank = "off"\n'
    # another key set beside a retired one: the loader's error, its line, once per section
    monkeypatch.setitem(config_ops.RETIRED_KEYS, ("retrieve", "old_k"), ("k", "the same"))
    cfg.write_text('[retrieve]\nold_k = 3\nrerank_model = ""\n')
    calls = []
    real = config_edit.retired
    monkeypatch.setattr(config_edit, "retired", lambda *a: calls.append(a[0]) or real(*a))
    with pytest.raises(ConfigError) as e:
        set_config_value(cfg, "retrieve.candidates", "50", home=home)
    assert e.value.message == f"{cfg}:3: [retrieve] rerank_model is no longer read: it was renamed [retrieve] rerank"
    assert e.value.hint.endswith("; then set retrieve.candidates") and calls == ["retrieve"]


# -- a token's scope: one count ------------------------------------------------------------------------------
def _put(store, path):
    text = f"text of {path}"
    chunk = types.SimpleNamespace(ord=0, text=text, start_char=0, end_char=len(text), n_tokens=3,
                                  sha256=hashlib.sha256(text.encode()).hexdigest())
    return store.put_document(path=path, sha256=chunk.sha256, title="", kind="md", size=0, doc_date=None,
                              ingested_at=0.0, meta="{}", chunks=[chunk], vectors=[[0.0] * 384])[0]


def test_a_scope_of_many_refs_counts_the_store_once(tmp_path, monkeypatch):
    store = Store(tmp_path / "t.db")
    try:
        hr = [_put(store, f"/srv/hr/{i}.md") for i in range(3)]
        it = _put(store, "/srv/it/vpn.md")
        counts = []
        real = type(store).count_documents
        monkeypatch.setattr(type(store), "count_documents", lambda self: counts.append(1) or real(self))
        refs = ["/srv/hr", "/srv/legal", str(it), "/srv/hr/0.md", "/srv/h", "999999"]
        assert scope.scope_documents(store, refs) == sorted(hr + [it]) and len(counts) == 1  # was 6
        assert scope.scope_documents(store, ["/srv/legal"]) == []  # nothing ingested there yet: an empty part
        with pytest.raises(RagtuneError):  # stored_documents itself still refuses a ref that matches nothing
            scope.stored_documents(store, ["/srv/hr", "/srv/legal"])
        with pytest.raises(InputError, match="empty"):
            scope.scope_documents(store, ["/srv/legal", "  "])
    finally:
        store.close()
    empty = Store(tmp_path / "empty.db")
    with pytest.raises(NothingIngested):
        scope.scope_documents(empty, ["/srv/hr"])
    empty.close()


# -- lineage: one walk ------------------------------------------------------------------------------------------
A, B, C = "a" * 64, "b" * 64, "c" * 64


class _Reg:
    def manifest(self, ref):
        if ref == A:
            return {"id": A, "name": "base", "kind": "base-gguf"}
        raise RagtuneError("no such artifact")


def test_lineage_ids_and_refs_read_the_same_keys():
    lin = {"base_id": A, "adapter_id": "not-hex", "parent_id": 7, "parent_ids": f"{B},junk,{C}", "data": A.upper()}
    assert lineage.lineage_keys(lin) == {"base_id": A, "parent_ids": [B, C]}
    assert lineage.lineage_ids(lin) == {A, B, C}
    assert lineage.lineage_refs(_Reg(), {"lineage": lin}) == {
        "base_id": {"id": A, "registered": True, "name": "base", "kind": "base-gguf"},
        "parent_ids": [{"id": B, "registered": False}, {"id": C, "registered": False}]}
    assert lineage.lineage_ids(None) == set() and lineage.lineage_refs(_Reg(), {"lineage": None}) == {}
    assert lineage.lineage_keys({"parent_ids": "junk,"}) == {}  # a key naming none is left out
    for fn in (lineage.lineage_ids, lineage.lineage_refs):
        assert "REF_KEYS" not in inspect.getsource(fn)


# -- no HOME: one guard ---------------------------------------------------------------------------------------
def _no_home(monkeypatch):
    import platformdirs

    for var in ("HOME", "RAGTUNE_HOME", "RAGTUNE_CACHE_DIR", "XDG_CACHE_HOME", "RAGTUNE_MODELS"):
        monkeypatch.delenv(var, raising=False)

    def nowhere(*a, **k):
        raise KeyError("getpwuid(): uid not found: 4321")

    monkeypatch.setattr(platformdirs, "user_data_dir", nowhere)
    monkeypatch.setattr(platformdirs, "user_cache_dir", nowhere)
    monkeypatch.setattr(userdirs.Path, "home", classmethod(lambda cls: nowhere()))


NO = "HOME is not set and this user id has no home directory"


def test_every_per_user_folder_says_no_home_in_the_same_words(monkeypatch, tmp_path):
    _no_home(monkeypatch)
    with pytest.raises(InputError) as e:
        home_mod.ragtune_home()
    assert (e.value.message, e.value.hint) == (f"no home folder: {NO}", home_mod.NO_HOME_HINT)
    with pytest.raises(ModelError) as e:
        default_models.models_cache()
    assert (e.value.message, e.value.hint) == (
        f"no model cache folder: {NO}",
        "set RAGTUNE_MODELS to a folder holding the models (`ragtune models fetch` fills it), or HOME")
    with pytest.raises(InputError) as e:
        userdirs.cache_root()
    assert (e.value.message, e.value.hint) == (
        f"no cache folder: {NO}", "set RAGTUNE_CACHE_DIR (or XDG_CACHE_HOME, or HOME) to a folder this user can write")
    assert e.value.__cause__ is None and e.value.__context__ is None  # as `from None` left it: no chained KeyError
    spec = default_models.file_specs(default_models.default_names()[0])[0]
    home = Home(tmp_path / "h")
    assert default_models._legacy_paths("x", spec, home) == [home.models_dir / "x" / spec.file]
    for fn in (home_mod.ragtune_home, default_models.models_cache, default_models._legacy_paths, userdirs.cache_root):
        assert "except (RuntimeError" not in inspect.getsource(fn)  # the guard is userdirs.under_home's alone


def test_with_a_home_the_folders_are_where_they_were(monkeypatch, tmp_path):
    for var in ("RAGTUNE_HOME", "RAGTUNE_CACHE_DIR", "XDG_CACHE_HOME", "RAGTUNE_MODELS", "XDG_DATA_HOME"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "u"))
    import platformdirs

    assert home_mod.ragtune_home() == userdirs.Path(platformdirs.user_data_dir("ragtune", appauthor=False))
    assert default_models.models_cache() == userdirs.Path(platformdirs.user_cache_dir("ragtune",
                                                                                       appauthor=False)) / "models"
    assert userdirs.cache_root() == tmp_path / "u" / ".cache" / "ragtune"
