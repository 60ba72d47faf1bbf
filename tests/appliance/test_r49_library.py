"""ragtune embedded as a library, round 49 (docs/library.md): search, documents and the query log from the public
names in `ragtune.appliance`, the page's example of them run as written, and what a closed engine says."""

from __future__ import annotations

import contextlib
import io
import os
import re
import threading
from pathlib import Path

import pytest

import ragtune.appliance as appliance
from ragtune.appliance import AnswerEngine, GenerationError, Home, RagtuneError, ingest_paths, load_settings

from ..fakes import FakeGenerator

REPO = Path(__file__).resolve().parents[2]
PAGE = (REPO / "docs" / "library.md").read_text(encoding="utf-8")
DOCS = {"leave.md": "# Leave policy\n\nEmployees get 28 days of paid annual leave per year.\n",
        "passwords.md": "# Password policy\n\nPasswords must be at least 14 characters long, rotated every 180 days.\n",
        "meals.md": "# Travel expenses\n\nMeals are covered up to 45 euros per day when travelling for work.\n"}
QUESTION = "How many days of paid annual leave do employees get?"


def _section(title: str) -> tuple[str, str]:
    """The python block of a docs/library.md section and the output block after it."""
    body = PAGE.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]
    code, out = re.findall(r"```(?:python)?\n(.*?)```", body, re.S)[:2]
    return code, out


def _kb(tmp_path: Path) -> tuple[str, Path]:
    """/srv/kb-docs of the page under tmp_path: the page's paths, moved."""
    srv = tmp_path / "srv"
    (srv / "kb-docs").mkdir(parents=True)
    for name, text in DOCS.items():
        (srv / "kb-docs" / name).write_text(text, encoding="utf-8")
    return f"{srv}/", srv


def test_search_documents_and_log_are_public_names():
    from ragtune.appliance.ingest.documents import list_documents, remove_documents
    from ragtune.appliance.querylog import list_entries, show_entry
    from ragtune.appliance.retrieve import Retriever
    from ragtune.appliance.store import open_store

    assert (appliance.Retriever, appliance.list_documents, appliance.remove_documents, appliance.open_store,
            appliance.list_entries, appliance.show_entry) == (Retriever, list_documents, remove_documents, open_store,
                                                             list_entries, show_entry)
    for name in ("Retriever", "RetrievalResult", "DocInfo", "RemoveSummary", "Store", "list_entries"):
        assert name in appliance.__all__, name
        assert name in PAGE, name  # the page says what it is


def test_the_pages_search_example_runs_as_written(tmp_path):
    """docs/library.md "Search, documents and the query log", copy-pasted, prints what the page says."""
    srv, root = _kb(tmp_path)
    settings = load_settings(home=Home(root / "kb"))
    assert ingest_paths(settings, [root / "kb-docs"]).added == 3
    gen = FakeGenerator([{"status": "ok", "answer": "28 days", "citations": ["S1"]}])
    with AnswerEngine(settings, generator=gen) as engine:  # the first example's question, in the query log
        assert engine.ask(QUESTION).status == "ok"
        code, want = _section("Search, documents and the query log")
        threads = set(threading.enumerate())
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code.replace("/srv/", srv), "library.md", "exec"), {})
        assert out.getvalue() == want.replace("/srv/", srv)
        assert set(threading.enumerate()) <= threads  # the retriever's embedder thread ended with `with`
        # the open engine sees the removal: the removed document is not served, nor its answer from a cache
        again = engine.ask(QUESTION)
        assert not again.cached  # (a fake generator answers anyway: what matters is where from)
        assert all(c.source != f"{srv}kb-docs/leave.md" for c in again.citations)


def test_a_closed_engine_says_so_as_the_page_does(tmp_path, settings):
    engine = AnswerEngine(settings, generator=FakeGenerator())
    engine.close()
    engine.close()  # twice is fine
    with pytest.raises(GenerationError) as err:
        engine.ask(QUESTION)
    assert isinstance(err.value, RagtuneError)
    assert f'"{err.value.message}"' in PAGE and err.value.hint and err.value.hint in PAGE.replace("\n", " ")


def test_closing_leaves_no_descriptor_open(tmp_path):
    """ingest, an engine's ask, a retriever's search, the store: after closing, the fds are those before (but
    onnxruntime's own database, opened once per process: docs/library.md "Closing")."""
    _, root = _kb(tmp_path)
    settings = load_settings(home=Home(root / "kb"))

    def fds() -> set[str]:
        out = set()
        for fd in os.listdir("/proc/self/fd"):
            with contextlib.suppress(OSError):
                target = os.readlink(f"/proc/self/fd/{fd}")
                if "onnxruntime" not in target and not target.startswith(("pipe:", "anon_inode:", "socket:")):
                    out.add(target)
        return out

    if not Path("/proc/self/fd").is_dir():
        pytest.skip("no /proc")
    before = fds()
    ingest_paths(settings, [root / "kb-docs"])
    with AnswerEngine(settings, generator=FakeGenerator()) as engine:
        engine.ask(QUESTION)
    with appliance.Retriever(settings) as r:
        r.retrieve("leave", k=2)
    with appliance.open_store(settings.home) as store:
        appliance.list_entries(store)
    assert fds() <= before
