"""Streaming an answer while it is generated: the grammar-constrained decoder writes the answer JSON token by
token, {"status": ..., "answer": "...", "citations": [...]}; `on_token` callers (the TUI, `ask`, the server's
stream) get the answer text only, unescaped, as it grows."""

from __future__ import annotations

from typing import Callable


class AnswerStream:
    """Turns the raw JSON token stream into answer-text deltas (the 4th JSON string, unescaped)."""

    _ESC = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "/": "/", "b": "", "f": "", "r": ""}

    def __init__(self, sink: Callable[[str], None]):
        self.sink = sink
        self.in_string = False
        self.escape = False
        self.strings = 0

    def feed(self, s: str) -> None:
        out = []
        for ch in s:
            if self.in_string:
                if self.escape:
                    self.escape = False
                    if self.strings == 4:
                        out.append(self._ESC.get(ch, ch))
                elif ch == "\\":
                    self.escape = True
                elif ch == '"':
                    self.in_string = False
                elif self.strings == 4:
                    out.append(ch)
            elif ch == '"':
                self.in_string = True
                self.strings += 1
        if out:
            self.sink("".join(out))
