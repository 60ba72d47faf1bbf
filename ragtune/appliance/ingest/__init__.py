"""Ingest: loaders (one per format) -> chunker (embedding-tokenizer tokens) -> pipeline (embed + store).

`from ragtune.appliance.ingest import ingest_paths, IngestSummary` is the entry point; see docs/ingest.md."""

__all__ = ["IngestSummary", "ingest_paths"]


def __getattr__(name: str):  # lazy: the CLI imports ingest.progress at start-up, the pipeline pulls in numpy
    if name in __all__:
        from . import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
