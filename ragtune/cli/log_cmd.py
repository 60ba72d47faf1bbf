"""The `ragtune log` group: list, show, review, export, prune, forget (moved out of ask_cmd.py in round 50). `list`
and `export` take the query-log filters (status, reason, reviewed, days, client: store/log_filters.py)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click

from ..appliance.errors import InputError
# escaped for a log entry (one line)
from ..appliance.text import escaped, human_size
from .common import cli, pass_app, print_json, shown_path, utf8_stdout
from .log_ids import no_entry, row_ids, said_id


@cli.group("log")
def log_group() -> None:
    """Inspect, review, export, prune and forget entries of the query log."""


def _store(app):
    from ..appliance.store import open_store

    return open_store(app.existing_home().home)


# A log id or offset SQLite can hold (1..2**63 - 1, store.MAX_ROW_ID): another number is a usage error, not a crash.
_LOG_ID = click.IntRange(1, 2**63 - 1)


def _filter_options(f: Any) -> Any:
    """`log list` and `log export`: the query-log filters (store.log_filters.log_where). A year of log is too long to
    page through for last week's unreviewed refusals (round 50)."""
    for opt in reversed((
        click.option("--status", type=click.Choice(["ok", "refused"]), default=None,
                     help="Only answers (ok) or only refusals (refused)."),
        click.option("--reason", default=None, metavar="R",
                     help="Only refusals for reason R (no_evidence, off_topic…: the code `log list` shows)."),
        click.option("--reviewed/--unreviewed", "reviewed", default=None,
                     help="Only entries with (or without) a current human review."),
        click.option("--since", default=None, metavar="DAY", help="Only entries from DAY on (UTC, YYYY-MM-DD)."),
        click.option("--until", default=None, metavar="DAY",
                     help="Only entries up to DAY, DAY included (UTC, YYYY-MM-DD)."),
        click.option("--client", default=None, metavar="ID|TOKEN-NAME",
                     help="Only one client's entries: a client id as `log show` gives it, or a serve token's name "
                          "for all its users."),
    )):
        f = opt(f)
    return f


def _said(status: str | None, reason: str | None, reviewed: bool | None, since: str | None, until: str | None,
          client: str | None) -> str:
    """The filters given, as options (`--status refused --since 2026-03-01`): what an export's summary names."""
    given = [("--status", status), ("--reason", reason), ("--since", since), ("--until", until), ("--client", client)]
    said = [f"{k} {escaped(v.strip())}" for k, v in given if v is not None]
    if reviewed is not None:
        said.insert(2, "--reviewed" if reviewed else "--unreviewed")
    return " ".join(said)


def _filters(status: str | None, reason: str | None, reviewed: bool | None, since: str | None, until: str | None,
             client: str | None) -> dict[str, Any]:
    """The filter options as `querylog.list_entries`/`export_train_jsonl` take them; bad input is a usage error
    naming the option (exit 2)."""
    from ..appliance.normalize import ARG_HINT, check_unicode
    from ..appliance.querylog import day_start

    out: dict[str, Any] = {}
    if status is not None:
        out["status"] = status
    if reason is not None:
        from ..tui.data import REFUSAL_REASONS  # the codes the answer pipeline gives (rich, not Textual)

        if reason.strip() not in REFUSAL_REASONS:
            raise InputError(f"--reason {reason!r}: not a refusal reason",
                             hint="one of: " + ", ".join(sorted(REFUSAL_REASONS)))
        if status == "ok":  # an answer has no refusal reason: nothing could match
            raise InputError("--reason selects refusals: leave out --status ok")
        out["reason"] = reason.strip()
    if reviewed is not None:
        out["reviewed"] = reviewed
    if since is not None:
        out["since"] = day_start(since, "--since")
    if until is not None:
        out["until"] = day_start(until, "--until") + 86400.0  # the day named is included
    if since is not None and until is not None and out["since"] >= out["until"]:
        raise InputError(f"--since {since.strip()} is after --until {until.strip()}: no entry can match")
    if client is not None:
        if not client.strip():
            raise InputError("--client: give a client id or a token's name")
        out["client"] = check_unicode(client.strip(), "--client", hint=ARG_HINT)
    return out


