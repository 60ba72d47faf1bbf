"""Training data: loading (plain Python: validated before torch is imported), rendering examples to token ids with
per-token loss weights, and length-bucketed batches padded for one forward pass.

An example renders as serving renders it: the tokenizer's chat template over `ragtune.appliance.prompt.messages`
(control-token strings inside them kept as text: `safe_messages`) with the generation prompt; the target is
`prompt.answer_text(output)` + eos. Labels are -100 on the prompt (and on padding); the tokens of the `status` value
and of each citation id carry their own loss weights."""

from __future__ import annotations

import os
import random
import re
import sys
from pathlib import Path
from typing import Any

from ragtune.appliance import prompt


def load_data(data: str | Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]], str, dict[str, Any]]:
    """(train, holdout, dataset sha256, dataset config) from a built dataset folder or one JSONL file (train only):
    `models.dataset.read_dataset`, every line validated before torch is imported."""
    from ragtune.models.dataset import read_dataset

    ds = read_dataset(data)
    return ds.train, ds.holdout, ds.sha256, ds.config


def recorded_config(cfg: Any) -> dict[str, Any]:
    """The TrainConfig as training_config.json records it: a piped --data by the name it was given ("/dev/fd/63 (a
    pipe)"), not its spool, which is gone once the command ends (the dataset's sha256, of its bytes, is beside it).
    Without `out`: the file is part of the adapter's id (converters.ADAPTER_FILES) and its sha256 is the lineage's
    training_config_sha256, so the same run into another folder must write the same bytes (audited in round 48)."""
    from ragtune.appliance.spool import shown_name

    return {**{k: v for k, v in cfg.to_json().items() if k != "out"}, "data": shown_name(cfg.data)}


def say_raw_file_notes(data: str | Path, *, home: Any = None, context_tokens: int | None = None) -> None:
    """`raw_file_notes` on stderr (escaped: they name the user's paths), once: by the first process of an
    `accelerate launch` (RANK 0) only, each of which runs `ragtune train`. `loop.prepare` calls it, after the OUT
    checks and the data's validation, so that `python -m ragtune.models.train` and the launcher say them too."""
    if os.environ.get("RANK", "0").strip() not in ("", "0"):
        return
    from ragtune.appliance.text import escaped_lines

    for note in raw_file_notes(data, home=home, context_tokens=context_tokens):
        print(escaped_lines(note), file=sys.stderr, flush=True)


def raw_file_notes(data: str | Path, *, home: Any = None, context_tokens: int | None = None) -> list[str]:
    """`note:` lines for `ragtune train --data FILE` on a training JSONL file as it is (not a built dataset folder):
    what `ragtune dataset build --from-log FILE` would replace or flag and training takes as written, one line per
    finding with its count and first file:line: refusals whose answer is not the refusal text, contexts serving never
    shows (more than retrieve.k's 6 sources, more words than `context_tokens`), questions of the home's evaluation
    sets. Read-only; [] for a folder, for a clean file and for one that does not read (`load_data` says why). Never
    an error: the run goes on either way (round 47: a raw file trained with nothing said)."""
    from ragtune.appliance.errors import RagtuneError
    from ragtune.appliance.spool import named, original, shown_name
    from ragtune.models import leakage
    from ragtune.models.curate import _refusal_text, _shape_problem
    from ragtune.models.dataset import read_examples

    p = Path(data)
    if not p.is_file():
        return []
    try:
        lines = read_examples(p)
    except RagtuneError:
        return []
    name = shown_name(p)
    given = str(p) if original(p) is None else "FILE"  # a pipe's lines must come again, from a file
    build = f"ragtune dataset build --from-log {given} --out data/{p.stem if given != 'FILE' else 'mine'}"
    n = len(lines)
    refusals = [w for w, ex in lines if _refusal_text(ex) is not None]
    serving = {"context_tokens": context_tokens} if isinstance(context_tokens, int) else None
    unserved = [f"{w}: {why}" for w, ex in lines if (why := _shape_problem(ex, serving)) is not None]
    notes = []
    if refusals:
        notes.append(f"note: {len(refusals)} of the {n} lines of {name} are refusals whose answer is not the refusal "
                     f"text (trained as written; serving only ever writes that text); first: {refusals[0]}. "
                     f"`{build}` gives them that text and lists them")
    if unserved:
        notes.append(f"note: {len(unserved)} of the {n} lines of {name} have sources serving never shows (trained "
                     f"on a context the model never meets); first: {unserved[0]}. `{build}` lists them")
    try:
        leak = leakage.check(lines, home) if home is not None else None
    except RagtuneError:  # advice only: a set that does not read is never a reason to stop a run
        leak = None
    if leak and leak["lines"]:
        sets = ", ".join(f"{s} ({k})" for s, k in leak["by_set"].items())
        notes.append(f"note: {leak['lines']} of the {n} lines of {name} ask a question of an evaluation set "
                     f"({sets}): the adapter is then scored on what it memorised; first: {leak['examples'][0]}. "
                     f"`{build}` checks them too; take them out of the file")
    return [named(n) for n in notes]  # a pipe's lines by its name (/dev/fd/63 (a pipe):4), not its spool's


