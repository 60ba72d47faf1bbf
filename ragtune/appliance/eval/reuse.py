"""Answers a run takes from earlier runs instead of asking again (`ragtune eval run --reuse RUN`).

An arm's answer to a question depends on the dataset, the seed (sampling and decoding), the answer settings, the
code and, for the arms with the adapter (B, C), the adapter and the serving values calibrated for it — not on the
sample (`--limit`, `--split`), the other arms or the safety set. So a run over the same dataset with the same seed
and settings can lend its stored answers arm by arm: arm A of `--arms A,C --adapter X` is arm A of an earlier run
of another adapter, arm C of `--arms A,C` an earlier `--arms C` of the same adapter. A lender of an adapter arm must
have had the same serving values, which its config does not record: its run id does (make_run_id), so the lender's
id is recomputed with this run's values and must match. The answer code must be the same too (an answer path changed
between the two runs changes the answers): a run records its code's digest (answer_code.py) since round 52, so a
lender of other code, or one that did not record it, is refused (its code is in its run id: so is each answer's).
Lenders are still named, never found. Replays never lend or borrow: their answers are written to the query log."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any, Callable

from ..errors import InputError
from .report import short_digest

Item = tuple[str, str]  # (arm, qid)
# a lender's config must equal this run's in these keys; each says why not
SAME = {"answer_code": "other answer code", "version": "an older run format", "seed": "another seed",
        "settings": "other answer settings"}


def lent_arms(rid: str, cfg: dict[str, Any], config: dict[str, Any], arms: dict[str, bool],
              run_id_of: Callable[[dict[str, Any]], str]) -> list[str]:
    """The arms of this run whose answers run `rid` (config `cfg`) can lend; an InputError says why none.

    `config`: this run's; `arms`: this run's arm names -> whether the arm uses the adapter; `run_id_of(cfg)`: the
    id a run with `cfg`'s sample, arms and safety set would have with this run's adapter serving values."""
    def no(why: str) -> InputError:
        return InputError(f"--reuse {rid}: cannot lend answers to this run: {why}")

    if config["dataset"].get("kind") == "replay" or (cfg.get("dataset") or {}).get("kind") == "replay":
        raise no("a replay's answers are written to the query log; replays never lend or borrow")
    ds, mine = cfg.get("dataset") or {}, config["dataset"]
    if (ds.get("kind"), ds.get("identity")) != (mine.get("kind"), mine.get("identity")):
        if ds.get("path") == mine.get("path"):
            raise no(f"the dataset at {ds.get('path')} changed since it ran (another content hash)")
        raise no(f"another dataset ({ds.get('path')}, this run {mine.get('path')})")
    for key, why in SAME.items():
        if cfg.get(key) != config[key]:
            if key == "answer_code":  # what changed is in the code, not in the run's record: ask them again
                theirs = cfg.get(key)
                why += (f" ({short_digest(theirs)}, this run {short_digest(config[key])})" if isinstance(theirs, str)
                        else " (it ran before eval runs recorded their answer code)") + \
                    ": its answers would not be this code's; drop --reuse to answer them again"
            elif key == "seed":
                why += f" ({cfg.get(key)}, this run {config[key]})"
            elif key == "settings":
                why += f" ({differences(cfg.get(key), config[key])})"
            raise no(why)
    shared = [a for a in cfg.get("arms") or [] if a in arms]
    plain = [a for a in shared if not arms[a]]
    if len(plain) < len(shared):  # an adapter arm: the same adapter, served with the same values
        if cfg.get("adapter") == config["adapter"] and _same_id(rid, cfg, run_id_of):
            return shared
        if not plain:
            raise no(f"its arms {','.join(shared)} had another adapter or other adapter serving values")
    if not plain:
        raise no(f"it has none of this run's arms (it ran {','.join(cfg.get('arms') or []) or 'none'})")
    return plain


def differences(theirs: Any, mine: Any, limit: int = 4) -> str:
    """The settings two runs differ in, as `section.key lender -> this run`, at most `limit` of them."""
    def flat(d: Any, prefix: str = "") -> dict[str, Any]:
        if not isinstance(d, dict):
            return {prefix.rstrip("."): d}
        out: dict[str, Any] = {}
        for k, v in d.items():
            out.update(flat(v, f"{prefix}{k}.") if isinstance(v, dict) and prefix.count(".") < 1 else
                       {f"{prefix}{k}": v})
        return out

    a, b = flat(theirs or {}), flat(mine)
    diff = [f"{k}: {a.get(k, 'unset')!r} there, {b.get(k, 'unset')!r} here" for k in sorted(set(a) | set(b))
            if a.get(k) != b.get(k)]
    more = f", and {len(diff) - limit} more" if len(diff) > limit else ""
    return "; ".join(diff[:limit]) + more or "their records differ"


def _same_id(rid: str, cfg: dict[str, Any], run_id_of: Callable[[dict[str, Any]], str]) -> bool:
    try:
        return run_id_of(cfg) == rid
    except (KeyError, TypeError, ValueError):
        return False


def borrow(pending: list[Item], lenders: list[tuple[str, list[str]]],
           items_of: Callable[[str, str], dict[Item, dict[str, Any]]]) -> dict[Item, tuple[str, dict[str, Any]]]:
    """(arm, qid) -> (lender run id, stored result) for every pending question a lender answered (the first lender
    named that has it). A lender's answers are all of its code (keyed in its run id), checked by `lent_arms`."""
    left: dict[str, set[str]] = {}
    for arm, qid in pending:
        left.setdefault(arm, set()).add(qid)
    out: dict[Item, tuple[str, dict[str, Any]]] = {}
    for rid, arms in lenders:
        for arm in arms:
            want = left.get(arm)
            if not want:
                continue
            for (_, qid), res in items_of(rid, arm).items():
                if qid in want:
                    want.discard(qid)
                    out[(arm, qid)] = (rid, res)
    return out


