"""Hybrid retrieval: query normalisation -> BM25 (Tantivy) + vector KNN (sqlite-vec) -> weighted reciprocal rank
fusion -> optional cross-encoder rerank -> MMR diversity -> token-budget trim. Results are cached in-process,
keyed by the index version so that any ingest invalidates them.

Every stage is a plain function over plain data (rankings, arrays, Hits) so it can be tested and benchmarked on
its own; `Retriever` only wires them to the store, the lexical index and the embedder.
"""

from __future__ import annotations

import dataclasses
import threading
import time
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Hashable, Sequence

import numpy as np

from .config import Settings
from .errors import InputError, StoreError
from .types import Hit

MODES = ("bm25", "vector", "hybrid")
MAX_QUERY_CHARS = 2000

# ---------------------------------------------------------------------------------------------------------------
# Query normalisation
#
# Spoken or hastily typed questions carry disfluencies: a reparandum (what was said by mistake), an editing term
# ("no", "or rather", "I mean", "uh", "scratch that") and a repair (what was meant): "the capital of Spain, uh, I
# mean Portugal". Retrieval should see the repaired question only. The rules below are the classic
# reparandum/interregnum/repair model (Shriberg 1994): find an editing-term run, then decide how much precedes it
# by aligning the repair's first words with the words before it (a repeated word marks where the repair
# restarts), by a restart of the question (the repair begins with a question word), or by replacing the proper
# name / the single word just before it.
# ---------------------------------------------------------------------------------------------------------------

_FILLERS = {"uh", "uhh", "uhm", "um", "umm", "er", "erm", "ehm", "hmm", "hm", "ah", "eh", "mm"}
# Editing phrases that mark a correction on their own.
_STRONG = [
    ("or", "rather"), ("no", "wait"), ("wait", "no"), ("no", "sorry"), ("i", "mean"), ("i", "meant"),
    ("scratch", "that"), ("strike", "that"), ("let", "me", "rephrase"), ("my", "bad"), ("or", "no"),
    ("no", "no"), ("i", "intended"), ("sorry",), ("oops",), ("correction",), ("rather",), ("no",), ("instead",),
]
# Phrases that only act as editing terms next to a strong one ("or no make that", "oh no not that but").
_WEAK = [
    ("make", "that"), ("not", "that"), ("tell", "me"), ("wait",), ("actually",), ("oh",), ("well",),
    ("hold", "on"), ("i", "guess"), ("like",), ("maybe",), ("more", "specifically"), ("answer", "me", "this"),
    ("i", "just", "want", "to", "know"), ("i", "want", "to", "know"),
]
_CONNECTORS = {"or", "and", "but", "so"}
_WH = {"what", "who", "whom", "whose", "when", "where", "why", "how", "which"}
_AUX = {"is", "are", "was", "were", "do", "does", "did", "can", "could", "will", "would", "should", "has", "have",
        "had", "name", "list", "give", "in", "on", "at", "during", "for", "from", "by", "to", "of"}
# "no" is a determiner after these ("there is no water", "with no return") and before these ("no longer").
_NO_DET_BEFORE = {"is", "are", "was", "were", "be", "been", "being", "has", "have", "had", "there", "with",
                  "without", "of", "in", "on", "at", "by", "for", "to", "and", "that", "which", "who", "gave",
                  "give", "got", "get", "make", "makes", "made", "take", "takes", "took", "leave", "leaves",
                  "left", "show", "shows", "showed", "see", "saw", "need", "needs", "needed", "want", "wants",
                  "under", "from", "into", "as", "if", "whether", "had", "do", "does", "did", "yes"}
_NO_DET_AFTER = {"one", "longer", "more", "less", "matter", "doubt", "later", "sooner", "other", "fewer", "way",
                 "man", "body", "thanks", "problem", "idea", "longer"}
_RATHER_NOT_AFTER = {"would", "d", "had", "i", "we", "you", "they", "he", "she", "it"}
# Function words: a repeated one is weak evidence of where a repair starts, and they are never "replaced".
_STOP = {"a", "an", "the", "of", "in", "on", "at", "to", "for", "from", "by", "with", "and", "or", "but", "is",
         "are", "was", "were", "be", "been", "do", "does", "did", "has", "have", "had", "it", "its", "that", "this",
         "these", "those", "as", "into", "than", "then", "there", "their", "his", "her", "they", "he", "she", "we",
         "you", "i", "s", "not", "can", "could", "will", "would", "should", "may", "might", "must"}
_CLAUSE_PUNCT = {",", ";", ":", "!", "?", "(", ")", "--", "—", "–"}
_ALIGN_WINDOW = 6


