"""HF-side evaluation of a base or an adapter on training-format lines (greedy transformers generation, and a
cheap teacher-forced score), until the adapter is served through the converters."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Callable

from ragtune.appliance import prompt
from ragtune.appliance.errors import InputError, require

from .data import encode_example, safe_messages, spread
from .model import fix_tokenizer, hf_dir_for, lazy_imports, resolve_base


def _check_args(adapter: str | None, threads: int, limit: int) -> None:
    """Bad options are InputErrors before torch loads (not a RuntimeError from set_num_threads, a ValueError from
    peft)."""
    if not (isinstance(threads, int) and 1 <= threads <= 256):
        raise InputError(f"threads must be 1..256, got {threads}")
    if not (isinstance(limit, int) and limit >= 0):
        raise InputError(f"limit must be >= 0 (0 = every example), got {limit}")
    if adapter:
        a = Path(adapter).expanduser()
        missing = [f for f in ("adapter_config.json", "adapter_model.safetensors") if not (a / f).is_file()]
        if missing:
            raise InputError(f"{a}: not a trained adapter folder (no {' or '.join(missing)})",
                             hint="give the --out folder of `ragtune train`")


def _load_for_eval(base: str, adapter: str | None, home: Any, threads: int) -> tuple[Any, Any]:
    """Tokenizer and full-precision model (adapter merged in, if any) for HF-side evaluation."""
    torch = require("torch", "train")
    tf = require("transformers", "train")
    from ragtune.appliance.home import Home

    torch.set_num_threads(threads)
    b = resolve_base(base, home)
    hf_dir = hf_dir_for(b, (home or Home()).models_dir / "hf-bases")
    with lazy_imports("transformers"):  # its lazy modules import at first use
        tok = tf.AutoTokenizer.from_pretrained(str(hf_dir))
        model = tf.AutoModelForCausalLM.from_pretrained(str(hf_dir), dtype=torch.float32)
    fix_tokenizer(tok, model)
    if adapter:
        from safetensors import SafetensorError

        try:
            with lazy_imports("peft"):  # peft reaches bitsandbytes (triton, setuptools) lazily: ExtraLoadError
                model = require("peft", "train").PeftModel.from_pretrained(model, adapter).merge_and_unload()
        except (OSError, ValueError, KeyError, RuntimeError, SafetensorError) as exc:  # damaged, or another base's
            raise InputError(f"{adapter}: cannot apply the adapter to the base: {type(exc).__name__}: {exc}") from None
    model.eval()
    return tok, model


def evaluate_hf(examples: list[dict[str, Any]], *, base: str = "", adapter: str | None = None, home: Any = None,
                max_new_tokens: int = 96, threads: int = 2, limit: int = 0, bf16: bool = False,
                items_path: str | Path | None = None,
                progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Greedy generation from the training-format prompts; parse the JSON and score against the targets.

    refusal correctness: predicted status == target status (refused vs ok);
    citation accuracy: on targets with status ok, the answer is ok and cites at least one target citation and
    nothing outside the context; schema: the output parses and passes `validate_answer`."""
    _check_args(adapter, threads, limit)
    if not (isinstance(max_new_tokens, int) and 1 <= max_new_tokens <= 8192):
        raise InputError(f"max_new_tokens must be 1..8192, got {max_new_tokens}")
    if items_path and not Path(items_path).expanduser().parent.is_dir():
        raise InputError(f"{items_path}: its folder does not exist")
    torch = require("torch", "train")
    from ragtune.appliance.schema import parse_answer, validate_answer

    tok, model = _load_for_eval(base, adapter, home, threads)
    rows = spread(examples, limit)
    n = len(rows)
    res = {"n": n, "schema_valid": 0, "refusal_correct": 0, "ok_targets": 0, "citation_correct": 0,
           "refusal_targets": 0, "refused_when_should": 0, "answered_when_should": 0, "seconds": 0.0}
    t0 = time.perf_counter()
    items = open(items_path, "w", encoding="utf-8") if items_path else None  # per-example rows, flushed as we go
    for i, ex in enumerate(rows, start=1):
        p = ex["prompt"]
        msgs = safe_messages(tok, prompt.messages(p["system"], p["context"], p["user"]))  # as serving: text
        ids = tok.apply_chat_template(msgs, add_generation_prompt=True, return_tensors="pt", return_dict=True)
        # some tokenizers return token_type_ids; transformers >= 4.56's generate refuses them for decoder-only
        # models ("model_kwargs are not used: ['token_type_ids']")
        ids = {k: v for k, v in ids.items() if k != "token_type_ids"}
        with torch.no_grad(), torch.autocast(device_type="cpu", dtype=torch.bfloat16, enabled=bf16):
            gen = model.generate(**ids, max_new_tokens=max_new_tokens, do_sample=False,
                                 eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id)
        text = tok.decode(gen[0, ids["input_ids"].shape[1]:], skip_special_tokens=True).strip()
        ctx_ids = [c["id"] for c in p["context"]]
        obj, err = parse_answer(text)
        valid = err is None and not validate_answer(obj, ctx_ids)
        res["schema_valid"] += int(valid)
        gold = ex["output"]
        pred_status = obj.get("status") if isinstance(obj, dict) else None
        res["refusal_correct"] += int(pred_status == gold["status"])
        if gold["status"] == "refused":
            res["refusal_targets"] += 1
            res["refused_when_should"] += int(pred_status == "refused")
        else:
            res["ok_targets"] += 1
            res["answered_when_should"] += int(pred_status == "ok")
            cits = obj.get("citations") if isinstance(obj, dict) else None
            if pred_status == "ok" and isinstance(cits, list) and cits and set(map(str, cits)) <= set(ctx_ids) \
                    and set(map(str, cits)) & set(gold["citations"]):
                res["citation_correct"] += 1
        if items:
            items.write(json.dumps({"i": i, "target": gold, "output": text, "schema_valid": valid,
                                    "status": pred_status}, ensure_ascii=False) + "\n")
            items.flush()
        if progress:
            progress(i, n)
    if items:
        items.close()
    res["seconds"] = round(time.perf_counter() - t0, 1)
    res["schema_valid_rate"] = round(res["schema_valid"] / max(1, n), 4)
    res["refusal_correctness"] = round(res["refusal_correct"] / max(1, n), 4)
    res["citation_accuracy"] = round(res["citation_correct"] / max(1, res["ok_targets"]), 4)
    res["refusal_recall"] = round(res["refused_when_should"] / max(1, res["refusal_targets"]), 4)
    res["answer_rate_on_answerable"] = round(res["answered_when_should"] / max(1, res["ok_targets"]), 4)
    return res


