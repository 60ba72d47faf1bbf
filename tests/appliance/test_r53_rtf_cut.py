"""Round 53: a .rtf whose last `}`s are missing (a copy cut short, a mail client's attachment) is read up to where it
stops, with a note saying the file ends early (loaders/richtext.py); a file that is not RTF stays refused; Outlook's
RTF bodies (read_rtf without cut_ok) still call a cut body damaged. Content invented (CC0)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ragtune.appliance.ingest.loaders import load_file
from ragtune.appliance.ingest.loaders.base import LoadError
from ragtune.appliance.ingest.loaders.richtext import load_rtf, read_rtf

from . import rtf_build as rb

P = Path("/archive/cut.rtf")
CUT = "the file ends early"


def _reason(raw: bytes) -> str:
    with pytest.raises(LoadError) as e:
        load_rtf(P, raw)
    return str(e.value)


def test_missing_final_braces_read_whole_with_a_note():
    raw = rb.word(rb.para("The hearing is on 14 May.") + rb.para("Bring the lease."))
    whole = load_rtf(P, raw)
    for cut in (raw.rstrip()[:-1], raw.rstrip()[:-1] + b"\r\n"):  # its last "}" gone (and a line end after it)
        d = load_rtf(P, cut)
        assert d.text == whole.text and d.title == whole.title and d.doc_date == whole.doc_date
        assert len(d.notes) == 1 and d.notes[0].startswith(f"{CUT} (1 group left open: a copy cut short?)")
    assert not whole.notes


def test_several_braces_missing_and_wordpad():
    d = load_rtf(P, b"{\\rtf1\\ansi{\\fonttbl{\\f0 Arial;}}\\pard Kept text {\\b bold part")
    assert d.text == "Kept text bold part"
    assert d.notes == (f"{CUT} (2 groups left open: a copy cut short?): its text is read up to where it stops "
                       "(docs/ingest.md, Rich Text)",)
    raw = rb.wordpad(["Minutes of the March meeting.", "Budget approved."])
    d = load_rtf(P, raw[:raw.rindex(b"}")])
    assert d.text == "Minutes of the March meeting.\n\nBudget approved." and CUT in d.notes[0]


def test_cut_in_the_middle_reads_up_to_the_cut():
    raw = rb.word("".join(rb.para(f"Paragraph {i} of the memo.") for i in range(50)))
    d = load_rtf(P, raw[:raw.index(b"Paragraph 30") + len(b"Paragraph 30 of")])
    lines = d.text.split("\n\n")
    assert lines[0] == "Paragraph 0 of the memo." and lines[-1] == "Paragraph 30 of" and len(lines) == 31
    assert CUT in d.notes[0]


def test_cut_inside_an_escape_or_a_skipped_group():
    assert load_rtf(P, b"{\\rtf1 Caf\\'e9 cr\\'e").text == "Caf\u00e9 cr"  # a torn \'hh is not text
    assert load_rtf(P, b"{\\rtf1 Line one\\").text == "Line one"
    d = load_rtf(P, b"{\\rtf1 text{\\*\\shppict{\\pict 89504e47")
    assert d.text == "text" and CUT in d.notes[0]


def test_a_footnote_left_open_is_kept():
    d = load_rtf(P, b"{\\rtf1 Main{\\super\\chftn}{\\footnote\\pard {\\super\\chftn} The note text")
    assert d.text == "Main[1]\n\n[1] The note text"


def test_hidden_text_still_left_out_and_both_notes():
    d = load_rtf(P, b"{\\rtf1 Seen {\\v unseen}more")
    assert d.text == "Seen more"
    assert [n.split(" (")[0] for n in d.notes] == [CUT, "1 run of hidden text"]


def test_cut_before_any_text_is_refused_with_the_old_reason():
    raw = rb.word(rb.para("Body."))
    assert _reason(raw[:raw.index(b"{\\stylesheet") + 40]).startswith("damaged RTF: cut short (groups left open: ")
    assert _reason(b"{\\rtf1") == "damaged RTF: cut short (groups left open: 1)"
    assert _reason(b"{\\rtf1}") == "empty document"
    assert _reason(b"{\\rtf1 {\\v all hidden") == "damaged RTF: cut short (groups left open: 2)"


@pytest.mark.parametrize("raw, reason", [
    (b"Dear Ms Ortiz,\nplain text saved as .rtf", "not RTF (no {\\rtf at its start: plain text named .rtf?)"),
    (b"%PDF-1.7\n%\xe2\xe3", "not RTF: a PDF named .rtf"),
    (b"{\\rt", "not RTF (no {\\rtf at its start: plain text named .rtf?)"),
    (bytes(range(256)) * 8, "not RTF (binary file)"),
])
def test_not_rtf_stays_refused(raw, reason):
    assert _reason(raw) == reason


def test_outlook_bodies_still_call_a_cut_body_damaged():
    with pytest.raises(LoadError, match=r"^damaged RTF: cut short \(groups left open: 1\)$"):
        read_rtf(b"{\\rtf1\\ansi A rich-text message body")
    assert read_rtf(b"{\\rtf1 x", cut_ok=True).open_groups == 1


def test_through_load_file_and_as_a_doc(tmp_path):
    f = tmp_path / "letter.rtf"
    f.write_bytes(b"{\\rtf1\\ansi\\pard Dear Sir, the deposit is 400 pounds.\\par")
    d = load_file(f)
    assert d.kind == "rtf" and d.text == "Dear Sir, the deposit is 400 pounds." and CUT in d.notes[0]
    g = tmp_path / "letter.doc"  # Word's "Save as" RTF under the old name: read as .rtf is
    g.write_bytes(f.read_bytes())
    d = load_file(g)
    assert d.kind == "doc" and d.text == "Dear Sir, the deposit is 400 pounds." and CUT in d.notes[0]