def _key(tok: str) -> str:
    """Comparison key of a token: lower-case letters/digits only ('Law,' -> 'law')."""
    return "".join(ch for ch in tok.lower() if ch.isalnum())


def _is_punct(tok: str) -> bool:
    return _key(tok) == ""


def _match_phrase(keys: list[str], i: int, phrases: list[tuple[str, ...]]) -> int:
    """Length of the longest phrase starting at keys[i], 0 if none."""
    best = 0
    for ph in phrases:
        n = len(ph)
        if n > best and tuple(keys[i:i + n]) == ph:
            best = n
    return best


def _strong_ok(keys: list[str], toks: list[str], i: int, n: int) -> bool:
    """Guards for the editing readings of ordinary words."""
    head = keys[i]
    prev = next((keys[j] for j in range(i - 1, -1, -1) if keys[j]), "")
    nxt = next((keys[j] for j in range(i + n, len(keys)) if keys[j]), "")
    if n == 1 and head == "no":
        if nxt in _WH and prev:  # "When did no who did ..." is a restart whatever precedes it
            return True
        if not prev or prev in _NO_DET_BEFORE or nxt in _NO_DET_AFTER or not nxt:
            return False
        if toks[i] == "No" and nxt.isdigit():  # "No. 5"
            return False
    if n == 1 and head == "rather":
        if nxt == "than" or prev in _RATHER_NOT_AFTER:
            return False
    if n == 1 and head == "instead":
        if nxt == "of" or not nxt:
            return False
    return True


def _find_run(toks: list[str], keys: list[str], start: int) -> tuple[int, int, bool] | None:
    """Next editing-term run at or after `start`: (begin, end, is_correction). A run is a sequence of editing
    phrases, fillers, connectors and punctuation; it is a correction if it holds a strong phrase or a connector
    followed by a filler/weak phrase ("or uh law"); a run of fillers alone is just noise to drop."""
    n = len(toks)
    i = start
    while i < n:
        k = keys[i]
        after_punct = i > 0 and keys[i - 1] == "" and toks[i - 1] in (",", ";", "--", "—", "–")
        is_starter = (k in _FILLERS or _match_phrase(keys, i, _STRONG) or
                      (after_punct and _match_phrase(keys, i, _WEAK) and k not in ("like", "maybe", "well")) or
                      (k in _CONNECTORS and i > 0 and i + 1 < n and
                       (keys[i + 1] in _FILLERS or _match_phrase(keys, i + 1, _STRONG) or _match_phrase(keys, i + 1, _WEAK))))
        if is_starter:
            m = _match_phrase(keys, i, _STRONG)
            if m and k not in _FILLERS and not _strong_ok(keys, toks, i, m):
                i += 1
                continue
            j, strong, weak_or_conn = i, False, False
            while j < n:
                kj = keys[j]
                if kj == "":  # punctuation inside a run
                    j += 1
                    continue
                if kj in _FILLERS:
                    j += 1
                    continue
                m = _match_phrase(keys, j, _STRONG)
                if m and (j > i or _strong_ok(keys, toks, j, m)) and not (m == 1 and kj == "no" and j + 1 < n and keys[j + 1] in _NO_DET_AFTER):
                    strong = True
                    j += m
                    continue
                m = _match_phrase(keys, j, _WEAK)
                if m and (j > i or after_punct):
                    weak_or_conn = True
                    j += m
                    continue
                if kj in _CONNECTORS and j + 1 < n and (keys[j + 1] in _FILLERS or _match_phrase(keys, j + 1, _STRONG) or
                                                       ((strong or j == i) and _match_phrase(keys, j + 1, _WEAK))):
                    weak_or_conn = True
                    j += 1
                    continue
                if kj in _CONNECTORS and strong and j + 1 < n:
                    j += 1  # "no not that but ...", "scratch that and ..."
                    continue
                break
            while j > i and keys[j - 1] == "":  # trailing punctuation stays with the repair ("... rather ?")
                j -= 1
            # punctuation right before the run belongs to it ("Where , sorry , what")
            b = i
            while b > 0 and keys[b - 1] == "":
                b -= 1
            # ", oh actually , who led ..." : weak terms set off by punctuation also mark a correction
            correction = strong or (weak_or_conn and (keys[i] in _CONNECTORS or after_punct))
            if j > i:
                return b, j, correction
        i += 1
    return None


