"""`ragtune doctor`: is this home healthy? A read-only walk over the checks the product already has (docs/store.md,
"Doctor"). Nothing is changed: the database is opened read-only and not migrated (store/health.py `open_as_is`), the
lexical index as it is (never created or reset), registry files are looked for before they are hashed (a verify of
a missing blob would put a swapped-aside copy back), and temporaries are counted, not swept.

"fail": what the product cannot repair by itself (a damaged database, a missing or changed model file, a config that
does not load); "warn": what the next write or search repairs (pending migrations, an index out of step, leftovers)
or what needs a person soon (disk, log size)."""

from __future__ import annotations

import os
import shutil
import stat
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from .artifacts import artifact_size
from .atomic import nearest_folder, stale_names
from .config import load_settings
from .doctor_models import check_models
from .errors import InputError, RagtuneError, StoreError
from .filelock import held_if_free
from .home import Home
from . import doctor_files, lexical_health
from .lexical import is_litter, unwritable
from .lexical_panic import rust_quiet
from .ggufinfo import read_gguf
from .machine import fit, vocab_bytes
from .refs import resolve_model_value
from .registry import Registry
from .store import MIGRATIONS, health
from .store.base import NEWER_HINT
from .store.schema import newer_migrations
from .text import human_size
from .vectorfiles import STATE, files_ok, read_state
from .vectors import ANN_MIN_CHUNKS

GB = 1 << 30
LOG_WARN_BYTES = GB  # a query log kept forever past this: time to prune or set a retention
DETAIL_LINES = 8  # a detail of more lines (SQLite's integrity_check lists up to 20 problems) ends "… N more"


@dataclass
class Check:
    status: str  # ok | warn | fail
    name: str
    detail: str  # the message alone (the hint is its own field); several lines where the problem lists several
    hint: str | None = None


@dataclass
class Report:
    home: str
    quick: bool
    checks: list[Check] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(c.status == "fail" for c in self.checks)

    def add(self, status: str, name: str, detail: str, hint: str | None = None) -> None:
        self.checks.append(Check(status, name, _capped(detail), hint))

    def error(self, name: str, exc: RagtuneError) -> None:
        self.add("fail", name, exc.message, exc.hint)

    def to_json(self) -> dict[str, Any]:
        return {"home": self.home, "quick": self.quick, "ok": not self.failed,
                "counts": {s: sum(c.status == s for c in self.checks) for s in ("ok", "warn", "fail")},
                "checks": [asdict(c) for c in self.checks]}


def _capped(detail: str) -> str:
    """`detail` without blank lines, at most DETAIL_LINES of them, the rest counted."""
    lines = [line for line in detail.split("\n") if line.strip()] or [""]
    if len(lines) <= DETAIL_LINES:
        return "\n".join(lines)
    return "\n".join(lines[:DETAIL_LINES - 1] + [f"… {len(lines) - DETAIL_LINES + 1} more"])


# A check from a layer above this one (the CLI adds the models layer's rollout check: the appliance never imports
# it): (name, check(home, quick, report)); it adds its own lines, and a RagtuneError it raises is a fail line `name`.
Extra = tuple[str, Callable[[Home, bool, Report], None]]


