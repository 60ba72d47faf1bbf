"""ragtune driven by scripts (round 44): a reader that stops early (`| head -1`) ends the command silently with exit
141, also one that fails with --json; a stdout that is not UTF-8 (a Latin-1 locale) still gets every line and valid
JSON; `ask -` and `search -` read the question from stdin."""

from __future__ import annotations

import errno
import io
import json
import os
import subprocess
import sys

import pytest

from ragtune.cli import EX_PIPE, main
from ragtune.cli.common import print_json, text_or_stdin
from tests.appliance.search_helpers import searchable_home
from tests.appliance.test_answer import FakeRetriever, _hits
from tests.fakes import FakeGenerator

OK = {"status": "ok", "answer": "It was built from 1887 to 1889.", "citations": ["S1"]}


@pytest.fixture
def fakes(monkeypatch, home):
    import ragtune.appliance.generate as gen_mod
    import ragtune.appliance.retrieve as ret_mod

    home.ensure()
    made: dict = {}

    def fake_ret(settings, *, store=None, **kw):
        made["ret"] = FakeRetriever(_hits(), store)
        return made["ret"]

    monkeypatch.setattr(gen_mod, "LlamaGenerator", lambda cfg, home=None, **kw: FakeGenerator([OK]))
    monkeypatch.setattr(ret_mod, "Retriever", fake_ret)
    return made


def _cli(args, home, *, stdout=subprocess.PIPE, env=None, stdin=subprocess.DEVNULL):
    """The real command in its own process, as a script runs it (no terminal)."""
    e = {k: v for k, v in os.environ.items() if k not in ("PYTHONIOENCODING", "RAGTUNE_DEBUG")}
    e.update(RAGTUNE_HOME=str(home), TERM="dumb", **(env or {}))
    return subprocess.run([sys.executable, "-m", "ragtune", *args], stdout=stdout, stderr=subprocess.PIPE,
                          stdin=stdin, env=e, timeout=120)


def _closed_pipe() -> tuple[int, int]:
    r, w = os.pipe()
    os.close(r)  # the reader is gone before the command writes: what `| head -1` leaves once it has its line
    return r, w


# --- a reader that stops early -----------------------------------------------------------------------------------


class _ClosedStdout(io.TextIOBase):
    encoding = "utf-8"

    def write(self, s: str) -> int:
        raise BrokenPipeError(errno.EPIPE, "Broken pipe")

    def flush(self) -> None:
        raise BrokenPipeError(errno.EPIPE, "Broken pipe")


def test_a_closed_stdout_ends_the_command_with_141_and_no_message(tmp_path, capsys, monkeypatch):
    """click turned the EPIPE into a silent exit 1, the code of a ragtune error: `set -o pipefail` scripts and
    subprocess callers could not tell `docs list | head -1` from a failure."""
    monkeypatch.setattr(sys, "stdout", _ClosedStdout())
    assert main(["--home", str(tmp_path / "h"), "config", "show"]) == EX_PIPE == 141
    assert capsys.readouterr().err == ""


def test_a_closed_stdout_in_its_own_process_exits_141_quietly(tmp_path):
    _, w = _closed_pipe()
    try:
        p = _cli(["config", "show"], tmp_path / "h", stdout=w)
    finally:
        os.close(w)
    assert (p.returncode, p.stderr.decode()) == (141, "")


def test_a_json_error_to_a_closed_stdout_keeps_its_code_and_prints_no_traceback(tmp_path):
    """The error object written to a closed pipe raised again inside the error handler: a traceback, exit 1."""
    _, w = _closed_pipe()
    try:
        p = _cli(["docs", "show", "7", "--json"], tmp_path / "nohome", stdout=w)
    finally:
        os.close(w)
    err = p.stderr.decode()
    assert p.returncode == 2 and err.startswith("error: home ") and "Traceback" not in err
    assert "Exception ignored" not in err


# --- a stdout that is not UTF-8 ------------------------------------------------------------------------------------


def _latin1_stdout(monkeypatch) -> io.BytesIO:
    raw = io.BytesIO()
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(raw, encoding="latin-1", write_through=True))
    return raw


def test_json_on_a_latin1_stdout_is_ascii_escaped_and_the_same_values(monkeypatch):
    """A "—" or a CJK title ended `search --json` as "internal error" (exit 70); an "é" was written as the byte 0xe9,
    which `json.loads` of UTF-8 refuses."""
    raw = _latin1_stdout(monkeypatch)
    obj = {"title": "Café — 東京", "n": 1}
    print_json(obj)
    data = raw.getvalue()
    assert data.isascii() and json.loads(data.decode("ascii")) == obj


