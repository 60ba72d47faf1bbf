"""`ragtune backup DEST`: a complete, consistent copy of a home, safe while `serve` or an ingest runs
(docs/store.md, "Backup and restore").

- The database: SQLite's online backup API (`Store.backup_to`), one read transaction, so never a torn copy of a WAL
  database; the copy is checked (`quick_check`) before it counts.
- The derived indexes (`tantivy/`, `vectors/`) are left out: they follow the database by markers (`synced.json`,
  `state.json`) that a copy taken beside a running writer could not match to the snapshot, and the product already
  rebuilds both from the database when they are missing (`Retriever`: `LexicalIndex.ensure_synced`,
  `VectorIndex.ensure`; ingest too). A backup therefore never holds indexes that disagree with its database; the
  first `search`/`ask` on it pays the rebuild (measured in docs/store.md).
- Everything else the product keeps in the home is copied: config.toml, the registry (manifests, `active.json`, the
  rollout state; blobs and `models/` hard-linked where DEST is on the same file system: they are never written in
  place), eval reports, trained rerankers. Caches and scratch work are left out (SKIPPED), and so is any Python
  venv in the home (VENV: a folder with `pyvenv.cfg` at its top; older install.sh put one at HOME/venv).
- DEST is written as a temporary beside it (`.DEST.<random>.part`, flock-held: atomic.locked_temporary) and renamed
  onto it at the end, so a killed backup leaves nothing at DEST; the next backup to DEST removes the temporary.
- The copy works wherever it is put: paths inside the home are home-relative. Registry manifests store them so
  (registry.home_relative); the absolute ones older homes recorded, and the model keys of config.toml naming a file
  inside the home by its absolute path (`[generate] model`/`adapter`, `[embed] model`, `[retrieve] rerank`), are
  rewritten in the copy only (`made_relative`). A file registered in place, or named by config.toml, under a folder
  the backup leaves out (tune/, cache/) is copied anyway (`kept_registered`). Files registered in place outside the
  home are named (`external_files`), or copied into the copy's registry with `include_external`.
- The source home is left as it was, even by a killed backup: an idle database (no `-wal`/`-shm`) is read
  `immutable`, which makes no files beside it (a read-only open makes `-wal`/`-shm` it cannot remove), and read
  again through SQLite's locks when a writer changed it meanwhile (_copy_database).
- `backup.json`, written last (backup_manifest.py), lists every file with its size and sha256 (a hard-linked blob or
  file registered in place: its artifact id, not read again) and the database's counts and migrations:
  `backup_verify.verify_backup` (`ragtune backup --verify`) says before a restore whether the backup is still what
  was written, reading every byte.
"""

from __future__ import annotations

import errno
import os
import resource
import shutil
import stat
import time
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .artifacts import artifact_size
from .atomic import atomic_write_text, locked_temporary, make_dir, stale_names, sweep_stale
from .backup_manifest import LINKED, MANIFEST, sha256_of, write_manifest  # noqa: F401  (sha256_of: re-exported)
from .errors import InputError
from .filelock import LockBusy, exclusive
from .home import Home
from .lexical import is_litter

DB_FILES = ("ragtune.db", "ragtune.db-wal", "ragtune.db-shm", "ragtune.db-journal")  # the backup API's
DERIVED = {"tantivy": "lexical index: rebuilt from the database on first open",
           "vectors": "vector index: rebuilt from the database on first open"}
SKIPPED = {"cache": "cache", "logs": "logs", "demo": "the sample-pack demo home (`ragtune demo` makes it again)",
           "tune": "training work folders (resumable runs; their adapters are in the registry)",
           "eval/corpora": "scratch homes of eval corpora (ingested again when needed)"}
