"""A deterministic stand-in for `ragtune.appliance.answer.AnswerEngine`, for the TUI tests and snapshots.

It implements the engine interface from the brief (ask / set_adapter / model_id / adapter_id / close), streams the
answer JSON through `on_token` in fixed pieces, and answers from a tiny built-in corpus by word overlap: questions
that share no content word with the corpus are refused, like the real pipeline does when retrieval finds nothing.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any, Callable

from ragtune.appliance.errors import InputError, ModelError
from ragtune.appliance.types import Answer, ContextItem, Timings

from ragtune.tui.data import query_terms
from ragtune.tui.docsource import ChunkInfo, DocRow, DocumentText

FAKE_MODEL_ID = "f00dfeed" + "0" * 56
FAKE_ADAPTER_ID = "ada97e11" + "1" * 56

# Two small documents, each split into two chunks (the second starts after the first and a space).
_FAKE_DOCS: list[tuple[str, str, list[str]]] = [
    ("docs/appliance.md", "The appliance", [
        "The appliance answers questions offline over your own documents. It never downloads anything at run time.",
        "Answers are JSON with a status, the answer text and the ids of the sources that support it.",
    ]),
    ("docs/adapters.md", "Adapters", [
        "A LoRA adapter changes how the model answers: it learns to cite sources and to refuse when they are silent.",
        "Press ctrl+l in the chat to switch between the base model and the active adapter.",
    ]),
]


def _chunks() -> list[tuple[int, str, str, int, int, str]]:
    rows, cid = [], 0
    for source, title, parts in _FAKE_DOCS:
        pos = 0
        for ord_, text in enumerate(parts):
            cid += 1
            rows.append((cid, source, title, ord_, pos, text))
            pos += len(text) + 1
    return rows


# (chunk_id, source, title, ord, start_char, text)
FAKE_CHUNKS: list[tuple[int, str, str, int, int, str]] = _chunks()
# Each fake document's id, as the store would number them.
FAKE_DOC_IDS: dict[str, int] = {source: i for i, (source, _t, _p) in enumerate(_FAKE_DOCS, start=1)}


def _item(row: tuple[int, str, str, int, int, str], sid: str) -> ContextItem:
    chunk_id, source, title, _ord, start, text = row
    return ContextItem(id=sid, text=text, chunk_id=chunk_id, source=source, title=title, start_char=start,
                       end_char=start + len(text), sha256=f"{chunk_id:064x}")


class FakeEngine:
    """Deterministic AnswerEngine. `error` (an exception) is raised by the next `ask`; `piece` is the size in
    characters of each answer-text delta passed to `on_token`; `token_delay` (seconds) makes streaming visible when used interactively."""

    def __init__(self, settings: Any = None, *, model_id: str = FAKE_MODEL_ID, adapter_id: str | None = None,
                 adapters: tuple[str, ...] = (FAKE_ADAPTER_ID,), error: Exception | None = None, piece: int = 6,
                 token_delay: float = 0.0, gate: Any = None):
        self.settings = settings
        self.model_id = model_id
        self.adapter_id = adapter_id
        self.adapters = tuple(adapters)
        self.error = error
        self.piece = piece
        self.token_delay = token_delay
        self.gate = gate  # a threading.Event the stream waits on after its first piece (tests of cancelling)
        self.asked: list[dict[str, Any]] = []
        self.closed = False

    # -- the AnswerEngine interface ---------------------------------------------------------------
    def set_adapter(self, adapter: str | None) -> None:
        if adapter in (None, "none"):
            self.adapter_id = None
            return
        match = [a for a in self.adapters if a.startswith(adapter)]
        if not match:
            raise ModelError(f"unknown adapter {adapter!r}", hint="ragtune models list")
        self.adapter_id = match[0]

    def ask(self, question: str, *, adapter: str | None = None, k: int | None = None, use_cache: bool = True,
            retrieve: bool = True, context: list[ContextItem] | None = None,
            on_token: Callable[[str], None] | None = None, filters: dict[str, Any] | None = None) -> Answer:
        self.asked.append({"question": question, "adapter": self.adapter_id, "k": k, "filters": filters})
        if self.error is not None:
            err, self.error = self.error, None
            raise err
        if not question.strip():
            raise InputError("empty question")
        if len(question) > 2000:
            raise InputError("question too long (max 2000 characters)")
        terms = set(query_terms(question))
        scored = []
        scope = None if not filters else set(filters.get("doc_ids") or ())
        for row in FAKE_CHUNKS:
            if scope is not None and FAKE_DOC_IDS[row[1]] not in scope:  # like retrieval: inside the scope only
                continue
            words = set(re.findall(r"\w+", row[5].lower()))
            score = sum(1 for t in terms if any(w.startswith(t) for w in words))
            if score:
                scored.append((-score, row[0], row))
        scored.sort()
        ctx = [_item(row, f"S{i}") for i, (_s, _id, row) in enumerate(scored[: (k or 4)], start=1)]
        if ctx:
            cited = ctx[:2]
            text = " ".join(c.text.split(". ")[0].rstrip(".") + "." for c in cited)
            out = {"status": "ok", "answer": text, "citations": [c.id for c in cited]}
            reason = None
        else:
            cited = []
            out = {"status": "refused", "answer": "The provided documents do not contain the answer to this question.",
                   "citations": []}
            reason = "no_sources"
        raw = json.dumps(out, ensure_ascii=False)
        if on_token is not None:  # like AnswerEngine: the answer text as it is generated, not the JSON
            text_out = out["answer"]
            for i in range(0, len(text_out), self.piece):
                on_token(text_out[i:i + self.piece])
                if self.gate is not None and i == 0:
                    self.gate.wait(5)
                if self.token_delay:
                    time.sleep(self.token_delay)
        n_prompt = 120 + sum(len(c.text.split()) * 2 for c in ctx)
        return Answer(
            status=out["status"], answer=out["answer"], citations=cited, retrieved=[c.chunk_id for c in ctx],
            context=ctx, timings=Timings(retrieval_ms=12.5, ttft_ms=85.0, generation_ms=640.0, total_ms=737.5),
            tokens_prompt=n_prompt, tokens_completion=len(raw) // 4, cost=0.0, model=self.model_id,
            adapter=self.adapter_id or "none", refusal_reason=reason, raw_output=raw,
        )

    def close(self) -> None:
        self.closed = True


class FakeDocuments:
    """DocumentSource over the fake corpus (what StoreDocuments is over ragtune.db). `paths` (path -> id) is what
    the list, `resolve` and `index_version` see: a test adds or removes paths and bumps `version` to act out an
    ingest or a `docs remove`."""

    def __init__(self) -> None:
        self.paths: dict[str, int] = dict(FAKE_DOC_IDS)
        self.version = 1
        self.listed = 0  # list_documents calls

    def list_documents(self) -> list[DocRow]:
        self.listed += 1
        return [DocRow(i, p, next((t for s, t, _ in _FAKE_DOCS if s == p), ""), len(self._rows(p)) or 1,
                       1714557600.0 + 3600 * i) for p, i in sorted(self.paths.items())]

    def document_by_id(self, doc_id: int) -> DocumentText:
        path = next((p for p, i in self.paths.items() if i == doc_id), None)
        if path is None:
            return DocumentText(f"document {doc_id}", "", "", note="this document is no longer stored")
        rows = self._rows(path)
        return DocumentText(path, rows[0][2] if rows else "", " ".join(r[5] for r in rows), doc_id=doc_id)

    def index_version(self) -> int | None:
        return self.version

    def resolve(self, refs: list[str]) -> tuple[list[int], list[str]]:
        """Like `--in`: an id, a path, or a folder (every path under it)."""
        ids: set[int] = set()
        gone = []
        for ref in refs:
            found = {i for p, i in self.paths.items()
                     if str(i) == ref or p == ref or p.startswith(ref.rstrip("/") + "/")}
            ids |= found
            if not found:
                gone.append(ref)
        return sorted(ids), gone

    def _rows(self, source: str) -> list[tuple[int, str, str, int, int, str]]:
        return [r for r in FAKE_CHUNKS if r[1] == source]

    def chunk(self, item: ContextItem) -> ChunkInfo:
        for r in FAKE_CHUNKS:
            if r[0] == item.chunk_id:
                return ChunkInfo(source=r[1], text=r[5], ord=r[3], n_chunks=len(self._rows(r[1])), start_char=r[4],
                                 end_char=r[4] + len(r[5]), title=r[2], doc_id=FAKE_DOC_IDS[r[1]])
        return ChunkInfo(source=item.source, text=item.text, start_char=item.start_char, end_char=item.end_char)

    def document(self, item: ContextItem) -> DocumentText:
        rows = self._rows(item.source)
        text = " ".join(r[5] for r in rows)
        info = self.chunk(item)
        return DocumentText(item.source, rows[0][2] if rows else "", text, (info.start_char, info.end_char),
                            doc_id=FAKE_DOC_IDS.get(item.source))

    def count_documents(self) -> int | None:
        return len({r[1] for r in FAKE_CHUNKS})

    def close(self) -> None:
        pass


class ManyDocuments(FakeDocuments):
    """`n` documents in `folders` folders (/home/org/docs/fNN/report-NNNNN.md); the list waits for `gate` (a
    threading.Event) when one is given: a slow database."""

    def __init__(self, n: int = 10_000, folders: int = 100, gate: Any = None):
        super().__init__()
        self.paths = {f"/home/org/docs/f{i % folders:02d}/report-{i:05d}.md": i for i in range(1, n + 1)}
        self.gate = gate

    def list_documents(self) -> list[DocRow]:
        if self.gate is not None:
            self.gate.wait(10)
        self.listed += 1
        return [DocRow(i, p, f"Quarterly report {i}", 1 + i % 7, 1714557600.0 + 60 * i)
                for p, i in sorted(self.paths.items())]


def fake_ingest(settings: Any, paths: list, *, prune: bool = False, progress: Callable | None = None,
                should_stop: Callable | None = None) -> Any:
    """Stands in for `ingest_paths`: reports progress over the given paths and returns a summary-like object."""
    from types import SimpleNamespace

    total = len(paths)
    for i, p in enumerate(paths, start=1):
        if progress is not None:
            progress(i, total, str(p))
    return SimpleNamespace(added=total, updated=0, unchanged=0, deleted=0, chunks_added=3 * total, failed=[],
                           seconds=0.01)


def burst_ingest(go: Any, posted: Any, release: Any, n: int = 5000) -> Callable:
    """An ingest that reports `n` files at once when the event `go` is set (the UI loop held meanwhile), sets
    `posted`, then waits for `release`: a burst of queued progress updates."""
    from types import SimpleNamespace

    def ingest(settings: Any, paths: list, *, progress: Callable | None = None, should_stop: Callable | None = None):
        go.wait(5)
        for i in range(n):
            progress(i, n, f"/data/{i}.md", None, stage="reading")
        posted.set()
        release.wait(5)
        return SimpleNamespace(added=0, updated=0, unchanged=n, chunks_added=0, failed=[])
    return ingest


async def ask_until_streaming(pilot: Any, question: str, tries: int = 100) -> Any:
    """Type QUESTION, press enter and wait (up to `tries` short pauses) until its answer streams, which a gated
    FakeEngine holds there; returns the answer's widget."""
    pilot.app.screen.query_one("HistoryInput").value = question
    await pilot.press("enter")
    for _ in range(tries):
        await pilot.pause(0.02)
        msg = pilot.app.screen.query("AnswerMessage").last()
        if msg.state == "streaming":
            break
    return msg


async def wait_until(pilot: Any, done: Callable[[], Any], tries: int = 100) -> None:
    """Short pauses (up to `tries`) until `done()` is true: a worker's result reaches the app a few frames later,
    more on a loaded machine. The caller asserts what it needs afterwards."""
    for _ in range(tries):
        await pilot.pause(0.02)
        if done():
            return


async def ingest_via_prompt(pilot: Any, path: Any) -> None:
    """ctrl+g, PATH typed into the ingest prompt (query_one by id: the prompt's Input), enter."""
    await pilot.press("ctrl+g")
    await pilot.pause()
    pilot.app.screen.query_one("#ingest-path").value = str(path)
    await pilot.press("enter")
