"""A deterministic mutation fuzzer over every structured file the product reads: bad input is the product's typed
error (a RagtuneError naming the file, and the line where the format has lines), never a traceback, and a length
read from a file never makes the reader allocate more than the file holds.

Each reader gets a small valid seed built here and a few hundred mutants of it (random.Random with a fixed seed):
truncations, byte flips, insertions and deletions; for JSON and TOML also structural ones (a value replaced by
null, a list, an object, a huge or negative number, NaN, a very long or non-Unicode string, deep nesting; keys
removed, duplicated or renamed); for GGUF the header's fields set to 0, huge, or -1 read as unsigned. The mutants
that crashed a reader once are kept below as fixed regression cases."""

from __future__ import annotations

import copy
import json
import math
import random
import re
import struct
import tracemalloc
from pathlib import Path
from typing import Any, Callable

import pytest

from ragtune.appliance.errors import ConfigError, InputError, ModelError, RagtuneError
from ragtune.appliance.tomltext import tomllib

# -- the mutation engine ----------------------------------------------------------------------------------------


class _Token:
    """A value written as raw text: what json/toml writers cannot produce (a 5000-digit number, deep nesting)."""

    def __init__(self, json_text: str, toml_text: str | None = None):
        self.json_text, self.toml_text = json_text, toml_text or json_text

    def __repr__(self) -> str:
        return f"<{self.json_text[:12]}… ({len(self.json_text)} chars)>"


HUGE_DIGITS = _Token("9" * 5000)  # past Python's int-from-text limit (4300 digits): json and tomllib raise ValueError
DEEP = _Token("[" * 3000 + "]" * 3000)  # past the recursion limit of json and tomllib
SPECIALS: list[Any] = [None, [], {}, True, False, 0, -1, 1.5, 10 ** 400, 2 ** 64, -(2 ** 63) - 1, float("nan"),
                       float("inf"), float("-inf"), "", " ", "x" * 100_000, "\udce9", "\x00", "S1", "S9", "ok",
                       "refused", {"a": {"b": [1, None]}}, [[[]]], [1, "a", None], HUGE_DIGITS, DEEP]
NEW_KEYS = ["", "x", "\udce9", "_id", "text", "prompt", "output", "meta", "stage", "format", "train", "features"]
INSERTS = [b"\x00", b"\xff", b"\xc3", b"\xed\xb3\xa9", b'"', b"'", b"{", b"}", b"[", b"]", b",", b":", b"=", b"\n",
           b"\r", b"\t", b"\\", b"\\u", b"\\udce9", b"NaN", b"-", b"9" * 400, b"1e999", b"null", b"\xef\xbb\xbf"]


class Pairs(list):
    """A JSON object written with duplicate keys: a list of (key, value)."""


def dump_json(o: Any, sep: str = ", ") -> str:
    if isinstance(o, _Token):
        return o.json_text
    if isinstance(o, Pairs):
        return "{" + sep.join(json.dumps(k) + ": " + dump_json(v, sep) for k, v in o) + "}"
    if isinstance(o, dict):
        return "{" + sep.join(json.dumps(k) + ": " + dump_json(v, sep) for k, v in o.items()) + "}"
    if isinstance(o, list):
        return "[" + sep.join(dump_json(v, sep) for v in o) + "]"
    return json.dumps(o)  # NaN, Infinity, "\udce9" escaped: what Python's json reads back


def _toml_key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else json.dumps(k)


def _toml_inline(v: Any) -> str:
    if isinstance(v, _Token):
        return v.toml_text
    if v is None:
        return '""'  # TOML has no null
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and not math.isfinite(v):
        return "nan" if v != v else ("inf" if v > 0 else "-inf")
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, Pairs):
        return "{" + ", ".join(f"{_toml_key(k)} = {_toml_inline(x)}" for k, x in v) + "}"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_toml_key(k)} = {_toml_inline(x)}" for k, x in v.items()) + "}"
    return "[" + ", ".join(_toml_inline(x) for x in v) + "]"


def dump_toml(doc: Any) -> str:
    """Top-level scalars, then one [table] per top-level object (deeper objects inline); duplicates kept."""
    def table(v: Any) -> bool:
        return isinstance(v, (dict, Pairs))

    if not table(doc):  # a TOML document is a table: the mutant's root becomes a key's value
        doc = {"value": doc}
    items = list(doc) if isinstance(doc, Pairs) else list(doc.items())
    lines = [f"{_toml_key(k)} = {_toml_inline(v)}" for k, v in items if not table(v)]
    for k, v in items:
        if table(v):
            lines.append(f"[{_toml_key(k)}]")
            sub = list(v) if isinstance(v, Pairs) else list(v.items())
            lines += [f"{_toml_key(sk)} = {_toml_inline(sv)}" for sk, sv in sub]
    return "\n".join(lines) + "\n"


