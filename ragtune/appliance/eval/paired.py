"""Paired comparison of two sets of answers to the same questions: which questions flipped, and whether the net
change is larger than chance.

Two arms (or two runs) answering the same questions are compared question by question, not rate against rate: only
the questions one side got right and the other wrong (the discordant pairs) carry information. Under "no
difference" each discordant question is a fair coin, so the net (up − down) is judged by the exact two-sided sign
test (McNemar's exact test). The interval on the difference is Agresti–Min's adjusted Wald interval for paired
proportions (0.5 added to each cell), which behaves at small counts. A 135M model flips a few percent of its
answers on any change at all, even a more faithful rounding of the same adapter (benchmarks/README.md, round 21),
so a net of a handful of questions on 400 is usually noise: this module says so with a number.

The per-question rows an eval run writes (`items.jsonl` beside report.json) are what `ragtune eval compare` reads;
for a run made before that file existed they are rebuilt from what the home's store keeps of the run (`eval_items`)
and its dataset read again (`rows_from_store`).
"""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Sequence

from ..errors import InputError
from ..jsonl import expect_object, iter_jsonl, read_json_object
from ..store import json_dumps
from .losses import OUTCOMES, classify, where
from .metrics import METRICS_CHANGES, METRICS_VERSION, score_item
from .paired_latency import deltas, finite_ms, paired_latency

ITEMS_FILE = "items.jsonl"
ALPHA = 0.05
_Z = 1.959963984540054  # two-sided 95 %


# -- statistics -----------------------------------------------------------------------------------------------------
def sign_test_p(up: int, down: int) -> float:
    """Exact two-sided p-value of `up` against `down` discordant pairs under a fair coin (1.0 when there are none)."""
    d, k = up + down, min(up, down)
    if d == 0:
        return 1.0
    tail = sum(math.comb(d, i) for i in range(k + 1)) / 2 ** d
    return min(1.0, 2 * tail)