def resolve_run(store: Any, ref: str) -> tuple[str, dict[str, Any]]:
    """(run id, config) of a recorded run named by its id or its report folder (report.json's run_id)."""
    rid = str(ref).strip()
    folder = Path(rid).expanduser()
    if (folder / "report.json").is_file():
        from ..jsonl import read_json_object

        rid = str(read_json_object(folder / "report.json").get("run_id") or "")
    from ..text import is_utf8, shown_path

    # a run id is hex: one that is not UTF-8 (a folder name's byte 0xe9) names none, and SQLite could not take it
    cfg = store.eval_run_config(rid) if rid and is_utf8(rid) else None
    if cfg is None:
        raise InputError(f"--reuse {shown_path(ref)}: no such eval run in this home",
                         hint="name a run id or a report folder of `ragtune eval run` in the same RAGTUNE_HOME")
    return rid, cfg


def take(store: Any, refs: list[str], run_id: str, config: dict[str, Any], arms: dict[str, bool],
         pending: list[Item], run_id_of: Callable[[dict[str, Any]], str]) -> tuple[set[Item], str | None]:
    """Copy into run `run_id` the pending answers the named runs can lend: (the items taken, a note for the
    report). Every name is checked, even when nothing is pending."""
    lenders = []
    for ref in refs:
        rid, cfg = resolve_run(store, ref)
        if rid != run_id:
            lenders.append((rid, lent_arms(rid, cfg, config, arms, run_id_of)))
    got = borrow(pending, lenders, store.eval_items)
    if not got:
        return set(), None
    store.put_eval_items(run_id, [(arm, qid, res) for (arm, qid), (_, res) in got.items()])
    by = Counter(rid for rid, _ in got.values())
    return set(got), (f"{len(got)} answers taken from earlier runs (--reuse: same dataset, seed, answer code, answer "
                      f"settings and adapter serving): " + ", ".join(f"{n} from {rid}" for rid, n in by.items()))


__all__ = ["borrow", "lent_arms", "resolve_run", "take"]
