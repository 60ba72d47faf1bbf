"""The query log: one `query_log` row per answered request, human review edits (each one kept), and the export to the
training JSONL format (prompt.training_example) so that reviewed answers can become training data."""

from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator, TextIO

from .errors import InputError, StoreError, located
from .jsonl import json_key_line, loads_located
from .prompt import REFUSAL_TEXT, SYSTEM_PROMPT, system_prompt_sha256, training_example
from .schema import ANSWER_UNCITED, REFUSAL_CITES, TRAINING_ANSWER_CHARS, validate_output
from .store import Store
from .types import Answer, ContextItem, Hit

LIST_COLUMNS = ("id", "ts", "query", "status", "refusal_reason", "valid", "repaired", "cached", "model_id",
                "adapter_id", "total_ms", "reviewed", "replay", "arm", "rollout")

log = logging.getLogger("ragtune.querylog")
log.addHandler(logging.NullHandler())  # apps may configure logging; a failed retention pass is only a warning

# Automatic retention ([retention] query_log_days): a pass at most this often per process and database, each
# removing at most a batch (the oldest first), so an answer never waits on a long delete. A full batch means a
# backlog (retention just turned on): the next answer logged takes the next batch.
RETENTION_EVERY_S = 3600.0
RETENTION_BATCH = 200
SCOPE_IDS_LOGGED = 100  # document ids a scoped answer's log row keeps (and their count)
_retention_due: dict[str, float] = {}  # database path -> when the next pass is due
_retention_lock = threading.Lock()  # serve's engines log from several threads
# The first automatic pass that removes entries of a home under a setting is told, once, to each of these (with the
# database path, the entries removed, those still due and the days): the CLI says it on stderr (retention_note),
# the library prints nothing. An upgrade to the 365-day default must not delete a year of log without a word.
# `meta` RETENTION_TOLD keeps the days told, so that a later pass (another `ask`) is quiet, and a new setting told.
on_retention: list[Callable[[Path, int, int, int], None]] = []
RETENTION_TOLD = "query_log_retention_told"


def output_of(answer: Answer) -> dict[str, Any]:
    """The answer JSON as emitted (ids only)."""
    return {"status": answer.status, "answer": answer.answer, "citations": [c.id for c in answer.citations]}


def typed_question(question: str) -> str:
    """The question as the user typed it, for the log's `query` (`log list`, `log show`): normalize.clean_text
    without its NFKC, so a full-width "？" or a "ﬁ" ligature stays as typed (control characters still cleaned).
    The engine answers the NFKC text, logged as `normalized_query`, which `log export` and `--search` read."""
    import unicodedata

    from .normalize import INVISIBLE

    q = "".join(" " if unicodedata.category(ch)[0] == "C" else ch
                for ch in question.translate(dict.fromkeys(map(ord, INVISIBLE))))
    return " ".join(q.split())


def log_answer(store: Store, answer: Answer, *, query: str, normalized_query: str,
               hits: list[Hit] | None = None, system: str = SYSTEM_PROMPT, keep_days: int = 0,
               scope: dict[str, Any] | None = None, settings: dict[str, Any] | None = None) -> int:
    """Insert one row; returns its id. `keep_days` > 0: then apply that retention (apply_retention). `scope`: the
    retrieval filters the answer was given within (`ask --in`), kept beside the answer mode in `timings`: a refusal
    inside a folder is not a gap of the whole corpus (log_scope). Each context item records the version of the
    document it came from (logged_context) and `timings["provenance"]` the code that answered and `settings`, the
    values that change answers (provenance): what an auditor needs to reproduce the answer, or to tell that a
    document changed since."""
    ctx = logged_context(store, answer.context)
    retrieved = [{"chunk_id": h.chunk_id, "bm25_rank": h.bm25_rank, "bm25_score": h.bm25_score,
                  "vector_rank": h.vector_rank, "vector_score": h.vector_score, "fused": h.fused,
                  "rerank": h.rerank} for h in (hits or [])]
    if not retrieved:
        retrieved = [{"chunk_id": cid} for cid in answer.retrieved]
    t = answer.timings
    log_id = store.add_query_log({
        "query": query, "normalized_query": normalized_query, "model_id": answer.model,
        "adapter_id": answer.adapter, "system_prompt_sha256": system_prompt_sha256(system), "context": ctx,
        "retrieved": retrieved, "output": output_of(answer), "raw_output": answer.raw_output, "valid": answer.valid,
        "repaired": answer.repaired, "refused": answer.status == "refused", "refusal_reason": answer.refusal_reason,
        "timings": {"retrieval_ms": t.retrieval_ms, "ttft_ms": t.ttft_ms, "generation_ms": t.generation_ms,
                    "total_ms": t.total_ms, "answer_mode": answer.mode, "p_refused": answer.p_refused,
                    "answer_min_logprob": answer.answer_min_logprob, "evidence_score": answer.evidence_score,
                    "provenance": provenance(settings),
                    **({"scope": log_scope(scope)} if scope else {}),
                    **({CACHED_FROM: answer.cached_from} if answer.cached and answer.cached_from is not None
                       else {})},
        "tokens_prompt": answer.tokens_prompt, "tokens_completion": answer.tokens_completion, "cost": answer.cost,
        "cached": answer.cached, "client_id": answer.client_id, "arm": answer.arm,
        "rollout": rollout_of(answer),
    })
    if keep_days > 0:
        apply_retention(store, keep_days)
    return log_id


