"""A document table's group rows (round 56; out of tablerows.py in round 57): a row the file merges into one cell
across the whole table titles the rows under it, its name written into each row's key (`grouped`, `in_group`), and
the rows of such a table that are no group's: a note merged across it, a grand total under the last group.
tablerows.labelled_rows is their one user (word.py, opendoc.py, web_tables.py hand it the rows the file merges)."""

from __future__ import annotations

import re
from typing import Collection

Row = dict[int, str]  # column -> value (non-empty): tablerows' row

NOTE = re.compile(r"[*†‡]|notes?\b", re.I)  # a footnote's start: "* Sundays: no service", "† members", "Note: …"
NAME_CHARS = 80  # a merged text longer than this is prose (tablerows' label length)
_NAME_WORDS = 8  # a merged text of more words is prose (a note across the table), not a group's name

# Words a note says and a group's name does not (round 57): a clause ("Prices include VAT", "Lessons are 45 minutes",
# "See note 3", "Closed on bank holidays"), where a group is named by a noun phrase ("Winter season", "Week 2",
# "Repairs team", "Zone B"). Finite verbs, auxiliaries and a note's own words only: "Members only", "Evening run"
# may name a group.
_CLAUSE = re.compile(
    r"\b(?:is|are|was|were|isn't|aren't|be|been|includes?|included|including|incl|excludes?|excluded|excluding|excl"
    r"|appl(?:y|ies)|see|must|cannot|can't|won't|should|shall|does|doesn't|don't|not|has|runs|starts"
    r"|ends|changes|requires?|required|subject\s+to|unless|please|closed|continued|cont'd)\b(?!-)", re.I)
_MODAL = re.compile(r"\b(?:may|will|can)\b")  # lower-case only: "May" a month, "Will" a name, "CAN" a code
# a relative clause after the name's noun ("Staff who are part-time", "Rooms that are accessible", round 58): its own
# verb ("are", "must be returned") is the noun's, the name still a noun phrase; a note verb after it is a sentence's
# ("Anyone who cancels must pay a fee"); "that" only before a verb ("Remember that rooms are shut" is a note). One
# auxiliary only, a modal's with its verb ("who will stay"): a second is the sentence's main verb ("Items that are
# not collected are sold", round 58 mend)
_MODAL_AUX = r"(?:must|may|will|can|cannot|should|shall|need|needs|do|does|did)"
_AUX = rf"(?:is|are|was|were|has|have|had|{_MODAL_AUX})"
_PARTS = r"(?:\s+(?:be|been|being|[a-z]+ly|[a-z]+ed|[a-z]+en)\b)*"  # "be returned", "are fully booked"
_RELATIVE = re.compile(rf"(?<=\w)\s+(?:(?:who|whom|which)\b|whose\s+\S+|that(?=\s+(?:{_AUX}|[a-z]+ed)\b))"
                       rf"(?:\s+{_MODAL_AUX}(?:\s+not)?\s+(?!{_AUX}\b)[a-z]+\b{_PARTS}"
                       rf"|\s+{_AUX}(?:\s+not)?\b{_PARTS}|\s+\S+)?")
# ... and only where what follows it completes it: nothing, one word ("who are part-time", "who need parking"), a
# short phrase opening with a preposition or a number ("who are over 65", "who joined before 2020") or an -ing word
# before a number ("who are staying 2+ nights"); more is a sentence's predicate ("Anyone who is late pays a fee")
_COMPLEMENT_WORDS = 3
_COMPLEMENT_OPEN = re.compile(r"(?:in|on|at|over|under|from|with|without|for|aged|between|of|by|since|before|after|"
                              r"\d\S*)", re.I)
# a row's key that totals the table: a grand total is never a group's; "Total" alone may be the last group's own
_GRAND = re.compile(r"(?:grand|overall|combined|all[- ]groups?)\s+totals?\b", re.I)
_TOTAL = re.compile(r"totals?\b", re.I)