def spread(rows: list[Any], k: int) -> list[Any]:
    """k rows evenly spaced over the list (the whole date range of a temporal holdout, not just its start)."""
    if not k or k >= len(rows):
        return list(rows)
    return [rows[(i * len(rows)) // k] for i in range(k)]


# ------------------------------------------------------------------------------------------------------------
# Rendering and loss weights
# ------------------------------------------------------------------------------------------------------------

_FIELD_RX = re.compile(r'"status": "(?P<status>[a-z]+)"|"S\d{1,2}"')


def field_spans(target: str) -> list[tuple[int, int, str]]:
    """(start, end, 'status' | 'citation') char spans of the status value and of each citation id in the JSON."""
    spans = []
    cit = target.rfind('"citations": [')
    for m in _FIELD_RX.finditer(target):
        if m.group("status"):
            spans.append((*m.span("status"), "status"))
        elif cit >= 0 and m.start() > cit:
            spans.append((m.start() + 1, m.end() - 1, "citation"))
    return spans


def safe_messages(tok: Any, msgs: list[dict[str, str]]) -> Any:
    """The messages with the tokenizer's control-token strings kept as text, as serving keeps them (vocab.ControlText,
    docs/security.md "Chat markers inside documents"): `apply_chat_template(tokenize=True)` splits every added token
    out of a source, so a training source holding `<|im_end|>` would otherwise train on that control token. The
    same list when none holds one (every other example's ids are those of before)."""
    from ragtune.appliance.vocab import hf_control_text

    return hf_control_text(tok).messages(msgs)


def encode_example(tok: Any, ex: dict[str, Any], weight_status: float = 2.0,
                   weight_citations: float | None = None) -> dict[str, Any]:
    """input_ids, labels (-100 on the prompt), weights (per label), n_prompt for one training line."""
    w_cit = weight_status if weight_citations is None else weight_citations
    p = ex["prompt"]
    msgs = safe_messages(tok, prompt.messages(p["system"], p["context"], p["user"]))
    prompt_ids = list(tok.apply_chat_template(msgs, add_generation_prompt=True, tokenize=True, return_dict=False))
    if prompt_ids and isinstance(prompt_ids[0], list):  # some versions return a batch
        prompt_ids = prompt_ids[0]
    target = prompt.answer_text(ex["output"])
    enc = tok(target, add_special_tokens=False, return_offsets_mapping=True)
    spans = field_spans(target)
    weights = []
    for a, b in enc["offset_mapping"]:
        w = 1.0
        for s, e, kind in spans:
            if a < e and b > s:
                w = max(w, float(weight_status if kind == "status" else w_cit))
        weights.append(w)
    tgt_ids = list(enc["input_ids"]) + [tok.eos_token_id]
    weights.append(1.0)
    return {"input_ids": prompt_ids + tgt_ids, "labels": [-100] * len(prompt_ids) + tgt_ids,
            "weights": [0.0] * len(prompt_ids) + weights, "n_prompt": len(prompt_ids)}


# ------------------------------------------------------------------------------------------------------------
# Batches
# ------------------------------------------------------------------------------------------------------------

def make_batches(lengths: list[int], batch_size: int, seed: int, epoch: int, pool: int = 32) -> list[list[int]]:
    """One epoch's batches of example indices, deterministic given (seed, epoch).

    batch_size 1: a seeded shuffle (what the batch-1 trainer always did). Otherwise length-bucketed: the shuffled
    order is cut into pools of `pool` batches, each pool sorted by length and cut into batches (so a batch holds
    examples of similar length and pads little), and the batch order is shuffled again."""
    rng = random.Random(seed * 1000 + epoch)
    order = list(range(len(lengths)))
    rng.shuffle(order)
    if batch_size <= 1:
        return [[i] for i in order]
    batches: list[list[int]] = []
    span = batch_size * pool
    for start in range(0, len(order), span):
        chunk = sorted(order[start:start + span], key=lambda i: lengths[i])
        batches.extend(chunk[j:j + batch_size] for j in range(0, len(chunk), batch_size))
    rng.shuffle(batches)
    return batches


def collate(items: list[dict[str, Any]], pad_id: int, device: str = "cpu") -> dict[str, Any]:
    """Right-padded tensors for one forward pass. `keep`: how many final positions need logits (from the last
    prompt token of the row with the shortest prompt to the end), so the lm_head skips the prompts."""
    from ragtune.appliance.errors import require

    torch = require("torch", "train")
    longest = max(len(it["input_ids"]) for it in items)
    ids, mask, labels, weights = [], [], [], []
    for it in items:
        pad = longest - len(it["input_ids"])
        ids.append(it["input_ids"] + [pad_id] * pad)
        mask.append([1] * len(it["input_ids"]) + [0] * pad)
        labels.append(it["labels"] + [-100] * pad)
        weights.append(it["weights"] + [0.0] * pad)
    keep = longest - min(it["n_prompt"] for it in items) + 1
    return {"input_ids": torch.tensor(ids, device=device), "attention_mask": torch.tensor(mask, device=device),
            "labels": torch.tensor(labels, device=device), "weights": torch.tensor(weights, device=device),
            "keep": keep, "tokens": sum(len(it["input_ids"]) for it in items), "padded": longest * len(items)}