def rollout_of(answer: Answer) -> str | None:
    """The id of the rollout whose arm served `answer` (its `rollout`, set with its `arm` by whoever routed it: the
    serve router, `ask`, the chat app), kept in the row's `rollout` column: `arm` alone does not say which of two
    rollouts of one adapter, or a rollout and the one restarted after its rollback, a row belonged to. None outside
    a rollout (no arm), or when the caller gave no id."""
    rid = getattr(answer, "rollout", None)
    return rid if answer.arm is not None and isinstance(rid, str) and rid else None


def logged_context(store: Store, context: list[ContextItem]) -> list[dict[str, Any]]:
    """The context as the log keeps it: each source's text and chunk sha256, its `span` in the document's extracted
    text (what `ask --json` cites), and the document it was read from with the sha256 of that document's file at
    answer time (`doc_id`, `doc_sha256`, what `docs show` prints): a chunk id alone names no version (a re-ingest
    replaces chunks, and SQLite may give a new chunk a removed one's id). The document is looked up now; where its
    chunk no longer holds the text that was read (re-ingested since), `doc_id`/`doc_sha256` are null rather than
    another version's."""
    rows = store.chunks_by_ids([int(c.chunk_id) for c in context if c.chunk_id is not None])
    docs: dict[str, dict[str, Any] | None] = {}
    out = []
    for c in context:
        item: dict[str, Any] = {"id": c.id, "chunk_id": c.chunk_id, "source": c.source, "text": c.text,
                                "sha256": c.sha256, "span": [c.start_char, c.end_char]}
        row = rows.get(int(c.chunk_id)) if c.chunk_id is not None else None
        doc = None
        if row is not None and row["sha256"] == c.sha256 and row["source"] == c.source:
            if c.source not in docs:
                docs[c.source] = store.document_by_path(c.source)
            doc = docs[c.source]
        ok = doc is not None and doc["id"] == row["doc_id"]  # type: ignore[index]
        item["doc_id"], item["doc_sha256"] = (doc["id"], doc["sha256"]) if ok else (None, None)  # type: ignore[index]
        out.append(item)
    return out


def provenance(settings: dict[str, Any] | None = None) -> dict[str, Any]:
    """The code that answered (the package version and answer_code's digest: the sources of the modules that decide
    an answer, as the answer cache keys them) and, when the caller gives them, the settings that change answers."""
    from .. import __version__
    from .answer_code import answer_code_digest

    out: dict[str, Any] = {"ragtune": __version__, "answer_code": answer_code_digest()}
    if settings is not None:
        out["settings"] = settings
    return out


def log_scope(filters: dict[str, Any]) -> dict[str, Any]:
    """A scope as the log keeps it: the filters, with at most SCOPE_IDS_LOGGED document ids (a folder of thousands
    would make every row of the log that large) and their count."""
    out = {k: v for k, v in filters.items() if k != "doc_ids" and v not in (None, "")}
    if filters.get("doc_ids") is not None:
        ids = sorted({int(d) for d in filters["doc_ids"]})
        out["documents"] = len(ids)
        out["doc_ids"] = ids[:SCOPE_IDS_LOGGED]
    return out


