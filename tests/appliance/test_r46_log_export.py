"""Round 46, the knowledge-base owner's loop (weeks of questions, reviews, an erased document, an export, a
dataset): a document removed from the index after it was cited (`docs remove`, `ingest --prune`) still reached
`log export`, and so `dataset build --from-log`, whole, text and answers, unless someone ran the `log forget` that
`docs remove` prints. The export now leaves such entries out (and says so, with the `log forget` that erases them);
`--include-removed-sources` exports them. A renamed or updated document is still in the index: its entries stay."""

from __future__ import annotations

import io
import re

import pytest

from ragtune.appliance.answer import AnswerEngine
from ragtune.appliance.ingest.pipeline import ingest_paths
from ragtune.appliance.querylog import export_train_jsonl, set_review
from ragtune.appliance.retrieve import Retriever
from ragtune.cli import main
from tests.fakes import FakeGenerator

SECRET = "The legacy VPN shared key is LEGACYKEY42."


def _echo(messages, schema):
    m = re.search(r"^\[S1\] (.*)$", messages[1]["content"], re.M)
    return {"status": "ok", "answer": m.group(1).split(". ")[-1].strip(), "citations": ["S1"]} if m else \
        {"status": "refused", "answer": "x", "citations": []}


@pytest.fixture
def kb(settings, tmp_path, fake):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "vpn.md").write_text(f"# VPN\n\n{SECRET}\n")
    (docs / "vacation.md").write_text("# Vacation\n\nNew hires get 25 vacation days a year.\n")
    ingest_paths(settings, [docs], embedder=fake)
    settings = settings.replace("retrieve", k=1)  # one source a question: each entry quotes one document

    def ask(*questions):
        retr = Retriever(settings, embedder=fake)
        eng = AnswerEngine(settings, retriever=retr, generator=FakeGenerator([_echo]), store=retr.store)
        try:
            return [eng.ask(q, use_cache=False).log_id for q in questions]
        finally:
            eng.close()
            retr.close()
    return docs, ask


def _export(settings, **kw):
    from ragtune.appliance.store import open_store

    buf = io.StringIO()
    with open_store(settings.home) as store:
        removed: list[int] = []
        n = export_train_jsonl(store, buf, removed=removed, **kw)
    return n, removed, buf.getvalue()


