"""Report files of one eval run: report.json (the `--json` object), report.md (tables), report.html
(self-contained: inline CSS and SVG charts, no scripts, no network assets)."""

from __future__ import annotations

import json
import math
import os
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from ..atomic import atomic_open, make_dir
from ..errors import InputError
from ..jsonl import loads_located
from .paired import ITEMS_FILE, row_lines
from .report_render import paired_interval, pct, render_html, render_markdown, signed_points


# Below this many labelled questions per arm a go/no-go says next to nothing (a rate on 30 is uncertain by up to
# ±18 points): the run is a smoke test, not a decision (decision "n/a", mark_smoke_test), and `rollout promote`
# refuses it without --override (models/rollout.eval_decision).
MIN_N_FOR_DECISION = 30
# What a decision should rather rest on (the README's runs use it): a rate on 200 is within about ±7 points.
RECOMMENDED_N = 200


def margin_points(n: int) -> float:
    """Half-width, in points, of a 95% interval on a rate measured on n questions (worst case p = 0.5)."""
    return 100 * 1.96 * math.sqrt(0.25 / n) if n > 0 else float("inf")


def report_warnings(r: dict[str, Any]) -> list[str]:
    """What a reader must know before trusting the numbers: too few questions for the decision, a task success
    made only of refusals. Stored as report["warnings"] and shown by the CLI, the files and the chat app."""
    out: list[str] = []
    arms = r.get("arms") or {}
    if not arms:
        return out
    n_lab = min(int(m.get("n_labeled") or 0) for m in arms.values())
    delta = (r.get("criteria") or {}).get("min_task_success_delta")
    if n_lab == 0:
        out.append("no labelled questions: task success, and so the decision, cannot be measured")
    elif n_lab < MIN_N_FOR_DECISION:
        out.append(f"n={n_lab} labelled questions per arm is too small for a go/no-go decision: a rate measured "
                   f"on {n_lab} questions is uncertain by up to ±{margin_points(n_lab):.0f} points (95%); this run "
                   f"is a smoke test, not a decision ({NEEDED})")
    elif isinstance(delta, (int, float)) and delta > 0:
        pca = (r.get("paired") or {}).get("C-A")
        if pca and pca.get("ci95"):
            # A and C answered the same questions: the paired interval, not two rates' margins, judges the criterion
            if pca["delta"] >= delta > pca["ci95"][0]:
                out.append(f"task success C-A = {signed_points(pca['delta'])} meets the {100 * delta:.0f}-point "
                           f"criterion, but its 95% interval ({paired_interval(pca)}) reaches below it: "
                           f"{pca['up']} questions up and {pca['down']} down (sign test p = {pca['p_value']:.2g})")
        elif margin_points(n_lab) > 100 * delta:
            need = math.ceil((1.96 * 0.5 / delta) ** 2)
            out.append(f"n={n_lab}: a rate is uncertain by up to ±{margin_points(n_lab):.1f} points (95%), more "
                       f"than the {100 * delta:.0f}-point task-success criterion (about {need} questions resolve it)")
    for name, m in arms.items():
        if m.get("task_success") and not m.get("n_correct_answers") and m.get("n_correct_refusals"):
            out.append(f"arm {name}: task success {pct(m['task_success'])} comes only from correct refusals "
                       f"({m['n_correct_refusals']}); no question was answered correctly")
    return out


NEEDED = (f"a decision needs at least {MIN_N_FOR_DECISION} labelled questions per arm; --limit {RECOMMENDED_N} or "
          f"more is recommended")


def labelled_per_arm(arms: Any) -> int | None:
    """The fewest labelled questions of any arm of a report; None when its arms do not say (a report.json from
    before these counts, or a damaged one)."""
    if not isinstance(arms, dict) or not arms:
        return None
    ns = [m.get("n_labeled") if isinstance(m, dict) else None for m in arms.values()]
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in ns):
        return None
    return min(ns)


def is_smoke_test(n_labelled: int | None) -> bool:
    """Some labelled questions, fewer than a decision needs (none at all: the decision cannot be measured, a no-go
    that says so)."""
    return n_labelled is not None and 0 < n_labelled < MIN_N_FOR_DECISION


