"""GBNF grammar for the answer JSON, built by hand from `schema.answer_schema(...)`.

Shape (fixed key order, bounded everything):
    {"status": "ok"|"refused", "answer": "<1..N chars>", "citations": [ids from the context, ascending, unique]}

- The answer string is `nonspace char{0,N-1}` (llama.cpp GBNF supports `{m,n}`), so it is never empty or blank.
- Raw control characters (U+0000-001F, U+007F-009F) are excluded; the only escapes are \\" \\\\ \\/ \\n \\t.
  `\\uXXXX` is not allowed: it could smuggle a control character or a lone surrogate (unencodable UTF-8)
  past the character class, and raw Unicode is accepted anyway.
- Citations follow context order (S1 before S3), which makes them unique and at most min(len(ids), 6)
  without enumerating permutations. A "refused" answer must cite nothing; an "ok" answer over a non-empty
  context must cite at least one id (with no context, e.g. the tune-only eval arm, it cites nothing).
- Whitespace between tokens is 0-2 of space/tab/newline: a small model cannot loop on blank space.

Fail closed: anything unexpected in the schema raises GenerationError; callers never fall back to
unconstrained generation.
"""

from __future__ import annotations

import json
from typing import Any, Sequence

from .errors import GenerationError
from .schema import MAX_CITATIONS

# Part of the answer-cache key, like the answer code's digest (answer_code.py), which changes with this module's
# source anyway: a bump is now needed only for a change the digest cannot see (e.g. in llama.cpp's grammar engine).
GRAMMAR_VERSION = "3"


def gbnf_literal(text: str) -> str:
    """A GBNF double-quoted literal matching `text` exactly."""
    out = ['"']
    for ch in text:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif o < 0x20 or o == 0x7F:
            out.append(f"\\x{o:02X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _json_string_literal(value: str) -> str:
    """GBNF literal of the JSON encoding of a string value (quotes included)."""
    return gbnf_literal(json.dumps(value, ensure_ascii=False))


# Characters allowed raw inside the answer string: anything but the quote, the backslash and control chars.
_CHAR = r'[^"\\\x00-\x1F\x7F-\x9F]'
_FIRST = r'[^"\\\x00-\x20\x7F-\x9F]'  # first character: also not a space (answers are never blank)
_ESC = r'"\\" ["\\/nt]'


def answer_gbnf(context_ids: Sequence[str], max_answer_chars: int) -> str:
    """The grammar text for answers over the given context ids."""
    if not isinstance(max_answer_chars, int) or max_answer_chars < 1:
        raise GenerationError(f"cannot build the answer grammar: max_answer_chars={max_answer_chars!r}")
    ids = list(dict.fromkeys(context_ids))
    for i in ids:
        if not isinstance(i, str) or not i or any(ord(c) < 0x20 for c in i):
            raise GenerationError(f"cannot build the answer grammar: bad context id {i!r}")
    max_items = min(len(ids), MAX_CITATIONS)
    rules: list[str] = []
    key = lambda name: gbnf_literal(f'"{name}":')  # noqa: E731
    rules.append(
        f'root ::= "{{" ws {key("status")} ws ( '
        f'{gbnf_literal(chr(34) + "ok" + chr(34))} "," ws {key("answer")} ws answer "," ws {key("citations")} ws cites'
        f' | {gbnf_literal(chr(34) + "refused" + chr(34))} "," ws {key("answer")} ws answer "," ws {key("citations")} ws "[" ws "]"'
        f' ) ws "}}"'
    )
    rules.append(f'answer ::= "\\"" first char{{0,{max_answer_chars - 1}}} "\\""')
    rules.append(f"first ::= {_FIRST} | esc")
    rules.append(f"char ::= {_CHAR} | esc")
    rules.append(f"esc ::= {_ESC}")
    rules.append("ws ::= [ \\t\\n]{0,2}")
    if max_items == 0:
        rules.append('cites ::= "[" ws "]"')
    else:
        # c_i_r: citation i, then at most r more citations with a larger index.
        starts = " | ".join(f"c{i}r{max_items - 1}" for i in range(len(ids)))
        # "ok" over a non-empty context must cite at least one source: small models otherwise answer "ok"
        # with [] and the refusal check has to throw the answer away (no_citations).
        rules.append(f'cites ::= "[" ws ( {starts} ) ws "]"')
        seen: set[tuple[int, int]] = set()
        todo = [(i, max_items - 1) for i in range(len(ids))]
        while todo:
            i, r = todo.pop()
            if (i, r) in seen:
                continue
            seen.add((i, r))
            nxt = [(j, r - 1) for j in range(i + 1, len(ids))] if r > 0 else []
            lit = _json_string_literal(ids[i])
            if nxt:
                alts = " | ".join(f"c{j}r{rr}" for j, rr in nxt)
                rules.append(f'c{i}r{r} ::= {lit} ( "," ws ( {alts} ) )?')
                todo.extend(nxt)
            else:
                rules.append(f"c{i}r{r} ::= {lit}")
    return "\n".join(rules) + "\n"


def gbnf_from_schema(schema: dict[str, Any]) -> str:
    """Grammar for an `answer_schema(...)` dict (the Generator protocol passes the schema, not the grammar)."""
    try:
        props = schema["properties"]
        ids = list(props["citations"]["items"]["enum"])
        max_chars = int(props["answer"]["maxLength"])
        statuses = list(props["status"]["enum"])
    except (KeyError, TypeError, ValueError) as exc:
        raise GenerationError(f"cannot build the answer grammar: schema lacks {exc}") from None
    if statuses != ["ok", "refused"]:
        raise GenerationError(f"cannot build the answer grammar: unexpected status values {statuses}")
    return answer_gbnf(ids, max_chars)


def reserve_tokens(context_ids: Sequence[str]) -> int:
    """Worst-case tokens needed after the answer string closes (`", "citations": [...]}`): every ASCII
    token carries at least one character, so this many characters bound the tokens."""
    n = min(len(set(context_ids)), MAX_CITATIONS)
    longest = max((len(json.dumps(i)) for i in context_ids), default=0)
    return 2 + 2 + 12 + 2 + 1 + 2 + n * (longest + 1 + 2) + 2 + 1 + 4
