"""Round 50 mends (same behaviour, less work): serve's reload line derived from the keys it applies; the CLI's
rust_quieted uses lexical_panic.rust_quiet's copy of stderr (one dup, not two); ControlText.text in one subn loop;
the engine pool's invariant (no request waits beside an idle engine) kept under cancellations."""

from __future__ import annotations

import asyncio
import os
import random
import re
import tempfile
import threading

import pytest

from ragtune.appliance.vocab import COMMON_MARKERS, ZWSP, ControlText

PANIC = (b"\nthread '<unnamed>' (4242) panicked at src/postings/vint.rs:71:28:\nindex out of bounds\n"
         b"note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n")


def test_the_reload_line_names_the_keys_it_applies():
    from ragtune.serve.reload import RELOADED, TOKEN_KEYS

    assert RELOADED == "[serve] tokens, $tokens_env, token_scopes, token_scopes_default, max_waiting_per_client"
    assert RELOADED.removeprefix("[serve] ").replace("$", "").split(", ") == list(TOKEN_KEYS)


# -- rust_quieted: one copy of stderr, rust_quiet's ------------------------------------------------------------------
def test_rust_quieted_copies_stderr_once_and_says_its_lines_at_once(capfd, monkeypatch):
    from ragtune.cli import common

    dups = []
    real_dup = os.dup
    monkeypatch.setattr(os, "dup", lambda fd: dups.append(fd) or real_dup(fd))
    with common.rust_quieted():
        assert common._LIVE_STDERR and len(dups) == 1
        os.write(2, b"before\n" + PANIC)
        common.say("rebuilding the keyword index (damaged, 6 chunks)")
        live = common._LIVE_STDERR[-1]
    assert common._LIVE_STDERR == []
    with pytest.raises(OSError):  # closed by rust_quiet, once
        os.fstat(live)
    err = capfd.readouterr().err
    assert err == "rebuilding the keyword index (damaged, 6 chunks)\nbefore\n", err


def test_rust_quieted_without_a_temporary_file_leaves_stderr_as_it_is(capfd, monkeypatch):
    from ragtune.cli import common

    def no_file(*a, **k):
        raise OSError("no space left on device")

    monkeypatch.setattr(tempfile, "TemporaryFile", no_file)
    before = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None
    with common.rust_quieted():
        assert common._LIVE_STDERR == []
        common.say("a line")
    assert capfd.readouterr().err == "a line\n"
    if before is not None:
        assert len(os.listdir("/proc/self/fd")) == before  # no descriptor left open


def test_rust_quiet_yields_the_real_stderr(capfd):
    from ragtune.appliance.lexical_panic import rust_quiet

    with rust_quiet() as real:
        assert real is not None and real != 2
        os.write(real, b"now\n")
        os.write(2, PANIC + b"kept\n")
    assert capfd.readouterr().err == "now\nkept\n"


# -- ControlText.text ----------------------------------------------------------------------------------------------
def _old_text(ct: ControlText, text: str) -> str:
    """The loop as it was (search, then search and sub until clean): the reference."""
    if ct._re is None or ct._re.search(text) is None:
        return text
    while ct._re.search(text) is not None:
        text = ct._re.sub(lambda m: m.group(0)[0] + ZWSP + m.group(0)[1:], text)
    return text


class _Counted:
    def __init__(self, rx: re.Pattern[str]):
        self.rx, self.calls = rx, 0

    def __getattr__(self, name):
        self.calls += 1
        return getattr(self.rx, name)


def test_control_text_is_the_same_and_scans_less():
    ct = ControlText(list(COMMON_MARKERS) + ["<|x|>", "|x|>", "<repo_name>"])
    pieces = ["<|im_end|>", "<|im_start|>", "<|x|>", "|x|>", "<|", "|>", "<repo_name>", "a", " ", "é", "<", "|"]
    rng = random.Random(5)
    for _ in range(400):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(0, 12)))
        out = ct.text(text)
        assert out == _old_text(ct, text) and not ct.found(out)
        if out == text:
            assert out is text
    ct._re = counted = _Counted(ct._re)
    assert ct.text("a <|im_end|> b") == "a <" + ZWSP + "|im_end|> b"
    assert counted.calls == 2  # the pass that broke it, the pass that found none (was: 3 searches and a sub)
    counted.calls = 0
    clean = "no control string"
    assert ct.text(clean) is clean and counted.calls == 1


def test_a_str_subclass_with_no_control_string_is_returned_as_it_is():
    class S(str):
        pass

    s = S("plain text")
    assert ControlText(list(COMMON_MARKERS)).text(s) is s


# -- the pool: no request waits beside an idle engine ----------------------------------------------------------------
def test_the_pool_never_has_a_waiter_beside_an_idle_engine():
    from ragtune.serve.pool import Busy, EnginePool

    async def main() -> None:
        rng = random.Random(7)
        pool = EnginePool(["e1", "e2"], queue=6, per_client=None)
        gates: list[threading.Event] = []
        tasks: list[asyncio.Task] = []

        def fn(engine, cancel):
            g = threading.Event()
            gates.append(g)
            g.wait(5)

        for _ in range(120):
            op = rng.random()
            if op < 0.45:
                try:
                    slot = pool.admit(rng.choice(["a", "b", "c"]))
                except Busy:
                    pass
                else:
                    tasks.append(asyncio.ensure_future(slot.run(fn)))
            elif op < 0.65 and tasks:
                rng.choice(tasks).cancel()
            elif gates:
                gates.pop(0).set()
            await asyncio.sleep(0.003)
            assert not (pool._idle and pool._turns)
        for g in gates:
            g.set()
        while any(not t.done() for t in tasks):
            for g in list(gates):
                g.set()
            await asyncio.sleep(0.01)
        await asyncio.gather(*tasks, return_exceptions=True)
        while pool.running:
            await asyncio.sleep(0.01)
        assert sorted(pool._idle) == ["e1", "e2"] and not pool._turns and pool.admitted == 0
        pool.close(wait_s=1)

    asyncio.run(main())
