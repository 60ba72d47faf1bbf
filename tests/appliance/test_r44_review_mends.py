"""Round 44's second reading: one rule where the round wrote two (the file check of `docs list` and `ingest`, the
code an eval report and a logged answer record, the lexical index's busy words)."""

from __future__ import annotations

import subprocess
import sys

from ragtune.appliance.eval.report import code_provenance
from ragtune.appliance.ingest.prune import file_there
from ragtune.appliance.lexical import IndexBusy
from ragtune.appliance.querylog import provenance


def test_docs_list_checks_files_with_prunes_rule_without_loading_the_walk():
    """documents.py had its own copy of prune.py's check, because prune.py imported walk.py (every loader) at
    import time; walk is only a type there now."""
    code = ("import sys, ragtune.appliance.ingest.documents as d, ragtune.appliance.ingest.prune as p; "
            "assert d.file_there is p.file_there; "
            "print(sorted(m for m in sys.modules if m.endswith(('.walk', '.loaders'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_file_there_finds_a_corpus_rows_file_and_misses_a_gone_one(tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("{}\n", encoding="utf-8")
    assert file_there(str(corpus)) and file_there(f"{corpus}#d1") and file_there(f"{corpus}#a#b")
    assert not file_there(str(tmp_path / "gone.md")) and not file_there(f"{tmp_path / 'gone.jsonl'}#d1")


def test_an_eval_report_records_the_code_as_the_query_log_does():
    assert code_provenance() == provenance() == {k: v for k, v in provenance({"k": 1}).items() if k != "settings"}


def test_both_busy_paths_of_the_lexical_index_say_the_same(tmp_path):
    err = IndexBusy.writing(tmp_path)
    assert err.message == f"{tmp_path}: the lexical index is being written by another process"
    assert err.exit_code == 75
