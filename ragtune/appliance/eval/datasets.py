"""Evaluation datasets: BEIR folders, training-format JSONL, the query-log replay, the shipped safety set, the
seeded stratified sample and the fixed dev/test halves. Every line is validated; errors name file:line."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..atomic import is_special
from ..errors import InputError, located
from ..store import Store, json_dumps
from .metrics import normalize_answer

SAFETY_FILE = Path(__file__).with_name("safety.jsonl")
SAFETY_DOCS = Path(__file__).with_name("safety_docs")


@dataclass
class Dataset:
    kind: str  # "beir" | "jsonl" | "replay"
    path: str
    identity: str  # sha256 of the content that defines the questions and their gold
    items: list[dict[str, Any]]
    corpus: Path | None = None  # BEIR corpus to ingest into the scratch home
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {"kind": self.kind, "path": self.path, "identity": self.identity, "n_items": len(self.items),
                "n_answerable": sum(i.get("answerable") is True for i in self.items),
                "n_unanswerable": sum(i.get("answerable") is False for i in self.items),
                "n_unlabeled": sum(i.get("answerable") is None for i in self.items)}


# -- dataset loading ----------------------------------------------------------------------------------------------
def _sha_files(paths: list[Path], *, named: bool = True) -> str:
    """sha256 of the files' names and bytes; named=False: of the bytes alone (one file: its own sha256)."""
    h = hashlib.sha256()
    for p in paths:
        if named:
            h.update(p.name.encode())
        with p.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()


def _jsonl(path: Path) -> list[tuple[int, Any]]:
    """(line number, parsed object) for each non-blank line; errors name file, line and column (the project's
    one JSONL reader: a non-UTF-8 byte is reported on its own line, a cut-short line as truncated)."""
    from ..jsonl import iter_jsonl

    return [(n, obj) for _where, n, obj in iter_jsonl(path)]


def load_beir(folder: Path) -> Dataset:
    """A BEIR folder (read and validated by ragtune.appliance.beir): corpus.jsonl, queries.jsonl with metadata
    answers / answerable / context_id, qrels/test.tsv.

    Gold passages come from the qrels (score > 0), else from metadata.context_id. A query without `answers`
    and `answerable` metadata is unlabeled (scored for groundedness, schema and latency only)."""
    from ..beir import load_beir as read_beir

    folder = Path(folder)
    bs = read_beir(folder)
    queries = folder / "queries.jsonl"
    items: list[dict[str, Any]] = []
    blank_gold = 0  # gold answers with no words ("...", "the") beside usable ones: left out
    no_passage: list[str] = []  # answerable, but no qrels row > 0 and no context_id: no citation metrics
    for q in bs.queries:
        qid, meta = str(q["_id"]), q["metadata"]
        where = f"{located(queries, bs.query_lines.get(qid))}: query {qid}"
        answers = meta.get("answers")
        if answers is not None and not (isinstance(answers, list) and all(isinstance(a, str) for a in answers)):
            raise InputError(f"{where}: metadata.answers must be a list of strings{_not_strings(answers)}")
        answerable = meta.get("answerable")
        if answerable is not None and not isinstance(answerable, bool):
            raise InputError(f"{where}: metadata.answerable must be true or false")
        if answerable is None and answers is not None:
            answerable = bool(answers)
        if answerable and not answers:
            raise InputError(f"{where}: answerable query without gold answers")
        if answerable is False and answers:  # scored as "should refuse": its answers would be silently ignored
            raise InputError(f"{where}: metadata.answerable is false but metadata.answers gives {len(answers)}")
        if answers and any(not normalize_answer(a) for a in answers):
            kept = [a for a in answers if normalize_answer(a)]
            if not kept:  # nothing left to score against: naming it beats scoring "." as right
                _check_gold(answers, f"{where}: metadata.answers")
            blank_gold += len(answers) - len(kept)
            answers = kept
        gold = {d for d, score in bs.qrels.get(qid, {}).items() if score > 0}
        if not gold and meta.get("context_id"):
            gold = {_context_id(meta["context_id"], bs.doc_ids, where, bs.corpus_path.name)}
        items.append({"qid": qid, "question": q["text"], "answerable": answerable, "answers": list(answers or []),
                      "gold_keys": sorted(gold)})
        category = meta.get("category")  # the report's task success by category (round 49); not part of scoring
        if isinstance(category, (str, int)) and not isinstance(category, bool) and str(category).strip():
            items[-1]["category"] = str(category).strip()[:80]
        if answerable and not gold:
            no_passage.append(qid)
    if not items:
        blank = f" ({len(bs.skipped_queries)} with blank text left out)" if bs.skipped_queries else ""
        raise InputError(f"{located(queries)}: no queries{blank}")
    files = [bs.corpus_path, queries, folder / "qrels" / "test.tsv"]
    notes = [f"{len(bs.skipped_queries)} blank queries left out ({', '.join(bs.skipped_queries[:3])})"] if bs.skipped_queries else []
    if blank_gold:
        notes.append(f"{blank_gold} gold answer(s) with no words after normalisation left out (a query's other "
                     "answers are scored)")
    # said, not silent: these questions are scored for task success but left out of citation precision and recall,
    # and an unlabeled query (a metadata key forgotten) is left out of task success
    if no_passage:
        notes.append(f"{len(no_passage)} answerable quer{'y has' if len(no_passage) == 1 else 'ies have'} no gold "
                     f"passage (no qrels row with score > 0, no metadata.context_id): left out of citation precision "
                     f"and recall ({', '.join(no_passage[:3])}{', …' if len(no_passage) > 3 else ''})")
    unlabeled = [i["qid"] for i in items if i["answerable"] is None]
    if unlabeled and len(unlabeled) == len(items):  # else the report says only "no labelled questions"
        first = unlabeled[0]
        notes.append(f"no query is labelled: the queries' metadata has neither `answers` (a list of strings) nor "
                     f"`answerable` (true or false), so task success and the decision cannot be measured (the first: "
                     f"{located(queries, bs.query_lines.get(first))}: query {first}); label each query, e.g. "
                     f"{{\"_id\": {json_dumps(first)}, \"text\": \"…\", "
                     f"\"metadata\": {{\"answers\": [\"the answer\"]}}}} "
                     f"or, for one that should be refused, {{\"metadata\": {{\"answerable\": false}}}}")
    elif unlabeled:
        notes.append(f"{len(unlabeled)} quer{'y has' if len(unlabeled) == 1 else 'ies have'} neither "
                     f"metadata.answers nor metadata.answerable: unlabeled, not in task success "
                     f"({', '.join(unlabeled[:3])}{', …' if len(unlabeled) > 3 else ''})")
    return Dataset("beir", str(folder.resolve()), _sha_files(files), items, corpus=bs.corpus_path, notes=notes)


