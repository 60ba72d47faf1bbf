"""Sentence embedder: an ONNX encoder run by onnxruntime + a HF `tokenizers` tokenizer, mean pooling, L2 norm.

`EmbedConfig.model` is either a default-model name from the manifest (files located and sha256-verified by
`ragtune.appliance.default_models`) or a path to a folder holding `model.onnx` + `tokenizer.json` (a custom embedder).
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .config import EmbedConfig
from .errors import ModelError, OutOfMemory
from .home import Home
from .jsonl import loads_located
from .tomltext import with_origin
from .store.schema import EMBED_DIM

DEFAULT_MAX_SEQ_LEN = 256
SLAB = 2048  # texts tokenised at a time by encode() and token_ids()
# Padded tokens per forward pass. Activation memory grows with batch x length (and attention with length^2), and
# onnxruntime's arena keeps the high-water mark of every batch shape it met until the session closes: 32 x 256 tokens
# peaked at ~1.2 GB above the model, 8 x 256 (2048) at +300 MB, 2 x 256 (512) at +85 MB, with the same vectors byte
# for byte and no loss of throughput on 1-2 threads (round 49, benchmarks/bench_r49_memory.py). Short texts still go
# up to `batch_size` at a time.
TOKEN_BUDGET = 512
# An Embedder's `bulk` when not given: ingest sets it while it makes its embedder (pipeline.py), whose stand-ins in
# tests take (cfg, home) only; per thread, so serve's query embedder made meanwhile keeps spinning.
BULK: ContextVar[bool] = ContextVar("ragtune_embed_bulk", default=False)


def plan_batches(lengths: list[int], batch_size: int, token_budget: int = TOKEN_BUDGET) -> list[list[int]]:
    """Indices grouped into batches: sorted by length (minimal padding), at most `batch_size` rows and at most
    `token_budget` padded tokens each (a single over-long row still gets its own batch)."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    batches: list[list[int]] = []
    cur: list[int] = []
    for i in order:
        width = max(1, lengths[i])  # ascending: this row sets the batch's padded width
        if cur and (len(cur) >= batch_size or (len(cur) + 1) * width > token_budget):
            batches.append(cur)
            cur = []
        cur.append(i)
    if cur:
        batches.append(cur)
    return batches


def resolve_files(model: str, home: Home) -> tuple[Path, Path, int, str]:
    """(onnx path, tokenizer path, max_seq_len, how it was found)."""
    p = Path(model).expanduser()
    looks_like_path = "/" in model or model.startswith(".") or p.is_dir()
    if looks_like_path:
        if not p.exists():
            raise with_origin(ModelError(f"{p}: embedder folder not found", hint="[embed] model is a default model "
                                         "name or a folder with model.onnx + tokenizer.json"), model)
        if not p.is_dir():
            raise ModelError(f"{p}: an embedder must be a folder holding model.onnx and tokenizer.json")
        onnx, tok = p / "model.onnx", p / "tokenizer.json"
        for f in (onnx, tok):
            if not f.is_file():
                raise ModelError(f"{f}: missing (a custom embedder folder needs model.onnx and tokenizer.json)")
        return onnx, tok, _max_seq_len_from_folder(p), "folder"

    from . import default_models as defaults

    names = defaults.default_names()
    if model in names:
        entry = defaults.manifest_entry(model)
        if entry.get("kind") != "embedder":
            raise ModelError(f"'{model}' is a {entry.get('kind')} model, not an embedder")
        paths = defaults.locate_all(model, home)  # verifies sha256
        if len(paths) != 2:
            raise ModelError(f"manifest entry '{model}' must list an ONNX model and a tokenizer")
        return paths[0], paths[1], int(entry.get("max_seq_len", DEFAULT_MAX_SEQ_LEN)), "manifest"

    # A registry id or name of an `embedder` artifact (a folder with model.onnx + tokenizer.json).
    try:
        from .registry import Registry  # optional area
    except ImportError:  # pragma: no cover
        Registry = None  # type: ignore[assignment]
    if Registry is not None:
        try:
            art = Registry(home).get(model)
        except ModelError:
            art = None
        if art is not None:
            if art.kind != "embedder":
                raise with_origin(ModelError(f"registry artifact {model} is a {art.kind}, not an embedder"), model)
            apath = Path(art.path)
            folder = apath if apath.is_dir() else apath.parent
            onnx = apath if apath.is_file() else folder / "model.onnx"
            tok = folder / "tokenizer.json"
            if not onnx.is_file() or not tok.is_file():
                raise ModelError(f"{apath}: embedder artifact needs model.onnx and tokenizer.json side by side")
            return onnx, tok, _max_seq_len_from_folder(folder), "registry"
    embedders = [n for n in names if defaults.manifest_entry(n).get("kind") == "embedder"]
    raise with_origin(ModelError(f"unknown embedder '{model}'", hint=f"use a default ({', '.join(embedders)}), a "
                                 "registry id, or a folder with model.onnx + tokenizer.json"), model)


