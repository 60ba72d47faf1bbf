"""What AnswerEngine reads and writes beside the answer: the answer cache's entries (read back as an Answer, written
with the query-log row that produced them, so a repeat names it: `cached_from`) and the decoding values that key
them and go into the log. Mixed into AnswerEngine (answer.py), which keeps `cache_key`. A read-only home (a kiosk's
mount: `Store.read_only`) is answered from, never written: no query-log row, no cache entry (`unlogged`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from pathlib import Path
from typing import Any

from .candidates import RULE as CANDIDATE_RULE
from .refusal import keyed
from .types import Answer, ContextItem, Timings

log = logging.getLogger("ragtune.answer")
_told: set[str] = set()  # the read-only homes whose unlogged answers were said on stderr (once each, a process)
_told_lock = threading.Lock()


def unlogged(store: Any) -> bool:
    """True for a home this process may not write (`Store.read_only`): its answers are given as anywhere else, but
    neither logged nor cached (each would be a write it refuses). Said once a home on stderr (a warning)."""
    why = getattr(store, "read_only", None)
    if not why:
        return False
    home = str(Path(str(getattr(store, "path", ""))).parent)
    with _told_lock:
        first = home not in _told
        _told.add(home)
    if first:
        log.warning("%s: the home is %s: answers are not written to its query log (nor to its answer cache)",
                    home, why)
    return True


class AnswerCache:
    """Mixed into AnswerEngine: uses its cfg, settings, store, generator and serving values."""

    def logged_settings(self, mode: str) -> dict[str, Any]:
        """The settings that change answers, for the query log (querylog.provenance; docs/store.md): the answer cache's
        decoding values as served, those the cache key leaves to the prompt and evidence score, the mode, [retrieve]."""
        dec = self._decoding()
        if "refusal_model" in dec:  # a fitted model's weights: named, not copied into every row
            dec["refusal_model"] = hashlib.sha256(json.dumps(dec["refusal_model"], sort_keys=True).encode()).hexdigest()
        dec.update(n_ctx=self._n_ctx(self._generator), evidence_check=self.cfg.evidence_check,
                   evidence_cut=self.evidence_cut)
        return {"mode": mode, "decoding": dec, "retrieve": self.settings.retrieve.answer_values()}

    def _decoding(self) -> dict[str, Any]:
        from .grammar import GRAMMAR_VERSION
        from .injection import RULES_VERSION

        c = self.cfg
        return {"temperature": c.temperature, "seed": c.seed, "max_tokens": c.max_tokens,
                "max_answer_chars": c.max_answer_chars, "max_repairs": c.max_repairs, "grammar": GRAMMAR_VERSION,
                "injection_rules": RULES_VERSION,
                "refusal_threshold": self.refusal_threshold, "min_answer_logprob": self.min_answer_logprob,
                "min_support": c.min_support, "min_relevance": c.min_relevance, "focus_sentences": c.focus_sentences,
                "refuse_echo": c.refuse_echo, "answer_candidates": self.answer_candidates,
                **({"candidate_rule": CANDIDATE_RULE} if self.answer_candidates > 1 else {}),
                **({"adapter_scale": self.adapter_scale} if keyed("adapter_scale", self.adapter_scale) else {}),
                **({"refusal_model": self.refusal_model.to_dict()} if self.refusal_model is not None else {}),
                "merge": self.adapter_served == "merged"}  # what the generator did (a merge can fall back)

    def _answer_cache_on(self, use_cache: bool) -> bool:
        return use_cache and self.cfg.answer_cache and self.cfg.temperature == 0

    def _cache_get(self, key: str, ctx: list[ContextItem], src: Any, gen: Any, mode: str) -> Answer | None:
        v = self.store.cached_answer(entry_key(key, ctx))
        if v is None or not same_copies(v, ctx):
            return None
        try:
            by_id = {c.id: c for c in ctx}
            cites = [by_id[c] for c in v["citations"]]
            ans = Answer(status=v["status"], answer=v["answer"], citations=cites, retrieved=src.retrieved,
                         context=ctx, model=gen.model_id, adapter=self._adapter_id,
                         timings=Timings(retrieval_ms=src.retrieval_ms), tokens_prompt=0, tokens_completion=0,
                         cost=0.0, valid=v["valid"], repaired=v["repaired"], refusal_reason=v["refusal_reason"],
                         cached=True, raw_output=v["raw_output"], mode=mode, p_refused=v.get("p_refused"),
                         answer_min_logprob=v.get("answer_min_logprob"), cached_from=_log_id(v.get("log_id")),
                         first_tokens=_tokens(v.get("tokens")))
        except (ValueError, KeyError, TypeError):
            return None  # a damaged entry is a miss; it is overwritten by the next answer
        # nothing was generated (its tokens stay 0: the log, /metrics and cost count work done), but a chat
        # completion's `usage` tells the answer's size as first made (`first_tokens`; serve/stream.py `usage`)
        return ans

    def _cache_put(self, key: str, ans: Answer) -> None:
        if unlogged(self.store):  # a read-only home: nothing is written there
            return
        v = {"status": ans.status, "answer": ans.answer, "citations": [c.id for c in ans.citations],
             "valid": ans.valid, "repaired": ans.repaired, "refusal_reason": ans.refusal_reason,
             "raw_output": ans.raw_output, "p_refused": ans.p_refused,
             "answer_min_logprob": ans.answer_min_logprob, "log_id": ans.log_id,
             "tokens": [ans.tokens_prompt, ans.tokens_completion],  # the usage a repeat reports (round 52)
             "chunk_ids": _chunk_ids(ans.context)}  # whose copies of the text (same_copies)
        self.store.cache_answer(entry_key(key, ans.context), v,
                                max_entries=self.settings.retention.answer_cache_max_entries)


ENTRY_KEYING = "chunks-1"  # how an entry's key is made from answer.py's cache_key (a change: every old key a miss)


def entry_key(key: str, ctx: list[ContextItem]) -> str:
    """The store's key of an entry: answer.py's `cache_key` (the sources' text, the question, the settings) and which
    stored chunks the context's sources are (their ids). One text in two clients' folders (a template every client of
    a server got: docs/serve.md "Many clients on one server") is two entries: before round 51 it was one key, so two
    tenants asking the same question over their own copies overwrote each other's entry (each a miss, never a share).
    Entries keyed before (the text-only key) are never found under these keys: unusable, not wrong. A context a caller
    gave without chunk ids (eval's) is keyed by its text alone, as before."""
    ids = _chunk_ids(ctx)
    return hashlib.sha256(json.dumps([ENTRY_KEYING, key, ids]).encode("utf-8")).hexdigest()


def _chunk_ids(ctx: list[ContextItem]) -> list[int | None]:
    return [None if c.chunk_id is None else int(c.chunk_id) for c in ctx]


def same_copies(v: dict[str, Any], ctx: list[ContextItem]) -> bool:
    """Whether entry `v` may answer a request over `ctx`. The key holds the sources' text (answer.py `cache_key`),
    so one text in two folders (a template every client of a server got: docs/serve.md "Many clients on one
    server") is one key: an entry made from other stored chunks than the request's (their ids differ) is a miss,
    answered anew and written over, so a token scoped to one folder never gets an answer another client's question
    made, nor learns from its `cached`, `cached_from` (the other's query-log id) or speed that it was asked. A
    context a caller gave without chunk ids (eval's) matches by text as before; an entry from before round 50 (no
    ids kept) is a miss once for a retrieved context."""
    ids = _chunk_ids(ctx)
    if all(i is None for i in ids):
        return True
    kept = v.get("chunk_ids") if isinstance(v, dict) else None
    if not isinstance(kept, list):  # an entry from before round 50: whose copies it answered is not known
        return False
    return kept == ids or all(i is None for i in kept)  # (an entry a caller's context made: by text, as before)


def _tokens(v: Any) -> tuple[int, int] | None:
    if isinstance(v, list) and len(v) == 2 and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0
                                                   for n in v):
        return v[0], v[1]
    return None


def _log_id(v: Any) -> int | None:
    """A cache entry's `log_id` (absent in entries cached before round 45)."""
    return v if isinstance(v, int) and not isinstance(v, bool) else None