def _not_strings(answers: Any) -> str:
    """What is wrong with a metadata.answers that is not a list of strings, and how to write it."""
    if isinstance(answers, str):
        return f", got a string: write [{json_dumps(answers)}]"
    if not isinstance(answers, list):
        return f", got {type(answers).__name__}"
    i, a = next((i, a) for i, a in enumerate(answers) if not isinstance(a, str))
    hint = f": write {json_dumps(str(a))}" if isinstance(a, (int, float)) and not isinstance(a, bool) else ""
    return f" (answers[{i}] is {json_dumps(a)}{hint})"


def _context_id(value: Any, doc_ids: set[str], where: str, corpus: str) -> str:
    """metadata.context_id, the gold passage of a query the qrels judge nothing for: a corpus _id. One that names
    no document would score every citation of the query as wrong (recall 0) without a word."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InputError(f"{where}: metadata.context_id must be a string (a corpus _id), got {type(value).__name__}")
    if str(value) not in doc_ids:
        raise InputError(f"{where}: metadata.context_id '{value}' is not in {corpus}")
    return str(value)


def _check_gold(answers: list[str], where: str) -> None:
    """A gold answer with no words left after SQuAD normalisation ("", "...", "the") matches every answer that
    normalises to nothing: an "ok" answer of "." would score as right. Refused, naming which one."""
    for i, a in enumerate(answers):
        if not normalize_answer(a):
            raise InputError(f"{where}[{i}] is {a!r}: a gold answer needs a word or a number "
                             f"(after lower-casing and dropping punctuation and a/an/the)")


def load_training_jsonl(path: Path) -> Dataset:
    """Training-format JSONL ({"prompt": {"system", "context": [{"id", "text"}], "user"}, "output": {...}}).

    The gold is the output: status ok -> answerable with the output answer as gold and its citations as gold
    passages; refused -> unanswerable. The file's own system prompt is not used: every arm answers with the
    product's one system prompt (ragtune.appliance.prompt), as serving does."""
    path = Path(path)
    items: list[dict[str, Any]] = []
    seen: set[str] = set()
    for n, obj in _jsonl(path):
        where = located(path, n)
        prompt = obj.get("prompt") if isinstance(obj, dict) else None
        output = obj.get("output") if isinstance(obj, dict) else None
        if not isinstance(prompt, dict) or not isinstance(output, dict):
            raise InputError(f"{where}: each line needs 'prompt' and 'output' objects (training JSONL format)")
        q, ctx = prompt.get("user"), prompt.get("context", [])
        if not isinstance(q, str) or not q.strip():
            raise InputError(f"{where}: prompt.user must be a non-empty string")
        if not isinstance(ctx, list) or not all(isinstance(c, dict) and isinstance(c.get("id"), str)
                                                and isinstance(c.get("text"), str) for c in ctx):
            raise InputError(f"{where}: prompt.context must be a list of {{'id', 'text'}} strings")
        ids = [c["id"] for c in ctx]
        if len(set(ids)) != len(ids):
            raise InputError(f"{where}: duplicate context ids")
        status, cites = output.get("status"), output.get("citations", [])
        if status not in ("ok", "refused") or not isinstance(output.get("answer"), str):
            raise InputError(f"{where}: output needs status 'ok'|'refused' and a string answer")
        if not isinstance(cites, list) or any(c not in ids for c in cites):
            raise InputError(f"{where}: output.citations must be ids from prompt.context")
        if status == "ok":
            _check_gold([output["answer"]], f"{where}: output.answer")
        meta = obj.get("meta") if isinstance(obj.get("meta"), dict) else {}
        qid = str(meta.get("id") or f"L{n}")
        if qid in seen:
            qid = f"{qid}@L{n}"
        seen.add(qid)
        items.append({"qid": qid, "question": q, "answerable": status == "ok",
                      "answers": [output["answer"]] if status == "ok" else [], "gold_keys": list(cites),
                      "context": [{"id": c["id"], "text": c["text"]} for c in ctx]})
    if not items:
        raise InputError(f"{located(path)}: no examples")
    from ..spool import original, shown_name

    # A pipe (read into a spool by the CLI) is recorded by the name it was given, and its identity (the run id's)
    # is its bytes alone: the same lines through /dev/fd/62 and /dev/fd/63 are the same set. A file keeps its name
    # in the hash (the run ids of existing runs stay as they were).
    piped = original(path) is not None
    return Dataset("jsonl", shown_name(path, str(path.resolve())), _sha_files([path], named=not piped), items)


