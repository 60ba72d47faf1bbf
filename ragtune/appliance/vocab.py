"""A model's vocabulary as the generators read it (llama.cpp's low-level API): one text's single token, a token's
piece, and the control-token strings that must stay text inside a message.

Control tokens in message contents (finding F1, round 50). The prompt is tokenized with special tokens parsed
(`special=True`), which the chat template's own markers need (`<|im_start|>`, `<|im_end|>` for SmolLM2's chatml).
A source or a question that holds such a string would otherwise become the real control token: it closes the user
turn and opens an assistant turn that the document writes. `ControlText` neutralises those strings inside message
contents only, before the template renders them: a ZERO WIDTH SPACE after their first character, so they stay
visible text to the model and tokenize as ordinary tokens. A content that holds none is passed through unchanged
(the same object), so every other prompt's token ids are exactly those of before.

Which strings: taken from the loaded model's vocabulary, once at load, not a fixed list (GGUFs people bring have
`<|eot_id|>`, `<start_of_turn>`, `</s>`, `[INST]`…): every CONTROL or UNKNOWN token (llama.cpp parses those only
with `special=True`), and the USER_DEFINED tokens the template itself writes (llama.cpp parses user-defined tokens
even without `special`; only those the template uses are markers, the rest, such as Gemma's `<table>` or whitespace
runs, are ordinary text and left alone). A string of one character, or of white space only, cannot be split
visibly and is never a chat marker: it is left alone.
"""

from __future__ import annotations

import ctypes
import re
from typing import Any, Iterable, Sequence

ZWSP = "\u200b"  # inserted after a control string's first character: still readable, no longer that token
UNKNOWN, CONTROL, USER_DEFINED = 1, 8, 16  # llama_token_attr bits (llama.h)
# chatml, Llama 3, Gemma, Mistral/Llama 2, Phi-3: only where a vocabulary's own cannot be read (ControlText.of_model)
COMMON_MARKERS = ("<|im_start|>", "<|im_end|>", "<|endoftext|>", "<|begin_of_text|>", "<|eot_id|>",
                  "<|start_header_id|>", "<|end_header_id|>", "<start_of_turn>", "<end_of_turn>", "<s>", "</s>",
                  "[INST]", "[/INST]", "<|system|>", "<|user|>", "<|assistant|>", "<|end|>")


def single_token(llm: Any, text: str) -> int | None:
    """The one token `text` is, as plain text (None: it takes several, or none)."""
    toks = llm.tokenize(text.encode("utf-8"), add_bos=False, special=False)
    return toks[0] if len(toks) == 1 else None


def piece(lc: Any, vocab: Any, tok: int) -> bytes:
    """A token's bytes as decoded output (a control token's are empty: special=False)."""
    buf = ctypes.create_string_buffer(64)
    n = lc.llama_token_to_piece(vocab, tok, buf, 64, 0, False)
    if n < 0:  # a longer piece: llama.cpp returns the size it needs, negated
        buf = ctypes.create_string_buffer(-n)
        n = lc.llama_token_to_piece(vocab, tok, buf, -n, 0, False)
    return buf.raw[:max(n, 0)]


def _attr(lc: Any, vocab: Any, tok: int) -> int:
    get = getattr(lc, "llama_vocab_get_attr", None) or lc.llama_token_get_attr
    return int(get(vocab, tok))


def _text(lc: Any, vocab: Any, tok: int) -> str | None:
    get = getattr(lc, "llama_vocab_get_text", None) or lc.llama_token_get_text
    raw = get(vocab, tok)
    try:
        return raw.decode("utf-8") if raw else None
    except UnicodeDecodeError:
        return None


def _markable(text: str | None) -> bool:
    return bool(text) and len(text) > 1 and not text.isspace() and ZWSP not in text


def control_strings(lc: Any, vocab: Any, n_vocab: int, template_ids: Iterable[int] = ()) -> list[str]:
    """The strings that tokenize as a control token when parsed with special=True: CONTROL and UNKNOWN tokens, and
    the USER_DEFINED ones among `template_ids` (the tokens of the template's own rendering)."""
    out: set[str] = set()
    for tok in range(n_vocab):
        if _attr(lc, vocab, tok) & (CONTROL | UNKNOWN):
            text = _text(lc, vocab, tok)
            if _markable(text):
                out.add(text)
    for tok in set(template_ids):
        if 0 <= tok < n_vocab and _attr(lc, vocab, tok) & USER_DEFINED:
            text = _text(lc, vocab, tok)
            if _markable(text) and not any(c.isspace() for c in text):
                out.add(text)
    return sorted(out, key=lambda s: (-len(s), s))


def _trie(strings: Sequence[str]) -> str:
    """One regex matching any of `strings`, longest first, as a trie (`<\\|(?:eot_id\\|>|…)`): a vocabulary's 256
    reserved tokens share their prefix, and a flat alternation would try each at every "<" of a source."""
    root: dict[str, Any] = {}
    for s in strings:
        node = root
        for ch in s:
            node = node.setdefault(ch, {})
        node[""] = {}  # a string ends here

    def emit(node: dict[str, Any]) -> str:
        alts = [re.escape(ch) + emit(sub) for ch, sub in sorted(node.items()) if ch]
        if not alts:
            return ""
        if "" in node:  # a string ends here, a longer one may go on: greedy, so the longest is taken
            return f"(?:{'|'.join(alts)})?"
        return alts[0] if len(alts) == 1 else f"(?:{'|'.join(alts)})"

    return emit(root)


def _broken(m: re.Match[str]) -> str:
    """A control string's match with a ZWSP after its first character."""
    return m.group(0)[0] + ZWSP + m.group(0)[1:]


