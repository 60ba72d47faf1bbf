"""Round 53: the chat app (Home: the chat screen) over a home with a long query log.

A home is made with the store layer alone (no model): the fake corpus's two documents (tests/tui/fakes.py) and N
logged answers (`querylog.log_answer`, 6 sources of ~700 characters each, as the real appliance logs them; every
question distinct). Then, with Textual's Pilot (120x40) and the fake engine of the TUI tests, each run times:

- start: create_app -> the chat screen mounted, laid out and drawn, its input history loaded (what `ragtune chat`
  shows first);
- history: up in the question box until the newest earlier question is shown ("opening" it), then up until the
  oldest one it holds ("to the end");
- enter: enter on a new question -> its first token handled (`first_token_at`), and -> the next frame after it
  (and the layouts until its answer ends); "again": a second question, the side panels showing the first answer;
- resize: the terminal 20 columns narrower and 5 rows shorter -> laid out and drawn (the side panels fit their
  text to the new width).

Wall and CPU milliseconds (CPU: the process's, workers included; the box is shared, CPU is the steadier one),
screen layouts per step, and the process's peak RSS; "log read" is the query-log read on the way to the chat screen
(StoreDocuments.recent_questions). Each step starts after a gc.collect(): a collection of what the steps before it
left landed in one code's resize and not the other's (+25 ms CPU). Walking the history is paced by Pilot (~70 ms a
key press): its wall time is Pilot's, its CPU the app's. Each run is its own process; the code trees given with --code
alternate run by run, so a before/after pair runs under the same load. Prints one line a run and the medians.

    .venv/bin/python benchmarks/r53_chat_history.py --work /tmp/h6/bench \
        --code before=/tmp/h6/base --code after=/work/main
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve()
SIZE = (120, 40)
WORDS = ("leave policy travel expenses laptop return badge parking holiday overtime contract notice pension "
         "training budget desk booking printer access password reset canteen hours shift swap remote work").split()


# -- the home ---------------------------------------------------------------------------------------------------
def build_home(root: Path, answers: int) -> None:
    """`root` with the fake corpus stored and `answers` logged answers (made once; reused by later calls)."""
    if (root / "built.json").exists():
        return
    import numpy as np

    from ragtune.appliance.home import Home
    from ragtune.appliance.querylog import log_answer
    from ragtune.appliance.store import EMBED_DIM, Store
    from ragtune.appliance.types import Answer, ContextItem, Timings
    from tests.tui.fakes import _FAKE_DOCS

    home = Home(root)
    store = Store(home.db_path)
    rng = np.random.default_rng(53)
    chunk_ids = []
    for path, title, parts in _FAKE_DOCS:  # chunk ids 1-4, as the fake engine cites them
        class C:  # what put_document reads of a chunk
            pass
        chunks, pos = [], 0
        for ord_, text in enumerate(parts):
            c = C()
            c.ord, c.text, c.start_char, c.end_char = ord_, text, pos, pos + len(text)
            c.n_tokens, c.sha256 = len(text.split()), f"{hash(text) & 0xffffffff:064x}"
            chunks.append(c)
            pos += len(text) + 1
        vectors = [rng.standard_normal(EMBED_DIM).astype("float32") for _ in chunks]
        doc_id, _ = store.put_document(path=path, sha256=f"{doc_id_seed(path):064x}", title=title, kind="md",
                                       size=pos, doc_date=None, ingested_at=1.7e9, meta="{}", chunks=chunks,
                                       vectors=vectors)
        chunk_ids += [(doc_id, path, title, c) for c in chunks]
    filler = " ".join(WORDS * 4)[:700]
    with store.transaction():
        for i in range(answers):
            w = [WORDS[(i * 7 + k) % len(WORDS)] for k in range(4)]
            question = f"what does the {w[0]} {w[1]} rule say about {w[2]} and {w[3]}, case {i}?"
            ctx = [ContextItem(id=f"S{s + 1}", text=f"{c.text} {filler}", chunk_id=cid, source=path, title=title,
                               start_char=c.start_char, end_char=c.end_char, sha256=c.sha256)
                   for s, (cid, (doc, path, title, c)) in enumerate(
                       [(1 + (i + s) % len(chunk_ids), chunk_ids[(i + s) % len(chunk_ids)]) for s in range(6)])]
            ok = i % 5 != 0
            answer = Answer(status="ok" if ok else "refused",
                            answer=ctx[0].text[:80] if ok else "The provided documents do not contain the answer.",
                            citations=ctx[:2] if ok else [], retrieved=[c.chunk_id for c in ctx], context=ctx,
                            timings=Timings(retrieval_ms=40.0, ttft_ms=300.0, generation_ms=900.0, total_ms=1240.0),
                            tokens_prompt=900, tokens_completion=60, model="f00dfeed" + "0" * 56, adapter="none",
                            refusal_reason=None if ok else "no_evidence", raw_output='{"status": "ok"}')
            log_answer(store, answer, query=question, normalized_query=question.lower())
    store.close()
    (root / "built.json").write_text(json.dumps({"answers": answers}))


def doc_id_seed(path: str) -> int:
    return sum(map(ord, path))


# -- one run (a child process) ----------------------------------------------------------------------------------
class Clock:
    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def ms(self) -> tuple[float, float]:
        return 1000 * (time.perf_counter() - self.wall), 1000 * (time.process_time() - self.cpu)


def count_layouts(app) -> list[int]:
    """Screen layouts (every one re-arranges the screen's widgets) done by any screen of `app`, in a 1-list."""
    from textual.screen import Screen

    seen = [0]
    original = Screen._refresh_layout

    def counted(self, *args, **kwargs):
        seen[0] += 1
        return original(self, *args, **kwargs)

    Screen._refresh_layout = counted
    return seen


async def one_run(home_root: Path) -> dict:
    from ragtune.appliance.config import Settings
    from ragtune.appliance.home import Home
    from ragtune.tui.app import create_app
    from ragtune.tui.screens.chat import ChatScreen
    from ragtune.tui.widgets.messages import AnswerMessage, HistoryInput
    from tests.tui.fakes import FakeEngine

    from ragtune.tui.docsource import StoreDocuments

    out: dict = {"history_read": [0.0, 0.0]}
    read = StoreDocuments.recent_questions

    def timed(self, *args, **kwargs):  # the query log read on the way to the chat screen (its input history)
        c = Clock()
        try:
            return read(self, *args, **kwargs)
        finally:
            out["history_read"] = list(c.ms())

    StoreDocuments.recent_questions = timed
    logged = json.loads((home_root / "built.json").read_text())["answers"]
    settings = Settings(home=Home(home_root))
    clock = Clock()
    app = create_app(settings, engine=FakeEngine(), close_engine=False)
    layouts = count_layouts(app)
    async with app.run_test(size=SIZE) as pilot:
        while not (isinstance(app.screen, ChatScreen) and app.screen.is_mounted
                   and (app.screen.query_one(HistoryInput).history or not logged)):
            await pilot.pause()
        await pilot.pause()  # laid out and drawn
        out["start"] = clock.ms()
        out["start_layouts"] = layouts[0]
        box = app.screen.query_one(HistoryInput)
        history = list(box.history)
        out["history_len"] = len(history)

        gc.collect()
        layouts[0], clock = 0, Clock()
        await pilot.press("up")
        assert not history or box.value == history[-1], (box.value, history[-1])
        await pilot.pause()
        out["history_open"] = clock.ms()
        presses = 0
        while history and box.value != history[0]:
            await pilot.press("up")
            presses += 1
        await pilot.pause()
        out["history_end"] = clock.ms()
        out["history_presses"] = presses + 1
        out["history_layouts"] = layouts[0]

        await pilot.press("escape")  # back to an empty box: the draft
        for key, question in (("enter", "how does the appliance answer offline"),
                              ("enter2", "how do adapters change the answers")):  # the panels show the first answer
            box.value = question
            box.cursor_position = len(box.value)
            for _ in range(3):
                await pilot.pause()
            before = set(map(id, app.screen.query(AnswerMessage)))
            gc.collect()  # a collection of what the steps before left is no part of this one
            layouts[0], clock = 0, Clock()
            await pilot.press("enter")
            answer = next(a for a in app.screen.query(AnswerMessage) if id(a) not in before)
            while answer.first_token_at is None:
                await pilot.pause()
            token_wall = 1000 * (answer.first_token_at - clock.wall)
            await pilot.pause()
            out[f"{key}_shown"] = clock.ms()
            out[f"{key}_token_wall"] = token_wall
            while answer.state not in ("ok", "refused", "error"):
                await pilot.pause()
            await pilot.pause()
            out[f"{key}_layouts"] = layouts[0]  # from enter to the answer's end
        for _ in range(3):
            await pilot.pause()

        gc.collect()
        layouts[0], clock = 0, Clock()  # the side panels fit their text to the new width
        await pilot.resize_terminal(SIZE[0] - 20, SIZE[1] - 5)
        await pilot.pause()
        await pilot.pause()
        out["resize"] = clock.ms()
        out["resize_layouts"] = layouts[0]
    out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    import ragtune

    out["code"] = str(Path(ragtune.__file__).resolve().parents[1])
    return out


# -- the driver -------------------------------------------------------------------------------------------------
def child(args: argparse.Namespace) -> None:
    print(json.dumps(asyncio.run(one_run(Path(args.child)))))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--answers", default="1000,5000", help="logged answers of each home, comma-separated")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--work", required=True, help="folder for the homes (made once, reused)")
    ap.add_argument("--code", action="append", default=[], metavar="NAME=DIR",
                    help="a source tree to time (its ragtune/ and tests/), alternated run by run; default: this one")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args)
        return
    codes = [tuple(c.split("=", 1)) for c in args.code] or [("here", str(HERE.parents[1]))]
    work = Path(args.work)
    env = dict(os.environ, OMP_NUM_THREADS="1")
    results: dict[tuple[int, str], list[dict]] = {}
    sizes = [int(a) for a in args.answers.split(",")]
    first = sizes[0]
    for n in sizes:
        root = work / f"home-{n}"
        t = time.perf_counter()
        build = "from pathlib import Path; import sys; sys.path.insert(0, %r); import r53_chat_history as b; " \
                "b.build_home(Path(%r), %d)" % (str(HERE.parent), str(root), n)
        subprocess.run([sys.executable, "-c", build], check=True, env=dict(env, PYTHONPATH=codes[-1][1]))
        print(f"home {root}: {n} answers ({time.perf_counter() - t:.1f} s)", flush=True)
        for run in range(-1 if n == first else 0, args.runs):  # run -1: a warm-up (.pyc files, page cache), not kept
            for name, src in codes:
                p = subprocess.run([sys.executable, str(HERE), "--work", str(work), "--child", str(root)],
                                   env=dict(env, PYTHONPATH=src), capture_output=True, text=True)
                if p.returncode:
                    sys.exit(f"{name} run {run}: exit {p.returncode}\n{p.stderr[-3000:]}")
                r = json.loads(p.stdout.strip().splitlines()[-1])
                if Path(r["code"]) != Path(src).resolve():
                    sys.exit(f"{name}: ran the code in {r['code']}, not {src}")
                if run >= 0:
                    results.setdefault((n, name), []).append(r)
                print(f"  {n} {name} run {run + 1}: " + fmt(r), flush=True)
    print("\nmedians of %d runs (wall/CPU ms; layouts; peak RSS MB), Pilot %dx%d, fake engine" % (args.runs, *SIZE))
    for (n, name), rs in results.items():
        print(f"{n:>6} answers {name:>8}: " + fmt(median(rs)))


