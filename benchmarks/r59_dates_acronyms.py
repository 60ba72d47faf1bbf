"""Round 59: dates and acronyms as people write them, round two (dateforms.py, acronyms.py), measured on invented
pairs (benchmarks/r59_dates_acronyms_data.py: a question and a source line each; date ranges, spreadsheet and log
shapes, spelled ordinals, "&" acronyms, two-word phrases whose acronym the text never writes), both ways: pairs that
must meet and look-alikes that must not. No model, no files written.

    PYTHONPATH=<tree> python benchmarks/r59_dates_acronyms.py

A pair meets in the keyword index when the question's FORMS terms (lexical_terms.search_terms) and the source's
(form_terms) share a term: for a date question, a "date" term (a "day" term alone only for a question with no month);
for an acronym, a "zz" term. The evidence check's side is shown for date pairs too: `number_missing` 0 means the
question's numbers are all in the source (evidence.features). Before/after: the same script with PYTHONPATH at a
copy of the start commit (`git archive`) and at the tree with the change."""
from __future__ import annotations

import runpy
from pathlib import Path
from types import SimpleNamespace

from ragtune.appliance.evidence import features
from ragtune.appliance.lexical_terms import form_terms, search_terms

DATA = runpy.run_path(str(Path(__file__).resolve().parent / "r59_dates_acronyms_data.py"))


def shared(question: str, source: str, kind: str) -> set[str]:
    """The FORMS terms a question and a source share, of `kind` ("date" or "zz")."""
    asked = set(search_terms(question))
    have = set(form_terms(source))
    if kind == "zz":
        return {t for t in asked & have if t.startswith("zz")}
    on = {t for t in asked & have if t.startswith("date")}
    if not any(t.startswith("date") for t in asked):
        on |= {t for t in asked & have if t.startswith("day")}
    return on


def missing(question: str, source: str) -> float:
    f = features(question, [SimpleNamespace(text=source, rerank=1.0)])
    return f["number_missing"] if f else 1.0


def main() -> None:
    import ragtune

    print("ragtune from", ragtune.__file__)
    for name, kind, want in (("DATE_MEET", "date", True), ("DATE_NOT", "date", False),
                             ("ACRONYM_MEET", "zz", True), ("ACRONYM_NOT", "zz", False)):
        pairs = DATA[name]
        met = [(q, s, shared(q, s, kind)) for q, s in pairs]
        right = sum(bool(t) == want for _, _, t in met)
        extra = ""
        if kind == "date":
            found = sum(missing(q, s) == 0.0 for q, s in pairs)
            extra = f"; evidence numbers all found {found}"
        print(f"{name}: {right} of {len(pairs)} right ({'met' if want else 'not met'}){extra}")
        for q, s, t in met:
            if bool(t) != want:
                print(f"  {'MISS' if want else 'FALSE'} {q!r} | {s!r} {sorted(t)}")


if __name__ == "__main__":
    main()
