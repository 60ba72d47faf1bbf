"""Round 48's new documentation against the code it describes (h25, reading the docs as an admin would).

Each test pins a sentence that was wrong when first written: the near-duplicate threshold in words, the PDF
redaction annotations ingest.md listed as not detected, the `ask` timings line called plain ASCII, and the extra's
hint quoted shorter than it is."""

from __future__ import annotations

from pathlib import Path

from ragtune.appliance.errors import MissingExtraError
from ragtune.models import neardup

DOCS = Path(__file__).resolve().parents[1] / "docs"
WORDS = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar".split()


def _near(n: int, at: int) -> bool:
    """Whether n distinct content words and the same with word `at` changed are one near-duplicate group."""
    changed = list(WORDS[:n])
    changed[at] = "zulu"
    return neardup.question_groups([" ".join(WORDS[:n]), " ".join(changed)]) == [0, 0]


def test_the_near_duplicate_word_counts_in_tuning_md_are_the_thresholds():
    text = " ".join((DOCS / "tuning.md").read_text(encoding="utf-8").split())
    assert "ten or more content words with its last one changed, fourteen or more with one in the middle" in text
    assert _near(10, -1) and not _near(9, -1)  # the last word changed: one word and one pair differ
    assert _near(14, 7) and not _near(13, 6)  # a middle word: one word and two pairs


def test_ingest_md_does_not_list_redaction_annotations_as_undetected():
    # test_r48_pdf.py: a /Redact annotation (and a dark /Square) over text leaves that text out
    text = " ".join((DOCS / "ingest.md").read_text(encoding="utf-8").split())
    undetected = text[text.index("Not detected, so still ingested"):][:400]
    assert "redaction annotations" not in undetected
    assert "(`/Redact`)" in text


def test_answer_md_says_what_separates_the_timings_line():
    text = " ".join((DOCS / "answer.md").read_text(encoding="utf-8").split())
    assert "Plain ASCII" not in text  # the timings line's separators are U+00B7 (ask_cmd.py)
    assert "separated by ` · `" in text


def test_install_md_quotes_the_missing_extra_hint_as_printed():
    err = MissingExtraError("torch", "train")
    text = " ".join((DOCS / "install.md").read_text(encoding="utf-8").split())
    hint = " ".join(err.hint.split())
    assert f"`error: {err.message}`" in text and f"`hint: {hint}`" in text