def diagnose(home: Home, *, settings: Callable[[], Any] | None = None, quick: bool = False,
             extra: Sequence[Extra] = ()) -> Report:
    """Every check on `home`. `settings`: how the caller loads its settings (the CLI's --config); the home's
    config.toml when None. `quick`: `quick_check` instead of `integrity_check`, and no hashing of model files.
    `extra`: checks of the layers above, run after the models' (they keep to the same read-only rules).
    A home that does not exist yet (a fresh install: the first ingest makes it) is a warn line, and what needs no
    home is still checked (config, models, machine, disk); nothing is created. InputError when the home's path is
    a file or cannot be read."""
    exists = _home_exists(home)
    rep = Report(home=str(home.root), quick=quick)
    if not exists:
        rep.add("warn", "home", f"{home.root} does not exist yet: the first `ragtune ingest` makes it",
                "`ragtune ingest PATH` creates it (`ragtune demo` tries the sample pack in a home of its own); "
                "if you meant another home: check --home / RAGTUNE_HOME")
    try:
        s = settings() if settings is not None else load_settings(home=home)
        rep.add("ok", "config", f"{s.source} loads" if s.source != "defaults" else "no config.toml: the defaults")
    except RagtuneError as exc:  # the loader's message names the file and line
        rep.error("config", exc)
        s = None
    db_bytes = _database(home, s, quick, rep) if exists else 0
    if s is None:
        rep.add("warn", "models", "not checked: the config does not load", "fix config.toml, then run doctor again")
    else:
        check_models(home, s, quick, rep)
    for name, check in extra:
        try:
            check(home, quick, rep)
        except RagtuneError as exc:  # e.g. a rollout.json that does not parse: said, the other checks go on
            rep.error(name, exc)
    _permissions(home, s, rep)
    if exists:
        doctor_files.check_wal(home.root, rep)  # a line only when the -wal file is over 64 MB
        doctor_files.check_owners(home.root, rep)  # a line only when some file is another user's
        doctor_files.check_group_write(home.root, rep)  # a line only when the group may write the index
    if s is not None:
        _machine(home, s, rep)
    _disk(home, db_bytes, rep)
    if exists:
        _leftovers(home, rep)
    return rep


def _home_exists(home: Home) -> bool:
    """Whether the home folder is there; False when nothing is at its path (nor at a parent's). InputError when
    what is there is not a folder, or cannot be looked at: no later ingest would make a home of it."""
    try:
        st = os.stat(home.root)
    except FileNotFoundError:
        return False
    except OSError as exc:  # a parent we may not enter, a file where a parent folder should be (ENOTDIR)
        raise InputError(f"home {home.root}: cannot read: {exc.strerror or exc}",
                         hint="check --home / RAGTUNE_HOME, and the permissions of its folders") from None
    if not stat.S_ISDIR(st.st_mode):
        raise InputError(f"home {home.root} is not a folder", hint="check --home / RAGTUNE_HOME")
    if not os.access(home.root, os.R_OK | os.X_OK):
        raise InputError(f"home {home.root}: cannot read: permission denied",
                         hint="run doctor as the home's owner, or check --home / RAGTUNE_HOME")
    return True


# -- the database and the indexes derived from it ----------------------------------------------------------------
def _database(home: Home, s: Any, quick: bool, rep: Report) -> int:
    if not home.db_path.is_file():
        rep.add("ok", "database", "none yet: nothing ingested")
        return 0
    before = _stamp(home.db_path)
    size = (before or (0, 0))[0]
    if _linked_log(home, rep):
        return size
    try:
        store = health.open_as_is(home.db_path)  # read-only, not migrated, no -wal/-shm made beside it
    except StoreError as exc:
        if not _hot_journal(home, rep):
            rep.error("database", exc)
        return size
    with store:
        pragma = "quick_check" if quick else "integrity_check"
        try:
            bad = _problem_lines(health.integrity_problems(store, quick=quick))
        except StoreError as exc:
            if _hot_journal(home, rep):  # every read fails alike: one line that says why, not one per check
                return size
            bad = [exc.message]
        if bad and _stamp(home.db_path) != before:  # a writer connected meanwhile: the read may have been torn
            rep.add("warn", "database", f"{pragma}: written to while checked ({bad[0]})",
                    "run `ragtune doctor` again when no ingest runs")
        elif bad:
            rep.add("fail", "database", f"{pragma}: " + "\n".join(bad),
                    "restore the home from a backup (`ragtune backup` makes one), or ingest again into a new home")
        else:
            rep.add("ok", "database", f"{pragma} ok, {human_size(size)}")
        for step in (_migrations, _counts, _query_log):
            try:
                step(home, store, s, rep)
            except StoreError as exc:  # a damaged table: said on its line, the other checks go on
                rep.error(step.__name__.strip("_").replace("_", "-"), exc)
    return size


