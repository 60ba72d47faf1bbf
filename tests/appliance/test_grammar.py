"""The answer grammar: structure (pure) and acceptance by llama.cpp's own grammar engine (real vocab)."""

from __future__ import annotations

import json

import pytest

from ragtune.appliance.errors import GenerationError
from ragtune.appliance.grammar import answer_gbnf, gbnf_from_schema, gbnf_literal, reserve_tokens
from ragtune.appliance.schema import answer_schema


def test_literal_escapes_quotes_backslashes_and_controls():
    assert gbnf_literal('a"b\\c') == '"a\\"b\\\\c"'
    assert gbnf_literal("x\ny") == '"x\\x0Ay"'


def test_grammar_shape():
    g = answer_gbnf(["S1", "S2", "S3"], 50)
    assert g.startswith("root ::=")
    assert "char{0,49}" in g  # bounded answer string
    assert "\\x00-\\x1F" in g  # no raw control characters
    assert '"\\"S3\\""' in g
    assert "ws ::= [ \\t\\n]{0,2}" in g


def test_schema_to_grammar_and_fail_closed():
    g = gbnf_from_schema(answer_schema(["S1"], 100))
    assert "char{0,99}" in g
    with pytest.raises(GenerationError):
        gbnf_from_schema({"type": "object"})
    with pytest.raises(GenerationError):
        answer_gbnf(["S1"], 0)
    with pytest.raises(GenerationError):
        answer_gbnf(["bad\nid"], 10)


def test_reserve_grows_with_ids():
    assert reserve_tokens([]) < reserve_tokens(["S1", "S2"]) < reserve_tokens([f"S{i}" for i in range(1, 7)])


# -- acceptance by llama.cpp (needs the default GGUF; loads in well under a second) ---------------------------
def _ok(answer="Paris is the capital.", cites=("S1",), status="ok"):
    return json.dumps({"status": status, "answer": answer, "citations": list(cites)})


@pytest.mark.slow
def test_llama_grammar_accepts_and_rejects(gen):
    g = answer_gbnf(["S1", "S2", "S3"], 40)
    assert gen.grammar_accepts(g, _ok())
    assert gen.grammar_accepts(g, _ok(cites=("S1", "S3")))
    assert not gen.grammar_accepts(g, _ok(cites=()))  # "ok" over a context must cite something
    assert gen.grammar_accepts(g, '{"status": "ok", "answer": "a \\" b \\\\ c \\n d", "citations": ["S2"]}')
    assert gen.grammar_accepts(g, _ok(status="refused", cites=()))
    # not in the context
    assert not gen.grammar_accepts(g, _ok(cites=("S4",)))
    assert not gen.grammar_accepts(g, _ok(cites=("S9",)))
    # duplicates / out of order (ascending order makes citations unique)
    assert not gen.grammar_accepts(g, _ok(cites=("S1", "S1")))
    assert not gen.grammar_accepts(g, _ok(cites=("S2", "S1")))
    # refused cites nothing
    assert not gen.grammar_accepts(g, _ok(status="refused", cites=("S1",)))
    # raw control characters, \u escapes, blank or overlong answers, other keys, other status
    assert not gen.grammar_accepts(g, '{"status": "ok", "answer": "a\x01b", "citations": []}')
    assert not gen.grammar_accepts(g, '{"status": "ok", "answer": "a\tb", "citations": []}')
    assert not gen.grammar_accepts(g, '{"status": "ok", "answer": "a\\u0000b", "citations": []}')
    assert not gen.grammar_accepts(g, _ok(answer=" "))
    assert not gen.grammar_accepts(g, _ok(answer=""))
    assert not gen.grammar_accepts(g, _ok(answer="x" * 41))
    assert gen.grammar_accepts(g, _ok(answer="x" * 40))
    assert not gen.grammar_accepts(g, '{"status": "maybe", "answer": "x", "citations": []}')
    assert not gen.grammar_accepts(g, '{"answer": "x", "status": "ok", "citations": []}')
    # bounded whitespace
    assert not gen.grammar_accepts(g, '{     "status": "ok", "answer": "x", "citations": []}')
    # no context -> no citations at all
    g0 = answer_gbnf([], 40)
    assert gen.grammar_accepts(g0, _ok(cites=()))
    assert not gen.grammar_accepts(g0, _ok(cites=("S1",)))


@pytest.mark.slow
def test_broken_grammar_fails_closed(gen):
    with pytest.raises(GenerationError, match="grammar"):
        gen.grammar_accepts("root ::= undefined-rule", "x")
