"""The seeded mutation engine the fuzz tests share: mutators for bytes, for JSON and TOML documents, and the driver
loop that checks every mutant and fails listing each one the product got wrong.

Every mutator draws from a random.Random the test seeds, so a test's mutants are the same on every run: the
crashes they found stay found. So must the seed be: one the product writes has its times, random ids and the
machine's values (installed tool versions) set to fixed ones first (test_readers_fuzz_more._fixed_seed), and a list
a mutator chooses from holds the same items on every machine and under every tmp path. Changing what a mutator
draws (the order of its choices, a list of values) changes every mutant after it; the per-format parts (seeds, a
format's tokens, a PDF's or a zip's structure, argv) stay in their test files.

- mutate_bytes: one small edit at one place (truncate, flip a bit, set a byte, insert a token, delete or
  duplicate a range): the structured readers, the GGUF header, request bodies.
- edit_bytes: the document loaders' edit, larger (up to 8 bytes changed, 16 random bytes inserted, a range
  repeated), with the tokens of the document's format.
- mutate_tree: one structural edit of a parsed JSON/TOML document (a value replaced by null, a list, an object, a
  huge or negative number, NaN, a very long or non-Unicode string, deep nesting; keys removed, duplicated or
  renamed), written back by dump_json / dump_toml, which write what json and tomllib cannot (5000 digits, nesting
  past the recursion limit, a key twice).
- mixed, stack: mutants from those (structural, byte-level, both); fuzz, run_mutants: the driver."""

from __future__ import annotations

import copy
import json
import math
import random
import re
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from ragtune.appliance.errors import RagtuneError

Mutant = tuple[Any, str]  # (the data, what was done to it)


# -- values a mutant is made of -----------------------------------------------------------------------------------
class Token:
    """A value written as raw text: what json/toml writers cannot produce (a 5000-digit number, deep nesting)."""

    def __init__(self, json_text: str, toml_text: str | None = None):
        self.json_text, self.toml_text = json_text, toml_text or json_text

    def __repr__(self) -> str:
        return f"<{self.json_text[:12]}… ({len(self.json_text)} chars)>"


HUGE_DIGITS = Token("9" * 5000)  # past Python's int-from-text limit (4300 digits): json and tomllib raise ValueError
DEEP = Token("[" * 3000 + "]" * 3000)  # past tomllib's recursion limit, and json's before Python 3.13 (it reads ~9,999)
SPECIALS: list[Any] = [None, [], {}, True, False, 0, -1, 1.5, 10 ** 400, 2 ** 64, -(2 ** 63) - 1, float("nan"),
                       float("inf"), float("-inf"), "", " ", "x" * 100_000, "\udce9", "\x00", "S1", "S9", "ok",
                       "refused", {"a": {"b": [1, None]}}, [[[]]], [1, "a", None], HUGE_DIGITS, DEEP]
NEW_KEYS = ["", "x", "\udce9", "_id", "text", "prompt", "output", "meta", "stage", "format", "train", "features"]
INSERTS = [b"\x00", b"\xff", b"\xc3", b"\xed\xb3\xa9", b'"', b"'", b"{", b"}", b"[", b"]", b",", b":", b"=", b"\n",
           b"\r", b"\t", b"\\", b"\\u", b"\\udce9", b"NaN", b"-", b"9" * 400, b"1e999", b"null", b"\xef\xbb\xbf"]
# bytes hostile to any text: NULs, byte order marks, an encoded surrogate, cp1252 and bare UTF-8 lead bytes, past
# U+10FFFF, terminal escapes, a soft hyphen, a ligature
TEXT_TOKENS = [b"\x00", b"\x00" * 9000, b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xff\xfe\x00\x00", b"\xed\xa0\x80",
               b"\x80", b"\x93", b"\xe9", b"\xc3", b"\xf4\x90\x80\x80", b"\r", b"\x1b[2J", b"\x1b]0;x\x07", b"\x1b",
               b"\x9b", b"\xc2\xad", b"\xef\xac\x81", b"\n", b"\t"]


class Pairs(list):
    """A JSON object written with duplicate keys: a list of (key, value)."""


