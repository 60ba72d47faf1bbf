"""Re-embedding only what changed, and re-reading documents whose loader changed (split out of pipeline.py).

A stored document is "stale by loader" when the loader version in its meta (none: version 1) differs from
`LOADER_VERSIONS` for its kind: it is re-read even though its file did not change. Whenever a document is
replaced (its file changed, or it was re-read), a new chunk whose exact embedding text (`embedding_text`: title line
+ chunk text) equals one of the stored chunks' under the same index_key gets that chunk's stored vector, byte for
byte, instead of being embedded again: the embedder maps the same text to the same vector, and embedding is the
cost of an ingest. The match is on a sha256 of the embedding text, stored per chunk since migration 0007; for rows
stored before, it is derived from what is stored (the document title, the chunk text and its token count), which
under the same index_key (same tokenizer, same max_seq_len) gives the text embedded then.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Sequence

from .chunker import Chunk, embedding_text
from .loaders import LOADER_VERSIONS, Document

LOADER_KEY = "loader"  # the document meta key holding the loader version


def loader_version(kind: str) -> int | None:
    """The current loader version of a kind; None for kinds no loader makes (BEIR rows): never re-read for it."""
    return LOADER_VERSIONS.get(kind)


def stale_by_loader(kind: str, meta: dict[str, Any]) -> bool:
    want = loader_version(kind)
    if want is None:
        return False
    try:
        have = int(meta.get(LOADER_KEY, 1))
    except (TypeError, ValueError):
        have = 0  # damaged: read it again
    return have != want


def embed_sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class Stored:
    """What is stored for a document being replaced under the same index_key."""

    title: str
    kind: str
    doc_date: str | None
    chunks: list[tuple[int, str, int, int, int]]  # (ord, text, start_char, end_char, n_tokens)
    vectors: dict[str, bytes] = field(default_factory=dict)  # embedding-text sha256 -> float32 blob

    def same_text(self, doc: Document, chunks: Sequence[Chunk]) -> bool:
        """The document reads as it is stored: same title, kind, date and chunks (so the same vectors)."""
        return (doc.title, doc.kind, doc.doc_date) == (self.title, self.kind, self.doc_date) and \
            [(c.ord, c.text, c.start_char, c.end_char, c.n_tokens) for c in chunks] == self.chunks


def load_stored(store: Any, doc_id: int, index_key: str, tokenizer: Any, max_seq_len: int) -> Stored | None:
    """The stored chunks and vectors of `doc_id`, or None when it was stored under another index_key (another
    embedder or chunking: nothing to reuse) or is gone."""
    row = store.document(doc_id)
    if row is None or str(row["meta"].get("index_key", "")) != index_key:
        return None
    out = Stored(row["title"], row["kind"], row["doc_date"], [])
    for c in store.chunk_embeddings(doc_id):
        out.chunks.append((c["ord"], c["text"], c["start_char"], c["end_char"], c["n_tokens"]))
        if c["embedding"] is None:
            continue
        key = c["embed_sha256"] or embed_sha(embedding_text(row["title"], c["text"], c["n_tokens"], tokenizer,
                                                            max_seq_len))
        out.vectors[key] = bytes(c["embedding"])
    return out
