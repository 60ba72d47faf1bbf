"""The training JSONL format: validation, reading and atomic writing; and the query-log pass-through builder.

Labelled questions become examples in `ragtune.models.raft` (the RAFT-style builder: serving retrieval over a
scratch home, answer/refusal targets, distractors, shuffling, augmentation). A query-log export (`ragtune log
export`, reviewed edits applied) is validated line by line and passed through here. The tune teaches behaviour
(schema, citations, refusals), never facts: facts stay in retrieval.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import re
import sys
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from ragtune.appliance.atomic import atomic_open
from ragtune.appliance.errors import InputError, located
from ragtune.appliance.hashing import sha256_bytes, sha256_file, sha256_text
from ragtune.appliance.jsonl import read_json_object
from ragtune.appliance.schema import TRAINING_ANSWER_CHARS, validate_output
from ragtune.appliance.text import STOPWORDS

from .stream import lines, open_jsonl, record, records

Progress = Callable[[int, int, str], None]


# ------------------------------------------------------------------------------------------------------------
# The training line format
# ------------------------------------------------------------------------------------------------------------

DATE_KEYS = ("date", "time", "created_at")  # what curate's temporal holdout reads, in this order
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


# Lines in a training format of another tool, said as such: a team's data often comes from one (round 47)
FOREIGN_FORMATS = (
    ({"messages"}, "an OpenAI chat-format line ({\"messages\": [...]})"),
    ({"instruction", "output"}, "an Alpaca line (instruction/input/output)"),
    ({"prompt", "completion"}, "a prompt/completion line"),
    ({"conversations"}, "a ShareGPT line ({\"conversations\": [...]})"),
)
OUR_FORMAT = ('ragtune\'s training format is one object per line: {"prompt": {"system", "context": [{"id", "text"}], '
              '"user"}, "output": {"status", "answer", "citations"}} (docs/tuning.md, "Training format")')


def foreign_format(obj: Any) -> str | None:
    """What other training format a parsed line is in (words for a message), or None."""
    if not isinstance(obj, dict) or isinstance(obj.get("prompt"), dict):
        return None
    return next((name for keys, name in FOREIGN_FORMATS if keys <= set(obj)), None)


def non_finite(obj: Any, at: str = "") -> str | None:
    """The first field holding NaN or Infinity (json.loads reads them; they are not JSON: other tools reject the
    line, and json.dumps writes them back as they are), or None. A first pass looks for one without naming paths:
    a 50,000-line log export spent a third of its validation formatting the path of every string (round 50)."""
    if not _has_non_finite(obj):
        return None
    stack: list[tuple[Any, str]] = [(obj, at)]
    while stack:
        o, path = stack.pop()
        if isinstance(o, float) and not math.isfinite(o):
            return path or "the line"
        if isinstance(o, dict):
            stack.extend((v, f"{path}.{k}" if path else str(k)) for k, v in reversed(list(o.items())))
        elif isinstance(o, list):
            stack.extend((v, f"{path}[{i}]") for i, v in reversed(list(enumerate(o))))  # first in the line first
    return None


def _has_non_finite(obj: Any) -> bool:
    stack = [obj]
    while stack:
        o = stack.pop()
        if isinstance(o, dict):
            stack.extend(o.values())
        elif isinstance(o, list):
            stack.extend(o)
        elif isinstance(o, float) and not math.isfinite(o):
            return True
    return False


def validate_example(obj: Any, where: str, max_answer_chars: int = TRAINING_ANSWER_CHARS) -> list[str]:
    """Problems of one training line (empty = valid). Structure errors and answer-schema errors alike."""
    if isinstance(obj, list):
        return ["a JSON array, not one object: JSON Lines holds one training object per line"]
    if not isinstance(obj, dict):
        return ["line is not a JSON object"]
    other = foreign_format(obj)
    if other:
        return [f"{other}, not ragtune's training format"]
    errs: list[str] = []
    bad_number = non_finite(obj)
    if bad_number:
        errs.append(f"{bad_number} is NaN or Infinity, which is not JSON (write null or a number)")
    extra = sorted(set(obj) - {"prompt", "output", "meta"})
    if extra:
        errs.append(f"unexpected keys: {', '.join(extra)}")
    p, out = obj.get("prompt"), obj.get("output")
    if not isinstance(p, dict):
        return errs + ["missing or non-object 'prompt'"]
    if not isinstance(out, dict):
        return errs + ["missing or non-object 'output'"]
    for key in ("system", "user"):
        if not isinstance(p.get(key), str) or not p.get(key, "").strip():
            errs.append(f"prompt.{key} must be a non-empty string")
    ctx = p.get("context")
    ids: list[str] = []
    if not isinstance(ctx, list):
        errs.append("prompt.context must be a list")
    else:
        for i, c in enumerate(ctx):
            if not isinstance(c, dict) or not isinstance(c.get("id"), str) or not isinstance(c.get("text"), str):
                errs.append(f"prompt.context[{i}] must be {{'id': str, 'text': str}}")
            else:
                ids.append(c["id"])
                if not c["text"].strip():  # serving never shows an empty source: a line with one teaches nothing real
                    errs.append(f"prompt.context[{i}].text is empty")
        if len(set(ids)) != len(ids):
            errs.append("prompt.context has duplicate ids")
    if "meta" in obj and not isinstance(obj["meta"], dict):
        errs.append("meta must be an object")
    elif isinstance(obj.get("meta"), dict):
        for key in DATE_KEYS:  # the temporal holdout compares them as text: 20240101 or "01/02/2024" would mis-sort
            v = obj["meta"].get(key)
            if v is not None and not (isinstance(v, str) and ISO_DATE.match(v)):
                errs.append(f"meta.{key} must be an ISO date string (YYYY-MM-DD…), got {json.dumps(v)[:40]}")
    errs += [f"output: {e}" for e in validate_output(out, ids, max_answer_chars)]  # a review is held to it too
    return errs


def iter_jsonl(path: Path | str) -> Iterator[tuple[str, Any]]:
    """(file:line, parsed object) for every non-blank line; bad bytes/JSON are InputErrors naming line and column.
    Read one line at a time (jsonl.iter_jsonl holds the file's bytes and their lines: 450 MB for a 97 MB log
    export, round 50), with its errors."""
    path = Path(path)
    with open_jsonl(path) as fh:
        for where, _n, obj in records(fh, path):
            yield where, obj


def read_examples(path: Path | str, *, strict: bool = True) -> list[tuple[str, dict[str, Any]]]:
    """Training lines with their locations. strict: the first invalid line is an InputError (file:line)."""
    return list(iter_examples(path, strict=strict))


def iter_examples(path: Path | str, *, strict: bool = True,
                  rows: Iterator[tuple[str, int, Any]] | None = None) -> Iterator[tuple[str, dict[str, Any]]]:
    """read_examples one line at a time: memory does not grow with the file. `rows`: the file's
    (`stream.records`), when the caller holds it open."""
    seen = False
    try:
        for where, obj in (iter_jsonl(path) if rows is None else ((w, o) for w, _n, o in rows)):
            errs = validate_example(obj, where)
            if errs and strict:
                raise InputError(f"{where}: {'; '.join(errs)}", hint=_format_hint(path, obj))
            seen = True
            yield where, obj
    except InputError as exc:
        if exc.hint is None and (hint := _format_hint(path)):  # a JSON array, pretty-printed JSON, a CSV export
            raise InputError(exc.message, hint=hint) from None
        raise
    if not seen:
        raise InputError(f"{located(path)}: no examples")


def _format_hint(path: Path | str, obj: Any = None) -> str | None:
    """What to do when a training file is not JSON Lines of training objects, from its first bytes (or the line
    that failed): the files teams hand in come out of other tools (a JSON array, pretty-printed objects, a
    spreadsheet's CSV export, another trainer's format)."""
    if obj is not None:
        if isinstance(obj, list):
            return f"one object per line: jq -c '.[]' FILE > FILE.jsonl; {OUR_FORMAT}"
        return f"convert each line: {OUR_FORMAT}" if foreign_format(obj) else None
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096).removeprefix(b"\xef\xbb\xbf").lstrip()
    except OSError:
        return None
    first = head.split(b"\n", 1)[0].strip()
    if head.startswith(b"["):
        return "the file is one JSON array, not JSON Lines: one object per line: jq -c '.[]' FILE > FILE.jsonl"
    if first == b"{" or (first.startswith(b"{") and first.count(b"{") > first.count(b"}") and b"\n" in head):
        return "the objects are spread over several lines (pretty-printed JSON): one object per line: jq -c . FILE > FILE.jsonl"
    if first and not first.startswith(b"{") and first.count(b",") >= 2:
        return ("the file looks like a CSV export (its first line: " + first[:60].decode("utf-8", "replace") +
                "): ragtune reads JSON Lines; write each row as one training object")
    return None


def splits_sha256(train_sha256: str, holdout_sha256: str) -> str:
    """The dataset hash: both splits, so a changed holdout is a different dataset too."""
    return sha256_text(train_sha256 + holdout_sha256)


@dataclasses.dataclass
class DatasetFiles:
    """A built dataset folder (or one training JSONL file: train only), read and validated."""

    train: list[dict[str, Any]]
    holdout: list[dict[str, Any]]
    sha256: str  # the folder's dataset_sha256 (as its config records it), else computed; a file: its own sha256
    train_sha256: str
    config: dict[str, Any]  # dataset_config.json ({} without one)


def read_dataset(src: Path | str) -> DatasetFiles:
    """The one reader of training data (`ragtune train`, `dataset merge`): every line validated (file:line on the
    first bad one), dataset_config.json read with the project's JSON reader and checked for its dataset_sha256."""
    p = Path(src)
    if p.is_dir():
        tr, ho = p / "train.jsonl", p / "holdout.jsonl"
        if not tr.is_file():
            raise InputError(f"{p}: no train.jsonl (not a built dataset folder)",
                             hint="`ragtune dataset build … --out DIR` writes one; a training JSONL file also works")
        train = [ex for _, ex in read_examples(tr)]
        has_holdout = ho.is_file() and ho.stat().st_size > 0
        holdout = [ex for _, ex in read_examples(ho)] if has_holdout else []
        train_sha = sha256_file(tr)
        cfg_path = p / "dataset_config.json"
        if not cfg_path.is_file():
            return DatasetFiles(train, holdout, splits_sha256(train_sha, sha256_file(ho) if has_holdout
                                                              else sha256_bytes(b"")), train_sha, {})
        try:  # file and line of what breaks
            cfg = read_json_object(cfg_path)
        except InputError as exc:
            raise InputError(f"invalid dataset config: {exc.message}") from None
        sha = cfg.get("dataset_sha256")
        if not isinstance(sha, str) or not re.fullmatch(r"[0-9a-f]{64}", sha):
            raise InputError(f"{located(cfg_path)}: invalid dataset config: dataset_sha256 must be 64 hex digits")
        _check_split_hashes(cfg_path, cfg, {"train": train_sha, "holdout": sha256_file(ho) if ho.is_file() else None})
        return DatasetFiles(train, holdout, sha, train_sha, cfg)
    if p.is_file():
        sha = sha256_file(p)
        return DatasetFiles([ex for _, ex in read_examples(p)], [], sha, sha, {})
    raise InputError(f"{p}: training data not found (a built dataset folder or a training JSONL file)")


