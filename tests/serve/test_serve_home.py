"""`ragtune serve` and its home: a home that does not exist (a mistyped RAGTUNE_HOME or --home) is refused as `ask`
refuses it (exit 2, naming the path), never created empty; an existing home with no documents yet is served, and its
requests get 503 no_documents until an ingest."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

import ragtune.serve.server as server
from ragtune.cli import main
from tests.serve.helpers import TaggingGenerator, FakeRetriever


@pytest.fixture
def served(monkeypatch):
    """The settings `serve` was started with (nothing listens: the server itself is not run)."""
    calls: list = []
    monkeypatch.setattr(server, "serve", lambda settings, **kw: calls.append(settings))
    return calls


@pytest.mark.parametrize("how", ["--home", "RAGTUNE_HOME"])
def test_a_home_that_does_not_exist_is_refused_and_not_created(tmp_path, monkeypatch, capsys, served, how):
    missing = tmp_path / "no" / "such" / "home"
    if how == "--home":
        argv = ["--home", str(missing), "serve"]
    else:
        monkeypatch.setenv("RAGTUNE_HOME", str(missing))
        argv = ["serve"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"home {missing} does not exist" in err and "RAGTUNE_HOME" in err and "ragtune ingest" in err
    assert served == [] and not (tmp_path / "no").exists()
    assert main([*argv[:-1], "ask", "hi"]) == 2  # the same check, the same words
    assert f"home {missing} does not exist" in capsys.readouterr().err


def test_an_existing_home_with_no_documents_is_served_and_says_503_no_documents(home, served):
    from ragtune.appliance.answer import AnswerEngine

    home.ensure()
    assert main(["serve"]) == 0
    assert [s.home.root for s in served] == [home.root] and not home.db_path.exists()

    def factory(settings, n):  # nothing ingested: the store counts 0 chunks
        engines = [AnswerEngine(settings, retriever=FakeRetriever(texts=[]), generator=TaggingGenerator({}))
                   for _ in range(n)]
        return engines, engines

    app = server.make_app(served[0], engine_factory=factory, workers=1, warm=False)
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.post("/v1/ask", json={"question": "Where is the Eiffel Tower?"})
    assert r.status_code == 503 and r.json()["error"]["code"] == "no_documents"