def _reparandum_start(pre_keys: list[str], pre_toks: list[str], rep_keys: list[str], rep_toks: list[str],
                      filler_only: bool = False) -> int:
    """Index into the prefix where the reparandum begins (len(prefix) = nothing to remove). After a bare filler
    ("um") only clear evidence counts: a repeated word, or a number/name replaced by another number/name."""
    n = len(pre_keys)
    content = [j for j in range(n) if pre_keys[j]]
    if not content:
        return n
    rep = [(k, t) for k, t in zip(rep_keys, rep_toks) if k]
    if not rep:
        return n  # trailing editing term ("... outbreak rather ?")
    # clause start: after the last clause punctuation of the prefix
    clause = 0
    for j in range(n - 1, -1, -1):
        if pre_keys[j] == "" and pre_toks[j].strip() in _CLAUSE_PUNCT:
            clause = j + 1
            break
    window = [j for j in content if j >= clause][-_ALIGN_WINDOW:]
    # 1. alignment: the repair repeats a word of the prefix ("the Vistula River no is Warsaw" <- "is")
    for off in range(min(3, len(rep))):
        if off and rep[off][0] in _STOP:
            continue  # "in 1812 um 1815 in Europe": a function word two words on says nothing
        for j in reversed(window):
            if pre_keys[j] == rep[off][0]:
                # the off words before the match belong to the reparandum, too ("first law, uh third law")
                before = [c for c in window if c < j]
                if off == 0:
                    return j
                if len(before) >= off:
                    return before[-off]
                break
    last = window[-1] if window else n
    if filler_only:
        if window and last > 0 and rep[0][0].isdigit() and pre_keys[last].isdigit():
            return last
        if (window and last > 0 and pre_keys[last] not in _STOP and rep[0][0] not in _STOP and
                pre_toks[last][:1].isupper() == rep[0][1][:1].isupper() and pre_keys[last] not in _WH):
            return last  # "sugar er salt": a content word right after another of the same kind replaces it
        if not (window and last > 0 and rep[0][1][:1].isupper() and pre_toks[last][:1].isupper()) and rep[0][0] not in _WH:
            return n
        if rep[0][0] in _WH and not any(pre_keys[j] in _WH for j in window):
            return n
    # 2. restart: the repair is a new question ("how no wait what do they pay")
    if rep[0][0] in _WH or (rep[0][0] in _AUX and rep[0][0] not in ("in", "on", "at", "for", "from", "by", "to", "of")):
        wh = [j for j in window if pre_keys[j] in _WH]
        return wh[-1] if wh and wh[-1] > clause else clause
    # 3. a proper name replaced by another ("Santa Monica no Palm Springs")
    if rep[0][1][:1].isupper() and pre_toks[last][:1].isupper() and pre_keys[last] not in _WH:
        j = last
        while j - 1 >= clause and pre_keys[j - 1] and pre_toks[j - 1][:1].isupper() and pre_keys[j - 1] not in _WH | _AUX:
            j -= 1
        return j
    # 4. otherwise the single word before the editing term ("salt uh rather sediment")
    if last == 0 or pre_keys[last] in _WH:
        return n
    return last


def remove_disfluencies(text: str) -> str:
    """Drop editing terms, reparanda and immediate word repetitions from a whitespace-normalised string."""
    toks = text.split()
    guard = 0
    pos = 0
    while guard < 20:
        guard += 1
        # acronyms ("ER", "UM") are names, not fillers
        keys = [k.upper() if len(k) > 1 and t.isupper() else k for t, k in ((t, _key(t)) for t in toks)]
        run = _find_run(toks, keys, pos)
        if run is None:
            break
        b, e, correction = run
        start = _reparandum_start(keys[:b], toks[:b], keys[e:], toks[e:], filler_only=not correction)
        del toks[start:e]
        if start < len(toks) and toks[start] in (",", ";") and start < b:  # the comma that set off the edit
            del toks[start]
        pos = start
    # immediate repetitions: "the the rock", "in the in the"
    out: list[str] = []
    for t in toks:
        if out and _key(t) == _key(out[-1]) and not _key(t).isdigit() and (_key(t) or t == out[-1]):
            continue  # "the the", ", ,"
        out.append(t)
    for size in (2, 3):
        i = 0
        while i + 2 * size <= len(out):
            a = [_key(t) for t in out[i:i + size]]
            b2 = [_key(t) for t in out[i + size:i + 2 * size]]
            if all(a) and a == b2:
                del out[i + size:i + 2 * size]
            else:
                i += 1
    # leading punctuation left by a cut
    while out and _is_punct(out[0]) and out[0] not in ('"', "'", "("):
        out.pop(0)
    return " ".join(out)


def clean_text(q: str) -> str:
    """NFKC, control/format characters to spaces, whitespace collapsed."""
    q = unicodedata.normalize("NFKC", q)
    q = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in q)
    return " ".join(q.split())