def score_forced(examples: list[dict[str, Any]], *, base: str = "", adapter: str | None = None, home: Any = None,
                 threads: int = 2, limit: int = 0, bf16: bool = False) -> dict[str, Any]:
    """Teacher-forced check (cheap: one forward per example, no generation): mean target-token loss, and greedy
    accuracy on the tokens that carry the behaviour: the `status` value (refuse or answer) and the citation ids."""
    _check_args(adapter, threads, limit)
    torch = require("torch", "train")

    tok, model = _load_for_eval(base, adapter, home, threads)
    rows = spread(examples, limit)
    loss_sum, st_ok, st_n, ci_ok, ci_n, all_ok = 0.0, 0, 0, 0, 0, 0
    t0 = time.perf_counter()
    for ex in rows:
        it = encode_example(tok, ex, 2.0)
        keep = len(it["input_ids"]) - it["n_prompt"] + 1
        with torch.no_grad(), torch.autocast(device_type="cpu", dtype=torch.bfloat16, enabled=bf16):
            logits = model(input_ids=torch.tensor([it["input_ids"]]), logits_to_keep=keep).logits[0].float()
        labels = torch.tensor(it["labels"][-keep:])
        w = it["weights"][-keep:]
        ce = torch.nn.functional.cross_entropy(logits[:-1], labels[1:], reduction="mean")
        loss_sum += float(ce)
        pred = logits[:-1].argmax(-1)
        field = [j for j in range(1, keep) if w[j] > 1.0]
        status = field[:1]  # the status value's tokens: the first contiguous run of weighted positions
        for j in field[1:]:
            if j != status[-1] + 1:
                break
            status.append(j)
        ok_all = True
        for j in field:
            hit = int(pred[j - 1]) == int(labels[j])
            ok_all &= hit
            if j in status:
                st_ok += hit
                st_n += 1
            else:
                ci_ok += hit
                ci_n += 1
        all_ok += ok_all
    n = len(rows)
    return {"n": n, "target_loss": round(loss_sum / max(1, n), 4),
            "status_token_accuracy": round(st_ok / max(1, st_n), 4),
            "citation_token_accuracy": round(ci_ok / max(1, ci_n), 4),
            "all_field_tokens_right": round(all_ok / max(1, n), 4), "seconds": round(time.perf_counter() - t0, 1)}
