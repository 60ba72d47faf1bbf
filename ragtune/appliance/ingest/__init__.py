"""Ingest: loaders (one per format) -> chunker (embedding-tokenizer tokens) -> pipeline (embed + store).

`from ragtune.appliance.ingest import ingest_paths, IngestSummary` is the entry point; see docs/ingest.md."""

from .pipeline import IngestSummary, ingest_paths

__all__ = ["IngestSummary", "ingest_paths"]