def test_json_on_a_utf8_stdout_keeps_its_characters(capsys):
    print_json({"title": "Café — 東京"})
    assert capsys.readouterr().out == '{"title": "Café — 東京"}\n'


def test_text_on_a_latin1_stdout_is_printed_whole(tmp_path):
    """`docs list`, `search`, `config show` under a Latin-1 locale stopped half-way with "internal error:
    UnicodeEncodeError" at the first character Latin-1 lacks; now it is written as \\uXXXX, as stderr does."""
    home = tmp_path / "Café 東京"
    p = _cli(["config", "show"], home, env={"PYTHONIOENCODING": "latin-1"})
    assert p.returncode == 0, p.stderr
    assert "# home: " in p.stdout.decode("latin-1") and b"Caf\xe9 \\u6771\\u4eac" in p.stdout
    p = _cli(["config", "show", "--json"], home, env={"PYTHONIOENCODING": "latin-1"})
    assert p.returncode == 0 and json.loads(p.stdout.decode("ascii"))["home"] == str(home)


def test_log_export_on_a_latin1_stdout_writes_utf8_json_lines(fakes, capsys, monkeypatch):
    """JSON Lines are UTF-8 whatever the locale: an exported "é" was the Latin-1 byte 0xe9 (not UTF-8)."""
    question = "Quand la tour de Gustave Eiffel fut-elle bâtie — en quelle année ?"
    assert main(["ask", question]) == 0
    capsys.readouterr()
    raw = _latin1_stdout(monkeypatch)
    assert main(["log", "export"]) == 0
    lines = raw.getvalue().decode("utf-8").splitlines()
    assert len(lines) == 1 and "bâtie — en" in lines[0] and json.loads(lines[0])


# --- the question from stdin --------------------------------------------------------------------------------------


def _stdin(monkeypatch, data: bytes, tty: bool = False) -> None:
    class In(io.TextIOWrapper):
        def isatty(self) -> bool:
            return tty

    monkeypatch.setattr(sys, "stdin", In(io.BytesIO(data), encoding="utf-8"))


def test_ask_dash_reads_the_question_from_stdin(fakes, capsys, monkeypatch):
    """`echo "…" | ragtune ask --json -` asked the question "-": "empty question", exit 2."""
    _stdin(monkeypatch, "When was the Eiffel Tower built?\n".encode())
    assert main(["ask", "--json", "-"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "ok"
    assert " ".join(fakes["ret"].calls[0]["query"].split()) == "When was the Eiffel Tower built?"


def test_search_dash_reads_the_query_from_stdin(home, capsys, monkeypatch):
    searchable_home(home, monkeypatch)
    _stdin(monkeypatch, b"Eiffel\ntower")
    assert main(["search", "--json", "-"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["query"] == "Eiffel\ntower" and out["hits"]


def test_stdin_text_is_read_as_an_argument_is(monkeypatch, capsys):
    _stdin(monkeypatch, "Fr\xe9nce?".encode("latin-1"))  # a Latin-1 terminal's bytes: as from_argv reads them
    assert text_or_stdin("-") == "Frénce?"
    assert text_or_stdin("plain - text") == "plain - text"
    _stdin(monkeypatch, b"what now?", tty=True)  # a terminal: said, so that the wait does not look like a hang
    assert text_or_stdin("-") == "what now?"
    assert "reading the question from stdin" in capsys.readouterr().err


def test_stdin_that_is_empty_closed_or_endless_is_an_input_error(fakes, capsys, monkeypatch):
    _stdin(monkeypatch, b"")
    assert main(["ask", "-"]) == 2
    assert capsys.readouterr().err.startswith("error: empty question")
    monkeypatch.setattr(sys, "stdin", None)  # `ragtune ask - <&-`
    assert main(["ask", "--json", "-"]) == 2
    assert "stdin is closed" in json.loads(capsys.readouterr().out)["error"]["message"]
    _stdin(monkeypatch, b"x" * ((1 << 20) + 1))  # `yes | ragtune ask -` would be read until memory ran out
    assert main(["search", "-"]) == 2
    assert "more than 1 MB" in capsys.readouterr().err
