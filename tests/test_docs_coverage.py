"""The documentation names everything the product has: every settings key, every CLI command, and only ingest failure
reasons the code can give. Read against the live code (config.SECTIONS, the click group), so a new key or command
without docs fails here, and so does a settings name written `S.K` or `[S] K` that the product no longer has.

Where the docs are: docs/*.md and README.md.

Settings key `K` of section `S` (every dataclass field of every section in `config.SECTIONS`) counts as documented
when a doc has one of:
  1. `S.K`, the dotted name, not followed by another name character (`generate.price_per_1k_*` names no key);
  2. `[S] K`, the bracketed section, spaces, then the key (e.g. "`[serve] queue`");
  3. in a fenced code block, a line `K = ...` (or `# K = ...`) under a `[S]` line of that block, before the next
     `[...]` line;
  4. `K` in backticks (alone, or followed by a space or `=`: "`k`", "`k = 4`") in a paragraph or table whose nearest
     section named before it is `[S]`: a `[S]` earlier in the same paragraph (a run of non-blank lines; a table is
     one), else a `[S]` in the heading the paragraph is under (up to the next heading of the same or a higher level).
A key named only without its section (a bare `threads` in prose) does not count: that is how a missing one hides.

Command `ragtune a b` (every command and group under `ragtune.cli.common.cli`, walked recursively) counts as
documented when a doc has `ragtune a b` as consecutive words (a `|` list names each: `ragtune models list|show`;
options in between do not count), or a table under a heading that names `ragtune a` has a row whose first cell
starts with `b` in backticks.

Ingest failure reasons: every backticked reason in the first column of a docs table headed `Reason` must be a
message some string literal or f-string in ragtune/appliance/ can produce: the reason, read with `…` as "anything"
and each word (or its letters inside punctuation, `'.xyz'`, `<file>`) as either itself or one `{value}` of an
f-string, must match the whole literal, with at least a third of its letters matched as written ("folder name …"
against f"{what} name is not valid UTF-8": 4 of 10). A leading `<file>:<line>: ` is the prefix errors.located() puts
on every error about a file line, written apart from the message, so it is not part of the match; a reason left with
no letters ("…") has nothing to check.
"""

from __future__ import annotations

import ast
import re
from dataclasses import fields
from pathlib import Path

import click
import pytest

from ragtune.appliance import config
from ragtune.cli.common import cli

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]

# Names whose docs are being written in this round by another change (the lead clears these when they land).
# Each entry: ("section.key" or "cmd sub") -> who owes the docs. Keep it empty otherwise.
PENDING_DOCS: dict[str, str] = {
}


def _texts() -> dict[str, str]:
    return {p.relative_to(ROOT).as_posix(): p.read_text(encoding="utf-8") for p in DOCS}


def _blocks(text: str):
    """(heading_sections, kind, lines) for each paragraph/table ("prose") or fenced block ("code") of a doc, with the
    sections named by the headings it is under (innermost last)."""
    headings: list[tuple[int, str]] = []  # (level, heading text) of the open headings
    para: list[str] = []
    fence: list[str] | None = None

    def under() -> list[str]:
        return [s for _, h in headings for s in re.findall(r"\[(\w+)\]", h)]

    out = []
    for line in text.splitlines():
        if fence is not None:
            if line.lstrip().startswith("```"):
                out.append((under(), "code", fence))
                fence = None
            else:
                fence.append(line)
            continue
        if line.lstrip().startswith("```"):
            if para:
                out.append((under(), "prose", para))
                para = []
            fence = []
            continue
        m = re.match(r"(#{1,6})\s+(.*)", line)
        if m:
            if para:
                out.append((under(), "prose", para))
                para = []
            level = len(m.group(1))
            headings = [(lv, h) for lv, h in headings if lv < level] + [(level, m.group(2))]
            continue
        if line.strip():
            para.append(line)
        elif para:
            out.append((under(), "prose", para))
            para = []
    if para:
        out.append((under(), "prose", para))
    return out


