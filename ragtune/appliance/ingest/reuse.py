"""Re-embedding only what changed, and re-reading documents whose loader changed (split out of pipeline.py).

A stored document is "stale by loader" when the loader version in its meta (none: version 1) differs from
`LOADER_VERSIONS` for its kind: it is re-read even though its file did not change. Whenever a document is
replaced (its file changed, or it was re-read), a new chunk that the embedder would see as one of the stored chunks
of that document under the same index_key gets that chunk's stored vector, byte for byte, instead of being embedded
again: the embedder maps the same token ids to the same vector, and embedding is the cost of an ingest.

"What the embedder sees" is the token id sequence of the chunk's embedding text (`embedding_text`: title line +
chunk text) as `Embedder.token_ids` gives it ([CLS] … [SEP], truncated at max_seq_len): not the text, because a
tokenizer folds what the model never sees (MiniLM's: whitespace, case, accents; HTML line breaks that became spaces
embed alike). The key is a sha256 of those ids, stored per chunk since migration 0008; for rows stored before, it is
derived from what is stored (the document title, the chunk text and its token count), which under the same index_key
(same tokenizer, same max_seq_len) gives the text embedded then. An embedder without `token_ids` (a stand-in) reuses
nothing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

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


def ids_key(ids: Sequence[int]) -> str:
    """sha256 of a token id sequence (little-endian uint32s): the reuse key of a chunk. The array `embed_ids` built
    is hashed where it lies (its buffer), not copied into bytes first: the same digest."""
    return hashlib.sha256(np.ascontiguousarray(ids, dtype="<u4")).hexdigest()


def embed_ids(embedder: Any, texts: list[str]) -> list[np.ndarray] | None:
    """The token ids the embedder will encode for each embedding text (little-endian uint32 arrays, one batched
    tokenisation); None when the embedder cannot say what it encodes."""
    token_ids = getattr(embedder, "token_ids", None)
    if token_ids is None:
        return None
    return [np.asarray(ids, dtype="<u4") for ids in token_ids(texts)] if texts else []


def embed_keys(embedder: Any, texts: list[str]) -> list[str | None]:
    """The reuse key of each embedding text; all None when the embedder cannot say what it encodes."""
    ids = embed_ids(embedder, texts)
    return [None] * len(texts) if ids is None else [ids_key(x) for x in ids]


@dataclass
class Stored:
    """What is stored for a document being replaced under the same index_key."""

    title: str
    kind: str
    doc_date: str | None
    chunks: list[tuple[int, str, int, int, int]]  # (ord, text, start_char, end_char, n_tokens)
    vectors: dict[str, bytes] = field(default_factory=dict)  # token-ids key (ids_key) -> float32 blob

    def same_text(self, doc: Document, chunks: Sequence[Chunk]) -> bool:
        """The document reads as it is stored: same title, kind, date and chunks (so the same vectors)."""
        return (doc.title, doc.kind, doc.doc_date) == (self.title, self.kind, self.doc_date) and \
            [(c.ord, c.text, c.start_char, c.end_char, c.n_tokens) for c in chunks] == self.chunks


def load_stored(store: Any, doc_id: int, index_key: str, embedder: Any,
                known: dict[str, str | None] | None = None, model: str | None = None) -> Stored | None:
    """The stored chunks and vectors of `doc_id`, or None when it is gone or was stored under another index_key
    (another embedder or chunking) by another embedder than `model` (its embed.model_key): nothing to reuse. Under
    another index_key by the same embedder (only the chunking changed), the chunks stored with their token-id key
    keep their vectors: the same model maps the same ids to the same vector. `known`: embedding text -> key of the
    new chunks, so a stored row without a key whose rebuilt text is one of them is not tokenised again."""
    from ..embed import MODEL_META

    row = store.document(doc_id)
    if row is None:
        return None
    same_key = str(row["meta"].get("index_key", "")) == index_key
    if not same_key and (model is None or row["meta"].get(MODEL_META) != model):
        return None
    out = Stored(row["title"], row["kind"], row["doc_date"], [])
    keyed: list[tuple[str | None, bytes]] = []
    legacy: list[str] = []  # embedding texts of rows stored without a key, rebuilt as they were embedded
    for c in store.chunk_embeddings(doc_id):
        out.chunks.append((c["ord"], c["text"], c["start_char"], c["end_char"], c["n_tokens"]))
        if c["embedding"] is None or (c["embed_ids_sha256"] is None and not same_key):  # rebuilt text: this key's
            continue
        if c["embed_ids_sha256"] is None:
            legacy.append(embedding_text(row["title"], c["text"], c["n_tokens"], embedder.tokenizer,
                                         embedder.max_seq_len))
        keyed.append((c["embed_ids_sha256"], bytes(c["embedding"])))
    known = dict(known or {})
    todo = list(dict.fromkeys(t for t in legacy if t not in known))
    known.update(zip(todo, embed_keys(embedder, todo)))
    legacy_texts = iter(legacy)
    for key, blob in keyed:
        key = key if key is not None else known[next(legacy_texts)]
        if key is not None:
            out.vectors[key] = blob
    return out


LEGACY_MAX_SEQ = (128, 256, 384, 512)  # max_seq_len of the embedders a home may have used (+ the current one)


def record_models(store: Any, identity: Callable[[], tuple[str, int, str]],
                  key_of: Callable[[str, int, int, int, int], str], chunker_version: int) -> int:
    """Give each document stored without its embedder (meta `embed_model`, before ingest recorded it) the one its
    index_key says: this run's model when the key is this model's under some chunking (`key_of`: the index key of
    (model_id, chunk, overlap, max_seq, chunker version), tried over every chunking the chunker allows), else
    "unknown" (another embedder: vector search leaves it out until it is re-ingested). `identity()`: (model_id,
    max_seq_len, this run's index_key), asked only when there are such documents; `chunker_version`: run.py's
    CHUNKER_VERSION (every version up to it is tried). Returns how many were given one."""
    from ..embed import MODEL_META, model_key

    rows = store.documents_without_meta(MODEL_META)
    if not rows:
        return 0
    model_id, max_seq, current = identity()
    ours: set[str] = {current}
    if any(_meta(m).get("index_key") != current for _, m in rows):  # another chunking, or another model
        for seq in sorted({max_seq, *LEGACY_MAX_SEQ}):
            for size in range(8, seq - 1):  # chunker.effective_sizes: 8..seq-2, overlap 0..size//2-1
                for overlap in range(max(1, size // 2)):
                    for version in range(1, chunker_version + 1):
                        ours.add(key_of(model_id, size, overlap, seq, version))
    with store.transaction():
        for doc_id, m in rows:
            meta = _meta(m)
            meta[MODEL_META] = model_key(model_id) if meta.get("index_key") in ours else "unknown"
            store.set_document_meta(doc_id, meta)
    return len(rows)


def _meta(text: Any) -> dict[str, Any]:
    try:
        meta = json.loads(text)
    except (TypeError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}
