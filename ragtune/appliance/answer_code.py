"""The answer code's digest, in the answer cache key (answer.py `cache_key`): a cached answer is served only to the
code that made it, with no version to bump by hand when the refusal, focus, extractive, evidence, injection or
candidate code changes.

A sha256 over the source of the modules that decide an answer from the key's inputs, computed on first use (the
first cache key of a process, never at import: `ragtune` start-up reads no sources). A module whose source cannot
be read (a frozen build) counts as the package version instead: any release then changes it.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util

# The modules whose code decides an answer (status, text, citations) given what the key holds as values (the model
# and adapter ids, the prompt and schema as rendered, the sources, the settings resolved). Not listed, because their
# output is in the key already: retrieval (the sources), calibrated.py and builtin_adapters.py (the "auto" settings'
# values). answer_stream.py only streams. A module one of these imports is listed or has its reason not to be in
# tests/appliance/test_r53_mend_b.py. Round 53: the constants of extractive.cell_span (ingest.chunker.TABLE_KINDS,
# ingest.loaders.KINDS: which sources are tables), of injection.source_view (tablehead.ROW_START), the model output's
# JSON reader (jsonl.loads_located, schema.parse_answer's) and the prompt as the model reads it (vocab.ControlText,
# chat_template: after `messages`, which the key holds) were not.
ANSWER_MODULES = (
    "answer", "candidates", "focus", "extractive", "injection", "evidence", "refusal", "refusal_model", "text",
    "prompt", "schema", "repair", "grammar", "generate", "genresult", "sampler", "decoding", "remote",
    "adapter_serving", "merged", "scripts", "answertype", "injection_forms", "faqpairs", "normalize", "tablematch",
    "rowcells", "ingest.chunker", "ingest.loaders", "tablehead", "jsonl", "vocab", "chat_template", "answer_yesno",
    "namedcell", "normalize_terms", "disfluency", "disfluency_pre", "disfluency_back", "answer_tidy", "answer_served",
    "numberwords", "near_miss", "dateforms", "acronyms", "sentences", "contactshapes", "kindpick", "quantities",
)


def _source(fullname: str) -> str | None:
    """The module's source text without importing it, or None where the loader has none (frozen, bytecode only)."""
    try:
        spec = importlib.util.find_spec(fullname)
        get = getattr(spec.loader, "get_source", None) if spec is not None else None
        return get(fullname) if get is not None else None
    except (ImportError, OSError, ValueError):
        return None


@functools.lru_cache(maxsize=1)
def answer_code_digest() -> str:
    from .. import __version__

    h = hashlib.sha256()
    for name in ANSWER_MODULES:
        src = _source(f"{__package__}.{name}")
        h.update(f"{name}\0{'source' if src is not None else 'version'}\0".encode())
        h.update((src if src is not None else __version__).encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()
