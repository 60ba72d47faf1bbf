"""Token-level decoding state shared by the sampler (generate.py) and its Python-side constraints.

- `JsonTail`: where decoding is in the answer object (which string, escapes, the status value, when the root
  closes). Fed the raw bytes of each token piece; the grammar (GBNF) guarantees the key order
  status -> answer -> citations, so the 2nd string is the status value and the 4th the answer.
- `RepeatGuard`: no token may complete a 4-gram (with a word in it) or an 8-gram of tokens that already occurred
  inside the answer string (a small model otherwise repeats a sentence until the length cap).
- `status_split`: the model's own probability of refusing, read at the status value.
"""

from __future__ import annotations

from typing import Callable, Iterable, Sequence

ANSWER_STRING = 4  # "status", <status>, "answer", <answer>, "citations", <id>...
STATUS_STRING = 2

_QUOTE, _BACKSLASH = 0x22, 0x5C


class JsonTail:
    """A byte-level tracker of the answer JSON as it is generated."""

    __slots__ = ("in_string", "escape", "strings", "depth", "done", "status", "_cur")

    def __init__(self) -> None:
        self.in_string = False
        self.escape = False
        self.strings = 0
        self.depth = 0
        self.done = False
        self.status = b""  # the status value's bytes so far (complete once the 2nd string closed)
        self._cur = False  # inside the status value

    def copy(self) -> "JsonTail":
        c = JsonTail.__new__(JsonTail)
        for k in JsonTail.__slots__:
            setattr(c, k, getattr(self, k))
        return c

    @property
    def in_answer(self) -> bool:
        return self.in_string and self.strings == ANSWER_STRING

    @property
    def answer_closed(self) -> bool:
        """The answer string is complete (its closing quote is out)."""
        return self.strings > ANSWER_STRING or (self.strings == ANSWER_STRING and not self.in_string)

    @property
    def status_committed(self) -> str | None:
        """'ok' / 'refused' once the status value's first character is out, else None."""
        if not self.status:
            return None
        return "ok" if self.status[:1] == b"o" else "refused" if self.status[:1] == b"r" else "other"

    def feed(self, data: bytes | str) -> None:
        if isinstance(data, str):
            data = data.encode("utf-8")
        for b in data:
            self.feed_byte(b)

    def feed_byte(self, b: int) -> None:
        if self.done:
            return
        if self.in_string:
            if self.escape:
                self.escape = False
            elif b == _BACKSLASH:
                self.escape = True
                return
            elif b == _QUOTE:
                self.in_string = False
                self._cur = False
                return
            if self._cur:
                self.status += bytes((b,))
        elif b == _QUOTE:
            self.in_string = True
            self.strings += 1
            self._cur = self.strings == STATUS_STRING
        elif b in b"{[":
            self.depth += 1
        elif b in b"}]":
            self.depth -= 1
            if self.depth == 0:
                self.done = True


def through_answer(text: str) -> str:
    """`text` (an answer object as generated) cut just after its answer string's closing quote; whole if the
    answer string is not complete."""
    data, t = text.encode("utf-8"), JsonTail()
    for i, b in enumerate(data):
        t.feed_byte(b)
        if t.answer_closed:
            return data[:i + 1].decode("utf-8", "replace")
    return text


class RepeatGuard:
    """Inside the answer string, forbid the token that would complete an n-gram of tokens already seen there:
    a 4-gram with a word in it, or any 8-gram. Numbers are tokenised digit by digit, so "1887 to 1889" repeats the
    digit 4-gram " 1","8","8" + "8" legitimately; digit/punctuation loops ("12:12:12:...") are caught by the
    8-gram rule instead."""

    SHORT, LONG = 4, 8

    def __init__(self, has_word: Callable[[int], bool] = lambda t: True):
        self.has_word = has_word
        self.tokens: list[int] = []
        self.words: list[bool] = []
        self.follow: dict[tuple[int, ...], set[int]] = {}  # (n-1)-gram -> tokens seen after it, n = 4 or 8

    def next_banned(self) -> set[int]:
        out: set[int] = set()
        k = self.SHORT - 1
        if len(self.tokens) >= k:
            seen = self.follow.get(tuple(self.tokens[-k:]), set())
            out |= seen if any(self.words[-k:]) else {t for t in seen if self.has_word(t)}
        if len(self.tokens) >= self.LONG - 1:
            out |= self.follow.get(tuple(self.tokens[-(self.LONG - 1):]), set())
        return out

    def banned(self, tok: int) -> bool:
        return tok in self.next_banned()

    def accept(self, tok: int) -> None:
        w = self.has_word(tok)
        for n in (self.SHORT, self.LONG):
            if len(self.tokens) >= n - 1:
                self.follow.setdefault(tuple(self.tokens[-(n - 1):]), set()).add(tok)
        self.tokens.append(tok)
        self.words.append(w)


def status_class(tail: JsonTail, piece: bytes) -> str | None:
    """Which status a token commits to from this state: 'ok', 'refused', or None (it commits to neither yet,
    e.g. the opening quote or white space)."""
    if tail.status:
        return None
    t = tail.copy()
    for b in piece:
        t.feed_byte(b)
        if t.status:
            return t.status_committed
    return None


def status_split(tail: JsonTail, ids: Iterable[int], logits: Sequence[float],
                 piece: Callable[[int], bytes]) -> tuple[float, float, dict[int, str]]:
    """(mass of 'ok', mass of 'refused', class per committing token) over the allowed tokens `ids`, with the
    model's softmax over those tokens (temperature 1).

    A status word may take several tokens ("ref" + "used"): a token counts for the word it starts, so the
    split is the first token's probability mass, P(refused) = mass_refused / (mass_ok + mass_refused)."""
    import math

    ids = [int(i) for i in ids]
    if not ids:
        return 0.0, 0.0, {}
    top = max(float(logits[i]) for i in ids)
    mass = {"ok": 0.0, "refused": 0.0}
    classes: dict[int, str] = {}
    z = 0.0
    for i in ids:
        w = math.exp(float(logits[i]) - top)
        z += w
        c = status_class(tail, piece(int(i)))
        if c in mass:
            mass[c] += w
            classes[i] = c
    return mass["ok"] / z, mass["refused"] / z, classes


def p_refused(mass_ok: float, mass_refused: float) -> float | None:
    tot = mass_ok + mass_refused
    return None if tot <= 0 else mass_refused / tot


__all__ = ["ANSWER_STRING", "JsonTail", "RepeatGuard", "p_refused", "status_class", "status_split", "through_answer"]

