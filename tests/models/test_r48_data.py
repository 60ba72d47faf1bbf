"""Round 48: a curator's training data, again. A question pasted twice with a changed comma, case, a trailing "?" or
one small word swapped is a near-duplicate: listed in the report with both file:lines (kept), and never split across
train and holdout. A JSON slip (a trailing comma, single quotes, Python's True/None) says so, with file:line:column.
Invented content only (Tollbridge ferries)."""

import json
import time

from ragtune.appliance import prompt
from ragtune.appliance.errors import InputError
from ragtune.appliance.jsonl import loads_located, read_json_object
from ragtune.cli import main
from ragtune.models import neardup
from ragtune.models.curate import CurateConfig, curate, report_markdown
from ragtune.models.dataset import read_examples

CTX = "The MV Pelham sails from Haverstock to Minnowgate in 35 minutes. A single adult fare is 12 crowns."
Q = "How long does the MV Pelham take from Haverstock to Minnowgate?"


def ex(question=Q, answer="35 minutes", date="2025-03-01", status="ok"):
    out = ({"status": "ok", "answer": answer, "citations": ["S1"]} if status == "ok" else
           {"status": "refused", "answer": prompt.REFUSAL_TEXT, "citations": []})
    row = prompt.training_example(prompt.SYSTEM_PROMPT, [{"id": "S1", "text": CTX}], question, out)
    row["meta"] = {"source": "team", "date": date}
    return row


def test_near_duplicate_questions_and_only_those():
    same = [Q, Q.lower(), Q.rstrip("?"), "How long does the MV Pelham take, from Haverstock to Minnowgate",
            "How long will the MV Pelham take from Haverstock to Minnowgate?"]  # one word in ten: Jaccard 0.8
    g = neardup.question_groups(same + ["How do I reset my password?", "how can I reset my password"])
    assert g == [0, 0, 0, 0, 0, 5, 5]
    different = ["What is the fare for zone 1?", "What is the fare for zone 2?",  # a number
                 "When does the Haverstock ferry office open?", "Where does the Haverstock ferry office open?",
                 "Which tickets are refundable?", "Which tickets are not refundable?",  # a negation
                 "When does the office open?", "When did the office open?",  # a tense
                 "What is the price of the blue ticket on the Pelham?", "What is the price of the red ticket on the Pelham?"]
    assert neardup.question_groups(different) == list(range(len(different)))
    long = ("which documents must a contractor submit before starting work on the northern pier extension project at "
            "the Minnowgate terminal")
    assert neardup.question_groups([long, long.replace("starting", "beginning")]) == [0, 0]  # 1 of 15 words: Jaccard


def test_a_pasted_question_is_listed_with_both_lines_and_kept(tmp_path, capsys):
    p = tmp_path / "mine.jsonl"
    rows = [ex(), ex("What is the adult fare on the MV Pelham?", "12 crowns"), ex(Q.lower().rstrip("?")),
            ex(Q, status="refused")]  # the same question, another target: not a near-duplicate
    p.write_text("".join(json.dumps(r) + "\n" for r in rows))
    before = p.read_bytes()
    train, holdout, report = curate(read_examples(p), CurateConfig(mix_frac=0.0, holdout_frac=0.0))
    assert report["checks"]["near_duplicates"] == 1
    assert report["checks"]["near_duplicates_examples"] == [f"{p}:1 ~ {p}:3"]
    assert len(train) == 4 and report["dedup"]["removed"] == 0  # kept: which one is meant is a person's call
    assert f"- {p}:1 ~ {p}:3" in report_markdown(report)
    assert main(["dataset", "report", str(p)]) == 0
    assert f"{p}:1 ~ {p}:3" in capsys.readouterr().out
    assert p.read_bytes() == before  # user data: never rewritten


def test_near_duplicates_are_never_split_across_train_and_holdout():
    # the question is asked again on a newer date in other punctuation: held out, it would score what was trained
    rows = [(f"l{i}", ex(f"What time does the {n} ferry leave Haverstock on weekdays?", "at 9", f"2025-01-0{i + 1}"))
            for i, n in enumerate(["first", "second", "third", "fourth"])]
    rows.append(("l4", ex(Q, date="2025-01-01")))
    rows.append(("l5", ex(Q.upper().rstrip("?") + ".", date="2025-02-01")))  # the newest: the holdout's
    train, holdout, report = curate(rows, CurateConfig(mix_frac=0.0, holdout_frac=0.2))
    asked = lambda lines: {neardup.content_words(r["prompt"]["user"])[-1] for r in lines}  # noqa: E731
    assert not asked(train) & asked(holdout), (asked(train), asked(holdout))
    assert report["split"]["near_duplicates_trained"] == 1 and len(train) + len(holdout) == 6
    assert "near-duplicate" in report_markdown(report)


def test_fifty_thousand_questions_take_a_few_seconds():
    qs = [f"How long does ferry {i % 997} take from pier {i % 13} to Minnowgate on day {i}?" for i in range(49_000)]
    qs += [q.lower().rstrip("?") for q in qs[:1000]]
    t = time.process_time()
    g = neardup.question_groups(qs)
    assert time.process_time() - t < 15.0  # 3 s of CPU on this box under a load of 14; the box is shared
    assert g[49_000:] == list(range(1000))


def test_json_slips_say_what_they_are_with_line_and_column(tmp_path):
    p = tmp_path / "mine.jsonl"
    p.write_text(json.dumps(ex()) + "\n" + '{"prompt": {"user": "q"},}\n')
    try:
        read_examples(p)
    except InputError as exc:
        assert f"{p}:2: invalid JSON at column 26" in exc.message and "a trailing comma before '}'?" in exc.message
    else:
        raise AssertionError("no error")
    cfg = tmp_path / "c.json"
    cfg.write_text('{\n  "a": [1, 2,]\n}\n')
    try:
        read_json_object(cfg)
    except InputError as exc:
        assert f"{cfg}:2: invalid JSON at column 14" in exc.message and "trailing comma before ']'" in exc.message
    cases = {"{'a': 1}": "JSON needs double quotes", '{"a": True}': "Python's True? JSON writes true",
             '{"a": None}': "JSON writes null", '[1, {"b": 2,]': None, '{"a": [1,}': None, '{"a": Nonesuch}': None}
    for text, hint in cases.items():
        try:
            loads_located(text, "x.jsonl:1", record=True)
        except InputError as exc:
            assert (hint in exc.message) if hint else "(" not in exc.message, (text, exc.message)