def model_identity(cfg: EmbedConfig, home: Home) -> tuple[str, int]:
    """(model_id, max_seq_len) of the configured embedder without loading it: lets an ingest decide that
    nothing changed without paying for an onnxruntime session."""
    from .hashing import sha256_file

    onnx, _tok, max_seq_len, _how = resolve_files(cfg.model, home)
    return sha256_file(onnx), max_seq_len


MODEL_META = "embed_model"  # document meta: the embedder its stored vectors came from (model_key)


def model_key(model_id: str) -> str:
    """An embedder as document meta names it: the first 16 hex digits of its ONNX file's sha256 (model_id)."""
    return str(model_id)[:16]


def stored_models(store: Any) -> dict[str | None, int]:
    """Documents per embedder that made their vectors (model_key; None: stored before ingest recorded it)."""
    return store.documents_per_meta(MODEL_META)


def chunks_of_model(store: Any, model_id: str) -> list[int] | None:
    """None when no stored vector comes from another embedder than `model_id`; else the ids of the chunks whose
    vectors do (or may: not recorded), ascending. A query vector is comparable with those only: another model's
    vectors of the same size live in another space (cosines near 0, a random ranking)."""
    key = model_key(model_id)
    if not any(m is not None and m != key for m in stored_models(store)):
        return None
    return store.chunk_ids_with_meta(MODEL_META, key)


def other_model_note(store: Any, model_id: str, name: str = "", *, command: str = "") -> str | None:
    """One line when some documents' vectors come from another embedder than `model_id` (the `[embed] model`
    was changed and not every document re-ingested since): vector search leaves those out. `command`: the ingest
    that re-embeds them (reingest_command), named in the line."""
    key = model_key(model_id)
    counts = stored_models(store)
    other = sum(n for m, n in counts.items() if m is not None and m != key)
    if not other:
        return None
    total = sum(counts.values())
    return (f"{other} of {total} documents have vectors from another embedder than [embed] model"
            f"{f' ({name})' if name else ''}: vector search leaves them out (BM25 still finds them) until "
            f"`{command or 'ragtune ingest'}` of their files re-embeds them")


def other_model_paths(store: Any, model_id: str | None, *, from_files: bool = False) -> list[str]:
    """Paths of the documents whose vectors another embedder than `model_id` made (all documents when None: the
    embedder is unknown). One not recorded (stored before ingest said) counts as this one's, as search takes it.
    `from_files`: only those of an embedder ingest identified by its file (model_key: 16 hex digits; "unknown": one
    recorded as another's, reuse.record_models), which `[embed] model` can name: not one a program passed to
    `ingest_paths` with an id of its own (a library use, a test's fake), which no config setting compares with."""
    key = None if model_id is None else model_key(model_id)

    def other(m: Any) -> bool:
        m = key if m is None else str(m)
        by_file = m == "unknown" or bool(re.fullmatch(r"[0-9a-f]{16}", m))
        return key is None or (m != key and (by_file or not from_files))

    if not any(other(m) for m in stored_models(store)):  # the usual answer, from one GROUP BY (doctor asks each run)
        return []
    return [str(d["path"]) for d in store.documents()  # every row's meta, parsed: only when some are another's
            if other(d["meta"].get(MODEL_META) if isinstance(d["meta"], dict) else None)]


MAX_NAMED = 3  # paths a re-ingest command names before it names their folders


