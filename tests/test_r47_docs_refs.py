"""A pointer into the docs must land on something: the docs, README.md and the code's messages send readers to
`docs/X.md, "Title"` (docs/security.md, "Erasing a document") and to `[text](docs/X.md#anchor)` links. A renamed or
removed section leaves them pointing nowhere, which a reader following the message literally cannot tell from a
section they failed to find.

- `FILE.md, "Title"` (also `FILE.md "Title"`, `FILE.md: "Title"`, and `\"Title\"` inside a string) in README.md, docs/*.md or a ragtune/ module
  (comments wrapped over `#` lines are joined first): FILE.md must exist, and Title must be part of one of its
  headings or of a bold lead-in (`**A backup works wherever it is put.**`), ignoring backticks, case and spacing.
- `](FILE.md#anchor)` / `](#anchor)` in README.md and docs/*.md: the anchor must be the GitHub slug of a heading of
  that file (lower case, punctuation other than `-` and `_` dropped, spaces as `-`).
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]
TARGETS = DOCS + [ROOT / "benchmarks" / "README.md", ROOT / "packaging" / "README.md"]
REF = re.compile(r"((?:docs|benchmarks|packaging)/[\w.-]+\.md|README\.md),?:?\s+\\?[\"“]([^\"”\\]{3,100})\\?[\"”]")


def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[`*]", "", text)).strip().rstrip(".").lower()


def _headings(text: str) -> list[str]:
    return re.findall(r"(?m)^#{1,6}\s+(.*)$", re.sub(r"(?ms)^```.*?^```", "", text))


def _titles(text: str) -> list[str]:
    return [_fold(h) for h in _headings(text)] + [_fold(b) for b in re.findall(r"\*\*([^*\n]+(?:\n[^*\n]+)*)\*\*", text)]


def slug(heading: str) -> str:
    text = re.sub(r"[`*]", "", heading).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def _rel(p: Path) -> str:
    return p.relative_to(ROOT).as_posix()


def section_refs(sources: dict[str, str], targets: dict[str, str]) -> list[str]:
    titles = {name: _titles(text) for name, text in targets.items()}
    bad = []
    for src, text in sources.items():
        joined = re.sub(r"\n[ \t]*#[ \t]*", " \n", text) if src.endswith(".py") else text  # wrapped comments
        for m in REF.finditer(joined):
            doc, title = m.group(1), _fold(m.group(2))
            where = f"{src}:{joined.count(chr(10), 0, m.start()) + 1}"
            if doc not in titles:
                bad.append(f"{where}: {doc} does not exist")
            elif not any(title in t for t in titles[doc]):
                bad.append(f"{where}: {doc} has no section \"{m.group(2)}\"")
    return bad


def anchor_refs(sources: dict[str, str], targets: dict[str, str]) -> list[str]:
    slugs = {name: {slug(h) for h in _headings(text)} for name, text in targets.items()}
    bad = []
    for src, text in sources.items():
        for m in re.finditer(r"\]\(([\w./-]*\.md)?#([\w\-]+)\)", text):
            target = m.group(1)
            doc = src if not target else (Path(src).parent / target).as_posix().replace("docs/../", "")
            if doc in slugs and m.group(2) not in slugs[doc]:
                bad.append(f"{src}:{text.count(chr(10), 0, m.start()) + 1}: {doc} has no heading #{m.group(2)}")
    return bad


def _read(paths) -> dict[str, str]:
    return {_rel(p): p.read_text(encoding="utf-8") for p in paths if p.exists()}


def test_section_references_name_a_section():
    sources = _read(DOCS + sorted((ROOT / "ragtune").rglob("*.py")))
    bad = section_refs(sources, _read(TARGETS))
    assert not bad, "references to doc sections that are not there:\n" + "\n".join(bad)


def test_anchor_links_name_a_heading():
    bad = anchor_refs(_read(DOCS), _read(TARGETS))
    assert not bad, "links to anchors that are not there:\n" + "\n".join(bad)


def test_the_rules():
    targets = {"docs/a.md": "# A\n\n## Erasing a `document`\n\n**A backup works wherever it is put.** Paths…\n"}
    sources = {"docs/b.md": 'see (docs/a.md, "Erasing a document") and docs/a.md "a backup works\nwherever it is '
                            'put", not docs/a.md, "Gone section", nor docs/z.md, "Any"',
               "ragtune/x.py": '# (docs/a.md, "Erasing\n    # a document")\nhint="docs/a.md, \\"Missing\\""'}
    bad = section_refs(sources, targets)
    assert [b.split(": ", 1)[1] for b in bad] == [
        'docs/a.md has no section "Gone section"', "docs/z.md does not exist", 'docs/a.md has no section "Missing"']
    assert slug("Erasing a `document` (round 4)") == "erasing-a-document-round-4"
    links = {"docs/a.md": "[x](#erasing-a-document) [y](#gone)", "README.md": "[z](docs/a.md#a) [w](docs/a.md#b)"}
    assert anchor_refs(links, targets) == ["docs/a.md:1: docs/a.md has no heading #gone",
                                          "README.md:1: docs/a.md has no heading #b"]