def median(rs: list[dict]) -> dict:
    out = {}
    for k, v in rs[0].items():
        if isinstance(v, (list, tuple)):
            out[k] = [statistics.median(r[k][i] for r in rs) for i in range(len(v))]
        elif isinstance(v, (int, float)):
            out[k] = statistics.median(r[k] for r in rs)
    return out


def fmt(r: dict) -> str:
    def ms(pair) -> str:
        return f"{pair[0]:.0f}/{pair[1]:.0f}"

    return (f"start {ms(r['start'])} ({r['start_layouts']:.0f} layouts; log read {ms(r['history_read'])}) | "
            f"history of {r['history_len']:.0f}: open {ms(r['history_open'])}, end {ms(r['history_end'])} "
            f"({r['history_layouts']:.0f} layouts) | enter -> token {r['enter_token_wall']:.0f}, shown "
            f"{ms(r['enter_shown'])} ({r['enter_layouts']:.0f} layouts to its end) | again {r['enter2_token_wall']:.0f}, "
            f"{ms(r['enter2_shown'])} ({r['enter2_layouts']:.0f}) | resize {ms(r['resize'])} "
            f"({r['resize_layouts']:.0f} layouts) | RSS {r['rss_mb']:.1f}")


if __name__ == "__main__":
    main()