class ControlText:
    """Neutralises a vocabulary's control strings inside message contents (see the module docstring)."""

    def __init__(self, strings: Sequence[str]):
        self.strings = list(strings)
        self._re = re.compile(_trie(self.strings)) if self.strings else None

    @classmethod
    def of_model(cls, lc: Any, llm: Any, render: Any) -> "ControlText":
        """The control strings of a loaded vocabulary (`llm`, a llama_cpp.Llama loaded vocab-only), computed once at
        load; `render` is its ChatTemplate's (the template's own tokens: template_token_ids). A stand-in without
        llama.cpp's vocabulary API (a test double) gets the common chat markers, never nothing."""
        model = getattr(llm, "_model", None)
        if model is None or not hasattr(lc, "llama_vocab_get_attr") and not hasattr(lc, "llama_token_get_attr"):
            return cls(COMMON_MARKERS)
        return cls(control_strings(lc, model.vocab, llm.n_vocab(), template_token_ids(llm, render)))

    def found(self, text: str) -> bool:
        return self._re is not None and self._re.search(text) is not None

    def text(self, text: str) -> str:
        """`text` with no control string left in it; the same object when it held none."""
        if self._re is None:
            return text
        # Each pass breaks every match it finds; one that overlapped a broken one, or lay inside its tail (`|x|>`
        # in `<|x|>`), is found by the next. A ZWSP never makes a new match (no control string holds one).
        out, n = self._re.subn(_broken, text)
        if not n:
            return text  # (subn's own result is a copy for a str subclass)
        while n:
            out, n = self._re.subn(_broken, out)
        return out

    def messages(self, messages: Sequence[dict[str, str]]) -> Sequence[dict[str, str]]:
        """The messages with their contents neutralised; the same sequence when none held a control string."""
        if self._re is None or not any(self.found(str(m.get("content") or "")) for m in messages):
            return messages
        return [{**m, "content": self.text(m["content"])} if isinstance(m.get("content"), str) else m
                for m in messages]


def template_token_ids(llm: Any, render: Any) -> list[int]:
    """The token ids of the template's own text: a system + user conversation with empty-ish contents rendered
    (through `render`, the ChatTemplate's) and tokenized as the prompt is."""
    probe = [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}]
    try:
        text = render(probe)
    except Exception:  # noqa: BLE001 - a template that cannot render this: CONTROL/UNKNOWN tokens still cover it
        return []
    return list(llm.tokenize(text.encode("utf-8"), add_bos=True, special=True))


def chat_formatter(llm: Any, path: Any) -> Any:
    """The GGUF's chat template as a ChatTemplate (shared by generate.py and remote.py: the same rendering, system
    turns and BOS); ModelError naming `path` when the GGUF has none."""
    from .chat_template import ChatTemplate  # a template with no system role, a BOS written twice: see there
    from .errors import ModelError

    template = llm.metadata.get("tokenizer.chat_template")
    if not template:
        raise ModelError(f"{path}: the GGUF has no chat template (tokenizer.chat_template)")
    eos, bos = llm.token_eos(), llm.token_bos()
    return ChatTemplate(
        template, eos_token=llm._model.token_get_text(eos) if eos >= 0 else "", path=path,
        bos_token=llm._model.token_get_text(bos) if bos >= 0 else "", adds_bos=bos >= 0 and llm._model.add_bos_token())


# -- the same strings on the HF side (training and its HF evaluation: models/train) --------------------------------
_HF_CACHE: Any = None  # weakref.WeakKeyDictionary: tokenizer -> ControlText, made on first use


def hf_control_strings(tok: Any) -> list[str]:
    """A transformers tokenizer's strings that `control_strings` would give for its GGUF: every added token marked
    special (convert_hf_to_gguf writes those as CONTROL: all of SmolLM2's 17, where `all_special_tokens` names only
    3) and the special tokens (unk: UNKNOWN), plus the non-special added tokens (USER_DEFINED) its chat template
    itself writes. The HF tokenizer splits every added token out of any text, special or not, so the rest are split
    out in serving too (llama.cpp parses USER_DEFINED without `special`): left alone, they already match."""
    added = dict(getattr(tok, "added_tokens_decoder", None) or {})
    specials = list(getattr(tok, "all_special_tokens", None) or [])
    if not added and not specials:  # a stand-in without a vocabulary: the common markers (as ControlText.of_model)
        return list(COMMON_MARKERS)
    out = {str(a) for a in specials}
    out.update(str(getattr(a, "content", a)) for a in added.values() if getattr(a, "special", False))
    user = {i: str(getattr(a, "content", a)) for i, a in added.items() if not getattr(a, "special", False)}
    if user:
        for i in set(_hf_template_ids(tok)) & set(user):
            if not any(c.isspace() for c in user[i]):
                out.add(user[i])
    return sorted((s for s in out if _markable(s)), key=lambda s: (-len(s), s))


def _hf_template_ids(tok: Any) -> list[int]:
    probe = [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}]
    try:
        ids = tok.apply_chat_template(probe, add_generation_prompt=True, tokenize=True, return_dict=False)
    except Exception:  # noqa: BLE001 - a template that cannot render this: the special tokens still cover it
        return []
    ids = list(ids)
    return list(ids[0]) if ids and isinstance(ids[0], list) else ids


def hf_control_text(tok: Any) -> ControlText:
    """`ControlText(hf_control_strings(tok))`, computed once per tokenizer object."""
    global _HF_CACHE
    import weakref

    if _HF_CACHE is None:
        _HF_CACHE = weakref.WeakKeyDictionary()
    try:
        ct = _HF_CACHE.get(tok)
    except TypeError:  # not weak-referenceable or not hashable: computed each time
        return ControlText(hf_control_strings(tok))
    if ct is None:
        ct = _HF_CACHE[tok] = ControlText(hf_control_strings(tok))
    return ct
