"""A home ready for `ragtune search` and `ask` end to end without models: test_retrieve's documents in its store,
and every Retriever made over them with the fake embedder and keyword index (no reranker)."""

from __future__ import annotations

from typing import Any

from ragtune.appliance.store import Store

from .test_retrieve import FakeEmbedder, FakeLexical, _fill


def searchable_home(home: Any, monkeypatch: Any, reranker: Any = None, **retrieve: Any) -> Any:
    """`home`, filled, with ragtune.appliance.retrieve.Retriever patched (undone with `monkeypatch`); `reranker` and
    `retrieve` settings (e.g. mmr_lambda) passed on when given."""
    import ragtune.appliance.retrieve as ret_mod

    home.ensure()
    store = Store(home.db_path)
    _fill(store, FakeEmbedder())
    store.close()
    real = ret_mod.Retriever

    def retriever(settings, *, store=None, **kw):
        return real(settings.replace("retrieve", rerank="", **retrieve), store=store, embedder=FakeEmbedder(),
                    lexical=FakeLexical(), **({"reranker": reranker} if reranker is not None else {}))

    monkeypatch.setattr(ret_mod, "Retriever", retriever)
    return home
