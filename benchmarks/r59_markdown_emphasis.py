"""Round 59: Markdown's inline marks in the stored text (ragtune/appliance/ingest/loaders/md_inline.py). CC0, invented:
20 short Markdown snippets the way people write handbooks, FAQs, menus and notes: bold values and labels, italic
words, `code` names, and the `*` and `_` that are content (arithmetic, file and variable names, a footnote's star,
bullets, a table's cells, URLs and e-mail addresses, an escaped star). Each is loaded by the Markdown loader twice:
"before" with the inline marks kept (the loader as it was, md_inline.strip_inline bypassed) and "after"; the lines
that differ are printed, and the files of any FOLDER given (every *.md in it) likewise.

    PYTHONPATH=<tree> python benchmarks/r59_markdown_emphasis.py [FOLDER ...]

Last, the counts: snippets changed, snippets whose `*`/`_` content (WANT_KEPT) survived, and the marks left (`**`,
`__`, a backtick) in the after text of snippets meant to lose all of theirs.

Round 59 (start tree 9a295e8 -> md_inline.py): 15 of 20 snippets change, the 5 with only content stars and
underscores do not; every WANT_KEPT string survives; no `**`, `__` or backtick is left in the 12 snippets marked
"clean". A user's staff handbook (vetfolder/staff-handbook.md): 9 lines change, e.g. "- The key safe code is
**4719#**; the alarm code is …" -> "- The key safe code is 4719#; the alarm code is …"; its table, headings and bullets
are unchanged.
"""

from __future__ import annotations

import difflib
import sys
import tempfile
from pathlib import Path

from ragtune.appliance.ingest.loaders import load_file, plain

# (name, Markdown, strings that must survive as written, whether every emphasis/code mark should be gone)
SNIPPETS: list[tuple[str, str, tuple[str, ...], bool]] = [
    ("bold value", "The side door code is **2580#**; it changes on the 1st of each month.\n", (), True),
    ("bold phrase", "- Deliveries go to the **loading bay behind the bakery** (off Tanner Street).\n", (), True),
    ("italic and bold", "Our **Saturday clinic** runs 9–12; please bring the *blue* card.\n", (), True),
    ("underscores", "Call __Reception__ on 01632 960 111 before _8am_ if you are running late.\n", (), True),
    ("code spans", "The guest Wi-Fi is `Cafe-Guest` and its password is `latte2026`.\n", (), True),
    ("bold label lines", "Opening hours\n**Mon–Fri:** 8:00–18:00\n**Sat:** 9:00–13:00\n", (), True),
    ("bold FAQ question", "**Q: Can I park on site?**\nA: Yes, in bays 1–6 only.\n", (), True),
    ("bold italic", "***Important:*** the fire exit is at the back of the hall.\n", (), True),
    ("italic footer", "_Last updated 3 March 2026 by the office team_\n", (), True),
    ("heading", "## **Refunds** and *returns*\n\nWithin 30 days with a receipt.\n", (), True),
    ("wrapped italic", "*Prices are a guide only and may change\nwithout notice during the season.*\n", (), True),
    ("bullets", "* Bring a towel\n* Bring **two** padlocks\n* Arrive _early_ on the first day\n", ("* Bring a towel",),
     True),
    ("arithmetic", "Give 5 * 3 ml per kilo; a course is 2*3*4 tablets, and the area is x**2 + y**2.\n",
     ("5 * 3 ml", "2*3*4", "x**2 + y**2"), False),
    ("names", "Save it as report_final_v2.docx in shared_drive, next to __init__.py and my_notes_.\n",
     ("report_final_v2.docx", "shared_drive", "__init__.py", "my_notes_"), False),
    ("nix", "It runs on *nix servers and *BSD too.\n", ("*nix", "*BSD"), False),
    ("footnote star", "Members pay £12* per class, guests £15*.\n\n*Members who joined before April.\n",
     ("£12*", "£15*", "*Members who joined"), False),
    ("table", "| **Plan** | Price |\n|---|---|\n| Basic* | £9 |\n| *Family* | £20 |\n",
     ("| Basic* | £9 |", "|---|---|"), False),
    ("links and mail", "See https://example.org/terms_and_conditions or write to help_desk@example.org; "
                       "[**Book here**](https://example.org/book_now).\n",
     ("https://example.org/terms_and_conditions", "help_desk@example.org", "(https://example.org/book_now)"), False),
    ("escaped star", "Dial \\*67 before the number to hide it, then press **Call**.\n", ("*67",), False),
    ("fenced code", "Run this:\n\n```\ncp *.log backup_dir/ # **not bold**\n```\n", ("cp *.log backup_dir/ # **not bold**",),
     False),
]


def _texts(path: Path) -> tuple[str, str]:
    after = load_file(path).text
    keep = plain.strip_inline
    plain.strip_inline = lambda s: s  # the loader as it was
    try:
        before = load_file(path).text
    finally:
        plain.strip_inline = keep
    return before, after


def _show(name: str, before: str, after: str) -> bool:
    if before == after:
        print(f"== {name}: unchanged")
        return False
    print(f"== {name}:")
    for line in difflib.unified_diff(before.splitlines(), after.splitlines(), "before", "after", n=0, lineterm=""):
        if not line.startswith(("---", "+++", "@@")):
            print("   " + line)
    return True


def main(folders: list[str]) -> int:
    changed = kept_ok = clean_ok = n_clean = 0
    with tempfile.TemporaryDirectory() as tmp:
        for k, (name, text, want_kept, clean) in enumerate(SNIPPETS):
            p = Path(tmp) / f"s{k:02d}.md"
            p.write_text(text, encoding="utf-8")
            before, after = _texts(p)
            changed += _show(name, before, after)
            lost = [w for w in want_kept if w not in after]
            kept_ok += not lost
            if lost:
                print(f"   LOST: {lost}")
            if clean:
                n_clean += 1
                left = [m for m in ("**", "__", "`") if m in after]
                clean_ok += not left
                if left:
                    print(f"   MARKS LEFT: {left}")
    for folder in folders:
        for p in sorted(Path(folder).glob("*.md")):
            before, after = _texts(p)
            _show(str(p), before, after)
    print(f"\nsnippets changed: {changed} of {len(SNIPPETS)}; content kept in {kept_ok} of {len(SNIPPETS)}; "
          f"no marks left in {clean_ok} of {n_clean} clean ones")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
