"""Near-duplicate training lines: one question written twice with a changed comma, case, a trailing "?" or one small
word swapped ("how do I …" / "how can I …"), with the same target (round 48).

Exact duplicates go in curation's dedup (`curate.example_hash`: case and white space folded). A line pasted again
with its punctuation changed is not one of them: it is trained twice (the example weighs double) and, split by date,
it can be trained on one side and scored on the other (the holdout loss then measures recall). Two lines are
near-duplicates when they have the same target (status and answer, case and white space folded) and their questions
are near-duplicates:
- the same *content words* in the same order: the question's words (lower-case letters and digits, `dataset._norm`)
  less FILLER (articles, present-tense auxiliaries, pronouns, "please"); question words, negations, tense, numbers
  and every other word count; or
- a Jaccard similarity of at least NEAR between their content-word shingles (the words and the word pairs), with
  the same numbers: a question of 10 or more content words whose last word changed (14 or more for a middle word). Shorter questions with a
  content word changed ("the red widget" / "the blue widget") are different questions.
Found with prefix filtering (each shingle set indexed by its rarest shingles), exact for the threshold: 50,000
questions in about a second on one core. Lines are kept and listed with both file:lines (which one to keep is a
person's call); the holdout split keeps a group on one side (`keep_together`)."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from .dataset import _norm, folded_ws

NEAR = 0.8
# words whose change leaves the question asked the same; question words, negations, tense and modals of obligation
# are not among them ("when"/"where", "not", "did"/"will", "must" ask something else)
FILLER = frozenset("a an the is are am be do does can could would i me my we our us you your please kindly tell "
                   "of for about there it its this that these those s just um uh hi hello".split())


def content_words(question: str) -> list[str]:
    return [w for w in _norm(question).split() if w not in FILLER]


def _shingles(words: list[str]) -> frozenset[str]:
    return frozenset(words) | frozenset(f"{a} {b}" for a, b in zip(words, words[1:]))


def question_groups(questions: list[str], near: float = NEAR) -> list[int]:
    """For each question, the index of the first question of its near-duplicate group (itself when none)."""
    parent = list(range(len(questions)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        a, b = find(i), find(j)
        if a != b:
            parent[max(a, b)] = min(a, b)  # the earlier line is the group's

    first: dict[str, int] = {}  # content words (or, with none, all the words) -> the first question with them
    keys: list[tuple[int, list[str]]] = []
    for i, q in enumerate(questions):
        words = content_words(q)
        key = " ".join(words) if words else "\0" + _norm(q)
        if key in first:
            union(first[key], i)
        else:
            first[key] = i
            if len(words) >= 2:
                keys.append((i, words))
    sets = [(i, _shingles(w), frozenset(x for x in w if not x.isalpha())) for i, w in keys]  # the numbers
    freq = Counter(s for _, sh, _ in sets for s in sh)
    # keyed by the numbers too: questions of one template ("ferry 12 … day 3") never meet unless their numbers do
    index: dict[tuple[frozenset[str], str], list[int]] = {}
    for n, (i, sh, nums) in enumerate(sets):
        ordered = sorted(sh, key=lambda s: (freq[s], s))  # rarest first: short posting lists
        prefix = ordered[:len(ordered) - math.ceil(near * len(ordered)) + 1]
        seen: set[int] = set()
        for s in prefix:
            for m in index.get((nums, s), ()):
                if m in seen:
                    continue
                seen.add(m)
                j, other, _ = sets[m]
                if min(len(sh), len(other)) < near * max(len(sh), len(other)):
                    continue
                inter = len(sh & other)
                if inter >= near * (len(sh) + len(other) - inter):
                    union(j, i)
            index.setdefault((nums, s), []).append(n)
    return [find(i) for i in range(len(questions))]


def line_groups(examples: list[dict[str, Any]], near: float = NEAR) -> list[int]:
    """For each training line, the index of the first line of its near-duplicate group: near-duplicate questions
    (`question_groups`) with the same status and answer (case and white space folded; the citations' ids depend
    on the sources' order, not on what is taught). Lines are bucketed by target first and questions grouped inside
    each bucket: grouping all questions first linked A and C through a B with another answer (A ~ B ~ C)."""
    buckets: dict[tuple[str, str], list[int]] = {}
    for i, ex in enumerate(examples):
        buckets.setdefault((ex["output"]["status"], folded_ws(ex["output"]["answer"])), []).append(i)
    groups = list(range(len(examples)))
    for lines in buckets.values():
        if len(lines) > 1:
            qg = question_groups([str(examples[i]["prompt"]["user"]) for i in lines], near)
            for i, g in zip(lines, qg):
                groups[i] = lines[g]  # the bucket's lines are in input order: its group's first line is the earliest
    return groups

def _variant_of(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Two lines the RAFT builder made from one labelled question (its augmentations, twins): meant to be there."""
    ma, mb = a.get("meta") or {}, b.get("meta") or {}
    return ma.get("qa_id") is not None and (ma.get("source"), ma.get("qa_id")) == (mb.get("source"), mb.get("qa_id"))


def find(examples: list[dict[str, Any]], where: list[str], near: float = NEAR) -> tuple[list[int], dict[str, Any]]:
    """(line groups, the report's `near_duplicates` checks: how many lines repeat an earlier one, and the first 20
    pairs "FILE:LINE ~ FILE:LINE", the earlier line first)."""
    groups = line_groups(examples, near)
    pairs = [f"{where[g]} ~ {where[i]}" for i, g in enumerate(groups)
             if g != i and not _variant_of(examples[g], examples[i])]
    return groups, {"near_duplicates": len(pairs), "near_duplicates_examples": pairs[:20]}


def keep_together(train: list[dict[str, Any]], holdout: list[dict[str, Any]], groups: list[int],
                  examples: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
    """(train, holdout, lines moved): a holdout line whose near-duplicate trains is trained too. The holdout scores
    questions the model has not been taught; one it was taught in other punctuation would measure recall."""
    group_of = {id(ex): g for ex, g in zip(examples, groups)}
    trained = {group_of.get(id(ex)) for ex in train}
    moved = [ex for ex in holdout if group_of.get(id(ex)) in trained]
    if not moved:
        return train, holdout, 0
    gone = {id(ex) for ex in moved}
    return train + moved, [ex for ex in holdout if id(ex) not in gone], len(moved)


def markdown(checks: dict[str, Any]) -> list[str]:
    """The report.md lines of the check (none when nothing was found, or in a report written before it)."""
    n = checks.get("near_duplicates")
    if not n:
        return []
    return (["", f"{n} lines repeat an earlier line's question in other punctuation, case or small words, with "
             "the same answer (trained twice, the example weighs double; kept: remove one if it is not meant):"]
            + [f"- {p}" for p in checks.get("near_duplicates_examples", [])[:10]])


__all__ = ["NEAR", "content_words", "find", "keep_together", "line_groups", "markdown", "question_groups"]
