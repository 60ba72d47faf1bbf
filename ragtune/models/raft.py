"""Stage 1 of tuning, RAFT-style (retrieval-augmented fine-tuning): training examples whose context is what
serving retrieves, shaped so the model learns to read the sources, copy the answer from the one that holds it,
cite only that one, and refuse when none holds it.

For each labelled question (and each augmented variant of it) the documents' scratch home is searched with the
serving retriever (same chunker, embedder, k, MMR, token budget) and the question is shown as serving shows it
(normalised). Example kinds (`meta.kind`):

- `answer`       the retrieved context holds the answer: target = the short answer, citing the sources holding it;
- `drop`         a share of those again, with the answer-holding chunk(s) removed and the gap refilled from the
                 next candidates that do not hold or mention the answer: target = refusal ("looks relevant" is not
                 "holds the answer");
- `not_retrieved` retrieval missed the answer: target = refusal (the context really lacks it);
- `oracle`       a share of those again, with the gold chunk put in at a random place: target = the answer;
- `unanswerable` a near miss: the near-miss document's best chunk is made sure to be in the context; refusal.

Distractor chunks from other documents are mixed into a share of examples and the sources of a share are
shuffled, so the answer is not always S1. A source holds the answer when it contains the evidence span
(whitespace-normalised), or — evidence cut by a chunk boundary — the answer span with at least half the evidence
around it, in the gold document. Randomness is seeded per (seed, question id, variant): adding a domain does not
change the examples of another."""

from __future__ import annotations

import dataclasses
import random
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any, Callable

from ragtune.appliance import prompt
from ragtune.appliance.config import Settings
from ragtune.appliance.errors import ConfigError, InputError
from ragtune.appliance.types import Hit

from .augment import KINDS as AUGMENT_KINDS
from .augment import variants
from .inject import injected_text
from .holds import Answer, mentions, norm_ws, span_holds  # noqa: F401 (span_holds, mentions: the builder's API)
from .scratch import Scratch, chunk_settings, scratch_home

ANSWER_STYLES = ("short", "sentence")
KINDS = ("answer", "drop", "not_retrieved", "oracle", "unanswerable")
Counter_ = Callable[[list[dict[str, str]]], int]
Progress = Callable[[int, int, str], None]


