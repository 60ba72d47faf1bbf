"""Answer candidates with and without the answer-prefix replay (generate.py), paired question by question.

Each question is answered twice with every cache off for the request (retrieval, answer, prompt prefix: the
first decode evaluates its prompt cold, the candidates reuse it), once with the replay and once with the
generator's replay record cleared before every decode (a full decode of each candidate, as before round 35), in
alternating order so that load from other processes falls on both sides alike. Prints how many answers are the
same (they must all be), the generation-time and CPU-time ratios replay / full, the decoded tokens, peak RSS.

    python benchmarks/bench_candidates.py --home HOME --data EVALSET [--n 80] [--adapter default]

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
    args = ap.parse_args()

    from ragtune.appliance import generate as gen_mod
    from ragtune.appliance.answer import AnswerEngine
    from ragtune.appliance.config import Settings
    from ragtune.appliance.home import Home

    queries = [json.loads(x) for x in (Path(args.data) / "queries.jsonl").read_text(encoding="utf-8").splitlines()
               if x.strip()]
    random.Random(35).shuffle(queries)
    queries = queries[: args.n]
    replay = {"on": True}
    run = gen_mod.LlamaGenerator._run

    def patched(self, *a, **kw):
        if not replay["on"]:
            self._pre_answer = None  # nothing to replay: every candidate decoded in full
        return run(self, *a, **kw)

    gen_mod.LlamaGenerator._run = patched
    rows = []
    with AnswerEngine(Settings(home=Home(Path(args.home)))) as engine:
        engine.ask("warm up", adapter=args.adapter, use_cache=False)
        for i, q in enumerate(queries):
            got = {}
            for on in ((True, False) if i % 2 == 0 else (False, True)):
                replay["on"] = on
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
    print(f"generation time replay / full: {ratio(rows, 'gen'):.3f} (ok answers {ratio(ok, 'gen'):.3f}; per-question "
          f"median {statistics.median(r['gen'][0] / r['gen'][1] for r in ok):.3f})" if ok else "no ok answers")
    print(f"process CPU time replay / full: {ratio(rows, 'cpu'):.3f} (ok answers {ratio(ok, 'cpu'):.3f})")
    print(f"decoded tokens: replay {sum(r['tokens'][0] for r in rows)}, full {sum(r['tokens'][1] for r in rows)}")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0 if all(r["same"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
