"""Round 55: yes/no questions answered with the sentence that rules on them (the answer lever of answer_yesno.py).
CC0, invented (benchmarks/r55_yesno_data.py: 4 rules documents in 4 formats, 40 yes/no questions, 8 controls of other
kinds), written before the lever was.

    PYTHONPATH=<tree> python benchmarks/r55_yesno.py SHARE HOME OUT.jsonl

Writes the share into SHARE when it is missing or empty, ingests it into HOME (use a fresh one) with the real default
appliance (arm C: its default adapter) and asks every question once, in one process, without the answer cache. One
JSON line per question; then the table. A yes/no answer is right when every word group of its `need` (the words that
decide it) is in it, normalised as benchmarks/r54_parish.py normalises; "whole" counts answers that hold the ruling
sentence (or row) whole. Controls are not scored: `--compare A.jsonl B.jsonl` lists every question whose answer,
status or citations differ between two runs (the controls must not).
`python benchmarks/r55_yesno.py --rescore OUT.jsonl` scores a written file again. `--data MODULE` before the rest runs
any of these over another data file in this folder (`--data r57_yesno_more_data.py --rescore OUT.jsonl`)."""
from __future__ import annotations

import collections
import json
import runpy
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
_parish = runpy.run_path(str(HERE / "r54_parish.py"))
normalise = _parish["normalise"]


DATA = "r55_yesno_data.py"


def questions(data: str = DATA) -> list[dict]:
    """The questions of `data` (a file beside this one): Q, its optional NEAR (yes/no questions its documents do not
    rule on: right when refused; benchmarks/r56_yesno_check.py) and CONTROL."""
    d = runpy.run_path(str(HERE / data))
    return ([dict(id=i, file=f, fmt=Path(f).suffix[1:], q=q, rule=r, need=n, yesno=True) for i, f, q, r, n in d["Q"]]
            + [dict(id=i, file=f, fmt=Path(f).suffix[1:], q=q, rule=None, need=[], yesno=False, near=True)
               for i, f, q in d.get("NEAR", [])]
            + [dict(id=i, file=f, fmt=Path(f).suffix[1:], q=q, rule=None, need=[], yesno=False)
               for i, f, q in d["CONTROL"]])


def verdict(row: dict) -> str:
    a = row["ask"]
    if row.get("near"):
        return "near-refused" if a.get("status") != "ok" else "near-answered"
    if not row["yesno"]:
        return "control"
    if a.get("status") != "ok":
        return "refused"
    text = f" {normalise(a.get('answer') or '')} "
    return "right" if all(f" {normalise(n)} " in text for n in row["need"]) else "wrong"


def whole(row: dict) -> bool:
    return bool(row["rule"]) and row["ask"].get("status") == "ok" and \
        normalise(row["rule"]) in normalise(row["ask"].get("answer") or "")


def table(rows: list[dict]) -> str:
    yn = [r for r in rows if r["yesno"]]
    c = collections.Counter(r["verdict"] for r in yn)
    near = collections.Counter(r["verdict"] for r in rows if r.get("near"))
    out = [f"yes/no {len(yn)}: right {c['right']} wrong {c['wrong']} refused {c['refused']} | "
           f"ruling sentence whole {sum(whole(r) for r in yn)} | controls {len(rows) - len(yn) - sum(near.values())}"]
    if near:
        out.append(f"near misses {sum(near.values())}: refused {near['near-refused']} answered {near['near-answered']}")
    by = collections.defaultdict(collections.Counter)
    for r in yn:
        by[r["fmt"]][r["verdict"]] += 1
    for fmt, k in sorted(by.items()):
        out.append(f"   {fmt:5s} {sum(k.values()):2d}: right {k['right']:2d} wrong {k['wrong']:2d} "
                   f"refused {k['refused']:2d}")
    return "\n".join(out)


def run(share: str, home: str, out: str, data: str = DATA) -> None:
    import ragtune
    from ragtune.appliance.answer import AnswerEngine
    from ragtune.appliance.config import Home, load_settings
    from ragtune.appliance.ingest.pipeline import ingest_paths

    print("ragtune from", ragtune.__file__, file=sys.stderr)
    if not Path(share).is_dir() or not any(Path(share).iterdir()):
        runpy.run_path(str(HERE / data))["build"](Path(share))
    settings = load_settings(None, home=Home(Path(home)))
    s = ingest_paths(settings, [Path(share)])
    print("ingested", s.added, "failed", s.failed, file=sys.stderr)
    rows = []
    with AnswerEngine(settings) as engine, open(out, "w", encoding="utf-8") as fh:
        for q in questions(data):
            t, cpu = time.time(), time.process_time()
            a = engine.ask(q["q"], use_cache=False).to_json()
            r = {**q, "ask": a, "wall_s": time.time() - t, "cpu_s": time.process_time() - cpu}
            r["verdict"] = verdict(r)
            rows.append(r)
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
            fh.flush()
            print(q["id"], r["verdict"], repr((a.get("answer") or "")[:80]), file=sys.stderr)
    print(table(rows))


def _load(path: str, data: str = DATA) -> list[dict]:
    now = {q["id"]: q for q in questions(data)}
    rows = [json.loads(line) for line in open(path, encoding="utf-8")]
    for r in rows:
        r.update({k: now[r["id"]].get(k) for k in ("rule", "need", "yesno", "near")})
        r["verdict"] = verdict(r)
    return rows


def compare(a: str, b: str, data: str = DATA) -> None:
    """Every question whose status, answer or cited sources differ between run `a` and run `b`."""
    key = lambda r: (r["ask"].get("status"), r["ask"].get("answer"),  # noqa: E731
                     sorted(c["source"] for c in r["ask"].get("citations") or []))
    before = {r["id"]: r for r in _load(a, data)}
    changed = 0
    for r in _load(b, data):
        old = before.get(r["id"])
        if old is not None and key(old) != key(r):
            changed += 1
            kind = "near miss" if r.get("near") else "yes/no" if r["yesno"] else "control"
            print(f"{r['id']} ({kind}) {old['verdict']} -> {r['verdict']}\n"
                  f"   {old['ask'].get('answer')!r}\n   {r['ask'].get('answer')!r}")
    print(f"{changed} of {len(before)} changed")


def main(argv: list[str]) -> None:
    """The command line (the module docstring); `--data MODULE` first runs it over another data file beside this one
    (benchmarks/r57_yesno_more.py passes its own)."""
    data = DATA
    if argv[:1] == ["--data"]:
        data, argv = argv[1], argv[2:]
    if argv[:1] == ["--rescore"]:
        print(table(_load(argv[1], data)))
    elif argv[:1] == ["--compare"]:
        compare(argv[1], argv[2], data)
    else:
        run(*argv[:3], data=data)


if __name__ == "__main__":
    main(sys.argv[1:])
