"""Choosing each token of the answer JSON: llama.cpp's grammar plus the Python-side constraints, fast.

The fast path picks the best token from the raw logits and checks only that token (the repetition guard, the
extractive span constraint, then the grammar through a 1-element candidate array). Only when it is rejected:
- greedy: the best token among the top 64 by logit that passes every check (exactly the greedy choice whenever
  one of them does);
- otherwise (or with sampling): the allowed set — enumerated by the span constraint inside an extractive answer,
  else the grammar's mask over the whole vocabulary filtered by the constraints — and the pick repeated over it.
  With sampling this is exact: a rejected draw is redrawn from the distribution restricted to the allowed tokens.
Inside a JSON string a token whose piece is empty (a control token: `<|im_start|>`, `<repo_name>`…) is never chosen:
llama.cpp's grammar reads a control token as its text (`<|im_start|>` matches inside a string), but it decodes to
no bytes, so the model would be writing an unseen token into the answer and the text would not be what the grammar
followed. End-of-generation tokens are empty too, but the grammar rejects them inside a string anyway.
If nothing passes, the constraints are relaxed in order (first the repetition guard for this step, counted in
`guard_relaxed`, then the span constraint for the rest of the request, counted in `relaxed`), never the grammar.
Scores that are nan or inf (damaged weights: the grammar's mask then reads every token as disallowed, and a greedy
argmax lands on a nan) are a ModelError naming the model, not a grammar failure.
The answer stage re-checks an extractive answer (`extractive.check_span`), so a relaxed answer is trimmed to a
span or refused, never emitted as it is.

At the status value the sampler reads the model's own probability of refusing (`decoding.status_split`) and, with
a `refusal_threshold`, takes the "refused" branch exactly when P(refused) > threshold (else the "ok" branch).
Inside the answer string it records the model's own log-probability of each token it emits (softmax over the raw
logits, before any constraint): `answer_min_logprob` is the least likely one, the answer's weakest step (a span the
constraints had to steer the model into, or a guess between near-equal candidates, scores low).
`avoid` (the answer candidates, candidates.py): at the answer's first token, tokens that would start the answer
with one of the given first words (or a prefix of one, compared as UTF-8 bytes: a byte token holding the first byte
of a Chinese character counts) are masked among the AVOID_TOP best, so the decoder writes the best answer starting
elsewhere; log-probabilities stay those of the unmasked distribution.
Budget close-out: the answer string is closed when the remaining budget is just enough for the citations; an
extractive answer is closed at the first word end within the last 8 tokens before that.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Sequence

from .decoding import ANSWER_STRING, JsonTail, RepeatGuard, p_refused, status_class, status_split
from .errors import GenerationError, ModelError

TOP_N = 64  # greedy: tokens checked before the whole allowed set is computed
AVOID_TOP = 256  # `avoid`: the best tokens checked for an avoided first word (the rest are hardly ever chosen)
WIND_DOWN = 8  # extractive: tokens before the hard budget limit from which the answer closes at a word end


def _utf8(word: str) -> bytes | None:
    try:
        return word.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (a JSON escape in a parsed answer): no token's bytes spell it
        return None


class GrammarOps:
    """llama.cpp grammar checks over preallocated candidate arrays (one per generator)."""

    def __init__(self, lc: Any, n_vocab: int, np: Any):
        import ctypes

        self.lc, self.np, self.n_vocab = lc, np, n_vocab
        self.buf = np.zeros(n_vocab, dtype=np.dtype([("id", np.intc), ("logit", np.single), ("p", np.single)]))
        self.arr = lc.llama_token_data_array(data=self.buf.ctypes.data_as(lc.llama_token_data_p), size=n_vocab,
                                             selected=-1, sorted=False)
        self._arr_ref = ctypes.byref(self.arr)
        self.one = (lc.llama_token_data * 1)()
        self.one_arr = lc.llama_token_data_array(data=ctypes.cast(self.one, lc.llama_token_data_p), size=1,
                                                 selected=-1, sorted=False)
        self._one_ref = ctypes.byref(self.one_arr)
        self.empty_mask: Any = None  # True at each id whose piece is empty (Sampler._empty_mask: once per vocabulary)

    def _apply(self, smpl: Any, ids: Any, logits: Any) -> Any:
        n = len(ids)
        b = self.buf[:n]
        b["id"] = ids
        b["logit"] = 0.0 if logits is None else logits[ids]
        b["p"] = 0.0
        self.arr.size = n
        self.arr.selected = -1
        self.arr.sorted = False
        self.lc.llama_sampler_apply(smpl, self._arr_ref)
        if self.arr.size != n:  # grammar samplers mask in place; guard against a reordering implementation
            raise GenerationError("grammar sampler changed the candidate array size")
        return b

    def allows(self, smpl: Any, tok: int) -> bool:
        one = self.one
        one[0].id = tok
        one[0].logit = 0.0
        one[0].p = 0.0
        self.one_arr.size = 1
        self.one_arr.selected = -1
        self.lc.llama_sampler_apply(smpl, self._one_ref)
        return math.isfinite(one[0].logit)

    def filter(self, smpl: Any, ids: Any, logits: Any) -> Any:
        """The grammar-allowed ids among `ids`."""
        np = self.np
        ids = np.asarray(ids, dtype=np.intc)
        if len(ids) == 0:
            return ids
        b = self._apply(smpl, ids, logits)
        return b["id"][np.isfinite(b["logit"])].copy()

    def allowed(self, smpl: Any, logits: Any) -> Any:
        """All grammar-allowed token ids (the whole vocabulary masked)."""
        return self.filter(smpl, self.np.arange(self.n_vocab, dtype=self.np.intc), logits)


class Sampler:
    """One request's token choices. `pick(logits)` is the decoding rule (argmax or seeded top-k sampling)."""

    def __init__(self, ops: GrammarOps, smpl: Any, *, pick: Callable[[Any], int], piece: Callable[[int], bytes],
                 greedy: bool, span: Any = None, refusal_threshold: float | None = None, quote_tok: int | None = None,
                 reserve: int = 0, max_tokens: int = 256, avoid: Sequence[str] = ()):
        self.ops, self.smpl, self.pick, self.piece, self.greedy = ops, smpl, pick, piece, greedy
        self.span = span
        self.refusal_threshold = refusal_threshold
        self.quote_tok = quote_tok
        self.reserve, self.max_tokens = reserve, max_tokens
        self.js = JsonTail()
        # An extractive answer is a span of a source, which bounds it: the repetition guard is for free answers.
        self.guard = RepeatGuard(self._has_word) if span is None else None
        self._words: dict[int, bool] = {}
        self._empty: dict[int, bool] = {}  # until the vocabulary's mask exists (_empty_mask)
        self._mask: Any = getattr(ops, "empty_mask", None)
        self.fallbacks = 0
        self.relaxed = 0  # steps where the span constraint was given up (the answer stage re-checks)
        self.guard_relaxed = 0  # steps where only a repeated n-gram was left
        self.closed = False  # the budget closed the answer string
        self.p_refused: float | None = None
        self._lp: float | None = None  # the log-probability of the token just chosen, while inside the answer
        self.answer_logprobs: list[float] = []  # the answer string's tokens (not its closing quote), in order
        self.avoid = tuple(w for w in avoid if w)
        self._avoid_b = tuple(b for b in map(_utf8, self.avoid) if b)  # compared as bytes (_mask_avoided)
        self._started = False  # the answer string holds text
        self.pre_answer: int | None = None  # tokens chosen before the answer could open (generate.py replays them)
        self._raw: Any = None  # the model's scores of this step, before `avoid` masks any

    # -- checks --------------------------------------------------------------------------------------------
    def _has_word(self, tok: int) -> bool:
        w = self._words.get(tok)
        if w is None:
            w = self._words[tok] = any(b >= 0x80 or chr(b).isalpha() for b in self.piece(tok))
        return w

    def _banned(self) -> set[int]:
        return self.guard.next_banned() if self.guard is not None and self.js.in_answer else set()

    def _span_on(self) -> bool:
        return self.span is not None and not self.span.broken

    def _is_empty(self, tok: int) -> bool:
        if self._mask is not None:
            return bool(self._mask[tok])
        e = self._empty.get(tok)
        if e is None:
            e = self._empty[tok] = not self.piece(tok)
        return e

    def _empty_mask(self) -> Any:
        """True at every id whose piece is empty, computed once per GrammarOps (one vocabulary) when first needed:
        a boolean index, not a per-step set lookup (np.isin) over the allowed ids."""
        if self._mask is None:
            np, ops = self.ops.np, self.ops
            mask = getattr(ops, "empty_mask", None)
            if mask is None:
                mask = np.zeros(ops.n_vocab, dtype=bool)
                mask[[t for t in range(ops.n_vocab) if self._is_empty(t)]] = True
                try:
                    ops.empty_mask = mask
                except AttributeError:  # a test double without the slot: computed per request
                    pass
            self._mask = mask
        return self._mask

    def _drop_empty(self, ids: Any) -> Any:
        """`ids` without the empty-piece tokens while inside a string (see the module docstring)."""
        np = self.ops.np
        ids = np.asarray(ids, dtype=np.intc)
        if not self.js.in_string or len(ids) == 0:
            return ids
        return ids[~self._empty_mask()[ids]]

    def ok(self, tok: int) -> bool:
        if self.js.in_string and self._is_empty(tok):
            return False
        if self.guard is not None and self.js.in_answer and self.guard.banned(tok):
            return False
        if self._span_on() and not self.span.allows(tok):
            return False
        return self.ops.allows(self.smpl, tok)

    # -- the choice ----------------------------------------------------------------------------------------
    def choose(self, logits: Any, n_out: int) -> int:
        near = self.js.in_answer or self._at_answer_open()  # a token may open the answer and carry its first word
        if near and self.pre_answer is None:
            self.pre_answer = n_out
        raw = self._raw = logits
        if near and self.avoid and not self._started:
            logits = self._mask_avoided(logits)
        tok = self._choose(logits, n_out)
        if not math.isfinite(float(raw[tok])):  # one score looked at per step; a healthy model's are all finite
            self._check_finite()
        self._lp = self._logprob(raw, tok) if near else None
        return tok

    def _at_answer_open(self) -> bool:
        """Just before the answer string: the next token may open it."""
        return self.js.strings == ANSWER_STRING - 1 and not self.js.in_string

    def _answer_text(self, piece: bytes) -> bytes | None:
        """The part of `piece` that would be answer text at this point (None: none of it is)."""
        if self.js.in_answer:
            return piece
        if self._at_answer_open() and b'"' in piece:
            return piece.split(b'"', 1)[1]
        return None

    def _mask_avoided(self, logits: Any) -> Any:
        # Bytes, not decoded text: a byte-level token holding part of a character ("办" = e5 8a 9e split over
        # tokens) decodes to U+FFFD and would never match, so a CJK answer could start with the avoided word again.
        # For a piece that decodes cleanly, a byte prefix is exactly a character prefix (UTF-8): no change there.
        np = self.ops.np
        out = np.array(logits, copy=True)
        for t in np.argpartition(logits, -AVOID_TOP)[-AVOID_TOP:]:
            text = self._answer_text(self.piece(int(t)))
            if text and any(w.startswith(text) or text.startswith(w) for w in self._avoid_b):
                out[int(t)] = -np.inf
        return out

    def _logprob(self, logits: Any, tok: int) -> float:
        np = self.ops.np
        top = float(np.max(logits))
        return float(logits[tok]) - top - math.log(float(np.sum(np.exp(logits - top, dtype=np.float64))))

    def _choose(self, logits: Any, n_out: int) -> int:
        js, q = self.js, self.quote_tok
        if js.in_answer and not js.escape and q is not None:
            left = self.max_tokens - n_out - self.reserve
            if left <= (WIND_DOWN if self._span_on() else 0) and self.ok(q):
                self.closed = True
                return q
            if left <= 0 and self.ops.allows(self.smpl, q):
                if self._span_on():
                    self.span.relax()
                    self.relaxed += 1
                self.closed = True
                return q
        tok = self.pick(logits)
        if not self.ok(tok):
            self.fallbacks += 1
            tok = self._fallback(logits)
        if self._status_open():
            tok = self._status(logits, tok)
        return tok

    def _fallback(self, logits: Any) -> int:
        for use_guard in ((True, False) if self.guard is not None else (False,)):
            tok = self._best_allowed(logits, use_guard)
            if tok is not None:
                if not use_guard and self.guard is not None:
                    self.guard_relaxed += 1
                return tok
        if self._span_on():
            self.span.relax()
            self.relaxed += 1
            tok = self._best_allowed(logits, False)
            if tok is not None:
                return tok
        self._check_finite()  # nan/inf scores read as masked by the grammar: the model's fault, not the grammar's
        raise GenerationError("the grammar allows no token here (grammar/vocabulary mismatch)")

    def _check_finite(self) -> None:
        """ModelError when the model's own scores (before `avoid` masks any) hold nan or ±inf: damaged weights, and
        every token then looks disallowed (the grammar's mask is read as non-finite scores)."""
        np = self.ops.np
        raw = np.asarray(self._raw)
        bad = int(np.count_nonzero(~np.isfinite(raw)))
        if bad:
            kinds = "/".join(w for w, m in (("nan", np.isnan(raw)), ("inf", np.isinf(raw))) if m.any())
            raise ModelError(f"the model produced non-finite scores: its file is probably damaged ({bad} of "
                             f"{raw.size} token scores are {kinds})",
                             hint="`ragtune models verify` checks a registered or default model's bytes; a file "
                                  "given by path: copy it again from a good source (`ragtune models fetch` restores "
                                  "the default models)")

    def _best_allowed(self, logits: Any, use_guard: bool) -> int | None:
        np = self.ops.np
        banned = self._banned() if use_guard else set()
        span_on = self._span_on()
        if self.greedy:
            top = np.argpartition(logits, -TOP_N)[-TOP_N:]
            top = top[np.argsort(-logits[top], kind="stable")]
            c = [int(t) for t in top if int(t) not in banned and (not span_on or self.span.allows(int(t)))]
            if c:
                ids = self._drop_empty(self.ops.filter(self.smpl, c, logits))
                if len(ids):
                    return int(ids[np.argmax(logits[ids])])
        cands = self.span.candidates() if span_on else None
        if cands is not None:
            ids = self.ops.filter(self.smpl, [t for t in cands if t not in banned], logits)
        else:
            ids = self.ops.allowed(self.smpl, logits)
            if banned or span_on:
                ids = np.asarray([int(t) for t in ids if int(t) not in banned and
                                  (not span_on or self.span.allows(int(t)))], dtype=np.intc)
        ids = self._drop_empty(ids)
        if len(ids) == 0:
            return None
        return self._pick_among(logits, ids)

    def _pick_among(self, logits: Any, ids: Any) -> int:
        np = self.ops.np
        ids = np.asarray(ids, dtype=np.intc)
        if self.greedy:
            return int(ids[np.argmax(logits[ids])])
        masked = np.full(len(logits), -np.inf, dtype=np.float32)
        masked[ids] = logits[ids]
        return self.pick(masked)

    # -- the status value ------------------------------------------------------------------------------------
    def _status_open(self) -> bool:
        js = self.js
        return not js.status and ((js.strings == 1 and not js.in_string) or (js.strings == 2 and js.in_string))

    def _status(self, logits: Any, tok: int) -> int:
        cls = status_class(self.js, self.piece(tok))
        if cls not in ("ok", "refused"):
            return tok  # white space or the opening quote: the decision comes with a later token
        ids = self.ops.allowed(self.smpl, logits)
        m_ok, m_ref, classes = status_split(self.js, ids, logits, self.piece)
        self.p_refused = p_refused(m_ok, m_ref)
        t = self.refusal_threshold
        if t is not None and self.p_refused is not None:
            want = "refused" if self.p_refused > t else "ok"
            if cls != want:
                opts = [i for i, c in classes.items() if c == want]
                if opts:
                    tok = self._pick_among(logits, opts)
        return tok

    # -- after the choice ------------------------------------------------------------------------------------
    def accept(self, tok: int, piece: bytes) -> None:
        if not self._started and self._answer_text(piece):
            self._started = True
        if self.guard is not None and self.js.in_answer:
            self.guard.accept(tok)
        if self.span is not None:
            self.span.accept(tok)
        was_in = self.js.in_answer
        self.js.feed(piece)
        # A token counts when it leaves the answer open and holds some of its text: not the bare opening quote, not
        # the token that closes the answer (it says where the span ends, not what it is).
        if self._lp is not None and self.js.in_answer and (was_in or not piece.endswith(b'"')):
            self.answer_logprobs.append(self._lp)

    @property
    def answer_min_logprob(self) -> float | None:
        return min(self.answer_logprobs) if self.answer_logprobs else None

    @property
    def refused(self) -> bool:
        """The status value committed to "refused": the rest of the object is fixed."""
        return self.js.status_committed == "refused"
