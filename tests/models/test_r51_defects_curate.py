"""Round 51, curation: scrub_text runs a pattern only where its literal (or 9 spaced digits) is in the text, with the
same text and counts as the nine subs in a row; `curate(validated=True)` does not validate a second time the lines
dataset.build_from_log validated; a de-duplicated line is dated by its newest copy for the temporal holdout."""

from __future__ import annotations

import random
import re
from collections import Counter

import pytest

from ragtune.appliance import prompt
from ragtune.models import curate as cu


def _old_scrub(text, counts):
    """The round-50 scrub_text (nine subs in a row), the reference."""
    def sub(kind, rx, s, check=None):
        def rep(m):
            if check is not None and not check(m.group(0)):
                return m.group(0)
            counts[kind] += 1
            return f"[{kind}]"
        return rx.sub(rep, s)
    for kind, rx in cu._SECRETS:
        text = sub(kind, rx, text)
    text = sub("EMAIL", cu._EMAIL, text)
    text = sub("CARD", cu._CARD, text, lambda s: 13 <= len(re.sub(r"\D", "", s)) <= 19
               and cu.luhn_ok(re.sub(r"\D", "", s)))
    return sub("PHONE", cu._PHONE, text, lambda s: 9 <= len(re.sub(r"\D", "", s)) <= 15
               and not cu._DATE.match(s.strip()))


PIECES = ["the desk", " ", "-", ".", "(", ")", "+", "@", "_", "sk-", "sk-proj-", "AKIA", "ASIA", "ghp_", "github_pat_",
          "xoxb-", "eyJ", "-----BEGIN RSA PRIVATE KEY-----", "-----END RSA PRIVATE KEY-----", "bob", "corp.example",
          "4111 1111 1111 1111", "4111-1111-1111-1112", "+44 20 7946 0958", "(555) 123-4567", "2024-09-12", "0",
          "12", "345", "6789", "٣٤٥", "12 34 56 78 9", "ABCDEFGHIJKLMNOP", "abcdefghijklmnopqrstuvwxyz0123456789",
          "\n", "é", "1234567890123", "+123456789012"]


def test_scrub_text_is_the_nine_subs_in_a_row():
    rng = random.Random(51)
    for _ in range(4000):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 14)))
        got, want = Counter(), Counter()
        assert (cu.scrub_text(text, got), got) == (_old_scrub(text, want), want), text


class _Spy:
    def __init__(self, rx, calls):
        self.rx, self.calls = rx, calls

    def sub(self, *a, **k):
        self.calls.append(self.rx.pattern[:12])
        return self.rx.sub(*a, **k)


def test_a_plain_field_runs_no_pattern(monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(cu, "_SECRETS", [(k, _Spy(rx, calls)) for k, rx in cu._SECRETS])
    for name in ("_EMAIL", "_CARD", "_PHONE"):
        monkeypatch.setattr(cu, name, _Spy(getattr(cu, name), calls))
    text = "Badges are renewed at the front desk on floor 2 within 5 days (room 114, 2024-05-13)."
    assert cu.scrub_text(text) == text and calls == []
    assert cu.scrub_text("mail bob@corp.example") == "mail [EMAIL]" and len(calls) == 1


def _ex(q, when, answer="At 06:00."):
    out = {"status": "ok", "answer": answer, "citations": ["S1"]}
    return prompt.training_example(prompt.SYSTEM_PROMPT, [{"id": "S1", "text": "Opens at 06:00."}], q, out,
                                   time=when)


CFG = dict(mix_frac=0.0, refusal_share=-1, max_intent_share=1.0)
TOPICS = ["parking permits", "printer toner", "badge photos", "laptop returns", "visitor wifi", "desk booking",
          "expense claims", "locker keys", "fire drills"]


def test_validated_lines_are_not_validated_again(monkeypatch):
    rows = [(f"log.jsonl:{i}", _ex(f"Where do I ask about {t}?", f"2024-0{i}-01")) for i, t in
            enumerate(TOPICS, start=1)]
    want = cu.curate(rows, cu.CurateConfig(holdout_frac=0.2, **CFG))

    def fail(*_a, **_k):
        raise AssertionError("validated twice")
    monkeypatch.setattr(cu, "validate_example", fail)
    assert cu.curate(rows, cu.CurateConfig(holdout_frac=0.2, **CFG), validated=True) == want
    with pytest.raises(AssertionError, match="validated twice"):
        cu.curate(rows, cu.CurateConfig(**CFG))


def test_a_question_asked_again_lately_is_dated_by_its_newest_copy():
    rows = [_ex(f"Where do I ask about {t}?", f"2024-0{i}-01") for i, t in enumerate(TOPICS[:8], start=1)]
    asked = "How long is the notice period for a sabbatical?"
    rows = [_ex(asked, "2024-01-15")] + rows + [_ex(asked, "2024-12-20")]  # the same line, asked again in December
    train, holdout, rep = cu.curate([(f"log.jsonl:{i}", r) for i, r in enumerate(rows, 1)],
                                    cu.CurateConfig(holdout_frac=0.2, **CFG))
    assert rep["dedup"]["removed"] == 1
    held = {e["prompt"]["user"]: e for e in holdout}
    assert asked in held and asked not in [e["prompt"]["user"] for e in train]  # it was trained on: dated January
    assert rep["split"]["cutoff_date"] == "2024-08-01" and rep["split"]["train_date_range"][1] == "2024-07-01"
    assert held[asked]["meta"]["time"] == "2024-01-15"  # the line itself is kept as it was (its first copy)