def normalize_query(q: str) -> str:
    """What retrieval (and the cache key) sees: cleaned text with disfluencies removed. The original is kept
    for display by the callers. Falls back to the cleaned text if the rules would leave nothing."""
    if not isinstance(q, str):
        raise InputError("query must be a string")
    cleaned = clean_text(q)
    fluent = remove_disfluencies(cleaned)
    return fluent if _key(fluent) else cleaned


# ---------------------------------------------------------------------------------------------------------------
# Fusion, MMR, budget
# ---------------------------------------------------------------------------------------------------------------

def rrf_fuse(rankings: dict[str, Sequence[int]], weights: dict[str, float], rrf_k: int) -> list[tuple[int, float]]:
    """Weighted reciprocal rank fusion (Cormack et al. 2009): score(d) = sum_r w_r / (rrf_k + rank_r(d)), ranks
    from 1. Sorted by score desc, ties by best single rank, then id (deterministic)."""
    scores: dict[int, float] = {}
    best: dict[int, int] = {}
    for name, ranking in rankings.items():
        w = float(weights.get(name, 1.0))
        for rank, cid in enumerate(ranking, start=1):
            if w > 0:
                scores[cid] = scores.get(cid, 0.0) + w / (rrf_k + rank)
            else:
                scores.setdefault(cid, 0.0)
            best[cid] = min(best.get(cid, rank), rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], best[kv[0]], kv[0]))


def mmr_order(relevance: Sequence[float], vectors: np.ndarray | None, k: int, lam: float) -> list[int]:
    """Maximal marginal relevance (Carbonell & Goldstein 1998) over a relevance-ordered pool: indexes of the
    k picks. Relevance is min-max scaled to [0, 1] so that `lam` means the same whatever the score scale;
    similarity is the cosine of the (unit) vectors; rows of zeros (no vector) are similar to nothing."""
    n = len(relevance)
    k = min(k, n)
    if k <= 0:
        return []
    if vectors is None or lam >= 1.0 or n <= 1:
        return list(range(k))
    rel = np.asarray(relevance, dtype=np.float64)
    lo, hi = rel.min(), rel.max()
    rel = (rel - lo) / (hi - lo) if hi > lo else np.ones_like(rel)
    sims = np.asarray(vectors, dtype=np.float32) @ np.asarray(vectors, dtype=np.float32).T
    picked: list[int] = [0] if rel[0] >= rel.max() else [int(np.argmax(rel))]
    max_sim = sims[picked[0]].astype(np.float64).copy()
    remaining = np.ones(n, dtype=bool)
    remaining[picked[0]] = False
    while len(picked) < k:
        score = lam * rel - (1.0 - lam) * max_sim
        score[~remaining] = -np.inf
        j = int(np.argmax(score))  # argmax takes the first max: ties keep relevance order
        picked.append(j)
        remaining[j] = False
        max_sim = np.maximum(max_sim, sims[j])
    return picked


def copy_hit(h: Hit) -> Hit:
    """A shallow copy (all fields are immutable): cached results must not alias what callers receive."""
    return dataclasses.replace(h)


def trim_to_budget(hits: list[Hit], budget: int, count: Callable[[str], int] | None = None,
                   truncate: Callable[[str, int], str] | None = None) -> list[Hit]:
    """Keep the best-ranked hits whose tokens fit in `budget`; lower-ranked ones are dropped whole. Only a single
    top hit larger than the whole budget is cut (at a token boundary) so that the context is never empty."""
    out: list[Hit] = []
    used = 0
    for h in hits:
        n = h.n_tokens if h.n_tokens > 0 or count is None else count(h.text)
        if used + n <= budget:
            out.append(h)
            used += n
        else:
            break
    if not out and hits:
        top = hits[0]
        text = truncate(top.text, budget) if truncate else top.text
        cut = dataclasses.replace(top, text=text, end_char=top.start_char + len(text),
                                  n_tokens=min(top.n_tokens or budget, budget))
        out.append(cut)
    return out


# ---------------------------------------------------------------------------------------------------------------
# Cache
# ---------------------------------------------------------------------------------------------------------------

class TTLCache:
    """A small thread-safe LRU with a time-to-live. `clock` is injectable for tests."""

    def __init__(self, maxsize: int = 512, ttl_s: float = 600.0, clock: Callable[[], float] = time.monotonic):
        self.maxsize, self.ttl_s, self.clock = maxsize, ttl_s, clock
        self._data: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any | None:
        with self._lock:
            item = self._data.get(key)
            if item is None:
                return None
            t, value = item
            if self.clock() - t > self.ttl_s:
                del self._data[key]
                return None
            self._data.move_to_end(key)
            return value

    def put(self, key: Hashable, value: Any) -> None:
        if self.ttl_s <= 0:
            return
        with self._lock:
            self._data[key] = (self.clock(), value)
            self._data.move_to_end(key)
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)