def min_net_significant(discordant: int, alpha: float = ALPHA) -> int | None:
    """The smallest |up − down| that the sign test calls significant with this many discordant pairs (None: none
    can, e.g. 5 or fewer flips)."""
    for k in range(discordant // 2, -1, -1):
        if sign_test_p(k, discordant - k) < alpha:
            return discordant - 2 * k
    return None


def wilson(k: int, n: int) -> tuple[float, float] | None:
    """95 % Wilson interval of a rate k/n (None when n = 0)."""
    if n <= 0:
        return None
    p = k / n
    den = 1 + _Z ** 2 / n
    mid = (p + _Z ** 2 / (2 * n)) / den
    half = _Z * math.sqrt(p * (1 - p) / n + _Z ** 2 / (4 * n * n)) / den
    return (0.0 if k == 0 else max(0.0, mid - half)), (1.0 if k == n else min(1.0, mid + half))


def paired_stats(base: Sequence[bool], new: Sequence[bool]) -> dict[str, Any]:
    """Paired outcome of two equally long lists of right/wrong: counts, rates, the difference (new − base, 0..1
    units) with its 95 % interval, the sign test's p and the net it would take to be significant."""
    if len(base) != len(new):
        raise ValueError("paired lists differ in length")
    return stats_from_counts(both_right=sum(1 for b, x in zip(base, new) if b and x),
                             up=sum(1 for b, x in zip(base, new) if x and not b),
                             down=sum(1 for b, x in zip(base, new) if b and not x),
                             both_wrong=sum(1 for b, x in zip(base, new) if not b and not x))


def pooled(stats: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Independent sets judged as one: the four counts added, then the same statistics."""
    stats = list(stats)
    return stats_from_counts(**{k: sum(s[k] for s in stats) for k in ("both_right", "up", "down", "both_wrong")})


def stats_from_counts(*, both_right: int, up: int, down: int, both_wrong: int) -> dict[str, Any]:
    """The paired statistics of the four cells (see paired_stats)."""
    n = both_right + up + down + both_wrong
    out: dict[str, Any] = {"n": n, "both_right": both_right, "up": up, "down": down, "both_wrong": both_wrong,
                           "base_rate": (both_right + down) / n if n else None,
                           "new_rate": (both_right + up) / n if n else None,
                           "delta": (up - down) / n if n else None, "ci95": None,
                           "p_value": sign_test_p(up, down), "min_net_significant": min_net_significant(up + down)}
    if n:
        # Agresti & Min (2005): add 0.5 to each of the four cells, then the Wald interval of the paired difference.
        b2, c2, n2 = up + 0.5, down + 0.5, n + 2
        diff = (b2 - c2) / n2
        se = math.sqrt(max((b2 + c2) - (b2 - c2) ** 2 / n2, 0.0)) / n2
        out["ci95"] = [max(-1.0, diff - _Z * se), min(1.0, diff + _Z * se)]
    out["significant"] = out["p_value"] < ALPHA
    return out


def verdict(s: dict[str, Any], base_name: str = "base", new_name: str = "new") -> str:
    """One line a person can read: which side is better, or that the difference is within noise."""
    if not s["n"]:
        return "no questions in common"
    flips = f"{s['up']} up, {s['down']} down of {s['n']}"
    need = s["min_net_significant"]
    if s["significant"]:
        better = new_name if s["up"] > s["down"] else base_name
        return f"{better} is better: {flips}, p = {s['p_value']:.3g}"
    bar = (f"a net of {need} would be" if need is not None else "no net could be")
    return f"no difference shown: {flips}, p = {s['p_value']:.2f} ({bar} significant at 5 %)"


# -- per-question rows ------------------------------------------------------------------------------------------------
_ROW_KEYS = {"arm": str, "qid": str, "status": str}
_OPTIONAL_KEYS = {"question": str, "answer": str, "gold": list, "cited": list, "f1": (int, float), "run": str,
                  "latency_ms": (int, float)}
_TYPE_NAMES = {"question": "string", "answer": "string", "gold": "list of strings", "cited": "list of strings",
               "f1": "number", "run": "string (a run id)", "latency_ms": "number (milliseconds)"}


def question_rows(items: Iterable[dict[str, Any]], arm_names: Iterable[str],
                  stored: dict[tuple[str, str], dict[str, Any]], *, f1_threshold: float,
                  scores: dict[tuple[str, str], dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """One scored row per answered (arm, question), in question order: what `eval compare` pairs on. `scores`:
    filled with each (arm, qid)'s score_item, for metrics.aggregate to reuse (scoring is most of a report's time)."""
    rows = []
    names = list(arm_names)
    for it in items:
        for arm in names:
            res = stored.get((arm, it["qid"]))
            if res is None:
                continue
            s = score_item(it, res, f1_threshold=f1_threshold)
            if scores is not None:
                scores[(arm, it["qid"])] = s
            rows.append({"arm": arm, "qid": it["qid"], "question": it.get("question", ""),
                         "answerable": it.get("answerable"), "gold": list(it.get("answers") or [])[:3],
                         "status": s["status"], "correct": s["correct"], "f1": round(float(s["f1"] or 0.0), 4),
                         "hallucinated": s["hallucinated"], "answer": str(res.get("answer") or "")[:300],
                         "cited": list(res.get("cited_ids") or []), **_timed(res),
                         **classify(it, res, s["correct"], f1_threshold)})  # where it was lost (losses.py)
    return rows


def _timed(res: dict[str, Any]) -> dict[str, float]:
    """{"latency_ms": the answer's end-to-end time} for `eval compare`'s paired latency; {} for an error or an
    answer without one (the arms' latency percentiles leave errors out too)."""
    t = res.get("timings")
    ms = finite_ms(t.get("total_ms")) if isinstance(t, dict) and res.get("status") != "error" else None
    return {"latency_ms": round(ms, 1)} if ms is not None else {}


def row_lines(rows: Iterable[dict[str, Any]], run_id: str | None = None) -> Iterable[str]:
    """The lines of an items.jsonl, one at a time (report.write_reports writes them beside the reports)."""
    tag = {"run": run_id} if run_id else {}
    return (json_dumps({**r, **tag}) + "\n" for r in rows)


def read_rows(path: Path) -> list[dict[str, Any]]:
    """The rows of an items.jsonl, each checked (InputError naming file and line)."""
    rows = []
    seen: dict[tuple[str, str], int] = {}
    run: tuple[str, int] | None = None  # the run the rows name (rows written before they did name none)
    for at, n, value in iter_jsonl(path):
        obj = expect_object(value, at)
        for key, typ in _ROW_KEYS.items():
            if not isinstance(obj.get(key), typ):
                raise InputError(f"{at}: '{key}' must be a {typ.__name__}")
        for key, typ in _OPTIONAL_KEYS.items():  # what compare prints and sums: a wrong type must not crash it
            if key in obj and not (isinstance(obj[key], typ) and not isinstance(obj[key], bool)):
                raise InputError(f"{at}: '{key}' must be a {_TYPE_NAMES[key]}")
        for key in ("gold", "cited"):
            if key in obj and not all(isinstance(x, str) for x in obj[key]):
                raise InputError(f"{at}: '{key}' must be a list of strings")
        if "run" in obj:
            run = run or (obj["run"], n)
            if obj["run"] != run[0]:
                raise InputError(f"{at}: a row of run {obj['run']}, but line {run[1]} is of run {run[0]}: the "
                                 f"file mixes runs (an eval run writes it whole: run it again to rewrite it)")
        first = seen.setdefault((obj["arm"], obj["qid"]), n)
        if first != n:  # two answers to one question: which one counts would be a guess
            raise InputError(f"{at}: arm {obj['arm']} question {obj['qid']} again (first on line {first})")
        for key in ("correct", "answerable", "shown", "withheld"):
            if obj.get(key) is not None and not isinstance(obj[key], bool):
                raise InputError(f"{at}: '{key}' must be true, false or null")
        if obj.get("outcome") is not None and obj["outcome"] not in OUTCOMES:
            raise InputError(f"{at}: 'outcome' must be one of {', '.join(OUTCOMES)}")
        if obj.get("reason") is not None and not isinstance(obj["reason"], str):
            raise InputError(f"{at}: 'reason' must be a string or null")
        rows.append(obj)
    return rows


# -- comparing two runs -------------------------------------------------------------------------------------------------
def resolve_run(path: str | Path, *, missing_ok: bool = False) -> tuple[Path, Path | None]:
    """A report folder, its report.json or its items.jsonl → (items.jsonl, report.json or None). `missing_ok`: an
    items.jsonl not there is the caller's to read otherwise (rows_from_store), else an InputError."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: not found (give a report folder of `ragtune eval run`, its report.json or items.jsonl)")
    folder = p if p.is_dir() else p.parent
    items = p if p.is_file() and p.suffix == ".jsonl" else folder / ITEMS_FILE
    report = folder / "report.json"
    if not items.is_file() and not missing_ok:
        raise _no_items(items, report if report.is_file() else None)
    return items, report if report.is_file() else None


def _no_items(items: Path, report: Path | None) -> InputError:
    """What to do about a run folder without items.jsonl. A re-run of `eval run` writes it only when this ragtune
    gives the run the same id (same answer settings and run format): after an upgrade it is a new run, answered
    again. The answers of the old run are in the store of the home that made it."""
    rid = read_json_object(report).get("run_id") if report is not None else None
    named = f" (run {rid})" if isinstance(rid, str) else ""
    return InputError(f"{items}: not found: compare reads the {ITEMS_FILE} an eval run writes beside its report, or, "
                      f"for a run made before that file existed, the run's answers in the store of the home that "
                      f"made it{named}: that home was not given, or does not have the run",
                      hint="give the home that made the run (`ragtune --home HOME eval compare …`); else answer the "
                           "questions again with `ragtune eval run` and compare that run (a re-run resumes the old "
                           "run only when this ragtune gives it the same run id: after an upgrade it is a new one)")


def rows_from_store(report: Path, home: Any) -> list[dict[str, Any]] | None:
    """The rows of a run made before items.jsonl existed, rebuilt: its answers from the store of `home` (the run
    its report.json names), scored against its dataset read again (the same split, sample and F1 threshold), which
    must be the one it answered (its identity). None when the home's store does not have that run."""
    made = read_json_object(report)
    rid = made.get("run_id")
    if home is None or not isinstance(rid, str) or not Path(home.db_path).is_file():
        return None
    from ..store.health import open_as_is
    from .datasets import load_dataset, sample, split_items

    with open_as_is(home.db_path) as st:  # a plain read-only open would leave -wal/-shm beside an idle home
        cfg = st.eval_run_config(rid)
        if cfg is None:
            return None
        stored = st.eval_items(rid)
    ds = cfg.get("dataset") if isinstance(cfg.get("dataset"), dict) else {}
    why = f"{report}: no {ITEMS_FILE} beside it, and the answers of run {rid} in {home.db_path} cannot be scored again"
    if ds.get("kind") == "replay":
        raise InputError(f"{why}: it replayed the query log as it was then", hint="run `ragtune eval run --replay` "
                         "again and compare that run")
    try:
        dataset = load_dataset(ds.get("path"))
    except InputError as exc:
        raise InputError(f"{why}: its dataset does not read now ({exc.message})",
                         hint="put the dataset back where the run read it, or run the eval again") from None
    if dataset.identity != ds.get("identity"):
        raise InputError(f"{why}: its dataset {ds.get('path')} changed since (identity {str(ds.get('identity'))[:12]}, "
                         f"now {dataset.identity[:12]})", hint="put the dataset the run answered back, or run the "
                                                                "eval again")
    items = sample(split_items(dataset.items, cfg.get("split")), cfg.get("limit"), int(cfg.get("seed") or 0))
    criteria = made.get("criteria")
    f1 = criteria.get("f1_threshold") if isinstance(criteria, dict) else None
    if not isinstance(f1, (int, float)) or isinstance(f1, bool):
        from ..config import EvalConfig

        f1 = EvalConfig().f1_threshold
    arms = cfg.get("arms") if isinstance(cfg.get("arms"), list) else sorted({a for a, _ in stored})
    return [{**r, "run": rid} for r in question_rows(items, arms, stored, f1_threshold=float(f1))]


def rows_by_qid(rows: list[dict[str, Any]], arm: str) -> dict[str, dict[str, Any]]:
    """One arm's rows by question id."""
    return {r["qid"]: r for r in rows if r["arm"] == arm}


def by_question(rows: list[dict[str, Any]], arm: str, where: Path) -> dict[str, dict[str, Any]]:
    """rows_by_qid of a file read back, which must hold that arm."""
    mine = rows_by_qid(rows, arm)
    if not mine:
        arms = sorted({r["arm"] for r in rows})
        raise InputError(f"{where}: no answers of arm {arm} (it has {', '.join(arms) or 'none'})")
    return mine


def _side(row: dict[str, Any]) -> dict[str, Any]:
    """One side of a flipped question: its status and answer, and where it was lost (rows written before
    losses.py have no outcome)."""
    return {"status": row["status"], "answer": row.get("answer", ""), "where": where(row)}


def compare_rows(base: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Paired statistics over the questions both sides answered and that have a label: all of them (task success),
    the answerable ones (answered right), the unanswerable ones (refused), plus the flipped questions."""
    common = [q for q in base if q in new and base[q].get("correct") is not None and new[q].get("correct") is not None]
    out: dict[str, Any] = {"n_paired": len(common), "base_only": sum(q not in new for q in base),
                           "new_only": sum(q not in base for q in new)}
    groups = {"task_success": common,
              "answerable": [q for q in common if base[q].get("answerable") is True],
              "unanswerable": [q for q in common if base[q].get("answerable") is False]}
    for name, qs in groups.items():
        out[name] = paired_stats([bool(base[q]["correct"]) for q in qs], [bool(new[q]["correct"]) for q in qs])
    out["flips"] = [{"qid": q, "direction": "up" if new[q]["correct"] else "down",
                     "question": base[q].get("question", ""), "answerable": base[q].get("answerable"),
                     "gold": base[q].get("gold") or [],
                     "base": _side(base[q]), "new": _side(new[q])}
                    for q in common if bool(base[q]["correct"]) != bool(new[q]["correct"])]
    # where the flipped questions were lost: by BASE for those NEW gained, by NEW for those it lost
    out["flips_from"] = {d: dict(Counter(f["base" if d == "up" else "new"]["where"] for f in out["flips"]
                                         if f["direction"] == d).most_common()) for d in ("up", "down")}
    return out


def compare_runs(base_path: str | Path, new_path: str | Path | None = None, *, arm: str = "C",
                 base_arm: str | None = None, home: Any = None, timed: list[Any] | None = None) -> dict[str, Any]:
    """Compare arm `base_arm` (default: `arm`) of the run at `base_path` with arm `arm` of the run at `new_path`
    (default: the same run, e.g. C against A of one run). `home`: where a run without items.jsonl is looked for
    (rows_from_store). `timed`: gets the latency pairs (paired_latency.deltas), for compare_many to pool."""
    base_items, base_report = resolve_run(base_path, missing_ok=home is not None)
    new_items, new_report = (resolve_run(new_path, missing_ok=home is not None) if new_path is not None
                             else (base_items, base_report))
    base_arm = base_arm or arm
    if base_items.resolve() == new_items.resolve() and base_arm == arm:
        raise InputError(f"{_shown(base_items)}: comparing arm {arm} with itself" + (
            ": both runs named are this one; name another run, or compare two arms of it with --base-arm"
            if new_path is not None else ": name a second run, or --base-arm"))
    identities = [_identity(r) for r in (base_report, new_report)]
    if None not in identities and identities[0] != identities[1]:
        raise InputError(f"{base_path} and {new_path} answered different datasets "
                         f"({identities[0][:12]} vs {identities[1][:12]}): their questions cannot be paired")
    base_rows = _rows(base_items, base_report, home)
    new_rows = base_rows if new_items == base_items else _rows(new_items, new_report, home)
    _same_run(base_rows, base_items, base_report)
    _same_run(new_rows, new_items, new_report)
    base = by_question(base_rows, base_arm, base_items)
    new = by_question(new_rows, arm, new_items)
    out = compare_rows(base, new)
    lat = deltas(base, new)  # every question both timed, labelled or not
    out["latency"] = paired_latency(*lat)
    if timed is not None:
        timed.append(lat)
    if not out["n_paired"]:
        raise InputError(f"{_shown(base_items)} and {_shown(new_items)} share no labelled question: were they run on different "
                         f"samples (--limit, --split, --seed)?")
    # without a report.json beside the rows nothing says which dataset they answered: pairing by question id
    # is then on trust, and the comparison says so
    unchecked = [] if new_path is None else [items for items, ident in zip((base_items, new_items), identities)
                                             if ident is None]  # (two arms of one run answered one dataset)
    out["notes"] = [f"{items}: no report.json naming its dataset beside it: the dataset was not checked, the "
                    f"questions are paired by id alone" for items in dict.fromkeys(unchecked)]
    for items, rows in {base_items: base_rows, new_items: new_rows}.items():
        if not items.is_file():  # rows_from_store rebuilt them: said, so the numbers are not taken for the file's
            out["notes"].append(f"{items.parent}: the run predates per-item records (no {ITEMS_FILE}: made before "
                                f"eval run wrote one); compared instead: its rows rebuilt from the answers of run "
                                f"{rows[0].get('run')} in {home.db_path}, scored against its dataset read again")
    scored = [_metrics_version(i, r) for i, r in ((base_items, base_report), (new_items, new_report))]
    if None not in scored and scored[0] != scored[1]:  # each version alone moves scores on some text
        lo, hi = sorted(scored)
        flips = " and ".join(text for v, text in sorted(METRICS_CHANGES.items()) if lo < v <= hi) or "some answers"
        out["notes"].append(f"scored by different answer metrics (version {scored[0]} vs {scored[1]}: "
                            f"the scoring changed, docs/eval.md): {flips} may flip for that reason alone; run the "
                            f"older eval again to compare like with like")
    out["base"] = {"path": _shown(base_items), "arm": base_arm, "n": len(base)}
    out["new"] = {"path": _shown(new_items), "arm": arm, "n": len(new)}
    return out


def _shown(items: Path) -> str:
    """How a run is named: its items.jsonl, or the run's folder when that file is not there (a run made before it
    was written: its rows came from the store), never a path that does not exist."""
    return str(items if items.is_file() or not items.parent.is_dir() else items.parent)


def _rows(items: Path, report: Path | None, home: Any) -> list[dict[str, Any]]:
    """The rows of items.jsonl, else of the run in the home's store; else the error that says what to do."""
    if items.is_file():
        return read_rows(items)
    rows = rows_from_store(report, home) if report is not None else None
    if rows is None:
        raise _no_items(items, report)
    return rows


def compare_many(pairs: Sequence[tuple[str | Path, str | Path | None]], *, arm: str = "C",
                 base_arm: str | None = None, home: Any = None) -> dict[str, Any]:
    """compare_runs for each (base, new) pair, and the statistics of all their questions pooled (independent sets
    judged as one: a lever must gain in general, not on one set)."""
    timed: list[Any] = []
    results = [compare_runs(b, n, arm=arm, base_arm=base_arm, home=home, timed=timed) for b, n in pairs]
    flips_from = {d: dict(sum((Counter(r["flips_from"][d]) for r in results), Counter()).most_common())
                  for d in ("up", "down")}
    return {"pairs": results,
            "pooled": {**{key: pooled(r[key] for r in results) for key in ("task_success", "answerable", "unanswerable")},
                       "flips_from": flips_from,
                       "latency": paired_latency(*([x for t in timed for x in t[i]] for i in range(3)))}}


def _same_run(rows: list[dict[str, Any]], items: Path, report: Path | None) -> None:
    """The rows must be the answers of the run whose report.json lies beside them (when both say which run)."""
    named = next((r["run"] for r in rows if "run" in r), None)
    if named is None or report is None:
        return
    rid = read_json_object(report).get("run_id")
    if isinstance(rid, str) and rid != named:
        raise InputError(f"{items}: answers of run {named}, but {report.name} beside it is run {rid}: the two files "
                         f"are of different runs (run the eval again to rewrite both)")


def _metrics_version(items: Path, report: Path | None) -> int | None:
    """The METRICS_VERSION that scored the rows: the report's (1: a report before the field), this code's for rows
    rebuilt from the store now; None: no report to say."""
    if not items.is_file():
        return METRICS_VERSION
    if report is None:
        return None
    v = read_json_object(report).get("metrics_version", 1)
    return v if isinstance(v, int) else None


def _identity(report: Path | None) -> str | None:
    """The dataset identity a report.json records (None: no report beside the rows)."""
    if report is None:
        return None
    dataset = read_json_object(report).get("dataset")
    if not isinstance(dataset, dict):
        raise InputError(f"{report}: not an eval report (no 'dataset' object)")
    identity = dataset.get("identity")
    if identity is not None and not isinstance(identity, str):
        raise InputError(f"{report}: dataset.identity must be a string (the dataset's sha256), got "
                         f"{type(identity).__name__}")
    return identity


__all__ = ["ITEMS_FILE", "compare_many", "compare_rows", "compare_runs", "min_net_significant", "paired_stats",
           "pooled", "question_rows", "read_rows", "resolve_run", "rows_by_qid", "rows_from_store", "sign_test_p",
           "row_lines", "stats_from_counts", "verdict", "wilson"]