def apply_retention(store: Store, keep_days: int, *, now: float | None = None) -> int:
    """Remove query-log rows older than `keep_days` days, when a pass is due (RETENTION_EVERY_S per process and
    database, sooner while a backlog lasts), RETENTION_BATCH at most; how many went. Never a reviewed row (human
    corrections are training data) nor one a rollout arm served: whether that rollout still runs is the models
    layer's to know (`ragtune log prune` asks it). A database error is logged, not raised: the answer is logged
    already and stands; the pass is tried again when due."""
    now = time.time() if now is None else now
    key = str(store.path)
    with _retention_lock:
        if _retention_due.get(key, 0.0) > now:
            return 0
        _retention_due[key] = now + RETENTION_EVERY_S  # claimed: another thread's answer does not run it too
    try:
        n = store.prune_query_log(before=now - keep_days * 86400.0, keep_arms=True, limit=RETENTION_BATCH,
                                  measure=False)["rows"]
    except StoreError as exc:
        log.warning("query log retention skipped: %s", exc.message)
        return 0
    if n >= RETENTION_BATCH:
        with _retention_lock:
            _retention_due[key] = 0.0
    if n:
        log.info("query log retention removed %d entries older than %d days", n, keep_days)
        if on_retention:
            _tell_retention(store, n, keep_days, now)
    return n


def _tell_retention(store: Store, n: int, keep_days: int, now: float) -> None:
    """on_retention, once per home and setting. A database error leaves it untold (said on a later pass)."""
    try:
        if store.get_meta(RETENTION_TOLD) == str(keep_days):
            return
        more = 0 if n < RETENTION_BATCH else store.prune_query_log(
            before=now - keep_days * 86400.0, keep_arms=True, dry_run=True, measure=False)["rows"]
        store.set_meta(RETENTION_TOLD, str(keep_days))
    except Exception as exc:  # apsw's own errors too: the answer is logged already and stands
        log.warning("query log retention notice skipped: %s", getattr(exc, "message", exc))
        return
    for tell in list(on_retention):
        tell(Path(store.path), n, more, keep_days)


def prune_rule_note(rows: int, arm_rows: int) -> str | None:
    """What `log prune` adds when some of the `rows` it removes (would remove) were served by a rollout arm
    (prune_query_log's "arm_rows"): automatic retention keeps those, so its count of the same age is smaller."""
    if not arm_rows:
        return None
    return (f"{arm_rows} of the {rows} a rollout arm served: automatic retention ([retention] query_log_days) keeps "
            f"those, so by age it removes {rows - arm_rows}; `log prune` removes them too (those of a running "
            f"rollout excepted)")


def retention_note(n: int, more: int, keep_days: int) -> str:
    """What a command says once when retention first removed entries (on_retention's arguments)."""
    rest = f"; {more} more go {RETENTION_BATCH} at a time as answers are logged" if more else ""
    return (f"query log retention removed {n} unreviewed entr{'y' if n == 1 else 'ies'} older than {keep_days} days "
            f"([retention] query_log_days = {keep_days}, 365 by default{rest}). Reviewed entries and "
            "a rollout's are kept; `ragtune config set retention.query_log_days 0` keeps everything")


def get_entry(store: Store, log_id: int) -> dict[str, Any]:
    entry = store.query_log_entry(log_id)
    if entry is None:
        raise InputError(f"no query log entry {log_id}", hint="see `ragtune log list`")
    return entry


# A cached answer's entry names the entry that produced it, in `timings` (no migration: a key in existing JSON).
CACHED_FROM = "cached_from"


def show_entry(store: Store, log_id: int) -> dict[str, Any]:
    """One entry with its review history under "reviews": every review stored, the current one (the entry's
    "review", what the export uses) first, each {"reviewed_at": epoch seconds or None, "review": answer JSON};
    and "cached_from": for an answer served from the answer cache, the id of the entry that produced it (null when
    not cached, or cached before round 45; that entry may have been pruned since)."""
    entry = get_entry(store, log_id)
    entry["reviews"] = store.query_review_history(log_id)
    current = entry.get("review")
    if current is not None and (not entry["reviews"] or entry["reviews"][0]["review"] != current):
        # an older release stored this review in the row only (no history line): the row's is the current one, the
        # one the export uses, so it is shown first, not the history's newest
        entry["reviews"].insert(0, {"reviewed_at": None, "review": current,
                                    "note": "the entry's current review, stored without a history line (an older "
                                            "release)"})
    entry["cached_from"] = cached_from(entry)
    return entry