# -- writing documents --------------------------------------------------------------------------------------------
def dump_json(o: Any, sep: str = ", ") -> str:
    if isinstance(o, Token):
        return o.json_text
    if isinstance(o, Pairs):
        return "{" + sep.join(json.dumps(k) + ": " + dump_json(v, sep) for k, v in o) + "}"
    if isinstance(o, dict):
        return "{" + sep.join(json.dumps(k) + ": " + dump_json(v, sep) for k, v in o.items()) + "}"
    if isinstance(o, list):
        return "[" + sep.join(dump_json(v, sep) for v in o) + "]"
    return json.dumps(o)  # NaN, Infinity, "\udce9" escaped: what Python's json reads back


def toml_key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else json.dumps(k)


def toml_inline(v: Any) -> str:
    if isinstance(v, Token):
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
        return "{" + ", ".join(f"{toml_key(k)} = {toml_inline(x)}" for k, x in v) + "}"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{toml_key(k)} = {toml_inline(x)}" for k, x in v.items()) + "}"
    return "[" + ", ".join(toml_inline(x) for x in v) + "]"


def dump_toml(doc: Any) -> str:
    """Top-level scalars, then one [table] per top-level object (deeper objects inline); duplicates kept."""
    def table(v: Any) -> bool:
        return isinstance(v, (dict, Pairs))

    if not table(doc):  # a TOML document is a table: the mutant's root becomes a key's value
        doc = {"value": doc}
    items = list(doc) if isinstance(doc, Pairs) else list(doc.items())
    lines = [f"{toml_key(k)} = {toml_inline(v)}" for k, v in items if not table(v)]
    for k, v in items:
        if table(v):
            lines.append(f"[{toml_key(k)}]")
            sub = list(v) if isinstance(v, Pairs) else list(v.items())
            lines += [f"{toml_key(sk)} = {toml_inline(sv)}" for sk, sv in sub]
    return "\n".join(lines) + "\n"


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# -- structural mutations -----------------------------------------------------------------------------------------
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


def mutate_tree(rng: random.Random, doc: Any) -> Mutant:
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


def json_tree(doc: Any, sep: str = ",\n  ", lines: bool = False) -> Callable[[random.Random], Mutant]:
    """Structural mutants of a JSON document (or, lines=True, of one line of a JSONL list)."""
    def make(rng: random.Random) -> Mutant:
        if lines:
            rows = list(doc)
            i = rng.randrange(len(rows))
            row, what = mutate_tree(rng, rows[i])
            rows[i] = row
            return "".join(dump_json(r) + "\n" for r in rows).encode("utf-8", "surrogatepass"), f"line {i + 1}: {what}"
        new, what = mutate_tree(rng, doc)
        return dump_json(new, sep).encode("utf-8", "surrogatepass"), what
    return make


def toml_tree(doc: dict[str, Any]) -> Callable[[random.Random], Mutant]:
    def make(rng: random.Random) -> Mutant:
        new, what = mutate_tree(rng, doc)
        return dump_toml(new).encode("utf-8", "surrogatepass"), what
    return make


def json_objects(rng: random.Random, doc: Any, n: int) -> list[Mutant]:
    """Of `n` structural mutants, the objects json.loads makes of their text: what a caller of a JSON file's reader
    is handed (a text json cannot parse is the reader's error, left out)."""
    out = []
    for _ in range(n):
        new, what = mutate_tree(rng, doc)
        try:
            out.append((json.loads(dump_json(new)), what))
        except (ValueError, RecursionError):
            continue
    return out


# -- byte-level mutations -----------------------------------------------------------------------------------------
def mutate_bytes(rng: random.Random, data: bytes) -> Mutant:
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


