"""Validated settings. One TOML file (`$RAGTUNE_HOME/config.toml` or `--config`), one dataclass per
section; every value is checked in `__post_init__` and unknown keys are errors naming the file."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .calibrated import is_candidates, is_fraction, is_logprob, is_number, is_scale
# the sections for running the appliance and the validation step every section uses (re-exported from here)
from .config_ops import MIN_TOKEN_CHARS, RetentionConfig, RolloutConfig, ServeConfig, masked_tokens, split_token  # noqa: F401
from .config_ops import check as _check, retired
# model keys whose value may be a path, and the home's place of a relative one (re-exported from here)
from .config_paths import (FOUND_AS, PATH_KEYS, PATH_SUFFIXES, _in_home, home_path_value,  # noqa: F401
                           looks_like_path, place_in_home)
from .errors import ConfigError
from .home import Home
# thread defaults: never more than the cores this process may use (affinity, a cgroup quota; machine.py)
from .machine import gen_threads_default as _gen_threads_default, threads_default as _threads_default
from .text import escaped
from .tomltext import Sourced, at_line, read_toml, toml_repr, toml_value


@dataclass
class EmbedConfig:
    model: str = "all-minilm-l6-v2-int8"  # a manifest name or a registry id
    threads: int = field(default_factory=_threads_default)
    batch_size: int = 32

    def __post_init__(self) -> None:
        _check(isinstance(self.model, str) and self.model != "", "embed", "model", "must be a non-empty string")
        _check(isinstance(self.threads, int) and 1 <= self.threads <= 256, "embed", "threads", "must be 1..256")
        _check(isinstance(self.batch_size, int) and 1 <= self.batch_size <= 1024, "embed", "batch_size", "must be 1..1024")


@dataclass
class IngestConfig:
    # Tokens of the embedding tokenizer. MiniLM's max sequence is 256 incl. [CLS]/[SEP]; 200 leaves headroom
    # for the title prefix and keeps chunks focused for a 2k-context generator.
    chunk_tokens: int = 200
    overlap_tokens: int = 40
    max_file_mb: float = 50.0
    # .tsv, .ppsx and .pptm are read too, but only when listed: a BEIR folder's qrels/*.tsv is not a document
    extensions: list[str] = field(default_factory=lambda: [".md", ".markdown", ".txt", ".html", ".htm", ".pdf", ".docx",
                                                           ".pptx", ".xlsx", ".csv", ".eml", ".msg", ".odt", ".ods",
                                                           ".odp", ".doc", ".rtf", ".jsonl"])
    # Wall-time seconds one file of any kind but Markdown and text may take to read (loaders/parse_budget.py: an
    # 800-page report takes ~20 s on 2 cores; a pathological file minutes to hours); one over it fails with a reason
    # and the ingest goes on.
    parse_seconds: float = 300.0

    def __post_init__(self) -> None:
        _check(isinstance(self.chunk_tokens, int) and 16 <= self.chunk_tokens <= 254, "ingest", "chunk_tokens",
               "must be 16..254 (the embedder's max sequence is 256 tokens incl. special tokens)")
        _check(isinstance(self.overlap_tokens, int) and 0 <= self.overlap_tokens < self.chunk_tokens // 2,
               "ingest", "overlap_tokens", "must be >= 0 and < chunk_tokens/2")
        _check(isinstance(self.max_file_mb, (int, float)) and 0 < self.max_file_mb <= 4096, "ingest", "max_file_mb", "must be in (0, 4096]")
        _check(isinstance(self.parse_seconds, (int, float)) and not isinstance(self.parse_seconds, bool)
               and 0 < self.parse_seconds <= 86400, "ingest", "parse_seconds",
               "must be seconds, > 0 and at most 86400 (one PDF, HTML or DOCX file's read)")
        _check(isinstance(self.extensions, list) and all(isinstance(e, str) and e.startswith(".") for e in self.extensions)
               and bool(self.extensions), "ingest", "extensions", "must be a non-empty list of '.ext' strings")
        from .ingest.loaders import KINDS  # the loaders are the truth about what can be read

        unknown = [e for e in self.extensions if e.lower() not in KINDS]
        # An extension no loader reads would make those files skipped without a word: refuse it here.
        _check(not unknown, "ingest", "extensions",
               f"no loader reads {', '.join(unknown)} (supported: {', '.join(sorted(KINDS))})")


@dataclass
class RetrieveConfig:
    # Sources in the prompt. 3: the built-in adapter was trained on 3-source contexts (recall@3 of the answer chunk
    # 94% vs 98% at 6, at half the prompt tokens: faster answers, and the tune's refusal targets cover the misses).
    k: int = 3
    candidates: int = 50  # per retriever, before fusion
    # Fusion: z-scores of each list's scores, weighted 1.2 : 1 (BM25 : vector), chosen on the dev halves of
    # disflqa-dev and the behaviour corpus's train domains; the corpus dev domains and the test halves are held
    # out (docs/retrieval.md). "rrf" = weighted reciprocal rank fusion with rrf_k (ranks only; 2 : 1, k = 5 was
    # the previous default). `ragtune eval retrieval --tune` refits them on a home's own set.
    fusion: str = "zscore"
    bm25_weight: float = 1.2
    vector_weight: float = 1.0
    rrf_k: int = 5
    # "auto" (sign + int8 codes with exact rescoring from 5,000 chunks up, sqlite-vec below), "ann", "exact", "vec0"
    vector_search: str = "auto"
    # ANN: candidates the sign-code scan proposes (its search beam), narrowed by int8 codes to 200 that are rescored
    # exactly; 0 = by the index's size: 1000 + 1 per 400 vectors, up to 3500 at 1M (vectors.auto_beam; recall@10
    # vs exact on held-out chunks 0.989 at 100k, 0.988 at 1M).
    ann_candidates: int = 0
    # Relative weight of the rankings of the query as typed/spoken (cleaned, disfluencies kept) next to the
    # normalised query's, when the two differ; 0 = search the normalised query only. See docs/retrieval.md.
    original_query_weight: float = 2.0
    # Search that original wording by vector too (true), or by BM25 only (false: one query embedding, not two;
    # hybrid p95 at 100k chunks ~21 -> ~15 ms, nDCG@10 on disflqa-dev 0.943 -> 0.932: docs/retrieval.md).
    original_query_vectors: bool = True
    title_boost: float = 2.0
    # BM25 leaves out query terms found in more than this share of the chunks when a rarer one remains (1.0 = all
    # terms): a big store's common words are most of its search time and little of its ranking (docs/retrieval.md).
    bm25_max_df: float = 0.5
    mmr_lambda: float = 0.8  # 1.0 = pure relevance
    context_tokens: int = 1100  # budget for the assembled context, in embedder tokens
    # "default" = the built-in feature reranker (rerank.py; +4 ms a query, measured better answers), a `reranker`
    # registry id (ragtune rerank train: one fitted to your own corpus) or a model folder; "" = off
    rerank: str = "default"
    rerank_top: int = 20  # fused candidates the reranker re-orders (the rest keep their order below them)
    # Final order = (1 - w) * z(fused) + w * z(reranker score) over those candidates; -1 = the weight fitted
    # when the reranker was trained (its reranker.json), 0..1 = this weight (0: fused order, 1: reranker's).
    rerank_weight: float = -1.0
    cache_ttl_s: float = 600.0
    cache: bool = True

    def __post_init__(self) -> None:
        _check(isinstance(self.k, int) and 1 <= self.k <= 6, "retrieve", "k", "must be 1..6")
        _check(isinstance(self.candidates, int) and self.k <= self.candidates <= 1000, "retrieve", "candidates", "must be k..1000")
        for key in ("bm25_weight", "vector_weight"):
            v = getattr(self, key)
            _check(isinstance(v, (int, float)) and 0 <= v <= 100, "retrieve", key, "must be 0..100")
        _check(self.bm25_weight + self.vector_weight > 0, "retrieve", "bm25_weight", "bm25_weight + vector_weight must be > 0")
        _check(isinstance(self.original_query_weight, (int, float)) and 0 <= self.original_query_weight <= 100,
               "retrieve", "original_query_weight", "must be 0..100")
        _check(isinstance(self.rrf_k, int) and 1 <= self.rrf_k <= 1000, "retrieve", "rrf_k", "must be 1..1000")
        _check(self.fusion in ("rrf", "zscore"), "retrieve", "fusion", "must be \"rrf\" or \"zscore\"")
        _check(isinstance(self.original_query_vectors, bool), "retrieve", "original_query_vectors",
               "must be true or false")
        _check(isinstance(self.ann_candidates, int) and not isinstance(self.ann_candidates, bool)
               and (self.ann_candidates == 0 or 10 <= self.ann_candidates <= 5000), "retrieve", "ann_candidates",
               "must be 0 (by the index's size) or 10..5000")
        _check(self.vector_search in ("auto", "ann", "exact", "vec0"), "retrieve", "vector_search",
               "must be one of \"auto\", \"ann\", \"exact\", \"vec0\"")
        _check(isinstance(self.title_boost, (int, float)) and 0 < self.title_boost <= 20, "retrieve", "title_boost", "must be in (0, 20]")
        _check(isinstance(self.bm25_max_df, (int, float)) and not isinstance(self.bm25_max_df, bool)
               and 0 < self.bm25_max_df <= 1, "retrieve", "bm25_max_df", "must be in (0, 1]")
        _check(isinstance(self.mmr_lambda, (int, float)) and 0 <= self.mmr_lambda <= 1, "retrieve", "mmr_lambda", "must be 0..1")
        _check(isinstance(self.context_tokens, int) and 64 <= self.context_tokens <= 32768, "retrieve", "context_tokens", "must be 64..32768")
        _check(isinstance(self.rerank, str), "retrieve", "rerank", "must be a registry id or a folder path")
        _check(isinstance(self.rerank_top, int) and 1 <= self.rerank_top <= 200, "retrieve", "rerank_top", "must be 1..200")
        _check(isinstance(self.rerank_weight, (int, float)) and (self.rerank_weight == -1 or 0 <= self.rerank_weight <= 1),
               "retrieve", "rerank_weight", "must be -1 (the reranker's own) or 0..1")
        _check(isinstance(self.cache_ttl_s, (int, float)) and self.cache_ttl_s >= 0, "retrieve", "cache_ttl_s", "must be >= 0")
        _check(isinstance(self.cache, bool), "retrieve", "cache", "must be true or false")

    def answer_values(self) -> dict[str, Any]:
        """All but the cache switches: the values that change answers (an eval run's key, a query-log row's record)."""
        return {k: v for k, v in dataclasses.asdict(self).items() if k not in ("cache", "cache_ttl_s")}


ANSWER_MODES = ("extractive", "free")


@dataclass
class GenerateConfig:
    model: str = "smollm2-135m-instruct-q4_1"  # a manifest name, a registry id, or a .gguf path
    # "default": the adapter `ragtune models activate` chose, else the package's built-in default adapter when its
    # manifest says go, else none; "none": the base model; "active": the activated one only; or an adapter id /
    # name / .gguf path. An explicit --adapter wins over all of these (docs/answer.md, "Adapters").
    adapter: str = "default"
    threads: int = field(default_factory=_gen_threads_default)  # token-by-token decoding
    # Prompt processing is one batched matmul per layer: it scales with cores where decoding does not.
    threads_batch: int = field(default_factory=_threads_default)
    n_ctx: int = 2048
    max_tokens: int = 256
    temperature: float = 0.0
    seed: int = 0
    max_answer_chars: int = 600
    max_repairs: int = 1
    # Refusal check: share of the answer's content words that must appear in the cited sources.
    min_support: float = 0.34
    # "extractive": the answer is a verbatim span of one source (decoding constraint); "free": the model's words.
    # Extractive by default: with the built-in adapter it kept groundedness at 100% and hallucination at 0% where
    # free answers hallucinated 7% for +2 points of task success (benchmarks/README.md, "Answer quality").
    answer_mode: str = "extractive"
    # Refuse when the model's own P(refused) at the status value exceeds this (docs/answer.md); 1.0 never refuses
    # by probability. "auto": the served adapter's calibrated threshold (manifest `serving.refusal_threshold`), else
    # 1.0: the base 135M model's P(refused) does not separate the questions (AUC 0.47-0.51, benchmarks, round 3).
    # `ragtune eval calibrate` chooses a value on a dev split for the model and adapter in use.
    refusal_threshold: float | str = "auto"
    # Refuse an "ok" answer whose least likely token had a log-probability below this (sampler.py: it was steered
    # or guessing there, "low_confidence"). A number <= 0, "off", or "auto": the served adapter's calibrated value
    # (manifest `serving.min_answer_logprob`), else off (benchmarks/README.md, "Answer quality, round 8").
    min_answer_logprob: float | str = "auto"
    # Refuse before generation when the served context looks like it does not hold the answer (evidence.py: a
    # model fitted with the reranker in use, its evidence.json; no such file or reranking off: no check).
    evidence_check: bool = True
    # The evidence model's score at or below which that check refuses: "auto" = the served adapter's calibrated
    # value (a built-in adapter's manifest, `serving.evidence_cut`: with the model-side checks behind it, the gate
    # before the model can be left the clear cases), else the cut fitted with the evidence model (its
    # evidence.json); or a number (the score is the logit of "the context holds the answer").
    evidence_cut: float | str = "auto"
    # The three signals above and the answer sentence's share of the question weighed together (refusal_model.py,
    # "uncertain"): "auto" = the served adapter's fitted model (manifest `serving.refusal_model`), none for other
    # models; "off": never.
    refusal_model: str = "auto"
    # Extractive answers: share of the question's content words the sentence holding the span must contain;
    # any overlap by default (a span from a sentence sharing no word with the question answers something else).
    min_relevance: float = 0.01
    # Refuse an answer whose content words are all the question's own ("echo": "the Mongols" for "Who did the
    # Mongols send?"); it repeats the question instead of answering it (benchmarks/README.md, round 13).
    refuse_echo: bool = True
    # Extractive answers: the model's best spans weighed (candidates.py; 1 = its first only). "auto": the served
    # adapter's value (manifest `serving.answer_candidates`, chosen with its floor), else 1 (benchmarks, round 13).
    answer_candidates: int | str = "auto"
    # The strength the adapter is applied at: the served weights are W + scale · (alpha / r) · B · A (llama.cpp's
    # --lora-scaled; merged.py, run-time LoRA, llama-server's per-request "lora" scale). "auto": the served adapter's
    # value (manifest `serving.adapter_scale`), else 1.0 (as trained). The base model is unaffected.
    adapter_scale: float | str = "auto"
    # Extractive answers: the span may only be copied from this many sentences of the context, those sharing the
    # question's rarest words (focus.py); 0 = from anywhere. Off: it lost task success (benchmarks, rounds 4, 9, 28).
    focus_sentences: int = 0
    answer_cache: bool = True
    prefix_cache: bool = True
    # Serve an adapter merged into a Q8_0 copy of the base (merged.py: no per-token LoRA cost); false: llama.cpp
    # applies it at run time. An adapter that cannot be merged is applied at run time either way.
    adapter_merge: bool = True
    price_per_1k_prompt: float = 0.0
    price_per_1k_completion: float = 0.0
    # Where generation runs (docs/serve.md): "local" = in-process llama.cpp; "openai" = an OpenAI-compatible
    # server (llama-server, llama_cpp.server, vLLM) at base_url, sent our prompt, grammar and adapter per request.
    backend: str = "local"
    base_url: str = ""  # e.g. http://127.0.0.1:8080/v1
    api_key_env: str = "RAGTUNE_GENERATE_API_KEY"  # the key is read from this variable, never from the file
    remote_model: str = ""  # the served name of the base model ("" = the name of generate.model)
    # How the adapter travels: "model" = as the request's model name (llama_cpp.server aliases, vLLM --lora-modules);
    # "lora-id" = llama-server's per-request "lora": [{"id", "scale"}] by the slot index in remote_adapters.
    remote_adapter_field: str = "model"
    remote_adapters: dict = field(default_factory=dict)  # adapter id/name -> served model name (or lora slot id)
    remote_timeout_s: float = 120.0

    def __post_init__(self) -> None:
        _check(self.backend in ("local", "openai"), "generate", "backend", "must be 'local' or 'openai'")
        try:  # with the command that sets it (config_edit names the order when the backend is what is being set)
            _check(isinstance(self.base_url, str) and (self.backend != "openai" or self.base_url.startswith(
                ("http://", "https://"))), "generate", "base_url", "must be an http(s) URL when backend = 'openai'")
        except ConfigError as exc:
            exc.hint = "set [generate] base_url: ragtune config set generate.base_url http://HOST:PORT/v1"
            raise
        _check(isinstance(self.api_key_env, str), "generate", "api_key_env", "must be an environment variable name")
        _check(isinstance(self.remote_model, str), "generate", "remote_model", "must be a string")
        _check(self.remote_adapter_field in ("model", "lora-id"), "generate", "remote_adapter_field",
               "must be 'model' or 'lora-id'")
        _check(isinstance(self.remote_adapters, dict) and all(
            isinstance(k, str) and isinstance(v, (str, int)) and not isinstance(v, bool)
            for k, v in self.remote_adapters.items()), "generate", "remote_adapters",
            "must be a table of adapter id/name = served name (or lora slot number)")
        _check(isinstance(self.remote_timeout_s, (int, float)) and 1 <= self.remote_timeout_s <= 3600, "generate",
               "remote_timeout_s", "must be 1..3600")
        _check(isinstance(self.model, str) and self.model != "", "generate", "model", "must be a non-empty string")
        _check(isinstance(self.adapter, str) and self.adapter != "", "generate", "adapter",
               "must be \"default\", \"none\", \"active\" or an adapter id")
        _check(isinstance(self.threads, int) and 1 <= self.threads <= 256, "generate", "threads", "must be 1..256")
        _check(isinstance(self.threads_batch, int) and 1 <= self.threads_batch <= 256, "generate", "threads_batch", "must be 1..256")
        _check(isinstance(self.n_ctx, int) and 512 <= self.n_ctx <= 131072, "generate", "n_ctx", "must be 512..131072")
        _check(isinstance(self.max_tokens, int) and 16 <= self.max_tokens <= 4096, "generate", "max_tokens", "must be 16..4096")
        _check(isinstance(self.temperature, (int, float)) and 0 <= self.temperature <= 2, "generate", "temperature", "must be 0..2")
        _check(isinstance(self.seed, int) and self.seed >= 0, "generate", "seed", "must be >= 0")
        _check(isinstance(self.max_answer_chars, int) and 20 <= self.max_answer_chars <= 4000, "generate", "max_answer_chars", "must be 20..4000")
        _check(isinstance(self.max_repairs, int) and 0 <= self.max_repairs <= 3, "generate", "max_repairs", "must be 0..3")
        _check(isinstance(self.min_support, (int, float)) and 0 <= self.min_support <= 1, "generate", "min_support", "must be 0..1")
        _check(isinstance(self.evidence_check, bool), "generate", "evidence_check", "must be true or false")
        _check(isinstance(self.refuse_echo, bool), "generate", "refuse_echo", "must be true or false")
        _check(self.answer_candidates == "auto" or is_candidates(self.answer_candidates), "generate",
               "answer_candidates", "must be an integer 1..8 or \"auto\"")
        _check(self.evidence_cut == "auto" or is_number(self.evidence_cut), "generate", "evidence_cut",
               "must be a number or \"auto\"")
        _check(self.adapter_scale == "auto" or is_scale(self.adapter_scale), "generate", "adapter_scale",
               "must be a number 0 < s <= 4 or \"auto\"")
        _check(isinstance(self.min_relevance, (int, float)) and 0 <= self.min_relevance <= 1, "generate", "min_relevance", "must be 0..1")
        _check(isinstance(self.focus_sentences, int) and not isinstance(self.focus_sentences, bool)
               and 0 <= self.focus_sentences <= 100, "generate", "focus_sentences", "must be 0..100")
        _check(self.answer_mode in ANSWER_MODES, "generate", "answer_mode", f"must be one of {', '.join(ANSWER_MODES)}")
        _check(self.refusal_threshold == "auto" or is_fraction(self.refusal_threshold),
               "generate", "refusal_threshold", "must be 0..1 or \"auto\"")
        _check(self.min_answer_logprob in ("auto", "off") or is_logprob(self.min_answer_logprob),
               "generate", "min_answer_logprob", "must be a number <= 0, \"auto\" or \"off\"")
        _check(self.refusal_model in ("auto", "off"), "generate", "refusal_model", "must be \"auto\" or \"off\"")
        for key in ("answer_cache", "prefix_cache", "adapter_merge"):
            _check(isinstance(getattr(self, key), bool), "generate", key, "must be true or false")
        for key in ("price_per_1k_prompt", "price_per_1k_completion"):
            v = getattr(self, key)
            _check(isinstance(v, (int, float)) and v >= 0, "generate", key, "must be >= 0")


@dataclass
class EvalConfig:
    """Acceptance criteria (the product's spec by default)."""

    min_task_success_delta: float = 0.05  # C - A
    min_groundedness: float = 0.90
    max_hallucination: float = 0.05
    min_schema_adherence: float = 0.99
    max_repair_rate: float = 0.03
    max_p95_latency_ratio: float = 1.10  # C / A
    f1_threshold: float = 0.5

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            _check(isinstance(v, (int, float)), "eval", f.name, "must be a number")
        for key in ("min_groundedness", "max_hallucination", "min_schema_adherence", "max_repair_rate", "f1_threshold"):
            _check(0 <= getattr(self, key) <= 1, "eval", key, "must be 0..1")
        _check(-1 <= self.min_task_success_delta <= 1, "eval", "min_task_success_delta", "must be -1..1")
        _check(self.max_p95_latency_ratio > 0, "eval", "max_p95_latency_ratio", "must be > 0")


SECTIONS: dict[str, type] = {
    "embed": EmbedConfig,
    "ingest": IngestConfig,
    "retrieve": RetrieveConfig,
    "generate": GenerateConfig,
    "eval": EvalConfig,
    "serve": ServeConfig,
    "rollout": RolloutConfig,
    "retention": RetentionConfig,
}


@dataclass
class Settings:
    home: Home = field(default_factory=Home)
    embed: EmbedConfig = field(default_factory=EmbedConfig)
    ingest: IngestConfig = field(default_factory=IngestConfig)
    retrieve: RetrieveConfig = field(default_factory=RetrieveConfig)
    generate: GenerateConfig = field(default_factory=GenerateConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)
    serve: ServeConfig = field(default_factory=ServeConfig)
    rollout: RolloutConfig = field(default_factory=RolloutConfig)
    retention: RetentionConfig = field(default_factory=RetentionConfig)
    source: str = "defaults"

    def to_dict(self) -> dict[str, Any]:
        """As `config show --json` prints it: serve tokens by name, never their secrets."""
        out: dict[str, Any] = {"home": str(self.home.root), "source": self.source}
        for name in SECTIONS:
            out[name] = dataclasses.asdict(getattr(self, name))
        out["serve"]["tokens"] = masked_tokens(out["serve"]["tokens"])
        return out

    def replace(self, section: str, **changes: Any) -> "Settings":
        """A copy with some keys of one section changed (re-validated). An unknown section or key is a ConfigError
        naming it and the known ones (a library caller's typo: not an AttributeError or TypeError traceback)."""
        if not isinstance(section, str) or section not in SECTIONS:
            raise ConfigError(f"Settings.replace: unknown section '{escaped(str(section))}'",
                              hint=f"known sections: {', '.join(SECTIONS)}")
        known = [f.name for f in fields(SECTIONS[section])]
        if unknown := sorted(set(changes) - set(known)):
            raise ConfigError(f"Settings.replace: unknown key(s) in [{section}]: {', '.join(map(escaped, unknown))}",
                              hint=f"known keys: {', '.join(sorted(known))}")
        new = dataclasses.replace(self)
        setattr(new, section, dataclasses.replace(getattr(self, section), **changes))
        return new


# What a TOML value must be for a field, by the field's annotation (TOML's own types say nothing about
# `threads = true` or `cache_ttl_s = inf`; __post_init__ checks ranges, this checks kinds first).
_TYPE_CHECKS: dict[str, tuple[Any, str]] = {
    "int": (lambda v: isinstance(v, int) and not isinstance(v, bool), "a whole number"),
    "float": (lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v),
              "a finite number"),
    "bool": (lambda v: isinstance(v, bool), "true or false"),
    "str": (lambda v: isinstance(v, str), "a string"),
    "list[str]": (lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v), "a list of strings"),
}