def cached_from(entry: dict[str, Any]) -> int | None:
    """The id of the entry whose answer a cached entry repeats (log_answer keeps it in `timings`)."""
    timings = entry.get("timings")
    origin = timings.get(CACHED_FROM) if isinstance(timings, dict) and entry.get("cached") else None
    return origin if isinstance(origin, int) and not isinstance(origin, bool) else None


def list_entries(store: Store, *, limit: int = 20, offset: int = 0, search: str | None = None,
                 **filters: Any) -> list[dict[str, Any]]:
    """Newest first, summarised; "replay": the row was written by `eval run --replay` (Store.replay_log_ids), an
    evaluated adapter's answer, not a user's request; "arm" and "rollout": the rollout arm that served it and that
    rollout's id (null outside one). `search`: only questions holding that text; `filters`: status, reason,
    reviewed, since, until, client (store.log_filters.log_where; day_start turns a day into since/until)."""
    out = []
    rows = store.query_log_entries(limit=limit, offset=offset, search=search, **filters)
    own = store.replay_log_ids() if rows else set()
    for d in rows:
        out_json = d["output"] if isinstance(d["output"], dict) else {}
        timings = d["timings"] if isinstance(d["timings"], dict) else {}
        out.append({"id": d["id"], "ts": d["ts"], "query": str(d["query"]), "status": out_json.get("status"),
                    "answer": out_json.get("answer"), "citations": out_json.get("citations"),
                    "refusal_reason": d["refusal_reason"], "valid": d["valid"], "repaired": d["repaired"],
                    "cached": d["cached"], "model_id": d["model_id"], "adapter_id": d["adapter_id"],
                    "total_ms": timings.get("total_ms"), "reviewed": d["review"] is not None,
                    "replay": d["id"] in own, "arm": d["arm"], "rollout": d["rollout"]})
    return out


def day_start(day: str, option: str = "--since") -> float:
    """The epoch seconds at which a UTC day "YYYY-MM-DD" begins (a `log list` filter's `since`; `until` is the
    next day's start for the day included): an entry's time is UTC, as its export's `meta.time`."""
    import calendar

    try:
        return float(calendar.timegm(time.strptime(day.strip(), "%Y-%m-%d")))
    except (ValueError, OverflowError):
        raise InputError(f"{option}: not a day: {day!r}", hint="give a UTC day as YYYY-MM-DD") from None


def set_review(store: Store, log_id: int, answer: Any, *, max_answer_chars: int = 4000,
               origin: tuple[str, str | None] | None = None,
               notes: list[str] | None = None) -> tuple[dict[str, Any], Any]:
    """Store a human edit of one answer, validated against that request's context ids and the answer contract
    (schema.validate_output, the check a training line's output passes: a refusal cites nothing, an answer cites at
    least one source), so that what is stored is what `dataset build --from-log` takes. A refusal's answer is
    always prompt.REFUSAL_TEXT (what serving emits and training teaches): another text is stored as that, said in
    `notes`. A review that differs from the logged output removes the answer-cache entries holding that output
    (Store.set_query_review), said in `notes` when there were any. Returns (the saved review, the review it
    replaced or None): a second review becomes the current one (used on export), the earlier ones stay in the
    entry's history (show_entry). `origin`: (file, its text) when the answer came from a file, so that an error
    names the file and the line of the offending key. Nothing is written on an error, nor for a forgotten entry
    (`log forget`: an InputError that says so)."""
    entry = get_entry(store, log_id)
    if entry.get("forgotten") is not None:  # its context is erased: nothing to check a review against, or train on
        raise _forgotten(log_id)
    if isinstance(answer, str):
        answer = loads_located(answer, "review answer", record=True)  # a person's: its words, never Python's
    ctx = entry["context"] if isinstance(entry["context"], list) else []
    ids = [c.get("id") for c in ctx if isinstance(c, dict)]
    # no longer than a training line holds (what `dataset build --from-log` reads), whatever serving allows
    errs = validate_output(answer, ids, min(max_answer_chars, TRAINING_ANSWER_CHARS))
    if errs:
        where = "" if origin is None else located(origin[0], json_key_line(origin[1], _key_of(errs[0], answer))) + ": "
        raise InputError(f"{where}review answer for entry {log_id} is not valid: {'; '.join(errs)}",
                         hint=_review_hint(errs, ids))
    if answer["status"] == "refused" and answer["answer"] != REFUSAL_TEXT:
        # a refusal's wording is not the reviewer's to choose: a training line teaches the one text serving emits
        if notes is not None:
            notes.append(f"a refusal's answer is always the refusal text: stored {json.dumps(REFUSAL_TEXT)} "
                         f"instead of {json.dumps(answer['answer'], ensure_ascii=False)}")
        answer = {**answer, "answer": REFUSAL_TEXT}
    if answer["status"] == "ok" and notes is not None:
        _note_unsupported(log_id, answer, ctx, notes)
    if notes is not None and (gone := store.removed_sources(ctx)):
        # stored all the same (the document may come back), but said now: the export leaves the entry out
        notes.append(f"{gone} of the entry's sources quote a document removed from the index since it was logged: "
                     "`log export` leaves the entry out (--include-removed-sources exports it, the removed text "
                     "with it)")
    previous = entry["review"]
    stored = store.set_query_review(log_id, answer)  # a correction evicts the cached answer it corrects
    if stored is None:  # forgotten or pruned since it was read
        if store.forgotten_ids([log_id]):
            raise _forgotten(log_id)
        raise InputError(f"no query log entry {log_id}", hint="see `ragtune log list`")
    if stored["cache"] and notes is not None:
        notes.append(f"removed {stored['cache']} cached answer(s) holding the answer this review corrects: the "
                     "question is answered afresh next time")
    return answer, previous


