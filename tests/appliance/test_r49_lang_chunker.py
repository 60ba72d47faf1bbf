"""Round 49: chunk cuts in text without spaces after sentences, and marks kept on their letter."""

from __future__ import annotations

import unicodedata

import pytest

from ragtune.appliance.ingest.chunker import chunk_text

from .ingest_helpers import real_tokenizer


@pytest.fixture(scope="module")
def tok():
    return real_tokenizer()


def test_chinese_is_cut_after_a_sentence(tok):
    text = "长江公司休假制度。新员工每年享有十五天带薪年假。休假申请须提前两周提交给部门经理。" * 6
    chunks = chunk_text(text, tok, chunk_tokens=40, overlap_tokens=6)
    assert len(chunks) > 3
    for c in chunks[:-1]:
        assert c.text.endswith("。"), c.text  # was: cut at the token limit, mid-sentence
        assert text[c.start_char:c.end_char] == c.text


def test_devanagari_chunk_keeps_the_vowel_sign_on_its_last_letter(tok):
    text = " ".join(["छुट्टी का आवेदन दो सप्ताह पहले देना होता है।"] * 20)
    for c in chunk_text(text, tok, chunk_tokens=32, overlap_tokens=6):
        assert text[c.start_char:c.end_char] == c.text
        after = text[c.end_char:c.end_char + 1]
        assert not after or unicodedata.category(after)[0] != "M", c.text  # was: "…पहल" without its "े"
        assert unicodedata.category(c.text[0])[0] != "M"


def test_ascii_chunks_unchanged_by_the_glued_sentence_rule(tok):
    text = "Version 3.5 ships e.g. today.Next sentence! " * 40
    chunks = chunk_text(text, tok, chunk_tokens=24, overlap_tokens=4)
    # an ASCII "." with no space after it is still no cut: every chunk but the last ends at a word end or sentence
    assert all(text[c.start_char:c.end_char] == c.text for c in chunks)
    assert not any(c.text.endswith("3.") for c in chunks)
