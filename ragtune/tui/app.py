"""The Textual app and its factory. `create_app` is shared by the CLI (`ragtune chat`, `ragtune demo`) and the
tests; everything slow or native (engine load, answers, adapter switch, ingest) is injectable and runs in
thread workers, so the UI never blocks and tests run with fakes."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Callable

from textual.app import App
from textual.binding import Binding

from ragtune.appliance.config import Settings
from ragtune.appliance.errors import ConfigError, MissingExtraError, ModelError, RagtuneError, StoreError
from ragtune.appliance.types import ContextItem

from .data import printable, quietly, scope_size
from .docsource import ChunkInfo, DocumentSource, StoreDocuments
from .host import ChatHost
from .notices import RetentionListener, RetentionTold
from .scopes import Followed, ScopeFollowed, ScopeState, follow
from .terminal import native_output_to
from .watch import StoreWatch

EngineFactory = Callable[[Settings], Any]
IngestFn = Callable[..., Any]


def default_engine_factory(settings: Settings, on_warning: Callable[[str, str], None] | None = None) -> Any:
    """An AnswerEngine with its model, configured adapter and retriever loaded. An adapter that fails to load
    leaves the base model answering, and `on_warning(message, title)` says why (before: the whole chat said
    "cannot load the model" and answered nothing)."""
    from ragtune.appliance.answer import AnswerEngine

    engine = AnswerEngine(settings)
    try:
        # Load the model, the configured adapter and the retriever now (in the worker), not on the first
        # question or on the UI thread when the status bar reads model_id.
        try:
            _ = engine.model_id
        except ModelError as exc:
            if settings.generate.adapter in (None, "", "none"):
                raise
            try:  # the model or the adapter? The base alone says (a missing model fails again, at once)
                engine.set_adapter("none")
                _ = engine.model_id
            except Exception:
                raise exc from None
            if on_warning is not None:
                on_warning(f"{exc}\nanswering with the base model (ctrl+l tries the adapter again)",
                           "cannot load the adapter")
        _ = engine.retriever
    except BaseException:
        engine.close()
        raise
    return engine


def default_ingest(settings: Settings, paths: list[Path], *, progress: Callable | None = None,
                   should_stop: Callable[[], bool] | None = None) -> Any:
    """ingest_paths with its byte-based progress handed to `progress(done, total, path, eta_s, stage=, files=)`:
    `done` counts files, with the fraction of the file being worked on (so the bar moves inside one big file);
    `files` the files done, as `ragtune ingest` counts them (bytes move only as slabs are embedded: the count said
    0/400 with six documents read). `should_stop`: ingest_paths ends when it turns true, between documents or
    inside a big one (dropped whole; the finished documents are kept)."""
    from ragtune.appliance.ingest.pipeline import ingest_paths

    def on_progress(p: Any) -> None:
        if progress is not None and p.stage != "done":  # "waiting": another ingest holds the index
            progress(p.fraction * p.files_total, p.files_total, p.path, p.eta_s, stage=p.stage, files=p.files_done)

    return ingest_paths(settings, paths, on_progress=on_progress, should_stop=should_stop)


# Why the engine could not start, by error type: (notification title, status bar state). A damaged or read-only
# ragtune.db is not a missing model.
ENGINE_FAILURES: list[tuple[type[BaseException], str, str]] = [
    (StoreError, "cannot open the database", "database error"),
    (ConfigError, "invalid configuration", "config error"),
    (MissingExtraError, "missing dependency", "no model"),
    (ModelError, "cannot load the model", "no model"),
]


def engine_failure(exc: BaseException) -> tuple[str, str]:
    """(title, status bar state) of an engine that failed to start with `exc`."""
    for kind, title, state in ENGINE_FAILURES:
        if isinstance(exc, kind):
            return title, state
    return "cannot start the answer engine", "engine failed"


# Notification titles for the typed errors, in words (the nearest class in the error's MRO that is named here).
ERROR_TITLES = {"NothingIngested": "no documents yet", "ConfigError": "configuration error", "InputError": "input error",
                "ModelError": "model error", "StoreError": "database error", "GenerationError": "generation error",
                "MissingExtraError": "not installed"}


class RagtuneApp(App):
    CSS_PATH = "ragtune.tcss"
    TITLE = "ragtune"
    ENABLE_COMMAND_PALETTE = False  # ctrl+p is "previous citation"
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("f1", "help", "Help", show=False),
        Binding("question_mark", "help", "Help", show=False),  # not in an input: there `?` is typed
    ]

    def __init__(self, settings: Settings, *, engine: Any = None, engine_factory: EngineFactory | None = None,
                 ingest: IngestFn | None = None, documents: DocumentSource | None = None,
                 adapter: str | None = None, close_engine: bool = True, scope: dict[str, Any] | None = None,
                 scope_refs: list[str] | None = None, stacked: bool = False):
        super().__init__()
        self.settings = settings
        self.stacked = stacked  # the side panels start under the conversation (f2's layout; `ragtune chat --stacked`)
        self.scope: dict[str, Any] | None = dict(scope) if scope else None  # every question's retrieval filters
        self.scope_refs: list[str] | None = None  # what the scope was chosen as: a folder, a document, ids
        self._scope_name = ""  # how the notifications name it (scope_what)
        self._scope_counted = False  # a folder: scope_what adds its document count
        self._scope_version: int | None = None  # the store's index version the scope's ids were resolved at
        self._scope_gen = 0  # counts changes of the scope: a worker's result for an older one is dropped
        if self.scope:
            self.scope_refs = list(scope_refs) if scope_refs else [str(i) for i in self.scope.get("doc_ids") or ()]
        self.engine = engine
        self.engine_error: str | None = None
        self.engine_state = "no model"  # the status bar's word for engine_error
        self.engine_factory = engine_factory or (lambda s: default_engine_factory(s, self._engine_warning))
        self.ingest_fn = ingest or default_ingest
        self.documents: DocumentSource = documents or StoreDocuments(settings.home)
        self.engine_lock = threading.Lock()
        self.close_engine = close_engine
        self._adapter = adapter if adapter and adapter != "none" else None
        self.chat: Any = None
        self.quitting = False  # set on quit: a model that finishes loading afterwards is closed, not shown
        self.ingest_status: str | None = None  # a running ingest's progress ("120/5000 files"), set by IngestScreen
        self.ingest_stop = threading.Event()  # asks the running ingest to stop after its current document
        self._quit_warned = False
        self._quit_draft = ""  # the unasked question ctrl+q warned about: a second ctrl+q quits
        self._retention = RetentionListener(self)  # the query log deleting old entries, said while the app runs

    # -- lifecycle -------------------------------------------------------------------------------------
    def on_mount(self) -> None:
        from .screens.chat import ChatScreen

        self.chat = ChatScreen(classes="-stacked" if self.stacked else "")
        self.push_screen(self.chat)
        self._retention.start()
        self.store_watch = StoreWatch(self).start()  # another process's ingest, seen while the chat sits idle
        if self.scope:
            self._scope_version = self._index_version()
        if self.engine is None:
            self.run_worker(self._load_engine, thread=True, name="load-engine", group="engine")

    def _load_engine(self) -> None:
        try:
            with self.engine_lock:
                engine = self.engine_factory(self.settings)
                if self.quitting:  # quit while it loaded: nothing will show or close it (quitting waits for this)
                    if self.close_engine:
                        engine.close()
                    return
        except Exception as exc:
            if not self.quitting:
                self.call_from_thread(self._engine_failed, self.describe_error(exc)[0], *engine_failure(exc))
        else:
            self.call_from_thread(self._engine_loaded, engine)

    def _engine_warning(self, message: str, title: str) -> None:
        """From the loading worker: the engine loads, with something the person should know (an adapter that
        failed)."""
        if not self.quitting:
            self.call_from_thread(self.notify, message, title=title, severity="warning", timeout=15)

    def _engine_loaded(self, engine: Any) -> None:
        if self.quitting:  # quit between the worker's check and this call
            if self.close_engine:
                engine.close()
            return
        self.engine = engine
        self.engine_error = None
        self.engine_state_changed()

    def _engine_failed(self, error: str, title: str, state: str = "no model") -> None:
        self.engine_error, self.engine_state = error, state
        self.notify(error, title=title, severity="error", timeout=15)
        if self.chat is not None:
            self.chat.engine_failed(error)

    def engine_state_changed(self) -> None:
        if self.chat is None or not self.chat.is_mounted:
            return
        if self.engine is not None:
            cur = getattr(self.engine, "adapter_id", None)
            if cur and cur != "none":
                self.remember_adapter(cur)
            self.chat.engine_ready()
        elif self.engine_error:
            self.chat.engine_failed(self.engine_error)

    async def action_quit(self) -> None:
        draft = self.chat.unasked_question() if self.chat is not None and self.chat.is_mounted else ""
        if draft and draft != self._quit_draft:  # typed, never asked: not in the history or the query log
            self._quit_draft = draft
            self.notify(f"Your question is not asked yet: “{draft[:60]}{'…' if len(draft) > 60 else ''}”. Press "
                        "ctrl+q again to quit without it (enter in the question box asks it).", title="quit?",
                        severity="warning", timeout=10)
            return
        if self.ingest_status is not None and not self._quit_warned:
            self._quit_warned = True
            self.notify(f"An ingest is running ({self.ingest_status}): quitting stops it (finished documents are "
                        "kept; ingest again to go on). Press ctrl+q again to quit.",
                        severity="warning", timeout=10)
            return
        self.ingest_stop.set()  # the process ends when the ingest thread does: between documents or embedding slabs
        self.quitting = True
        if self.chat is not None:
            self.chat.cancel.set()  # a running generation stops at its next token
        self.exit()

    def on_retention_told(self, event: RetentionTold) -> None:
        self.notify(event.note, title="query log retention", severity="warning", timeout=30)

    def action_help_quit(self) -> None:
        """ctrl+c (outside a box's selection): Textual's hint is markup, which notify shows as typed."""
        self.notify("ctrl+q quits (ctrl+c copies the text selected in a box)", title="quit?")

    def on_unmount(self) -> None:
        self.quitting = True
        self._retention.stop()
        # Never close llama.cpp under a running generation: wait briefly for the worker to let go.
        if self.close_engine and self.engine is not None and self.engine_lock.acquire(timeout=5):
            try:
                self.engine.close()
            except Exception:
                pass
            finally:
                self.engine_lock.release()
        try:
            self.documents.close()
        except Exception:
            pass

    def notify(self, message: str, *, title: str = "", severity: Any = "information", timeout: float | None = None,
               markup: bool = True) -> None:
        """Every notification here is plain text (error messages, paths, config keys such as `[generate]`): never
        read it as markup, whatever the caller passes (a screen's notify passes markup=True), and its control
        characters are shown, never sent to the terminal (see data.printable). A warning or an error without a
        title is titled so: its colour alone would be the only sign of it (NO_COLOR, a monochrome terminal)."""
        kw: dict[str, Any] = {} if timeout is None else {"timeout": timeout}
        title = title or {"warning": "warning", "error": "error"}.get(str(severity), "")
        super().notify(printable(message), title=printable(title), severity=severity, markup=False, **kw)

    # -- services for the screens ----------------------------------------------------------------------
    def describe_error(self, exc: BaseException) -> tuple[str, str]:
        """(message, title) for a notification. Typed errors carry their own message; anything else is an
        internal error, reported the same way instead of crashing the app."""
        if isinstance(exc, RagtuneError):
            title = next((ERROR_TITLES[k.__name__] for k in type(exc).__mro__ if k.__name__ in ERROR_TITLES), "error")
            return str(exc), title
        return f"internal error: {type(exc).__name__}: {exc}", "internal error"

    def count_documents(self) -> int | None:
        return quietly(self.documents.count_documents, None)

    def documents_changed(self) -> None:
        """An ingest ended (also one left running in the background): the status bar's document count, and the
        scope follows its folder; an open documents list (ctrl+t) reads itself again (round 47 left it as it was)."""
        self.follow_scope()
        for screen in self.screen_stack:  # the chat under it, and any screen that shows the documents
            if screen.is_mounted and callable(getattr(screen, "refresh_documents", None)):
                screen.refresh_documents()

    def _index_version(self) -> int | None:
        return quietly(self.documents.index_version, None)

    def scope_state(self) -> ScopeState:
        """The scope as it stands, for a worker to follow (scopes.py); reads nothing from the store."""
        return ScopeState(self.scope, tuple(self.scope_refs or ()), self._scope_version, self._scope_gen)

    def follow_scope(self) -> None:
        """After an ingest: the scope follows its refs in a worker (see scope_followed), never on the UI thread (a
        folder of 100k documents takes ~50 ms to resolve). Questions follow it in their own worker (chat.py)."""
        if not self.scope or not self.scope_refs:
            return
        state = self.scope_state()

        def run() -> None:
            followed = follow(self.documents, state)
            if followed is not None and not self.quitting:
                self.post_message(ScopeFollowed(followed))

        self.run_worker(run, thread=True, name="follow-scope", group="scope")

    def on_scope_followed(self, event: ScopeFollowed) -> None:
        self.scope_followed(event.followed)

    def scope_followed(self, followed: Followed) -> None:
        """A scope is held as document ids beside what the person chose (`scope_refs`: a folder, a document's
        path). When the store's index version has moved (an ingest here, `docs remove` or an ingest elsewhere), a
        worker resolves the refs again, like `--in`, and this takes the result: a folder takes in its new
        documents and lets go of removed ones. Nothing left: the scope is cleared with a notification, rather than
        every question refused. A result for a scope set, cleared or followed since is dropped."""
        if followed.state.gen != self._scope_gen or not self.scope or not self.scope_refs:
            return
        if followed.error is not None:  # the scope stays as it was; the next question tries again
            self.notify(self.describe_error(followed.error)[0], title="cannot follow the scope", severity="warning")
            return
        self._scope_gen += 1
        self._scope_version = followed.version
        ids, gone = followed.ids, followed.gone
        what = self.scope_what or scope_size(self.scope)
        if not ids:
            self.scope = self.scope_refs = None
            self._scope_name, self._scope_counted = "", False
            self.notify(f"No document of the scope ({what}) is stored any more: answers come from every document "
                        "again", title="scope", severity="warning", timeout=10)
        else:
            if gone:
                self.notify(f"No longer stored: {', '.join(gone[:3])}{' …' if len(gone) > 3 else ''}; the scope "
                            f"keeps {len(ids)} document{'' if len(ids) == 1 else 's'}", title="scope",
                            severity="warning")
                self.scope_refs = [r for r in self.scope_refs if r not in gone]
            self.scope = {"doc_ids": ids}
        if self.chat is not None and self.chat.is_mounted:
            self.chat.scope_changed()

    @property
    def scope_what(self) -> str:
        """How the notifications name the scope: what was chosen ("handbook.md"), a folder with its document count
        as it is now ("f03/ (100 documents)", again after it is followed); "" when it was not named."""
        if self._scope_counted and self.scope:
            return f"{self._scope_name} ({scope_size(self.scope)})"
        return self._scope_name

    def scope_choice(self, refs: list[str]) -> ScopeState:
        """A scope being chosen (the documents screen's `f`: a folder), for a worker to resolve (scopes.choose).
        Counts as a change of the scope: a result for an earlier choice, or for following the scope still set, is
        dropped, and so is this one's when the scope is chosen again, set or cleared (ctrl+s) before it comes."""
        self._scope_gen += 1
        return ScopeState(None, tuple(refs), None, self._scope_gen)

    def recent_questions(self) -> list[str]:  # history is a convenience: never a reason for the app not to start
        return quietly(lambda: list(getattr(self.documents, "recent_questions", lambda: [])()), [])

    def eval_report_dirs(self) -> list[str]:
        return quietly(lambda: list(getattr(self.documents, "eval_report_dirs", lambda: [])()), [])

    def heading_of(self, item: ContextItem) -> str | None:
        return quietly(lambda: getattr(self.documents, "heading", lambda _i: None)(item), None)

    def lookup_chunk(self, item: ContextItem) -> ChunkInfo:
        try:
            return self.documents.chunk(item)
        except Exception as exc:
            self.notify(self.describe_error(exc)[0], severity="warning")
            return ChunkInfo(source=item.source, text=item.text, start_char=item.start_char, end_char=item.end_char)

    def open_document(self, item: ContextItem, terms: list[str]) -> None:
        from .screens.document import DocumentScreen

        try:
            doc = self.documents.document(item)
        except Exception as exc:
            self.notify(*self.describe_error(exc)[:1], severity="error")
            return
        self.push_screen(DocumentScreen(doc, terms))

    def remember_adapter(self, adapter_id: str) -> None:
        self._adapter = adapter_id

    def set_scope(self, scope: dict[str, Any] | None, what: str = "", refs: list[str] | None = None, *,
                  counted: bool = False, version: int | None = None) -> None:
        """Answer the next questions only from `scope`'s documents (None: from every document); `what` names them
        in the notification ("handbook.md"; `counted`: with their count, see scope_what); `refs` is what was chosen
        (a folder, a document's path), resolved again when the store changes (default: the ids); `version` the
        index version they were resolved at in a worker (default: read here)."""
        self._scope_gen += 1  # a worker still following (or choosing) a scope before this one: its result is dropped
        if not scope and not self.scope:
            self.notify("Answers already come from every document", severity="information", timeout=3)
            return
        self.scope = scope or None
        self._scope_name, self._scope_counted = (what, counted) if self.scope else ("", False)
        self.scope_refs = (list(refs) if refs else [str(i) for i in self.scope.get("doc_ids") or ()]) \
            if self.scope else None
        self._scope_version = (self._index_version() if version is None else version) if self.scope else None
        if self.scope:
            self.notify(f"Next answers come only from {self.scope_what or scope_size(self.scope)} (ctrl+s: every "
                        "document again)", title="scope")
        else:
            self.notify("Next answers come from every document", title="scope")
        if self.chat is not None and self.chat.is_mounted:
            self.chat.scope_changed()

    def adapter_candidate(self) -> str | None:
        """What ctrl+l switches to: the adapter used last in this session, else the configured one, else the
        registry's choice (`models activate`), else the package's built-in default adapter (even one its manifest
        does not make the default: ctrl+l is how a person tries it)."""
        if self._adapter:
            return self._adapter
        configured = self.settings.generate.adapter
        if configured and configured not in ("none", "default"):
            return configured
        try:
            from ragtune.appliance.registry import Registry

            reg = Registry(self.settings.home)
            active = reg.default_adapter() or reg.builtin_adapter(require_go=False)
        except Exception:
            return None
        if active is None:
            return None
        return getattr(active, "id", active) if not isinstance(active, str) else active

    # -- actions -------------------------------------------------------------------------------------------
    def action_help(self) -> None:
        from .screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_ingest(self) -> None:
        from .screens.ingest import IngestScreen

        if self.ingest_status is not None:  # left running with escape: one ingest at a time
            self.notify(f"An ingest is still running ({self.ingest_status}); its result shows here when it ends",
                        severity="warning")
            return
        self._quit_warned = False  # the next running ingest warns again
        self.ingest_stop.clear()

        def done(summary: Any) -> None:
            if summary is not None:
                self.store_watch.loaded()  # its next read is this ingest's version: not refreshed again
                self.documents_changed()

        self.push_screen(IngestScreen(), done)

    def action_documents(self) -> None:
        from .screens.documents import DocumentsScreen

        if not isinstance(self.screen, DocumentsScreen):
            self.push_screen(DocumentsScreen())

    def action_evals(self) -> None:
        from .screens.evals import EvalScreen

        self.push_screen(EvalScreen())


def create_app(settings: Settings, *, engine: Any = None, engine_factory: EngineFactory | None = None,
               ingest: IngestFn | None = None, documents: DocumentSource | None = None,
               adapter: str | None = None, close_engine: bool = True,
               scope: dict[str, Any] | None = None, scope_refs: list[str] | None = None,
               stacked: bool = False) -> RagtuneApp:
    """The chat app over `settings.home`.

    engine: a ready AnswerEngine (or a test double with its interface); when None, `engine_factory(settings)` (default: AnswerEngine)
      runs in a worker at startup while the UI shows "loading model…".
    ingest: `ingest(settings, paths, progress=cb)` for the ingest prompt (default: ingest_paths).
    documents: chunk/document lookups for the source and document views (default: over ragtune.db).
    adapter: the adapter id ctrl+l switches to (default: config's [generate] adapter, else the registry's active).
    scope: retrieval filters every question is asked with (`ragtune chat --in`: {"doc_ids": [...]}); the document
      view's and documents screen's `a` set it, ctrl+s clears it. scope_refs: what was named (`--in` REFs), resolved
      again when the store changes, so a folder scope follows its documents (default: the ids).
    stacked: start with the side panels under the conversation, as f2 puts them (`ragtune chat --stacked`).
    """
    return RagtuneApp(settings, engine=engine, engine_factory=engine_factory, ingest=ingest, documents=documents,
                      adapter=adapter, close_engine=close_engine, scope=scope, scope_refs=scope_refs, stacked=stacked)


# The screens type `self.app` as ChatHost (ragtune/tui/host.py), not as RagtuneApp (which would be an import back
# up to this module): a type checker checks here that RagtuneApp is one.
_HOST: type[ChatHost] = RagtuneApp


def run_app(app: RagtuneApp) -> None:
    """Run in the real terminal with native output diverted to HOME/logs/tui-native.log."""
    with native_output_to(app.settings.home.root / "logs" / "tui-native.log"):
        app.run()