def edit_bytes(rng: random.Random, b: bytes, tokens: Sequence[bytes] = ()) -> Mutant:
    """One edit of a document's bytes: truncate, flip or set up to 8 bytes, insert random bytes or a token
    (TEXT_TOKENS, then the format's `tokens`), delete, duplicate or repeat a range."""
    op = rng.choice(["truncate", "flip", "set", "insert", "token", "delete", "duplicate", "repeat"])
    if not b:
        return rng.choice(TEXT_TOKENS), "empty+token"
    i = rng.randrange(len(b) + 1)
    if op == "truncate":
        return b[:i], f"truncate@{i}"
    if op in ("flip", "set"):
        out = bytearray(b)
        for _ in range(rng.randint(1, 8)):
            k = rng.randrange(len(out))
            out[k] = out[k] ^ (1 << rng.randrange(8)) if op == "flip" else rng.randrange(256)
        return bytes(out), op
    if op == "insert":
        junk = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        return b[:i] + junk + b[i:], f"insert@{i}"
    if op == "token":
        tok = rng.choice(TEXT_TOKENS + list(tokens))
        return b[:i] + tok + b[i:], f"token{tok[:20]!r}@{i}"
    j = min(len(b), i + rng.randint(1, 64))
    if op == "delete":
        return b[:i] + b[j:], f"delete[{i}:{j}]"
    if op == "duplicate":
        k = rng.randrange(len(b) + 1)
        return b[:k] + b[i:j] + b[k:], f"duplicate[{i}:{j}]@{k}"
    reps = rng.choice([2, 8, 64])
    return b[:i] + b[i:j] * reps + b[j:], f"repeat[{i}:{j}]x{reps}"


def replace_one(rng: random.Random, b: bytes, rx: re.Pattern[bytes], new: Callable[[bytes], bytes]) -> Mutant | None:
    """One match of `rx` (chosen at random) replaced by `new(match)`; None where `rx` matches nothing."""
    found = list(rx.finditer(b))
    if not found:
        return None
    m = rng.choice(found)
    rep = new(m.group(0))
    return b[:m.start()] + rep + b[m.end():], f"{m.group(0)[:20]!r}@{m.start()}->{rep[:20]!r}"


# -- mutants made of those ----------------------------------------------------------------------------------------
def mixed(rng: random.Random, seed: bytes, tree: Callable[[random.Random], Mutant], n: int) -> list[Mutant]:
    """`n` mutants: structural alone, byte-level alone, and both stacked, in about equal shares."""
    out = []
    for k in range(n):
        if k % 3 == 0:
            out.append(tree(rng))
        elif k % 3 == 1:
            out.append(mutate_bytes(rng, seed))
        else:
            data, what = tree(rng)
            data, step = mutate_bytes(rng, data)
            out.append((data, f"{what}; {step}"))
    return out


Edit = Callable[[random.Random, bytes], Mutant]


def stack(rng: random.Random, data: bytes, edit: Edit, structural: Edit | None = None, share: float = 0.0) -> Mutant:
    """1 to 3 edits stacked: each one `structural` with probability `share` (where a format has one), else `edit`."""
    steps = []
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        if structural is not None and rng.random() < share:
            data, what = structural(rng, data)
        else:
            data, what = edit(rng, data)
        steps.append(what)
    return data, " + ".join(steps)


# -- the driver ---------------------------------------------------------------------------------------------------
def fuzz(cases: Iterable[Mutant], check: Callable[[Any], str | None], says: str = "mutants failed",
         shown: int | None = 15) -> None:
    """`check` every case (data, what it is): None where the product's answer is right, else why not. Fails listing
    the wrong ones (the first `shown`; None: all)."""
    bad, n = [], 0
    for data, what in cases:
        n += 1
        why = check(data)
        if why:
            bad.append(f"{what}: {why}")
    assert not bad, f"{len(bad)} of {n} {says}:\n" + "\n".join(bad[:shown])


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


def run_mutants(mutants: list[Mutant], call: Callable[[Any], Any], names: tuple[str, ...],
                typed: tuple[type, ...] = (RagtuneError,), lines: Callable[[str], bool] | None = None) -> None:
    """Call the reader on every mutant; fail listing every mutant it answered with anything but a typed error
    (or, `lines` given, a typed error without a line where that predicate says one was due)."""
    def check(data: Any) -> str | None:
        try:
            call(data)
        except Exception as exc:  # noqa: BLE001 - everything that is not the typed error is the finding
            why = check_error(exc, names, typed)
            if why is None and lines is not None and lines(str(exc)) and not FILE_LINE.search(str(exc)):
                why = f"no line: {str(exc)[:300]}"
            return why
        return None

    fuzz(mutants, check, "mutants crashed the reader")
