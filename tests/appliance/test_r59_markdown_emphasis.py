"""Markdown's inline marks (round 59, loaders/md_inline.py): a staff handbook's `**4719#**;` was stored and answered
with its marks (`4719#**; the alarm code is given…`), and `**staff entrance at the back**` cut a phrase at its `**`.
The Markdown loader now stores the text a rendered page shows; a `*` or `_` that is content stays. Also the refusal
of a Windows "ANSI" text file names the likely conversion."""

from __future__ import annotations

import time

import pytest

from ragtune.appliance.ingest.loaders import LOADER_VERSIONS, LoadError, load_file
from ragtune.appliance.ingest.loaders.base import looks_western
from ragtune.appliance.ingest.loaders.md_inline import strip_inline


def _md(tmp_path, text: str, name: str = "h.md"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return load_file(p)


@pytest.mark.parametrize("src, want", [
    ("The key safe code is **4719#**; the alarm code is given", "The key safe code is 4719#; the alarm code is given"),
    ("- Use the **staff entrance at the back** (yard gate)", "- Use the staff entrance at the back (yard gate)"),
    ("Sign in *and* on the tablet. __Bold__ and _this_ too.", "Sign in and on the tablet. Bold and this too."),
    ("***Both*** and **bold *nested* here**", "Both and bold nested here"),
    ("The Wi-Fi is `BRV-Staff`; run ``a`b`` here", "The Wi-Fi is BRV-Staff; run a`b here"),
    ("# **Sickness** and *absence*", "# Sickness and absence"),
    ("*Version 3.2, last reviewed\n2 September 2026*", "Version 3.2, last reviewed\n2 September 2026"),
    ("* item one\n* item **two**\n  goes **on\n  here** too", "* item one\n* item two\n  goes on\n  here too"),
    ("> a quote with **bold**", "> a quote with bold"),
    ("| **Day** | Price* |\n|---|---|\n| Mon | `£5` |", "| Day | Price* |\n|---|---|\n| Mon | £5 |"),
    ("un*frigging*believable, **10am** sharp", "unfriggingbelievable, 10am sharp"),
])
def test_emphasis_and_code_marks_are_left_out(src, want):
    assert strip_inline(src) == want


@pytest.mark.parametrize("src", [
    "5 * 3 = 15 and 2*3*4 = 24, x ** 2, x**2 + y**2 = r**2",
    "file_name_v2, snake_case_name, __init__.py and _build_/html",
    "a trailing my_var_ name",
    "Runs on *nix and *BSD systems",
    "Adult £20* and child £15*\n\n* prices include VAT",
    "*Members only\n*Booking needed",
    "* item\n- item\n+ item\n1. item",
    "***\n___\n* * *\n- - -",
    "    indented *code* block_\n    more_code_",
    "See https://x.org/a_b_c_ or www.x.org/*/x_ and jo_smith_@x.org, <https://x.org/__a__>",
    "a \\\\ b and C:\\Users\\snake_case",
    "** not bold ** and * not italic *",
    "plain text with no marks at all",
])
def test_content_asterisks_and_underscores_stay(src):
    assert strip_inline(src) == src


def test_escapes_are_read_as_the_characters_they_escape():
    assert strip_inline("Costs \\*not\\* starred, \\_not\\_ either, \\`tick\\`") == \
        "Costs *not* starred, _not_ either, `tick`"
    assert strip_inline("[**Book now**](https://x.org/__init__)") == "[Book now](https://x.org/__init__)"


def test_a_bold_line_inside_a_paragraph_stays_a_block_of_its_own():
    """injection._OPENS cut a span at a line opening with `**` ("**Phone:** …"): with the marks gone a blank line
    keeps the cut (an answer may not run from one such line into the next)."""
    assert strip_inline("Intro line\n**Phone:** 0113 496 0000\n**Email:** a@b.org") == \
        "Intro line\n\nPhone: 0113 496 0000\n\nEmail: a@b.org"
    assert strip_inline("**Phone:** 0113 496 0000") == "Phone: 0113 496 0000"  # first line: nothing to cut


def test_the_markdown_loader_stores_the_rendered_text(tmp_path):
    d = _md(tmp_path, "# *Staff* Handbook\n\n## 2. Arriving\n\n- The key safe code is **4719#**; the alarm code is "
                      "given in person.\n\nThe Wi-Fi is `BRV-Staff`.\n\n```\nx = a_b * c  # **kept**\n```\n\n"
                      "**Opening hours**\n==\n\n5 * 3 stays, file_name_v2 too.\n")
    assert d.title == "Staff Handbook"
    assert "The key safe code is 4719#; the alarm code is given in person." in d.text
    assert "The Wi-Fi is BRV-Staff." in d.text
    assert "x = a_b * c  # **kept**" in d.text  # a fence is code, as written
    assert "# Opening hours" in d.text  # a bold setext heading is a heading too
    assert "5 * 3 stays, file_name_v2 too." in d.text
    assert "**" not in d.text.replace("# **kept**", "")


def test_the_txt_loader_is_not_touched(tmp_path):
    p = tmp_path / "notes.txt"
    p.write_text("The code is **4719#** and `x`.\n", encoding="utf-8")
    assert load_file(p).text == "The code is **4719#** and `x`."


def test_markdown_loader_version_was_bumped():
    assert LOADER_VERSIONS["md"] == 8  # stored Markdown files are read again


@pytest.mark.parametrize("text", [
    "*a _b " * 40_000 + "c* " * 40_000,  # openers, then closers that pair far back
    "**b** _c_ `d` x*y " * 15_000,
    "*" * 300_000,
    "`a ``b " * 40_000,
    "a" * 300_000 + "@",
])
def test_linear_time_on_hostile_paragraphs(text):
    t = time.process_time()
    strip_inline(text)
    assert time.process_time() - t < 5.0


# -- the refusal of a Windows "ANSI" file ---------------------------------------------------------------------------
@pytest.mark.parametrize("text, enc, hint", [
    ("ok\ncaf\u00e9 cr\u00e8me br\u00fbl\u00e9e", "cp1252", True),
    ("Stra\u00dfe und M\u00fcller, \u00e9t\u00e9 \u00e0 Paris", "cp1252", True),
    ("\u041f\u0440\u0438\u0432\u0435\u0442, \u043a\u0430\u043a \u0434\u0435\u043b\u0430", "cp1251", False),
    ("\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8", "shift_jis", False),
    ("\u4e2d\u6587\u6587\u672c\u5185\u5bb9", "gbk", False),
])
def test_the_encoding_refusal_names_the_likely_conversion(tmp_path, text, enc, hint):
    p = tmp_path / "memo.txt"
    p.write_bytes(text.encode(enc))
    with pytest.raises(LoadError) as e:
        load_file(p)
    assert e.value.args[0].startswith("not UTF-8 text (invalid byte at line ")
    assert ("iconv -f cp1252 -t utf-8 FILE > NEW)" in e.value.args[0]) is hint
    assert e.value.args[0].endswith("save it as UTF-8)") is not hint


def test_utf8_with_one_bad_byte_gets_no_conversion_hint():
    """A converter would garble the UTF-8 letters before the bad byte: only "save it as UTF-8"."""
    raw = "caf\u00e9 ".encode("utf-8") + b"\xe9 x"
    assert not looks_western(raw, len(raw) - 3)
