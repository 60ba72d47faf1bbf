"""Every `ragtune …` command line the docs show must be one the CLI accepts as written.

Where: README.md and docs/*.md, in fenced code blocks (shell ones; a ```python block is code, not a command line), in
indented code blocks (a line of 4+ spaces after a blank line; a more indented line under it continues it) and in
inline code spans (`ragtune ask "…" --json`). For each:
  - the words after `ragtune` must walk the click group `ragtune.cli.common.cli` down to an existing command (a `|`
    list names each alternative: `ragtune models list|show`);
  - every `--opt`/`-o` (also inside `[--opt VALUE]`, also `--opt=VALUE`) must be an option of the command reached so
    far. The root's options (`--home`, `--config`, `--version`) come before the command: click refuses
    `ragtune ask --home X` ("No such option"), so a doc that writes one after the command is reported too;
  - a concrete value of an option whose type knows its values must be one of them: a click.Choice (`--outtype f16`;
    each side of `f16|q8_0`), a numeric type or range (`--limit 200`, `--concurrency 200` is out of 1..64), and the
    arms of `eval run --arms A,C` (a plain string the command splits itself). Placeholders (`ID`, `N`, `<id>`, `$X`,
    `…`) are not values.
A mismatch is reported as `doc:line: command: problem`. Pure text work on the live click tree: well under a second.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest

from ragtune.appliance.eval.arms import ARM_NAMES
from ragtune.cli import cli  # registers every command module

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]

NOT_SHELL = {"python", "py", "toml", "json", "jsonl", "yaml", "yml", "ini", "html", "sql", "diff"}
SHELL_OPS = {"|", "||", "&&", ";", ">", ">>", "<", "2>&1", "&", "2>", "1>", "&>", ")"}
# Values the command checks itself, not click: option -> the letters/words a comma list may hold.
EXTRA_CHOICES = {("eval", "run", "--arms"): set(ARM_NAMES)}  # eval/arms.py parse_arms
# Where "ragtune" may start a command in a shell line: line start, after a pipe/list operator, `$(`, a path to
# the venv's script, an env assignment or a wrapper command.
_STARTS = re.compile(r"(?:^|[|;&(]|\$\(|bin/|\b(?:sudo|exec|nice(?: -n \d+)?|timeout \d+\w?|env|time|then|do|"
                     r"watch(?: -n \d+)?)|\b[A-Z_][A-Z0-9_]*=\S*)\s*$")


def _fences(text: str):
    """(language, first line number, lines) of each fenced block, and the text with every block blanked."""
    lines = text.splitlines()
    blocks, out, open_at, lang, body = [], [], None, "", []
    for n, line in enumerate(lines, 1):
        m = re.match(r"\s*```(\S*)", line)
        if open_at is None and m:
            open_at, lang, body = n + 1, m.group(1).lower(), []
            out.append("")
        elif open_at is not None and line.lstrip().startswith("```"):
            blocks.append((lang, open_at, body))
            open_at = None
            out.append("")
        elif open_at is not None:
            body.append(line)
            out.append("")
        else:
            out.append(line)
    return blocks, "\n".join(out)


def doc_commands(texts: dict[str, str]) -> list[tuple[str, int, str]]:
    """(doc, line, the words after `ragtune`) of every command line the docs show."""
    found = []
    for doc, text in texts.items():
        blocks, prose = _fences(text)
        for lang, first, body in blocks:
            if lang in NOT_SHELL:
                continue
            n, logical, start = first, "", first
            for line in body:
                if not logical:
                    start = n
                n += 1
                if line.rstrip().endswith("\\"):
                    logical += line.rstrip()[:-1] + " "
                    continue
                logical += line
                line_text, logical = re.sub(r"^\s*\$\s+", "", logical), ""
                for m in re.finditer(r"(?:(?<=bin/)|(?<![\w./-]))ragtune(?=\s|$)", line_text):
                    if _STARTS.search(line_text[:m.start()]):
                        found.append((doc, start, line_text[m.end():]))
        plines = prose.splitlines()
        for n, line in enumerate(plines):  # an indented code block (4 spaces after a blank line): its command lines
            if re.match(r" {4,}ragtune\s", line) and (n == 0 or not plines[n - 1].strip()
                                                        or plines[n - 1].startswith("    ")):
                rest, more = line.strip()[len("ragtune"):], n + 1
                while more < len(plines) and re.match(r" {5,}(?!ragtune\s)\S", plines[more]):
                    rest, more = rest + " " + plines[more].strip(), more + 1  # a wrapped line of the same command
                found.append((doc, n + 1, rest))
        prose = re.sub(r"(?m)^ {4,}ragtune\s.*$", "", prose)  # not read again as inline spans
        for m in re.finditer(r"`([^`\n]+(?:\n[^`\n]+)*)`", prose):  # a span may wrap, never over a blank line
            span = re.sub(r"^\$\s+|^(?:[A-Z_][A-Z0-9_]*=\S*\s+)+", "", m.group(1).strip())
            if re.match(r"ragtune(\s|$)", span):
                found.append((doc, prose.count("\n", 0, m.start()) + 1, span[len("ragtune"):]))
            elif _short_form(span):
                found.append((doc, prose.count("\n", 0, m.start()) + 1, " " + span))
    return found


def _short_form(span: str) -> bool:
    """`log export --reviewed-only`, `rollout promote --share 50|100`, `ingest --prune`: a command written without
    `ragtune` in prose, when its first word is a command and the next a subcommand of it or an option."""
    words = span.split()
    if len(words) < 2 or words[0] not in cli.commands:
        return False
    cmd = cli.commands[words[0]]
    return words[1].startswith("--") or (isinstance(cmd, click.Group) and words[1].split("|")[0] in cmd.commands)


def _tokens(rest: str) -> list[str]:
    rest = re.sub(r"<\([^)]*\)", "FILE", rest)  # process substitution: one file argument
    try:
        toks = shlex.split(rest, comments=True)
    except ValueError:  # an unbalanced quote in an elided example
        toks = rest.split("#")[0].split() if " #" in rest else rest.split()
    out = []
    for t in toks:
        if t in SHELL_OPS or re.match(r"^[12&]?>", t):
            break
        t = t.strip("[]{}").rstrip(",.;:)")
        # `--go/--no-go`, `--safety|--no-safety`: the help's way of naming a pair of flags, each one an option
        alts = re.split(r"[/|](?=--)", t) if t.startswith("--") else [t]
        out += [a for a in alts if a]
    return out


def _placeholder(value: str) -> bool:
    return bool(re.search(r"[<$…{]|\.\.\.", value) or re.fullmatch(r"[A-Z][A-Z_]*", value) or value.endswith("="))


def _option(cmd: click.Command, opt: str) -> click.Option | None:
    for p in cmd.params:
        if isinstance(p, click.Option) and opt in p.opts + p.secondary_opts:
            return p
    return None


def _takes_value(p: click.Option) -> bool:
    return not (p.is_flag or p.count)


def _value_problems(path: tuple[str, ...], p: click.Option, opt: str, value: str) -> list[str]:
    out = []
    for alt in value.split("|"):
        if not alt or _placeholder(alt):
            continue
        extra = EXTRA_CHOICES.get(path + (p.opts[-1],)) or EXTRA_CHOICES.get(path + (opt,))
        if extra is not None:
            bad = [a for a in alt.split(",") if a.strip() and a.strip().upper() not in extra]
            if bad:
                out.append(f"{opt} {alt}: {', '.join(bad)} is not one of {sorted(extra)}")
            continue
        t = p.type
        if isinstance(t, click.Choice):
            choices = [c if t.case_sensitive else c.lower() for c in t.choices]
            if (alt if t.case_sensitive else alt.lower()) not in choices:
                out.append(f"{opt} {alt}: not one of {list(t.choices)}")
        elif isinstance(t, click.types._NumberParamTypeBase):  # INT, FLOAT and their ranges (FiniteFloatRange)
            try:
                t.convert(alt, p, None)
            except click.BadParameter as exc:
                out.append(f"{opt} {alt}: {exc.message}")
    return out


def check(rest: str) -> list[str]:
    """Problems of one command line (the words after `ragtune`); [] when click would take it as written."""
    toks = _tokens(rest)
    for i, t in enumerate(toks):  # `models list|show`: each alternative is a command line of its own
        if "|" in t and not t.startswith("-") and (i == 0 or not toks[i - 1].startswith("-")):
            alts = t.split("|")
            if all(re.fullmatch(r"[a-z][a-z0-9-]*", a) for a in alts):
                return [p for a in alts for p in check(" ".join(shlex.quote(x) for x in toks[:i] + [a] + toks[i + 1:]))]
    cmd: click.Command = cli
    path: tuple[str, ...] = ()
    problems: list[str] = []
    positional = False
    i = 0
    while i < len(toks):
        t = toks[i]
        i += 1
        if t == "--":
            break
        if t.startswith("-") and len(t) > 1 and not re.fullmatch(r"-[\d.]+", t):
            opt, _, inline = t.partition("=")
            p = _option(cmd, opt)
            if p is None and cmd is not cli and _option(cli, opt) is not None:
                problems.append(f"{opt} is the root's option: it goes before the command (`ragtune {opt} … "
                                f"{' '.join(path)}`), click refuses it after")
                p = _option(cli, opt)
            elif p is None:
                if opt in ("--help", "-h"):
                    continue
                problems.append(f"`ragtune {' '.join(path)}` has no option {opt}")
                continue
            if _takes_value(p):
                value = inline if inline else (toks[i] if i < len(toks) else "")
                if not inline:
                    i += 1
                problems += _value_problems(path, p, opt, value)
            continue
        if isinstance(cmd, click.Group) and not positional:
            sub = cmd.commands.get(t)
            if sub is not None:
                cmd, path = sub, path + (t,)
                continue
            if re.fullmatch(r"[a-z][a-z0-9-]*", t):
                problems.append(f"`ragtune {' '.join(path + (t,))}`: no such command "
                                f"(`ragtune {' '.join(path)}` has {', '.join(sorted(cmd.commands))})")
                return problems
        positional = True
    return problems


def _texts() -> dict[str, str]:
    return {p.relative_to(ROOT).as_posix(): p.read_text(encoding="utf-8") for p in DOCS}


def test_every_documented_command_line_is_accepted():
    lines = doc_commands(_texts())
    assert len(lines) > 500  # the README's and docs' examples are found (398 with `ragtune`, 276 short, round 47)
    bad = [f"{doc}:{n}: ragtune{rest.rstrip()}\n    -> {p}" for doc, n, rest in lines for p in check(rest)]
    assert not bad, "doc command lines the CLI would refuse:\n" + "\n".join(bad)


@pytest.mark.parametrize("rest,problem", [
    (" models list|verify --json", None),
    (" eval run SET [--safety|--no-safety] [--go/--no-go]", "has no option --go"),
    (" eval run <(grep -v draft set.jsonl) --json", None),
    (' ask "q" [--json] [--adapter ID|none]', None),
    (" --home /tmp/h ask q --json", None),
    (" ask q --home /tmp/h", "root's option"),
    (" models lsit", "no such command"),
    (" search q --jsn", "has no option --jsn"),
    (" convert gguf m --outtype f17 --out x", "f17: not one of"),
    (" convert gguf m --outtype f16|q8_0 --out x", None),
    (" eval run SET --arms A,D --limit 200", "D is not one of"),
    (" eval run SET --arms A,C --concurrency 200", "--concurrency 200"),
    (" eval run SET --limit N --seed 0", None),
    (" log prune --older-than 90 [--dry-run]   # retention", None),
    (" docs list | head -1", None),
    (" serve --log-level=loud", "loud: not one of"),
])
def test_the_checker(rest, problem):
    got = check(rest)
    if problem is None:
        assert got == []
    else:
        assert any(problem in g for g in got), got


def test_lines_are_found_where_they_are():
    text = ("intro `ragtune docs list --json` and `ragtune\nask q`; `log prune --keep 9`, not `ask` or `serve it`.\n\n```sh\n$ ragtune ingest ~/d \\\n  --json\n"
            "RAGTUNE_HOME=/x ragtune doctor  # ok\nls ragtune/ && .venv/bin/ragtune search q\n```\n\n"
            "```python\nimport ragtune\nragtune.ask(q)\n```\n\n    ragtune log list [--limit N]\n"
            "                     [--ids]\n    ragtune log show ID\n")
    got = doc_commands({"d.md": text})
    assert [(n, r.split()[:2]) for _, n, r in got] == [
        (5, ["ingest", "~/d"]), (7, ["doctor", "#"]), (8, ["search", "q"]), (16, ["log", "list"]), (18, ["log", "show"]),
        (1, ["docs", "list"]), (1, ["ask", "q"]), (2, ["log", "prune"])]
    assert got[3][2].endswith("[--ids]")
    assert "--json" in got[0][2]
