"""Round 59: "wifi" finds "Wi-Fi" (hyphenforms.py), measured in the keyword index on invented notices (CC0, written
with the change: not a held-out measure). Each pair is a question and the line that answers it, beside a line that
shares the question's other words; every line is a chunk of a small index (a store in a temporary folder, real BM25;
one index per set). Printed: how many questions find their line first and in the top 3, for
- JOINED_Q: the question writes the joined word ("wifi"), the source the hyphenated one ("Wi-Fi");
- HYPHEN_Q: the other way round;
- LOOKALIKE: a joined word with another meaning than the hyphenated one ("resign" / "re-sign"): the right line must
  stay first (the cost of the change).
With a home folder, also counts what the change adds to that home's chunks (the index growth): chunks with a joined
form, the terms added, the distinct ones.

    PYTHONPATH=<tree> python benchmarks/r59_hyphen_forms.py [HOME]

Before/after: the same script with PYTHONPATH at a copy of the start commit (`git archive`) and at the tree with the
change. No model."""
from __future__ import annotations

import sys
import tempfile
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

# (question, the line that answers it, a line sharing its other words)
JOINED_Q = [
    ("whats the wifi password for guests", "Guest Wi-Fi: ask at the bar, the password changes weekly.",
     "Guests are asked for the door password after 10pm."),
    ("how do i email the office", "You can e-mail the parish office at any time; we reply within two days.",
     "The office is open Tuesday and Thursday mornings."),
    ("what time is checkin", "Check-in is from 3pm on the day you arrive; keys are at the lodge.",
     "Check the time of the last bus before you set off."),
    ("where do I go to reorder prescriptions", "To re-order a repeat prescription, tick it on the right of your list.",
     "Prescriptions are ready two working days after you ask; where possible collect them after 11."),
    ("who is the volunteer coordinator", "Our volunteer co-ordinator is Bea Lindqvist (Mondays and Thursdays).",
     "Each volunteer has a named contact on the rota."),
    ("how much is daycare per day", "Day-care costs £38 a day, or £170 for a full week.",
     "Parking costs £4 per day in the main car park."),
    ("can I bring my dog into the coop", "Assistance dogs only in the Co-op; other dogs can be tied up outside.",
     "Dogs are welcome in the beer garden if kept on a lead."),
    ("when is the xray department open", "The X-ray department is open 8am to 8pm on weekdays.",
     "The pharmacy is open 9am to 6pm; the department store next door closes later."),
    ("will I get a followup appointment", "A follow-up appointment is booked for six weeks after surgery.",
     "Appointment letters are sent by post; you will get one a week before."),
    ("what's the login for the laptop", "The shared laptop log-in is inside the cupboard door.",
     "Laptop loans are for one week at a time."),
    ("can I pay online", "Pay on-line with a card, or at the desk in cash.",
     "You can pay the deposit by card when you book."),
    ("what happens at handover", "At hand-over the outgoing nurse reads each patient's notes aloud.",
     "What happens at the end of a shift is listed on the ward board."),
    ("where is the playgroup held", "Play-group meets in the small hall on Wednesday mornings.",
     "The youth club is held in the scout hut."),
]
HYPHEN_Q = [
    ("what's the Wi-Fi code", "The wifi code for visitors is printed on your room key card.",
     "The code for the bike store is 4471."),
    ("what's the e-mail for bookings", "Bookings by email only; the inbox is checked daily.",
     "Bookings for the hall open in January."),
    ("where is check-in for the 10k", "Race checkin opens at 7:30 in the marquee by the finish line.",
     "The 10k route goes along the river; check the map at the start."),
    ("how do I re-order ink cartridges", "To reorder ink, fill in the stationery form and leave it in the tray.",
     "Ink cartridges for the old printer are in the cupboard."),
    ("who is the safeguarding co-ordinator", "Safeguarding coordinator: Hamid Rahimi, 07700 900123.",
     "Safeguarding training is every two years for all staff."),
    ("does the centre offer day-care for toddlers", "The centre runs daycare for children aged 1 to 4.",
     "Toddlers' story time: Friday 10am at the centre."),
    ("what time does the co-op close", "The village coop closes at 10pm every day.",
     "The post office closes at 5:30; the time may change in winter."),
    ("is the x-ray room on this floor", "Xray and scans are on the ground floor, past the café.",
     "Room 12 on this floor is the quiet room."),
    ("how long until my follow-up call", "Your followup will come within ten working days.",
     "How long you wait for a call depends on the list."),
    ("I forgot my log-in", "Forgotten your login? Use the reset link on the sign-in page.",
     "Forgot your keys? The caretaker has a spare set."),
    ("can I renew books on-line", "Renew books online or by phone; three renewals allowed.",
     "Books can be returned to any branch."),
    ("where is the hand-over sheet", "The handover sheet is in the red folder at the nurses' station.",
     "The sheet for the trip is on the notice board."),
    ("what t-shirt sizes are there for kids", "Kids' tshirt sizes run from age 3 to 12.",
     "Kids go free with an adult; sizes of groups are limited to 30."),
]
LOOKALIKE = [
    ("why did the chair resign", "The chair will resign at the AGM for health reasons.",
     "The chair asked members to re-sign the petition."),
    ("when is the release date", "Release date: 14 June, in shops and online.",
     "The date to re-lease the unit is not set."),
    ("where is the chicken coop", "The chicken coop is behind the shed.", "The co-op is behind the church."),
    ("can we ask for a recount of the vote", "Any candidate may ask for a recount of the vote.",
     "We re-count the float at the end of each shift."),
]
SETS = (("JOINED_Q", JOINED_Q), ("HYPHEN_Q", HYPHEN_Q), ("LOOKALIKE", LOOKALIKE))