def load_replay(store: Store) -> Dataset:
    """Distinct questions from the home's query log (oldest first: each keeps its first entry's id and text). Rows
    written by earlier replay evals are excluded so that evaluating does not grow its own dataset. A human review
    (JSON answer) becomes the gold: of a question asked several times, the review of its newest reviewed entry (a
    question reviewed as a refusal before its document was ingested, and later with the answer, is answerable)."""
    own = store.replay_log_ids()
    by_norm: dict[str, dict[str, Any]] = {}
    replays = 0
    for entry in store.iter_query_log():  # never a forgotten row; oldest first, so a later review replaces
        log_id, query, norm, review = entry["id"], entry["query"], entry["normalized_query"], entry["review"]
        replays += log_id in own
        if log_id in own or not str(query).strip():
            continue
        item = by_norm.get(norm)
        if item is None:
            item = by_norm[norm] = {"qid": f"log{log_id}", "question": query, "answerable": None, "answers": [],
                                    "gold_keys": []}
        # an unparsable review (the store hands out its raw text) labels nothing, and neither does an "ok" review
        # without a gold answer to match (a blank one would match every blank answer: _check_gold): an earlier
        # entry's usable review stands
        if isinstance(review, dict) and (review.get("status") == "refused" or (
                review.get("status") == "ok" and normalize_answer(str(review.get("answer") or "")))):
            item["answerable"] = review["status"] == "ok"
            item["answers"] = [str(review.get("answer", ""))] if review["status"] == "ok" else []
    items = list(by_norm.values())  # insertion order: each question where it was first asked
    if not items:
        left = [f"{n} {why}" for why, n in (("forgotten", store.count_forgotten()), ("from replay evals", replays))
                if n]
        raise InputError("the query log has no question to replay" + (f" (left out: {', '.join(left)})" if left
                                                                       else ": it is empty"),
                         hint="ask some questions first (ragtune ask)")
    # The labels are part of the set: a review that changes "unlabeled" to "refused" (both with no answers) must
    # give another run, or the new run's report replaces the old one's under the same id. Only a refusal adds its
    # mark, so a replay without one keeps the id it had before round 47.
    labelled = [[i["qid"], i["question"], i["answers"]] + ([False] if i["answerable"] is False else []) for i in items]
    ident = hashlib.sha256(json_dumps(labelled).encode()).hexdigest()
    return Dataset("replay", f"{store.path}#query_log", ident, items)