def group_name(r: Row) -> str:
    """A group row's text where it may name a group: a label's length, no footnote ("* …", "Note: …"), no sentence
    (ending in ". ! ?" but one word, "Sat.", or over _NAME_WORDS words: "Prices include VAT and a locker."), no
    clause (a note's verb, `_CLAUSE`: "Prices include VAT", "See note 3"; round 57), no text all in brackets."""
    text = next(iter(r.values())) if len(r) == 1 else ""
    if not text or len(text) > NAME_CHARS or NOTE.match(text) or _clause(text):
        return ""
    if text.startswith("(") and text.endswith(")"):
        return ""  # "(members only)": an aside
    words = len(text.split())
    return "" if words > _NAME_WORDS or (words > 1 and text.rstrip()[-1] in ".!?…") else text


def _clause(text: str) -> bool:
    """Whether a merged text says a note's verb (`_CLAUSE`, `_MODAL`) outside brackets ("Adults (incl. students)" is
    a group) and before a relative clause ("Staff who are part-time": `_RELATIVE`), in lower case or capitalised, not
    in capitals ("IS team": an acronym)."""
    bare = _BRACKETS.sub(" ", text)
    if (m := _RELATIVE.search(bare)) and _complement(bare[m.end():].split()):
        bare = f"{bare[:m.start()]} {bare[m.end():]}"
    return bool(_MODAL.search(bare)) or any(not m.group().isupper() for m in _CLAUSE.finditer(bare))


def _complement(words: list[str]) -> bool:
    """Whether the words after a relative clause's verb complete it (`_COMPLEMENT_OPEN`), not a sentence's."""
    return len(words) <= 1 or (len(words) <= _COMPLEMENT_WORDS and (
        _COMPLEMENT_OPEN.fullmatch(words[0]) is not None
        or (words[0].lower().endswith("ing") and any(c.isdigit() for c in "".join(words[1:])))))


def grouped(body: list[tuple[int, Row]], groups: Collection[int], first: int,
            breaks: Collection[int] = ()) -> list[tuple[int, Row, str | None]]:
    """`body`'s rows, each with the group it is under ("" for none; None: a note merged across a grouped table, a
    note below the rows), the group rows left out. A group row (round 56) is one the file merges into one cell across
    the whole table (`<th colspan>` over every column, a lone `<th scope="rowgroup">`: `groups`, the loader's mark;
    never a row that only has its other cells empty: readC's "Bob Hart") with a group's name (`group_name`) and a row
    that is no group right under it: it titles the rows under it. Only in a table (or an HTML section: `breaks`, the
    rows a `<tbody>` or `<tfoot>` starts) whose first row is one, merged notes before it aside (round 57): merged
    rows amid ungrouped rows are a note, a total ("Subtotal: £17", "Route 5 withdrawn from 1 May", round 56 mend:
    they had titled the rows under them). A group ends at the next group row, a section's start, or a row with text
    in its first cell only that the file does not merge ("Winter" typed in the first cell: a group, or a name, the
    file did not mark) once a row was written under the group. A merged row of a grouped table that names no group
    ("Prices include VAT", "* members only") is a note, the rows under it still the group's (round 57: it had
    re-titled them). Any other row stays as before (a row, or a note below the rows: `_aside`): the last row, one of
    two group rows in a row (but the second; a group merged down over two rows, written in each, is written once); a
    merged row that heads no group ("Total £50") is under none (readE H3); a grand total under the last group is
    under none (`_totals`)."""
    cuts = sorted(breaks)
    part: list[int] = []  # body row -> its section
    at = 0
    for i, _ in body:
        while at < len(cuts) and cuts[at] <= i:
            at += 1
        part.append(at)
    names = [group_name(r) if i in groups else "" for i, r in body]

    def past_notes(k: int) -> int:  # the first row from k on in k's section that is no merged note
        j = k
        while j < len(body) and part[j] == part[k] and body[j][0] in groups and not names[j]:
            j += 1
        return j

    def heads(k: int) -> bool:  # (a merged note right under a group row is skipped: "(members only)")
        j = past_notes(k + 1) if names[k] else len(body)
        return j < len(body) and part[j] == part[k] and body[j][0] not in groups

    def opens(k: int) -> bool:  # the section's first row but merged notes is a group row
        j = past_notes(k)
        return j < len(body) and part[j] == part[k] and bool(names[j])

    out: list[tuple[int, Row, str | None]] = []
    group = ""
    grouped = carried = False  # carried: a row was written under the group
    for k, (i, r) in enumerate(body):
        if not k or part[k] != part[k - 1]:
            group, grouped = "", opens(k)
        if grouped and heads(k):
            group, carried = " ".join(names[k].rstrip(":").replace(": ", " - ").replace("; ", ", ").split()), False
            continue
        if grouped and names[k] and k + 1 < len(body) and body[k + 1][1] == r and heads(k + 1):
            continue  # (merged down too: the same group row again under it)
        if grouped and i in groups and not names[k] and len(r) == 1:
            out.append((i, r, None))  # a merged note: the group goes on under it
            continue
        if i not in groups and len(r) == 1 and first in r and not NOTE.match(r[first]) and carried:
            group = ""  # (right under its group row it is the group's first row: a name, "Bob Hart", readE M2)
        out.append((i, r, "" if i in groups else group))  # a merged row heading no group: none's ("Total £50")
        carried = carried or (bool(group) and i not in groups)
    return _totals(out)