def _linked_log(home: Home, rep: Report) -> bool:
    """A log beside the database that is a symbolic link: SQLite refuses every open through it ("unable to open
    database file", which reads as a permissions problem). Said as what it is, with what to do; True when said."""
    links = health.linked_logs(home.db_path)
    if not links:
        return False
    link = links[0]
    todo = health.linked_log_fix(link)
    rep.add("fail", "database", f"{link.name} is a symbolic link (to {os.readlink(link)}): SQLite opens no database "
            f"whose -{link.name.rpartition('-')[2]} file is a link, so every command fails on this home "
            "(\"unable to open database file\"); permissions are not the cause",
            f"{todo} with no ragtune command running, then `ragtune doctor` again")
    return True


def _hot_journal(home: Home, rep: Report) -> bool:
    """After a read failed: a hot rollback journal (a write cut off mid-transaction left it) is why. Doctor reads
    read-only, and only a connection that may write rolls the journal back. Said with what to do; True when said."""
    journal = health.hot_journal(home.db_path)
    if journal is None:
        return False
    rep.add("fail", "database", f"{journal.name}: a write was cut off mid-transaction (killed, crashed) and left "
            "this rollback journal; the database is not as last committed until it is rolled back, which doctor, "
            "reading read-only, does not do (\"attempt to write a readonly database\")",
            "run any command that opens the home for writing, e.g. `ragtune docs list`, with no other ragtune "
            f"command running: it rolls the journal back; then `ragtune doctor` again. Do not delete {journal.name}: "
            "the half-written change would stay in the database")
    return True


def _problem_lines(rows: list[str]) -> list[str]:
    """SQLite's check rows as one problem a line: the b-tree check is one row of many lines, under a heading that
    names the only database checked (`*** in database main ***`), left out."""
    lines = [line.strip() for row in rows for line in row.split("\n")]
    return [line for line in lines if line and not (line.startswith("*** in database ") and line.endswith(" ***"))]


def _migrations(home: Home, store: Any, s: Any, rep: Report) -> None:
    known = [name for name, _ in MIGRATIONS]
    applied = set(store.applied_migrations())
    pending = [n for n in known if n not in applied]
    newer = newer_migrations(applied)
    if newer:  # every command that writes refuses it (StoreBase.migrate): a fail, not something the product repairs
        rep.add("fail", "migrations", f"{len(newer)} applied by a newer ragtune ({', '.join(newer[:3])}); this one "
                f"knows up to {known[-1]}: commands that write refuse the home", NEWER_HINT)
    elif pending:
        rep.add("warn", "migrations", f"{len(pending)} of {len(known)} pending ({', '.join(pending[:3])}): the next "
                "write migrates it", "the next command that opens the home for writing (ingest, ask, search, docs, "
                "serve …) applies them, each in its own transaction; an older ragtune should not use the home after "
                "that: `ragtune backup DEST` first keeps a copy for it (docs/upgrading.md)")
    else:
        rep.add("ok", "migrations", f"all {len(known)} applied")


def _counts(home: Home, store: Any, s: Any, rep: Report) -> None:
    docs, chunks, vecs = store.count_documents(), store.count_chunks(), store.count_vectors()
    listed = health.listed_chunks(store)
    bad = chunks != vecs or listed != chunks  # written in one transaction each: a mismatch is damage, not a lag
    rep.add("fail" if bad else "ok", "counts", f"{docs} documents, {chunks} chunks, {vecs} vectors"
            + (f"; the documents list {listed} chunks" if bad else ""),
            "restore the home from a backup, or ingest again into a new home" if bad else None)
    _lexical(home, store, chunks, rep)
    _vectors(home, store, chunks, rep)
    _embedders(home, store, s, rep)
    doctor_files.check_sources(store, rep)  # a line only when some documents' files are not there
    doctor_files.check_failures(store, rep)  # a line only when some files failed to ingest
    doctor_files.check_readers(store, rep)  # a line only when some documents were read by an older reader


