"""Round 50 mends (behaviour unchanged): pdf_marks keeps the text render mode on its one q/Q stack (a form whose
operator fails leaves none of its entries there), `_tiny` through `_mult`; word._Reader reads the styles' hidden-text
props in its own walk; the Arabic prefix regex is built from `_AR_ARTICLES`; the chunker's `fit` needs no clamp."""

from __future__ import annotations

import random
from types import SimpleNamespace

import numpy as np

from ragtune.appliance import scripts
from ragtune.appliance.ingest import chunker
from ragtune.appliance.ingest.loaders import pdf_marks

_ID = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]


def _covers(resources=None):
    rec = SimpleNamespace(_depth=0, segs=[], after=lambda *a: None, before=lambda *a: None, _cont=True,
                          _metrics=None, _size=10.0, fonts={}, _font=None)  # (fonts: round 51, Type3)
    return pdf_marks.Covers(rec, resources)


def _ops(cov, ops):
    for op, operands in ops:
        cov.after(op, operands, _ID, _ID)


def test_q_and_Q_save_and_restore_the_render_mode_with_the_colour():
    cov = _covers()
    _ops(cov, [(b"Tr", [3]), (b"q", []), (b"Tr", [0]), (b"g", [1.0]), (b"q", []), (b"Tr", [2]), (b"Q", [])])
    assert cov._tr == 0 and cov.fill == (1.0, 1.0, 1.0)
    _ops(cov, [(b"Q", [])])
    assert cov._tr == 3 and cov.fill == (0.0, 0.0, 0.0) and cov._stack == []
    _ops(cov, [(b"Q", [])])  # a Q with nothing saved changes nothing
    assert cov._tr == 3 and cov.fill == (0.0, 0.0, 0.0)


def test_a_form_whose_operator_fails_leaves_no_entry_on_the_stack():
    form = {"/Subtype": "/Form", "/BBox": [0, 0, 100, 100]}
    cov = _covers({"/XObject": {"/F": form}})
    # q inside the form, then a rectangle whose operand is a name: _op raises inside _form
    cov._ops[id(form)] = (form, [([], b"q"), ([0.5], b"g"), (["/X", 0, 10, 10], b"re")])
    _ops(cov, [(b"Tr", [3]), (b"q", []), (b"Tr", [0]), (b"Do", ["/F"])])
    assert len(cov._stack) == 1 and cov.fill == (0.0, 0.0, 0.0)  # the Do's colour given back
    _ops(cov, [(b"Q", [])])
    assert cov._tr == 3 and cov._stack == []  # the page's own entry, not the form's CTM


def test_tiny_reads_the_size_as_before():
    rng = random.Random(50)
    cov = _covers()
    for _ in range(500):
        tm = [rng.uniform(-3, 3) for _ in range(6)]
        cm = [rng.uniform(-3, 3) for _ in range(6)]
        cov.rec._size = rng.uniform(0, 4)
        m = (tm[0] * cm[0] + tm[1] * cm[2], tm[0] * cm[1] + tm[1] * cm[3], tm[2] * cm[0] + tm[3] * cm[2],
             tm[2] * cm[1] + tm[3] * cm[3])
        size = abs(cov.rec._size) * abs(m[0] * m[3] - m[1] * m[2]) ** 0.5
        assert cov._tiny(cm, tm) == (0 < size < pdf_marks._TINY)


def test_the_arabic_prefix_pattern_is_the_one_written_before():
    assert scripts.prefix_pattern("مدرسه") == "(?:و?(?:ال|بال|كال|فال|لل)|و)?"


def test_reader_style_props_are_those_of_the_styles_part():
    import docx
    from ragtune.appliance.ingest.loaders import word

    d = docx.Document()
    w = word._W
    out = {}
    for st in d.styles.element.iterchildren(f"{w}style"):  # docx_style_props as it was
        based = st.find(f"{w}basedOn")
        out[st.get(f"{w}styleId") or ""] = (st.find(f"{w}rPr"), based.get(f"{w}val") if based is not None else None,
                                            st.find(f"{w}pPr"))
    assert len(out) > 10 and word._Reader(d).style_props == out


def test_fit_holds_at_most_size_tokens_without_a_clamp():
    rng = np.random.default_rng(50)
    for _ in range(300):
        n = int(rng.integers(1, 400))
        cost = chunker.UNSEEN_CHARS + np.where(rng.random(n) < 0.3, rng.integers(0, 40, n), 0)
        w = SimpleNamespace(base=int(rng.integers(0, 5)), cum=np.concatenate([[0], np.cumsum(cost)]))
        s, size = w.base + int(rng.integers(0, n)), int(rng.integers(1, 250))
        k = s - w.base
        e = w.base + int(np.searchsorted(w.cum, w.cum[k] + size * chunker.UNSEEN_CHARS, side="right")) - 1
        assert chunker._Window.fit(w, s, size) == max(s + 1, min(e, s + size))
