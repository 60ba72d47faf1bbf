"""The runtime makes no network connection: ingest, ask and eval run in-process through the CLI with sockets
blocked (tests/conftest.py), and every library offline switch is set by the CLI entry point.

Every attempt is recorded even if the code under test swallows the exception: a caught NetworkBlocked would
otherwise hide a library that silently tries to phone home."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest
from click.testing import CliRunner

from ragtune.cli import cli
from ragtune.appliance.offline import OFFLINE_ENV

DOCS = {
    "kettle.md": "# Kettle manual\n\nThe Larkspur kettle boils one litre of water in 90 seconds. "
                 "Descale it every 4 weeks with citric acid.\n",
    "parking.txt": "Parking policy\n\nVisitors park in bay C. Staff permits are renewed every January at reception.\n",
    "printer.md": "# Printer help\n\nIf the printer shows error E42, open the rear tray and remove the jammed sheet.\n",
}
QUESTIONS = [
    ("q1", "How long does the kettle take to boil a litre?", ["90 seconds"], "kettle.md"),
    ("q2", "Where do visitors park?", ["bay C"], "parking.txt"),
]


@pytest.fixture
def attempts(monkeypatch):
    """Wrap the conftest guards: record every network attempt, then still refuse it."""
    seen: list[str] = []
    for owner, name in ((socket.socket, "connect"), (socket.socket, "connect_ex"), (socket, "getaddrinfo"),
                        (socket, "create_connection")):
        guard = getattr(owner, name)

        def recording(*args, _guard=guard, _name=name, **kwargs):
            sock = args[0] if _name.startswith("connect") else None
            if sock is None or sock.family in (socket.AF_INET, socket.AF_INET6):
                seen.append(f"{_name}{args[1:]!r}")
            if _name == "create_connection":
                raise OSError(f"network access attempted in a test: {args!r}")
            return _guard(*args, **kwargs)

        monkeypatch.setattr(owner, name, recording)
    for key, value in OFFLINE_ENV.items():  # what ragtune.cli.main applies; CliRunner bypasses main
        monkeypatch.setenv(key, value)
    return seen


@pytest.fixture
def docs(tmp_path):
    d = tmp_path / "docs"
    d.mkdir()
    for name, text in DOCS.items():
        (d / name).write_text(text, encoding="utf-8")
    return d


@pytest.fixture
def beir(tmp_path):
    d = tmp_path / "beir"
    (d / "qrels").mkdir(parents=True)
    with open(d / "corpus.jsonl", "w", encoding="utf-8") as fh:
        for name, text in DOCS.items():
            fh.write(json.dumps({"_id": name, "title": name.split(".")[0], "text": text}) + "\n")
    with open(d / "queries.jsonl", "w", encoding="utf-8") as fh:
        for qid, q, answers, _ in QUESTIONS:
            fh.write(json.dumps({"_id": qid, "text": q, "metadata": {"answers": answers, "answerable": True}}) + "\n")
    (d / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\n"
                                          + "".join(f"{q}\t{doc}\t1\n" for q, _, _, doc in QUESTIONS))
    return d


def _default_models_present() -> None:
    """Weights are an environment matter (a checkout that never ran `ragtune models fetch`), not code: the only
    skip here. A missing command or module is a failure."""
    from ragtune.appliance.errors import ModelError
    from ragtune.appliance.default_models import default_names, locate_all

    try:
        for name in default_names():
            locate_all(name)
    except ModelError as exc:
        pytest.skip(f"default models not installed: {exc}")


def _invoke(args: list[str]):
    result = CliRunner().invoke(cli, args, catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def _ingest(docs):
    result = _invoke(["ingest", str(docs)])
    assert result.exit_code == 0, result.output
    return result


def test_ingest_makes_no_network_connection(attempts, docs):
    _default_models_present()
    _ingest(docs)
    assert attempts == []


@pytest.mark.slow
def test_ask_makes_no_network_connection(attempts, docs):
    _default_models_present()
    _ingest(docs)
    result = _invoke(["ask", "How long does the kettle take to boil a litre?", "--json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert isinstance(answer, dict)
    assert attempts == []


@pytest.mark.slow
def test_eval_makes_no_network_connection(attempts, beir):
    _default_models_present()
    result = _invoke(["eval", "run", str(beir), "--limit", "1", "--arms", "A", "--no-safety", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert isinstance(report, dict)
    assert attempts == []


def test_offline_env_lists_every_library_switch():
    # huggingface_hub (tokenizers/transformers downloads, telemetry), transformers, datasets, generic DNT, and
    # onnxruntime's native 1DS telemetry (a C++ thread resolving mobile.events.data.microsoft.com: invisible to
    # the socket patching above, caught by packaging/prove_offline.sh's strace).
    for key in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE", "HF_HUB_DISABLE_TELEMETRY",
                "DO_NOT_TRACK", "ORT_DISABLE_TELEMETRY"):
        assert OFFLINE_ENV.get(key) == "1", f"{key} missing from ragtune.appliance.offline.OFFLINE_ENV"


def test_cli_main_applies_offline_env_before_libraries_read_it():
    """A fresh process with none of the switches set: after `main`, each is set, and huggingface_hub (which
    reads HF_HUB_OFFLINE once, at import) sees offline mode even if a command module imported it early."""
    env = {k: v for k, v in os.environ.items() if k not in OFFLINE_ENV}
    code = (
        "import os, sys, json, importlib.util\n"
        "from ragtune.cli import main\n"
        "from ragtune.appliance.offline import OFFLINE_ENV\n"
        "rc = main(['--help'])\n"
        "out = {'rc': rc, 'env': {k: os.environ.get(k) for k in OFFLINE_ENV}}\n"
        "if importlib.util.find_spec('huggingface_hub'):\n"
        "    import huggingface_hub.constants as c\n"
        "    out['hub_offline'] = bool(c.HF_HUB_OFFLINE)\n"
        "print(json.dumps(out))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["rc"] == 0
    assert out["env"] == OFFLINE_ENV
    if "hub_offline" in out:
        assert out["hub_offline"], "huggingface_hub was imported before the offline switches were set"
