"""The writer of a LexicalIndex (split out of lexical.py, round 50; lexical.py re-exports it): adds, deletes, a
purge of deleted chunks' segments and the commit that records the index version."""

from __future__ import annotations

from typing import Any, Iterable

from .lexical_segments import dirty_segment_chunks
from .lexical_terms import FORMS, form_terms, search_form


class LexicalWriter:
    def __init__(self, index: Any, writer: Any):  # a LexicalIndex
        self._ix = index
        self._w = writer
        self.version: int | None = None
        self.added = 0
        self.prior_version: int | None = None  # the sync marker before this writer dirtied it
        self.prior_docs = -1
        self.interrupted = False  # the marker was left dirty: an earlier writer never finished (killed, crashed)
        self.prior_marker: dict[str, Any] | None = None  # the sidecar as this writer found it (None: none, damaged)
        self.untouched_marker: tuple[int | None, dict[str, Any] | None] | None = None
        self._purged = False  # purge() ran: finish() collects the dropped segments' files
        self.rewritten = 0  # chunks purge() deleted and added again

    def untouched(self, version: int | None = None) -> None:
        """The caller changed nothing this index mirrors (a run that failed before storing a document): leaving
        without finish() puts the marker back instead of leaving it dirty, so no search pays for a rebuild. With
        `version`: the index is known in step at that version (marked so); without: the marker as it was found.
        Only a writer that returns runs this; a killed one leaves the marker dirty."""
        self.untouched_marker = (version, self.prior_marker)

    def delete_all(self) -> None:
        self._w.delete_all_documents()

    def delete_docs(self, doc_ids: Iterable[int]) -> None:
        import tantivy

        # by query: delete_documents_by_term does not match u64 fields in tantivy-py 0.27
        schema = self._ix._index.schema
        ids = sorted({int(d) for d in doc_ids})
        for start in range(0, len(ids), 1000):
            part = ids[start:start + 1000]
            if hasattr(tantivy.Query, "term_set_query"):
                self._w.delete_documents_by_query(tantivy.Query.term_set_query(schema, "doc_id", part))
            else:  # pragma: no cover - older tantivy-py
                for d in part:
                    self._w.delete_documents_by_query(tantivy.Query.term_query(schema, "doc_id", d))

    def add(self, chunk_id: int, doc_id: int, title: str, text: str) -> None:
        import tantivy

        doc = tantivy.Document()
        doc.add_unsigned("chunk_id", int(chunk_id))
        doc.add_unsigned("doc_id", int(doc_id))
        doc.add_text("title", search_form(title or ""))
        doc.add_text("text", search_form(text))
        doc.add_text(FORMS, " ".join(form_terms(f"{title or ''}.\n{text}")))  # round 58: dates, acronyms
        self._w.add_document(doc)
        self.added += 1

    def add_from_store(self, store: Any, doc_ids: Iterable[int] | None) -> None:
        """Add the current chunks of `doc_ids` (all documents when None), read from SQLite."""
        for cid, did, title, text in store.iter_chunk_texts(None if doc_ids is None else list(doc_ids)):
            self.add(cid, did, title, text)

    def replace_docs(self, store: Any, doc_ids: Iterable[int]) -> None:
        """Delete by doc_id, then re-add what SQLite holds for those documents (nothing, if deleted)."""
        ids = list(doc_ids)
        self.delete_docs(ids)
        self.add_from_store(store, ids)

    def purge(self, store: Any) -> int:
        """Make what was deleted gone from the files: Tantivy only marks a deleted chunk (a `.del` bitset) and keeps
        its terms in the segment until a merge rewrites it, maybe never. Commits the changes so far, then deletes
        every live chunk of each segment holding a deleted one and adds it again from `store`: the segment, empty,
        is dropped by the next commit (finish) with its files. How many chunks were rewritten (those segments', or
        the whole index's when its segments cannot be told apart)."""
        self._w.commit()  # a segment's deletes are known (meta.json) only once committed
        self._purged, before = True, self.added
        self._ix._reload()
        found = dirty_segment_chunks(self._ix)
        if found is None:  # never leave a segment behind: rewrite everything
            self.delete_all()
            self.add_from_store(store, None)
        elif found[0]:
            import tantivy

            cids, schema = found[0], self._ix._index.schema
            for start in range(0, len(cids), 1000):
                part = cids[start:start + 1000]
                self._w.delete_documents_by_query(tantivy.Query.term_set_query(schema, "chunk_id", part))
            wanted = set(cids)  # a chunk the store no longer holds is not added back: the store is the truth
            for cid, did, title, text in store.iter_chunk_texts(found[1]):
                if cid in wanted:
                    self.add(cid, did, title, text)
        self.rewritten = self.added - before
        return self.rewritten

    def finish(self, version: int) -> None:
        self._w.commit()
        self.version = int(version)
        if self._purged:  # the dropped segments' files: those a searcher of ours held at the commit go now
            try:
                self._ix._reload()
                self._w.garbage_collect_files()
            except (ValueError, OSError):  # the next commit collects them
                pass
