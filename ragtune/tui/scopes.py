"""A chat scope that follows what was chosen (a folder, a document's path) when documents are ingested or removed,
resolved in a worker thread: a folder of 100k documents takes ~50 ms to resolve, a visible stall on the UI thread.

The UI thread takes a `ScopeState` (no store read), a worker `follow`s it (the ask worker, before retrieval, so the
question is asked within the up-to-date scope; after an ingest, a worker of its own) and posts `ScopeFollowed`; the
app applies the result on the UI thread (RagtuneApp.scope_followed), unless the scope was set or cleared since.
A folder chosen on the documents screen (`f`) is resolved the same way, by `choose` in that screen's worker
(RagtuneApp.scope_choice counts the choice as a change, so another choice or ctrl+s before its result wins)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message

from .data import quietly
from .docsource import DocumentSource


@dataclass(frozen=True)
class ScopeState:
    """The app's scope when a question was sent (or an ingest ended)."""

    filters: dict[str, Any] | None  # what questions are asked with; None: every document
    refs: tuple[str, ...]  # what was chosen (a folder, a document's path, ids), resolved again on changes
    version: int | None  # the store's index version the ids were resolved at
    gen: int  # which scope this is: the app counts every change of it, so a late result for an older one is dropped


@dataclass(frozen=True)
class Followed:
    """`state`'s refs resolved again at index version `version` (or the error resolving them raised)."""

    state: ScopeState
    version: int | None  # None: unreadable (only from `choose`); the next question resolves the refs again
    ids: list[int]
    gone: list[str]  # refs that match no document any more
    error: BaseException | None = None

    @property
    def filters(self) -> dict[str, Any] | None:
        """What a question sent within `state` is asked with: the documents now, none when none is left (the
        question is refused, no_sources: answered from every document it could quote another team's; the app then
        clears the scope, with its notice, for the next question); the scope as it was when resolving failed (the
        next question retries)."""
        if self.error is not None:
            return self.state.filters
        return {"doc_ids": list(self.ids)}


def follow(documents: DocumentSource, state: ScopeState | None) -> Followed | None:
    """Called in a worker thread. None when there is nothing to follow or the index version has not moved (one
    read of it: what most questions cost)."""
    if state is None or not state.filters or not state.refs:
        return None
    version = quietly(documents.index_version, None)
    if version is None or version == state.version:
        return None
    return _resolve(documents, state, version)


def choose(documents: DocumentSource, state: ScopeState) -> Followed:
    """Called in a worker thread: `state`'s refs (a folder being chosen, no ids yet: RagtuneApp.scope_choice)
    resolved for the first time, at the index version read before resolving (a change meanwhile is followed by the
    next question)."""
    return _resolve(documents, state, quietly(documents.index_version, None))


def _resolve(documents: DocumentSource, state: ScopeState, version: int | None) -> Followed:
    try:
        ids, gone = documents.resolve(list(state.refs))
    except Exception as exc:  # the scope stays as it was; the app (or the documents screen) says why
        return Followed(state, version, [], [], error=exc)
    return Followed(state, version, list(ids), list(gone))


class ScopeFollowed(Message, bubble=False):
    """From a worker: `followed` for the UI thread to apply; `target` the answer whose question it was followed
    for (its line says what it was asked within). Not bubbled: the chat screen hands its own to the app, the
    documents screen applies the folder its `f` chose."""

    def __init__(self, followed: Followed, target: Any = None):
        super().__init__()
        self.followed, self.target = followed, target
