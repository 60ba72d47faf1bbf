"""Answers copied from pre-tokenized text, served with ordinary spacing (round 57).

Some documents arrive tokenized: text exported from NLP pipelines, OCR or converters puts spaces around punctuation
("5 , 000 to 30 , 000", "Qutb ' s ideas", "the kilogram - force", "the U . S . Congress", "( BP = Before Present )").
An extractive answer is a span of its source, so it came out as "5 , 000 professors": ugly in any interface, and a
scorer's token F1 reads "5 , 000" as two tokens that do not meet "5,000". So an "ok" answer copied from a tokenized
source is served tidied ("5,000 professors", "Qutb's ideas", "(BP = Before Present)"), after every check: the span
check, the refusal checks, the evidence and the yes/no sentence judged the span as the source has it, and its status
and citations stay as they were; only the answer's text changes. The words are the same words (text.words splits at
punctuation either way), so the support and groundedness of the tidied text are those of the span.

A source is tokenized (`tokenized`) when its punctuation stands apart from the word before it: of its commas and
full stops that end a word ("word," / "word ," before a space or the end) and its clitics ("'s" / " ' s", "n't" /
" n't"), at least MIN_SPACED are spaced and more than SPACED_SHARE of them are. Tokenized text spaces all of them
(share ~1.0) and ordinary text none (~0.0; benchmarks/r57_answer_tidy.py measures both); MIN_SPACED keeps a chunk with
a stray " , " or two ordinary. Only these count: French spaces ; : ! ? by its own rules, and code (fenced, in
backticks, indented: left out of the count) may space its arguments ("f( a , b )"). An answer from an ordinary
source is never touched: "10 - 5", "Section 3 . 2" and "3 / 4" stay as the document writes them. The sources an
answer was copied from are its cited sources that hold it verbatim (else, a free answer, every cited source); all of
them must be tokenized.

Text other than ASCII is kept as it is (NFC in, NFC out): the rules only remove spaces. A streamed answer over a
context with a tokenized source is sent whole once decided (answer.py `at_once`), so that the streamed text is the
served one (serve/stream.py would otherwise withdraw it)."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, Sequence

from .refusal import Verdict
from .types import ContextItem

MIN_SPACED = 3  # spaced commas / full stops a source needs at least to count as tokenized
SPACED_SHARE = 0.5  # ... and their share of its word-ending commas and full stops must be above this

# a word-ending comma or full stop (after a word, a closing bracket or quote, "%"; not in ". . ."), or an apostrophe
# of a possessive or contraction, standing apart ("5 , 000", "the end .", "Qutb ' s", "does n't") or not
_END = r"(?<=[\w%)\]\"'’])"
_CLITIC = r"(?:s|t|re|ll|ve|d|m)\b"
_SPACED = re.compile(rf"{_END} [,.](?=\s|$)|(?<=\w) ['’] ?{_CLITIC}|(?<=\w) n['’]t\b")
_ATTACHED = re.compile(rf"{_END}[,.](?=\s|$)|(?<=\w)(?<!\sn)['’]{_CLITIC}")
_CODE = re.compile(r"```.*?(?:```|\Z)|~~~.*?(?:~~~|\Z)|`[^`\n]*`|^(?: {4}|\t).*$", re.DOTALL | re.MULTILINE)

_APOS = "'’"
_INITIALS = re.compile(r"(?<![\w.])((?:[A-Za-z] \. )+[A-Za-z]) \.(?=\s|$|[,;:)])")  # "U . S ." -> "U.S."
# (pattern, replacement) in order: numbers and initials before the general "no space before a mark" rule
_RULES: tuple[tuple[re.Pattern[str], Any], ...] = (
    # "5 , 000", "1 , 234 , 567"; not after four digits: "in 1990 , 200 people" is a list
    (re.compile(r"(?<!\d{4})(?<=\d) , (?=\d{3}(?!\d))"), ","),
    (re.compile(r"(?<=\d) ([.:]) (?=\d)"), r"\1"),  # "3 . 5", "9 : 30"
    (_INITIALS, lambda m: m.group(1).replace(" ", "") + "."),
    (re.compile(r"(?<=\w) - (?=\w)"), "-"),  # "kilogram - force"
    (re.compile(rf"(?<=\w) ?([{_APOS}]) ?(?={_CLITIC})"), r"\1"),  # "Qutb ' s", "doesn ' t", "we 're"
    (re.compile(r"(?<=\w) (?=n['’]t\b)"), ""),  # "does n't" (the Penn Treebank's split)
    (re.compile(r"``\s?(.*?)\s?''"), r'"\1"'),  # `` x '' (the Penn Treebank's quotes) -> "x"
    (re.compile(r"“\s?(.*?)\s?”"), r"“\1”"),
    (re.compile(r"([(\[{]) "), r"\1"),  # "( BP" -> "(BP"
    (re.compile(r" (?=[)\]},.;:!?%])"), ""),  # "BP )", "word ,", "50 %"
    (re.compile(r"([$£€¥]) (?=\d)"), r"\1"),  # "$ 5"
)
# a lone apostrophe after a plural is its possessive ("the students ' union"), not a quote mark
_PLURAL_POSSESSIVE = re.compile(rf"(?<=s) ([{_APOS}])(?= \w)")


def spacing(text: str) -> tuple[int, int]:
    """(spaced, attached): how many of `text`'s word-ending commas, full stops and clitics stand apart, how many not;
    code left out (fenced, in backticks or indented: "f( a , b )" is a style, not a tokenizer's)."""
    prose = _CODE.sub(" ", text)
    return len(_SPACED.findall(prose)), len(_ATTACHED.findall(prose))


def tokenized(text: str) -> bool:
    """Whether `text` reads as pre-tokenized: its word-ending commas and full stops stand apart (see the module)."""
    spaced, attached = spacing(text)
    return spaced >= MIN_SPACED and spaced > SPACED_SHARE * (spaced + attached)


def tidy(text: str) -> str:
    """`text` with tokenizer spacing around punctuation removed ("5 , 000" -> "5,000", "( BP )" -> "(BP)"). Apply it
    only to text copied from a `tokenized` source: an ordinary document may mean "10 - 5" as written."""
    out = text
    for pattern, repl in _RULES:
        out = pattern.sub(repl, out)
    if sum(out.count(a) for a in _APOS) == 1:
        out = _PLURAL_POSSESSIVE.sub(r"\1", out)
    return _hug_quotes(out)


def _hug_quotes(text: str) -> str:
    """Straight double quotes hugging what they quote ('" x "' -> '"x"'), when they pair up (an even count)."""
    parts = text.split('"')
    if len(parts) < 3 or len(parts) % 2 == 0:
        return text
    return '"'.join(p.strip(" ") if i % 2 else p for i, p in enumerate(parts))


def copied_from(answer: str, citations: Sequence[str], ctx: Sequence[ContextItem]) -> list[ContextItem]:
    """The cited sources that hold `answer` verbatim, else (a free answer) every cited source."""
    cited = [c for c in ctx if c.id in set(citations)]
    return [c for c in cited if answer in c.text] or cited


def tidy_verdict(verdict: Verdict, ctx: Sequence[ContextItem]) -> Verdict:
    """An "ok" verdict whose answer was copied from tokenized sources only, its text tidied; any other as it is."""
    if verdict.status != "ok" or not verdict.text:
        return verdict
    sources = copied_from(verdict.text, verdict.citations, ctx)
    if not sources or not all(tokenized(c.text) for c in sources):
        return verdict
    text = tidy(verdict.text)
    return verdict if text == verdict.text else replace(verdict, text=text)


def tokenized_context(ctx: Sequence[ContextItem]) -> bool:
    """Whether an answer over `ctx` may be tidied (a source of it is tokenized): stream it whole once decided."""
    return any(tokenized(c.text) for c in ctx)


__all__ = ["MIN_SPACED", "SPACED_SHARE", "copied_from", "spacing", "tidy", "tidy_verdict", "tokenized",
           "tokenized_context"]