def _check_types(name: str, cls: type, raw: dict[str, Any]) -> None:
    for f in fields(cls):
        if f.name in raw and isinstance(f.type, str) and f.type in _TYPE_CHECKS:
            ok, want = _TYPE_CHECKS[f.type]
            if not ok(raw[f.name]):
                _check(False, name, f.name, f"must be {want}, got {toml_repr(raw[f.name])}")


# Keys that name a model: resolved later (registry, files), far from the file, so their values keep their place.
REF_KEYS = {"embed": ("model",), "generate": ("model", "adapter"), "retrieve": ("rerank",)}


def _build_section(name: str, raw: Any, where: str, text: str | None = None) -> Any:
    cls = SECTIONS[name]
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}{at_line(text, name)}: [{name}] must be a table")
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(raw) - known)
    if (gone := retired(name, {k: raw[k] for k in unknown}, where, text)) is not None:
        raise gone  # a key an earlier ragtune read: what it became, not only "unknown"
    if unknown:
        raise ConfigError(f"{where}{at_line(text, name, unknown[0])}: unknown key(s) in [{name}]: "
                          f"{', '.join(map(escaped, unknown))}",  # a quoted key may hold any character
                          hint=f"known keys: {', '.join(sorted(known))}")
    try:
        _check_types(name, cls, raw)
        section = cls(**raw)
    except ConfigError as exc:
        sec_key = getattr(exc, "config_key", None)
        err = ConfigError(f"{where}{at_line(text, *sec_key) if sec_key and sec_key[1] in raw else ''}: {exc.message}",
                          hint=exc.hint)
        err.config_key = sec_key  # type: ignore[attr-defined]  # which key refused: for config_edit's hint
        raise err from None
    except TypeError as exc:
        raise ConfigError(f"{where}: [{name}]: {exc}") from None
    if text is not None:  # read from a file: its model references name their line when they do not resolve
        for key in REF_KEYS.get(name, ()):
            if key in raw:
                setattr(section, key, Sourced(raw[key], f"{where}{at_line(text, name, key)}: [{name}] {key}"))
    return section


