"""Round 52: the automatic share per client ([serve] max_waiting_per_client = 0) is the queue over the clients, up to
four (pool.per_client_bound): half with two token names, a third with three, a quarter from four. Before it was half
from two names on, so three clients flooding at once filled the queue within their shares: their requests got the
503 `busy` (the server out of capacity, what operators alert on) or lost their places, instead of the 429
`client_busy` that tells a client it is over its own share (docs/serve.md "A share per client")."""

from __future__ import annotations

import asyncio
import threading

from ragtune.appliance.config import ServeConfig
from ragtune.serve.auth import load_tokens
from ragtune.serve.pool import Busy, ClientBusy, EnginePool, per_client_bound

NAMES = ["acme", "bolt", "carl", "dora", "erin"]


def _bound(names: int, queue: int = 8) -> int | None:
    cfg = ServeConfig(queue=queue, tokens=[f"{n}:{n}-secret-0123456789abcdef" for n in NAMES[:names]])
    return per_client_bound(cfg, load_tokens(cfg, {}))


def test_the_automatic_share_is_the_queue_over_up_to_four_clients():
    assert _bound(1) is None  # one client: the FIFO queue, as before
    assert [_bound(n) for n in (2, 3, 4, 5)] == [4, 2, 2, 2]
    assert _bound(2, queue=9) == 4 and _bound(5, queue=1) == 1 and _bound(3, queue=64) == 21
    cfg = ServeConfig(queue=8, max_waiting_per_client=5, tokens=[f"{n}:{n}-secret-0123456789abcdef" for n in NAMES])
    assert per_client_bound(cfg, load_tokens(cfg, {})) == 5  # set: as set


def test_three_flooding_clients_meet_their_own_share_before_the_queue_is_full():
    """2 engines, the default queue of 8, four clients: acme, bolt and carl each send 6 requests at once while
    every engine is taken; dora then asks once. Each flooder's requests beyond its share are its 429, none is the
    503 or loses a place already given, and dora's request gets a free place."""

    async def main() -> tuple[dict[str, list[str]], int]:
        pool = EnginePool(["e1", "e2"], queue=8, per_client=_bound(4))
        gate = threading.Event()
        tasks, said = [], {n: [] for n in NAMES[:4]}

        def job(engine, cancel):
            gate.wait(30)

        def ask(client: str) -> None:
            try:
                slot = pool.admit(client)
            except ClientBusy:
                said[client].append("429")
            except Busy:
                said[client].append("503")
            else:
                said[client].append("placed")
                tasks.append(asyncio.ensure_future(slot.run(job)))

        ask("acme"), ask("acme")
        while pool.running < 2:  # both engines taken (the jobs hold them until the gate opens)
            await asyncio.sleep(0.001)
        for client in ("acme", "bolt", "carl"):
            for _ in range(6 if client != "acme" else 4):
                ask(client)
        ask("dora")
        shed = pool.shed
        gate.set()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        assert not [r for r in results if isinstance(r, BaseException)], results  # no place taken back
        pool.close()
        return said, shed

    said, shed = asyncio.run(main())
    assert said["acme"] == ["placed"] * 4 + ["429"] * 2, said  # 2 generating, its 2 waiting
    assert said["bolt"] == said["carl"] == ["placed"] * 2 + ["429"] * 4, said
    assert said["dora"] == ["placed"] and shed == 0, (said, shed)
