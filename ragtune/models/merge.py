"""Merged datasets: built dataset folders (or training JSONL files) appended into one folder `ragtune train` reads.

`ragtune dataset build` curates one build: a query-log export is passed through on its own, and a corpus domain's
question files (qa, contrast) are one per build. `merge_datasets` joins such builds as they are, in the order
given: every line validated (file:line on the first bad one), each source's train and holdout lines appended to
the merged train.jsonl and holdout.jsonl, nothing re-curated (each source was curated on its own; lines that two
sources share are counted, not dropped, so a merge of the same folders always gives the same bytes).
dataset_config.json names the sources with their sha256s and build options; its `dataset_sha256` is computed as a
build's is (train + holdout), and it is written last, so a folder with it is complete."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ragtune.appliance.atomic import atomic_write_text
from ragtune.appliance.errors import InputError

from .curate import dataset_sha256, example_hash, write_splits
from .dataset import read_dataset


def _source(src: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    """(train, holdout, what the merged config records of it) of one dataset folder or JSONL file."""
    ds = read_dataset(src)
    doc: dict[str, Any] = {"path": str(src), "train_sha256": ds.train_sha256}
    if src.is_dir():
        doc.update(dataset_sha256=ds.sha256, build_options=ds.config.get("build_options") or {})
    return ds.train, ds.holdout, doc


def merge_datasets(srcs: list[Path | str], out: Path | str) -> dict[str, Any]:
    """Write the merge of `srcs` into the folder `out`; returns its dataset_config.json."""
    paths = [Path(s) for s in srcs]
    out = Path(out)
    if len(paths) < 2:
        raise InputError("merge needs two or more datasets")
    if out.resolve() in {p.resolve() for p in paths}:
        raise InputError(f"{out}: is one of the datasets merged; choose another --out")
    train: list[dict[str, Any]] = []
    holdout: list[dict[str, Any]] = []
    sources = []
    for p in paths:
        tr, ho, doc = _source(p)
        sources.append({**doc, "train_lines": len(tr), "holdout_lines": len(ho)})
        train += tr
        holdout += ho
    seen: set[str] = set()
    shared = 0
    for ex in train + holdout:
        h = example_hash(ex)
        shared += h in seen
        seen.add(h)
    config = {**write_splits(out, train, holdout), "build_options": {"merge": sources},
              "shared_lines": shared}  # lines more than one source holds (kept: each source was curated on its own)
    config["dataset_sha256"] = dataset_sha256(config)
    atomic_write_text(out / "dataset_config.json", json.dumps(config, indent=2) + "\n")
    return config


__all__ = ["merge_datasets"]
