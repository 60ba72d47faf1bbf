"""The chat screen's base / LoRA switch (ctrl+l) and the status bar's adapter field it sets: the switch runs in a
thread worker under the engine lock, as every engine call. Split from screens/chat.py (round 48: it had reached
the module size limit); ChatScreen mixes it in, and keeps the messages (`AdapterChanged`, `Failed`) it posts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import work

if TYPE_CHECKING:  # for a type checker: a Screen (ChatScreen at run time; no import of chat.py, which imports this)
    from textual.screen import Screen as _Base

    from ..host import ChatHost
    from ..widgets.status import StatusBar
else:
    _Base = object


class AdapterSwitch(_Base):
    if TYPE_CHECKING:  # what ChatScreen provides
        app: ChatHost  # type: ignore[assignment]
        status: StatusBar
        busy: bool
        activity: str
        Failed: Any
        AdapterChanged: Any

        def notify_once(self, message: str, *, severity: str = "warning", timeout: float = 4) -> None: ...
    def action_toggle_adapter(self) -> None:
        eng = self.app.engine
        if eng is None:
            if self.app.engine_error:
                self.notify(self.app.engine_error, title=f"{self.app.engine_state}: no adapter to switch",
                            severity="error")
            else:
                self.notify("The model is still loading", severity="warning")
            return
        if self.busy:
            self.notify_once("Already switching the adapter" if self.activity == "switching"
                             else "Wait for the current answer to finish (escape stops it)")
            return
        current = getattr(eng, "adapter_id", None)
        if current and current != "none":
            target = None
        else:
            target = self.app.adapter_candidate()
            if not target:
                self.notify("No LoRA adapter available: train one and `ragtune models activate ID`, "
                            "or set [generate] adapter in config.toml", title="base only", severity="warning",
                            timeout=8)
                return
        self.busy, self.activity = True, "switching"
        self.status.state = "switching adapter…"
        self._adapter_worker(target)

    @work(thread=True, group="engine", name="set_adapter")
    def _adapter_worker(self, target: str | None) -> None:
        try:
            with self.app.engine_lock:
                self.app.engine.set_adapter(target)
                now = getattr(self.app.engine, "adapter_id", target)
        except Exception as exc:
            self.post_message(self.Failed(None, *self.app.describe_error(exc)))
        else:
            self.post_message(self.AdapterChanged(now))

    def on_chat_screen_adapter_changed(self, event: Any) -> None:
        self.busy, self.activity = False, ""
        self.status.state = "ready"
        self.status.adapter_id = event.adapter_id
        if event.adapter_id and event.adapter_id != "none":
            self.app.remember_adapter(event.adapter_id)
            self.notify(f"Next answers use LoRA adapter {event.adapter_id[:8]}", title="adapter")
        else:
            self.notify("Next answers use the base model", title="adapter")