def documented_keys(texts: dict[str, str]) -> set[tuple[str, str]]:
    """Every (section, key) the docs name by rules 1-4 of the module docstring (any name, known or not)."""
    found: set[tuple[str, str]] = set()
    for text in texts.values():
        found.update(re.findall(r"\b([a-z]+)\.([a-z_][a-z0-9_]*)\b(?![\w*])", text))  # rule 1
        found.update(re.findall(r"\[([a-z]+)\]`?\s+`?([a-z_][a-z0-9_]*)\b", text))  # rule 2
        for heading_sections, kind, lines in _blocks(text):
            if kind == "code":  # rule 3
                current = None
                for line in lines:
                    m = re.match(r"\s*\[(\w+)\]\s*(#.*)?$", line)
                    if m:
                        current = m.group(1)
                        continue
                    m = re.match(r"\s*#?\s*([a-z_][a-z0-9_]*)\s*=", line)
                    if m and current:
                        found.add((current, m.group(1)))
                continue
            current = heading_sections[-1] if heading_sections else None  # rule 4
            for m in re.finditer(r"\[([a-z]+)\]|`([a-z_][a-z0-9_]*)(?:`|[ =][^`]*`)", "\n".join(lines)):
                if m.group(1):
                    current = m.group(1)
                elif current:
                    found.add((current, m.group(2)))
    return found


def settings_keys() -> list[tuple[str, str]]:
    return [(name, f.name) for name, cls in config.SECTIONS.items() for f in fields(cls)]


def test_sections_are_discovered_from_the_code():
    # Every section Settings carries is in SECTIONS (a section moved to another module is still found through it).
    carried = {f.name for f in fields(config.Settings)} - {"home", "source"}
    assert carried == set(config.SECTIONS)
    assert len(settings_keys()) > 50


def test_every_settings_key_is_documented():
    found = documented_keys(_texts())
    missing = [f"{s}.{k}" for s, k in settings_keys() if (s, k) not in found and f"{s}.{k}" not in PENDING_DOCS]
    assert not missing, f"settings keys with no docs (rules in {__name__}'s docstring): {', '.join(missing)}"


FILE_SUFFIXES = {"py", "md", "json", "jsonl", "lock", "toml", "txt", "gguf", "db"}  # `retrieve.py` is a module


def test_documented_keys_exist():
    # The strict forms only (`S.K`, `[S] K` in backticks, outside code blocks): a renamed or removed key whose old
    # name the docs still give. Rule 4's bare `K` is not checked this way (other tables, e.g. a recipe's [eval]).
    known = set(settings_keys())
    stale = set()
    for doc, text in _texts().items():
        prose = "\n".join("\n".join(lines) for _, kind, lines in _blocks(text) if kind == "prose")
        for s, k in re.findall(r"`\[([a-z]+)\]\s+([a-z_][a-z0-9_]*)\b", prose) + \
                re.findall(r"`([a-z]+)\.([a-z_][a-z0-9_]*)(?=[`\s=])", prose):
            if s in config.SECTIONS and (s, k) not in known and k not in FILE_SUFFIXES:
                stale.add(f"{doc}: {s}.{k}")
    assert not stale, f"docs name settings the product does not have: {sorted(stale)}"


def test_the_key_rules_catch_a_missing_key():
    doc = {"x.md": "## Alert rules (`[rollout]`)\n\n| key | default |\n|---|---|\n| `window_minutes` | 60 |\n\n"
                   "Prose: `[serve] queue`, then `[ingest] chunk_tokens`, `overlap_tokens` and `generate.seed`.\n\n"
                   "```toml\n[embed]\n# threads = 4\n[eval]\n```\n\n## Other\n\nbare threads and `batch_size`.\n"}
    found = documented_keys(doc)
    assert {("rollout", "window_minutes"), ("serve", "queue"), ("ingest", "chunk_tokens"),
            ("ingest", "overlap_tokens"), ("generate", "seed"), ("embed", "threads")} <= found
    assert ("embed", "batch_size") not in found and ("eval", "threads") not in found
    assert ("serve", "ingest") not in found


