"""Round 54: a held-out answer benchmark on an invented parish council's share. HELD-OUT: never used to tune anything
(it measures; no threshold, prompt, rule or training item may be chosen by looking at its questions or answers).
CC0, invented (benchmarks/r54_parish_data.py: 15 documents in 8 formats, 45 questions as people type them, 12 near
misses; the text files verbatim in benchmarks/r54_parish_texts.py).

    PYTHONPATH=<tree> python benchmarks/r54_parish.py SHARE HOME OUT.jsonl [ARMS]

Writes the share into SHARE when it is missing or empty, ingests it into HOME (use a fresh one) with the real default
appliance, and asks every question once per arm in one process (models loaded once, no answer cache): ARMS is
"C,A" when left out, C the default appliance (its default adapter), A the base model (`ragtune ask --adapter none`).
One JSON line per question and arm; then the table per arm and per document format.

Scoring is automatic and general (the same rule for every question): an answer is right when its normalised text
holds the normalised gold or one of the question's listed forms (as whole words), or its SQuAD-style token F1 against
the gold is >= 0.5; an answerable question refused counts as refused; a near miss is right when refused and
hallucinated when answered. Normalised: NFKC, lower case, thousands separators and decimal points between digits
joined, a trailing ".00" dropped (£20.00 = £20), other punctuation and symbols made spaces, a/an/the dropped.
`python benchmarks/r54_parish.py --rescore OUT.jsonl` scores a written file again and prints its table."""
from __future__ import annotations

import collections
import json
import re
import runpy
import sys
import time
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
ARMS = {"C": None, "A": "none"}  # the adapter `ask` is given: None the configured default, "none" the base model


def normalise(text: str) -> str:
    s = unicodedata.normalize("NFKC", text).lower()
    s = re.sub(r"(?<=\d)\.00(?!\d)", "", s)
    s = re.sub(r"(?<=\d)[,.](?=\d)", "", s)
    s = "".join(" " if unicodedata.category(ch)[0] in "PS" else ch for ch in s)
    return " ".join(w for w in s.split() if w not in ("a", "an", "the"))


def f1(answer: str, gold: str) -> float:
    a, g = normalise(answer).split(), normalise(gold).split()
    same = sum((collections.Counter(a) & collections.Counter(g)).values())
    if not same:
        return 0.0
    p, r = same / len(a), same / len(g)
    return 2 * p * r / (p + r)


def is_right(answer: str, gold: str, forms: list[str]) -> bool:
    a = f" {normalise(answer)} "
    if any(f" {normalise(x)} " in a for x in [gold, *forms] if normalise(x)):
        return True
    return f1(answer, gold) >= 0.5


def verdict(row: dict) -> str:
    a = row["ask"]
    refused = a.get("status") != "ok"
    if not row["answerable"]:
        return "refused-ok" if refused else "hallucinated"
    if refused:
        return "refused"
    return "right" if is_right(a.get("answer") or "", row["gold"], row["forms"]) else "wrong"


def questions() -> list[dict]:
    d = runpy.run_path(str(HERE / "r54_parish_data.py"))
    rows = [dict(id=i, file=f, fmt=Path(f).suffix[1:], q=q, gold=g, forms=forms, answerable=True)
            for i, f, q, g, forms in d["Q"]]
    return rows + [dict(id=i, file=None, fmt="near-miss", q=q, gold=None, why=why, forms=[], answerable=False)
                   for i, q, why in d["NEAR"]]


def table(rows: list[dict]) -> str:
    out = []
    for arm in sorted({r["arm"] for r in rows}, key="CA".find):
        mine = [r for r in rows if r["arm"] == arm]
        c = collections.Counter(r["verdict"] for r in mine)
        n_a, n_u = sum(r["answerable"] for r in mine), sum(not r["answerable"] for r in mine)
        task = c["right"] + c["refused-ok"]
        out.append(f"arm {arm}: answerable {n_a}: right {c['right']} wrong {c['wrong']} refused {c['refused']} | "
                   f"near misses {n_u}: refused {c['refused-ok']} hallucinated {c['hallucinated']} | "
                   f"task {task}/{len(mine)}")
        cited = [r for r in mine if r["verdict"] == "right"]
        out.append(f"   right answers citing the gold file: {sum(r['cites_gold'] for r in cited)}/{len(cited)}; "
                   f"median answer time {_median([r['ask'].get('timings', {}).get('total_ms', 0) for r in mine]):.0f} ms")
        by = collections.defaultdict(collections.Counter)
        for r in mine:
            by[r["fmt"]][r["verdict"]] += 1
        for fmt, k in sorted(by.items()):
            if fmt == "near-miss":
                continue
            out.append(f"   {fmt:5s} {sum(k.values()):2d}: right {k['right']:2d} wrong {k['wrong']:2d} "
                       f"refused {k['refused']:2d}")
    return "\n".join(out)


def _median(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[len(xs) // 2] if xs else 0.0


def run(share: str, home: str, out: str, arms: str = "C,A") -> None:
    import ragtune
    from ragtune.appliance.answer import AnswerEngine
    from ragtune.appliance.config import Home, load_settings
    from ragtune.appliance.ingest.pipeline import ingest_paths

    print("ragtune from", ragtune.__file__, file=sys.stderr)
    picked = [a for a in arms.split(",") if a]
    if not picked or any(a not in ARMS for a in picked):
        raise SystemExit(f"ARMS: a comma list of {', '.join(ARMS)}, got {arms!r}")
    if not Path(share).is_dir() or not any(Path(share).iterdir()):
        runpy.run_path(str(HERE / "r54_parish_data.py"))["build"](Path(share))
    settings = load_settings(None, home=Home(Path(home)))
    s = ingest_paths(settings, [Path(share)])
    print("ingested", s.added, "failed", s.failed, file=sys.stderr)
    rows = []
    with AnswerEngine(settings) as engine, open(out, "w", encoding="utf-8") as fh:
        for arm in picked:
            for q in questions():
                t, cpu = time.time(), time.process_time()
                a = engine.ask(q["q"], adapter=ARMS[arm], use_cache=False).to_json()
                r = {**q, "arm": arm, "ask": a, "wall_s": time.time() - t, "cpu_s": time.process_time() - cpu}
                r["verdict"] = verdict(r)
                r["cites_gold"] = bool(q["file"]) and any(Path(c["source"]).name == q["file"]
                                                          for c in a.get("citations") or [])
                rows.append(r)
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
                fh.flush()
                print(arm, q["id"], r["verdict"], repr((a.get("answer") or "")[:60]), file=sys.stderr)
    print(table(rows))


def rescore(path: str) -> None:
    """Score a written file again, with the gold and forms as the data file lists them now."""
    now = {q["id"]: q for q in questions()}
    rows = [json.loads(line) for line in open(path, encoding="utf-8")]
    for r in rows:
        r.update(gold=now[r["id"]]["gold"], forms=now[r["id"]]["forms"])
        r["verdict"] = verdict(r)
    print(table(rows))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--rescore"]:
        rescore(sys.argv[2])
    else:
        run(*sys.argv[1:5])