# a Python virtual environment (a folder with `pyvenv.cfg` at its top; older install.sh made HOME/venv, ~400 MB in
# ~10,000 files): it names the absolute paths it was made at and does not work moved, so it is reinstalled
VENV = "a Python environment: reinstall, not restore"
# copied first, under the rollout lock: what they name is in the registry by then (manifests are never removed)
REGISTRY_STATE = ("registry/active.json", "registry/rollout.json", "registry/rollout-history.jsonl")
_STALE = stale_names(None)


def _is_litter(name: str) -> bool:
    """Writers' temporaries and locks: atomic.py's `.NAME.<8>.part` / `.NAME.old-PID`, the lexical index's, any
    `*.tmp`, flock files."""
    return bool(_STALE.match(name)) or is_litter(name) or name.endswith((".tmp", ".lock"))
LOCK_WAIT_S = 10.0


@dataclass
class BackupResult:
    home: str
    dest: str
    bytes: int = 0  # written (copied files and the database)
    linked_bytes: int = 0  # hard-linked: shared with the home, no new space
    files: int = 0
    linked_files: int = 0
    documents: int = 0
    chunks: int = 0
    database_bytes: int = 0
    seconds: float = 0.0
    left_out: dict[str, str] = field(default_factory=dict)  # path in the home -> why
    external_files: list[str] = field(default_factory=list)  # registered in place outside the home: not copied
    included_external: list[str] = field(default_factory=list)  # the same, copied in (include_external)
    kept_registered: list[str] = field(default_factory=list)  # registered in place under a left-out folder: copied
    missing_files: list[str] = field(default_factory=list)  # registered in place, gone from there: in no copy
    made_relative: list[dict[str, str]] = field(default_factory=list)  # {where, was, now}: rewritten in the copy
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


# `ragtune backup restore` (there is no such subcommand) made a new backup in ./restore: a word people expect to be a
# subcommand, as typed (no path separator) and not there yet, is refused; `./restore` still makes one there.
_HOW = ("a backup is a home: check it (`ragtune backup --verify DEST`), then use it as the home (`ragtune --home DEST "
        "…`) or copy it back (`cp -a DEST NEWHOME`; docs/store.md, \"Backup and restore\")")
SUBCOMMAND_WORDS = {
    "restore": f"there is no `backup restore`: {_HOW}",
    "verify": "to check a backup: `ragtune backup --verify DEST`",
    "list": "the backups made of this home are listed in its registry/backups.jsonl (one {dest, time} a line)",
}


def _not_a_subcommand(dest: Path | str) -> None:
    word = str(dest).strip()
    if word.lower() in SUBCOMMAND_WORDS and os.sep not in word and "/" not in word and not os.path.lexists(word):
        raise InputError(f"'{word}' is not a subcommand of `ragtune backup` (it takes a destination folder: this "
                         f"would make a new backup in ./{word})",
                         hint=f"{SUBCOMMAND_WORDS[word.lower()]}; to back up into a folder named {word}, give "
                              f"./{word}")


def check_dest(home: Home, dest: Path | str) -> Path:
    """DEST resolved, or an InputError (exit 2) before anything is written: it must be given (not empty or blank), new
    or an empty folder, UTF-8 (it is a home), and not inside the home (the copy would hold itself)."""
    from .text import check_utf8_path

    if isinstance(dest, str) and not dest.strip():  # Path("") would be the working directory: never meant
        raise InputError("give a destination folder (DEST is empty)", hint="a new path or an empty folder")
    check_utf8_path(dest, "backup destination", "it becomes a home, whose database opens UTF-8 paths only")
    _not_a_subcommand(dest)
    if not home.root.is_dir():
        raise InputError(f"home {home.root} does not exist", hint="check --home / RAGTUNE_HOME")
    dest = Path(dest).expanduser().resolve()
    if os.path.lexists(dest):
        if not dest.is_dir():
            raise InputError(f"{dest}: exists and is not a folder", hint="give a new path or an empty folder")
        try:
            empty = next(os.scandir(dest), None) is None
        except OSError as exc:
            raise InputError(f"{dest}: cannot read this folder: {exc.strerror or exc}") from None
        if not empty:
            raise InputError(f"{dest}: not empty", hint="give a new path or an empty folder; a backup never "
                                                        "overwrites or merges into existing files")
    if dest == home.root or home.root in dest.parents:
        raise InputError(f"{dest}: inside the home {home.root}", hint="give a path outside the home")
    return dest