def reingest_command(paths: list[str]) -> str:
    """The `ragtune ingest` that reads `paths` (stored document paths) again: the files themselves when few, else
    the folders holding them (a corpus row: its corpus file), the first few of them when many. Never a folder above
    theirs: the common folder of /home/alice/hr and /home/alice/eng is her whole home, every readable file of which
    that command would ingest."""
    import os
    import shlex

    files = sorted({m.group(1) if (m := re.match(r"(.*?\.jsonl)#", p, re.I)) else p for p in paths})
    targets = files
    if len(targets) > MAX_NAMED:
        dirs = sorted({os.path.dirname(f) or "." for f in files})
        targets = [d for d in dirs if not any(d.startswith(o.rstrip("/") + "/") for o in dirs if o != d)]
    named = " ".join(shlex.quote(t) for t in targets[:MAX_NAMED])
    more = f" … ({len(targets)} folders: `ragtune docs list` names them)" if len(targets) > MAX_NAMED else ""
    return f"ragtune ingest {named}{more}"


def configured_model_id(cfg: EmbedConfig, home: Home, *, hash_files: bool = True) -> str | None:
    """The model_id ingest records for `cfg`'s embedder (model_identity) without loading it: a default model's from
    its manifest (nothing read), another's by hashing its ONNX file (None when `hash_files` is False). None when the
    embedder does not resolve (its own error is said elsewhere)."""
    from . import default_models as defaults

    try:
        if str(cfg.model) in defaults.default_names():
            return str(defaults.manifest_entry(str(cfg.model))["sha256"])
        return model_identity(cfg, home)[0] if hash_files else None
    except (ModelError, OSError, KeyError):
        return None


def unsearched_note(store: Any, cfg: EmbedConfig, home: Home, model_id: str | None = None) -> str | None:
    """other_model_note for the embedder searches use (`model_id` when the caller has it loaded, else `cfg`'s),
    with the command that re-embeds: what `search` and `ask` print once on stderr. None when every vector is its."""
    model_id = model_id or configured_model_id(cfg, home)
    if model_id is None:
        return None
    counts = stored_models(store)
    if not any(m is not None and m != model_key(model_id) for m in counts):  # the usual case: one cheap query
        return None
    return other_model_note(store, model_id, str(cfg.model),
                            command=reingest_command(other_model_paths(store, model_id)))


def reembed_note(home: Home, model: Any) -> str | None:
    """What `config set embed.model VALUE` says when the home's documents were embedded by another model than the
    one VALUE names (stored as the config file holds it): how many, and the ingest that re-embeds them. None when
    nothing is ingested, or every vector is already that model's. Read-only; a damaged database says nothing here."""
    from .config import settings_from_dict
    from .errors import RagtuneError
    from .store import health

    if not home.db_path.is_file():
        return None
    try:
        cfg = settings_from_dict({"embed": {"model": model}}, home=home).embed
        with health.open_as_is(home.db_path) as store:
            model_id = configured_model_id(cfg, home)
            paths = other_model_paths(store, model_id, from_files=True)
            total = store.count_documents()
    except RagtuneError:
        return None
    if not paths:
        return None
    return (f"{len(paths)} of {total} documents were embedded by another model than {cfg.model}: vector search leaves "
            f"them out (BM25 still finds them) until they are re-ingested: run `{reingest_command(paths)}`")


def _max_seq_len_from_folder(folder: Path) -> int:
    # sentence-transformers exports carry sentence_bert_config.json; fall back to MiniLM's 256.
    for name in ("sentence_bert_config.json", "ragtune_embedder.json"):
        f = folder / name
        if f.is_file():
            try:
                data = loads_located(f.read_bytes(), f, "invalid embedder config: invalid JSON", error=ModelError)
                v = int(data.get("max_seq_length") or data.get("max_seq_len") or DEFAULT_MAX_SEQ_LEN)
            except (ValueError, TypeError, OSError, AttributeError) as exc:
                raise ModelError(f"{f}: invalid embedder config: {exc}") from None
            if not 8 <= v <= 8192:
                raise ModelError(f"{f}: max_seq_length {v} out of range 8..8192")
            return v
    return DEFAULT_MAX_SEQ_LEN


def session_options(threads: int, *, spinning: bool = True) -> Any:
    """onnxruntime options for a small model answering one query at a time on few cores. `spinning` False: the
    pool's threads sleep between the operators of a run instead of busy-waiting (an ingest's embedder: `bulk`)."""
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = max(1, threads)
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # The pool's threads stop spinning when a run ends: by default they busy-wait for the next run and take a
    # core from BM25 and the vector search that follow a query's embedding (2 cores: hybrid p95 18 -> 15 ms).
    so.add_session_config_entry("session.force_spinning_stop", "1")
    if not spinning:
        so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    # Fatal only: warnings stay off the user's terminal, and so does the red `[E:onnxruntime:…]` line a failed load
    # (a std::bad_alloc under `ulimit -v`) logged before the exception our error words says the same.
    so.log_severity_level = 4
    return so


