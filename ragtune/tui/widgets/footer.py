"""The footer of every screen: the screen's keys, with help and quit always in view, and the app's keys that a modal
screen must bind itself to show and take them."""

from __future__ import annotations

from rich.cells import cell_len
from textual.binding import Binding
from textual.events import Resize
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

# Textual stops a modal screen's bindings (and so its footer) at the modal: the app's f1 / ? (not priority, so `?`
# is typed in an input) never reached the ingest prompt, and its ctrl+q (priority: it quits from anywhere) was not
# shown there. A modal screen lists these in its BINDINGS; ctrl+q still runs the app's priority binding first.
HELP_KEY = Binding("f1", "app.help", "Help")  # the app's f1 is not shown: a screen shows it where it wants it
HELP_KEYS = [HELP_KEY, Binding("question_mark", "app.help", "Help", show=False)]
QUIT_KEY = Binding("ctrl+q", "app.quit", "Quit")

# Never hidden when the keys do not fit: with help a person finds every other key; quit is the way out, and ctrl+s
# (shown only while a scope is set) the way out of a scope the status bar says answers are held to.
KEPT = {"help", "app.help", "quit", "app.quit", "clear_scope"}


def key_width(key: FooterKey, compact: bool) -> int:
    """Cells a key takes in the footer, by Textual's footer spacing: ` ^g Ingest ` (a space either side of the key,
    one after the label), compact `^g Ingest` and a space between keys."""
    if not key.description:
        return cell_len(key.key_display) + (1 if compact else 0)
    return cell_len(key.key_display) + cell_len(key.description) + (2 if compact else 3)


class KeyFooter(Footer):
    """A Footer that fits its width: when the keys do not fit (under ~72 columns the chat's are 71 cells), they are
    drawn compact, then the last keys are left out, never help (f1: it lists every key) nor quit. Before, a 40-column
    footer ended in `^g Inge` and ctrl+q was never in view."""

    _drawn: tuple | None = None  # the keys last composed (see shown_keys)

    def shown_keys(self) -> tuple:
        """What the footer draws: each shown key, its label and whether it is enabled."""
        return tuple((b.key, b.description, b.action, enabled) for (_n, b, enabled, _t)
                     in self.screen.active_bindings.values() if b.show)

    async def recompose(self) -> None:
        # Textual recomposes the footer at every focus change. Its new keys made the screen lay out every widget
        # again, the whole conversation too: stepping through 100 answers with up took 0.45 s a key (round 47).
        # The same keys are left as they are.
        keys = self.shown_keys() if self._bindings_ready and self.is_attached else None  # a closed screen's: none
        if keys is not None and keys == self._drawn:
            return
        await super().recompose()
        self._drawn = keys
        self.fit(self.size.width)

    def on_resize(self, event: Resize) -> None:
        self.fit(event.size.width)

    def fit(self, room: int) -> None:
        # Plain keys only (this app has no binding groups and no command palette key to keep apart).
        keys = [k for k in self.query(FooterKey) if not (k.has_class("-grouped") or k.has_class("-command-palette"))]
        if not keys or not room:
            return
        compact = sum(key_width(k, False) for k in keys) > room
        widths = [key_width(k, compact) for k in keys]
        shown = [True] * len(keys)
        total = sum(widths)
        for i in reversed(range(len(keys))):  # the last keys go first
            if total <= room:
                break
            if keys[i].action not in KEPT:
                shown[i] = False
                total -= widths[i]
        self.compact = compact
        for key, show in zip(keys, shown):
            key.display = show
