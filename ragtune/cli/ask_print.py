"""What `ragtune ask` prints besides the answer, in words a screen reader says as they are (round 48): a refusal's
reason and code, each citation's place in its document."""

from __future__ import annotations

from typing import Any

import click

from ..appliance.text import escaped, printable


def refusal_words(code: str | None) -> str:
    """`refused: the sources found do not look like they hold the answer (no_evidence)`: the reason in words (the
    chat's REFUSAL_REASONS), then its code; `refused` alone when the answer gives none."""
    if not code:
        return "refused"
    from ..tui.data import REFUSAL_REASONS  # rich, not Textual: loaded for a refusal only

    words = REFUSAL_REASONS.get(code)
    return f"refused: {escaped(words)} ({escaped(code)})" if words else f"refused: {escaped(code)}"


def print_citations(home: Any, citations: list[Any]) -> None:
    """`[1] S1 path, chunk 3/7 (id 10, chars 1463-2011)` and the cited text's start: the chunk's place in its
    document as the chat and `demo` name it (left out when the chunk is no longer stored), the row id beside it. A
    path is shown as `docs list` shows it (doc_names): quoted when its name ends in a space or a dot, and two cited
    paths that differ only in Unicode form marked (composed name)/(decomposed name) (round 49: the same path twice)."""
    from ..appliance.ingest.doc_names import shown_doc_path, twins, unicode_form
    from ..tui.docsource import StoreDocuments, chunk_number  # no Textual

    chunks = StoreDocuments(home)
    alike = twins(c.source for c in citations)
    try:
        for n, c in enumerate(citations, start=1):
            try:
                place = chunk_number(chunks.chunk(c))
            except Exception:  # the number is a help, never a failure (a store that cannot say)
                place = ""
            snippet = " ".join(printable(c.text).split())
            snippet = snippet[:100] + ("…" if len(snippet) > 100 else "")
            form = unicode_form(c.source) if c.source in alike else ""
            click.echo(f"[{n}] {c.id} {shown_doc_path(c.source, printable)}{form}{place} (id {c.chunk_id}, chars "
                       f"{c.start_char}-{c.end_char})")
            click.echo(f"    {snippet}")
    finally:
        chunks.close()

