"""Merged datasets: built dataset folders (or training JSONL files) appended into one folder `ragtune train` reads.

`ragtune dataset build` curates one build: a query-log export is passed through on its own, and a corpus domain's
question files (qa, contrast) are one per build. `merge_datasets` joins such builds as they are, in the order
given: every line validated (file:line on the first bad one), each source's train and holdout lines appended to
the merged train.jsonl and holdout.jsonl, nothing re-curated (each source was curated on its own), except that a
line an earlier source holds in the same split is kept once (`shared_lines_left_out`, round 50: a log build and a
pack build each carried the same mix lines; copies within one source stay), and a train line that is also a
holdout line of the merge is left out of train (a line trained on would be scored as held out;
`holdout_lines_left_out_of_train`). `shared_lines` counts the lines a source shares with an earlier one.
dataset_config.json names the sources with their sha256s and build options; its `dataset_sha256` is computed as a
build's is (train + holdout), and it is written last, so a folder with it is complete. `weights` (`--weight SRC=N`)
repeats a source's train lines N times (never its holdout lines: each is scored once), recorded as its `weight`."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Callable, Iterable

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


MAX_WEIGHT = 100  # a typo (=1000) would write a thousand copies of every line: more is a second merge's job


def parse_weights(specs: Iterable[str]) -> dict[str, int]:
    """{SRC: N} from `--weight SRC=N` options (the last `=` splits, so a path may hold one), N a whole number from
    1 to MAX_WEIGHT; a bad one is an InputError naming the option as given."""
    weights: dict[str, int] = {}
    for spec in specs:
        src, eq, n = str(spec).rpartition("=")
        if not eq or not src:
            raise InputError(f"--weight {spec}: not SRC=N",
                             hint="e.g. --weight data/log=3: the source as given to the merge, and how many times "
                                  "its train lines are trained")
        if not re.fullmatch(r"[0-9]+", n.strip()) or not 1 <= int(n) <= MAX_WEIGHT:
            raise InputError(f"--weight {spec}: N must be a whole number from 1 to {MAX_WEIGHT}, not {n!r}",
                             hint="N copies of the source's train lines (1: as given; a source's share of the "
                                  "merge is its lines x N)")
        if src in weights:
            raise InputError(f"--weight {src}: given twice ({src}={weights[src]} and {spec})")
        weights[src] = int(n)
    return weights


def _weight_of(paths: list[Path], weights: dict[str, int]) -> list[int]:
    """Each source's weight (1 unless named): a SRC matches a source as given, as the pipe it was read from, or by
    the file or folder it resolves to; one that matches none is an InputError."""
    from ragtune.appliance.spool import original

    out = [1] * len(paths)
    for src, n in weights.items():
        try:
            target = Path(src).resolve()
        except (OSError, ValueError):  # a name no file can have: matched as text only
            target = None
        hits = [i for i, p in enumerate(paths) if src in (str(p), original(p))]
        if not hits and target is not None:
            hits = [i for i, p in enumerate(paths) if p.resolve() == target]
        if not hits:
            raise InputError(f"--weight {src}={n}: {src} is not one of the datasets merged",
                             hint="name a source as it is given: " + ", ".join(original(p) or str(p) for p in paths))
        out[hits[0]] = n
    return out


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


def merge_datasets(srcs: list[Path | str], out: Path | str, *, allow_mixed: bool = False,
                   log: Callable[[str], None] | None = None, weights: dict[str, int] | None = None) -> dict[str, Any]:
    """Write the merge of `srcs` into the folder `out`; returns its dataset_config.json. Sources built with other
    context shapes or answer styles (SHAPE_KEYS) are refused unless `allow_mixed`; a dataset given twice always is.
    A train line that is also a holdout line (a build merged with its own input file) is left out of train; a
    source whose lines are mostly in an earlier one is said in a `note:` through `log`. `weights` ({SRC: N},
    `parse_weights`): that source's train lines N times."""
    log = log or (lambda msg: None)
    paths = [Path(s) for s in srcs]
    out = Path(out)
    if len(paths) < 2:
        raise InputError("merge needs two or more datasets")
    if out.resolve() in {p.resolve() for p in paths}:
        raise InputError(f"{out}: is one of the datasets merged; choose another --out")
    weight = _weight_of(paths, weights or {})  # before anything is read or written
    check_folder(out)
    _check_out(out)
    train: list[dict[str, Any]] = []
    train_hashes: list[str] = []  # beside `train`, line for line (example_hash): the leak rule below
    holdout: list[dict[str, Any]] = []
    sources = []
    seen_sha: dict[str, Path] = {}
    hashes: list[list[str]] = []  # each source's lines (example_hash), for the note on repeated data
    train_seen: set[str] = set()
    held_seen: set[str] = set()  # the hashes of the lines `holdout` holds (each split's first copy is kept)
    dropped = 0  # of the lines an earlier source holds too (shared), those left out as in the same split there
    first_shape: tuple[Path, dict[str, Any]] | None = None
    for p, n in zip(paths, weight):
        tr, ho, doc = _source(p)
        sha = doc.get("dataset_sha256") or doc["train_sha256"]
        if sha in seen_sha:  # every line twice: twice the weight, and each one in the run's holdout twice
            raise InputError(f"{p}: the same dataset as {seen_sha[sha]} (sha256 {sha[:12]}…); each source once",
                             hint=f"to train its lines more often: --weight {seen_sha[sha]}=2")
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
        sources.append({**doc, "train_lines": len(tr), "holdout_lines": len(ho),
                        **({"weight": n} if weights and n != 1 else {})})
        mine = [example_hash(ex) for ex in tr + ho]
        hashes.append(mine)
        # a line an earlier source holds in the same split is kept once, the first source's copies (two builds'
        # mix lines, the same reviewed line in two exports); copies within one source stay (the mix repeats a line
        # on purpose); a train line that is an earlier holdout line is the leak rule's below
        new_tr = [(ex, h) for ex, h in zip(tr, mine) if h not in train_seen]  # each with its hash
        new_ho = [ex for ex, h in zip(ho, mine[len(tr):]) if h not in held_seen]
        dropped += len(tr) + len(ho) - len(new_tr) - len(new_ho)
        train_seen.update(mine[:len(tr)])
        held_seen.update(mine[len(tr):])
        # a weight repeats train lines only: a holdout line scored twice would count twice
        train += [ex for ex, _ in new_tr] * n
        train_hashes += [h for _, h in new_tr] * n
        holdout += new_ho
    shared = _note_repeats(sources, hashes, log)  # lines an earlier source holds too (in either split)
    if dropped:
        log(f"note: kept once {dropped} line(s) that an earlier source holds too (the same line twice would be "
            "trained, or scored, twice)")
    # a line in both splits: the holdout loss (and train-eval) would score a line the run trained on
    kept = [ex for ex, h in zip(train, train_hashes) if h not in held_seen]
    leaked = len(train) - len(kept)
    if leaked:
        log(f"note: left {leaked} line(s) out of train.jsonl: they are holdout lines of the merge too (the same "
            "data in two sources, e.g. a build and the file it was built from): trained on, the holdout would "
            "measure recall, not behaviour")
        train = kept
    config = {**write_splits(out, train, holdout), "build_options": {"merge": sources},
              # lines a source shares with an earlier one; those in the same split as there are kept once
              "shared_lines": shared, "shared_lines_left_out": dropped,
              **({"allow_mixed": True} if allow_mixed else {}),
              **({"holdout_lines_left_out_of_train": leaked} if leaked else {})}
    config["dataset_sha256"] = dataset_sha256(config)
    atomic_write_text(out / "dataset_config.json", json.dumps(config, indent=2) + "\n")
    return config


def _note_repeats(sources: list[dict[str, Any]], hashes: list[list[str]], log: Callable[[str], None]) -> int:
    """A `note:` for each source whose lines are mostly (half or more) in earlier sources: the same data given
    twice under two names (a build and its input, an export and its copy) trains every line twice. Returns how
    many lines in all an earlier source holds too (the config's shared_lines)."""
    seen: set[str] = set()
    shared = 0
    for doc, mine in zip(sources, hashes):
        again = sum(h in seen for h in mine)
        shared += again
        if mine and seen and again * 2 >= len(mine):
            log(f"note: {again} of the {len(mine)} lines of {doc['path']} are already in the datasets before it "
                "(the same data twice? each line is kept once; --weight SRC=N trains a source's lines more often)")
        seen.update(mine)
    return shared


__all__ = ["merge_datasets"]
