"""The scratch home a BEIR corpus is answered from: one per corpus and ingest settings, shared by every run over it
(HOME/eval/corpora/KEY), so a new `--limit`, `--seed` or `--out` does not ingest the corpus again; a marker written
after a clean ingest lets a run skip even the incremental pass over the corpus."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from ..config import Settings
from ..errors import InputError
from ..jsonl import loads_located
from ..store import json_dumps


def _corpus_key(settings: Settings, corpus: Path) -> dict[str, Any]:
    from ..hashing import sha256_file

    return {"corpus": sha256_file(corpus), "embed": settings.embed.model,
            "chunk_tokens": settings.ingest.chunk_tokens, "overlap_tokens": settings.ingest.overlap_tokens}


def corpus_home(settings: Settings, corpus: Path) -> Path:
    """HOME/eval/corpora/KEY: KEY hashes the corpus bytes and the settings that decide its chunks and vectors."""
    key = hashlib.sha256(json_dumps(_corpus_key(settings, corpus)).encode()).hexdigest()[:16]
    return settings.home.eval_dir / "corpora" / key


def _marker(settings: Settings) -> Path:
    return settings.home.root / "ingested.json"


def corpus_is_ingested(settings: Settings, corpus: Path) -> bool:
    """The scratch home holds this corpus, fully ingested (a marker written after a clean ingest)."""
    try:
        mark = loads_located(_marker(settings).read_bytes(), _marker(settings))
    except (OSError, InputError):  # damaged (a long number, [[[[… too): ingested again
        return False
    return mark == _corpus_key(settings, corpus) and settings.home.db_path.is_file()


def mark_corpus_ingested(settings: Settings, corpus: Path) -> None:
    from ..atomic import atomic_write_json

    atomic_write_json(_marker(settings), _corpus_key(settings, corpus))
