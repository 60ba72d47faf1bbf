"""Hard examples: a built dataset cut down to the lines where the right answer has look-alike neighbours.

The answer-candidate study (benchmarks/README.md, round 14) found the adapter's wrong answers mostly in the right
sentence: it copies that sentence's other entity ("50,000 cardholders" for "20,000 events", the wrong date of two).
`select_hard` keeps the answered lines whose evidence sentence also holds another entity of the answer's kind (a
number beside a number, a name beside a name that the question does not mention), and adds refusal lines at the
source dataset's own refusal share, so that a run on them leaves P(refused), and the threshold calibrated on it, where
they were. `ragtune dataset hard` writes them as a dataset folder `ragtune train` reads: train.jsonl, the source's
holdout.jsonl (the same held-out lines) and hard_config.json (source, sha256s, counts, seed). `exclude` names earlier
cuts (their train.jsonl) whose lines are not picked again, so a second pass from the adapter a first pass made
meets lines it has not seen."""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path
from typing import Any

from ragtune.appliance.atomic import atomic_path, atomic_write_json, make_dir
from ragtune.appliance.errors import InputError
from ragtune.appliance.hashing import sha256_file

from .curate import example_hash
from .dataset import read_examples, write_jsonl

NUMBER = re.compile(r"\d[\d,.:/%-]*\d|\d")
NAME = re.compile(r"\b[A-Z][A-Za-z'-]+")
WORD = re.compile(r"[A-Za-z0-9']+")
# Not refusal.SENTENCE_END: like evidence.py this splits at ";" too, and at line breaks (list items, table rows,
# headings), so a look-alike must share the answer's own clause or line.
SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n+")


def is_hard(ex: dict[str, Any]) -> bool:
    """An answered line whose answer sits in a cited sentence beside another entity of its kind."""
    out, prompt = ex["output"], ex["prompt"]
    answer = out["answer"].strip()
    if out["status"] != "ok" or not answer:
        return False
    asked = {w.lower() for w in WORD.findall(prompt["user"])}
    for source in prompt["context"]:
        if source["id"] not in out["citations"]:
            continue
        for sentence in SENTENCE_END.split(source["text"]):
            at = sentence.lower().find(answer.lower())
            if at < 0:
                continue
            rest = sentence[:at] + " " + sentence[at + len(answer):]
            if NUMBER.search(answer) and NUMBER.search(rest):
                return True
            # the first capital of the rest may only start the sentence
            if NAME.search(answer) and any(w.lower() not in asked for w in NAME.findall(rest)[1:]):
                return True
    return False


def select_hard(src: Path | str, out: Path | str, examples: int, seed: int = 0,
                exclude: tuple[Path | str, ...] = ()) -> dict[str, Any]:
    """Write `examples` lines of SRC's train.jsonl (hard answered lines + refusals at SRC's share) to OUT, none of
    them a line of an `exclude` dataset folder's train.jsonl."""
    src, out = Path(src), Path(out)
    seen: set[str] = set()
    excluded: dict[str, str] = {}
    for folder in map(Path, exclude):
        if not (folder / "train.jsonl").is_file():
            raise InputError(f"--exclude {folder}: no train.jsonl (not a built dataset folder)")
        seen.update(example_hash(ex) for _, ex in read_examples(folder / "train.jsonl"))
        excluded[str(folder)] = sha256_file(folder / "train.jsonl")
    train, holdout = src / "train.jsonl", src / "holdout.jsonl"
    if not train.is_file():
        raise InputError(f"{src}: no train.jsonl (not a built dataset folder)",
                         hint="`ragtune dataset build … --out DIR` writes one")
    if examples < 1:
        raise InputError(f"--examples {examples}: must be at least 1")
    if out.resolve() == src.resolve():
        raise InputError(f"{out}: is the source dataset; its lines would be replaced", hint="choose another --out")
    if (out / "train.jsonl").exists() and not (out / "hard_config.json").is_file():
        raise InputError(f"{out}: holds another dataset (train.jsonl, no hard_config.json); not overwritten",
                         hint="choose another --out")
    every = [ex for _, ex in read_examples(train)]
    lines = [ex for ex in every if example_hash(ex) not in seen]  # the same line as curate's dedup sees it
    if not lines:
        raise InputError(f"{train}: every line is in an --exclude dataset")
    refusals = [ex for ex in lines if ex["output"]["status"] != "ok"]
    hard = [ex for ex in lines if is_hard(ex)]
    share = sum(ex["output"]["status"] != "ok" for ex in every) / len(every)  # the source's share, not the rest's
    n_ref = min(len(refusals), round(examples * share))
    n_hard = min(len(hard), examples - n_ref)
    if n_hard == 0:
        raise InputError(f"{train}: no answered line has a look-alike entity beside its answer")
    rng = random.Random(seed)
    picked = rng.sample(hard, n_hard) + rng.sample(refusals, n_ref)
    rng.shuffle(picked)
    make_dir(out)
    # hard_config.json goes first and comes back last: a cut made again and cut short is never taken for whole
    (out / "hard_config.json").unlink(missing_ok=True)
    write_jsonl(out / "train.jsonl", picked)
    if holdout.is_file():
        with atomic_path(out / "holdout.jsonl") as tmp:
            shutil.copyfile(holdout, tmp)
    else:  # an earlier cut's holdout (of another source) must not stay beside these lines
        (out / "holdout.jsonl").unlink(missing_ok=True)
    config = {"source": str(src), "source_train_sha256": sha256_file(train), "seed": seed,
              "examples": len(picked), "hard": n_hard, "refusals": n_ref, "source_lines": len(every),
              "source_hard": len(hard), "source_refusal_share": round(share, 4),
              "train_sha256": sha256_file(out / "train.jsonl")}
    if exclude:
        config["excluded"] = {"datasets": excluded, "lines": len(every) - len(lines)}
    atomic_write_json(out / "hard_config.json", config)
    return config
