"""R44 audit: a query-log row says which version of each cited document the answer read (so an auditor can tell
that a document changed since) and which code answered with which settings."""

from __future__ import annotations

import re

import pytest

from ragtune import __version__
from ragtune.appliance.answer_code import answer_code_digest
from ragtune.appliance.querylog import get_entry, log_answer, provenance
from ragtune.appliance.store import open_store
from ragtune.appliance.types import Answer, ContextItem

from .store_helpers import Chunk, unit_vec

TEXT = "Client trade confirmations must be retained for seven years."


@pytest.fixture
def store(settings):
    s = open_store(settings.home)
    yield s
    s.close()


def _put(store, text, sha, start=40):
    chunk = Chunk(0, text, start, start + len(text), sha256=f"chunk-{sha}")
    store.put_document(path="/docs/policy.md", sha256=sha, title="Policy", kind="md", size=len(text), doc_date=None,
                       ingested_at=1.0, meta="{}", chunks=[chunk], vectors=[unit_vec(0)])
    return store.document_by_path("/docs/policy.md")["id"], None


def _answer(cid, sha, text=TEXT, start=40):
    item = ContextItem(id="S1", text=text, chunk_id=cid, source="/docs/policy.md", start_char=start,
                       end_char=start + len(text), sha256=f"chunk-{sha}")
    return Answer(status="ok", answer="seven years", citations=[item], context=[item], model="m", adapter="a")


def _chunk_id(store, doc_id):
    rows = store.query("SELECT id FROM chunks WHERE doc_id = ?", (doc_id,))
    return int(rows[0][0])


def test_context_records_document_version_and_span(store):
    doc_id, _ = _put(store, TEXT, "v1")
    cid = _chunk_id(store, doc_id)
    log_id = log_answer(store, _answer(cid, "v1"), query="q", normalized_query="q")
    ctx = get_entry(store, log_id)["context"][0]
    assert ctx["doc_id"] == doc_id and ctx["doc_sha256"] == "v1" and ctx["span"] == [40, 40 + len(TEXT)]
    assert ctx["sha256"] == "chunk-v1" and ctx["text"] == TEXT


def test_an_edited_document_shows_the_logged_answer_read_the_old_version(store):
    doc_id, _ = _put(store, TEXT, "v1")
    old_cid = _chunk_id(store, doc_id)
    old = log_answer(store, _answer(old_cid, "v1"), query="q", normalized_query="q")
    edited = TEXT.replace("seven", "ten")
    _put(store, edited, "v2")
    assert get_entry(store, old)["context"][0]["doc_sha256"] == "v1"  # not what `docs show` now prints
    assert store.document_by_path("/docs/policy.md")["sha256"] == "v2"
    # A context read before the re-ingest but logged after it: the chunk (maybe under the same id) holds other
    # text now, so no version is claimed rather than the new one.
    late = log_answer(store, _answer(old_cid, "v1"), query="q", normalized_query="q")
    ctx = get_entry(store, late)["context"][0]
    assert ctx["doc_id"] is None and ctx["doc_sha256"] is None and ctx["sha256"] == "chunk-v1"


def test_context_without_a_stored_chunk_logs_no_document(store):
    item = ContextItem(id="S1", text="t", chunk_id=None, source="")
    log_id = log_answer(store, Answer(status="refused", answer="x", context=[item]), query="q", normalized_query="q")
    ctx = get_entry(store, log_id)["context"][0]
    assert ctx["doc_id"] is None and ctx["doc_sha256"] is None and ctx["span"] == [0, 0]


def test_provenance_names_the_code_and_the_settings_given(store):
    doc_id, _ = _put(store, TEXT, "v1")
    cid = _chunk_id(store, doc_id)
    settings = {"temperature": 0.0, "seed": 0, "k": 3}
    log_id = log_answer(store, _answer(cid, "v1"), query="q", normalized_query="q", settings=settings)
    prov = get_entry(store, log_id)["timings"]["provenance"]
    assert prov == {"ragtune": __version__, "answer_code": answer_code_digest(), "settings": settings}
    assert re.fullmatch(r"[0-9a-f]{64}", prov["answer_code"])
    assert "settings" not in provenance()
