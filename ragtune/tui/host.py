"""What the screens need from the app that runs them: the type of their `self.app`.

The screens used to import `RagtuneApp` for typing only, which drew app ↔ screens as an import loop (the app imports
the screens to push them). Both sides import this module instead; `RagtuneApp` provides every member below, and
a test checks that it does."""

from __future__ import annotations

import threading
from typing import Any, Callable, Protocol

from textual.geometry import Size
from textual.screen import Screen

from ragtune.appliance.config import Settings
from ragtune.appliance.types import ContextItem

from .docsource import ChunkInfo, DocumentSource
from .scopes import Followed, ScopeState


class ChatHost(Protocol):
    settings: Settings
    engine: Any  # an AnswerEngine (or a test double with its interface); None until loaded
    engine_error: str | None  # why the engine could not be loaded
    engine_state: str  # the status bar's word for that failure ("no model", "database error", …)
    engine_lock: threading.Lock
    ingest_fn: Callable[..., Any]
    documents: DocumentSource
    ingest_status: str | None  # how far a running ingest is ("120/5000 files"); None when none runs
    ingest_stop: threading.Event  # set: the running ingest stops soon (escape, quit); finished documents are kept
    scope: dict[str, Any] | None  # the retrieval filters every question is asked with; None: every document
    scope_refs: list[str] | None  # what the scope was chosen as (a folder, a document's path), followed on changes

    # -- services of RagtuneApp -------------------------------------------------------------------
    def describe_error(self, exc: BaseException) -> tuple[str, str]: ...
    def count_documents(self) -> int | None: ...
    def documents_changed(self) -> None: ...
    def recent_questions(self) -> list[str]: ...
    def eval_report_dirs(self) -> list[str]: ...
    def heading_of(self, item: ContextItem) -> str | None: ...
    def lookup_chunk(self, item: ContextItem) -> ChunkInfo: ...
    def open_document(self, item: ContextItem, terms: list[str]) -> None: ...
    def remember_adapter(self, adapter_id: str) -> None: ...
    def adapter_candidate(self) -> str | None: ...
    def set_scope(self, scope: dict[str, Any] | None, what: str = "", refs: list[str] | None = None, *,
                  counted: bool = False, version: int | None = None) -> None: ...
    def scope_state(self) -> ScopeState: ...  # the scope as it stands, for a worker to follow (scopes.py)
    def scope_choice(self, refs: list[str]) -> ScopeState: ...  # a scope being chosen, for a worker to resolve
    def scope_followed(self, followed: Followed) -> None: ...  # a worker's result, applied on the UI thread

    # -- the parts of textual's App the screens call ----------------------------------------------------
    @property
    def size(self) -> Size: ...
    def call_from_thread(self, callback: Callable[..., Any], *args: Any, **kwargs: Any) -> Any: ...
    def notify(self, message: str, *, title: str = "", severity: Any = "information",
               timeout: float | None = None, markup: bool = True) -> None: ...
    def push_screen(self, screen: Screen | str, callback: Any = None, wait_for_dismiss: bool = False) -> Any: ...
    def pop_screen(self) -> Any: ...
    def copy_to_clipboard(self, text: str) -> None: ...


# The members a test checks RagtuneApp has (a Protocol is not checked at run time).
HOST_MEMBERS = ("settings", "engine", "engine_error", "engine_state", "engine_lock", "ingest_fn", "documents",
                "ingest_status", "ingest_stop", "scope", "scope_refs", "describe_error", "count_documents",
                "documents_changed", "recent_questions", "eval_report_dirs", "heading_of", "lookup_chunk",
                "open_document", "remember_adapter", "adapter_candidate", "set_scope", "scope_state", "scope_choice",
                "scope_followed", "call_from_thread", "notify", "push_screen", "pop_screen", "size",
                "copy_to_clipboard")
