"""A model's own chat template (its GGUF's `tokenizer.chat_template`), rendered the way llama-cpp-python renders it,
made to carry the product's two-turn prompt (system + user) for any model people bring.

Templates differ in how they treat a system turn: SmolLM2's (chatml), Llama 3's and Qwen's keep it; Gemma's and
Mistral's [INST] ones raise ("System role not supported", "roles must alternate"); some (Phi-3's first release)
drop it silently. A template is probed once, with marked messages: one that keeps the system turn renders the
messages as they are (byte-identical to rendering them directly: SmolLM2's prompt does not change); one that raises
on it or drops it gets the system text at the head of the first user turn, as llama.cpp's server does for such
templates, so the instructions are never lost. A template that cannot be compiled, or cannot render even that, is a
ModelError naming the file, at load, not an internal error at the first answer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from .errors import ModelError

KEPT, FOLDED = "kept", "folded"  # how the system turn reaches the model
CHAT_TEMPLATE = "tokenizer.chat_template"  # the default's GGUF key; a named one is `tokenizer.chat_template.<name>`
_SYS, _USER = "\x02ragtune-system-probe\x03", "\x02ragtune-user-probe\x03"
TEMPLATE_HINT = ("serve a chat (instruct) model whose template llama-cpp-python renders, or copy this one "
                 "with another template: gguf-new-metadata --chat-template-file TEMPLATE.jinja IN.gguf OUT.gguf")


def fold_system(messages: Sequence[dict[str, str]]) -> list[dict[str, str]]:
    """The messages without system turns: their text heads the first user turn (a blank line between)."""
    system = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
    rest = [dict(m) for m in messages if m["role"] != "system"]
    if not system:
        return rest
    for m in rest:
        if m["role"] == "user":
            m["content"] = f"{system}\n\n{m['content']}"
            return rest
    return [{"role": "user", "content": system}, *rest]


class ChatTemplate:
    """`render(messages)` -> the prompt text through the model's template (generation prompt added; without a leading
    BOS when `adds_bos`: the tokenizer adds it); `system` says whether the system turn is KEPT or FOLDED into the
    user turn. ModelError (naming `path`) for a template that does
    not compile or cannot render a system + user conversation either way."""

    def __init__(self, template: str, *, bos_token: str = "", eos_token: str = "", path: Path | str = "the model",
                 adds_bos: bool = False):
        import jinja2
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        self.path = path
        # the tokenizer adds a BOS itself (tokenizer.ggml.add_bos_token): a template that writes {{ bos_token }} first
        # (Llama 3, Gemma, Mistral) would make two, which llama.cpp's own chat path never sends
        self._strip = bos_token if adds_bos else ""
        try:
            self._formatter = Jinja2ChatFormatter(template=template, eos_token=eos_token, bos_token=bos_token,
                                                  add_generation_prompt=True)
        except jinja2.TemplateError as exc:  # a syntax error, or a tag this Jinja does not know ({% do %})
            line = f" (line {exc.lineno})" if getattr(exc, "lineno", None) else ""
            raise ModelError(f"{path}: its chat template (tokenizer.chat_template) cannot be read{line}: {exc}",
                             hint=TEMPLATE_HINT) from None
        self.system = self._probe()

    def _render(self, messages: Sequence[dict[str, str]]) -> str:
        return self._formatter(messages=list(messages)).prompt

    def _probe(self) -> str:
        probe = [{"role": "system", "content": _SYS}, {"role": "user", "content": _USER}]
        try:
            text = self._render(probe)
            if _SYS in text and _USER in text:
                return KEPT
        except Exception:  # noqa: BLE001 - raise_exception() in a template (ValueError), or any render error
            pass
        try:
            text = self._render(fold_system(probe))
        except Exception as exc:  # noqa: BLE001 - the template's own words, in a ModelError
            raise ModelError(f"{self.path}: its chat template (tokenizer.chat_template) cannot render a question: "
                             f"{type(exc).__name__}: {exc}", hint=TEMPLATE_HINT) from None
        if _SYS not in text:
            raise ModelError(f"{self.path}: its chat template (tokenizer.chat_template) leaves out the user's "
                             "message", hint=TEMPLATE_HINT)
        return FOLDED

    def render(self, messages: Sequence[dict[str, str]]) -> str:
        msgs = list(messages) if self.system == KEPT else fold_system(messages)
        try:
            text = self._render(msgs)
            return text[len(self._strip):] if self._strip and text.startswith(self._strip) else text
        except Exception as exc:  # noqa: BLE001 - rendered once at the probe; this is a message it rejects
            raise ModelError(f"{self.path}: its chat template (tokenizer.chat_template) cannot render this prompt: "
                             f"{type(exc).__name__}: {exc}", hint=TEMPLATE_HINT) from None


def template_facts(template: Any, path: Path | str = "the model") -> dict[str, Any]:
    """What `models show` and `doctor` say of a GGUF's template: {"present", "system": kept|folded, "error"}."""
    if not isinstance(template, str) or not template:
        return {"present": False, "system": None, "error": "no chat template (tokenizer.chat_template)"}
    try:
        return {"present": True, "system": ChatTemplate(template, path=path).system, "error": None}
    except ModelError as exc:
        return {"present": True, "system": None, "error": exc.message}
    except ImportError:  # no llama-cpp-python here: the template is there, its rendering not known
        return {"present": True, "system": None, "error": None}


def template_errors(metadata: dict[str, Any], path: Path | str = "the model") -> list[ModelError]:
    """What is wrong with the chat templates of a GGUF's header (`metadata`), one ModelError each, naming its key:
    the default as `ask` renders it (template_facts), and every named one (`tokenizer.chat_template.tool_use`) as
    llama-cpp-python compiles it when it loads the model (Llama.__init__ compiles them all, then uses the default):
    a named one it cannot compile stops every `ask` and `serve`, so it is refused where the default would be. No
    default template is not said here (check_model_file says it)."""
    from .text import escaped

    errors = []
    facts = template_facts(metadata.get(CHAT_TEMPLATE), path)
    if facts["present"] and facts["error"]:
        errors.append(ModelError(facts["error"], hint=TEMPLATE_HINT))
    named = sorted(k for k, v in metadata.items() if k.startswith(CHAT_TEMPLATE + ".") and isinstance(v, str))
    if not named:
        return errors
    try:
        import jinja2
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter
    except ImportError:  # no llama-cpp-python here: nothing compiles them at load either
        return errors
    for key in named:
        try:
            Jinja2ChatFormatter(template=metadata[key], eos_token="", bos_token="")
        except jinja2.TemplateError as exc:
            line = f" (line {exc.lineno})" if getattr(exc, "lineno", None) else ""
            errors.append(ModelError(
                f"{path}: its chat template {escaped(key)} cannot be read{line}: {exc} (llama-cpp-python compiles "
                "every template of the file when it loads the model)",
                hint=f"serve another chat model, or copy this one without that template: gguf-new-metadata "
                     f"--remove-metadata {escaped(key)} IN.gguf OUT.gguf"))
    return errors

