"""The chat app highlights the words search matched: accents folded and NFKC as the keyword index reads them
("resume" marks "Résumé", "Strasse" marks "Straße"), the marks put back on the original characters however the
folding changed lengths (ß -> ss, a decomposed accent -> nothing, a ligature -> two letters)."""

from __future__ import annotations

from ragtune.tui.data import highlight, query_terms
from ragtune.tui.docsource import DocumentText


def marked(text: str, question: str) -> list[str]:
    out = highlight(text, query_terms(question))
    assert out.plain == text or len(out.plain) == len(text)  # one character for one (printable)
    return [out.plain[s.start:s.end] for s in sorted(out.spans, key=lambda s: s.start)]


def test_query_terms_are_folded_as_search_reads_words():
    assert query_terms("Mon Résumé, la STRAẞE?") == ["strasse", "resume", "mon"]
    assert query_terms("How do I toggle the LoRA adapter?") == ["adapter", "toggle", "lora"]  # ASCII as before
    assert query_terms("ＲＥＳＵＭＥ") == ["resume"]  # fullwidth (NFKC)
    assert query_terms("雪山专业版") == ["专业", "业版", "山专", "雪山"]  # CJK pairs, as searched


def test_an_accent_less_query_marks_the_accented_word():
    assert marked("Mon Résumé et mon CV", "resume") == ["Résumé"]
    assert marked("Zürich, Zurich", "zurich") == ["Zürich", "Zurich"]
    assert marked("résumé", "Résumé") == ["résumé"]


def test_a_decomposed_word_is_marked_whole_with_its_accents():
    text = "Le Re\u0301sume\u0301 final"  # macOS NFD
    assert marked(text, "resume") == ["Re\u0301sume\u0301"]


def test_length_changing_folds_keep_the_marks_on_the_right_characters():
    assert marked("Die Straße und Herr Müller", "muller strasse") == ["Straße", "Müller"]
    assert marked("Größe: ﬁle Maß; Müller", "muller") == ["Müller"]  # ß and the ligature before it
    assert marked("ﬁle", "file") == ["ﬁle"]
    assert marked("ＲＥＳＵＭＥ ok", "resume") == ["ＲＥＳＵＭＥ"]
    assert marked("İstanbul und Istanbul", "istanbul") == ["İstanbul", "Istanbul"]
    assert marked("a\x1b\u202eRésumé", "resume") == ["Résumé"]  # controls shown one for one


def test_a_cjk_term_is_marked_inside_a_run():
    assert marked("雪山专业版的说明", "雪山") == ["雪山"]
    assert "专业" in "".join(marked("雪山专业版的说明", "专业"))


def test_the_document_screen_marks_folded_words_too():
    from ragtune.tui.screens.document import DocumentScreen

    screen = DocumentScreen(DocumentText("/d/cv.md", "", "Mon Résumé, Straße"), query_terms("resume strasse"))
    body = screen._body()
    assert sorted(body.plain[s.start:s.end] for s in body.spans) == ["Résumé", "Straße"]
