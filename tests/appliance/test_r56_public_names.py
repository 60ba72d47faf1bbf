"""Round 56: the answer stages (the modules directly in ragtune/appliance/) import only public names of each other:
what namedcell.py reads of extractive.py and tablematch.py (is_row, row_line, DATE, date_term) is theirs to keep
stable, not a private detail another module leans on. Checked on the source, as text (nothing is run)."""
from __future__ import annotations

import ast
from pathlib import Path

import ragtune.appliance as appliance
from ragtune.appliance import extractive, namedcell, tablematch
from ragtune.appliance.types import ContextItem

APPLIANCE = Path(appliance.__file__).parent
# config.py reads config_paths.py, the part split out of it: one module in two files
KNOWN = {("config.py", "_in_home")}


def _private_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    froms = [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and (n.level or "ragtune" in (n.module or ""))]
    return [a.name for n in froms for a in n.names if a.name.startswith("_") and not a.name.startswith("__")]


def test_the_answer_stages_import_no_private_name_of_each_other():
    found = {(p.name, name) for p in APPLIANCE.glob("*.py") for name in _private_imports(p)}
    assert found <= KNOWN, sorted(found - KNOWN)


def test_namedcell_reads_the_public_names():
    assert namedcell.is_row is extractive.is_row and namedcell.row_line is tablematch.row_line
    assert namedcell.DATE is tablematch.DATE and namedcell.date_term is tablematch.date_term
    for old in ("_is_row", "_row_line", "_DATE", "_date_term"):
        assert not hasattr(extractive, old) and not hasattr(tablematch, old)


def test_the_public_names_behave_as_before():
    # invented content (CC0)
    assert [tablematch.date_term(m) for m in tablematch.DATE.finditer("Due 2026-01-26, paid 3rd of March 2026")] \
        == ["@26.1", "@3.3"]
    assert tablematch.date_term(tablematch.DATE.search("on Aug 22nd")) == "@22.8"
    assert tablematch.row_line("## Sheet: Rota\nDay: Mon; Driver: Ana") == "Day: Mon; Driver: Ana"
    assert tablematch.row_line("Day: Mon; Driver: Ana\nDay: Tue; Driver: Bo") is None
    assert extractive.is_row(ContextItem("S1", "Day: Mon; Driver: Ana", source="/share/rota.csv"))
    assert not extractive.is_row(ContextItem("S1", "Day: Mon; Driver: Ana", source="/share/rota.md"))
