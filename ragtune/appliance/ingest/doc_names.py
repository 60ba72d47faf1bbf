"""How a stored document's path is shown to people (round 49): one place for `ask`'s citations, `docs list|show`, the
ingest lines and the chat. Two things a path can hide: a name ending in a space or a dot ("notes.txt ", written on
Linux or a Mac; Windows cannot), shown quoted so the end is seen; and a name that is another stored one's in another
Unicode form (a composed "é" and a Mac copy's decomposed "é" look the same), said with its form. JSON keeps the path
as stored. No import of the loaders or the store: the chat and `ask` import this."""

from __future__ import annotations

import os
import unicodedata
from typing import Any, Callable, Iterable


def hidden_end(path: str) -> bool:
    """Whether the last name of `path` (a corpus row's: its corpus file's) ends in a space or a dot: the end a reader
    does not see ("notes.txt , chunk 1/1")."""
    names = [os.path.basename(path)]
    if "#" in names[0]:  # a corpus row "c.jsonl #4": its corpus file's name (a file "a#b.txt ": its own)
        names.append(os.path.basename(path.rpartition("#")[0]))
    return any(n != n.rstrip(" .") for n in names)


def shown_doc_path(path: str, show: Callable[[Any], str] | None = None) -> str:
    """`path` as a line shows it: `show` (the CLI's `escaped` by default; the chat's `printable`), in double quotes
    when its name ends in a space or a dot."""
    if show is None:
        from ..text import escaped as show
    text = show(path)
    return f'"{text}"' if hidden_end(path) else text


def nfc(text: str) -> str:
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def unicode_form(path: str) -> str:
    """What tells a path from its Unicode twin (the two look the same): " (composed name)", " (decomposed name)"."""
    if unicodedata.is_normalized("NFC", path):
        return " (composed name)"
    return " (decomposed name)" if unicodedata.is_normalized("NFD", path) else " (name in another Unicode form)"


def twins(paths: Iterable[str]) -> set[str]:
    """The paths among `paths` that another of them is in another Unicode form (the same in NFC, not the same)."""
    forms: dict[str, set[str]] = {}
    for p in paths:
        if not p.isascii():
            forms.setdefault(nfc(p), set()).add(p)
    return {p for group in forms.values() if len(group) > 1 for p in group}


def form_change(old: str, new: str) -> str:
    """" (decomposed → composed name)" when `old` and `new` differ only in Unicode form (a rename that looks like
    none: "Résumé.md → Résumé.md"), else ""."""
    if old == new or nfc(old) != nfc(new):
        return ""
    return f" ({unicode_form(old).strip(' ()').replace(' name', '')} → {unicode_form(new).strip(' ()')})"
