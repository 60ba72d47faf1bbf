"""Memory bounds found missing by round 48's serve soak (benchmarks/soak.md): every adapter a server had served stayed
loaded (~250 MB a rollout candidate, until restart), merged GGUFs were pruned even while another process served them,
and the retrieval cache was bounded by entries only (66,928 Hits, ~60 MB, at its 512 entries)."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ragtune.appliance import merged as M
from ragtune.appliance.adapter_serving import MERGED_KEEP, AdapterServing
from ragtune.appliance.config import GenerateConfig
from ragtune.appliance.ttlcache import HIT_BYTES, TTLCache, weigh_hits
from ragtune.appliance.types import Hit


class FakeLlm:
    """A llama_cpp.Llama as the generator uses it: `ctx`, `n_tokens`, close()."""

    def __init__(self, path: Path, log: dict):
        self.path, self.log, self.ctx, self.n_tokens, self.closed = path, log, object(), 0, False
        self.model = object()

    def close(self) -> None:
        assert not self.closed, "closed twice"
        self.closed = True
        self.log["closes"].append(self.path.name)


class Gen(AdapterServing):
    """The adapter switch of LlamaGenerator over fake models: counts loads and closes."""

    def __init__(self, tmp: Path):
        self.cfg, self.model_path, self.model_id = GenerateConfig(), tmp / "base.gguf", "b" * 64
        self._merged, self._adapters, self._llm, self._ctx = {}, {}, None, None
        self._merged_pins = {}
        self.log: dict = {"loads": [], "closes": []}
        self.base = FakeLlm(self.model_path, self.log)

    def _check_open(self) -> None:
        pass

    def _load(self, path: Path) -> FakeLlm:
        self.log["loads"].append(path.name)
        return FakeLlm(path, self.log)

    def _serve(self, llm) -> None:
        self._llm, self._ctx = llm, llm.ctx

    def _base_model(self) -> FakeLlm:
        return self.base

    def ask(self) -> None:  # what a request does with the model serving now
        assert not self._llm.closed, "a request got a closed model"

    @property
    def loaded(self) -> int:
        return len(self.log["loads"]) - len(self.log["closes"])


@pytest.fixture
def gen(tmp_path, monkeypatch):
    monkeypatch.setenv("RAGTUNE_MODELS", str(tmp_path / "models"))

    def ensure(base, base_sha, adapter, adapter_sha, scale=1.0):  # a merge without the minutes: a stamped file
        out = M.merged_path(base_sha, adapter_sha, scale)
        out.parent.mkdir(parents=True, exist_ok=True)
        if not out.exists():
            out.write_bytes(b"merged " + adapter_sha.encode())
            out.with_name(out.name + ".json").write_text("{}")
        return out

    monkeypatch.setattr(M, "ensure_merged", ensure)
    return Gen(tmp_path)


def _adapter(tmp_path: Path, name: str) -> tuple[Path, str]:
    from ragtune.appliance.hashing import sha256_file

    p = tmp_path / f"{name}.gguf"
    p.write_bytes(f"a LoRA called {name}".encode())
    return p, sha256_file(p)


def test_rollouts_keep_at_most_the_two_servable_merged_models_loaded(gen, tmp_path):
    active, cand1, cand2 = (_adapter(tmp_path, n) for n in ("active", "cand1", "cand2"))
    gen.set_adapter(*active)
    gen.ask()
    peak = gen.loaded
    for _ in range(3):  # rollout start: requests alternate between the arms
        for arm in (active, cand1):
            gen.set_adapter(*arm)
            gen.ask()
            peak = max(peak, gen.loaded)
    for _ in range(2):  # rollback: the active adapter alone
        gen.set_adapter(*active)
        gen.ask()
    for _ in range(3):  # another candidate's rollout
        for arm in (cand2, active):
            gen.set_adapter(*arm)
            gen.ask()
            peak = max(peak, gen.loaded)
    name = lambda a: M.merged_path(gen.model_id, a[1]).name  # noqa: E731
    assert gen.log["loads"] == [name(active), name(cand1), name(cand2)]  # each loaded once: reused while kept
    assert gen.log["closes"] == [name(cand1)]  # was: nothing closed until close()
    assert peak <= MERGED_KEEP and gen.loaded == MERGED_KEEP == len(gen._merged) == len(gen._merged_pins)
    gen.set_adapter(*cand1)  # a rolled-back candidate again: loaded again, the least recently served closed
    assert gen.log["closes"][-1] == name(cand2) and gen.loaded == MERGED_KEEP
    gen._release_adapters()  # close()
    assert gen.loaded == 0 and not gen._merged_pins


def test_the_model_serving_now_is_never_closed_by_the_bound(gen, tmp_path, monkeypatch):
    import ragtune.appliance.adapter_serving as S

    monkeypatch.setattr(S, "MERGED_KEEP", 1)
    a, b, c = (_adapter(tmp_path, n) for n in "abc")
    for arm in (a, b, c, b):
        served_before = gen._llm
        gen.set_adapter(*arm)
        gen.ask()
        # the one that served before is closed only after the switch, never before the new one loads
        assert served_before is None or served_before.closed
        assert gen.loaded == 1
    gen.set_adapter(None)  # the base answers: the merged model stays (what the bound allows)
    gen.ask()
    assert len(gen._merged) == 1


def test_a_failed_load_leaves_the_served_model_and_no_pin(gen, tmp_path):
    from ragtune.appliance.errors import ModelError

    a, b = _adapter(tmp_path, "a"), _adapter(tmp_path, "b")
    gen.set_adapter(*a)

    def fail(path):
        raise ModelError(f"{path}: cannot load")

    gen._load = fail
    with pytest.raises(ModelError):
        gen.set_adapter(*b)
    gen.ask()
    assert gen.adapter_id == a[1] and len(gen._merged_pins) == 1 and not gen._llm.closed


def test_run_time_loras_are_bounded_too_never_the_one_set(tmp_path):
    freed, inits = [], []

    class LC:
        llama_adapter_lora_p_ctypes = __import__("ctypes").c_void_p

        def llama_adapter_lora_init(self, model, path):
            inits.append(path)
            return len(inits)

        def llama_set_adapters_lora(self, ctx, arr, n, scales):
            return 0

        def llama_adapter_lora_free(self, handle):
            freed.append(handle)

    g = Gen(tmp_path)
    g.cfg, g._lc = GenerateConfig(adapter_merge=False), LC()
    loras = [_adapter(tmp_path, n) for n in "abcd"]
    for lora in loras + [loras[3], loras[2]]:
        g.set_adapter(*lora)
        assert len(g._adapters) <= MERGED_KEEP and g._adapters[g.adapter_id] not in freed
    assert freed == [1, 2] and len(inits) == 4


# -- merged GGUFs on disk: _prune never removes one a generator has loaded (pin) ----------------------------------

def _files(folder: Path, n: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):  # oldest first
        p = folder / f"{i:016x}-{i:016x}-q8_0.gguf"
        p.write_bytes(b"m")
        stamp = p.with_name(p.name + ".json")
        stamp.write_text("{}")
        os.utime(stamp, ns=(i * 10**9, i * 10**9))
        out.append(p)
    return out


def test_prune_keeps_a_merged_model_another_process_has_loaded(tmp_path):
    files = _files(tmp_path / "merged", M.KEEP + 3)
    held = subprocess.Popen([sys.executable, "-c", "import sys, time; from ragtune.appliance.merged import pin; "
                             f"pin({str(files[0])!r}); print('held', flush=True); time.sleep(30)"],
                            stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[2])
    try:
        assert held.stdout.readline().strip() == "held"
        M._prune(files[-1])
        left = sorted(p for p in (tmp_path / "merged").glob("*.gguf"))
        assert left == [files[0], *files[-M.KEEP:]]  # the oldest stays while served (was: removed)
        assert files[0].with_name(files[0].name + ".json").exists()
    finally:
        held.kill()
        held.wait()
    M._prune(files[-1])  # no longer served: pruned by its recency as before
    assert sorted((tmp_path / "merged").glob("*.gguf")) == files[-M.KEEP:]


def test_a_pin_taken_on_a_pruned_file_says_so(tmp_path):
    p = _files(tmp_path / "merged", 1)[0]
    fd = M._in_use(p)  # what _prune holds while it unlinks
    assert fd is not None and M._in_use(p) is None  # held: not removable twice at once
    p.unlink()
    os.close(fd)
    with pytest.raises(FileNotFoundError):  # _serve_merged then ensures (builds) it again
        M.pin(p)
    q = _files(tmp_path / "other", 1)[0]
    fd = M.pin(q)
    try:
        assert M._in_use(q) is None  # pinned: kept
        other = os.open(q, os.O_RDONLY)
        with pytest.raises(BlockingIOError):
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.close(other)
    finally:
        os.close(fd)


# -- the retrieval cache's byte budget ---------------------------------------------------------------------------

def _hits(n: int, chars: int = 500) -> list[Hit]:
    return [Hit(chunk_id=i, doc_id=i, text="x" * chars, source="doc.md") for i in range(n)]


def test_the_retrieval_cache_is_bounded_by_the_weight_of_its_hits():
    budget = 20 * (HIT_BYTES + 506) * 10  # ten results of 20 hits
    c = TTLCache(maxsize=512, ttl_s=60, max_bytes=budget)
    for i in range(100):
        c.put(i, (_hits(10), _hits(10)))  # hits and candidates, as Retriever caches them
    assert len(c) == 10 and c.nbytes <= budget  # was: 100 entries (2,000 Hits)
    assert c.get(89) is None and c.get(90) is not None and c.get(99) is not None  # the oldest went first
    c.put(90, (_hits(10), _hits(10)))  # replaced, not counted twice
    assert c.nbytes == sum(weigh_hits((_hits(10), _hits(10))) for _ in range(10))
    c.put("huge", (_hits(300), []))  # heavier than the budget: not kept, nothing else evicted for it
    assert c.get("huge") is None and len(c) == 10
    c.clear()
    assert c.nbytes == 0 and len(c) == 0


def test_expired_entries_give_their_weight_back():
    now = [0.0]
    c = TTLCache(ttl_s=10, clock=lambda: now[0])
    c.put("a", (_hits(3), []))
    assert c.nbytes == 3 * (HIT_BYTES + 506)
    now[0] = 11
    assert c.get("a") is None and c.nbytes == 0


def test_a_default_retrieval_cache_holds_a_soaks_worth_of_hits_in_its_budget():
    c = TTLCache()
    t0 = time.perf_counter()
    for i in range(512):  # the soak: 512 results of ~130 Hits each (66,928 in all, ~60 MB)
        c.put(i, (_hits(10), _hits(120)))
    assert c.nbytes <= 16 << 20 and len(c) < 512
    assert (time.perf_counter() - t0) < 5