@log_group.command("list")
@click.option("--limit", type=click.IntRange(1, 10000), default=20, show_default=True, help="Rows to show.")
@click.option("--offset", type=click.IntRange(0, 2**63 - 1), default=0, help="Skip this many newest rows.")
@click.option("--search", default=None, metavar="TEXT",
              help="Only questions holding TEXT (case folded for ASCII), e.g. a person's e-mail address to forget.")
@_filter_options
@click.option("--ids", "ids_only", is_flag=True, help="Print only the ids, on one line (for `ragtune log forget`).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_app
def log_list(app, limit: int, offset: int, search: str | None, status: str | None, reason: str | None,
             reviewed: bool | None, since: str | None, until: str | None, client: str | None, ids_only: bool,
             as_json: bool) -> None:
    """List answered requests, newest first. An entry `eval run --replay` wrote (an evaluated adapter's answer to a
    logged question, not a user's request) is shown as "(replay)"; `log export` leaves those out.
    `--search TEXT --ids --limit 10000` gives the ids of every entry that asked with TEXT: `ragtune log forget`
    takes them. With a filter (or --search), "N entries match" is said on stderr (with --json: "matched")."""
    import unicodedata

    from ..appliance.normalize import ARG_HINT, check_unicode
    from ..appliance.querylog import list_entries

    if search is not None:
        if not search.strip():
            raise InputError("--search: give the text to look for")
        # a question is logged in NFKC (normalize.clean_text: "？" is stored "?"): the text typed as the user typed it
        # meets it
        search = unicodedata.normalize("NFKC", check_unicode(search, "--search", hint=ARG_HINT))
    if ids_only and as_json:
        raise click.UsageError("--ids and --json are two outputs: choose one")
    filters = _filters(status, reason, reviewed, since, until, client)
    with _store(app) as store:
        rows = list_entries(store, limit=limit, offset=offset, search=search, **filters)
        gone = store.forgotten_ids([r["id"] for r in rows])
        matched = store.count_query_log(search=search, **filters) if filters or search is not None or as_json \
            else None
    for r in rows:
        r["forgotten"] = r["id"] in gone  # `log forget`: kept for its numbers, its text erased
    if as_json:
        print_json({"entries": rows, "matched": matched})
        return
    if ids_only:
        if rows:
            click.echo(" ".join(str(r["id"]) for r in rows))
        if len(rows) == limit:  # more may match: never a silently partial erasure list
            click.echo(f"note: {limit} shown, the --limit: more entries may match (raise --limit, or --offset)",
                       err=True)
        return
    if not rows and not filters:  # with a filter, "0 entries match" says it
        click.echo("(no entry holds that text)" if search is not None else "(the query log is empty)", err=True)
    for r in rows:
        # letters, not symbols (a screen reader says "lower right pencil"): R repaired, C cached, V reviewed
        flags = "".join(f for f, on in (("R", r["repaired"]), ("C", r["cached"]), ("V", r["reviewed"])) if on)
        reason_ = f" ({r['refusal_reason']})" if r["refusal_reason"] else ""
        ms = f"{r['total_ms']:.0f}ms" if isinstance(r["total_ms"], (int, float)) else "-"
        # escaped: a logged question may hold a newline or an escape sequence; one entry stays one line
        # marked, not hidden: the list is the log as stored (show, review, forget and prune reach every id)
        what = "(forgotten)" if r["forgotten"] else ("(replay) " if r["replay"] else "") + escaped(r["query"][:70])
        click.echo(f"{r['id']:>6}  {escaped(r['status'] or '?'):8}{escaped(reason_):16} {ms:>8} {flags:3} {what}")
    if matched is not None:  # after the rows: what a filter found, the rows shown being one page of it
        shown = f" ({len(rows)} shown from offset {offset})" if matched > len(rows) else ""
        click.echo(f"{matched} entr{'y matches' if matched == 1 else 'ies match'}{shown}", err=True)


@log_group.command("show")
@click.argument("log_id", type=_LOG_ID)
@click.option("--json", "as_json", is_flag=True, help="Print only the JSON object (no review summary on stderr).")
@pass_app
def log_show(app, log_id: int, as_json: bool) -> None:
    """Print one query log entry as JSON, with its review history ("reviews", the current review first)."""
    import time

    from ..appliance.querylog import show_entry

    typed, (log_id,) = log_id, row_ids(app, (log_id,))
    with _store(app) as store:
        try:
            entry = show_entry(store, log_id)
        except InputError as exc:
            raise no_entry(typed, log_id, exc) from None
    print_json(entry)
    if entry.get("forgotten") is not None and not as_json:  # `log forget`: only its numbers are left
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(entry["forgotten"]))
        click.echo(f"entry {log_id} was forgotten ({when}): its question, sources, answer, reviews and who asked "
                   "are erased", err=True)
    if as_json or not entry["reviews"]:
        return
    # a forgotten entry has no current review: its history keeps each one's status, citations and time
    order = "newest first, their text erased" if entry.get("forgotten") is not None else "the current one first"
    click.echo(f"{len(entry['reviews'])} review(s), {order}:", err=True)
    for r in entry["reviews"]:
        ts = r["reviewed_at"]
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts)) if isinstance(ts, (int, float)) else \
            "(time unknown)"  # stored before the history was kept
        review = r["review"] if isinstance(r["review"], str) else json.dumps(r["review"], ensure_ascii=False)
        click.echo(f"  {when}  {escaped(review)}", err=True)


