"""Round 48 read-through: the 400s the shared error mapping turns into `param: null` although a field gave the value
(which one, `adapter` or a `ragtune:<ref>` model, `question` or `messages`, is not known there) are named so in
docs/serve.md's error-shape paragraph: a client reading `param` is told to read `code` for them."""

from __future__ import annotations

import re
from pathlib import Path

from ragtune.appliance.errors import AdapterBaseMismatch, AdapterMisfit, InputError
from ragtune.serve.errors import error_for
from ragtune.serve.routing import AmbiguousAdapter

DOC = Path(__file__).resolve().parents[2] / "docs" / "serve.md"


def test_the_codes_with_a_null_param_are_the_ones_the_doc_says():
    errors = [error_for(e) for e in (AmbiguousAdapter("'ab' matches 2 adapters"), AdapterBaseMismatch("other base"),
                                     AdapterMisfit("does not fit", why="shape"), InputError("too long"))]
    assert [(e.status, e.param) for e in errors] == [(400, None)] * 4
    text = DOC.read_text(encoding="utf-8")
    para = text[text.index("**Errors** are"):text.index("| status | when (`code`) |")]
    null = re.sub(r"\s+", " ", para[para.index("null when"):])
    for e in errors:
        assert f"`{e.code}`" in null, e.code