def backup_home(home: Home, dest: Path | str, *, include_external: bool = False, record: bool = False) -> BackupResult:
    """Copy `home` to `dest` (see the module docstring). InputError for a refused DEST (nothing written), StoreError
    for the database, OSError naming DEST for a write that fails (a full disk, permissions), or WriteRefused (exit 74
    too) when the database copy's write is refused with room seemingly left (a quota): then nothing is at DEST.
    `include_external`: files registered in place outside the home are copied into the backup's registry too.
    `record` (`ragtune backup`): append {dest, time} to the home's registry/backups.jsonl (backup_record), the one
    change a backup makes to its source, so that an erasure's receipt names the backups that still hold the text."""
    t0 = time.perf_counter()
    dest = check_dest(home, dest)
    res = BackupResult(home=str(home.root), dest=str(dest))
    when = time.time() if record else None  # the line the copy and the home both get (backup_record)
    make_dir(dest.parent)
    try:
        sweep_stale(dest.parent, dest.name)  # what a killed backup to DEST left
        tmp, fd = locked_temporary(dest, folder=True)
    except OSError as exc:
        raise _named(exc, dest) from None
    try:
        try:
            _write(home, tmp, dest, res, include_external, when)
            # as private as the home (a group it was opened to keeps its access), never open to every user: it holds
            # the query log, config.toml (maybe serve tokens) and eval reports (docs/security.md)
            os.chmod(tmp, stat.S_IMODE(home.root.stat().st_mode) & 0o770)
            _fsync(tmp)
        except OSError as exc:
            raise _named(exc, dest) from None
        try:
            os.rename(tmp, dest)  # onto nothing or an empty folder only: a folder filled meanwhile makes it fail
        except OSError as exc:
            if exc.errno in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR, errno.EISDIR):
                raise InputError(f"{dest}: filled by something else while the backup ran; nothing was written "
                                 f"there", hint="give a new path or an empty folder") from None
            raise _named(exc, dest) from None
        _fsync(dest.parent)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
        os.close(fd)  # only now: a sweep never takes a temporary still in use
    if record:  # the home remembers it: a later erasure's receipt names the backups that still hold the erased text
        from .backup_record import record_backup

        if (warning := record_backup(home, dest, when)) is not None:
            res.warnings.append(warning)
    res.seconds = round(time.perf_counter() - t0, 3)
    return res


def _write(home: Home, tmp: Path, dest: Path, res: BackupResult, include_external: bool,
           when: float | None = None) -> None:
    from .errors import StoreError
    from .store import Store

    migrations: list[str] = []
    if home.db_path.is_file():
        try:
            res.database_bytes = _copy_database(home.db_path, tmp / home.db_path.name, dest / home.db_path.name)
        except StoreError:
            _no_room(home.db_path, tmp)  # SQLite says "not an error" for a write a full disk refused
            raise
        res.bytes += res.database_bytes
        res.files += 1
        # counted as it is, never migrated: a backup of an older home taken before an upgrade is the way back to
        # the ragtune that made it (docs/upgrading.md); the copy keeps the source's WAL mode (SQLite's backup copies
        # the header), and its close removes the -wal/-shm its open made
        with Store(tmp / home.db_path.name, readonly=True, clean_close=True) as copy:
            res.documents, res.chunks = copy.count_documents(), copy.count_chunks()
            migrations = copy.applied_migrations()
    _copy_registry_state(home.root, tmp, res)
    _copy_tree(home.root, tmp, "", res)
    _registered_files(home, tmp, res, include_external)
    _config_paths(home.root, tmp, res)
    if when is not None:  # a home restored from this copy lists the backups made of it, this one too
        from .backup_record import FILE, record_in_copy

        res.files += not (tmp / FILE).is_file()
        res.bytes += record_in_copy(tmp, dest, when)
    write_manifest(tmp, res, migrations)


