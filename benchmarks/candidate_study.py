"""Answer candidates: which extra decodes find right answers, and which choice rule serves them best (rounds 14, 18).

Two steps, both over the product's own code:

    python benchmarks/candidate_study.py record DATASET OUT.jsonl [--split test] [--limit 200] [--concurrency 2]
    python benchmarks/candidate_study.py replay OUT.jsonl

`record` runs `eval run` (arm C, the built-in adapter, extractive, --seed 0) in $RAGTUNE_HOME and, for every
question whose first answer is "ok", also decodes the extra candidates of every kind: three that avoid earlier
starts (a1..a3) and spans of the 1 or 2 sentences that best match the question (f1, f2; f1a/f2a also avoid the
first answer's start). For each it writes the text, mean and least token log-probability, sentence relevance,
proximity of the question's words (refusal.proximity; records before round 18 lack it: 0), echo flag and the
verdict the serving path would give it (validate + refusal check). The run itself answers as
the product does, so the stored report is the product's. It is a study, not product code: it swaps
`answer.choose_span` for a recorder and reaches into the serving closure for the prompt it decodes from.

`replay` serves each rule (which candidates, in which order, which relevance and proximity weights) from those
records and prints task success, answerable right and unanswerable refused, paired against the rule the records
were served with (round 18: 3 avoiding candidates, mean + 1.0 × relevance + 1.0 × proximity; round 19 serves that
− 0.5 × `refusal.said`, a row of its own). A replay is exact for the
decision after generation: the rule the record run served differs from the served answers in 0 questions. (A
rule of a focused candidate then avoiding ones would avoid the focused start too; the recorded a1 avoided only the
first answer's.)
Choose on a calibration split (corpus dev `--split test`), never on a report set.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

KINDS = ("g", "a1", "a2", "a3", "f1", "f1a", "f2", "f2a")


def record(dataset: str, out: Path, split: str, limit: int, concurrency: int) -> None:
    import ragtune.appliance.answer as answer_mod
    import ragtune.appliance.eval.run as run_mod
    from ragtune.appliance.answer import AnswerEngine
    from ragtune.appliance.candidates import _ok_span, choose_span, first_word
    from ragtune.appliance.config import load_settings
    from ragtune.appliance.eval.run import EvalOptions, run_eval
    from ragtune.appliance.focus import focus
    from ragtune.appliance.injection import source_view
    from ragtune.appliance.refusal import echoes, proximity, relevance

    local, lock, fh = threading.local(), threading.Lock(), out.open("a", encoding="utf-8")

    def verdict(eng: Any, res: Any, ctx: list[Any], q: str) -> dict[str, Any] | None:
        def no_repair(_errs: list[str]) -> Any:
            raise RuntimeError("repair")  # a grammar-constrained candidate is valid; a repair would be a new decode
        try:
            v = eng.judge(res, no_repair, ctx, q, "extractive")[1]  # the serving path's own decision
        except RuntimeError:
            return None
        return {"status": v.status, "text": v.text, "cites": list(v.citations), "reason": v.reason}

    def recording(first: Any, more: Any, n: int, question: str, ctx: list[Any]) -> Any:
        # the serving path's closure (answer.py) holds what a decode from other sources needs
        cell = dict(zip(more.__code__.co_freevars, (c.cell_contents for c in more.__closure__)))
        eng, views = local.engine, [source_view(c.text) for c in ctx]
        spans = cell["spans"]

        def decode(avoid: list[str], where: Any) -> Any:
            # avoid=[""] avoids nothing but, like every extra candidate, decodes with the status forced to "ok"
            return eng._generate(cell["gen"], cell["msgs"], cell["schema"], where, use_cache=True,
                                 avoid=avoid or [""])

        rec: dict[str, Any] = {"q": question, "ctx": [[c.id, c.text] for c in ctx], "cands": []}

        def add(tag: str, res: Any) -> str | None:
            text = _ok_span(res)
            d: dict[str, Any] = {"tag": tag, "text": text}
            if text is not None:
                d.update(mean=res.answer_mean_logprob, min=res.answer_min_logprob,
                         rel=relevance(question, text, views), prox=proximity(question, text, views),
                         echo=echoes(question, text),
                         verdict=verdict(eng, res, ctx, question))
            rec["cands"].append(d)
            return text

        g = add("g", first)
        if g is not None:
            avoid = [first_word(g)]
            for i in range(3):
                t = add(f"a{i + 1}", more(list(avoid)))
                if t is None or first_word(t) in avoid:
                    break
                avoid.append(first_word(t))
            for keep in (1, 2):
                narrow = focus(question, spans, keep)
                if narrow == spans:
                    continue
                add(f"f{keep}", decode([], narrow))
                add(f"f{keep}a", decode([first_word(g)], narrow))
        local.rec = rec
        return choose_span(first, more, n, question, ctx)

    answer_mod.choose_span = recording  # the served choice is the product's; the extra decodes only record
    ask_arm = run_mod.ask_arm

    def ask_and_record(engine: Any, arm: Any, item: dict[str, Any], **kw: Any) -> dict[str, Any]:
        local.engine, local.rec = engine, None
        res = ask_arm(engine, arm, item, **kw)
        rec = local.rec or {"cands": []}
        rec.update(qid=item["qid"], arm=arm.name, answerable=item.get("answerable"), answers=item.get("answers"),
                   final={"status": res.get("status"), "answer": res.get("answer")})
        with lock:
            fh.write(json.dumps(rec) + "\n")
            fh.flush()
        return res

    run_mod.ask_arm = ask_and_record
    rep = run_eval(load_settings(), dataset,
                   EvalOptions(arms="C", adapter="default", limit=limit, seed=0, split=split, mode="extractive",
                               concurrency=concurrency, out=out.parent / f"run-{out.stem}"),
                   engine_factory=AnswerEngine)
    print(json.dumps({k: rep["arms"]["C"].get(k) for k in ("task_success", "task_success_answerable")}))


def replay(paths: list[Path]) -> None:
    from ragtune.appliance.eval.metrics import best_match
    from ragtune.appliance.refusal import said

    recs = [json.loads(line) for p in paths for line in p.open(encoding="utf-8")]

    def correct(r: dict[str, Any], v: dict[str, Any]) -> bool:
        if r["answerable"]:
            em, f1 = best_match(v["text"], r["answers"] or [])
            return v["status"] == "ok" and (em or f1 >= 0.5)
        return v["status"] == "refused"

    def serve(r: dict[str, Any], order: list[str], n: int, w: float, wp: float = 0.0,
              ws: float = 0.0) -> dict[str, Any]:
        have = {c["tag"] for c in r["cands"] if not c.get("nofocus")}
        tags = [t for t in order if t in have][:n]
        cands, seen = [], set()
        for t in tags:
            c = next(c for c in r["cands"] if c["tag"] == t)
            if c.get("text") is not None and c.get("verdict") and c["text"] not in seen:
                seen.add(c["text"])
                cands.append(c)
        if not cands:
            return {"status": r["final"]["status"], "text": r["final"]["answer"] or ""}
        return max(cands, key=lambda c: (not c["echo"], c["mean"] + w * c["rel"] + wp * c.get("prox", 0.0)
                                         - ws * said(r["q"], c["text"]), -tags.index(c["tag"])))["verdict"]

    def table(rule: tuple[Any, ...]) -> tuple[dict[str, bool], str]:
        per = {r["qid"]: correct(r, serve(r, *rule)) for r in recs}
        served = sum(1 for r in recs if (lambda v: (v["status"], v["text"]))(serve(r, *rule))
                     != (r["final"]["status"], r["final"]["answer"]))
        ans = [per[r["qid"]] for r in recs if r["answerable"]]
        un = [per[r["qid"]] for r in recs if not r["answerable"]]
        pct = lambda xs: 100 * sum(xs) / max(len(xs), 1)  # noqa: E731
        return per, f"{pct(list(per.values())):.1f} % | {pct(ans):.1f} % | {pct(un):.1f} % | {served}"

    avoid, focused = ["g", "a1", "a2", "a3"], ["g", "f1", "a1", "a2"]
    rules = [("avoid chain, 3, + proximity (round 18, the records' rule)", (avoid, 3, 1.0, 1.0)),
             ("avoid chain, 3, + proximity − 0.5 said (round 19, served)", (avoid, 3, 1.0, 1.0, 0.5)),
             ("avoid chain, 3, proximity 0.5", (avoid, 3, 1.0, 0.5)),
             ("avoid chain, 3, proximity 2.0", (avoid, 3, 1.0, 2.0)),
             ("avoid chain, 4, + proximity", (avoid, 4, 1.0, 1.0)),
             ("first only", (avoid, 1, 1.0)), ("avoid chain, 3 (round 13)", (avoid, 3, 1.0)),
             ("avoid chain, 2", (avoid, 2, 1.0)), ("avoid chain, 4", (avoid, 4, 1.0)),
             ("focus 1 sentence, 2", (focused, 2, 1.0)), ("focus 1 sentence, then avoid, 3", (focused, 3, 1.0)),
             ("focus 2 sentences, 2", (["g", "f2", "a1"], 2, 1.0)), ("focus 1, weight 0.5, 2", (focused, 2, 0.5)),
             ("focus 1, weight 2.0, 2", (focused, 2, 2.0))]
    base, _ = table(rules[0][1])
    n_ans = sum(1 for r in recs if r["answerable"])
    print(f"{len(recs)} questions, {n_ans} answerable")
    if not any("prox" in c for r in recs for c in r["cands"]):
        print("  (records before round 18: no proximity recorded, so the proximity rules replay round 13's)")
    for tag in KINDS:
        k = sum(1 for r in recs if r["answerable"] and any(
            c["tag"] == tag and c.get("verdict") and correct(r, c["verdict"]) for c in r["cands"]))
        print(f"  right via {tag}: {k}")
    # last column but one: answers that differ from the served ones (0 for the rule the record run served)
    print("| rule | task success | answerable right | unanswerable refused | differ from served | vs served |\n"
          "|---|---|---|---|---|---|")
    for name, rule in rules:
        per, row = table(rule)
        up = sum(per[q] and not base[q] for q in per)
        down = sum(base[q] and not per[q] for q in per)
        print(f"| {name} | {row} | +{up} / −{down} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    rec = sub.add_parser("record")
    rec.add_argument("dataset")
    rec.add_argument("out", type=Path)
    rec.add_argument("--split", default="test")
    rec.add_argument("--limit", type=int, default=200)
    rec.add_argument("--concurrency", type=int, default=2)
    rep = sub.add_parser("replay")
    rep.add_argument("records", type=Path, nargs="+")
    a = ap.parse_args()
    if a.cmd == "record":
        record(a.dataset, a.out, a.split, a.limit, a.concurrency)
    else:
        replay(a.records)


if __name__ == "__main__":
    main()