def _walk(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, cmd in sorted(group.commands.items()):
        yield prefix + (name,)
        if isinstance(cmd, click.Group):
            yield from _walk(cmd, prefix + (name,))


def documented_commands(texts: dict[str, str]) -> set[tuple[str, ...]]:
    found: set[tuple[str, ...]] = set()
    for text in texts.values():
        for m in re.finditer(r"\bragtune((?: [a-z][a-z0-9-]*(?:\|[a-z][a-z0-9-]*)*)+)", text):
            paths: list[tuple[str, ...]] = [()]
            for word in m.group(1).split():
                paths = [p + (alt,) for p in paths for alt in word.split("|")]
                found.update(paths)
        headings: list[tuple[int, str]] = []
        for line in text.splitlines():
            h = re.match(r"(#{1,6})\s+(.*)", line)
            if h:
                headings = [(lv, t) for lv, t in headings if lv < len(h.group(1))] + [(len(h.group(1)), h.group(2))]
                continue
            row = re.match(r"\|\s*`([a-z][a-z0-9-]*)[` ]", line)
            if row:
                for _, heading in headings:
                    for g in re.finditer(r"ragtune((?: [a-z][a-z0-9-]*)+)", heading):
                        found.add(tuple(g.group(1).split()) + (row.group(1),))
    return found


def test_every_command_is_documented():
    found = documented_commands(_texts())
    missing = [" ".join(p) for p in _walk(cli) if p not in found and " ".join(p) not in PENDING_DOCS]
    assert not missing, f"commands no doc names as `ragtune <command>`: {', '.join(missing)}"


def test_the_command_rules():
    found = documented_commands({"x.md": "`ragtune models list|show --json` and ragtune eval\nrun\n\n"
                                         "## The `ragtune log` group\n\n| `prune` | drop old rows |\n"})
    assert {("models", "list"), ("models", "show"), ("eval",), ("log", "prune")} <= found
    assert ("eval", "run") not in found and ("models", "list", "show") not in found


def test_pending_names_still_exist():
    # An allow-list entry for a name the product no longer has is dead weight: remove it.
    names = {f"{s}.{k}" for s, k in settings_keys()} | {" ".join(p) for p in _walk(cli)}
    assert set(PENDING_DOCS) <= names


HOLE = "\x00"  # an f-string's {value}


def _code_messages() -> set[str]:
    out: set[str] = set()
    for path in (ROOT / "ragtune" / "appliance").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.JoinedStr):
                out.add("".join(v.value if isinstance(v, ast.Constant) else HOLE for v in node.values))
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                out.add(node.value)
    return out


def _reason_pattern(reason: str) -> re.Pattern[str]:
    parts = []
    for token in re.split(r"(…|\s+)", re.sub(r"<\w+>", "\x01", reason)):
        if token == "…":
            parts.append("(?:.*)")
        elif token.isspace():
            parts.append(r"\s+")
        elif token:  # each run of name characters: as written (a group, to count its letters) or one {value}
            parts.append("".join(f"(?:({re.escape(run)})|{HOLE})" if re.match(r"[\w.\-]", run) else
                                 (HOLE if run == "\x01" else re.escape(run))
                                 for run in re.findall(r"[\w.\-]+|\x01|[^\w.\-\x01]", token)))
    return re.compile("".join(parts), re.S)


def reason_produced(reason: str, messages: set[str]) -> bool:
    reason = reason.removeprefix("<file>:<line>: ")  # errors.located()'s prefix, composed apart from the message
    letters = sum(c.isalnum() for c in re.sub(r"<\w+>|…", "", reason))
    if not letters:
        return True  # nothing written to check ("…" alone)
    rx = _reason_pattern(reason)
    for msg in messages:
        m = rx.fullmatch(msg)
        if m and 3 * sum(len(g) for g in m.groups() if g) >= letters:
            return True
    return False


def _doc_reasons(texts: dict[str, str]) -> list[tuple[str, str]]:
    out = []
    for doc, text in texts.items():
        for _, kind, lines in _blocks(text):
            if kind == "prose" and re.match(r"\|\s*reasons?\s*\|", lines[0], re.I):
                for row in lines[2:]:
                    out += [(doc, r) for r in re.findall(r"`([^`]+)`", row.split("|")[1])]
    return out


def test_documented_ingest_failure_reasons_are_ones_the_code_gives():
    reasons = _doc_reasons(_texts())
    assert len(reasons) >= 20  # the table in docs/ingest.md is found
    messages = _code_messages()
    unknown = [f"{doc}: {r}" for doc, r in reasons if not reason_produced(r, messages)]
    assert not unknown, f"documented failure reasons no code produces: {unknown}"


@pytest.mark.parametrize("reason,ok", [
    ("over size limit (N MB > M MB)", True),
    ("over size limit (N GB > M GB)", False),
    ("not found", True),
    ("file not there", False),
    ("corrupt PDF: …", True),
    ("corrupt PDFs: …", False),
    ("<file>:<line>: …", True),
])
def test_the_reason_rule(reason, ok):
    messages = {"over size limit (\x00 MB > \x00 MB)", "not found", "\x00 \x00", "corrupt PDF: \x00",
                "\x00:\x00: \x00", "\x00 name is \x00"}
    assert reason_produced(reason, messages) is ok