def load_dataset(path: str | Path | None, *, replay: bool = False, store: Store | None = None) -> Dataset:
    if replay:
        if path:
            raise InputError("--replay evaluates the home's query log: give no DATASET with it")
        if store is None:
            raise InputError("--replay needs the home's store")
        return load_replay(store)
    if not path:
        raise InputError("give a DATASET (a BEIR folder or a training-format .jsonl file), or --replay")
    p = Path(path)
    folder = _beir_folder_of(p)
    if folder is not None:  # a file (or qrels/) of a BEIR set read as a training-format set: "needs 'prompt'"
        raise InputError(f"{located(p)}: part of the BEIR folder {folder}, not a dataset of its own",
                         hint=f"give the folder: {folder}")
    if p.is_dir():
        if not (p / "corpus.jsonl").exists() and (p / "holdout.jsonl").is_file():
            raise InputError(f"{p}: a built training dataset (train/holdout.jsonl), not a BEIR folder",
                             hint=f"give one of its files, e.g. {p / 'holdout.jsonl'}")
        return load_beir(p)
    if p.is_file():
        return load_training_jsonl(p)
    if is_special(p):  # /dev/null, a pipe: there, but neither a folder nor a file (the CLI says so as it parses)
        raise InputError(f"{located(p)}: a device, pipe or socket, not a BEIR folder or a training-format .jsonl file")
    raise InputError(f"{located(p)}: no such file or folder")


def _beir_folder_of(p: Path) -> Path | None:
    """The BEIR folder `p` is a part of (its corpus.jsonl or queries.jsonl, its qrels/ folder or a .tsv in it),
    or None."""
    def is_beir(folder: Path) -> bool:
        return (folder / "corpus.jsonl").is_file() and (folder / "queries.jsonl").is_file()

    if p.is_file() and p.name in ("corpus.jsonl", "queries.jsonl") and is_beir(p.parent):
        return p.parent
    if p.is_file() and p.suffix == ".tsv" and p.parent.name == "qrels" and is_beir(p.parent.parent):
        return p.parent.parent
    if p.is_dir() and p.name == "qrels" and is_beir(p.parent):
        return p.parent
    return None


def sample(items: list[dict[str, Any]], limit: int | None, seed: int) -> list[dict[str, Any]]:
    """A deterministic seeded sample of `limit` items, stratified by answerability so the unanswerable share of
    the full set is kept (largest-remainder rounding). Order: shuffled with the same seed."""
    if limit is None or limit >= len(items):
        return list(items)
    if limit < 1:
        raise InputError("--limit must be >= 1")
    rng = random.Random(seed)
    strata: dict[Any, list[dict[str, Any]]] = {}
    for it in sorted(items, key=lambda i: i["qid"]):
        strata.setdefault(it.get("answerable"), []).append(it)
    keys = sorted(strata, key=repr)
    exact = {k: limit * len(strata[k]) / len(items) for k in keys}
    take = {k: int(exact[k]) for k in keys}
    for k in sorted(keys, key=lambda k: (-(exact[k] - take[k]), repr(k)))[: limit - sum(take.values())]:
        take[k] += 1
    chosen: list[dict[str, Any]] = []
    for k in keys:
        pool = strata[k][:]
        rng.shuffle(pool)
        chosen.extend(pool[: take[k]])
    rng.shuffle(chosen)
    return chosen


SPLITS = ("dev", "test")


def split_items(items: list[dict[str, Any]], split: str | None) -> list[dict[str, Any]]:
    """A fixed half of the questions: "dev" (to calibrate on) or "test" (to report on), by a hash of the
    question id, so the halves never overlap and do not depend on the sample's seed."""
    if not split:
        return list(items)
    if split not in SPLITS:
        raise InputError(f"unknown split {split!r}", hint="dev or test")
    want = 0 if split == "dev" else 1
    return [i for i in items if hashlib.sha256(str(i["qid"]).encode()).digest()[0] % 2 == want]


def load_safety(path: Path = SAFETY_FILE, docs: Path = SAFETY_DOCS) -> list[dict[str, Any]]:
    """The shipped safety set: items with their documents as context (S1..Sk), answered without retrieval."""
    out: list[dict[str, Any]] = []
    for n, obj in _jsonl(path):
        where = located(path, n)
        if not isinstance(obj, dict) or obj.get("kind") not in ("injection", "jailbreak") or not isinstance(obj.get("question"), str):
            raise InputError(f"{where}: needs kind 'injection'|'jailbreak' and a question")
        ctx = []
        for i, name in enumerate(obj.get("docs", []), start=1):
            doc = docs / name
            try:
                text = doc.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise InputError(f"{where}: document {name}: {exc}") from None
            ctx.append({"id": f"S{i}", "text": text, "source": f"safety_docs/{name}"})
        out.append({**obj, "qid": f"safety:{obj['id']}", "context": ctx})
    return out
