"""Round 53: "a weak candidate takes no slot" (candidates.WEAK_MEAN) replayed on the committed candidate records,
before any model run: how many served answers the rule moves, and up / down against the served rule.

usage: python benchmarks/r53_weak_replay.py   (reads benchmarks/results/candidates_cal_r{30,18,14}.jsonl only)

The records (benchmarks/candidate_study.py `record`: corpus dev calibration half, 200 questions each; r30 is the
shipped adapter, r18 and r14 earlier ones) hold the first decode g and three avoiding candidates a1..a3 with their
mean log-probability, relevance, proximity, echo flag and the serving path's verdict. The served rule (round 43,
RULE 4: echo, answer kind, mean + relevance + proximity - 0.5 said; 3 candidates) is replayed against the variant:
a candidate whose mean is below the threshold does not count towards the 3, so one more (a3 at most) is taken."""
from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ragtune.appliance.answertype import fits  # noqa: E402
from ragtune.appliance.eval.metrics import best_match  # noqa: E402
from ragtune.appliance.refusal import said  # noqa: E402

RECORDS = [REPO / "benchmarks" / "results" / f"candidates_cal_{r}.jsonl" for r in ("r30", "r18", "r14")]


def correct(r: dict, v: dict) -> bool:
    if r["answerable"]:
        em, f1 = best_match(v["text"], r["answers"] or [])
        return v["status"] == "ok" and bool(em or f1 >= 0.5)
    return v["status"] == "refused"


def serve(r: dict, weak: float | None, n: int = 3) -> dict:
    cs = {c["tag"]: c for c in r["cands"]}
    if "g" not in cs or cs["g"].get("text") is None:
        return {"status": r["final"]["status"], "text": r["final"]["answer"] or ""}
    taken, counted, spare = [], 0, False
    for t in ("g", "a1", "a2", "a3"):
        c = cs.get(t)
        if c is None or c.get("text") is None:
            break
        taken.append(c)
        if weak is not None and not spare and c["mean"] < weak:
            spare = True
        else:
            counted += 1
        if counted >= n:
            break
    cands = [c for c in taken if c.get("verdict")]
    if not cands:
        return {"status": r["final"]["status"], "text": r["final"]["answer"] or ""}
    q = r["q"]
    best = max(range(len(cands)), key=lambda i: ((not cands[i]["echo"], fits(q, cands[i]["text"]),
               cands[i]["mean"] + cands[i]["rel"] + cands[i].get("prox", 0.0) - 0.5 * said(q, cands[i]["text"])),
               -i))
    return cands[best]["verdict"]


def main() -> None:
    print("| records | threshold | moved | up | down |\n|---|---|---|---|---|")
    for path in RECORDS:
        recs = [json.loads(line) for line in path.open(encoding="utf-8")]
        base = {r["qid"]: serve(r, None) for r in recs}
        for weak in (-3.0, -2.5, -2.0, -1.5, -1.0):
            moved = up = down = 0
            for r in recs:
                v, b = serve(r, weak), base[r["qid"]]
                if (v["status"], v["text"]) != (b["status"], b["text"]):
                    moved += 1
                    up += correct(r, v) and not correct(r, b)
                    down += correct(r, b) and not correct(r, v)
            print(f"| {path.stem} ({len(recs)}) | {weak} | {moved} | {up} | {down} |")


if __name__ == "__main__":
    main()