def _add(store, path: str, text: str) -> int:
    """One document of one chunk, through the store (a zero vector: the keyword index reads no vectors)."""
    import numpy as np

    from ragtune.appliance.store.schema import EMBED_DIM

    chunk = SimpleNamespace(ord=0, text=text, start_char=0, end_char=len(text), n_tokens=1, sha256="h")
    vector = np.zeros(EMBED_DIM, dtype=np.float32)
    doc, _ = store.put_document(path=path, sha256="x", title="Notes", kind="txt", size=len(text), doc_date=None,
                                ingested_at=0.0, meta="{}", chunks=[chunk], vectors=[vector])
    store.bump_index_version()
    return store.chunk_ids_of_documents([doc])[0]


def ranks(name: str, pairs: list[tuple[str, str, str]]) -> None:
    """One index per set (the sets share topics: a "Wi-Fi" line of one would answer the other's question)."""
    from ragtune.appliance.lexical import LexicalIndex
    from ragtune.appliance.store import Store

    with tempfile.TemporaryDirectory(prefix="r59hyph") as tmp:
        store = Store(Path(tmp) / "db.sqlite")
        gold = [_add(store, f"/{i}/a.txt", right) for i, (_, right, _) in enumerate(pairs)]
        for i, (_, _, other) in enumerate(pairs):
            _add(store, f"/{i}/b.txt", other)
        ix = LexicalIndex(Path(tmp) / "tantivy")
        ix.ensure_synced(store)
        try:
            at: list[int | None] = []
            for (q, _, _), g in zip(pairs, gold):
                ids = [c for c, _ in ix.search(q, 10)]
                at.append(ids.index(g) + 1 if g in ids else None)
        finally:
            ix.close()
            store.close()
    first = sum(r == 1 for r in at)
    top3 = sum(r is not None and r <= 3 for r in at)
    print(f"{name}: first {first} of {len(pairs)}, top 3 {top3}")
    for (q, right, _), r in zip(pairs, at):
        if r != 1:
            print(f"  rank {r or '>10'}: {q!r} | {right!r}")


def growth(home: Path) -> None:
    """What the joined forms add to the chunks of the home `home` (its ragtune.db, read only)."""
    from ragtune.appliance.hyphenforms import hyphen_terms
    from ragtune.appliance.lexical_terms import form_terms, search_form

    from ragtune.appliance.store import Store

    store = Store(home / "ragtune.db", readonly=True)
    try:
        rows = [(text, title) for _, _, title, text in store.iter_chunk_texts()]
    finally:
        store.close()
    terms: Counter[str] = Counter()
    with_any = forms = 0
    for text, title in rows:
        found = hyphen_terms(search_form(f"{title or ''}.\n{text}"))
        terms.update(found)
        with_any += bool(found)
        forms += len(form_terms(f"{title or ''}.\n{text}"))
    print(f"{home}: {len(rows)} chunks; {with_any} with a joined form; {sum(terms.values())} joined terms "
          f"({len(terms)} distinct) of {forms} FORMS terms in all")
    print("  most common:", ", ".join(f"{t} {n}" for t, n in terms.most_common(40)))


def main() -> None:
    import ragtune

    print("ragtune from", ragtune.__file__)
    for name, pairs in SETS:
        ranks(name, pairs)
    if len(sys.argv) > 1:
        try:
            import ragtune.appliance.hyphenforms  # noqa: F401
        except ImportError:
            print("(no hyphenforms in this tree: no growth to count)")
            return
        growth(Path(sys.argv[1]))


if __name__ == "__main__":
    main()