def _check_split_hashes(cfg_path: Path, cfg: dict[str, Any], actual: dict[str, str | None]) -> None:
    """The splits must be the files the config hashed: its dataset_sha256 is the run's and the adapter's lineage, so
    a split edited (or replaced by a later write cut short) after the config was written is refused, not trusted."""
    for split, sha in actual.items():
        want = (cfg.get(split) or {}).get("sha256") if isinstance(cfg.get(split), dict) else None
        if not isinstance(want, str):
            continue  # an older config without per-split hashes: its dataset_sha256 is all there is
        if sha is None and want == sha256_bytes(b""):
            continue  # an empty holdout, not written
        if sha != want:
            raise InputError(f"{cfg_path.parent / (split + '.jsonl')}: changed since {cfg_path.name} was written "
                             f"(sha256 {str(sha)[:12]}…, the config says {want[:12]}…)",
                             hint="rebuild the dataset, or remove dataset_config.json to use the files as they are "
                                  "(they are then hashed as they are)")


def write_jsonl(path: Path | str, rows: Iterable[dict[str, Any]]) -> int:
    """Atomic write (tmp + rename): a crash never leaves a half-written dataset."""
    n = 0
    with atomic_open(Path(path)) as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False, sort_keys=False) + "\n")
            n += 1
    return n


