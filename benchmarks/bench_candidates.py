"""Answer candidates, the current way against an earlier one, paired question by question.

--compare cut (default): the later candidates decoded only through their answer string and the winner decoded
again in full (candidates.py, round 36) against every candidate decoded in full, citations included (before;
emulated here by answering each `more` call in full and handing the chosen one back at no cost).
--compare replay: the answer-prefix replay (generate.py) against the generator's replay record cleared before
every decode (a full decode of each candidate's prefix, as before round 35).

Each question is answered twice with every cache off for the request (retrieval, answer, prompt prefix: the
first decode evaluates its prompt cold, the candidates reuse it), once each way, in alternating order so that
load from other processes falls on both sides alike. Prints how many answers are the same (status, answer,
citations: they must all be), the generation-time and CPU-time ratios now / before, the decoded tokens, peak RSS.

    python benchmarks/bench_candidates.py --home HOME --data EVALSET [--n 80] [--adapter default] [--compare cut]

HOME is an ingested home holding EVALSET's corpus (e.g. the one `ragtune eval run` made under
HOME/eval/corpora/<id>); EVALSET is a BEIR folder (queries.jsonl), shuffled with seed 35.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--n", type=int, default=80)
    ap.add_argument("--adapter", default="default")
    ap.add_argument("--compare", choices=("cut", "replay"), default="cut")
    args = ap.parse_args()

    import dataclasses

    from ragtune.appliance import answer as answer_mod
    from ragtune.appliance import generate as gen_mod
    from ragtune.appliance.answer import AnswerEngine
    from ragtune.appliance.config import Settings
    from ragtune.appliance.home import Home

    queries = [json.loads(x) for x in (Path(args.data) / "queries.jsonl").read_text(encoding="utf-8").splitlines()
               if x.strip()]
    random.Random(35).shuffle(queries)
    queries = queries[: args.n]
    now = {"on": True, "redone": 0, "redone_same": 0}
    run, choose = gen_mod.LlamaGenerator._run, answer_mod.choose_span

    def patched_run(self, *a, **kw):
        if not now["on"] and args.compare == "replay":
            self._pre_answer = None  # nothing to replay: every candidate decoded in full
        return run(self, *a, **kw)

    def patched_choose(first, more, *a, **kw):
        if now["on"] or args.compare != "cut":
            cut = {}

            def counted(avoid, complete):
                res = more(avoid, complete)
                if not complete:
                    cut[tuple(avoid)] = res
                elif tuple(avoid) in cut:  # a later candidate won: decoded again in full, to the same tokens?
                    was = cut[tuple(avoid)]
                    now["redone"] += 1
                    now["redone_same"] += (res.tokens[:len(was.tokens)] == was.tokens and (
                        res.answer_mean_logprob, res.answer_min_logprob) == (was.answer_mean_logprob,
                                                                             was.answer_min_logprob))
                return res
            return choose(first, counted, *a, **kw)
        done = {}

        def whole(avoid, complete):  # every candidate to the end; the chosen one is complete already
            if complete and tuple(avoid) in done:
                return dataclasses.replace(done[tuple(avoid)], generation_ms=0.0, tokens_completion=0)
            done[tuple(avoid)] = res = more(avoid, True)
            return res
        return choose(first, whole, *a, **kw)

    gen_mod.LlamaGenerator._run = patched_run
    answer_mod.choose_span = patched_choose
    rows = []
    with AnswerEngine(Settings(home=Home(Path(args.home)))) as engine:
        engine.ask("warm up", adapter=args.adapter, use_cache=False)
        for i, q in enumerate(queries):
            got = {}
            for on in ((True, False) if i % 2 == 0 else (False, True)):
                now["on"] = on
                c0 = time.process_time()
                ans = engine.ask(q["text"], adapter=args.adapter, use_cache=False)
                got[on] = (ans, time.process_time() - c0)
            (a, ca), (b, cb) = got[True], got[False]
            same = (a.status, a.answer, [c.id for c in a.citations]) == (b.status, b.answer, [c.id for c in b.citations])
            if not same:
                print(f"differs: {q['text']!r}: {a.answer!r} / {b.answer!r}", flush=True)
            rows.append({"same": same, "ok": a.status == "ok", "gen": (a.timings.generation_ms, b.timings.generation_ms),
                         "cpu": (ca, cb), "tokens": (a.tokens_completion, b.tokens_completion)})
    ok = [r for r in rows if r["ok"]]

    def ratio(rs, key):
        return sum(r[key][0] for r in rs) / max(1e-9, sum(r[key][1] for r in rs))

    print(f"questions {len(rows)} ({len(ok)} answered ok): same answer {sum(r['same'] for r in rows)} of {len(rows)}")
    print(f"generation time now / before: {ratio(rows, 'gen'):.3f} (ok answers {ratio(ok, 'gen'):.3f}; per-question "
          f"median {statistics.median(r['gen'][0] / r['gen'][1] for r in ok):.3f})" if ok else "no ok answers")
    print(f"process CPU time now / before: {ratio(rows, 'cpu'):.3f} (ok answers {ratio(ok, 'cpu'):.3f})")
    print(f"decoded tokens: now {sum(r['tokens'][0] for r in rows)}, before {sum(r['tokens'][1] for r in rows)} "
          f"(ratio {ratio(rows, 'tokens'):.3f}; ok answers {ratio(ok, 'tokens'):.3f})")
    if args.compare == "cut":
        print(f"winners decoded again (a later candidate won): {now['redone']}, to the same tokens and "
              f"log-probabilities: {now['redone_same']}")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0 if all(r["same"] for r in rows) and now["redone_same"] == now["redone"] else 1


if __name__ == "__main__":
    sys.exit(main())
