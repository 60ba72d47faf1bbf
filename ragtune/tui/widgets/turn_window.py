"""The conversation lays out only the turns near what the reader sees (round 52).

Textual re-arranges every widget of the screen at each layout, and a resize asks for several (the screen, then the
side panels redrawing): with 100 answers shown that was ~0.3 s a resize, and each question's layout grew with the
conversation too. Turns more than AHEAD viewport heights above the reader are set `display: none` and one blank
widget of exactly their height stands in for them (#earlier), so nothing on screen moves, the scrollbar is the same,
and the turns stay mounted as they were: selected, copied (ctrl+y), their sources opened. They are laid out again
before the reader reaches them: scrolling (keys, wheel, scrollbar, home), up on the oldest answer shown, focus.
Only a prefix of the conversation is ever hidden, and never the selected or focused answer or one still being
answered."""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

from textual.widget import Widget

if TYPE_CHECKING:  # MessageList (a VerticalScroll) mixes this in
    from textual.containers import VerticalScroll as _Base
else:
    _Base = object


class Earlier(Widget):
    """Blank: stands in for the hidden turns, their height."""

    DEFAULT_CSS = "Earlier { height: 0; margin: 0; padding: 0; border: none; }"
    rows = 0


class TurnWindow(_Base):
    AHEAD = 2  # viewport heights of turns laid out above what the reader sees; hidden beyond it
    _earlier: Earlier | None = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._hidden: list[Widget] = []  # the hidden turns' widgets, oldest first (a prefix of the conversation)
        self._synced_width = 0  # the width #earlier's height was last worked out at

    def _turns(self) -> list[Widget]:
        """The questions and answers, in order (not the welcome text, the trimmed note or #earlier)."""
        kinds = self._turn_kinds()
        return [w for w in self.children if isinstance(w, kinds)]

    def _turn_kinds(self) -> tuple[type, ...]:
        raise NotImplementedError

    def _keep(self, widget: Widget) -> bool:
        """Never hidden: an answer being answered, the selected or the focused one."""
        return bool(getattr(widget, "state", "ok") in ("waiting", "streaming") or widget.has_class("-selected")
                    or widget.has_focus)

    # -- heights ------------------------------------------------------------------------------------------
    def _rows(self, widgets: list[Widget]) -> list[int]:
        """Rows from the top of the first of `widgets` (consecutive turns) to the end of each: Textual's own box model
        at the current width, and the vertical layout's margins (the larger of two that meet). The first one's top
        margin is counted: #earlier has none, so the widget before it keeps its own."""
        size = self.scrollable_content_region.size
        viewport = self.app.size
        ends, total, previous = [], 0, 0
        for w in widgets:
            margin = w.styles.margin
            # kept by width: a hidden turn is a finished one (its text no longer changes), and a terminal resized
            # back and forth would wrap every hidden turn again each time (Textual keeps the last width only)
            key = (size.width, w.styles.gutter)
            known = w.__dict__.setdefault("_rows_at", {})
            if key not in known:
                box = w._get_box_model(size, viewport, Fraction(max(0, size.width - margin.width)),
                                       Fraction(max(0, size.height - margin.height)))
                known[key] = int(box.height)
            total += max(previous, margin.top) + known[key]
            previous = margin.bottom
            ends.append(total)
        return ends

    def _height_of(self, k: int, ends: list[int]) -> int:
        """#earlier's height for the first k hidden widgets: their rows, with the margin between the k-th and the next
        turn (which keeps its own top margin)."""
        if k == 0:
            return 0
        if k < len(self._hidden):  # the hidden turns are a contiguous prefix of the turns: the next one is hidden
            top = self._hidden[k].styles.margin.top
        else:
            turns = self._turns()
            after = turns[turns.index(self._hidden[k - 1]) + 1] if self._hidden[k - 1] is not turns[-1] else None
            top = after.styles.margin.top if after is not None else 0
        return ends[k - 1] + max(self._hidden[k - 1].styles.margin.bottom, top) - top

    def _sync_earlier(self) -> None:
        earlier, width = self._earlier, self.scrollable_content_region.width
        if earlier is None or earlier.parent is not self or not width:
            return
        self._synced_width = width
        height = self._height_of(len(self._hidden), self._rows(self._hidden))
        if earlier.rows != height:
            earlier.rows = earlier.styles.height = height

    # -- hiding and showing ----------------------------------------------------------------------------------
    def _window(self) -> None:
        """Hide the turns far above the reader, show those it comes near (after a layout: regions are current)."""
        if not self.is_attached or not self.size.height or not self.scrollable_content_region.width:
            return
        # a new width may have changed the hidden turns' heights; at the same width they stay (a hidden turn is
        # finished, never selected or focused): not worked out again at each scroll (each streamed height change)
        if self.scrollable_content_region.width != self._synced_width:
            self._sync_earlier()
        view = self.scrollable_content_region.height
        top = self.scroll_offset.y
        earlier = self._earlier if self._earlier is not None and self._earlier.parent is self else None
        if earlier is not None and self._hidden:
            at = earlier.virtual_region
            if at.height != earlier.rows:  # not laid out at its height yet (a resize): look again after the layout,
                if self.screen.is_current:  # another screen on top: its Resize comes when it is back
                    self.call_after_refresh(self._window)  # the reader may now look at where the blank is
                return
            if at.bottom > top - view:
                self._show_above(at.y, top - (self.AHEAD + 1) * view)
                return
        limit = top - (self.AHEAD + 1) * view  # hysteresis: hidden beyond 3 views, shown again within 1
        answer = self._turn_kinds()[-1]
        hide: list[Widget] = []
        for w in self._turns():
            if not w.display:
                continue
            region = w.virtual_region  # empty: not laid out yet (just shown or mounted)
            if not region.height or self._keep(w) or region.bottom >= limit:
                break
            hide.append(w)
        while hide and not isinstance(hide[-1], answer):  # whole turns: a question goes with its answer
            hide.pop()
        if not hide:
            return
        if earlier is None:
            earlier = self._earlier = Earlier(id="earlier")
            self.mount(earlier, before=hide[0])
        for w in hide:
            w.display = False
        self._hidden += hide
        self._sync_earlier()

    def _show_above(self, start: int, y: float) -> None:
        """Show the hidden turns that reach below row `y` (#earlier starts at row `start`), whole turns."""
        ends = self._rows(self._hidden)
        answer = self._turn_kinds()[-1]
        keep = len(self._hidden)
        while keep > 0 and (start + self._height_of(keep, ends) > y or not isinstance(self._hidden[keep - 1], answer)):
            keep -= 1
        self.reveal_count(len(self._hidden) - keep)

    def reveal_count(self, n: int) -> None:
        if n <= 0:
            return
        shown = self._hidden[len(self._hidden) - n:]
        del self._hidden[len(self._hidden) - n:]
        for w in shown:
            w.display = True
        self._sync_earlier()

    def reveal(self, widget: Widget) -> None:
        """Lay `widget` out again (and the hidden turns after it): it is about to be focused or scrolled to. From
        its question on, when it is an answer."""
        hidden = self._hidden
        if widget in hidden:
            at = hidden.index(widget)
            if at > 0 and not isinstance(widget, self._turn_kinds()[0]) and \
                    isinstance(hidden[at - 1], self._turn_kinds()[0]):
                at -= 1
            self.reveal_count(len(hidden) - at)

    def forget_hidden(self, gone: list[Widget]) -> None:
        """`gone` are being taken off the conversation (MessageList's cap)."""
        if self._hidden:
            ids = {id(w) for w in gone}
            self._hidden = [w for w in self._hidden if id(w) not in ids]
            self._sync_earlier()

    def on_resize(self) -> None:
        self._window()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._window()