# ------------------------------------------------------------------------------------------------------------
# Which retrieved chunks hold the answer
# ------------------------------------------------------------------------------------------------------------

def _norm(text: str) -> str:
    """Lower-case alphanumerics separated by single spaces (markdown pipes, HTML cells, wraps all vanish)."""
    return " ".join(re.findall(r"[0-9a-z]+", text.lower()))


def key_tokens(text: str) -> list[str]:
    toks = [t for t in _norm(text).split() if t not in STOPWORDS]
    return list(dict.fromkeys(toks))


def holds_answer(chunk_text: str, row: dict[str, Any], min_overlap: float = 0.8) -> bool:
    """The chunk holds the answer when it contains the evidence span (normalised), or failing that when it has
    `min_overlap` of the key tokens of the evidence/answer, all numbers included."""
    chunk = _norm(chunk_text)
    ev = row.get("evidence") or ""
    if ev and f" {_norm(ev)} " in f" {chunk} ":
        return True
    basis = ev or row.get("answer", "")
    keys = key_tokens(basis)
    if not keys:
        return False
    words = set(chunk.split())
    present = [k for k in keys if k in words]
    numbers = [k for k in keys if any(ch.isdigit() for ch in k)]
    if any(n not in words for n in numbers):
        return False
    return len(present) / len(keys) >= min_overlap


def answer_in_sources(ex: dict[str, Any]) -> bool:
    """Whether an answered line's answer is found in the sources it cites: every key token of the answer (numbers
    included) among their words. The system prompt asks for words copied from a source; a target that is not in
    its cited sources teaches the model to write what no source says. Refusals (and answers made only of stopwords)
    pass."""
    out = ex["output"]
    if out.get("status") != "ok":
        return True
    keys = key_tokens(out.get("answer", ""))
    if not keys:
        return True
    cited = set(out.get("citations") or [])
    words = set(" ".join(_norm(c["text"]) for c in ex["prompt"]["context"] if c["id"] in cited).split())
    return all(k in words for k in keys)


# ------------------------------------------------------------------------------------------------------------
# Builders: labelled questions → `ragtune.models.raft`; a reviewed query log → passed through here
# ------------------------------------------------------------------------------------------------------------

@dataclasses.dataclass
class LogStats:
    questions: int = 0  # lines read
    answered: int = 0  # of the lines passed through
    refused: int = 0
    unreviewed: int = 0  # passed through with meta.reviewed false: the model's own answers, not checked by a person
    no_sources: int = 0  # left out: a request refused before the model ran (no sources shown to it)
    superseded: int = 0  # left out: unreviewed lines of a request (same sources, same question) a person reviewed
    left_out_examples: list[str] = dataclasses.field(default_factory=list)  # "file:line: why", the first 20
    sha256: str = ""  # of the bytes read (the lineage hash), not in to_json: the build record stays as it was

    def to_json(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        del out["sha256"]
        return out


def folded_ws(s: Any) -> str:
    """A line's text as the de-duplication compares it: case and runs of white space folded."""
    return " ".join(str(s).lower().split())


def prompt_parts(ex: dict[str, Any]) -> list[Any]:
    """The request as the model sees it (system prompt, sources, question), `folded_ws`: what prompt_key hashes,
    and curate.example_hash with the output."""
    p = ex["prompt"]
    return [folded_ws(p["system"]), [[c["id"], folded_ws(c["text"])] for c in p["context"]], folded_ws(p["user"])]


def prompt_key(ex: dict[str, Any]) -> str:
    """One request as the model sees it (prompt_parts): two lines with the same key and different outputs teach the
    model two answers to one prompt."""
    return sha256_text(json.dumps(prompt_parts(ex), ensure_ascii=False))


def build_from_log(path: Path | str) -> tuple[list[dict[str, Any]], LogStats]:
    """A `ragtune log export` file: every line validated (file:line on the first bad one) and passed through, but
    for two kinds of line that would teach the wrong thing, counted and located in the stats:
    - no sources: a request refused before the model ran (the evidence gate's `no_evidence`, `no_sources`, an
      override question), or an eval arm's that retrieved nothing on purpose. Serving never asks the model without
      sources, so the line only teaches "no sources, refuse", and it would count as the refusal a person meant to
      teach;
    - superseded: an unreviewed line (`meta.reviewed` false) of a request a person reviewed on another line (the
      same question over the same sources, asked again or served from the answer cache). The review is the
      person's word on that prompt; the model's own answer beside it would train the mistake they corrected."""
    from ragtune.appliance.spool import original

    given = original(path)  # a pipe: its lines recorded by the name it was given ("/dev/fd/63:4 (a pipe)")
    src, path = path, Path(path)
    stats = LogStats()
    # two passes over one open file, so memory holds the kept lines only (a year's export is 100+ MB, most of it
    # superseded or without sources): the first validates every line and learns which to leave out (a review
    # may come after the lines it supersedes), the second parses the kept ones again
    no_sources: set[int] = set()
    unreviewed: dict[int, str] = {}  # line -> prompt_key, for the unreviewed lines with sources
    reviewed: set[str] = set()
    with open_jsonl(path) as fh:
        digest = hashlib.sha256()
        for where, obj in iter_examples(src, rows=records(fh, path, digest)):
            n, flag = int(where.rsplit(":", 1)[1]), (obj.get("meta") or {}).get("reviewed")
            stats.questions += 1
            if flag is True:
                reviewed.add(prompt_key(obj))
            if not obj["prompt"]["context"]:
                no_sources.add(n)
            elif flag is False:
                unreviewed[n] = prompt_key(obj)
        superseded = {n for n, key in unreviewed.items() if key in reviewed}
        del unreviewed, reviewed
        stats.sha256 = digest.hexdigest()
        digest = hashlib.sha256()
        out = []
        for n, line in lines(fh, path, digest):
            gone = n in no_sources
            if gone or n in superseded:  # counted; named (file:line) only while the report lists them
                if gone:
                    stats.no_sources += 1
                    why = "no sources (serving refuses such a request before the model runs)"
                else:
                    stats.superseded += 1
                    why = "unreviewed, and a person reviewed the same request on another line"
                if len(stats.left_out_examples) < 20:  # named by its meta.where, when it has one
                    where = located(path, n)
                    meta_where = where if given is None else f"{given}:{n} (a pipe)"
                    meta_where = (record(line, where).get("meta") or {}).get("where", meta_where)
                    stats.left_out_examples.append(f"{meta_where}: {why}")
                continue
            where = located(path, n)
            meta_where = where if given is None else f"{given}:{n} (a pipe)"
            ex = record(line, where)
            meta = dict(ex.get("meta") or {})
            meta.setdefault("source", "log")
            meta.setdefault("where", meta_where)
            ex = {"prompt": ex["prompt"], "output": ex["output"], "meta": meta}
            if meta.get("reviewed") is False:
                stats.unreviewed += 1
            if ex["output"]["status"] == "ok":
                stats.answered += 1
            else:
                stats.refused += 1
            out.append(ex)
    if digest.hexdigest() != stats.sha256:  # rewritten in place between the passes: what was checked is not this
        raise InputError(f"{src}: changed while it was read", hint="export again, to a new file, and build from it")
    return out, stats


def stderr_progress(label: str, clock: Callable[[], float] | None = None) -> Progress:
    """`questions: 50/3483 catalogs-a050 (eta 41m)`: a corpus build is tens of minutes on 2 cores, so its lines
    say when it will end (the rate since the first line; a scratch ingest before it is not counted)."""
    import time

    clock = clock or time.monotonic
    start: list[float] = []

    def cb(done: int, total: int, what: str) -> None:
        if not start:
            start.append(clock())
            start.append(done)
        if done == total or done % 25 == 0:
            eta = ""
            t, n = clock() - start[0], done - start[1]
            if 0 < n and done < total and t > 0:
                left = (total - done) * t / n
                eta = f" (eta {round(left)}s)" if left < 120 else f" (eta {round(left / 60)}m)"
            print(f"{label}: {done}/{total} {what}{eta}", file=sys.stderr, flush=True)
    return cb