def _no_room(db: Path, tmp: Path) -> None:
    """An OSError (exit 74, DEST named) when the database copy cannot fit: the file system's free space, or the
    file size limit (`ulimit -f`), below the database's size; else nothing (the StoreError says what failed)."""
    need = sum(os.path.getsize(f"{db}{s}") for s in ("", "-wal") if os.path.isfile(f"{db}{s}"))
    part = tmp / db.name
    vfs = os.statvfs(tmp)
    if vfs.f_bavail * vfs.f_frsize + (part.stat().st_size if part.is_file() else 0) < need:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    if limit != resource.RLIM_INFINITY and limit < need:
        raise OSError(errno.EFBIG, f"the database ({need} bytes) is over this shell's file size limit ({limit} "
                                   f"bytes, `ulimit -f`)")


def _copy_database(db: Path, out: Path, shown: Path) -> int:
    """`db` copied to `out` (errors name `shown`); its bytes. The source is never written nor migrated, and nothing
    is made beside it that a killed backup could leave: an idle database (no -wal/-shm/-journal) is read `immutable`
    (no locks, no files: store/health.py open_as_is's rule). A writer that connects meanwhile may checkpoint into
    the file under that read, so it counts only if the file is unchanged and still idle after it; else it is taken
    again through SQLite's locks, as a database in use always is: read through its -wal/-shm as they are."""
    from .errors import StoreError
    from .store import Store
    from .store.health import DB_LOGS, in_use

    before = _stamp(db)
    if not in_use(db):
        try:
            with Store(db, readonly=True, immutable=True) as src:
                size = src.backup_to(out, shown=shown)["bytes"]
            if _stamp(db) == before and not in_use(db):
                return size
        except StoreError:
            if _stamp(db) == before and not in_use(db):
                raise  # the file itself (damaged), or writing the copy failed: not a torn read
        for suffix in ("", *DB_LOGS):  # the torn copy
            if os.path.lexists(f"{out}{suffix}"):
                os.unlink(f"{out}{suffix}")
    # No -wal/-shm (the writer has gone): opened so that its close removes the two its open makes (a read-only
    # connection cannot; a -journal is no open's: not asked); else they are the writer's, read through as they are.
    with Store(db, readonly=True, clean_close=not in_use(db, ("-wal", "-shm"))) as src:
        return src.backup_to(out, shown=shown)["bytes"]


def _stamp(path: Path) -> tuple[int, ...] | None:
    """What a write to the file changes, to tell whether it was written meanwhile."""
    try:
        st = path.stat()
    except OSError:  # removed meanwhile: opening it says so
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns


def _copy_registry_state(root: Path, tmp: Path, res: BackupResult) -> None:
    """active.json and the rollout state, under the rollout lock when a rollout command ever ran (its lock file
    exists): a `rollout start|promote|rollback` changes rollout.json and the history together."""
    lock = root / "registry" / "rollout.lock"
    locked = lock.is_file() and os.access(lock, os.R_OK | os.W_OK)  # a read-only home: no writer to keep out
    try:
        with exclusive(lock, wait_s=LOCK_WAIT_S) if locked else nullcontext():
            _copy_files(root, tmp, REGISTRY_STATE, res)
    except LockBusy:  # exit 75: nothing is wrong, run it again later
        raise LockBusy(lock, LOCK_WAIT_S, f"a rollout command has held {lock} for {LOCK_WAIT_S:g} s",
                       hint="run the backup again when it has finished") from None


