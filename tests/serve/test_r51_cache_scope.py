"""Round 51: the answer cache's entries are keyed by which stored chunks answered too, not by their text alone.

Before: one template in two clients' folders was one key, so two tenants asking the same question overwrote each
other's entry (round 50's `same_copies` check made the other's a miss: never shared, but each client's repeat was
answered anew after the other had asked). Now each scope's copy is its own entry; an entry keyed the old way is
never found (unusable, not wrong)."""

from __future__ import annotations

from ragtune.appliance.answer_cache import entry_key
from ragtune.appliance.store import open_store
from ragtune.appliance.types import ContextItem
from tests.serve.test_r50_tenants import ACME, BOLT, _ask, _client, _ingest


def test_two_tenants_with_one_question_keep_their_own_entries(home):
    with _client(home) as c:
        _ingest(home, ["/srv/clients/acme/password-policy.md", "/srv/clients/bolt/password-policy.md"])
        acme = _ask(c, ACME)
        bolt = _ask(c, BOLT)  # the same question over bolt's copy: a miss, answered anew
        assert acme["cached"] is bolt["cached"] is False
        for _ in range(2):  # each tenant's repeat is its own entry's, whoever asked in between (was: a miss)
            again = _ask(c, ACME)
            assert again["cached"] is True and again["cached_from"] == acme["log_id"], again
            assert again["citations"][0]["source"].startswith("/srv/clients/acme/")
            again = _ask(c, BOLT)
            assert again["cached"] is True and again["cached_from"] == bolt["log_id"], again
            assert again["citations"][0]["source"].startswith("/srv/clients/bolt/")
        with open_store(home) as s:
            assert s.scalar("SELECT count(*) FROM answer_cache") == 2


def _ctx(*chunk_ids):
    return [ContextItem(id=f"S{i + 1}", text="Passwords must be at least 12 characters.", source="p.md",
                        chunk_id=cid) for i, cid in enumerate(chunk_ids)]


def test_the_entry_key_holds_the_chunks_and_never_an_old_key():
    key = "a" * 64  # answer.py's cache_key: the text, the question, the settings
    assert entry_key(key, _ctx(101)) != entry_key(key, _ctx(102))  # one text, two tenants' copies
    assert entry_key(key, _ctx(101)) == entry_key(key, _ctx(101))
    assert entry_key(key, _ctx(None)) == entry_key(key, _ctx(None)) != key  # eval's context: by its text
    assert key not in {entry_key(key, _ctx(101)), entry_key(key, _ctx(None))}  # an entry keyed before: never found