def _embedders(home: Home, store: Any, s: Any, rep: Report) -> None:
    """A line only when some documents' vectors come from another embedder than `[embed] model` (changed since they
    were ingested): vector search leaves them out until they are re-ingested, and which command does it. Nothing
    hashed under --quick but a default model's id, which its manifest holds."""
    from .embed import configured_model_id, other_model_paths, reingest_command

    model_id = None if s is None else configured_model_id(s.embed, home, hash_files=not rep.quick)
    if model_id is None:  # the embedder does not resolve (its own line says so), or --quick with a custom one
        return
    paths = other_model_paths(store, model_id, from_files=True)
    if paths:
        rep.add("warn", "embeddings", f"{len(paths)} of {store.count_documents()} documents have vectors from another "
                f"embedder than [embed] model ({s.embed.model}): vector search leaves them out (BM25 still finds them) "
                "until they are re-ingested", f"{reingest_command(paths)}: re-embeds them with [embed] model "
                "(documents it embedded already are skipped)")


def _lexical(home: Home, store: Any, chunks: int, rep: Report) -> None:
    """The index opened as it is, and probed (lexical_health.py). `unwritable` by this module's name: tests make
    a home read-only through it. Tantivy's panic text kept off stderr: the line says the damage (lexical_panic)."""
    with rust_quiet():
        lexical_health.check(home, store, chunks, rep, unwritable=unwritable)


def _vectors(home: Home, store: Any, chunks: int, rep: Report) -> None:
    root, seq = home.root / "vectors", store.vector_change_seq()
    st = read_state(root)
    if st is None and not (root / STATE).exists():  # never built: below ANN_MIN_CHUNKS sqlite-vec answers alone
        small = chunks < ANN_MIN_CHUNKS
        rep.add("ok" if small else "warn", "vectors", f"no index file needed under {ANN_MIN_CHUNKS} chunks "
                "(sqlite-vec searches)" if small else "no vector index yet: built on the next search")
    elif st is None or st.get("stale") or not files_ok(root, st):
        rep.add("warn", "vectors", "vector index unreadable, not whole or of older codes: rebuilt on the next search")
    else:
        rep.add("ok" if st["seq"] == seq else "warn", "vectors", f"in step ({st['live']} vectors)" if st["seq"] == seq
                else f"vector index out of step (change {st['seq']}, database {seq}): caught up on the next search")


def _query_log(home: Home, store: Any, s: Any, rep: Report) -> None:
    rows, size = health.query_log_size(store)
    days = None if s is None else s.retention.query_log_days
    keep = "unknown (config)" if days is None else "all" if days == 0 else f"{days} days"
    big = days == 0 and size is not None and size > LOG_WARN_BYTES
    rep.add("warn" if big else "ok", "query-log",
            f"{rows} rows{'' if size is None else ', ' + human_size(size)}; [retention] query_log_days keeps {keep}",
            "`ragtune log prune` removes old rows; `[retention] query_log_days` keeps the log bounded" if big else None)


# -- models --------------------------------------------------------------------------------------------------------
def _machine(home: Home, s: Any, rep: Report) -> None:
    """Cores and RAM against the configured threads and models (machine.fit); a model that does not resolve has
    its own fail line above and counts 0 here. With `generate.backend = "openai"` the generation model counts
    its vocabulary only: the weights are the server's, this process loads the GGUF vocabulary-only (remote.py)."""
    reg, size = Registry(home), 0
    remote = s.generate.backend == "openai"
    for key, ref in (("generate.model", s.generate.model), ("embed.model", s.embed.model)):
        try:
            read = resolve_model_value(reg, key, ref, verify=False)
        except RagtuneError:
            continue
        for p in read.paths or ([read.path] if read.path and read.found else []):
            try:  # a file, or an embedder's folder
                size += _vocab_size(p) if remote and key == "generate.model" else artifact_size(p)
            except (OSError, RagtuneError):  # gone since it resolved, or not a GGUF: its own line says so
                pass
    threads = {"[embed] threads": s.embed.threads, "[generate] threads": s.generate.threads,
               "[generate] threads_batch": s.generate.threads_batch}
    status, detail, hint = fit(threads, size, remote=remote)
    rep.add(status, "machine", detail, hint)


