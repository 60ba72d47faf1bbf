"""Query normalisation: cleaning, and disfluency removal (reparandum + editing term + repair) on our own
sentences, plus fluent sentences that must come through unchanged (no false corrections)."""

import pytest

from ragtune.appliance.errors import InputError
from ragtune.appliance.normalize import clean_text, displayable, has_content, normalize_query


def test_clean_nfkc_controls_whitespace():
    assert clean_text("  ﬁsh\u00a0and\tchips\u200b\x07 ") == "fish and chips"
    assert clean_text("Ｈｅｌｌｏ\r\nworld") == "Hello world"


def test_invisible_characters_inside_a_word_are_removed_not_spaced():
    """QA: a pasted "war\u200branty" searched for "war" and "ranty" (ingest removes these from documents)."""
    assert clean_text("war\u200branty infor\u00adma\u2060tion \ufeffBOM") == "warranty information BOM"
    assert normalize_query("what is the war\u200branty?") == "what is the warranty?"
    # controls, other format characters and lone surrogates still separate words
    assert clean_text("a\x00b c\u200dd e\ud800f \x1b[31m") == "a b c d e f [31m"
    assert not has_content(clean_text("\ud800\udc80 \x00 \u200b"))


def test_displayable_replaces_lone_surrogates_and_joins_pairs():
    """QA: `ragtune search $'\\xed\\xa0\\x80' --json` echoed undecodable argv bytes and printed invalid UTF-8."""
    assert displayable("war\udced\udca0\udc80ranty") == "war\ufffd\ufffd\ufffdranty"
    assert displayable("\ud83d\ude00 ok") == "\U0001f600 ok"
    assert displayable("plain é") == "plain é"
    displayable("\ud800x\udfff").encode("utf-8")  # writable


@pytest.mark.parametrize("raw,expected", [
    # editing term + repair that repeats a word before the reparandum (alignment)
    ("What is the capital of Spain no the capital of Portugal ?", "What is the capital of Portugal ?"),
    ("How far is the moon no is the sun from the earth ?", "How far is the sun from the earth ?"),
    ("Which river flows through Paris or rather through Lyon ?", "Which river flows through Lyon ?"),
    ("Who wrote the first book , uh , second book of the series ?", "Who wrote the second book of the series ?"),
    # restarts: the repair is a new question
    ("When did the war uh sorry how did the war end ?", "how did the war end ?"),
    ("Who built no wait what materials built the bridge ?", "what materials built the bridge ?"),
    ("Who founded scratch that and tell me when was the company founded ?", "when was the company founded ?"),
    ("After the merger , how no what did the shares do ?", "After the merger , what did the shares do ?"),
    ("Where is or no make that what is the tallest tower ?", "what is the tallest tower ?"),
    # proper names replaced by other names
    ("Is New York no Los Angeles bigger than Chicago ?", "Is Los Angeles bigger than Chicago ?"),
    ("When did Einstein I mean Bohr win the prize ?", "When did Bohr win the prize ?"),
    # single content word replaced
    ("What does the bakery sell on Monday sorry Tuesday ?", "What does the bakery sell on Tuesday ?"),
    # a bare filler between two lower-case words is hesitation far more often than a swap (round 56): both stay
    ("How much sugar er salt goes into bread ?", "How much sugar salt goes into bread ?"),
    ("What colour are ripe apples no not that but ripe bananas ?", "What colour are ripe bananas ?"),
    ("What happened in 1812 um 1815 in Europe ?", "What happened in 1815 in Europe ?"),
    ("How tall is the tower I meant the bridge ?", "How tall is the bridge ?"),
    # fillers and repetitions only
    ("What is um the boiling point of uh water ?", "What is the boiling point of water ?"),
    ("Who painted the the Mona Lisa ?", "Who painted the Mona Lisa ?"),
    ("Where is in the in the museum the statue ?", "Where is in the museum the statue ?"),
    ("When was the treaty signed rather ?", "When was the treaty signed ?"),
])
def test_disfluencies_removed(raw, expected):
    assert normalize_query(raw) == expected


@pytest.mark.parametrize("fluent", [
    "Is there no water on Mars ?",
    "Why would she rather walk home ?",
    "What was used instead of butter in the recipe ?",
    "How long should I wait for the bus ?",
    "What did the author actually mean by that ?",
    "Which songs have no lyrics ?",
    "Is it true that no one climbed it before 1950 ?",
    "What is rather than who is the question ?",
    "Name a city that is no longer a capital .",
    "What is the capital of France ?",
    "Why did the ER close early ?",
])
def test_fluent_queries_unchanged(fluent):
    assert normalize_query(fluent) == fluent


def test_never_empties_a_query():
    assert normalize_query("um uh") == "um uh"
    assert normalize_query("  no  ") == "no"


def test_non_string_rejected():
    with pytest.raises(InputError):
        normalize_query(None)  # type: ignore[arg-type]