def _paths(o: Any, at: tuple = ()) -> list[tuple]:
    out = [at]
    if isinstance(o, dict):
        for k, v in o.items():
            out += _paths(v, at + (k,))
    elif isinstance(o, list):
        for i, v in enumerate(o):
            out += _paths(v, at + (i,))
    return out


def _get(o: Any, path: tuple) -> Any:
    for p in path:
        o = o[p]
    return o


def mutate_tree(doc: Any, rng: random.Random) -> tuple[Any, str]:
    """One structural mutation of a parsed JSON/TOML document: (the new document, what was done)."""
    doc = copy.deepcopy(doc)
    path = rng.choice(_paths(doc))
    op = rng.choice(["replace", "replace", "replace", "remove", "rename", "duplicate", "wrap", "add"])
    if not path:
        op = rng.choice(["replace", "wrap", "add"]) if isinstance(doc, dict) else "replace"
    parent = _get(doc, path[:-1]) if path else None
    value = rng.choice(SPECIALS)

    def put(new: Any) -> Any:
        if not path:
            return new
        parent[path[-1]] = new
        return doc

    if op == "replace":
        doc = put(value)
    elif op == "remove":
        del parent[path[-1]]
    elif op == "rename" and isinstance(parent, dict):
        parent[rng.choice(NEW_KEYS) + rng.choice(["", str(path[-1])])] = parent.pop(path[-1])
    elif op == "duplicate" and isinstance(parent, dict):
        dup = Pairs(list(parent.items()) + [(path[-1], value)])
        if len(path) == 1:
            doc = dup
        else:
            _get(doc, path[:-2])[path[-2]] = dup
    elif op == "wrap":
        target = _get(doc, path)
        doc = put(rng.choice([[target], {"v": target}, [[target]]]))
    elif op == "add":
        target = _get(doc, path)
        if isinstance(target, dict):
            target[rng.choice(NEW_KEYS)] = value
        elif isinstance(target, list):
            target.insert(rng.randrange(len(target) + 1), value)
        else:
            doc = put(value)
    else:
        doc = put(value)
    return doc, f"{op} {path!r} -> {value!r}"[:200]


