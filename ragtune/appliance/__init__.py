"""ragtune appliance: the runtime library (no torch) behind the `ragtune` CLI and TUI.

The entry points for a program that embeds ragtune (docs/library.md):

    from ragtune.appliance import AnswerEngine, Home, ingest_paths, load_settings

    settings = load_settings(home=Home("/srv/kb"))        # its config.toml if there is one, else the defaults
    ingest_paths(settings, ["/srv/kb-docs"])
    with AnswerEngine(settings) as engine:                # threads sharing it take turns; one per thread: parallel
        print(engine.ask("How many days of leave?").answer)

Every name below is imported on first use, not here: `import ragtune.appliance` stays as cheap as before (the CLI
imports it at start-up; the engine pulls in numpy, llama.cpp and onnxruntime)."""

from __future__ import annotations

from .. import __version__

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy and pyright read the name)

# name -> the module (under ragtune.appliance) that defines it
_EXPORTS = {
    "AnswerEngine": "answer",
    "Answer": "types", "ContextItem": "types", "Hit": "types", "Timings": "types",
    "Settings": "config", "load_settings": "config",
    "Home": "home",
    "ingest_paths": "ingest", "IngestSummary": "ingest",
    "RagtuneError": "errors", "ConfigError": "errors", "InputError": "errors", "NothingIngested": "errors",
    "ModelError": "errors", "StoreError": "errors", "BusyError": "errors", "GenerationError": "errors",
    "MissingExtraError": "errors",
    # search, documents, the query log (round 49: what `ragtune search`, `docs list/remove` and `log list/show` call)
    "Retriever": "retrieve", "RetrievalResult": "retrieve",
    "list_documents": "ingest.documents", "remove_documents": "ingest.documents", "DocInfo": "ingest.documents",
    "RemoveSummary": "ingest.documents",
    "open_store": "store", "Store": "store", "list_entries": "querylog", "show_entry": "querylog",
}

__all__ = ["__version__", *_EXPORTS]

if TYPE_CHECKING:  # what type checkers and IDEs see; at run time __getattr__ imports them when asked
    from .answer import AnswerEngine
    from .config import Settings, load_settings
    from .errors import (BusyError, ConfigError, GenerationError, InputError, MissingExtraError, ModelError,
                         NothingIngested, RagtuneError, StoreError)
    from .home import Home
    from .ingest import IngestSummary, ingest_paths
    from .ingest.documents import DocInfo, RemoveSummary, list_documents, remove_documents
    from .querylog import list_entries, show_entry
    from .retrieve import RetrievalResult, Retriever
    from .store import Store, open_store
    from .types import Answer, ContextItem, Hit, Timings


def __getattr__(name: str) -> object:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # once: later lookups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