# ---------------------------------------------------------------------------------------------------------------
# Retriever
# ---------------------------------------------------------------------------------------------------------------

# ---------------------------------------------------------------------------------------------------------------
# Exact KNN over a memory-mapped snapshot of chunk_vec
# ---------------------------------------------------------------------------------------------------------------

# Below this many vectors sqlite-vec's own brute-force scan is fast enough (and needs no snapshot on disk).
SNAPSHOT_MIN_CHUNKS = 5000


class VectorSnapshot:
    """A float32 (n, dim) matrix + sorted chunk ids, copied from `chunk_vec` and keyed by `store.index_version`.

    Why: sqlite-vec 0.1.9's vec0 KNN is a brute-force scan that decodes every row per query (~0.4 s at 100k x
    384 on a loaded 2-core box); the same exact search as one BLAS mat-vec over a memory-mapped matrix is ~10x
    faster. vec0 stays the source of truth; the snapshot is derived data under HOME/vectors/, rebuilt (in one
    read transaction, written to a temp dir and renamed into place) when the index version moves on."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.version: int | None = None
        self.ids: np.ndarray = np.zeros(0, dtype=np.int64)
        self.matrix: np.ndarray = np.zeros((0, 384), dtype=np.float32)

    def _dir(self, version: int) -> Path:
        return self.root / f"v{version}"

    def ensure(self, store: Any) -> None:
        version = store.index_version
        if self.version == version:
            return
        d = self._dir(version)
        if not (d / "ids.npy").exists():
            self._build(store, version)
        try:
            self.ids = np.load(d / "ids.npy")
            self.matrix = np.load(d / "vecs.npy", mmap_mode="r")
        except (OSError, ValueError):  # damaged (e.g. a crash mid-copy by an old version): rebuild once
            import shutil

            shutil.rmtree(d, ignore_errors=True)
            self._build(store, version)
            self.ids = np.load(d / "ids.npy")
            self.matrix = np.load(d / "vecs.npy", mmap_mode="r")
        self.version = version

    def _build(self, store: Any, version: int) -> None:
        import os
        import shutil
        import tempfile

        self.root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".v{version}-", dir=self.root))
        try:
            with store.transaction():  # one consistent read of count + rows
                n = int(store.scalar("SELECT count(*) FROM chunk_vec", default=0))
                ids = np.zeros(n, dtype=np.int64)
                mat = np.lib.format.open_memmap(tmp / "vecs.npy", mode="w+", dtype=np.float32, shape=(n, 384))
                i = 0
                for rowid, blob in store.conn.execute("SELECT rowid, embedding FROM chunk_vec ORDER BY rowid"):
                    if i >= n:
                        break
                    ids[i] = rowid
                    mat[i] = np.frombuffer(blob, dtype=np.float32)
                    i += 1
            norms = np.linalg.norm(mat[:i], axis=1, keepdims=True)
            mat[:i] /= np.maximum(norms, 1e-12)  # cosine == dot product
            mat.flush()
            del mat
            np.save(tmp / "ids.npy", ids[:i])
            try:
                os.replace(tmp, self._dir(version))
            except OSError:  # another process won the race: use theirs
                shutil.rmtree(tmp, ignore_errors=True)
            for old in self.root.glob("v*"):
                if old.name != f"v{version}":
                    shutil.rmtree(old, ignore_errors=True)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    def knn(self, q: np.ndarray, k: int) -> list[tuple[int, float]]:
        n = len(self.ids)
        if n == 0:
            return []
        sims = np.asarray(self.matrix[:n] @ np.asarray(q, dtype=np.float32))
        k = min(k, n)
        top = np.argpartition(-sims, k - 1)[:k] if k < n else np.arange(n)
        top = top[np.lexsort((self.ids[top], -sims[top]))]
        return [(int(self.ids[j]), float(sims[j])) for j in top]

    def get(self, chunk_ids: Sequence[int]) -> np.ndarray:
        out = np.zeros((len(chunk_ids), self.matrix.shape[1]), dtype=np.float32)
        if not len(self.ids) or not len(chunk_ids):
            return out
        want = np.asarray(chunk_ids, dtype=np.int64)
        pos = np.clip(np.searchsorted(self.ids, want), 0, len(self.ids) - 1)
        found = self.ids[pos] == want
        out[found] = self.matrix[pos[found]]
        return out


@dataclass
class RetrievalResult:
    hits: list[Hit]
    normalized_query: str
    retrieval_ms: float
    cached: bool = False
    candidates: list[Hit] = field(default_factory=list)
    query: str = ""
    mode: str = "hybrid"

    def to_json(self) -> dict[str, Any]:
        return {
            "query": self.query, "normalized_query": self.normalized_query, "mode": self.mode,
            "retrieval_ms": round(self.retrieval_ms, 3), "cached": self.cached,
            "hits": [h.to_dict() for h in self.hits],
        }


def _filter_key(filters: dict[str, Any] | None) -> tuple:
    if not filters:
        return ()
    out = []
    for k in sorted(filters):
        v = filters[k]
        out.append((k, tuple(sorted(v)) if isinstance(v, (list, tuple, set)) else v))
    return tuple(out)


class Retriever:
    """Ranks stored chunks for a query. Opens (and then owns) the store, lexical index and embedder it is not
    given; the embedder is loaded lazily, on the first vector/hybrid query."""

    def __init__(self, settings: Settings, *, store: Any = None, embedder: Any = None, lexical: Any = None,
                 reranker: Any = None):
        self.settings = settings
        self.cfg = settings.retrieve
        self._owned: list[Any] = []
        if store is None:
            from .store import open_store

            store = open_store(settings.home)
            self._owned.append(store)
        self.store = store
        if lexical is None:
            from .lexical import LexicalIndex

            lexical = LexicalIndex(settings.home.lexical_dir)
            self._owned.append(lexical)
        self.lexical = lexical
        self.lexical.ensure_synced(self.store)
        self._embedder = embedder
        if reranker is None and self.cfg.rerank_model:
            from .rerank import CrossEncoderReranker

            reranker = CrossEncoderReranker(self.cfg.rerank_model, threads=settings.embed.threads)
            self._owned.append(reranker)
        self.reranker = reranker
        self.cache = TTLCache(ttl_s=self.cfg.cache_ttl_s)
        # "auto": a memory-mapped snapshot once the store is large, sqlite-vec below; "vec0" / "snapshot" force one
        self.knn_backend = "auto"
        self._snapshot: VectorSnapshot | None = None
        self._lock = threading.RLock()

    # -- resources ----------------------------------------------------------------------------------
    @property
    def embedder(self) -> Any:
        if self._embedder is None:
            from .embed import Embedder

            self._embedder = Embedder(self.settings.embed, self.settings.home)
            self._owned.append(self._embedder)
        return self._embedder

    def close(self) -> None:
        for obj in reversed(self._owned):
            close = getattr(obj, "close", None)
            if close:
                close()
        self._owned.clear()

    def __enter__(self) -> "Retriever":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- stages ---------------------------------------------------------------------------------------
    def bm25(self, query: str, limit: int) -> list[tuple[int, float]]:
        return list(self.lexical.search(query, limit, title_boost=self.cfg.title_boost))

    def snapshot(self) -> VectorSnapshot | None:
        """The KNN snapshot when it is in use (see VectorSnapshot), else None (sqlite-vec answers directly)."""
        if self.knn_backend == "vec0":
            return None
        if self.knn_backend == "auto" and (self._snapshot is None or self._snapshot.version != self.store.index_version):
            n = int(self.store.scalar("SELECT count(*) FROM chunks", default=0))
            if n < SNAPSHOT_MIN_CHUNKS:
                return None
        if self._snapshot is None:
            self._snapshot = VectorSnapshot(self.settings.home.root / "vectors")
        self._snapshot.ensure(self.store)
        return self._snapshot

    def vector(self, query: str | np.ndarray, limit: int) -> list[tuple[int, float]]:
        """(chunk id, cosine similarity) of the nearest chunks: exact KNN, by sqlite-vec over vec0 or by one
        mat-vec over the memory-mapped snapshot of it (large stores)."""
        qv = self.embedder.encode_query(query) if isinstance(query, str) else query
        snap = self.snapshot()
        if snap is not None:
            return snap.knn(qv, int(limit))
        blob = np.asarray(qv, dtype=np.float32).tobytes()
        rows = self.store.query(
            "SELECT rowid, distance FROM chunk_vec WHERE embedding MATCH ? AND k = ? ORDER BY distance",
            (blob, int(limit)))
        return [(int(r), 1.0 - float(d)) for r, d in rows]  # cosine distance -> similarity

    def vectors_of(self, chunk_ids: Sequence[int]) -> np.ndarray:
        """Stored unit vectors of the chunks, in order; zeros where a chunk has no vector. From the snapshot when
        one is in use; else one vec0 point lookup per id (vec0 answers `rowid IN (…)` with a full scan)."""
        snap = self.snapshot() if chunk_ids else None
        if snap is not None:
            return snap.get(chunk_ids)
        out = np.zeros((len(chunk_ids), 384), dtype=np.float32)
        for i, cid in enumerate(chunk_ids):
            row = self.store.one("SELECT embedding FROM chunk_vec WHERE rowid = ?", (int(cid),))
            if row is not None:
                v = np.frombuffer(row[0], dtype=np.float32)
                out[i, : min(len(v), out.shape[1])] = v[: out.shape[1]]
        return out

    def rank(self, query: str, *, mode: str = "hybrid", filters: dict[str, Any] | None = None,
             query_vector: np.ndarray | None = None, original: str | None = None,
             original_vector: np.ndarray | None = None) -> list[Hit]:
        """The fused candidate list (no rerank, MMR or trim): what evaluation ranks by.

        `query` is the normalised query (what was meant). When the cleaned original differs (it had
        disfluencies) and `original_query_weight` > 0, the original is searched too and its rankings join the
        fusion with that relative weight: a speaker's abandoned words are usually about the same topic (a
        pronoun in the repair often points back into them), so they are evidence for *which document*, even
        though they are not the question. Per-stage ranks on a Hit are the best over the two texts."""
        c = self.cfg.candidates
        texts: list[tuple[str, np.ndarray | None, float]] = [(query, query_vector, 1.0)]
        if original and original != query and self.cfg.original_query_weight > 0:
            texts.append((original, original_vector, float(self.cfg.original_query_weight)))
        if mode in ("vector", "hybrid") and any(v is None for _, v, _ in texts):
            missing = [i for i, (_, v, _) in enumerate(texts) if v is None]
            vecs = self.embedder.encode([texts[i][0] for i in missing])  # one batch for both texts
            for i, v in zip(missing, vecs):
                texts[i] = (texts[i][0], v, texts[i][2])
        wb = self.cfg.bm25_weight if mode == "hybrid" else 1.0
        wv = self.cfg.vector_weight if mode == "hybrid" else 1.0
        rankings: dict[str, list[int]] = {}
        weights: dict[str, float] = {}
        bm_pos: dict[int, tuple[int, float]] = {}
        vec_pos: dict[int, tuple[int, float]] = {}
        for i, (text, vec, w) in enumerate(texts):
            if mode in ("bm25", "hybrid"):
                bm = self.bm25(text, c)
                rankings[f"bm25.{i}"], weights[f"bm25.{i}"] = [cid for cid, _ in bm], w * wb
                for r, (cid, sc) in enumerate(bm, start=1):
                    if cid not in bm_pos or r < bm_pos[cid][0]:
                        bm_pos[cid] = (r, sc)
            if mode in ("vector", "hybrid"):
                vr = self.vector(vec, c)
                rankings[f"vector.{i}"], weights[f"vector.{i}"] = [cid for cid, _ in vr], w * wv
                for r, (cid, sc) in enumerate(vr, start=1):
                    if cid not in vec_pos or r < vec_pos[cid][0]:
                        vec_pos[cid] = (r, sc)
        fused = rrf_fuse(rankings, weights, self.cfg.rrf_k)
        chunks = self.store.chunks_by_ids([cid for cid, _ in fused])
        hits: list[Hit] = []
        for cid, score in fused:
            row = chunks.get(cid)
            if row is None:  # index ahead of / behind the store: skip rather than fail a query
                continue
            h = Hit(chunk_id=cid, doc_id=row["doc_id"], text=row["text"], source=row["source"], title=row["title"] or "",
                    ord=row["ord"], start_char=row["start_char"], end_char=row["end_char"], n_tokens=row["n_tokens"],
                    sha256=row["sha256"], doc_date=row["doc_date"], fused=score)
            if cid in bm_pos:
                h.bm25_rank, h.bm25_score = bm_pos[cid][0], float(bm_pos[cid][1])
            if cid in vec_pos:
                h.vector_rank, h.vector_score = vec_pos[cid][0], float(vec_pos[cid][1])
            hits.append(h)
        return _apply_filters(hits, filters)

    def rerank(self, query: str, hits: list[Hit]) -> list[Hit]:
        if self.reranker is None or not hits:
            return hits
        top = hits[: self.cfg.rerank_top]
        scores = self.reranker.score(query, [h.text for h in top])
        for h, s in zip(top, scores):
            h.rerank = float(s)
        return sorted(top, key=lambda h: -(h.rerank or 0.0)) + hits[len(top):]

    def diversify(self, hits: list[Hit], k: int) -> list[Hit]:
        """MMR over the head of the list (3k, at least 20): far-down chunks are not worth promoting."""
        if not hits:
            return []
        pool = hits[: max(3 * k, 20)]
        if self.cfg.mmr_lambda >= 1.0:
            return pool[:k]
        vecs = self.vectors_of([h.chunk_id for h in pool])
        # relevance = the last stage's score; rank-derived so that the rerank and RRF scales behave alike
        rel = [1.0 / (self.cfg.rrf_k + r) for r in range(1, len(pool) + 1)]
        return [pool[i] for i in mmr_order(rel, vecs, k, self.cfg.mmr_lambda)]

    def _count(self, text: str) -> int:
        return int(self.embedder.count_tokens(text))

    def _truncate(self, text: str, budget: int) -> str:
        enc = self.embedder.tokenizer.encode(text, add_special_tokens=False)
        if len(enc.ids) <= budget:
            return text
        end = enc.offsets[budget - 1][1]
        return text[:end]

    def pipeline(self, normalized_query: str, *, k: int, mode: str = "hybrid", filters: dict[str, Any] | None = None,
                 query_vector: np.ndarray | None = None, original: str | None = None,
                 original_vector: np.ndarray | None = None) -> tuple[list[Hit], list[Hit]]:
        """(final hits, fused candidates) for an already-normalised query (+ the cleaned original); no cache, no
        validation. Evaluation calls this directly, with precomputed query vectors."""
        cands = self.rank(normalized_query, mode=mode, filters=filters, query_vector=query_vector,
                          original=original, original_vector=original_vector)
        ranked = self.rerank(normalized_query, [copy_hit(h) for h in cands])
        picked = self.diversify(ranked, k)
        return trim_to_budget(picked, self.cfg.context_tokens, self._count, self._truncate), cands

    # -- public -------------------------------------------------------------------------------------
    def retrieve(self, query: str, *, k: int | None = None, mode: str = "hybrid",
                 filters: dict[str, Any] | None = None, use_cache: bool = True) -> RetrievalResult:
        t0 = time.perf_counter()
        if mode not in MODES:
            raise InputError(f"unknown retrieval mode '{mode}'", hint=f"one of: {', '.join(MODES)}")
        if not isinstance(query, str) or not query.strip():
            raise InputError("empty query", hint="ask a question with some words in it")
        if len(query) > MAX_QUERY_CHARS:
            raise InputError(f"query too long ({len(query)} characters, max {MAX_QUERY_CHARS})")
        k = self.cfg.k if k is None else k
        if not isinstance(k, int) or not 1 <= k <= 6:
            raise InputError(f"k must be 1..6, got {k!r}")
        cleaned = clean_text(query)
        nq = normalize_query(query)
        original = cleaned if cleaned != nq and self.cfg.original_query_weight > 0 else None
        if not _key(nq):
            raise InputError("empty query", hint="the query has no letters or digits")
        with self._lock:
            try:
                version = self.store.index_version
            except Exception as exc:  # apsw errors
                raise StoreError(f"cannot read the index: {exc}") from None
            key = (nq, original, k, mode, _filter_key(filters), version)
            if use_cache and self.cfg.cache:
                hit = self.cache.get(key)
                if hit is not None:
                    hits, cands = hit
                    return RetrievalResult(hits=[copy_hit(h) for h in hits], normalized_query=nq,
                                           retrieval_ms=(time.perf_counter() - t0) * 1000, cached=True,
                                           candidates=[copy_hit(h) for h in cands], query=query, mode=mode)
            if self.lexical.synced_version != version:
                self.lexical.ensure_synced(self.store)
            hits, cands = self.pipeline(nq, k=k, mode=mode, filters=filters, original=original)
            if use_cache and self.cfg.cache:
                self.cache.put(key, (hits, cands))
            return RetrievalResult(hits=[copy_hit(h) for h in hits], normalized_query=nq,
                                   retrieval_ms=(time.perf_counter() - t0) * 1000, cached=False,
                                   candidates=[copy_hit(h) for h in cands], query=query, mode=mode)


def _apply_filters(hits: list[Hit], filters: dict[str, Any] | None) -> list[Hit]:
    """Post-filters over the candidates: `source_prefix` (str), `doc_ids` (ids), `after`/`before` (ISO dates,
    chunks without a date are dropped)."""
    if not filters:
        return hits
    unknown = set(filters) - {"source_prefix", "doc_ids", "after", "before"}
    if unknown:
        raise InputError(f"unknown filter(s): {', '.join(sorted(unknown))}",
                         hint="filters: source_prefix, doc_ids, after, before")
    out = hits
    if filters.get("source_prefix"):
        out = [h for h in out if h.source.startswith(str(filters["source_prefix"]))]
    if filters.get("doc_ids") is not None:
        ids = set(filters["doc_ids"])
        out = [h for h in out if h.doc_id in ids]
    if filters.get("after"):
        out = [h for h in out if h.doc_date and h.doc_date >= str(filters["after"])]
    if filters.get("before"):
        out = [h for h in out if h.doc_date and h.doc_date < str(filters["before"])]
    return out