def _totals(rows: list[tuple[int, Row, str | None]]) -> list[tuple[int, Row, str | None]]:
    """`grouped`'s rows with a table's totals under no group (round 57): a grand total ("Grand total", "Overall
    total") anywhere; a "Total" row last under the last group (notes after it aside) when the group before did not
    end with one (each group its own total: this is the last group's) or a "Total" row under the same group comes
    just before it (the group's, then the table's)."""
    def key(r: Row) -> str:
        return r[min(r)] if r else ""

    out = [(i, r, "" if g and _GRAND.match(key(r)) else g) for i, r, g in rows]
    rows_in = [k for k, (_, _, g) in enumerate(out) if g is not None]  # rows, not notes
    if not rows_in:
        return out
    last = rows_in[-1]
    i, r, g = out[last]
    if not g or not _TOTAL.match(key(r)):
        return out
    before = [k for k in rows_in if k < last]
    same = [k for k in before if out[k][2] == g]
    if same and _TOTAL.match(key(out[same[-1]][1])) and same[-1] == before[-1]:
        return out[:last] + [(i, r, "")] + out[last + 1:]  # the group's total, then the table's
    other = [k for k in before if out[k][2] and out[k][2] != g]
    if other and not _TOTAL.match(key(out[other[-1]][1])):
        return out[:last] + [(i, r, "")] + out[last + 1:]  # groups without totals: the table's
    return out


def in_group(r: Row, group: str) -> Row:
    """Row `r` with its group's name written into its first value, its key: `Ticket: Single swim (Winter season)`. A
    name with brackets inside it has them moved to its end (`Winter (Nov–Feb) season` -> `(Winter season (Nov–Feb))`,
    round 57: the brackets had cut the name in two), as a name ending in brackets is written (`(Week 1 (2 to 6
    March))`: written `Week 1, 2 to 6 March` it read as weeks 1 and 2, and rows were answered from the wrong week)."""
    if not group:
        return r
    if "(" in group or ")" in group:
        held: list[str] = []
        while m := _BRACKETS.search(group):
            held.append(" ".join(m.group(1).split()))
            group = f"{group[:m.start()]} {group[m.end():]}"
        group = " ".join(group.replace("(", " ").replace(")", " ").split())
        inside = ", ".join(h for h in held if h)
        group = f"{group} ({inside})" if group and inside else group or inside
    key = min(r)
    return {**r, key: f"{r[key]} ({group})"}


_BRACKETS = re.compile(r"\(([^()]*)\)")  # an innermost pair of brackets