def _note_unsupported(log_id: int, answer: dict[str, Any], ctx: list[Any], notes: list[str]) -> None:
    """A note when a review's answer is not in the sources it cites (the grader's lexical check,
    eval.metrics.support_score): a slip (another entry's answer, a wrong number) is kept, not refused (a paraphrase
    is a person's call), but said now rather than found in the dataset's report later."""
    from .eval.metrics import SUPPORT_THRESHOLD, support_score

    cited = [str(c.get("text", "")) for c in ctx if isinstance(c, dict) and c.get("id") in answer["citations"]]
    score = support_score(answer["answer"], cited)
    if score < SUPPORT_THRESHOLD:
        notes.append(f"the answer is not in the source(s) it cites ({', '.join(map(str, answer['citations']))}): "
                     f"{score:.0%} of its words are there; stored as given, and a training line will teach it "
                     f"(is it the right entry, and the right source? `ragtune log show {log_id}`)")


def _forgotten(log_id: int) -> InputError:
    return InputError(f"entry {log_id} was forgotten (`ragtune log forget`): it cannot be reviewed",
                      hint=f"`ragtune log show {log_id}` shows what is left of it: its numbers")


REVIEW_SHAPE = '{"status": "ok"|"refused", "answer": str, "citations": [ids]}'


def _review_hint(errors: list[str], ids: list[Any]) -> str:
    """The hint for set_review's errors: the logged context ids for a citation that is not among them, and for an
    answer that cites none (or else a refusal), the answer's shape for anything else (a bad status, not an object,
    an empty answer, a refusal that cites); each that applies."""
    unknown = [e for e in errors if e.startswith("citations not in the context")]
    uncited = ANSWER_UNCITED in errors
    hints = [f"a review answer is {REVIEW_SHAPE}"] if len(unknown) + uncited < len(errors) else []
    shown = ', '.join(map(str, ids)) or '(none)'
    if unknown:
        hints.append(f"citations must be among the logged context ids: {shown}")
    if uncited:  # what the dataset builder refuses: an answer no source backs
        hints.append(f"cite the logged context ids that hold the answer ({shown}), or make it a refusal: "
                     '{"status": "refused", "answer": "…", "citations": []}')
    return "; ".join(hints)


def _key_of(error: str, answer: Any) -> str:
    """The answer key a validate_output message is about (for the line of a file to name)."""
    if error.startswith("unexpected keys") and isinstance(answer, dict):
        return next((k for k in answer if k not in ("status", "answer", "citations")), "")
    if error in (REFUSAL_CITES, ANSWER_UNCITED):
        return "citations"
    return next((key for key in ("citations", "status", "answer") if key in error), "")