def _copy_files(root: Path, tmp: Path, rels: tuple[str, ...], res: BackupResult) -> None:
    for rel in rels:
        if (root / rel).is_file():
            (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
            _copy_file(root / rel, tmp / rel, res, link=False)


def _copy_tree(src: Path, dst: Path, rel: str, res: BackupResult) -> None:
    """The home below `src` (`rel` its path in the home), less the database, derived indexes, caches and litter."""
    try:
        entries = sorted(os.scandir(src), key=lambda e: e.name)
    except FileNotFoundError:  # removed meanwhile
        return
    for e in entries:
        r = f"{rel}/{e.name}" if rel else e.name
        if (not rel and e.name in (*DB_FILES, MANIFEST)) or r in REGISTRY_STATE or _is_litter(e.name):
            continue
        why = DERIVED.get(r) or SKIPPED.get(r) or (VENV if _is_venv(e) else None)
        if why:
            res.left_out[r] = why
            continue
        target = dst / e.name
        if e.is_symlink():
            os.symlink(os.readlink(e.path), target)
        elif e.is_dir():
            target.mkdir(exist_ok=True)
            _copy_tree(Path(e.path), target, r, res)
            shutil.copystat(e.path, target)
        elif e.is_file():
            _copy_file(Path(e.path), target, res, link=any(r.startswith(p + "/") for p in LINKED))
        # sockets, pipes, devices: nothing a home keeps


def _is_venv(e: os.DirEntry) -> bool:
    return not e.is_symlink() and e.is_dir() and os.path.isfile(os.path.join(e.path, "pyvenv.cfg"))


def _copy_file(src: Path, dst: Path, res: BackupResult, *, link: bool) -> None:
    if link:
        try:
            os.link(src, dst)
            res.linked_files += 1
            res.linked_bytes += dst.stat().st_size
            return
        except FileNotFoundError:
            return
        except OSError:  # another file system (EXDEV), or links not allowed: a copy
            pass
    try:
        shutil.copy2(src, dst)
    except FileNotFoundError as exc:
        if exc.filename == str(src) or not src.exists():  # removed meanwhile (a swept temporary, a pruned file)
            return
        raise
    _fsync(dst)
    res.files += 1
    res.bytes += dst.stat().st_size


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _registered_files(home: Home, tmp: Path, res: BackupResult, include_external: bool) -> None:
    """The copy's registry names its in-place files as it will find them wherever it is put: absolute in-home paths
    (older homes) rewritten home-relative; such a file under a folder the walk left out copied; files outside the
    home listed (`external_files`), or with `include_external` copied into its blobs/ (the source is not changed)."""
    from .errors import RagtuneError
    from .registry import Registry

    reg, src_reg = Registry(Home(tmp)), Registry(home)
    for name, was, now in reg.make_relative(home.root):
        res.made_relative.append({"where": f"registry/{name}", "was": was, "now": now})
    for m, path in reg.in_place():
        src = src_reg.path_of(m)
        external = os.path.isabs(m["file"]) or not path.is_relative_to(tmp)
        if not os.path.exists(src):  # moved or deleted since it was registered: said by name, whatever the flags
            _missing(m, src, res, external)
            continue
        if external:
            if not include_external:
                res.external_files.append(str(src))
                continue
            try:
                blob = reg.take_in(m["id"], src)
            except (RagtuneError, OSError) as exc:  # moved, changed or unreadable since it was registered
                if isinstance(exc, OSError) and (exc.filename2 is not None or exc.filename is None):
                    raise  # writing the copy failed (a full disk): the backup fails, as any write of it does
                if not os.path.exists(src):  # gone meanwhile
                    _missing(m, src, res, external)
                    continue
                res.external_files.append(str(src))
                why = exc.message if isinstance(exc, RagtuneError) else exc.strerror or exc
                res.warnings.append(f"{src}: not copied in: {why}")
                continue
            res.included_external.append(str(src))
            res.files += 1
            res.bytes += artifact_size(blob)
        else:  # under tune/, cache/ …: the registry needs it
            _keep(src, path, path.relative_to(tmp).as_posix(), res)


def _missing(m: dict[str, Any], src: Path, res: BackupResult, external: bool) -> None:
    """A registered file that is not where its manifest names it: listed (`missing_files`, and among the external
    files when it was outside the home: the copy's manifest still names it there) and said, with its artifact."""
    res.missing_files.append(str(src))
    if external:
        res.external_files.append(str(src))
    res.warnings.append(f"{src}: the file of artifact {m['id'][:12]} ({m['name']}) is missing: it is not in the "
                        f"backup, and the home cannot serve it either (restore the file, or re-add the artifact)")


def _config_paths(root: Path, tmp: Path, res: BackupResult) -> None:
    """The model keys of the copy's config.toml (`[generate] model`/`adapter`, `[embed] model`, `[retrieve] rerank`)
    name in-home files as the copy will find them wherever it is put: an absolute path inside the home becomes
    home-relative (config.py reads relative paths against whichever home loads it), and a file they name under a
    folder the walk left out (tune/, cache/) is copied (`kept_registered`). Only a config.toml that is a symbolic
    link, or that the rewrite would not leave readable, is left as it is, with a warning."""
    from .config import PATH_KEYS, home_path_value, looks_like_path, place_in_home
    from .config_edit import set_in_toml
    from .tomltext import TomlTextError, loads

    cfg = tmp / "config.toml"
    try:
        text = cfg.read_bytes().decode("utf-8").replace("\r\n", "\n").replace("\r", "\n") if cfg.is_file() else ""
        data = loads(text)
    except (OSError, UnicodeDecodeError, TomlTextError):
        return  # copied as it is; it does not load in the home either (doctor and every command say so)
    new = text
    for section, key in PATH_KEYS:
        v = data.get(section, {}).get(key) if isinstance(data.get(section), dict) else None
        if not isinstance(v, str) or not v:
            continue
        given = os.path.expanduser(v)
        if not (os.path.isabs(given) or (looks_like_path(v) and os.path.lexists(root / given))):
            continue  # an id or a name, or a relative path only the working directory holds (config.py's rule)
        rel = place_in_home(root / given, root)
        if rel is None:
            continue
        if rel.partition("/")[0] not in DERIVED and rel not in DB_FILES:  # never an index or the database
            _keep(root / rel, tmp / rel, rel, res)
        if not os.path.isabs(given):
            continue  # already the home's
        rel = home_path_value(rel)
        if not cfg.is_symlink():
            candidate = set_in_toml(new, section, key, rel)
            try:
                ok = loads(candidate).get(section, {}).get(key) == rel
            except TomlTextError:
                ok = False
            if ok:
                new = candidate
                res.made_relative.append({"where": f"config.toml [{section}] {key}", "was": v, "now": rel})
                continue
        res.warnings.append(f"config.toml [{section}] {key} names {v}, inside the home, by its absolute path, and "
                            f"the copy's config.toml could not be rewritten: used elsewhere, the backup still reads it "
                            f"there; write `{rel}` (relative paths in config.toml are the home's)")
    if new != text:
        atomic_write_text(cfg, new)  # keeps the copy's mode (atomic.replace_into)


def _keep(src: Path, path: Path, rel: str, res: BackupResult) -> None:
    """A file or folder the registry or config.toml names, copied when the walk left it out (under tune/, cache/ …)."""
    if os.path.lexists(path) or not os.path.lexists(src):
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    if src.is_dir():
        path.mkdir()
        _copy_tree(src, path, rel, res)
    else:
        _copy_file(src, path, res, link=False)
    res.kept_registered.append(rel)


def _named(exc: OSError, dest: Path) -> OSError:
    """The OSError with DEST as its file: the temporary's name means nothing to the person who gave DEST."""
    return OSError(exc.errno, exc.strerror or str(exc), str(dest))
