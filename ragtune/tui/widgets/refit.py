"""Side panels that redraw without a layout of the screen when their size stays (round 53).

Static.update() and an OptionList's new options ask for a layout of the whole screen: every widget re-arranged and
the screen drawn again, the conversation's included. The side panels redraw at each answer selected, each resize
(their text is fitted to the width: a second layout after the one that resized them) and when an answer ends, and
mostly keep their size: a repaint of the panel is enough then. A panel that grows or shrinks still asks for one."""

from __future__ import annotations

from typing import Any

from textual.widget import Widget
from textual.widgets import Static


def size_changes(widget: Widget) -> bool:
    """Whether a layout could give `widget` another size than it has: its height follows its content (`height:
    auto`) and its content's height at its width is not the one it has. Textual's own measure of the content, read
    again after the change (a box model is kept until the next layout: it would give the old height). True for one
    not laid out yet or whose width follows its content; False for one not displayed (it takes no room until it is
    shown again, and showing it lays the screen out) or whose height is set (`1`, `1fr`, `45%`)."""
    parent = widget.parent
    if not widget.is_mounted or not isinstance(parent, Widget) or not widget.size.width:
        return True
    if not widget.display:
        return False
    width, height = widget.styles.width, widget.styles.height
    if height is None or (width is not None and width.is_auto):
        return True
    if not height.is_auto:
        return False
    room = parent.scrollable_content_region.size
    return widget.get_content_height(room, widget.app.size, widget.size.width) != widget.size.height


def update_fitted(widget: Static, content: Any) -> None:
    """`widget.update(content)`, with a layout of the screen only when its size changes."""
    widget.update(content, layout=False)
    if size_changes(widget):
        widget.refresh(layout=True)
