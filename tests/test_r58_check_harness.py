"""Round 58: the harness the evidence-check benchmark scripts share (benchmarks/check_harness.py: r57_number_words,
r58_paraphrase, r58_near_miss, r58_span): SHARE written only when empty, the check recorded, "check" mode stopping
before the model, the real functions put back (the scripts' outputs were byte-identical before and after the move)."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ragtune.appliance import answer as answer_stage
from ragtune.appliance import evidence

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "benchmarks" / "check_harness.py"
USERS = ("r57_number_words.py", "r58_paraphrase.py", "r58_near_miss.py", "r58_span.py")


@pytest.fixture(scope="module")
def harness():
    spec = importlib.util.spec_from_file_location("check_harness", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_a_mode_other_than_check_or_answer_stops_with_a_message(harness):
    harness.check_mode("check")
    harness.check_mode("answer")
    with pytest.raises(SystemExit, match="MODE: check or answer, got 'chek'"):
        harness.check_mode("chek")


def test_setup_writes_the_documents_only_into_an_empty_share_and_ingests_it(harness, tmp_path, monkeypatch):
    from ragtune.appliance.ingest import pipeline

    ingested = []
    monkeypatch.setattr(pipeline, "ingest_paths", lambda settings, paths: ingested.append((settings, paths)))
    share = tmp_path / "share"
    settings = harness.setup(str(share), str(tmp_path / "home"), {"a.txt": "Alpha.", "b.txt": "Beta."})
    assert (share / "a.txt").read_text(encoding="utf-8") == "Alpha.\n"
    assert ingested == [(settings, [share])]
    (share / "a.txt").write_text("kept", encoding="utf-8")
    harness.setup(str(share), str(tmp_path / "home"), {"a.txt": "Other.", "c.txt": "Gamma."}, end="")
    assert (share / "a.txt").read_text(encoding="utf-8") == "kept" and not (share / "c.txt").exists()
    other = tmp_path / "other"
    harness.setup(str(other), str(tmp_path / "home2"), {"a.txt": "Alpha."}, end="")
    assert (other / "a.txt").read_text(encoding="utf-8") == "Alpha."


def test_check_mode_records_the_check_and_stops_before_the_model(harness, monkeypatch):
    monkeypatch.setattr(evidence.EvidenceModel, "holds", lambda self, q, hits, cut=None: (False, 0.25))
    monkeypatch.setattr(evidence, "features", lambda q, hits: {"number_missing": 1.0})
    stub_holds, real_check = evidence.EvidenceModel.holds, answer_stage.refusal_check

    class Engine:
        def ask(self, question, use_cache=True):
            assert use_cache is False
            evidence.EvidenceModel.holds(None, question, [])
            raise AssertionError("the model was reached")

    with harness.recording("check", features=True) as seen:
        seen["stale"] = True
        assert harness.ask(Engine(), "How many?", seen) is None
        assert seen == {"held": False, "score": 0.25, "features": {"number_missing": 1.0}}
        assert answer_stage.refusal_check is real_check  # only patched when asked
    assert evidence.EvidenceModel.holds is stub_holds


def test_answer_mode_records_and_goes_on_and_puts_the_real_functions_back_on_an_error(harness, monkeypatch):
    monkeypatch.setattr(evidence.EvidenceModel, "holds", lambda self, q, hits, cut=None: (True, 0.9))
    stub_holds, real_check = evidence.EvidenceModel.holds, answer_stage.refusal_check
    with pytest.raises(RuntimeError):
        with harness.recording("answer", spans=True) as seen:
            assert evidence.EvidenceModel.holds(None, "q", []) == (True, 0.9)
            assert seen == {"held": True, "score": 0.9}  # no features unless asked
            assert answer_stage.refusal_check is not real_check
            raise RuntimeError
    assert evidence.EvidenceModel.holds is stub_holds and answer_stage.refusal_check is real_check


def _old_words(text: str, keep: str) -> str:  # the copies the scripts had before the move
    return " " + " ".join(re.sub(rf"[^\w{keep}]+", " ", text.lower()).replace(". ", " ").split()) + " "


@pytest.mark.parametrize("text", ["Up to three times.", "£2.50, at 8.45am: St. Mary's", "Green cross / pestle"])
def test_words_reads_answers_as_the_scripts_did(harness, text):
    assert harness.words(text) == _old_words(text, "£.")
    assert harness.words(text, keep="£.:") == _old_words(text, "£.:")
    assert " three times " in harness.words("Up to three times. Ask at the desk")
    assert harness.words("Up to three times.") == " up to three times. "  # as before: a final stop is kept


@pytest.mark.parametrize("name", USERS)
def test_each_script_finds_the_harness_beside_it(name, tmp_path):
    """Run as documented (`python benchmarks/<script>.py SHARE HOME OUT MODE`), with a bad MODE: the sibling import
    works and the script stops before writing anything."""
    r = subprocess.run([sys.executable, str(REPO / "benchmarks" / name), str(tmp_path / "share"),
                        str(tmp_path / "home"), str(tmp_path / "out.jsonl"), "chek"],
                       cwd=tmp_path, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120)
    assert r.returncode == 1 and "MODE: check or answer, got 'chek'" in r.stderr, r.stderr
    assert list(tmp_path.iterdir()) == []
