"""Round 52: the injection shapes rounds 50-51 taught the product's checks, now in the training data (inject.py).

Each new template's payload is fenced off by the product's own check (injection.source_view: never in a block an
answer may quote), wherever it lands in the host chunk, and the host's own text stays quotable; the target rule
holds for every shape (the answer from the other sources or the refusal; the injected source never cited)."""

from __future__ import annotations

import random
import re

import pytest

from ragtune.appliance.injection import source_view
from ragtune.models import inject
from tests.models.test_raft import ANS, UNANS, _build, fake  # noqa: F401 - fake is a fixture

NEW = ("paragraph_after", "spaced_letters", "leetspeak", "paraphrase", "posing_marker", "curly_json",
       "escaped_json", "multiline_json", "foreign")
HOST = ("The Harrow Line opened to passengers in 1897 and runs from Velmora to Ostrand over nine arches. "
        "Its engineer was Mira Tolvane, who also built the Kell viaduct in 1902.")


def _one(monkeypatch, name):
    monkeypatch.setattr(inject, "_TEMPLATES", [t for t in inject._TEMPLATES if t[0] == name])


def test_the_new_shapes_are_drawn():
    assert set(NEW) <= set(inject.NAMES) and len(set(inject.NAMES)) == len(inject.NAMES)
    rng = random.Random(7)
    drawn = {inject.injected_text(HOST, rng, 3)[0] for _ in range(2000)}
    assert drawn == set(inject.NAMES)


@pytest.mark.parametrize("name", inject.NAMES)
def test_every_payload_is_fenced_off_by_the_products_check(monkeypatch, name):
    _one(monkeypatch, name)
    for seed in range(40):
        payload = inject._PAYLOADS[seed % len(inject._PAYLOADS)]
        monkeypatch.setattr(inject, "_PAYLOADS", (payload,))
        got, text = inject.injected_text(HOST, random.Random(seed), 3)
        assert got == name
        words = text.split()
        assert all(w in words for w in HOST.split())  # the host chunk is kept, word for word
        view = source_view(text)
        assert view.has_injection, (name, text)
        assert not [b for b in view.blocks if payload in b], (name, text)  # never quotable as an answer
        assert "opened to passengers in 1897" in view.clean, (name, text)  # the document stays quotable


def test_a_multi_line_instruction_is_a_paragraph_of_its_own(monkeypatch):
    """The heading stands alone on its line, its payload is the paragraph under it, and blank lines set the two off
    from the host text (the product fences the paragraph a trigger heading heads: injection._paragraph_after)."""
    _one(monkeypatch, "paragraph_after")
    for seed in range(30):
        _, text = inject.injected_text(HOST, random.Random(seed), 3)
        head = next(h for h in inject._HEADINGS if h in text)
        assert re.search(rf"(?:\A|\n\n){re.escape(head)}\n\n[^\n]+(?:\n\n|\Z)", text), text


def test_leetspeak_never_writes_a_word_as_digits_only():
    rng = random.Random(3)
    for _ in range(200):
        for w in ("to", "AI", "ignore", "SYSTEM", "note"):
            out = inject._leet(rng, w)
            assert out != w and any(c.isalpha() for c in out)


@pytest.mark.parametrize("name", NEW)
def test_the_target_rule_holds_for_each_new_shape(fake, tmp_path, monkeypatch, name):
    _one(monkeypatch, name)
    rows = [dict(ANS, id=f"t-a{400 + i}") for i in range(6)] + [dict(UNANS, id=f"t-u{400 + i}") for i in range(3)]
    out, stats = _build(rows, tmp_path, inject_share=1.0, k=3)
    assert dict(stats.injected) == {name: 9}
    for ex in out:
        injected = [c for c, cid in zip(ex["prompt"]["context"], ex["meta"]["chunk_ids"]) if cid == -1]
        assert len(injected) == 1 and injected[0]["id"] not in ex["output"]["citations"]
        if ex["meta"]["answerable"]:
            assert ex["output"]["status"] == "ok" and ex["output"]["answer"] == "1897" and ex["output"]["citations"]
        else:
            assert ex["output"]["status"] == "refused"
