"""Keyword search over mixed-language office documents (round 43): accents folded ("resume" finds "résumé",
"Strasse" finds "Straße"), decomposed text (macOS "e" + U+0301) and fullwidth forms found, words with combining
vowel signs (Devanagari) searched whole, Chinese and Japanese read as character pairs, a version 1 index (no folding)
rebuilt; ASCII analysed as before."""

from __future__ import annotations

import json
import unicodedata

import pytest

from ragtune.appliance import lexical as lexical_mod
from ragtune.appliance.lexical import SIDECAR, LexicalIndex, query_terms
from ragtune.appliance.lexical_terms import analyzer
from ragtune.appliance.store import Store

from .test_lexical import _add_doc, _chunk_id

NFD = "Le d\u00e9m\u00e9nagement \u00e0 Gen\u00e8ve, le caf\u00e9 offert"
TEXTS = {
    "resume": "R\u00e9sum\u00e9 of Am\u00e9lie Dubois, HR in Z\u00fcrich",
    "strasse": "Our office is at Bahnhofstra\u00dfe 12; the Stra\u00dfe is closed on Sunday",
    "nfd": unicodedata.normalize("NFD", NFD),
    "wide": "\uff37\uff49\uff4e\uff44\uff4f\uff57\uff53 laptops for the sales team",
    "hindi": "\u0939\u093f\u0902\u0926\u0940 \u092d\u093e\u0937\u093e training for the Delhi office",
    "turkish": "\u0130stanbul branch opening",
    "greek": "\u03a3\u03c9\u03ba\u03c1\u03ac\u03c4\u03b7\u03c2 leads the audit",
    "chinese": "\u6211\u4eec\u7684\u4ea7\u54c1\u5305\u62ec\u96ea\u5c71\u4e13\u4e1a\u7248\u548c\u4e1c\u4eac\u540c\u6b65"
               "\u3002\u4ef7\u683c\u4e3a\u4e00\u5343\u4e8c\u767e\u745e\u58eb\u6cd5\u90ce",  # no spaces: one run
    "japanese": "\u65b0\u3057\u3044\u30bd\u30d5\u30c8\u30a6\u30a7\u30a2\u3092\u5c0e\u5165\u3057\u307e\u3057\u305f",
}


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    d = tmp_path_factory.mktemp("lexu")
    s = Store(d / "db.sqlite")
    for name, text in TEXTS.items():
        _add_doc(s, f"/{name}.md", "Notes", [text])
    ix = LexicalIndex(d / "tantivy")
    ix.ensure_synced(s)
    yield ix, s
    ix.close()
    s.close()


@pytest.mark.parametrize("query, doc", [
    ("resume", "resume"), ("r\u00e9sum\u00e9", "resume"), ("Zurich", "resume"), ("Amelie", "resume"),
    ("Bahnhofstrasse", "strasse"), ("Strasse", "strasse"), ("Stra\u00dfe", "strasse"),
    ("d\u00e9m\u00e9nagement", "nfd"), ("demenagement", "nfd"), ("caf\u00e9", "nfd"), ("Geneve", "nfd"),
    (unicodedata.normalize("NFD", "Gen\u00e8ve"), "nfd"),  # a question pasted from a decomposed source
    ("Windows", "wide"), ("\uff37\uff49\uff4e\uff44\uff4f\uff57\uff53", "wide"),
    ("\u0939\u093f\u0902\u0926\u0940", "hindi"), ("\u092d\u093e\u0937\u093e", "hindi"),
    ("Istanbul", "turkish"), ("\u0130stanbul", "turkish"),
    ("\u03c3\u03c9\u03ba\u03c1\u03ac\u03c4\u03b7\u03c2", "greek"),  # other scripts: lower case, unfolded
    ("\u96ea\u5c71", "chinese"), ("\u96ea\u5c71\u4e13\u4e1a\u7248", "chinese"),  # a name inside a sentence
    ("\u4ef7\u683c", "chinese"),  # "price": past 13 characters the run was not indexed at all
    ("\u30bd\u30d5\u30c8\u30a6\u30a7\u30a2", "japanese"), ("\uff7f\uff6c\uff84\uff73\uff6a\uff71", "japanese"),
])
def test_accents_and_forms_meet(index, query, doc):
    ix, store = index
    hits = ix.search(query, 3)
    assert hits and hits[0][0] == _chunk_id(store, TEXTS[doc][:6]), (query, hits)


