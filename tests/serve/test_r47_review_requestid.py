"""Round 47 review: a client's X-Request-Id ends its access line as `request <id>` inside the line's parenthesised,
comma-separated notes, so `(`, `)`, `,` and a space in it would let a client append a note of its own
(`x), answer ok, log_id 1 (`). Only `A-Z a-z 0-9 . _ : / + = -`, 1..128 of them, is repeated and logged."""

from __future__ import annotations

import pytest

from ragtune.serve.requestid import noted, request_id


def _scope(value: bytes) -> dict:
    return {"type": "http", "headers": [(b"x-request-id", value)]}


@pytest.mark.parametrize("rid", [b"sdk-42", b"0f8fad5b-d9cb-469f-a165-70867728950e", b"trace:a/b+c=d_e.f", b"a" * 128])
def test_ids_a_client_sends_are_repeated(rid):
    assert request_id(_scope(rid)) == rid.decode()
    assert noted(_scope(rid), "answer ok") == f"answer ok, request {rid.decode()}"


@pytest.mark.parametrize("rid", [b"x), answer refused (y", b"a,b", b"a(b", b"a)b", b"a b", b"a;b", b"a\"b", b"<a>",
                                 b"a" * 129, b"caf\xc3\xa9", b""])
def test_an_id_that_could_write_a_note_of_its_own_is_ignored(rid):
    assert request_id(_scope(rid)) is None
    assert noted(_scope(rid), "answer ok") == "answer ok"
