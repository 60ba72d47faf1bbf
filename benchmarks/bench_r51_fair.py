"""Round 51: quiet clients beside flooding ones, at the engine pool (ragtune/serve/pool.py), with a fake model of a
fixed engine time. N flooding clients each keep C requests going (a refused one retried after `retry` s); Q quiet
clients each ask once every ~`gap` s (exponential), one try each. Prints the quiet clients' success and their wait
for an engine (p50/p95), and the flooders' answers.

    .venv/bin/python benchmarks/bench_r51_fair.py [--pool FILE] [--seconds 30]

`--pool FILE`: another pool.py to measure (e.g. `git show <rev>:ragtune/serve/pool.py > /tmp/pool_before.py`).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import random
import statistics
import time


def load_pool(path: str | None):
    if path is None:
        from ragtune.serve import pool
        return pool
    spec = importlib.util.spec_from_file_location("pool_under_test", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


async def run(mod, a) -> dict:
    pool = mod.EnginePool([f"e{i}" for i in range(a.workers)], queue=a.queue, per_client=max(1, a.queue // 2))
    stop = time.monotonic() + a.seconds
    rng = random.Random(a.seed)
    quiet: list[tuple[bool, float]] = []
    answers = {"flood": 0, "quiet": 0}

    def engine(kind: str, started: list):
        def fn(engine, cancel):
            started.append(time.monotonic())
            time.sleep(a.engine_s)
        return fn

    async def flooder(name: str) -> None:
        while time.monotonic() < stop:
            try:
                slot = pool.admit(name)
                await slot.run(engine("flood", []))
                answers["flood"] += 1
            except mod.Busy:
                await asyncio.sleep(a.retry)

    async def quiet_client(name: str) -> None:
        while True:
            await asyncio.sleep(rng.expovariate(1 / a.gap))
            if time.monotonic() >= stop:
                return
            t0, started = time.monotonic(), []
            try:
                await pool.admit(name).run(engine("quiet", started))
            except mod.Busy:
                quiet.append((False, 0.0))
                continue
            answers["quiet"] += 1
            quiet.append((True, started[0] - t0))

    await asyncio.gather(*(flooder(f"flood{i}") for i in range(a.floods) for _ in range(a.concurrency)),
                         *(quiet_client(f"quiet{i}") for i in range(a.quiet)))
    pool.close()
    waits = sorted(w for ok, w in quiet if ok)
    p95 = waits[max(0, int(round(0.95 * len(waits))) - 1)] if waits else float("nan")
    return {"quiet_tries": len(quiet), "quiet_ok": sum(ok for ok, _ in quiet),
            "quiet_wait_p50_s": round(statistics.median(waits), 3) if waits else None,
            "quiet_wait_p95_s": round(p95, 3), "flood_answers": answers["flood"],
            "shed": getattr(pool, "shed", 0)}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--pool")
    p.add_argument("--seconds", type=float, default=30)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--queue", type=int, default=8)
    p.add_argument("--floods", type=int, default=20)
    p.add_argument("--concurrency", type=int, default=4)
    p.add_argument("--quiet", type=int, default=5)
    p.add_argument("--gap", type=float, default=1.0)
    p.add_argument("--engine-s", type=float, default=0.1)
    p.add_argument("--retry", type=float, default=0.1)
    p.add_argument("--seed", type=int, default=51)
    a = p.parse_args()
    r = asyncio.run(run(load_pool(a.pool), a))
    ok = r["quiet_ok"] / max(1, r["quiet_tries"])
    print(f"pool={a.pool or 'ragtune.serve.pool'} workers={a.workers} queue={a.queue} "
          f"floods={a.floods}x{a.concurrency} quiet={a.quiet} engine={a.engine_s}s: "
          f"quiet ok {r['quiet_ok']}/{r['quiet_tries']} ({ok:.0%}), wait p50 "
          f"{r['quiet_wait_p50_s']} s p95 {r['quiet_wait_p95_s']} s; flood answers {r['flood_answers']}; "
          f"shed {r['shed']}")


if __name__ == "__main__":
    main()
