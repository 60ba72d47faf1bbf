"""A store another process is writing (errors.BusyError: lexical.IndexBusy, filelock.LockBusy) is the server's
state for a while, not the client's fault: serve's error mapping answers 503 `store_busy` with Retry-After, like the
queue-full 503. Before: a LockBusy (also an InputError) became a 400 `invalid_question`."""

from __future__ import annotations

import json

from ragtune.appliance.errors import BusyError, InputError
from ragtune.appliance.filelock import LockBusy
from ragtune.appliance.lexical import IndexBusy
from ragtune.serve.errors import error_for


def test_a_lock_busy_is_a_503_with_retry_after_not_a_400():
    exc = LockBusy("/srv/home/registry/rollout.lock", 2.0, "another rollout command is running (it holds "
                   "/srv/home/registry/rollout.lock)")
    assert isinstance(exc, InputError)  # what made it a 400 before
    err = error_for(exc)
    assert (err.status, err.type, err.code) == (503, "server_error", "store_busy")
    assert err.headers["Retry-After"] == "2"  # [serve] retry_after_s's default
    assert "/srv/home" not in err.message  # the server's paths stay in its log
    body = json.loads(err.response().body)
    assert body["error"]["code"] == "store_busy"


def test_every_busy_error_is_the_same_answer_with_the_servers_retry_after():
    for exc in (IndexBusy("/h/tantivy: another ingest (or `docs remove`) is writing this index"),
                BusyError("busy")):
        err = error_for(exc, retry_after_s=7)
        assert (err.status, err.code, err.headers.get("Retry-After")) == (503, "store_busy", "7")


def test_an_input_error_is_still_a_400():
    err = error_for(InputError("the question is too long for the context window"))
    assert (err.status, err.code) == (400, "invalid_question") and "Retry-After" not in err.headers


def test_the_server_answers_a_busy_store_with_its_configured_retry_after():
    from ragtune.serve.app import _served_error

    err = _served_error(BusyError("busy"), 9)  # what create_app passes: state.retry_after_s
    assert (err.status, err.code, err.headers.get("Retry-After")) == (503, "store_busy", "9")