@dataclasses.dataclass
class RaftConfig:
    k: int = 0  # sources per example; 0 = the serving retrieve.k
    chunk_tokens: int = 0  # chunk size of the scratch ingest; 0 = the serving ingest.chunk_tokens
    answer_style: str = "short"  # short: the corpus' short answer | sentence: the whole evidence span
    drop_share: float = 0.25  # answerable questions that also get an example without their answer chunk(s)
    oracle_share: float = 1.0  # answer-not-retrieved questions that also get an example with the gold chunk in
    distractor_share: float = 0.5  # examples with 1..max_distractors chunks of other documents mixed in
    max_distractors: int = 2
    shuffle_share: float = 0.5  # examples whose sources are shuffled (the rest keep rank order, as served)
    inject_share: float = 0.05  # examples where a source not holding the answer carries an injected instruction
    augment: int = 0  # augmented variants per question, each a distinct example
    augment_kinds: tuple[str, ...] = AUGMENT_KINDS
    seed: int = 0

    def __post_init__(self) -> None:
        def check(ok: bool, key: str, msg: str) -> None:
            if not ok:
                raise ConfigError(f"dataset.{key}: {msg}")

        def share(v: Any) -> bool:
            return isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 1

        self.augment_kinds = tuple(self.augment_kinds)
        check(isinstance(self.k, int) and 0 <= self.k <= 6, "k", "must be 1..6 (0 = the serving retrieve.k)")
        check(isinstance(self.chunk_tokens, int) and (self.chunk_tokens == 0 or 16 <= self.chunk_tokens <= 254),
              "chunk_tokens", "must be 16..254 (0 = the serving ingest.chunk_tokens)")
        check(self.answer_style in ANSWER_STYLES, "answer_style", f"must be one of {', '.join(ANSWER_STYLES)}")
        for key in ("drop_share", "oracle_share", "distractor_share", "shuffle_share", "inject_share"):
            check(share(getattr(self, key)), key, "must be in [0, 1]")
        check(isinstance(self.max_distractors, int) and 1 <= self.max_distractors <= 5, "max_distractors", "must be 1..5")
        check(isinstance(self.augment, int) and 0 <= self.augment <= len(AUGMENT_KINDS), "augment",
              f"must be 0..{len(AUGMENT_KINDS)}")
        check(bool(self.augment_kinds) and set(self.augment_kinds) <= set(AUGMENT_KINDS), "augment_kinds",
              f"must be some of {', '.join(AUGMENT_KINDS)}")
        check(isinstance(self.seed, int), "seed", "must be an integer")

    def to_json(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["augment_kinds"] = list(self.augment_kinds)
        return d


@dataclasses.dataclass
class QASet:
    """Labelled questions and the folder of documents they are about."""
    label: str  # "corpus:history" ("corpus:history/contrast" for another question file), "pack", or the qa.jsonl path
    rows: list[dict[str, Any]]
    docs: Path
    domain: str | None = None


@dataclasses.dataclass
class BuildStats:
    questions: int = 0
    variants: int = 0
    examples: int = 0
    kinds: Counter = dataclasses.field(default_factory=Counter)
    by_source: Counter = dataclasses.field(default_factory=Counter)
    augmented: Counter = dataclasses.field(default_factory=Counter)
    answer_positions: Counter = dataclasses.field(default_factory=Counter)  # position (1-based) of the first cited source
    context_sizes: Counter = dataclasses.field(default_factory=Counter)
    answer_retrieved: int = 0  # answerable questions (original wording) whose answer was in the retrieved context
    answerable_questions: int = 0
    near_inserted: int = 0
    distracted: int = 0
    shuffled: int = 0
    injected: Counter = dataclasses.field(default_factory=Counter)  # by template
    ambiguous: int = 0  # answer not retrieved, but a source mentions it: neither refusal nor answer is safe
    not_fitted: int = 0  # answer examples whose answer source did not fit the generator's window: refusals
    prompt_tokens: list[int] = dataclasses.field(default_factory=list)
    token_counter: str = "none"
    scratch: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        n_ok = sum(self.answer_positions.values())
        refusals = sum(self.kinds[k] for k in ("drop", "not_retrieved", "unanswerable")) + self.not_fitted
        return {
            "questions": self.questions, "variants": self.variants, "examples": self.examples,
            "kinds": dict(sorted(self.kinds.items())), "by_source": dict(sorted(self.by_source.items())),
            "augmented": dict(sorted(self.augmented.items())),
            "refusal_share": round(refusals / self.examples, 4) if self.examples else 0.0,
            "answer_positions": {f"S{p}": n for p, n in sorted(self.answer_positions.items())},
            "answer_at_s1_share": round(self.answer_positions.get(1, 0) / n_ok, 4) if n_ok else 0.0,
            "context_sizes": {str(k): n for k, n in sorted(self.context_sizes.items())},
            "answer_recall_at_k": round(self.answer_retrieved / self.answerable_questions, 4)
            if self.answerable_questions else None,
            "near_miss_inserted": self.near_inserted, "distracted": self.distracted, "shuffled": self.shuffled,
            "injected": dict(sorted(self.injected.items())),
            "ambiguous_skipped": self.ambiguous, "not_fitted": self.not_fitted, "prompt_tokens": percentiles(self.prompt_tokens),
            "token_counter": self.token_counter, "scratch": self.scratch, "seconds": round(self.seconds, 1),
        }


def percentiles(values: list[int]) -> dict[str, Any]:
    if not values:
        return {}
    v = sorted(values)

    def at(p: float) -> int:
        return v[min(len(v) - 1, int(round(p * (len(v) - 1))))]
    return {"n": len(v), "min": v[0], "p50": at(0.5), "p90": at(0.9), "p95": at(0.95), "p99": at(0.99), "max": v[-1],
            "mean": round(sum(v) / len(v), 1)}


# ------------------------------------------------------------------------------------------------------------
# Building
# ------------------------------------------------------------------------------------------------------------

class _Pool:
    """Every chunk of a scratch home as a Hit, with its document path relative to the documents folder."""

    def __init__(self, scratch: Scratch, store: Any):
        ids = [c for c, _ in store.chunk_sources()]
        self.hits: dict[int, Hit] = {}
        self.rel: dict[int, str] = {}
        self.by_doc: dict[str, list[int]] = {}
        self.doc_date: dict[str, str | None] = {}
        for cid, r in sorted(store.chunks_by_ids(ids).items(), key=lambda kv: (kv[1]["source"], kv[1]["ord"])):
            self.hits[cid] = Hit(chunk_id=cid, doc_id=r["doc_id"], text=r["text"], source=r["source"],
                                 title=r["title"] or "", ord=r["ord"], start_char=r["start_char"],
                                 end_char=r["end_char"], n_tokens=r["n_tokens"], sha256=r["sha256"],
                                 doc_date=r["doc_date"])
            rel = scratch.rel(r["source"])
            self.rel[cid] = rel
            self.by_doc.setdefault(rel, []).append(cid)
            self.doc_date[rel] = r["doc_date"]
        self.ids = sorted(self.hits)


class _Builder:
    def __init__(self, settings: Settings, cfg: RaftConfig, counter: Counter_ | None, stats: BuildStats):
        self.cfg = cfg
        self.k = cfg.k or settings.retrieve.k
        self.budget = settings.retrieve.context_tokens
        self.counter = counter
        self.n_ctx = settings.generate.n_ctx
        self.reserve = settings.generate.max_tokens
        self.stats = stats

    # -- context editing -----------------------------------------------------------------------------------
    def _fit(self, ctx: list[Hit], keep: set[int], rng: random.Random) -> list[Hit]:
        """Drop the lowest-ranked sources not in `keep` until at most k sources within the token budget."""
        ctx = list(ctx)
        while len(ctx) > 1 and (len(ctx) > self.k or sum(h.n_tokens for h in ctx) > self.budget):
            drop = next((i for i in range(len(ctx) - 1, -1, -1) if ctx[i].chunk_id not in keep), None)
            if drop is None:
                break
            ctx.pop(drop)
        return ctx

    def _insert(self, ctx: list[Hit], hit: Hit, keep: set[int], rng: random.Random, protect: bool = True) -> list[Hit]:
        """`hit` at a random place, then the context fitted to k and the budget (`protect`: never drop `hit`)."""
        ctx = list(ctx)
        ctx.insert(rng.randint(0, len(ctx)), hit)
        return self._fit(ctx, keep | {hit.chunk_id} if protect else keep, rng)

    def _distract(self, ctx: list[Hit], keep: set[int], avoid_docs: set[str], ans: Answer | None,
                  pool: _Pool, rng: random.Random) -> list[Hit]:
        """1..max_distractors chunks of other documents, each put in at a random place."""
        n = rng.randint(1, self.cfg.max_distractors)
        present = {h.chunk_id for h in ctx} | {pool.rel[h.chunk_id] for h in ctx if h.chunk_id in pool.rel}
        for _ in range(n):
            for _try in range(20):
                cid = pool.ids[rng.randrange(len(pool.ids))]
                rel = pool.rel[cid]
                if cid in present or rel in present or rel in avoid_docs:
                    continue
                if ans is not None and ans.excluded(pool.hits[cid].text, rel):
                    continue
                ctx = self._insert(ctx, pool.hits[cid], keep, rng, protect=False)
                present |= {cid, rel}
                break
        return ctx

    def _inject(self, ctx: list[Hit], keep: set[int], pool: _Pool, rng: random.Random) -> tuple[list[Hit], str | None]:
        """One source not holding the answer (or the near miss) gets an injected instruction; never cited."""
        free = [i for i, h in enumerate(ctx) if h.chunk_id not in keep]
        if not free:
            return ctx, None
        i = free[rng.randrange(len(free))]
        name, text = injected_text(ctx[i].text, rng, len(ctx))
        ctx = list(ctx)
        ctx[i] = dataclasses.replace(ctx[i], text=text, chunk_id=-1)  # -1: not a stored chunk, never cited
        self.stats.injected[name] += 1
        return ctx, name

    # -- one example -----------------------------------------------------------------------------------------
    def example(self, kind: str, ctx: list[Hit], user: str, ans: Answer | None, keep: set[int], avoid: set[str],
                pool: _Pool, rng: random.Random, meta: dict[str, Any]) -> dict[str, Any]:
        """Distractors, order, the generator-window fit and the target for one context."""
        from ragtune.appliance.prompt import fit_context  # serving's own fit (generator tokens)

        if rng.random() < self.cfg.distractor_share:
            ctx = self._distract(ctx, keep, avoid, ans, pool, rng)
            self.stats.distracted += 1
        injected = None
        if rng.random() < self.cfg.inject_share:
            ctx, injected = self._inject(ctx, keep, pool, rng)
        if len(ctx) > 1 and rng.random() < self.cfg.shuffle_share:
            ctx = list(ctx)
            rng.shuffle(ctx)
            self.stats.shuffled += 1
        items = prompt.context_from_hits(ctx)
        if self.counter is not None:
            items = fit_context(self.counter, items, user, reserve=self.reserve, n_ctx=self.n_ctx, renumber=True)
        context = [c.for_prompt() for c in items]
        refusal = {"status": "refused", "answer": prompt.REFUSAL_TEXT, "citations": []}
        output = refusal
        if kind in ("answer", "oracle") and ans is not None:
            cites = [c.id for c in items if ans.holds(c.text, pool.rel.get(c.chunk_id, "")) and c.chunk_id != -1]
            if cites:
                output = {"status": "ok", "answer": ans.text, "citations": cites}
                self.stats.answer_positions[int(cites[0][1:])] += 1
            else:
                self.stats.not_fitted += 1
                kind = "not_fitted"
        if kind != "not_fitted":
            self.stats.kinds[kind] += 1
        self.stats.context_sizes[len(context)] += 1
        if self.counter is not None:
            self.stats.prompt_tokens.append(self.counter(prompt.messages(prompt.SYSTEM_PROMPT, context, user)))
        meta = dict(meta, kind=kind, target="answered" if output["status"] == "ok" else "refused",
                    chunk_ids=[c.chunk_id for c in items])
        if injected:
            meta["injected"] = injected
        return prompt.training_example(prompt.SYSTEM_PROMPT, context, user, output, **meta)

    # -- one question variant --------------------------------------------------------------------------------
    def question(self, row: dict[str, Any], q: str, variant: str | None, retriever: Any, pool: _Pool,
                 base_meta: dict[str, Any]) -> list[dict[str, Any]]:
        cfg = self.cfg
        rng = random.Random(f"{cfg.seed}:{row.get('id')}:{variant or 'original'}")
        from ragtune.appliance.normalize import normalise_question  # serving's own: clean once, normalise once

        cq, nq = normalise_question(q)
        res = retriever.retrieve(cq, k=self.k, use_cache=False, normalized=nq)
        user = res.normalized_query or nq  # the question as serving shows it to the model
        hits = [pool.hits.get(h.chunk_id, h) for h in res.hits]
        in_ctx = {h.chunk_id for h in hits}
        cands = [pool.hits[h.chunk_id] for h in res.candidates if h.chunk_id in pool.hits and h.chunk_id not in in_ctx]
        meta = dict(base_meta, augment=variant, original=row["question"]) if variant else dict(base_meta)
        out: list[dict[str, Any]] = []
        if not row.get("answerable", True):
            near = (row.get("near_doc") or "").replace("\\", "/")
            keep: set[int] = set()
            ctx = hits
            if near and near in pool.by_doc:
                there = [h.chunk_id for h in hits if pool.rel.get(h.chunk_id) == near]
                if there:
                    keep = set(there[:1])
                else:
                    pick = next((h for h in cands if pool.rel[h.chunk_id] == near), None) or \
                        pool.hits[_best_overlap(q, [pool.hits[c] for c in pool.by_doc[near]])]
                    ctx = self._insert(hits, pick, set(), rng)
                    keep = {pick.chunk_id}
                    self.stats.near_inserted += 1
            out.append(self.example("unanswerable", ctx, user, None, keep, {near} if near else set(), pool, rng, meta))
            return out
        ans = Answer(row, cfg.answer_style)
        holding = {h.chunk_id for h in hits if ans.holds(h.text, pool.rel.get(h.chunk_id, ""))}
        if variant is None:
            self.stats.answerable_questions += 1
            self.stats.answer_retrieved += bool(holding)
        avoid = {ans.gold}
        if holding:
            out.append(self.example("answer", hits, user, ans, holding, avoid, pool, rng, meta))
            if rng.random() < cfg.drop_share:
                kept = [h for h in hits if not ans.excluded(h.text, pool.rel.get(h.chunk_id, ""))]
                for h in cands:
                    if len(kept) >= len(hits):
                        break
                    if not ans.excluded(h.text, pool.rel[h.chunk_id]):
                        kept.append(h)
                kept = self._fit(kept, set(), rng)
                if kept:
                    out.append(self.example("drop", kept, user, ans, set(), avoid, pool, rng, meta))
        else:
            if any(ans.excluded(h.text, pool.rel.get(h.chunk_id, "")) for h in hits):
                self.stats.ambiguous += 1  # a source mentions the answer without holding its evidence: no target
            else:
                out.append(self.example("not_retrieved", hits, user, ans, set(), avoid, pool, rng, meta))
            if rng.random() < cfg.oracle_share:
                gold = next((pool.hits[c] for c in pool.by_doc.get(ans.gold, [])
                             if ans.holds(pool.hits[c].text, ans.gold)), None)
                if gold is not None:
                    ctx = self._insert(hits, gold, set(), rng)
                    out.append(self.example("oracle", ctx, user, ans, {gold.chunk_id}, avoid, pool, rng, meta))
        return out


def _best_overlap(q: str, hits: list[Hit]) -> int:
    """The chunk sharing the most words with the question (for a near-miss document retrieval did not bring)."""
    words = set(re.findall(r"\w{3,}", q.lower()))
    return max(hits, key=lambda h: len(words & set(re.findall(r"\w{3,}", h.text.lower())))).chunk_id


def build(settings: Settings, sets: list[QASet], cfg: RaftConfig | None = None, *, counter: Counter_ | None = None,
          counter_name: str = "none", cache_root: Path | None = None, progress: Progress | None = None,
          log: Callable[[str], None] | None = None) -> tuple[list[dict[str, Any]], BuildStats]:
    """Training examples (the training JSONL format, `meta.kind` set) for every question of every set."""
    from ragtune.appliance.retrieve import Retriever

    cfg = cfg or RaftConfig()
    t0 = time.perf_counter()
    stats = BuildStats(token_counter=counter_name if counter is not None else "none")
    builder = _Builder(settings, cfg, counter, stats)
    sset = chunk_settings(settings, cfg.chunk_tokens)
    out: list[dict[str, Any]] = []
    total = sum(len(s.rows) for s in sets)
    done = 0
    for qs in sets:
        if not qs.rows:
            continue
        scratch = scratch_home(sset, qs.docs, cache_root=cache_root, log=log)
        stats.scratch.append({"set": qs.label, "docs": scratch.info.get("docs"), "chunks": scratch.info.get("chunks"),
                              "cached": scratch.cached, "ingest_seconds": scratch.info.get("seconds"),
                              "failed": scratch.info.get("failed", [])})
        retriever = Retriever(scratch.settings)
        try:
            pool = _Pool(scratch, retriever.store)
            if not pool.ids:
                raise InputError(f"{qs.docs}: no chunks after ingest (every document failed?)")
            for row in qs.rows:
                rng = random.Random(f"{cfg.seed}:{row.get('id')}:augment")
                gold_or_near = row.get("gold_doc") or row.get("near_doc")
                base_meta = {"source": qs.label, "domain": qs.domain, "qa_id": row.get("id"),
                             "intent": row.get("intent", "fact"), "style": row.get("style"),
                             "answerable": bool(row.get("answerable", True)),
                             "date": row.get("date") or (pool.doc_date.get(gold_or_near) if gold_or_near else None)}
                qvars: list[tuple[str | None, str]] = [(None, row["question"])]
                if cfg.augment:
                    qvars += variants(row["question"], row.get("style", "plain"), cfg.augment, cfg.augment_kinds, rng)
                for variant, q in qvars:
                    exs = builder.question(row, q, variant, retriever, pool, base_meta)
                    out.extend(exs)
                    stats.variants += 1
                    stats.by_source[qs.label] += len(exs)
                    if variant:
                        stats.augmented[variant] += len(exs)
                stats.questions += 1
                done += 1
                if progress:
                    progress(done, total, str(row.get("id") or ""))
        finally:
            retriever.close()
    stats.examples = len(out)
    stats.seconds = time.perf_counter() - t0
    return out, stats


def sets_for(corpus: list[str] | tuple[str, ...] = (), *, allow_dev: bool = False, pack: bool = False,
             qa: str | Path | None = None, docs: str | Path | None = None, limit: int = 0,
             questions: str = "qa") -> list[QASet]:
    """The question sets named on the command line: corpus domains (`train`, `dev`, `all`, a domain name) or
    folders holding docs/ + qa.jsonl, the sample pack, a qa.jsonl with its documents folder. `questions`: which
    question file of each corpus domain (folders, the pack and --qa always read their own qa.jsonl)."""
    from ragtune.models import corpus as cp
    from ragtune.models.pack import load_qa, pack_dir, read_qa

    cp.check_questions(questions)
    sets: list[QASet] = []
    names: list[str] = []
    for arg in corpus:
        p = Path(arg).expanduser()
        if "/" in str(arg) or (p.is_dir() and (p / "qa.jsonl").is_file()):
            if not (p / "docs").is_dir() or not (p / "qa.jsonl").is_file():
                raise InputError(f"--corpus {arg}: a folder must hold docs/ and qa.jsonl")
            sets.append(QASet(f"folder:{p}", read_qa(p / "qa.jsonl", p / "docs"), p / "docs", p.name))
        else:
            names.append(arg)
    if questions != "qa" and not names:
        raise InputError(f"--questions {questions}: only corpus domains have other question files",
                         hint="name them with --corpus (a domain, train, dev or all)")
    if names:
        domains = cp.select(names, allow_dev=allow_dev, questions=questions)
        rows = cp.load_corpus([d.name for d in domains], questions=questions)
        for d in domains:
            # qa keeps the bare label (existing builds unchanged); another file is told apart in the report
            label = f"corpus:{d.name}" if questions == "qa" else f"corpus:{d.name}/{questions}"
            sets.append(QASet(label, [r for r in rows if r["domain"] == d.name], d.docs, d.name))
    if pack:
        sets.append(QASet("pack", load_qa(), pack_dir(), "pack"))
    if qa:
        if not docs:
            raise InputError("--qa needs --docs DIR (the documents the questions are about)")
        from ragtune.appliance.spool import shown_name

        sets.append(QASet(shown_name(qa), read_qa(qa, docs), Path(docs), None))  # a pipe as given, not its spool
    if limit:
        for s in sets:
            s.rows = s.rows[:limit]
    return sets


def serving_counter(settings: Settings) -> tuple[Counter_, Callable[[], None], str]:
    """(count_tokens, close, name) with the serving generator's own tokenizer and chat template."""
    from ragtune.appliance.generate import LlamaGenerator

    gen = LlamaGenerator(settings.generate, settings.home)
    return gen.count_tokens, gen.close, f"{Path(str(gen.model_path)).name} (serving tokenizer + chat template)"
