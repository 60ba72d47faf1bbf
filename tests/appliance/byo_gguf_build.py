"""Tiny, real, loadable chat GGUFs of other model families (random weights, hidden 64, 2 layers, a ~1k-token
byte-level BPE trained here on the prompt's own words and the sample pack): what an IT lead's "our own model" looks
like to ragtune, at < 1 MB. Each family has its architecture (llama, qwen2, phi3, gemma), its special tokens and a
real chat template of that family (or none). Answers are garbage words; what is tested is everything around them.

    build_gguf(tmp_path / "qwen.gguf", "qwen")      # ChatML, qwen2
    build_gguf(path, "llama3", n_ctx_train=512)     # Llama-3 header tokens, a 512-token trained context
"""

from __future__ import annotations

import functools
from pathlib import Path

CHATML = ("{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
          "{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}"
          "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
          "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}")
LLAMA3 = ("{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = "
          "'<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + "
          "'<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}"
          "{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}"
          "{% endif %}")
PHI3 = ("{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') %}"
        "{{'<|user|>' + '\\n' + message['content'] + '<|end|>' + '\\n' + '<|assistant|>' + '\\n'}}"
        "{% elif (message['role'] == 'assistant') %}{{message['content'] + '<|end|>' + '\\n'}}{% endif %}{% endfor %}")
GEMMA = ("{{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}"
         "{% endif %}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
         "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
         "{% if (message['role'] == 'assistant') %}{% set role = 'model' %}{% else %}{% set role = message['role'] %}"
         "{% endif %}{{ '<start_of_turn>' + role + '\\n' + message['content'] | trim + '<end_of_turn>\\n' }}"
         "{% endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model\\n'}}{% endif %}")
MISTRAL = ("{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
           "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
           "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
           "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}"
           "{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}")

# family -> (architecture, template, special tokens (bos, eos first), the family's end-of-turn token)
FAMILIES: dict[str, tuple[str, str | None, list[str], str]] = {
    "qwen": ("qwen2", CHATML, ["<|endoftext|>", "<|im_end|>", "<|im_start|>"], "<|im_end|>"),
    "llama3": ("llama", LLAMA3, ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>",
                                 "<|eot_id|>"], "<|eot_id|>"),
    "phi3": ("phi3", PHI3, ["<s>", "<|endoftext|>", "<|user|>", "<|assistant|>", "<|end|>", "<|system|>"], "<|end|>"),
    "gemma": ("gemma", GEMMA, ["<bos>", "<eos>", "<start_of_turn>", "<end_of_turn>"], "<end_of_turn>"),
    "mistral": ("llama", MISTRAL, ["<s>", "</s>", "[INST]", "[/INST]"], "</s>"),
    "notemplate": ("llama", None, ["<s>", "</s>"], "</s>"),
}
EMBD, FF, HEADS, KV_HEADS, LAYERS = 64, 128, 4, 2, 2