def _usable_answer(obj: Any) -> bool:
    """An output or review that training_example can render (rows written by older versions, or edited by
    hand, may lack keys)."""
    return isinstance(obj, dict) and obj.get("status") in ("ok", "refused") and isinstance(obj.get("answer"), str) \
        and isinstance(obj.get("citations", []), list)


def log_time(ts: Any) -> str | None:
    """An entry's time as a training line's `meta.time`: ISO 8601 in UTC to the second ("2026-01-31T09:05:00Z"),
    what the dataset builder's temporal holdout sorts as text (curate._date_of, dataset.DATE_KEYS); None when the
    row has no readable time."""
    if isinstance(ts, bool) or not isinstance(ts, (int, float)):
        return None
    try:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))
    except (OverflowError, OSError, ValueError):
        return None


def iter_training_examples(store: Store, *, reviewed_only: bool = False, skipped: list[int] | None = None,
                           include_replays: bool = False, replays: list[int] | None = None,
                           include_removed: bool = False,
                           removed: list[int] | None = None, **filters: Any) -> Iterator[dict[str, Any]]:
    """Training JSONL lines (oldest first): the logged context and question, with the human review
    replacing the model's output when there is one, and the entry's time (`meta.time`, log_time: a dataset built
    from it holds the newest lines out). A damaged row (its context, or the answer it would export, not
    what log_answer / set_review write) is left out, its id appended to `skipped`: never exported as garbage, and
    a damaged review never falls back to the model output it was meant to correct. The rows `eval run --replay`
    wrote (Store.replay_log_ids: an evaluated adapter's answers to the log's own questions, no user's request) are
    left out unless `include_replays`, their ids appended to `replays`. So are the rows that quote a document removed
    from the index since they were logged (`docs remove`, `ingest --prune`; Store.iter_query_log's
    `removed_sources`), unless `include_removed`, their ids appended to `removed`: an erased document's text must
    not come back as training data because no one ran the `log forget` that `docs remove` names. `filters`: the
    `log list` filters (store.log_filters.log_where), e.g. one client's entries or a date range."""
    own = set() if include_replays else store.replay_log_ids()
    for d in store.iter_query_log(reviewed_only=reviewed_only, removed_sources=not include_removed, **filters):
        if d["id"] in own:
            if replays is not None:
                replays.append(d["id"])
            continue
        if d.get("removed_sources"):
            if removed is not None:
                removed.append(d["id"])
            continue
        out = d["output"] if d["review"] is None else d["review"]
        question = d["normalized_query"] or d["query"]
        if not isinstance(d["context"], list) or not _usable_answer(out) or not isinstance(question, str) \
                or not all(isinstance(c, dict) and isinstance(c.get("id"), str) for c in d["context"]):
            if skipped is not None:
                skipped.append(d["id"])
            continue
        ctx = [ContextItem(id=c["id"], text=str(c.get("text", "")), chunk_id=c.get("chunk_id")) for c in d["context"]]
        yield training_example(
            SYSTEM_PROMPT, ctx, question, out,
            log_id=d["id"], reviewed=d["review"] is not None, model=d["model_id"], adapter=d["adapter_id"],
            system_prompt_sha256=d["system_prompt_sha256"],
            system_prompt_current=d["system_prompt_sha256"] == system_prompt_sha256(SYSTEM_PROMPT),
            **({"time": when} if (when := log_time(d["ts"])) else {}),
        )


def export_train_jsonl(store: Store, out: TextIO, *, reviewed_only: bool = False,
                       skipped: list[int] | None = None, include_replays: bool = False,
                       replays: list[int] | None = None, include_removed: bool = False,
                       removed: list[int] | None = None, written: list[int] | None = None,
                       **filters: Any) -> int:
    """Write the training JSONL lines, one row at a time (memory does not grow with the log); how many. Ids of
    damaged rows left out go to `skipped`, those of replay-eval rows left out (unless `include_replays`) to
    `replays`, those quoting a removed document (unless `include_removed`) to `removed`, and each written line's
    log id to `written`, once its line is written (`log export`: one forgotten after that was not left out)."""
    n = 0
    for ex in iter_training_examples(store, reviewed_only=reviewed_only, skipped=skipped,
                                     include_replays=include_replays, replays=replays,
                                     include_removed=include_removed, removed=removed, **filters):
        out.write(json.dumps(ex, ensure_ascii=False) + "\n")
        n += 1
        if written is not None:
            written.append(ex["meta"]["log_id"])
    return n
