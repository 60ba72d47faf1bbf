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

from ragtune.appliance.atomic import atomic_write_text, check_folder
from ragtune.appliance.errors import InputError
from ragtune.appliance.jsonl import loads_located

from .curate import dataset_sha256, example_hash, write_splits
from .dataset import read_dataset


def _source(src: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    """(train, holdout, what the merged config records of it) of one dataset folder or JSONL file."""
    ds = read_dataset(src)
    from ragtune.appliance.spool import shown_name

    doc: dict[str, Any] = {"path": shown_name(src), "train_sha256": ds.train_sha256}  # a pipe as given
    if src.is_dir():
        doc.update(dataset_sha256=ds.sha256, build_options=ds.config.get("build_options") or {})
    return ds.train, ds.holdout, doc


# The build settings that shape what the model is shown and taught: sources merged under different ones mix context
# shapes (k, chunk size, the token budget, the embedder that ranked them) or target styles in one training set.
SHAPE_KEYS = {"serving": ("k", "chunk_tokens", "overlap_tokens", "context_tokens", "embed", "generate_model", "n_ctx"),
              "raft": ("answer_style",)}


def _shape(build_options: dict[str, Any]) -> dict[str, Any]:
    """The SHAPE_KEYS of a build's options ({} for a query-log export or a JSONL file); a merge's from its sources
    (one shape: it was checked when it was made)."""
    if isinstance(build_options.get("merge"), list):
        shapes = [_shape(s.get("build_options") or {}) for s in build_options["merge"] if isinstance(s, dict)]
        return next((sh for sh in shapes if sh), {})
    return {f"{part}.{k}": (build_options.get(part) or {}).get(k) for part, keys in SHAPE_KEYS.items()
            for k in keys if isinstance(build_options.get(part), dict) and k in build_options[part]}


def _check_out(out: Path) -> None:
    """OUT is new, empty, or an earlier merge's folder: never a build (its report.json would then describe other
    lines) nor a folder of other files."""
    if not out.is_dir():
        return
    names = {p.name for p in out.iterdir()}
    if not names:
        return
    mine = {"train.jsonl", "holdout.jsonl", "dataset_config.json"}
    cfg = out / "dataset_config.json"
    earlier_merge = False
    if cfg.is_file():
        try:
            earlier_merge = "merge" in (loads_located(cfg.read_bytes(), cfg).get("build_options") or {})
        except (OSError, TypeError, AttributeError, InputError):  # damaged (a long number, [[[[… too): not a merge
            earlier_merge = False
    others = sorted(n for n in names - mine if not n.startswith("."))
    # no config beside the splits: a merge cut short (write_splits removes the old config first), written again
    if others or (cfg.is_file() and not earlier_merge):
        what = f"it holds {', '.join(others[:3])}" if others else "it holds a dataset that is not a merge"
        raise InputError(f"{out}: not written into ({what})", hint="choose a new or empty --out")


def merge_datasets(srcs: list[Path | str], out: Path | str, *, allow_mixed: bool = False) -> dict[str, Any]:
    """Write the merge of `srcs` into the folder `out`; returns its dataset_config.json. Sources built with other
    context shapes or answer styles (SHAPE_KEYS) are refused unless `allow_mixed`; a dataset given twice always is."""
    paths = [Path(s) for s in srcs]
    out = Path(out)
    if len(paths) < 2:
        raise InputError("merge needs two or more datasets")
    if out.resolve() in {p.resolve() for p in paths}:
        raise InputError(f"{out}: is one of the datasets merged; choose another --out")
    check_folder(out)
    _check_out(out)
    train: list[dict[str, Any]] = []
    holdout: list[dict[str, Any]] = []
    sources = []
    seen_sha: dict[str, Path] = {}
    first_shape: tuple[Path, dict[str, Any]] | None = None
    for p in paths:
        tr, ho, doc = _source(p)
        sha = doc.get("dataset_sha256") or doc["train_sha256"]
        if sha in seen_sha:  # every line twice: twice the weight, and each one in the run's holdout twice
            raise InputError(f"{p}: the same dataset as {seen_sha[sha]} (sha256 {sha[:12]}…); each source once")
        seen_sha[sha] = p
        shape = _shape(doc.get("build_options") or {})
        if shape and first_shape and not allow_mixed:
            diffs = [f"{k} {first_shape[1].get(k)!r} vs {v!r}" for k, v in shape.items()
                     if k in first_shape[1] and first_shape[1][k] != v]
            if diffs:
                raise InputError(f"{p}: built with other settings than {first_shape[0]}: {'; '.join(diffs)}",
                                 hint="rebuild with the same --k / --chunk-tokens / --answer-style, or pass "
                                      "--allow-mixed to train on both shapes")
        if shape and first_shape is None:
            first_shape = (p, shape)
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
              "shared_lines": shared, **({"allow_mixed": True} if allow_mixed else {})}  # lines more than one source holds (kept: each source was curated on its own)
    config["dataset_sha256"] = dataset_sha256(config)
    atomic_write_text(out / "dataset_config.json", json.dumps(config, indent=2) + "\n")
    return config


__all__ = ["merge_datasets"]
