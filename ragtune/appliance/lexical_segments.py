"""Which chunks of a LexicalIndex's segments LexicalWriter.purge rewrites (split out of lexical.py, round 47)."""

from __future__ import annotations

from typing import Any

from .errors import InputError
from .jsonl import loads_located


def dirty_segment_chunks(ix: Any) -> tuple[list[int], list[int]] | None:
    """(chunk ids, doc ids) of the live chunks of the segments that hold deleted ones (LexicalWriter.purge); None
    when the searcher's segments are not meta.json's one for one (Tantivy loads them in its order: checked by
    each one's count of live chunks), and the caller rewrites all."""
    import tantivy

    try:
        segs = [(int(s["max_doc"]), int((s.get("deletes") or {}).get("num_deleted_docs", 0)))
                for s in loads_located((ix.path / "meta.json").read_bytes(), ix.path / "meta.json")["segments"]]
    except (OSError, InputError, KeyError, TypeError, ValueError, AttributeError):
        return None
    dirty, live = {i for i, (_, dead) in enumerate(segs) if dead}, [n - dead for n, dead in segs]
    searcher = ix._index.searcher()
    if not dirty or searcher.num_segments != len(segs) or searcher.num_docs != sum(live):
        return ([], []) if not dirty else None
    addrs = [a for _, a in searcher.search(tantivy.Query.all_query(), sum(live), count=False).hits] if live else []
    if [sum(1 for a in addrs if a.segment_ord == i) for i in range(len(segs))] != live:
        return None
    mine = [a for a in addrs if a.segment_ord in dirty]
    return ([int(c) for c in searcher.fast_field_values("chunk_id", mine)] if mine else [],
            sorted({int(d) for d in searcher.fast_field_values("doc_id", mine)}) if mine else [])
