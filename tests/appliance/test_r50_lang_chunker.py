"""Round 50: text the embedder's tokenizer cannot see ([UNK] runs: Thai, Lao, Khmer, Myanmar) is bounded by its
characters as well as by tokens; text it sees is chunked exactly as before. Invented texts only."""

from __future__ import annotations

import pytest

from ragtune.appliance.ingest import chunker
from ragtune.appliance.ingest.chunker import chunk_text

from .ingest_helpers import real_tokenizer

THAI = ("บริษัทของเรามีนโยบายการลาพักร้อนสำหรับพนักงานทุกคน พนักงานใหม่ได้รับวันลาสิบห้าวันต่อปี "
        "การขอลาต้องยื่นล่วงหน้าสองสัปดาห์ รหัสผ่านเปลี่ยนทุกเก้าสิบวัน\n")
LAO = "ບໍລິສັດຂອງພວກເຮົາມີນະໂຍບາຍການພັກຜ່ອນ ພະນັກງານໃໝ່ໄດ້ຮັບວັນພັກສິບຫ້າວັນຕໍ່ປີ "
KHMER = "ក្រុមហ៊ុនរបស់យើងមានគោលនយោបាយឈប់សម្រាក បុគ្គលិកថ្មីទទួលបានការឈប់សម្រាកដប់ប្រាំថ្ងៃក្នុងមួយឆ្នាំ "
SEEN = {  # texts the tokenizer spells (an [UNK] of a rare letter or word at most): chunks must not change
    "latin": "Urlaubsanträge müssen zwei Wochen vorher gestellt werden. Les congés sont accordés. naïve Zürich. ",
    "cyrillic": "Заявление на отпуск подаётся за две недели. Ёжики живут в лесу. Пароль меняется каждые 90 дней.\n",
    "cjk": "长江公司休假制度。新员工每年享有十五天带薪年假。パスワードは90日ごと。신입 사원은 연간 15일을 받습니다. ",
    "hindi": "नए कर्मचारियों को साल में पंद्रह दिन की छुट्टी मिलती है। छुट्टी का आवेदन दो सप्ताह पहले देना होता है। ",
    "ipa": "The name is pronounced tᵻˈnɒfərə in English; 😀 and ǂ are rare. ",
}


@pytest.fixture(scope="module")
def tok():
    return real_tokenizer()


def _spans_exact(text, chunks):
    return all(text[c.start_char:c.end_char] == c.text for c in chunks)


@pytest.mark.parametrize("para", [THAI, LAO, KHMER], ids=["th", "lo", "km"])
def test_unseen_script_chunks_are_bounded_by_characters(tok, para):
    text = para * 60  # ~5-7,000 characters: one chunk of "200 tokens" before
    chunks = chunk_text(text, tok, chunk_tokens=200, overlap_tokens=40)
    assert len(chunks) >= 5  # was 1
    assert max(len(c.text) for c in chunks) <= 1300
    assert _spans_exact(text, chunks) and chunks[0].start_char == 0 and chunks[-1].end_char == len(text.rstrip())
    assert all(b.start_char < a.end_char for a, b in zip(chunks, chunks[1:]))  # overlapping, nothing skipped
    assert all(c.n_tokens <= 200 for c in chunks)


def test_thai_without_spaces_is_bounded_too(tok):
    text = THAI.replace(" ", "").replace("\n", "") * 40  # one word of 4,000+ characters: pieces of PIECE_CHARS
    chunks = chunk_text(text, tok, chunk_tokens=200, overlap_tokens=40)
    assert max(len(c.text) for c in chunks) <= 1600
    assert _spans_exact(text, chunks) and chunks[-1].end_char == len(text.rstrip())


def test_long_thai_text_in_blocks(tok):
    text = THAI * 700  # > BLOCK_CHARS: costs carried across blocks and past dropped tokens
    assert len(text) > chunker.BLOCK_CHARS
    chunks = chunk_text(text, tok, chunk_tokens=64, overlap_tokens=8)
    assert max(len(c.text) for c in chunks) <= 600
    assert _spans_exact(text, chunks) and chunks[-1].end_char == len(text.rstrip())


@pytest.mark.parametrize("name", sorted(SEEN))
@pytest.mark.parametrize("size,overlap", [(200, 40), (64, 8), (24, 4)])
def test_text_the_tokenizer_sees_is_chunked_as_before(tok, monkeypatch, name, size, overlap):
    text = SEEN[name] * 30 + "\n\n" + (SEEN[name] + "\n") * 20
    new = chunk_text(text, tok, chunk_tokens=size, overlap_tokens=overlap)
    monkeypatch.setattr(chunker, "_unk_id", lambda _t: None)  # every token costs one: the chunker before round 50
    assert chunk_text(text, tok, chunk_tokens=size, overlap_tokens=overlap) == new


def test_english_around_thai_is_cut_as_before(tok, monkeypatch):
    english = "The leave policy gives new staff fifteen days a year. Requests go to the manager two weeks ahead. " * 30
    text = english + "\n\n" + THAI * 30
    new = chunk_text(text, tok, chunk_tokens=64, overlap_tokens=8)
    monkeypatch.setattr(chunker, "_unk_id", lambda _t: None)
    old = chunk_text(text, tok, chunk_tokens=64, overlap_tokens=8)
    cut = len(english)
    assert [c for c in new if c.end_char <= cut] == [c for c in old if c.end_char <= cut]
    assert max(len(c.text) for c in new) < max(len(c.text) for c in old)


@pytest.mark.parametrize("text", ["ये लोगों", "सभी कर्मचारियों", "ឆ្នាំ"])
def test_a_chunk_keeps_every_mark_of_its_last_letter(tok, text):
    # the tokenizer keeps "ो" / "ា" and drops the sign after it ("ं", "ំ"): the token's end is moved over both
    assert chunk_text(text, tok)[-1].text == text  # was "ये लोगो", "ឆ្នា"