def settings_from_dict(data: dict[str, Any], *, home: Home | None = None, where: str = "<config>",
                       text: str | None = None) -> Settings:
    unknown = sorted(set(data) - set(SECTIONS))
    if unknown:
        raise ConfigError(f"{where}{at_line(text, unknown[0])}: unknown section(s): {', '.join(map(escaped, unknown))}",
                          hint=f"known sections: {', '.join(SECTIONS)}")
    kwargs = {name: _build_section(name, data[name], where, text) for name in SECTIONS if name in data}
    home = home or Home()
    for (name, key), surely in PATH_KEYS.items():
        if name in kwargs:
            cwd = (name, key) != ("retrieve", "rerank")  # a reranker's relative path is the home's only
            setattr(kwargs[name], key, _in_home(getattr(kwargs[name], key), home, surely, cwd))
    return Settings(home=home, source=where, **kwargs)


def load_settings(config_path: Path | str | None = None, *, home: Home | None = None) -> Settings:
    """Settings from an explicit file, else `$RAGTUNE_HOME/config.toml` if present, else defaults."""
    home = home or Home()
    path = Path(config_path) if config_path else home.config_path
    if not path.exists():
        if path.is_symlink():  # a link to nothing (or a loop) is a config that cannot be read, not "no config"
            raise ConfigError(f"{path}: cannot read config: a symbolic link to a file that does not exist",
                              hint="point the link at the config file, or remove it to use the defaults")
        if config_path:
            raise ConfigError(f"{path}: config file not found")
        return Settings(home=home)
    text, data = read_toml(path, "config")
    return settings_from_dict(data, home=home, where=str(path), text=text)


def dump_toml(settings: Settings) -> str:
    """TOML text of the effective settings (for `config show`)."""
    lines: list[str] = []
    for name in SECTIONS:
        lines.append(f"[{name}]")
        for key, value in dataclasses.asdict(getattr(settings, name)).items():
            if name == "serve" and key == "tokens":  # never print secrets: names only
                value = masked_tokens(value)
            lines.append(f"{key} = {toml_value(value)}")
        lines.append("")
    return "\n".join(lines)