def mark_smoke_test(decision: dict[str, Any], arms: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A decision over too few labelled questions is none: go false, "smoke_test": true and the reason first (the
    criteria's own reasons follow, for what they are worth). Every decision gets "smoke_test"."""
    n = labelled_per_arm(arms)
    decision["smoke_test"] = is_smoke_test(n)
    if decision["smoke_test"]:
        decision["go"] = False
        decision["reasons"].insert(0, f"smoke test, not a decision: n={n} labelled questions per arm ({NEEDED})")
    return decision


REPORT_FILES = ("report.json", "report.md", "report.html")


def check_out(out: Path, run_id: str | None = None, code: str | None = None) -> None:
    """A folder a run may write its reports into: new, without files of the report names, or holding the report of
    an eval run (a rerun or a resumed run rewrites it). Someone's own report.md there would be replaced: refused.
    So is the report of another run (`run_id`) made by other answer code than `code`: the before of a before/after
    comparison, which the new run would replace (each code is its own run since round 52: `eval compare` them)."""
    present = [name for name in REPORT_FILES if (Path(out) / name).exists()]
    if (Path(out) / "items.jsonl").exists() and not _items_file(Path(out) / "items.jsonl"):
        present.append("items.jsonl")  # someone's own items.jsonl would be replaced by the run's rows
    if not present:
        return
    report = Path(out) / "report.json"
    try:
        made = loads_located(report.read_bytes(), report)
        ours = isinstance(made.get("run_id"), str)
    except (OSError, AttributeError, InputError):  # damaged (a long number, [[[[… too): not known to be ours
        made, ours = {}, False
    theirs = made.get("code").get("answer_code") if ours and isinstance(made.get("code"), dict) else None
    if code and isinstance(theirs, str) and theirs != code and made["run_id"] != run_id:
        raise InputError(f"{out}: holds the report of run {made['run_id']}, answered by other answer code "
                         f"({short_digest(theirs)}; this run: {short_digest(code)}); this run's report would "
                         "replace it",
                         hint=f"choose another --out to keep both, then `ragtune eval compare {out} NEW_OUT`; or "
                              f"remove {Path(out) / 'report.json'} to replace it")
    if not ours:  # (beside a report of ours, a damaged items.jsonl is the run's own: rewritten)
        raise InputError(f"{out}: holds {', '.join(present)} that an eval run did not write; the run's report would "
                         f"replace {'it' if len(present) == 1 else 'them'}",
                         hint="choose another --out (a new or empty folder)")


def short_digest(digest: Any) -> str:
    """A digest in a message: its first 12 characters (or "unrecorded")."""
    return f"{digest[:12]}…" if isinstance(digest, str) and digest else "unrecorded"


def code_of(code: str) -> dict[str, Any]:
    """report["code"] of a run whose answers this process's code `code` made: code_provenance with that digest. Every
    answer of a run is of that code: it is keyed in the run id, and a resume asks again a row of any other."""
    return {**code_provenance(), "answer_code": code}


def _items_file(path: Path) -> bool:
    """Whether an items.jsonl is an eval run's (its first line a row with 'arm' and 'qid'), or empty (a run with
    no answers wrote it). A run killed between writing it and report.json left it without its report."""
    try:
        with path.open("rb") as f:
            first = f.readline(1 << 16)
        if not first.strip():
            return True
        row = loads_located(first, path, record=True)
    except (OSError, InputError):
        return False
    return isinstance(row, dict) and isinstance(row.get("arm"), str) and isinstance(row.get("qid"), str)


def code_provenance() -> dict[str, str]:
    """The code that answered, as a report records it: the package version and the digest of the modules that decide
    an answer (answer_code.py, what the answer cache keys): two runs whose answers differ under the same run id
    (dataset, seed, settings, adapter) show whether the code changed in between. The query log's record of the
    same (querylog.provenance, without settings), so a logged answer and a report compare."""
    from ..querylog import provenance

    return provenance()


def write_reports(report: dict[str, Any], out: Path, rows: list[dict[str, Any]] | None = None,
                  run_id: str | None = None) -> dict[str, Path]:
    """Write the three files (and items.jsonl, when given its `rows`) as one set and return their paths. A report
    without "code" gets this process's (code_provenance): the report (and the `--json` object) says which code made it.

    Each file goes to a temporary beside it; only when every one is written and synced are they renamed, items.jsonl
    first (a report.json never names an items file that is not there). A full disk or a `ulimit -f` on the folder
    (round 49) left a new report.json and report.md beside the previous run's report.html; now it leaves the
    previous set whole."""
    report.setdefault("code", code_provenance())
    out = make_dir(out)
    files = {"json": out / "report.json", "md": out / "report.md", "html": out / "report.html"}
    texts = {"json": json.dumps(report, ensure_ascii=False, indent=2, default=str) + "\n",
             "md": render_markdown(report), "html": render_html(report)}
    with ExitStack() as stack:  # left in reverse: the last entered is renamed first
        for key, path in files.items():
            _written(stack.enter_context(atomic_open(path)), [texts[key]])
        if rows is not None:
            files["items"] = out / ITEMS_FILE
            _written(stack.enter_context(atomic_open(files["items"])), row_lines(rows, run_id))
    return files


def _written(fh: Any, lines: Any) -> None:
    """Write and sync now, so that no rename of the set happens before every file is on disk."""
    fh.writelines(lines)
    fh.flush()
    os.fsync(fh.fileno())


def replay_reports(store: Any, ids: list[int], replays: list[int]) -> list[dict[str, Any]]:
    """What `log forget` cannot erase of a replay evaluation: the report folders (`eval run --replay --out`, or
    HOME/eval/RUN_ID) of the runs that asked the question of an entry `ids` or wrote one of the rows `replays`
    (Store.replay_runs_asking). Each {"run", "folder" (as the run recorded it, or the home's own HOME/eval/RUN_ID
    where the files are there instead: report_files), "files": those of its report files (REPORT_FILES: their
    failure samples; ITEMS_FILE: every question) that are there now}. Listed, not edited: a folder outside the home
    is the user's (moved, copied, shared), a rewritten report would no longer be what the run measured, and copies
    made of it are out of reach anyway; the user deletes them. A folder found in neither place (moved out of the
    home, deleted, or recorded relative to where the run was started) has no files."""
    return report_files(store.replay_runs_asking(ids, replays), home_eval_dir(store))


def home_eval_dir(store: Any) -> Path | None:
    """HOME/eval of the home whose database `store` opened (None for a database not named as a home's is)."""
    path = Path(str(getattr(store, "path", "")))
    return path.parent / "eval" if path.name == "ragtune.db" else None


def report_files(runs: list[tuple[str, Any]], eval_dir: Path | None = None) -> list[dict[str, Any]]:
    """{"run", "folder", "files"} of each (run id, recorded report folder): the report files there now (see
    replay_reports; also what `docs remove` lists of the replay that quote a removed document). A folder that is
    not a non-empty string is None. `eval_dir` (the home's HOME/eval): a run's folder there is looked at too, as the
    home holds it now: a home moved, or used from a backup, recorded the absolute folder of where it was made, and
    only that one was named (round 54: an erasure's note sent the user to another home's files, not this one's)."""
    out = []
    for run, recorded in runs:
        folder = recorded if isinstance(recorded, str) and recorded else None
        places = [] if folder is None else [Path(folder)]
        # a run id is a folder's name (its database row could hold any text): "../elsewhere" or an absolute path
        # would point outside HOME/eval, at files the user is then told to delete (mend of reviewer readA)
        plain = isinstance(run, str) and run not in ("", ".", "..") and Path(run).name == run
        own = eval_dir / run if eval_dir is not None and plain else None
        if own is not None and not any(_same(own, p) for p in places):
            places.append(own)
        found = {p: [str(p / n) for n in (*REPORT_FILES, ITEMS_FILE) if _is_file(p / n)] for p in places}
        if own in found and found[own] and not (folder and found[Path(folder)]):
            folder = str(own)  # where the run's files are now
        out.append({"run": run, "folder": folder, "files": [f for fs in found.values() for f in fs]})
    return out


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except (OSError, ValueError):
        return a == b


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):  # a folder this user may not search, a recorded name SQLite holds but no OS takes
        return False