def mutate_bytes(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """One byte-level mutation: truncate, flip a bit, set a byte, insert, delete or duplicate a range."""
    n = len(data)
    op = rng.choice(["truncate", "flip", "set", "insert", "insert", "delete", "dup"])
    i = rng.randrange(n + 1) if n else 0
    if op == "truncate":
        return data[:i], f"truncate at {i}"
    if op in ("flip", "set") and n:
        i = min(i, n - 1)
        b = data[i] ^ (1 << rng.randrange(8)) if op == "flip" else rng.randrange(256)
        return data[:i] + bytes([b]) + data[i + 1:], f"{op} byte {i} -> {b:#x}"
    if op == "delete" and n:
        j = min(n, i + rng.randrange(1, 16))
        return data[:i] + data[j:], f"delete {i}:{j}"
    if op == "dup" and n:
        j = min(n, i + rng.randrange(1, 64))
        return data[:j] + data[i:j] + data[j:], f"duplicate {i}:{j}"
    ins = rng.choice(INSERTS)
    return data[:i] + ins + data[i:], f"insert {ins[:20]!r} at {i}"


# -- running the readers ----------------------------------------------------------------------------------------
def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


FILE_LINE = re.compile(r":\d+(:|\b)")


def check_error(exc: BaseException, names: tuple[str, ...], typed: tuple[type, ...] = (RagtuneError,)) -> str | None:
    """Why `exc` is not the product's answer to bad input (None: it is): a typed error, naming one of `names`
    (the file, or its folder), printable."""
    if not isinstance(exc, typed):
        return f"{type(exc).__name__}: {str(exc)[:300]}"
    msg = str(exc)
    try:
        msg.encode("utf-8")
    except UnicodeEncodeError:
        return f"message cannot be printed (a lone surrogate): {msg!r:.300}"
    if names and not any(n in msg for n in names):
        return f"message names no file ({names}): {msg[:300]}"
    return None


def run_mutants(mutants: list[tuple[Any, str]], call: Callable[[Any], Any], names: tuple[str, ...],
                typed: tuple[type, ...] = (RagtuneError,), lines: Callable[[str], bool] | None = None) -> None:
    """Call the reader on every mutant; fail listing every mutant it answered with anything but a typed error
    (or, `lines` given, a typed error without a line where that predicate says one was due)."""
    bad = []
    for data, what in mutants:
        try:
            call(data)
        except Exception as exc:  # noqa: BLE001 - everything that is not the typed error is the finding
            why = check_error(exc, names, typed)
            if why is None and lines is not None and lines(str(exc)) and not FILE_LINE.search(str(exc)):
                why = f"no line: {str(exc)[:300]}"
            if why:
                bad.append(f"{what}: {why}")
    assert not bad, f"{len(bad)} of {len(mutants)} mutants crashed the reader:\n" + "\n".join(bad[:15])


def json_tree(doc: Any, sep: str = ",\n  ", lines: bool = False) -> Callable[[random.Random], tuple[bytes, str]]:
    """Structural mutants of a JSON document (or, lines=True, of one line of a JSONL list)."""
    def make(rng: random.Random) -> tuple[bytes, str]:
        if lines:
            rows = list(doc)
            i = rng.randrange(len(rows))
            row, what = mutate_tree(rows[i], rng)
            rows[i] = row
            return "".join(dump_json(r) + "\n" for r in rows).encode("utf-8", "surrogatepass"), f"line {i + 1}: {what}"
        new, what = mutate_tree(doc, rng)
        return dump_json(new, sep).encode("utf-8", "surrogatepass"), what
    return make


def toml_tree(doc: dict[str, Any]) -> Callable[[random.Random], tuple[bytes, str]]:
    def make(rng: random.Random) -> tuple[bytes, str]:
        new, what = mutate_tree(doc, rng)
        return dump_toml(new).encode("utf-8", "surrogatepass"), what
    return make


def mixed(rng: random.Random, seed: bytes, tree: Callable[[random.Random], tuple[bytes, str]], n: int,
          ) -> list[tuple[bytes, str]]:
    """`n` mutants: structural alone, byte-level alone, and both stacked, in about equal shares."""
    out = []
    for k in range(n):
        if k % 3 == 0:
            out.append(tree(rng))
        elif k % 3 == 1:
            data, what = mutate_bytes(seed, rng)
            out.append((data, what))
        else:
            data, what = tree(rng)
            data, step = mutate_bytes(data, rng)
            out.append((data, f"{what}; {step}"))
    return out


# -- seeds --------------------------------------------------------------------------------------------------------
CONFIG = """\
[embed]
threads = 2
batch_size = 16

[ingest]
chunk_tokens = 120
overlap_tokens = 20
extensions = [".md", ".txt"]

[retrieve]
k = 4
fusion = "rrf"
bm25_weight = 1.5
rerank = ""

[generate]
temperature = 0.2
refusal_threshold = 0.6
min_answer_logprob = "off"
evidence_cut = -1.5
adapter_scale = 1.0
answer_candidates = 2

[serve]
port = 9000
tokens = ["alice:0123456789abcdefXYZ"]

[rollout]
min_requests = 10
auto_rollback = true
"""

RECIPE_TOML = """\
[train]
r = 16
epochs = 1
lr = 0.0003
targets = "all-linear"
weight_status = 2.5
max_len = 1024
bf16 = false
"""
RECIPE_JSON = {"r": 8, "epochs": 2, "lr": 0.0001, "targets": "attention", "dropout": 0.1, "seed": 3,
               "data": "train.jsonl", "resume": False}

EXAMPLE = {"prompt": {"system": "Answer from the sources.", "user": "When did the strike start?",
                      "context": [{"id": "S1", "text": "The strike started in 1926."},
                                  {"id": "S2", "text": "Coal was mined there."}]},
           "output": {"status": "ok", "answer": "in 1926", "citations": ["S1"]},
           "meta": {"id": "q1", "date": "2024-01-02", "reviewed": True}}
REFUSAL = {"prompt": {"system": "Answer from the sources.", "user": "Who won in 1930?",
                      "context": [{"id": "S1", "text": "The strike started in 1926."}]},
           "output": {"status": "refused", "answer": "The sources do not say.", "citations": []}}

CORPUS = [{"_id": "d1", "title": "One", "text": "The strike started in 1926."},
          {"_id": 2, "title": None, "text": "Coal was mined there.", "date": "2020-01-01"},
          {"_id": "d3", "text": "Third.", "metadata": {"date": "2021-05-06"}}]
QUERIES = [{"_id": "q1", "text": "When did the strike start?", "metadata": {"answers": ["1926"], "answerable": True}},
           {"_id": "q2", "text": "What was mined?", "metadata": {"context_id": "2"}},
           {"_id": "q3", "text": "Who won?", "metadata": {"answerable": False, "answers": []}}]
QRELS = "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\t2\t1\nq3\td3\t0\n"

REFUSAL_MODEL = {"features": ["p_refused_logit", "evidence_score", "answer_min_logprob", "answer_sentence"],
                 "mean": [-2.0, 0.5, -3.0, 0.6], "scale": [1.5, 1.0, 2.0, 0.3], "weights": [0.8, -0.5, -0.4, -0.9],
                 "bias": -1.2, "threshold": 0.5}
EVIDENCE = {"format": 1, "features": ["best_sentence", "top_rerank", "number_missing"], "mean": [0.6, 0.1, 0.2],
            "scale": [0.2, 1.3, 0.4], "weights": [1.1, 0.9, -0.7], "bias": 0.3, "cut": -0.5,
            "fitted": {"n": 200, "on": "train domains"}}


# -- config.toml -------------------------------------------------------------------------------------------------
def test_config_toml_fuzz(tmp_path):
    from ragtune.appliance.config import load_settings
    from ragtune.appliance.home import Home

    rng = random.Random(3801)
    path, home = tmp_path / "config.toml", Home(tmp_path / "h")
    assert load_settings(_write(path, CONFIG.encode()), home=home).retrieve.k == 4  # the seed is valid

    def call(data: bytes) -> None:
        load_settings(_write(path, data), home=home)

    run_mutants(mixed(rng, CONFIG.encode(), toml_tree(tomllib.loads(CONFIG)), 300), call, (str(path),),
                (ConfigError,))


# -- a train recipe (TOML or JSON) -------------------------------------------------------------------------------
def test_train_recipe_fuzz(tmp_path):
    from ragtune.models.train.config import make_config

    rng = random.Random(3802)
    toml_path, json_path = tmp_path / "recipe.toml", tmp_path / "recipe.json"
    assert make_config(_write(toml_path, RECIPE_TOML.encode())).r == 16
    assert make_config(_write(json_path, json.dumps(RECIPE_JSON).encode())).r == 8

    run_mutants(mixed(rng, RECIPE_TOML.encode(), toml_tree(tomllib.loads(RECIPE_TOML)), 150),
                lambda data: make_config(_write(toml_path, data)), (str(toml_path),), (ConfigError,))
    seed = dump_json(RECIPE_JSON, ",\n  ").encode()
    run_mutants(mixed(rng, seed, json_tree(RECIPE_JSON), 150),
                lambda data: make_config(_write(json_path, data)), (str(json_path),), (ConfigError,))


# -- training-format JSONL: `train`, `dataset merge`, `dataset build --from-log`, `eval run FILE.jsonl` -------------
def _line_due(msg: str) -> bool:
    """A JSONL reader's error names a line unless it is about the whole file."""
    return "no examples" not in msg and "cannot read" not in msg


def test_training_jsonl_fuzz(tmp_path):
    from ragtune.appliance.eval.datasets import load_training_jsonl
    from ragtune.models.dataset import build_from_log, read_examples

    rng = random.Random(3803)
    path = tmp_path / "train.jsonl"
    rows = [EXAMPLE, REFUSAL, EXAMPLE]
    seed = "".join(json.dumps(r) + "\n" for r in rows).encode()
    _write(path, seed)
    assert len(read_examples(path)) == 3 and build_from_log(path)[1].answered == 2
    assert len(load_training_jsonl(path).items) == 3

    mutants = mixed(rng, seed, json_tree(rows, lines=True), 300)
    for read in (read_examples, build_from_log, load_training_jsonl):
        run_mutants(mutants, lambda data: read(_write(path, data)), (str(path),), (InputError,), lines=_line_due)


# -- a BEIR folder (ingest --beir, eval run FOLDER) ---------------------------------------------------------------
def _beir_folder(root: Path, corpus: bytes, queries: bytes, qrels: bytes) -> Path:
    (root / "qrels").mkdir(parents=True, exist_ok=True)
    (root / "corpus.jsonl").write_bytes(corpus)
    (root / "queries.jsonl").write_bytes(queries)
    (root / "qrels" / "test.tsv").write_bytes(qrels)
    return root


QRELS_FIELDS = ["", " ", "1e400", "-1e400", "nan", "inf", "-inf", "1.5", "-0", "0x10", "1_0", "9" * 5000, "2.0",
                "\udce9", "\x00", "d1\td2", "q1", "１"]


def _qrels_mutant(rng: random.Random) -> tuple[bytes, str]:
    rows = [line.split("\t") for line in QRELS.splitlines()]
    i, j = rng.randrange(len(rows)), rng.randrange(3)
    rows[i][j] = rng.choice(QRELS_FIELDS)
    return ("\n".join("\t".join(r) for r in rows) + "\n").encode("utf-8", "surrogatepass"), f"qrels[{i}][{j}]"


def test_beir_folder_fuzz(tmp_path):
    from ragtune.appliance.eval.datasets import load_beir

    rng = random.Random(3804)
    seeds = {"corpus": "".join(json.dumps(r) + "\n" for r in CORPUS).encode(),
             "queries": "".join(json.dumps(r) + "\n" for r in QUERIES).encode(), "qrels": QRELS.encode()}
    folder = _beir_folder(tmp_path / "set", seeds["corpus"], seeds["queries"], seeds["qrels"])
    assert len(load_beir(folder).items) == 3
    trees = {"corpus": json_tree(CORPUS, lines=True), "queries": json_tree(QUERIES, lines=True),
             "qrels": _qrels_mutant}
    mutants = []
    for k in range(300):
        which = ["corpus", "queries", "qrels"][k % 3]
        data, what = mixed(rng, seeds[which], trees[which], 1 + k % 2)[-1]
        mutants.append(({**seeds, which: data}, f"{which}: {what}"))
    names = tuple(str(folder / f) for f in ("corpus.jsonl", "queries.jsonl", "qrels/test.tsv"))

    def call(files: dict[str, bytes]) -> None:
        load_beir(_beir_folder(folder, files["corpus"], files["queries"], files["qrels"]))

    run_mutants(mutants, call, names, (InputError,),
                lines=lambda m: "no queries" not in m and "empty qrels" not in m)


# -- GGUF headers (models add, adapters, the default model) --------------------------------------------------------
class _GGUFBuilder:
    """A GGUF file written field by field, remembering where each header field is (offset, struct format, role)."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.fields: list[tuple[int, str, str]] = []

    def put(self, fmt: str, value: Any, role: str = "") -> None:
        if role:
            self.fields.append((len(self.data), fmt, role))
        self.data += struct.pack(fmt, value)

    def string(self, s: str) -> None:
        b = s.encode()
        self.put("<Q", len(b), "string length")
        self.data += b

    def kv(self, key: str, vtype: int, write: Callable[[], None]) -> None:
        self.string(key)
        self.put("<I", vtype, "value type")
        write()


def gguf_seed() -> tuple[bytes, list[tuple[int, str, str]]]:
    b = _GGUFBuilder()
    b.data += b"GGUF"
    b.put("<I", 3, "version")
    b.put("<Q", 2, "tensor count")
    b.put("<Q", 7, "kv count")
    b.kv("general.architecture", 8, lambda: b.string("llama"))
    b.kv("general.type", 8, lambda: b.string("adapter"))
    b.kv("adapter.type", 8, lambda: b.string("lora"))
    b.kv("general.alignment", 4, lambda: b.put("<I", 32, "alignment"))
    b.kv("adapter.lora.alpha", 6, lambda: b.put("<f", 16.0))

    def strings() -> None:
        b.put("<I", 8, "array element type")
        b.put("<Q", 3, "array count")
        for s in ("a", "bc", "def"):
            b.string(s)

    def ints() -> None:
        b.put("<I", 5, "array element type")
        b.put("<Q", 4, "array count")
        for i in range(4):
            b.put("<i", i)

    b.kv("tokenizer.ggml.tokens", 9, strings)
    b.kv("tokenizer.ggml.token_type", 9, ints)
    for name, offset in (("blk.0.attn_q.weight.lora_a", 0), ("blk.0.attn_q.weight.lora_b", 32)):
        b.string(name)
        b.put("<I", 2, "tensor dims")
        b.put("<Q", 2, "tensor dim")
        b.put("<Q", 2, "tensor dim")
        b.put("<I", 0, "tensor type")
        b.put("<Q", offset, "tensor offset")
    b.data += b"\0" * (-len(b.data) % 32)
    b.data += struct.pack("<16f", *range(16))
    return bytes(b.data), b.fields


def gguf_mutants(rng: random.Random, n: int) -> list[tuple[bytes, str]]:
    seed, fields = gguf_seed()
    out: list[tuple[bytes, str]] = []
    for k in range(n):
        data = bytearray(seed)
        if k % 4 == 3:
            mutated, what = mutate_bytes(seed, rng)
            out.append((mutated, what))
            continue
        if k % 17 == 0:
            data[:4] = rng.choice([b"GGUF"[::-1], b"gguf", b"\0\0\0\0", b"GGU"])
            what = f"magic {bytes(data[:4])!r}"
        else:
            off, fmt, role = rng.choice(fields)
            size = struct.calcsize(fmt)
            top = 1 << (8 * size)
            value = rng.choice([0, 1, 2, 3, 9, top - 1, top // 2, 1 << 24, (1 << 24) + 1, len(seed), len(seed) * 8,
                                rng.randrange(top)])
            data[off:off + size] = value.to_bytes(size, "little")
            what = f"{role} at {off} = {value}"
        if k % 5 == 0:
            cut = rng.randrange(len(data))
            data = data[:cut]
            what += f"; truncate at {cut}"
        out.append((bytes(data), what))
    return out


def test_gguf_header_fuzz(tmp_path):
    from ragtune.appliance.ggufinfo import GGUFError, read_gguf

    rng = random.Random(3805)
    path = tmp_path / "adapter.gguf"
    seed, _ = gguf_seed()
    assert read_gguf(_write(path, seed)).is_lora

    def call(data: bytes) -> None:
        _write(path, data)
        tracemalloc.start()
        try:
            read_gguf(path)
        finally:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            # a length field may claim gigabytes; the reader may allocate no more than the file holds
            assert peak < len(data) + (256 << 10), f"allocated {peak} bytes for a {len(data)}-byte file"

    run_mutants(gguf_mutants(rng, 300), call, (str(path),), (GGUFError,))


# -- JSON records: stage sidecars, registry manifests, the evidence and refusal models ---------------------------
def test_stage_sidecar_fuzz(tmp_path):
    from ragtune.appliance.hashing import sha256_path
    from ragtune.appliance.lineage import stage_lineage
    from tests.gguf_helpers import write_gguf

    rng = random.Random(3806)
    f = write_gguf(tmp_path / "a.gguf", tag="a")
    digest = sha256_path(f)
    side = f.with_name("a.gguf.json")
    record = {"stage": "lora", "adapter": "/x/run", "adapter_id": "a" * 64, "base": "/x/base.gguf",
              "base_id": "b" * 64, "outtype": "f16", "script": "convert_lora_to_gguf.py", "seconds": 1.5,
              "tools": {"gguf": "0.1", "llama-cpp-python": "0.3"}, "id": digest, "sha256": digest}
    seed = json.dumps(record, indent=2).encode()
    _write(side, seed)
    assert stage_lineage(f, "lora-gguf", digest)["base_id"] == "b" * 64

    def call(data: bytes) -> None:
        _write(side, data)
        stage_lineage(f, "lora-gguf", digest)

    run_mutants(mixed(rng, seed, json_tree(record), 300), call, (str(side),), (InputError,))


def test_registry_manifest_fuzz(tmp_path):
    """artifacts.validate_manifest, over what a manifest file can parse to."""
    from ragtune.appliance.artifacts import validate_manifest

    rng = random.Random(3807)
    m = {"format": 1, "id": "c" * 64, "kind": "lora-gguf", "name": "mine", "file": "blobs/x/a.gguf", "size": 120,
         "created": "2025-01-01T00:00:00Z", "licence": "", "lineage": {"base_id": "b" * 64, "tools": {"gguf": "1"}},
         "is_dir": False}
    where = tmp_path / ("c" * 64 + ".json")
    assert validate_manifest(m, where, "c" * 64) == m
    mutants = []
    for _ in range(300):
        doc, what = mutate_tree(m, rng)
        try:
            obj = json.loads(dump_json(doc))
        except (ValueError, RecursionError):
            continue  # a file json cannot parse: the registry's reader says so (not this function's input)
        mutants.append((obj, what))
    run_mutants(mutants, lambda obj: validate_manifest(obj, where, "c" * 64), (str(where),), (ModelError,))


def test_evidence_model_fuzz(tmp_path):
    from ragtune.appliance.evidence import load

    rng = random.Random(3808)
    path = tmp_path / "evidence.json"
    seed = json.dumps(EVIDENCE, indent=2).encode()
    assert load(_write(path, seed)).cut == -0.5
    run_mutants(mixed(rng, seed, json_tree(EVIDENCE), 300), lambda data: load(_write(path, data)), (str(path),),
                (ModelError,))


def test_refusal_model_fuzz():
    """refusal_model.parse answers a bad object with ValueError naming the field (its callers add the file: a
    built-in adapter's manifest, a recipe's [serving.refusal_model]); nothing else."""
    from ragtune.appliance.refusal_model import parse

    rng = random.Random(3809)
    assert parse(REFUSAL_MODEL).threshold == 0.5
    mutants = []
    for _ in range(300):
        doc, what = mutate_tree(REFUSAL_MODEL, rng)
        try:  # as the manifest's JSON reader hands it over
            mutants.append((json.loads(dump_json(doc)), what))
        except (ValueError, RecursionError):
            continue
    run_mutants(mutants, parse, (), (ValueError,))


# -- the mutants that crashed a reader (and the limit beside each), kept as fixed cases ------------------------------
LONG, NESTED = HUGE_DIGITS.json_text, DEEP.json_text  # json and tomllib raised ValueError, RecursionError


@pytest.mark.parametrize("value, message", [
    (LONG, "invalid JSON at column {}: a number of 5000 digits (at most 4300 are read)"),
    (NESTED, "invalid JSON: nested too deeply"),
], ids=["5000-digits", "nested-3000"])
def test_a_jsonl_line_past_the_parsers_limits_is_named(tmp_path, value, message):
    from ragtune.appliance.beir import iter_corpus
    from ragtune.models.dataset import read_examples

    corpus = _write(tmp_path / "corpus.jsonl", (json.dumps(CORPUS[0]) + '\n{"_id": "d2", "text": "x", "n": ' + value
                                                + "}\n").encode())
    with pytest.raises(InputError, match=re.escape(f"{corpus}:2: " + message.format(33))):
        list(iter_corpus(corpus))
    train = _write(tmp_path / "train.jsonl", (json.dumps(EXAMPLE) + '\n{"prompt": {}, "output": {}, "meta": '
                                              + value + "}\n").encode())
    with pytest.raises(InputError, match=re.escape(f"{train}:2: " + message.format(38))):
        read_examples(train)


@pytest.mark.parametrize("score", ["nan", "inf", "-inf", "1e400", LONG],
                         ids=["nan", "inf", "-inf", "1e400", "5000-digits"])
def test_a_qrels_score_that_is_no_integer_is_named(tmp_path, score):
    from ragtune.appliance.beir import load_qrels

    path = _write(tmp_path / "test.tsv", f"query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td1\t{score}\n".encode())
    with pytest.raises(InputError, match=re.escape(f"test.tsv:3: score must be an integer, got {score!r:.40}")):
        load_qrels(path)


@pytest.mark.parametrize("name, text, message", [
    ("config.toml", f"[generate]\nevidence_cut = {10 ** 400}\n",
     "invalid TOML: generate.evidence_cut = 10000000000000000000… is out of range (integers are 64-bit) (at line 2)"),
    ("config.toml", f"[generate]\nseed = {2 ** 64}\n", "generate.seed = 18446744073709551616 is out of range"),
    ("config.toml", f"[retrieve]\nk = 3\nbm25_weight = {NESTED}\n", "invalid TOML: nested too deeply (at line 3)"),
    ("config.toml", f"[retrieve]\nk = {LONG}\n", "invalid TOML: a number of 5000 digits (at most 4300 are read) "
                                                 "(at line 2, column 5)"),
    ("recipe.toml", f"[train]\nr = {NESTED}\n", "invalid TOML: nested too deeply (at line 2)"),
    ("recipe.toml", '[train]\ntargets = ["attention"]\n', "recipe.toml:2: train.targets: must be one of"),
    ("recipe.toml", '[train]\ntargets = {a = 1}\n', "recipe.toml:2: train.targets: must be one of"),
    ("recipe.json", '{\n  "r": 8,\n  "lr": ' + LONG + '\n}', "recipe.json:3: invalid JSON at column 9: a number "
                                                             "of 5000 digits"),
], ids=["config-10**400", "config-2**64", "config-nested", "config-5000-digits", "recipe-nested", "recipe-list",
        "recipe-table", "recipe-json-5000-digits"])
def test_a_toml_or_recipe_file_past_the_parsers_limits_is_named(tmp_path, name, text, message):
    from ragtune.appliance.config import load_settings
    from ragtune.appliance.home import Home
    from ragtune.models.train.config import make_config

    path = _write(tmp_path / name, text.encode())
    with pytest.raises(ConfigError, match=re.escape(message)) as e:
        load_settings(path, home=Home(tmp_path / "h")) if name == "config.toml" else make_config(path)
    assert str(e.value).startswith(str(path))


@pytest.mark.parametrize("record, line, message", [
    ('{\n  "stage": ["lora"]\n}', 2, "'stage' must be one of lora, soup, gguf, quantize, merge, got ['lora']"),
    ('{\n  "stage": {"lora": 1}\n}', 2, "'stage' must be one of"),
    ('{\n  "stage": "lora",\n  "seconds": ' + LONG + '\n}', 3, "invalid JSON at column 14: a number of 5000 digits"),
], ids=["stage-list", "stage-object", "5000-digits"])
def test_a_stage_sidecar_that_crashed_is_named(tmp_path, record, line, message):
    from ragtune.appliance.lineage import stage_lineage
    from tests.gguf_helpers import write_gguf

    f = write_gguf(tmp_path / "a.gguf", tag="a")
    side = _write(f.with_name("a.gguf.json"), record.encode())
    with pytest.raises(InputError, match=re.escape(f"{side}:{line}: ")) as e:
        stage_lineage(f, "lora-gguf", "0" * 64)
    assert message in e.value.message


@pytest.mark.parametrize("change, key, message", [
    ({"mean": [0.6, 10 ** 400, 0.2]}, "mean", "'mean' must be a list of 3 numbers"),
    ({"scale": [0.2, 1.3, 10 ** 400]}, "scale", "'scale' must be a list of 3 numbers"),
    ({"bias": 10 ** 400}, "bias", "'bias' must be a number"),
    ({"cut": LONG}, "cut", "invalid evidence model JSON at column 10: a number of 5000 digits"),
    ({"fitted": NESTED}, "fitted", "invalid evidence model JSON: nested too deeply"),
], ids=["mean-10**400", "scale-10**400", "bias-10**400", "cut-5000-digits", "fitted-nested"])
def test_an_evidence_model_that_crashed_is_named(tmp_path, change, key, message):
    from ragtune.appliance.evidence import load

    spec = {**EVIDENCE, **{k: v for k, v in change.items() if not isinstance(v, str)}}
    text = json.dumps(spec, indent=2)
    for k, v in change.items():
        if isinstance(v, str):  # raw text: what json cannot write
            text = text.replace(json.dumps(spec[k], indent=2).replace("\n", "\n  "), v)
    line = next(n for n, t in enumerate(text.splitlines(), 1) if t.startswith(f'  "{key}":'))
    path = _write(tmp_path / "evidence.json", text.encode())
    with pytest.raises(ModelError, match=re.escape(message)) as e:
        load(path)
    assert e.value.message.startswith(f"{path}:{line}: ")


@pytest.mark.parametrize("key, value", [("mean", [10 ** 400, 0, 0, 0]), ("scale", [1, 1, 10 ** 400, 1]),
                                        ("weights", [0, 0, 0, -(10 ** 400)]), ("bias", 10 ** 400),
                                        ("threshold", 10 ** 400)],
                         ids=["mean", "scale", "weights", "bias", "threshold"])
def test_a_refusal_model_with_a_number_past_a_float_is_a_value_error(key, value):
    from ragtune.appliance.refusal_model import parse

    with pytest.raises(ValueError, match=f"'{key}' must be"):  # was OverflowError
        parse({**REFUSAL_MODEL, key: value})


def _gguf_with(*changes: tuple[str, int, int]) -> bytes:
    """The fuzz seed with header fields set: (role, which of that role, value)."""
    data, fields = gguf_seed()
    data = bytearray(data)
    for role, nth, value in changes:
        off, fmt, _ = [f for f in fields if f[2] == role][nth]
        data[off:off + struct.calcsize(fmt)] = struct.pack(fmt, value)
    return bytes(data)


def _nested_arrays(depth: int) -> bytes:
    head = b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + struct.pack("<Q", 1) + b"k" + struct.pack("<I", 9)
    return head + struct.pack("<IQ", 9, 1) * depth + struct.pack("<IQ", 4, 0)


@pytest.mark.parametrize("data, message", [
    (_gguf_with(("string length", 0, 1 << 24)), "truncated GGUF file"),  # read() took 16 MB for a 576-byte file
    (_gguf_with(("array count", 1, 1 << 24)), "truncated GGUF file"),  # 64 MB (int32 elements)
    (_gguf_with(("array element type", 1, 10), ("array count", 1, 1 << 24)), "truncated GGUF file"),  # 128 MB
    (_nested_arrays(5000), "damaged GGUF header (arrays nested 9 deep)"),  # RecursionError
], ids=["string-length-2**24", "int32-array-count-2**24", "uint64-array-count-2**24", "arrays-nested-5000"])
def test_a_gguf_length_past_the_file_allocates_nothing(tmp_path, data, message):
    from ragtune.appliance.ggufinfo import GGUFError, read_gguf

    path = _write(tmp_path / "a.gguf", data)
    tracemalloc.start()
    try:
        with pytest.raises(GGUFError, match=re.escape(message)):
            read_gguf(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 256 << 10


def test_nested_gguf_arrays_within_the_limit_are_read(tmp_path):
    from ragtune.appliance.ggufinfo import read_gguf

    assert read_gguf(_write(tmp_path / "a.gguf", _nested_arrays(7))).metadata == {"k": 1}


@pytest.mark.parametrize("change, message", [
    ({"x\udce9": 1}, "unknown keys: x\\udce9"),
    ({"lineage": {"base\udce9": "b"}}, "unknown lineage keys: base\\udce9"),
], ids=["key", "lineage-key"])
def test_a_manifest_key_that_is_not_unicode_is_named_printably(tmp_path, change, message):
    from ragtune.appliance.artifacts import validate_manifest

    m = {"format": 1, "id": "c" * 64, "kind": "lora-gguf", "name": "mine", "file": "a.gguf", "size": 1,
         "created": "2025-01-01T00:00:00Z", "licence": "", "lineage": {}, **change}
    with pytest.raises(ModelError, match=re.escape(message)) as e:
        validate_manifest(m, tmp_path / "m.json")
    e.value.message.encode("utf-8")  # was: a lone surrogate in the message, which no terminal can be sent
