"""Training lines that ask an evaluation set's questions: a cheap word n-gram check (round 47).

An adapter trained on the questions it is then scored on measures memory, not behaviour, and nothing in a
`dataset build` or `dataset merge` of hand-written lines says so. The sets checked are the ones the home has
evaluated on (`ragtune eval run` records each run's set in its config as it starts) and any given with
`--eval-set`. Only questions are compared: training on the documents an evaluation retrieves from is the
point of an on-prem tune (facts stay in retrieval), asking it the same questions is not.

A training line matches an evaluation question when their normalised words are the same, or when at least
`NEAR` of the training question's word 4-grams are the evaluation question's (a question copied with a word
changed or appended). Lines are kept: whether a match is a leak or a common question is a person's call."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from ragtune.appliance.errors import RagtuneError

from .dataset import _norm

N = 4  # words per n-gram: a question is ~10 words, so one changed word leaves most 4-grams intact
NEAR = 0.7
MIN_WORDS = 5  # shorter questions ("what is the fare?") match only when equal: their n-grams are too common


def _grams(words: list[str]) -> set[tuple[str, ...]]:
    return {tuple(words[i:i + N]) for i in range(len(words) - N + 1)}


def home_eval_sets(home: Any) -> list[str]:
    """The sets (BEIR folders, training-format JSONL files) the home's recorded evaluation runs asked, newest
    first, from each run's recorded config (`Store.eval_datasets`: there as a run starts, so a run cut off before
    its report.json is checked too); a run whose config names no set, by its report.json as before. Replays (the
    query log itself) are passed over. Never creates a home or a database."""
    from ragtune.appliance.jsonl import read_json_object
    from ragtune.appliance.store import Store

    db = Path(home.db_path)
    if not db.is_file():
        return []
    try:
        with Store(db, readonly=True) as store:
            recorded = store.eval_datasets()
    except RagtuneError:  # an old or damaged database: the check is advice, never a reason to stop a build
        return []
    found: list[str] = []
    for ds in recorded:
        if ds["path"] is None and ds.get("out"):  # no set in its config: what its report says, if it has one
            try:
                ds = read_json_object(Path(ds["out"]) / "report.json").get("dataset")
            except RagtuneError:
                continue
        if isinstance(ds, dict) and ds.get("kind") in ("beir", "jsonl") and isinstance(ds.get("path"), str):
            if ds["path"] not in found:
                found.append(ds["path"])
    return found


def eval_questions(paths: Iterable[str]) -> tuple[list[tuple[str, str, str]], list[str]]:
    """([(set path, qid, question)], notes on sets that could not be read) for evaluation sets as `eval run` reads
    them."""
    from ragtune.appliance.eval.datasets import load_dataset

    rows: list[tuple[str, str, str]] = []
    notes: list[str] = []
    for path in paths:
        try:
            ds = load_dataset(path)
        except RagtuneError as exc:
            notes.append(f"{path}: not checked ({exc.message})")
            continue
        rows += [(str(path), str(it.get("qid")), str(it.get("question") or "")) for it in ds.items]
    return rows, notes


def overlap(lines: Iterable[tuple[str, dict[str, Any]]], questions: list[tuple[str, str, str]]) -> dict[str, Any]:
    """Which training lines (file:line, example) ask an evaluation question: counts per set and the first 20
    matches, "WHERE: same question as SET#QID" or "… near …"."""
    exact: dict[str, tuple[str, str]] = {}
    by_gram: dict[tuple[str, ...], set[int]] = {}
    for i, (path, qid, q) in enumerate(questions):
        words = _norm(q).split()
        if not words:
            continue
        exact.setdefault(" ".join(words), (path, qid))
        if len(words) >= MIN_WORDS:
            for g in _grams(words):
                by_gram.setdefault(g, set()).add(i)
    per_set: dict[str, int] = {}
    examples: list[str] = []
    n = 0
    for where, ex in lines:
        p = ex.get("prompt") if isinstance(ex, dict) else None  # `dataset report` passes invalid lines too
        words = _norm(str(p.get("user") or "")).split() if isinstance(p, dict) else []
        hit, how = exact.get(" ".join(words)), "the same question as"
        if hit is None and len(words) >= MIN_WORDS:
            grams = _grams(words)
            counts: dict[int, int] = {}
            for g in grams:
                for i in by_gram.get(g, ()):
                    counts[i] = counts.get(i, 0) + 1
            best = max(counts.items(), key=lambda kv: (kv[1], -kv[0]), default=None)
            if best is not None and best[1] >= NEAR * len(grams):
                hit, how = questions[best[0]][:2], "nearly the question of"
        if hit is None:
            continue
        n += 1
        per_set[hit[0]] = per_set.get(hit[0], 0) + 1
        if len(examples) < 20:
            examples.append(f"{where}: {how} {hit[0]}#{hit[1]}")
    return {"lines": n, "by_set": per_set, "examples": examples}


def check(lines: list[tuple[str, dict[str, Any]]], home: Any, given: Iterable[str] = ()) -> dict[str, Any] | None:
    """The overlap of `lines` with the home's evaluation sets and the `given` ones ("sets", "notes" added), or None
    when there is no set to check against."""
    sets = list(dict.fromkeys([*[str(g) for g in given], *home_eval_sets(home)]))
    if not sets:
        return None
    questions, notes = eval_questions(sets)
    return {**overlap(lines, questions), "sets": sets, "questions": len(questions), "notes": notes}


def warning(result: dict[str, Any] | None) -> str | None:
    """The `warning:` line for a check's result, or None when nothing matched."""
    if not result or not result["lines"]:
        return None
    sets = ", ".join(f"{s} ({n})" for s, n in result["by_set"].items())
    first = result["examples"][0]
    return (f"warning: {result['lines']} training line(s) ask a question of an evaluation set ({sets}): an adapter "
            f"trained on them is scored on what it memorised; first: {first}. Take them out of the training data, "
            "or evaluate on other questions")


__all__ = ["check", "eval_questions", "home_eval_sets", "overlap", "warning"]