def test_query_terms_keep_vowel_signs_and_lower_only_ascii():
    # Python's \w has no combining marks: "हिंदी" was cut into "ह" and "द", which no indexed word is
    assert query_terms("\u0939\u093f\u0902\u0926\u0940 \u092d\u093e\u0937\u093e") == [
        "\u0939\u093f\u0902\u0926\u0940", "\u092d\u093e\u0937\u093e"]
    assert query_terms("\u0130stanbul") == ["istanbul"]  # "İ".lower() is "i" + U+0307, which the index splits at
    assert query_terms("re\u0301sume\u0301 NOT") == ["r\u00e9sum\u00e9", "not"]
    assert query_terms('Title:"Cats" AND (x) \u0301') == ["title", "cats", "and", "x"]  # a lone mark is no word


def test_ascii_text_is_analysed_as_en_stem():
    import tantivy

    text = "The Running dogs' owners RE-ran 12 reports: USB-C, e-mail & Wi-Fi; naïve is not ASCII"
    stem = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).filter(tantivy.Filter.remove_long(40)) \
        .filter(tantivy.Filter.lowercase()).filter(tantivy.Filter.stemmer("english")).build()
    ascii_part = text.split(" na")[0]
    assert analyzer().analyze(ascii_part) == stem.analyze(ascii_part)
    assert lexical_mod.search_form(ascii_part) is ascii_part


def test_a_version_1_index_is_rebuilt_folding(tmp_path):
    """An index written before folding (schema 1, analyzer "en_stem") is not searched as it is: "resume" would
    miss. Its marker, or its recorded analyzer when the marker is gone, makes it be rebuilt from the database."""
    import tantivy

    s = Store(tmp_path / "db.sqlite")
    _add_doc(s, "/r.md", "CV", [TEXTS["resume"]])
    for lose_marker in (False, True):
        path = tmp_path / f"old{int(lose_marker)}"
        path.mkdir()
        sb = tantivy.SchemaBuilder()
        sb.add_unsigned_field("chunk_id", stored=True, indexed=True, fast=True)
        sb.add_unsigned_field("doc_id", stored=True, indexed=True, fast=True)
        sb.add_text_field("title", stored=False, tokenizer_name="en_stem")
        sb.add_text_field("text", stored=False, tokenizer_name="en_stem")
        old = tantivy.Index(sb.build(), path=str(path), reuse=False)
        w = old.writer(heap_size=15_000_000, num_threads=1)
        doc = tantivy.Document()
        doc.add_unsigned("chunk_id", 1)
        doc.add_unsigned("doc_id", 1)
        doc.add_text("title", "CV")
        doc.add_text("text", TEXTS["resume"])
        w.add_document(doc)
        w.commit()
        w.wait_merging_threads()
        if not lose_marker:
            (path / SIDECAR).write_text(json.dumps({"schema": 1, "index_version": s.index_version}))
        ix = LexicalIndex(path)
        assert ix.corrupt
        assert ix.ensure_synced(s) is True
        assert ix.search("resume", 3) and ix.search("Zurich", 3)
        ix.close()
        assert LexicalIndex(path).corrupt is False  # rebuilt with the folding analyzer: opened as it is now
    s.close()


def test_query_terms_count_a_word_once_whatever_its_accents_or_case():
    from ragtune.appliance.lexical import query_terms
    assert query_terms("Zurich Zürich ZÜRICH zurich") == ["zurich"]
    assert query_terms("ÉTÉ été ete") == ["ÉtÉ"]  # the first form stays; the analyzer lower-cases and folds it
    assert query_terms("the AND or Not") == ["the", "and", "or", "not"]  # ASCII as before