@functools.lru_cache(maxsize=None)
def _bpe(specials: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """(tokens, merges) of a byte-level BPE with these special tokens last, trained on the prompt's words and the
    sample pack's documents (deterministic for one `tokenizers` version; no evaluation text)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    from ragtune.appliance.prompt import REFUSAL_TEXT, SYSTEM_PROMPT

    pack = Path(__file__).resolve().parents[2] / "ragtune" / "models" / "pack" / "docs"
    texts = [SYSTEM_PROMPT, REFUSAL_TEXT, 'Context:\n[S1] Question: {"status": "ok", "answer": "", "citations": []}']
    texts += [p.read_text(encoding="utf-8", errors="replace") for p in sorted(pack.rglob("*.md"))]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=1024, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(texts * 3, trainer)
    import json

    model = json.loads(tok.to_str())["model"]
    vocab = sorted(model["vocab"].items(), key=lambda kv: kv[1])
    merges = [m if isinstance(m, str) else " ".join(m) for m in model["merges"]]
    return [t for t, _ in vocab] + list(specials), merges


def build_gguf(path: Path | str, family: str, *, n_ctx_train: int = 4096, seed: int = 0, name: str = "",
               named_templates: dict[str, str] | None = None) -> Path:
    """A loadable GGUF chat model of `family` (FAMILIES) at `path`. `named_templates`: more chat templates by name
    (`{"tool_use": TEMPLATE}` -> `tokenizer.chat_template.tool_use`, listed in `tokenizer.chat_templates`), as
    models with a tool-calling template carry them."""
    import gguf
    import numpy as np

    arch, template, specials, eot = FAMILIES[family]
    tokens, merges = _bpe(tuple(specials))
    n_vocab = len(tokens)
    rng = np.random.default_rng(seed)

    def t(*shape: int) -> "np.ndarray":
        return (rng.standard_normal(shape) * 0.05).astype(np.float32)

    w = gguf.GGUFWriter(str(path), arch)
    # "phi3" in general.name makes this llama.cpp look for tokens a real Phi-3 vocabulary has (load fails)
    w.add_name(name or f"byo {family}".replace("phi3", "Phi 3"))
    w.add_context_length(n_ctx_train)
    w.add_embedding_length(EMBD)
    w.add_block_count(LAYERS)
    w.add_feed_forward_length(FF)
    w.add_head_count(HEADS)
    w.add_head_count_kv(KV_HEADS)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_rope_dimension_count(EMBD // HEADS)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("default")
    w.add_token_list(tokens)
    w.add_token_types([gguf.TokenType.CONTROL if t_ in specials else gguf.TokenType.NORMAL for t_ in tokens])
    w.add_token_merges(merges)
    w.add_bos_token_id(tokens.index(specials[0]))
    w.add_eos_token_id(tokens.index(eot))
    w.add_add_bos_token(family != "qwen")  # Qwen's tokenizer adds none
    if template is not None:
        w.add_chat_template(template)
    if named_templates:  # gguf writes them under tokenizer.chat_template.<name> (the default above stays)
        w.add_chat_template([{"name": n, "template": t_} for n, t_ in named_templates.items()])
    kv = EMBD // HEADS * KV_HEADS
    w.add_tensor("token_embd.weight", t(n_vocab, EMBD))
    w.add_tensor("output_norm.weight", np.ones(EMBD, np.float32))
    if arch != "gemma":  # Gemma ties its output to the embedding
        w.add_tensor("output.weight", t(n_vocab, EMBD))
    for i in range(LAYERS):
        b = f"blk.{i}."
        w.add_tensor(b + "attn_norm.weight", np.ones(EMBD, np.float32))
        w.add_tensor(b + "ffn_norm.weight", np.ones(EMBD, np.float32))
        w.add_tensor(b + "attn_output.weight", t(EMBD, EMBD))
        w.add_tensor(b + "ffn_down.weight", t(EMBD, FF))
        if arch == "phi3":  # fused q|k|v and gate|up
            w.add_tensor(b + "attn_qkv.weight", t(EMBD + 2 * kv, EMBD))
            w.add_tensor(b + "ffn_up.weight", t(2 * FF, EMBD))
            continue
        w.add_tensor(b + "attn_q.weight", t(EMBD, EMBD))
        w.add_tensor(b + "attn_k.weight", t(kv, EMBD))
        w.add_tensor(b + "attn_v.weight", t(kv, EMBD))
        w.add_tensor(b + "ffn_gate.weight", t(FF, EMBD))
        w.add_tensor(b + "ffn_up.weight", t(FF, EMBD))
        if arch == "qwen2":
            for n, d in (("attn_q", EMBD), ("attn_k", kv), ("attn_v", kv)):
                w.add_tensor(b + f"{n}.bias", np.zeros(d, np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return Path(path)


if __name__ == "__main__":  # python -m tests.appliance.byo_gguf_build OUTDIR: one of each family
    import sys

    out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    out.mkdir(parents=True, exist_ok=True)
    for fam in FAMILIES:
        print(build_gguf(out / f"tiny-{fam}.gguf", fam))
    print(build_gguf(out / "tiny-llama3-512.gguf", "llama3", n_ctx_train=512, name="byo llama3 512"))
    print(build_gguf(out / "tiny-qwen-128k.gguf", "qwen", n_ctx_train=131072, name="byo qwen 128k"))