def test_an_entry_quoting_a_removed_document_is_not_exported(settings, kb, capsys, tmp_path):
    docs, ask = kb
    vpn, vacation = ask("What is the legacy VPN shared key?", "How many vacation days do new hires get?")
    from ragtune.appliance.store import open_store
    with open_store(settings.home) as store:  # a reviewed one too: a review does not keep an erased text
        set_review(store, vpn, {"status": "ok", "answer": "LEGACYKEY42", "citations": ["S1"]})
    assert _export(settings)[0] == 2
    assert main(["docs", "remove", str(docs / "vpn.md")]) == 0
    n, removed, text = _export(settings)
    assert (n, removed) == (1, [vpn]) and "LEGACYKEY42" not in text and "25 vacation days" in text
    n, removed, text = _export(settings, include_removed=True)  # asked for: as before
    assert (n, removed) == (2, []) and "LEGACYKEY42" in text
    capsys.readouterr()
    out = tmp_path / "reviewed.jsonl"
    assert main(["log", "export", "--reviewed-only", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "exported 0 example(s)" in err and "left out 1 entry quoting a document removed" in err
    assert f"`ragtune log forget {vpn}`" in err and "LEGACYKEY42" not in out.read_text()
    ds = tmp_path / "ds"  # nor does the dataset built from a full export hold it
    assert main(["log", "export", "--out", str(tmp_path / "all.jsonl")]) == 0
    assert main(["dataset", "build", "--from-log", str(tmp_path / "all.jsonl"), "--out", str(ds)]) == 0
    assert not any("LEGACYKEY42" in (ds / f).read_text() for f in ("train.jsonl", "holdout.jsonl"))
    assert vacation


def test_renamed_and_updated_documents_are_still_there(settings, kb, fake):
    docs, ask = kb
    ask("What is the legacy VPN shared key?", "How many vacation days do new hires get?")
    (docs / "vpn.md").rename(docs / "vpn-old.md")  # a rename keeps the document (its id and sha256)
    (docs / "vacation.md").write_text("# Vacation\n\nNew hires get 28 vacation days a year.\n")  # an update
    ingest_paths(settings, [docs], embedder=fake)
    n, removed, text = _export(settings)
    assert (n, removed) == (2, []) and "25 vacation days" in text


def test_rows_without_a_recorded_document_are_not_judged(settings):
    """Rows logged before round 44 (no doc_id) or from sources no stored document held: their document cannot be
    told, so they are exported as before."""
    from ragtune.appliance.store import open_store

    row = {"query": "q", "normalized_query": "q", "model_id": "m", "adapter_id": "none", "system_prompt_sha256": "s",
           "retrieved": [], "output": {"status": "ok", "answer": "a", "citations": ["S1"]}, "raw_output": "",
           "valid": True, "repaired": False, "refused": False, "timings": {}, "tokens_prompt": 5,
           "tokens_completion": 5}
    with open_store(settings.home) as store:
        store.add_query_log({**row, "context": [{"id": "S1", "text": "a b", "source": "/gone.md"}]})
        store.add_query_log({**row, "context": [{"id": "S1", "text": "a b", "source": "/gone.md", "doc_id": None}]})
    n, removed, _ = _export(settings)
    assert (n, removed) == (2, [])


def test_a_review_whose_answer_is_not_in_its_cited_source_is_kept_with_a_note(settings, kb, capsys):
    """The owner reviewed the wrong entry (another question's answer, citing S1 of this one): it was stored without a
    word, and found only later as one of "N answers not found in the sources they cite" in the dataset's report."""
    _, ask = kb
    (vacation,) = ask("How many vacation days do new hires get?")
    capsys.readouterr()
    assert main(["log", "review", str(vacation), "--answer-json",
                 '{"status": "ok", "answer": "At the front desk.", "citations": ["S1"]}']) == 0
    err = capsys.readouterr().err
    assert "note: the answer is not in the source(s) it cites (S1): 0% of its words are there" in err
    assert f"`ragtune log show {vacation}`" in err and f"entry {vacation} reviewed" in err  # stored: a person's call
    assert main(["log", "review", str(vacation), "--answer-json",
                 '{"status": "ok", "answer": "25 vacation days a year", "citations": ["S1"]}']) == 0
    assert "not in the source" not in capsys.readouterr().err


def test_every_entry_a_person_asked_is_found_for_log_forget(settings, kb, capsys):
    """A user asks for their questions to be deleted: `log list` showed the newest 20 (at most 10,000), with no way
    to find the entries holding their e-mail address in a long log but paging through all of it."""
    _, ask = kb
    mine = ask(*["I am jane.doe@example.com: how many vacation days do new hires get?"] * 3)
    ask("How many vacation days do new hires get?")
    capsys.readouterr()
    assert main(["log", "list", "--search", "JANE.DOE@example.com", "--ids"]) == 0
    cap = capsys.readouterr()
    assert cap.out.split() == [str(i) for i in reversed(mine)] and "note:" not in cap.err
    assert main(["log", "list", "--search", "jane.doe", "--ids", "--limit", "2"]) == 0  # a partial list is said
    assert "note: 2 shown, the --limit: more entries may match" in capsys.readouterr().err
    assert main(["log", "forget", *map(str, mine)]) == 0
    capsys.readouterr()
    assert main(["log", "list", "--search", "jane.doe"]) == 0  # a forgotten question is blank: never found again
    cap = capsys.readouterr()
    assert cap.out == "" and "(no entry holds that text)" in cap.err
    assert main(["log", "list", "--search", " "]) == 2
    assert main(["log", "list", "--search", "x", "--ids", "--json"]) == 2
