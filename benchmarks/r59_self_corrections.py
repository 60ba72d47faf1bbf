"""Round 59: the disfluency repair on self-corrections it still got wrong (benchmarks/r59_self_corrections_data.py,
CC0, invented: multi-word noun phrases replaced, spaced hyphenated names, editing terms missed, repairs that point
back), and fluent questions that must not change. No model: the normalised question is compared with the wanted
one, exactly.

    PYTHONPATH=<tree> python benchmarks/r59_self_corrections.py                 # counts, and every miss
    PYTHONPATH=<tree> python benchmarks/r59_self_corrections.py --base <tree0> --corpus <corpus-dev folder>

With --base, the same counts from the tree <tree0> (before), and every fluent question of the corpus dev
calibration half (--corpus: its queries.jsonl, the "dev" split, every style but "disfluent") and of
benchmarks/r54_parish_data.py normalised by both trees: the count whose normalised form changed (must be 0).

    PYTHONPATH=<tree> python benchmarks/r59_self_corrections.py --write-beir /tmp/x/beir
    PYTHONPATH=<tree> python -m ragtune eval retrieval /tmp/x/beir --home /tmp/x/home --json

(c): the retrieval set, self-corrected questions over short notes, scored by each tree."""
from __future__ import annotations

import argparse
import json
import os
import runpy
import subprocess
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _normalise_all(texts: list[str]) -> list[str]:
    from ragtune.appliance.normalize import normalize_query
    return [normalize_query(t) for t in texts]


def _in_tree(tree: str, texts: list[str]) -> list[str]:
    """normalize_query of each text, imported from `tree` in a child process (run from a folder other than the tree
    the script lives in, so the current directory does not shadow it)."""
    code = ("import json, sys\nfrom ragtune.appliance.normalize import normalize_query\n"
            "print(json.dumps([normalize_query(t) for t in json.load(sys.stdin)]))")
    env = dict(os.environ, PYTHONPATH=str(Path(tree).resolve()))
    out = subprocess.run([sys.executable, "-c", code], input=json.dumps(texts), capture_output=True, text=True,
                         env=env, cwd="/", check=True)
    return json.loads(out.stdout)


def _counts(rows: list[tuple[str, str, str]], got: list[str]) -> tuple[Counter, Counter, list[str]]:
    right: Counter = Counter()
    total: Counter = Counter()
    misses = []
    for (kind, raw, want), g in zip(rows, got):
        total[kind] += 1
        if g == want:
            right[kind] += 1
        else:
            misses.append(f"  [{kind}] {raw!r}\n      want {want!r}\n      got  {g!r}")
    return right, total, misses


def _line(title: str, right: Counter, total: Counter) -> str:
    kinds = [k for k in total if k != "fluent"]
    return (f"{title}: repairs {sum(right[k] for k in kinds)}/{sum(total[k] for k in kinds)} "
            f"({', '.join(f'{k} {right[k]}/{total[k]}' for k in kinds)}); "
            f"fluent unchanged {right['fluent']}/{total['fluent']}")


def _fluent_corpus(folder: Path) -> list[str]:
    import hashlib
    out = []
    for line in (folder / "queries.jsonl").read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        dev = hashlib.sha256(str(q["_id"]).encode()).digest()[0] % 2 == 0  # datasets.split_items' "dev" half
        if dev and q.get("metadata", {}).get("style") != "disfluent":
            out.append(q["text"])
    return out


def _write_beir(out: Path, docs: dict, queries: list) -> None:
    """corpus.jsonl, queries.jsonl and qrels/test.tsv for `ragtune eval retrieval OUT`."""
    (out / "qrels").mkdir(parents=True, exist_ok=True)
    with open(out / "corpus.jsonl", "w", encoding="utf-8") as f:
        for did, (title, text) in docs.items():
            f.write(json.dumps({"_id": did, "title": title, "text": text}) + "\n")
    with open(out / "queries.jsonl", "w", encoding="utf-8") as f:
        for n, (q, _) in enumerate(queries):
            f.write(json.dumps({"_id": f"q{n:02d}", "text": q}) + "\n")
    (out / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\n" + "".join(
        f"q{n:02d}\t{did}\t1\n" for n, (_, did) in enumerate(queries)), encoding="utf-8")


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", help="the tree before the change")
    ap.add_argument("--corpus", type=Path, help="the corpus dev BEIR folder (queries.jsonl)")
    ap.add_argument("-q", action="store_true", help="counts only")
    ap.add_argument("--write-beir", type=Path, help="write the retrieval set (DOCS, QUERIES) as a BEIR folder here")
    a = ap.parse_args(argv)
    data = runpy.run_path(str(HERE / "r59_self_corrections_data.py"))
    if a.write_beir:
        _write_beir(a.write_beir, data["DOCS"], data["QUERIES"])
        return
    sets = {"invented": list(data["DISFLUENT"]) + [("fluent", q, q) for q in data["FLUENT"]],
            "fresh (written after the rules)": list(data["DISFLUENT_FRESH"]) + [("fluent", q, q) for q in
                                                                               data["FLUENT_FRESH"]],
            "mend (round 59 slips)": list(data["DISFLUENT_MEND"]) + [("fluent", q, q) for q in data["FLUENT_MEND"]]}
    trees = ([("before", lambda t: _in_tree(a.base, t))] if a.base else []) + [("after", _normalise_all)]
    for title, fn in trees:
        for name, rows in sets.items():
            right, total, misses = _counts(rows, fn([r[1] for r in rows]))
            print(_line(f"{title}, {name}", right, total))
            if not a.q:
                print("\n".join(misses))
    if a.base:
        parish = [q[2] for q in runpy.run_path(str(HERE / "r54_parish_data.py"))["Q"]]
        parish += [q[1] for q in runpy.run_path(str(HERE / "r54_parish_data.py"))["NEAR"]]
        sets = {"r54 parish": parish}
        if a.corpus:
            sets["corpus dev calibration half, fluent"] = _fluent_corpus(a.corpus)
        for name, qs in sets.items():
            before, after = _in_tree(a.base, qs), _normalise_all(qs)
            changed = [(q, b, x) for q, b, x in zip(qs, before, after) if b != x]
            print(f"{name}: {len(qs)} questions, normalised form changed {len(changed)}")
            for q, b, x in changed:
                print(f"  {q!r}\n      before {b!r}\n      after  {x!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
