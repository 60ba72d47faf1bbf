"""Round 50: `ragtune search` and `ask` on a damaged keyword index printed Tantivy's Rust panic (its head line, the
message, a backtrace when RUST_BACKTRACE is set) on stderr before rebuilding the index; doctor no longer did
(lexical_panic.rust_quiet). The CLI's retrieval now runs under cli.common.rust_quieted: the rebuild is said in
ragtune's line, as it happens; Rust's text is dropped. serve is not quieted (its log shares stderr)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .test_r47_fix_lexical import _words, ingested, search_panics  # noqa: F401

REPO = Path(__file__).resolve().parents[2]
PANIC = (b"\nthread '<unnamed>' (4242) panicked at src/postings/vint.rs:71:28:\nindex out of bounds\n"
         b"note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n")


def _cli_search_panics(index: Path, words: list[str], scratch: Path) -> str | None:
    """The first of `words` for which tantivy panics on a copy of `index`, searched as `ragtune search` does (top
    hits, no count, the title boosted), or None."""
    return search_panics(index, words, scratch, count=False, boosts={"title": 2.0})


def _damage(home, tmp_path) -> list[str]:
    words = _words(home)
    for path in sorted(p for p in home.lexical_dir.iterdir() if p.suffix in (".store", ".term", ".idx")):
        orig = path.read_bytes()
        for at in range(len(orig) - 1, -1, -max(1, len(orig) // 97)):
            damaged = bytearray(orig)
            damaged[at] ^= 0xFF
            path.write_bytes(bytes(damaged))
            if (word := _cli_search_panics(home.lexical_dir, words, tmp_path / "copy")) is not None:
                return [word]
            path.write_bytes(orig)
    pytest.skip("no one-byte damage made this tantivy panic")


def test_search_on_a_damaged_index_prints_no_rust_panic(ingested, tmp_path):
    home = ingested.home
    words = _damage(home, tmp_path)  # the word whose search meets the damage
    env = {**os.environ, "RAGTUNE_HOME": str(home.root), "RUST_BACKTRACE": "1", "PYTHONPATH": str(REPO)}
    errs = []
    for w in words:
        p = subprocess.run([sys.executable, "-m", "ragtune", "search", "--mode", "bm25", "--json", "--no-cache", w],
                           capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
        assert p.returncode == 0, p.stderr
        errs.append(p.stderr)
    told = "".join(errs)
    assert "panicked at" not in told and "RUST_BACKTRACE" not in told and "stack backtrace" not in told, told
    assert "rebuilding the keyword index (damaged" in told, told  # ragtune's own line is kept
    assert _cli_search_panics(home.lexical_dir, _words(home), tmp_path / "after") is None  # rebuilt


def test_ask_retrieval_is_quieted_and_says_its_own_lines(capfd):
    from ragtune.cli.ask_cmd import _quiet_retrieval
    from ragtune.cli.common import say

    class Retriever:
        def retrieve(self, query, **kw):
            os.write(2, b"before\n" + PANIC)  # as Rust's panic hook writes it: straight to fd 2
            say("rebuilding the keyword index (damaged, 6 chunks)")
            return query.upper()

    r = Retriever()
    _quiet_retrieval(r)
    assert r.retrieve("q", k=3) == "Q"
    err = capfd.readouterr().err
    assert "panicked" not in err and "RUST_BACKTRACE" not in err
    assert "before\n" in err and "rebuilding the keyword index (damaged, 6 chunks)\n" in err