def out_of_memory(what: object, exc: BaseException) -> ModelError:
    """onnxruntime's std::bad_alloc (or a library not mapped) for want of memory: said as such, not as a bad model."""
    from . import machine

    sign = re.search(r"std::bad_alloc|failed to map segment[\w ]*|cannot allocate memory", str(exc), re.I)
    why = sign.group(0) if sign else str(exc)
    return ModelError(f"out of memory loading the embedder ({what}: {why})", hint=machine.out_of_memory_hint())


class Embedder:
    """`encode(texts) -> float32 (n, dim)`, L2-normalised. Thread count from `EmbedConfig.threads`."""

    token_budget = TOKEN_BUDGET  # padded tokens a forward pass (plan_batches); bench_r49_memory.py sets the old 2048

    def __init__(self, cfg: EmbedConfig | None = None, home: Home | None = None, *, bulk: bool | None = None):
        """`bulk`: for ingest's thousands of runs back to back, whose pool threads sleep between operators
        (session_options' `spinning` off). Spinning, the 2 threads of a loaded 2-core box burnt ~1.7x the CPU for
        the same vectors, and took twice as long: a 1,000-row CSV 36.0 -> 21.0 s CPU, 119 -> 57 s; a prose corpus
        30.6 -> 17.6 s CPU (round 54, benchmarks/bench_r54_rows_ingest.py). A query's single run keeps spinning.
        None: `BULK`'s value."""
        try:  # a shared object the loader cannot map for want of address space (`ulimit -v`): an ImportError
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except (ImportError, MemoryError) as exc:  # MemoryError: Python's own, reading a module's code
            if OutOfMemory.says_so(exc):
                raise out_of_memory(getattr(exc, "name", None) or "onnxruntime", exc) from None
            raise

        self.cfg = cfg or EmbedConfig()
        self.home = home or Home()
        onnx_path, tok_path, self.max_seq_len, self.source = resolve_files(self.cfg.model, self.home)
        self.model_path = onnx_path
        from .hashing import sha256_file

        self.model_id = sha256_file(onnx_path)

        try:
            tok = Tokenizer.from_file(str(tok_path))
        except Exception as exc:  # tokenizers raises plain Exception subclasses
            if OutOfMemory.says_so(exc):
                raise out_of_memory(tok_path, exc) from None
            raise ModelError(f"{tok_path}: cannot load tokenizer: {exc}") from None
        tok.no_truncation()
        tok.no_padding()
        self.tokenizer = tok  # public: chunking/budgets count tokens with it, nothing configured
        # A private copy that truncates at the model's limit ([CLS] … [SEP] kept); padding is done in numpy.
        self._enc = Tokenizer.from_str(tok.to_str())
        self._enc.enable_truncation(max_length=self.max_seq_len)
        self._pad_id = 0
        pad = tok.token_to_id("[PAD]")
        if pad is not None:
            self._pad_id = pad

        try:  # belt and braces with ORT_DISABLE_TELEMETRY: library users may not go through the CLI
            ort.disable_telemetry_events()
        except Exception:  # noqa: BLE001 - absent in some builds
            pass
        so = session_options(self.cfg.threads, spinning=not (BULK.get() if bulk is None else bulk))
        try:
            self._sess = ort.InferenceSession(str(onnx_path), sess_options=so, providers=["CPUExecutionProvider"])
        except Exception as exc:
            if OutOfMemory.says_so(exc):
                raise out_of_memory(onnx_path, exc) from None
            raise ModelError(f"{onnx_path}: cannot load ONNX model: {exc}") from None
        self._input_names = [i.name for i in self._sess.get_inputs()]
        for required in ("input_ids", "attention_mask"):
            if required not in self._input_names:
                raise ModelError(f"{onnx_path}: ONNX model has no '{required}' input (inputs: {', '.join(self._input_names)})")
        outs = self._sess.get_outputs()
        names = [o.name for o in outs]
        self._output = "last_hidden_state" if "last_hidden_state" in names else names[0]
        shape = outs[names.index(self._output)].shape
        self._pooled = len(shape) == 2  # some exports already pool (batch, dim)
        last = shape[-1] if shape else None
        self._dim: int | None = last if isinstance(last, int) else None

    # -- public ---------------------------------------------------------------------------------
    @property
    def dim(self) -> int:
        if self._dim is None:
            self._dim = int(self.encode(["probe"]).shape[1])
        return self._dim

    def count_tokens(self, text: str) -> int:
        """Tokens of `text` without [CLS]/[SEP] and without truncation."""
        return len(self.tokenizer.encode(text, add_special_tokens=False).ids)

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([text])[0]

    def encode(self, texts: list[str], *, batch_size: int | None = None) -> np.ndarray:
        """Embeddings in input order. Texts are sorted by token length and batched so that padding (wasted
        compute) is minimal; each text is truncated at `max_seq_len` tokens."""
        if isinstance(texts, str):
            raise TypeError("encode() takes a list of strings; use encode_query() for one")
        return self._encode(len(texts), lambda a, b: self.token_ids(texts[a:b]), batch_size)

    def encode_token_ids(self, ids: list[Any], *, batch_size: int | None = None) -> np.ndarray:
        """`encode()` of the texts whose `token_ids` are `ids`, byte for byte (same slabs, same batches): ingest
        tokenises a chunk once, for its reuse key and for this."""
        return self._encode(len(ids), lambda a, b: ids[a:b], batch_size)

    def _encode(self, n: int, slab: Callable[[int, int], list[Any]], batch_size: int | None) -> np.ndarray:
        if n == 0:
            return np.zeros((0, self._dim or EMBED_DIM), dtype=np.float32)
        bs = batch_size or self.cfg.batch_size
        out: np.ndarray | None = None
        # Tokenise in slabs so a huge list never holds all its encodings at once; sort within each slab.
        for base in range(0, n, SLAB):
            ids = slab(base, base + SLAB)
            for idx in plan_batches([len(x) for x in ids], bs, self.token_budget):
                vecs = self._run([ids[i] for i in idx])
                if out is None:
                    out = np.empty((n, vecs.shape[1]), dtype=np.float32)
                    self._dim = vecs.shape[1]
                out[[base + i for i in idx]] = vecs
        assert out is not None
        return out

    def token_ids(self, texts: list[str]) -> list[np.ndarray]:
        """The id sequences `encode()` runs the model on: [CLS] … [SEP], truncated at `max_seq_len`, as uint32
        arrays. Texts with the same ids get the same vector (ingest reuses stored vectors by a hash of them).
        Tokenised SLAB texts at a time, kept as arrays: ingest asks for every chunk of a document at once, and one
        `encode_batch` of a 10 MB file's 21k chunks held 550 MB of Encoding objects (+120 MB of int lists)."""
        out: list[np.ndarray] = []
        for base in range(0, len(texts), SLAB):
            batch = [t if isinstance(t, str) else str(t) for t in texts[base:base + SLAB]]
            out.extend(np.asarray(e.ids, dtype="<u4") for e in self._enc.encode_batch(batch))
        return out

    def encode_ids(self, batch: list[list[int]]) -> np.ndarray:
        """One forward pass over already-tokenised sequences (with special tokens). Used by benchmarks."""
        return self._run(batch)

    def close(self) -> None:
        self._sess = None  # type: ignore[assignment]

    def __enter__(self) -> "Embedder":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- internals ------------------------------------------------------------------------------
    def _run(self, batch: list[list[int]]) -> np.ndarray:
        if self._sess is None:
            raise ModelError("embedder is closed")
        width = max(1, max(len(x) for x in batch))
        input_ids = np.full((len(batch), width), self._pad_id, dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for r, seq in enumerate(batch):
            input_ids[r, :len(seq)] = seq
            mask[r, :len(seq)] = 1
        feed = {"input_ids": input_ids, "attention_mask": mask}
        if "token_type_ids" in self._input_names:
            feed["token_type_ids"] = np.zeros_like(input_ids)
        try:
            (hidden,) = self._sess.run([self._output], feed)
        except Exception as exc:
            raise ModelError(f"{self.model_path}: inference failed: {exc}") from None
        if self._pooled:
            pooled = hidden.astype(np.float32, copy=False)
        else:
            m = mask[:, :, None].astype(np.float32)
            pooled = (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32, copy=False)