def _vocab_size(path: Path) -> int:
    """What the GGUF at `path` holds loaded vocabulary-only (its header's token count; machine.vocab_bytes)."""
    n = read_gguf(path).metadata.get("tokenizer.ggml.tokens", 0)  # an array: its length
    return vocab_bytes(n if isinstance(n, int) else 0)


# -- the file system -----------------------------------------------------------------------------------------------
def _disk(home: Home, db_bytes: int, rep: Report) -> None:
    # a home not made yet: the file system it will be made on (its nearest folder that exists)
    there = nearest_folder(home.root)
    free = shutil.disk_usage(there).free
    need = max(GB, db_bytes)  # a VACUUM or a backup writes a copy of the database
    rep.add("warn" if free < need else "ok", "disk",
            f"{human_size(free)} free on the home's file system; database {human_size(db_bytes)}",
            f"free some space: with under {human_size(need)} left an ingest, a VACUUM or a backup may fail half-way "
            f"(each rolls back)" if free < need else None)


def _leftovers(home: Home, rep: Report) -> None:
    """Temporaries a killed writer left (atomic.py's `.NAME.<8>.part` / `.NAME.old-PID`, the lexical index's
    `.tmpXXXXXX` and `synced.json.tmp`), counted, not removed. One a live writer holds locked is not counted."""
    stale = stale_names(None)
    found: list[str] = []
    for folder, dirs, files in os.walk(home.root):
        for name in dirs + files:
            if stale.match(name) or is_litter(name):
                path = Path(folder) / name
                with held_if_free(path) as fd:
                    if fd is not None:
                        found.append(str(path.relative_to(home.root)))
        dirs[:] = [d for d in dirs if not stale.match(d)]  # a folder temporary's insides are not counted again
    listed = ", ".join(sorted(found)[:3]) + (" …" if len(found) > 3 else "")
    rep.add("warn" if found else "ok", "leftovers",
            f"{len(found)} {'temporary' if len(found) == 1 else 'temporaries'} of killed writers: {listed}" if found
            else "no temporaries of killed writers",
            "harmless: the next command that opens the home for writing removes them" if found else None)


def _permissions(home: Home, s: Any, rep: Report) -> None:
    """What other users of the machine may read or write: the home folder (any bit for others), ragtune.db and its
    logs beside it (the documents' text, the query log: any bit for group or others), a config.toml that holds
    `[serve] tokens`. A line only when something is open (a home made before round 42 was 0755 with a 0644
    database: ragtune never changes an existing mode, an operator may have opened it on purpose). POSIX only."""
    if os.name != "posix":
        return
    config = Path(s.source) if s is not None and s.serve.tokens and s.source != "defaults" else None
    db = [home.db_path, *(home.db_path.with_name(home.db_path.name + sfx) for sfx in health.DB_LOGS)]
    found = []
    for path, mask, what in [(home.root, 0o007, "the home folder"), *((p, 0o077, p.name) for p in db),
                             *(((config, 0o077, f"{config.name} (it holds [serve] tokens)"),) if config else ())]:
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except OSError:  # not there (no database yet, no -wal while nothing is open)
            continue
        if mode & mask:
            found.append(f"{what} is {mode:04o}: {_who(mode & mask)} can {_access(mode & mask, path.is_dir())} it")
    if found:
        rep.add("warn", "permissions", "\n".join(found),
                f'make them private: chmod 700 "{home.root}" && chmod 600 "{home.root}"/ragtune.db*'
                + (f' "{config}"' if config else "") + " (docs/security.md, \"File permissions\")")


def _who(bits: int) -> str:
    return " and ".join(w for w, m in (("its group", 0o070), ("other users", 0o007)) if bits & m)


def _access(bits: int, folder: bool) -> str:
    both = bits | bits >> 3  # the group's bits folded onto the others'
    return " and ".join(a for a, m in (("read", 0o4), ("write", 0o2), ("enter" if folder else "run", 0o1))
                        if both & m)


def _stamp(path: Path) -> tuple[int, int] | None:
    """(size, mtime) of a file, to tell whether it was written meanwhile."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns
