"""`ragtune dataset build` as one library call: its options as one dataclass (the command's flags, and the
`[dataset]` table of a recipe file, are its fields), then sources → RAFT examples (raft.py) → curation (curate.py)
→ the dataset folder (train.jsonl, holdout.jsonl, report.json/.md, dataset_config.json)."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any, Callable

from ragtune.appliance.atomic import check_folder
from ragtune.appliance.config import Settings
from ragtune.appliance.errors import ConfigError, InputError

from .augment import KINDS as AUGMENT_KINDS


@dataclasses.dataclass
class DatasetOptions:
    corpus: list[str] = dataclasses.field(default_factory=list)  # domain names, "train"/"dev"/"all", or folders
    questions: str = "qa"  # which question file of each corpus domain: qa.jsonl or another <name>.jsonl beside it
    allow_dev: bool = False
    from_pack: bool = False
    qa: str = ""  # a labelled questions JSONL …
    docs: str = ""  # … and the documents it is about
    from_log: str = ""  # a `ragtune log export` file, passed through on its own
    k: int = 0  # sources per example; 0 = the serving retrieve.k
    chunk_tokens: int = 0  # 0 = the serving ingest.chunk_tokens
    answer_style: str = "short"
    drop_share: float = 0.25
    oracle_share: float = 1.0
    distractor_share: float = 0.5
    max_distractors: int = 2
    shuffle_share: float = 0.5
    inject_share: float = 0.05
    augment: int = 0
    augment_kinds: list[str] = dataclasses.field(default_factory=lambda: list(AUGMENT_KINDS))
    holdout_frac: float = 0.2
    refusal_share: float = -1.0
    max_intent_share: float = 1.0
    mix_frac: float = 0.07
    scrub: bool = True
    fit: bool = True  # fit contexts to the generator's window with the serving tokenizer (and count tokens)
    seed: int = 0
    limit: int = 0  # only the first N questions of each set

    def __post_init__(self) -> None:
        def check(ok: bool, key: str, msg: str) -> None:
            if not ok:
                raise ConfigError(f"dataset.{key}: {msg}")

        if isinstance(self.augment_kinds, str):
            self.augment_kinds = [x.strip() for x in self.augment_kinds.split(",") if x.strip()]
        check(isinstance(self.corpus, list) and all(isinstance(c, str) and c for c in self.corpus), "corpus",
              "must be a list of domain names or folders")
        for key in ("allow_dev", "from_pack", "scrub", "fit"):
            check(isinstance(getattr(self, key), bool), key, "must be true or false")
        for key in ("qa", "docs", "from_log"):
            check(isinstance(getattr(self, key), str), key, "must be a path (a string)")
        from .corpus import QUESTIONS_NAME

        check(isinstance(self.questions, str) and bool(QUESTIONS_NAME.fullmatch(self.questions)), "questions",
              "must name a question file of the corpus domains: qa (the default) or another <name>.jsonl beside it, "
              "e.g. contrast")
        check(isinstance(self.limit, int) and not isinstance(self.limit, bool) and self.limit >= 0, "limit",
              "must be >= 0")
        self.raft_config()  # the builder's and the curator's own checks, now, before anything runs
        self.curate_config()

    def raft_config(self) -> Any:
        from .raft import RaftConfig

        return RaftConfig(k=self.k, chunk_tokens=self.chunk_tokens, answer_style=self.answer_style,
                          drop_share=self.drop_share, oracle_share=self.oracle_share,
                          distractor_share=self.distractor_share, max_distractors=self.max_distractors,
                          shuffle_share=self.shuffle_share, inject_share=self.inject_share, augment=self.augment,
                          augment_kinds=tuple(self.augment_kinds), seed=self.seed)

    def curate_config(self) -> Any:
        from .curate import CurateConfig

        return CurateConfig(holdout_frac=self.holdout_frac, refusal_share=self.refusal_share,
                            max_intent_share=self.max_intent_share, mix_frac=self.mix_frac, scrub=self.scrub,
                            seed=self.seed)

    def argv(self) -> list[str]:
        """The `ragtune dataset build` flags that give these options (the defaults left out)."""
        default = DatasetOptions()
        out: list[str] = []
        for f in dataclasses.fields(self):
            val = getattr(self, f.name)
            if val == getattr(default, f.name):
                continue
            flag = "--" + f.name.replace("_", "-")
            if f.name == "corpus":
                out += [x for c in val for x in ("--corpus", c)]
            elif f.name in ("scrub", "fit"):
                out.append(f"--no-{f.name}")
            elif isinstance(val, bool):
                out.append(flag)
            elif f.name == "augment_kinds":
                out += [flag, ",".join(val)]
            else:
                out += [flag, str(val)]
        return out


def build_dataset(settings: Settings, opts: DatasetOptions, out: Path | str, *, command: list[str] | None = None,
                  log: Callable[[str], None] | None = None, progress: Any = None,
                  eval_sets: list[str] | tuple[str, ...] = ()) -> dict[str, Any]:
    """Build the dataset folder `out` and return the report (`dataset_sha256`, `out`, `build`, `build_options`
    added). `command`: the command line recorded in dataset_config.json. The lines are checked against the
    evaluation sets the home has run and `eval_sets` (leakage.py): matches are warned about and counted in the
    report's `eval_overlap`."""
    from . import dataset as ds
    from .curate import curate, write_curated

    log = log or (lambda msg: None)
    if opts.from_log and (opts.corpus or opts.from_pack or opts.qa or opts.questions != "qa"):
        raise InputError("--from-log is passed through on its own: build it separately")
    if not (opts.from_log or opts.corpus or opts.from_pack or opts.qa):
        raise InputError("give a source: --corpus NAME|DIR (repeatable), --from-pack, --qa FILE --docs DIR, "
                         "or --from-log FILE")
    if opts.docs:
        _check_docs(opts.docs)
    cfg = opts.curate_config()
    out_dir = Path(out)
    if out_dir.suffix == ".jsonl":
        out_dir = out_dir.parent
    check_folder(out_dir)  # before the build: a file in the way fails now, not after minutes of work
    if out_dir.is_dir() and not (out_dir / "dataset_config.json").is_file():
        mine = {"train.jsonl", "holdout.jsonl", "report.json", "report.md"}  # a build cut off before its config
        other = sorted(p.name for p in out_dir.iterdir() if p.name not in mine and not p.name.startswith("."))
        if other:  # an adapter run, a documents folder…: a build writes its files there only into an earlier build
            raise InputError(f"{out_dir}: holds other files ({', '.join(other[:3])}{', …' if len(other) > 3 else ''}) "
                             "and no dataset_config.json: not written into",
                             hint="choose a new or empty --out (an earlier `dataset build` folder is rebuilt in place)")
    options: dict[str, Any] = {"command": command}
    if opts.from_log:
        from ragtune.appliance.spool import shown_name

        examples, stats = ds.build_from_log(opts.from_log)
        where = [(str(ex["meta"].get("where", f"{opts.from_log}")), ex) for ex in examples]
        build = stats.to_json()
        # lineage: which export this dataset came from (the command line alone names a path, not its bytes); a pipe
        # by the name it was given (its spool is gone once the command ends), its sha256 of the bytes it held
        options["log"] = {"path": shown_name(opts.from_log, str(Path(opts.from_log).resolve())),
                          "sha256": stats.sha256,  # of the bytes the build read
                          "lines": stats.questions, "unreviewed": stats.unreviewed}
        why = [f"{stats.no_sources} with no sources (serving refuses such a request before the model runs: it "
               "never asks the model without sources)"] if stats.no_sources else []
        why += [f"{stats.superseded} unreviewed answer(s) to a request a person reviewed on another line (the "
                "review is kept)"] if stats.superseded else []
        name = shown_name(opts.from_log)  # a pipe as given ("/dev/fd/63 (a pipe)"), never its spool file
        if why:
            log(f"note: left out {stats.no_sources + stats.superseded} of {stats.questions} line(s) of "
                f"{name}: {', '.join(why)}; the report names them")
        if stats.unreviewed:
            log(f"warning: {stats.unreviewed} of {stats.questions} line(s) of {name} are unreviewed "
                "(meta.reviewed false): the model's own answers become training targets as they are; review them "
                "(`ragtune log review ID`, then `ragtune log export --reviewed-only`) before training on them")
    else:
        from . import raft
        from .scratch import chunk_settings

        rcfg = opts.raft_config()
        sets = raft.sets_for(opts.corpus, allow_dev=opts.allow_dev, pack=opts.from_pack, qa=opts.qa or None,
                             docs=opts.docs or None, limit=opts.limit, questions=opts.questions)
        eff = chunk_settings(settings, opts.chunk_tokens)
        if opts.questions != "qa":  # recorded only when set: a qa build's dataset_config.json stays as it was
            options["questions"] = opts.questions
        options.update({
            "sets": [{"label": s.label, "questions": len(s.rows), "docs": str(s.docs)} for s in sets],
            "raft": rcfg.to_json(), "curate": dataclasses.asdict(cfg),
            "serving": {"k": opts.k or settings.retrieve.k, "chunk_tokens": eff.ingest.chunk_tokens,
                        "overlap_tokens": eff.ingest.overlap_tokens, "context_tokens": settings.retrieve.context_tokens,
                        "embed": settings.embed.model, "generate_model": settings.generate.model,
                        "n_ctx": settings.generate.n_ctx, "max_tokens": settings.generate.max_tokens}})
        counter, close, name = (None, None, "none")
        if opts.fit:
            counter, close, name = raft.serving_counter(settings)
        n = sum(len(s.rows) for s in sets)
        log(f"building from {n} questions in {len(sets)} set(s) (scratch ingest, cached; serving retrieval)…")
        try:
            examples, stats = raft.build(settings, sets, rcfg, counter=counter, counter_name=name,
                                         progress=progress or ds.stderr_progress("questions"), log=log)
        finally:
            if close:
                close()
        build = stats.to_json()
        where = [(f"{ex['meta'].get('source')}#{ex['meta'].get('qa_id')}", ex) for ex in examples]
    # hand-written lines (a --from-log file need not come from the log) may hold contexts serving never shows
    train, holdout, report = curate(where, cfg, serving={"context_tokens": settings.retrieve.context_tokens},
                                    validated=bool(opts.from_log))  # build_from_log validated each line, strictly
    from . import leakage

    leak = leakage.check(where, settings.home, eval_sets)
    if leak is not None:  # recorded only when there was a set to check: other builds' reports stay as they were
        report["eval_overlap"] = leak
        for note in leak["notes"]:
            log(f"note: evaluation set {note}")
        if (warn := leakage.warning(leak)) is not None:
            log(warn)
    config = write_curated(out_dir, train, holdout, report, build=build, options=options)
    report.update(dataset_sha256=config["dataset_sha256"], out=str(out_dir), build=build, build_options=options,
                  train_lines=len(train), holdout_lines=len(holdout))
    return report


def _check_docs(docs: str) -> None:
    """--docs must be a folder, said before the questions are read: a missing one was reported as the first
    question's gold_doc missing under it."""
    from ragtune.appliance.text import shortened

    p = os.path.expanduser(docs)  # os.path: a name too long for the file system is "no such folder", not OSError
    if not os.path.exists(p):
        raise InputError(f"--docs {shortened(docs)}: no such folder")
    if not os.path.isdir(p):
        raise InputError(f"--docs {shortened(docs)}: not a folder (the documents the --qa questions are about)")


__all__ = ["DatasetOptions", "build_dataset"]