@log_group.command("review")
@click.argument("log_id", type=_LOG_ID)
@click.option("--answer-json", required=True, metavar="JSON|@FILE",
              help='The corrected answer, e.g. \'{"status": "ok", "answer": "…", "citations": ["S1"]}\' or '
                   "@file.json. An answer cites at least one source, a refusal none; a refusal's answer is stored as the fixed "
                   "refusal text.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_app
def log_review(app, log_id: int, answer_json: str, as_json: bool) -> None:
    """Store a human correction of entry LOG_ID; it replaces the model output on export (earlier reviews are kept).
    It is held to the check `dataset build --from-log` makes of a training line's output."""
    from ..appliance.jsonl import MAY_HOLD_SURROGATE, check_file_unicode, check_json_unicode, read_json_object_text
    from ..appliance.normalize import ARG_HINT, check_unicode
    from ..appliance.querylog import set_review

    typed, (log_id,) = log_id, row_ids(app, (log_id,))
    origin = None
    answer: Any = check_unicode(answer_json, "--answer-json", hint=ARG_HINT)  # a review is stored and printed
    if answer_json.startswith("@"):
        if not answer_json[1:].strip():
            raise InputError("--answer-json @: give the file name after the @ (e.g. @review.json)")
        # the project's JSON reader names the file and the line where it breaks; validation errors name the key's line
        answer, text = read_json_object_text(Path(answer_json[1:]))
        check_file_unicode(answer, text, answer_json[1:])
        origin = (answer_json[1:], text)
    elif MAY_HOLD_SURROGATE.search(answer_json):
        try:  # a "\udce9" escape: refused here (set_review names syntax errors)
            check_json_unicode(json.loads(answer_json), "--answer-json")
        except (ValueError, RecursionError):
            pass
    notes: list[str] = []
    with _store(app) as store:  # a forgotten entry is refused there, with a message that says so
        try:
            saved, previous = set_review(store, log_id, answer,
                                         max_answer_chars=app.settings.generate.max_answer_chars, origin=origin,
                                         notes=notes)
        except InputError as exc:
            raise no_entry(typed, log_id, exc) from None
    # what was stored is not what was given, a cached answer removed: said, --json too ("review" is what was stored)
    for note in notes:
        click.echo(f"note: {escaped(note)}", err=True)
    if as_json:
        print_json({"id": log_id, "review": saved, "replaced": previous})
        return
    if previous is not None:  # the current review changes: say from what (the earlier one stays in the history)
        click.echo(f"entry {log_id} reviewed; it replaced the earlier review (kept in its history: `ragtune log show "
                   f"{log_id}`): {escaped(json.dumps(previous, ensure_ascii=False))}", err=True)
    else:
        click.echo(f"entry {log_id} reviewed", err=True)


@log_group.command("export")
@click.option("--format", "fmt", type=click.Choice(["train-jsonl"]), default="train-jsonl", show_default=True,
              help="Output format (the training JSONL format, context included).")
@click.option("--out", "out", type=click.Path(dir_okay=False), default=None,
              help="Write here, atomically (default: stdout). An existing file is refused unless --force.")
@click.option("--force", is_flag=True, help="Replace --out if it exists.")
@click.option("--reviewed-only", is_flag=True, help="Only entries with a human review.")
@click.option("--include-replays", is_flag=True,
              help="Also the entries `eval run --replay` wrote (an evaluated adapter's answers, not users' requests).")
@click.option("--include-removed-sources", "include_removed", is_flag=True,
              help="Also the entries that quote a document removed from the index since (`docs remove`, `ingest "
                   "--prune`): its text would be in the export.")
@_filter_options
@pass_app
def log_export(app, fmt: str, out: str | None, force: bool, reviewed_only: bool, include_replays: bool,
               include_removed: bool, status: str | None, reason: str | None, reviewed: bool | None,
               since: str | None, until: str | None, client: str | None) -> None:
    """Export the query log as training JSONL for human review / fine-tuning. Each line's meta.time is the entry's
    time (UTC), so `dataset build --from-log` holds the newest lines out. Entries written by `eval run --replay`
    are left out unless --include-replays, and entries quoting a document removed since unless
    --include-removed-sources. The filters select as in `log list` (--client: one scope's clients only). Rows are
    read and written one at a time (memory does not grow with the log)."""
    from ..appliance.atomic import atomic_open, is_special, make_dir
    from ..appliance.home import PRIVATE_FILE_MODE
    from ..appliance.querylog import export_train_jsonl

    if out is not None and not out.strip():
        raise InputError("--out: give a file name (or leave --out out to write to stdout)")
    if reviewed_only and reviewed is False:
        raise click.UsageError("--reviewed-only and --unreviewed select nothing together: choose one")
    filters = _filters(status, reason, reviewed, since, until, client)
    # e.g. a dataset's train split: never replaced unasked (a device or pipe, /dev/null, is written as it is)
    if out is not None and not force and os.path.lexists(out) and not is_special(out):
        raise InputError(f"{shown_path(out)}: already exists",
                         hint="choose another --out, or pass --force to replace it")
    skipped: list[int] = []
    replays: list[int] = []
    removed: list[int] = []
    written: list[int] = []  # the ids exported: one forgotten after its line was written is not "left out"
    opts = {"reviewed_only": reviewed_only, "skipped": skipped, "include_replays": include_replays, "replays": replays,
            "include_removed": include_removed, "removed": removed, "written": written, **filters}

    with _store(app) as store:
        if out is None:
            with utf8_stdout() as fh:
                n = export_train_jsonl(store, fh, **opts)
        else:
            make_dir(Path(out).parent)  # a file in the way is an input error, not an OSError
            # never leave a half-written export behind; a new file (or one replacing a link) owner-only: users'
            # questions; a replaced file keeps its mode (atomic.replace_into)
            with atomic_open(Path(out), new_perms=PRIVATE_FILE_MODE) as fh:
                n = export_train_jsonl(store, fh, **opts)
        # counted when done, not when started: an entry forgotten during the export and not reached was left out
        # too; one forgotten after its line was written (or it was left out for another reason) was not
        forgotten = store.count_forgotten(reviewed_only=reviewed_only and not filters)
        if not filters:
            forgotten -= len(store.forgotten_ids(written + replays + removed + skipped))
    chosen = f" selected by {_said(status, reason, reviewed, since, until, client)}" if filters else ""
    click.echo(f"exported {n} example(s){chosen}{' to ' + shown_path(out) if out else ''}", err=True)
    if forgotten and not filters:  # not damaged, not missing: erased on a user's request, and never training data
        click.echo(f"left out {forgotten} forgotten entr{'y' if forgotten == 1 else 'ies'} (`ragtune log forget`)",
                   err=True)
    elif forgotten:  # a forgotten entry's client is erased: which of them the filters would have chosen is not known
        click.echo(f"note: forgotten entries are never exported ({forgotten} in the whole log: `ragtune log forget`)",
                   err=True)
    if replays:  # an evaluated adapter's answers to logged questions: no user asked them
        click.echo(f"left out {len(replays)} entr{'y' if len(replays) == 1 else 'ies'} written by `eval run "
                   "--replay` (--include-replays exports them)", err=True)
    if removed:  # an erased document's text is not made training data unasked; the rows still hold it
        ids = " ".join(map(str, removed[:20])) + (f" … ({len(removed)} in all)" if len(removed) > 20 else "")
        click.echo(f"left out {len(removed)} entr{'y' if len(removed) == 1 else 'ies'} quoting a document removed "
                   "from the index since (`docs remove`, `ingest --prune`; --include-removed-sources exports them); "
                   f"{'they still hold' if len(removed) > 1 else 'it still holds'} its text: `ragtune log forget {ids}` "
                   "erases it", err=True)
    if skipped:  # never dropped unseen: name the rows to look at (`ragtune log show ID`)
        ids = ", ".join(map(str, skipped[:20])) + (f" … ({len(skipped)} in all)" if len(skipped) > 20 else "")
        click.echo(f"warning: left out {len(skipped)} damaged row(s) (context or answer not as logged): {ids}",
                   err=True)



@log_group.command("forget")
@click.argument("log_ids", nargs=-1, required=True, type=_LOG_ID, metavar="ID [ID...]")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_app
def log_forget(app, log_ids: tuple[int, ...], as_json: bool) -> None:
    """Erase what entries ID hold of a user (a user asked for their question to be deleted).

    The question, the sources' text, the answer, the raw model output, the text of every review and who asked (the
    client id) are blanked in the database file; the id, the time and the numbers (flags, timings, tokens) stay, so
    counts and metrics do not change. The entry is marked forgotten: `log list` and `log show` say so, `log export`
    and `eval run --replay` leave it out, `log review` refuses it, and retention removes it as an unreviewed entry.
    Cached answers to it are removed too. An id with no entry changes nothing (exit 2). Files made before (a `log
    export`, a dataset built from one, an adapter trained on it, the report of an `eval run --replay` that asked
    it, which is listed) are not reached: delete them by hand."""
    from ..appliance.eval.report import replay_reports

    typed, log_ids = log_ids, row_ids(app, log_ids)  # the home and its key read once, not once per id
    said = dict(zip(log_ids, typed))
    with _store(app) as store:
        out = store.forget_query_log(list(log_ids))
        if not out["unknown"]:  # replay reports asking these questions: files, the user's to delete (--json too)
            out["replay_reports"] = replay_reports(store, list(log_ids), out["replays"])
    if out["unknown"]:
        unknown = out["unknown"]
        ids = ", ".join(said_id(said.get(n, n), n) for n in unknown[:20]) + (" …" if len(unknown) > 20 else "")
        one = len(unknown) == 1
        raise InputError(f"no query log entr{'y' if one else 'ies'} {'for ' if one and ids[0] == 's' else ''}{ids}: "
                         "nothing was forgotten", hint="see `ragtune log list`")
    if out["forgotten"]:  # said with --json too: what it cannot erase is the operator's to delete
        click.echo("note: this erased the entries in the database only; a `ragtune log export` file or a dataset "
                   "built from one (`dataset build --from-log`: its train.jsonl and holdout.jsonl) made before still "
                   "holds their text: delete or rebuild those files by hand (docs/security.md)", err=True)
    if out["replay_reports"]:
        _say_replay_reports(out["replay_reports"])
    if as_json:
        print_json(out)
        return
    n = len(out["forgotten"])
    click.echo(f"forgot {n} entr{'y' if n == 1 else 'ies'}"
               + (f" ({', '.join(map(str, out['forgotten']))})" if n else "")
               + f", {out['reviews']} review(s) and {out['cache']} cached answer(s)"
               # the replay-eval rows that asked a forgotten question again held its text too (--json: `replays`)
               + (f", and {len(replays)} replay-eval row(s) ({', '.join(map(str, replays))})"
                  if (replays := out.get("replays")) else ""))
    if out["already"]:
        click.echo(f"already forgotten: {', '.join(map(str, out['already']))}", err=True)
    if out.get("checkpointed") is False:  # another connection (a running serve) holds the write-ahead log
        click.echo("note: another ragtune process has the database open, so the erased text stays in "
                   f"{shown_path(str(app.home.db_path) + '-wal')} until it is checkpointed (when that process stops, or "
                   "run `ragtune log forget` again later)", err=True)


def _say_replay_reports(reports: list[dict[str, Any]]) -> None:
    """The report files of `eval run --replay` runs that asked a forgotten question (eval.report.replay_reports)."""
    click.echo("note: replay evaluations asked these questions too; their reports are files that `log forget` does "
               "not edit (report.json, .md and .html sample failed questions, items.jsonl holds every one): delete "
               "them by hand:", err=True)
    for r in reports:
        where = [shown_path(f) for f in r["files"]] if r["files"] else [
            f"{shown_path(r['folder'])} (not found here: moved or deleted, or relative to where the run started)"
            if r["folder"] else "(no report folder recorded)"]
        for w in where:
            click.echo(f"  {w}  (run {escaped(r['run'])})", err=True)


@log_group.command("prune")
@click.option("--older-than", "days", type=click.IntRange(0, 100000), default=None, metavar="DAYS",
              help="Remove entries written more than DAYS days ago.")
@click.option("--keep", type=click.IntRange(1, 2**63 - 1), default=None, metavar="N",
              help="Keep the newest N entries. With --older-than, an entry goes only when both allow it.")
@click.option("--include-reviewed", is_flag=True,
              help="Also remove reviewed entries (human corrections: `log export` turns them into training data).")
@click.option("--dry-run", is_flag=True, help="Only say what would be removed.")
@click.option("--vacuum", is_flag=True,
              help="Then rewrite ragtune.db so that the file shrinks. It needs free disk about the size of the "
                   "database and makes other writers (serve, ask, ingest) wait meanwhile.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_app
def log_prune(app, days: int | None, keep: int | None, include_reviewed: bool, dry_run: bool, vacuum: bool,
              as_json: bool) -> None:
    """Remove old query log entries (and their review history) by age and/or count.

    Reviewed entries are kept unless --include-reviewed; entries newer than a running rollout's start are always
    kept (its live comparison reads them); the newest entry is always kept. SQLite reuses the freed space for new
    entries: the file keeps its size unless --vacuum. [retention] query_log_days (365 by default; 0 keeps all)
    prunes unreviewed entries by age automatically."""
    import time

    from ..models.rollout import RolloutState

    if days is None and keep is None:
        raise click.UsageError("give --older-than DAYS, --keep N or both (nothing is removed by default)")
    if dry_run and vacuum:
        raise click.UsageError("--dry-run changes nothing: leave out --vacuum (or --dry-run)")
    settings = app.existing_home()
    now = time.time()
    before = None if days is None else now - days * 86400.0
    rollout = RolloutState(settings.home).current()  # a damaged rollout.json is an error: nothing is removed
    if rollout is not None:
        before = rollout.started if before is None else min(before, rollout.started)
    with _store(app) as store:
        removed = store.prune_query_log(before=before, keep=keep, keep_reviewed=not include_reviewed,
                                        dry_run=dry_run)
        size = store.database_bytes()
        if vacuum:
            store.vacuum()
        after = store.database_bytes() if vacuum else size
    out = {"dry_run": dry_run, "removed": {k: removed[k] for k in ("rows", "reviews", "bytes")},
           "arm_rows": removed.get("arm_rows", 0),
           "kept_reviewed": removed["kept_reviewed"], "rollout_since": rollout.started if rollout else None,
           "database": {"file_bytes": after["file"], "free_bytes": after["free"], "vacuumed": vacuum}}
    if as_json:
        print_json(out)
        return
    verb = "would remove" if dry_run else "removed"
    click.echo(f"{verb} {removed['rows']} entr{'y' if removed['rows'] == 1 else 'ies'} "
               f"({human_size(removed['bytes'])} of logged text) and {removed['reviews']} review(s)")
    from ..appliance.querylog import prune_rule_note

    rule = prune_rule_note(removed["rows"], removed.get("arm_rows", 0))
    if rule:  # automatic retention keeps a rollout's rows: its count of the same age is smaller (said, not hidden)
        click.echo(rule)
    if removed["kept_reviewed"]:
        click.echo(f"kept {removed['kept_reviewed']} reviewed entr{'y' if removed['kept_reviewed'] == 1 else 'ies'} "
                   f"(training data; --include-reviewed removes them too)")
    if rollout is not None:
        started = time.strftime("%Y-%m-%d %H:%M", time.localtime(rollout.started))
        click.echo(f"kept every entry since rollout {escaped(rollout.id)} started ({started}): it is running")
    if dry_run:
        return
    if vacuum:
        click.echo(f"ragtune.db: {human_size(size['file'])} -> {human_size(after['file'])}")
    elif removed["rows"]:
        click.echo(f"ragtune.db keeps its size ({human_size(size['file'])}): SQLite reuses the "
                   f"{human_size(size['free'])} now free for new entries (--vacuum shrinks the file)")
