"""How the keyword index reads text (split out of lexical.py): the schema and its analyzer, the search form of a
chunk or a query, and a query's terms. What the analyzer or `search_form` make of a text is stored in the index: a
change there bumps lexical.SCHEMA_VERSION (an older index is rebuilt)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from .acronyms import acronym_terms
from .dateforms import date_terms
from .hyphenforms import hyphen_terms
from .scripts import strip_prefixes, word_form
from .text import folded, nfkc

MAX_QUERY_TERMS = 64
MAX_FORM_TERMS = 16  # a question's date, acronym and joined terms after its words (`form_terms`)

# Letters/digits runs with the marks inside them (vowel signs are not `\w`: "हिंदी" was searched as "ह" and "द"): the
# rest (quotes, colons, parens, +-^~*, brackets) is dropped, so user text is never read as tantivy query syntax.
_TERM = re.compile(r"[^\W_](?:[^\W_]|[\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670"
                   r"\u06d6-\u06ed\u0900-\u0dff\u0e31-\u0e3a\u0e47-\u0e4e\u0eb1-\u0ecd\u0f18-\u0fbc\u1000-\u109f"
                   r"\u17b4-\u17d3\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\u302a-\u302f\u3099\u309a\ufe20-\ufe2f])*")
_ASCII_UPPER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
# Both fields' analyzer (named in the index's schema): tantivy's "en_stem" with accents folded after lower-casing
# (Lucene's ASCIIFoldingFilter: é -> e, ß -> ss, æ -> ae, ø -> o), so "resume", "Strasse", "Zurich" typed on an English
# or Swiss keyboard find "résumé", "Straße", "Zürich"; other scripts stay as they are, ASCII is analysed as before.
TOKENIZER = "en_fold"
# Round 58: a date's and an acronym's terms (`form_terms`) in a field of their own, so a chunk's text field, its
# length and every plain word's BM25 score stay as they were; a question's form terms are searched there too. Round
# 59: a hyphenated word's joined form ("wifi") there too, not in the text's analyzer (every length would change).
FORMS = "forms"
SEARCH_FIELDS = ["title", "text", FORMS]


def index_schema() -> Any:
    """The keyword index's fields, the text fields (title, text, FORMS) read by TOKENIZER."""
    import tantivy

    sb = tantivy.SchemaBuilder()
    sb.add_unsigned_field("chunk_id", stored=True, indexed=True, fast=True)
    sb.add_unsigned_field("doc_id", stored=True, indexed=True, fast=True)
    sb.add_text_field("title", stored=False, tokenizer_name=TOKENIZER)
    sb.add_text_field("text", stored=False, tokenizer_name=TOKENIZER)
    sb.add_text_field(FORMS, stored=False, tokenizer_name=TOKENIZER)
    return sb.build()


def analyzer() -> Any:
    """TOKENIZER's analyzer; lexical.py runs a query term through it to count the chunks that hold it as stored."""
    import tantivy

    return (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).filter(tantivy.Filter.remove_long(40))
            .filter(tantivy.Filter.lowercase()).filter(tantivy.Filter.ascii_fold())
            .filter(tantivy.Filter.stemmer("english")).build())


def with_tokenizer(index: Any) -> Any:
    """`index` with TOKENIZER registered (Tantivy keeps analyzers per Index object; unknown, every write fails)."""
    index.register_tokenizer(TOKENIZER, analyzer())
    return index


def schema_tokenizer(path: Path) -> str | None:
    """The analyzer the index in `path` records for its text (None: unknown); the sidecar's version may be lost."""
    try:
        meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
        fields = {f.get("name"): f for f in meta.get("schema", []) if isinstance(f, dict)}
        return fields["text"]["options"]["indexing"]["tokenizer"]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def search_form(text: str) -> str:
    """What the index reads of a chunk's text or title, and of a query (the stored text keeps its characters): NFKC,
    as decomposed text (macOS: "e" + U+0301) is split at the accent ("re", "sume") and fullwidth forms meet no plain
    one; "İ" as "I" (lower-cased it keeps a dot no folding removes); a Han or kana run as its overlapping pairs
    ("雪山专业版": "雪山 山专 专业 业版", as Lucene's CJK analyzer), so "雪山" finds it; Hangul alike; other scripts'
    marks, letter variants and digits as `scripts.script_form` reads them (round 49); Arabic and Hebrew words without
    their prefixes ("والمدرسة": "مدرسه", `scripts.strip_prefixes`, round 50)."""
    if text.isascii():
        return text
    return strip_prefixes(word_form(nfkc(text).replace("\u0130", "I")))  # "Widget™": "Widget TM " (text.nfkc)


def form_terms(text: str, query: bool = False) -> list[str]:
    """The FORMS field's terms of a text (round 58): its dates' (dateforms.py: "11th of March" and "2026-03-11" both
    "date0311") and its phrases' initials and acronyms' (acronyms.py: "AGM" meets "Annual general meeting";
    `query`: a question's, read the other way round); and its short hyphenated words' joined forms (hyphenforms.py,
    round 59: "Wi-Fi" as "wifi", met by the other side's plain word either way)."""
    form = search_form(text)
    return date_terms(form) + acronym_terms(form, query) + hyphen_terms(form)


def query_terms(query: str) -> list[str]:
    """The query's words (`search_form`), ASCII lower-cased so AND/OR/NOT are plain words (the analyzer lower-cases
    the rest), de-duplicated as the analyzer reads them (lower-cased, accents folded: "Zurich Zürich" is one term,
    not one counted twice), capped."""
    seen: dict[str, str] = {}
    for m in _TERM.finditer(search_form(query or "")):
        t = m.group(0).translate(_ASCII_UPPER)
        key = t if t.isascii() else folded(t.lower())
        if key not in seen:
            seen[key] = t
            if len(seen) >= MAX_QUERY_TERMS:
                break
    return list(seen.values())


def search_terms(query: str) -> list[str]:
    """What the keyword search looks for: the query's words (`query_terms`), then its FORMS terms (`form_terms`:
    dates, acronyms; round 58), capped. Only the search reads these: highlighting and the probes read the words."""
    words = query_terms(query)
    return words + [t for t in form_terms(query or "", query=True) if t not in words][:MAX_FORM_TERMS]
