"""The one user directory. `RAGTUNE_HOME` overrides the platform default."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Callable

# Where a home's writers put temporaries beside what they write (atomic.py's `.NAME.<8>.part` / `.NAME.old-PID`): the
# config, registry manifests and state, registry blobs (a model copy: gigabytes), the vector files, dequantized bases,
# dataset scratch. One listing each, no deeper (the trees of runs below: RUN_TREES).
LITTER_FOLDERS = ("", "registry", "registry/blobs", "vectors", "models", "models/hf-bases", "cache")
# Folders commands write trees of runs into, and how many levels below hold their temporaries: `tune default`'s work
# folders (tune/RECIPE/ with its GGUF, adapter/ with checkpoints, data*/, eval/SET/), trained rerankers
# (rerankers/RUN/model/), eval runs (eval/RUN/), the TUI's log. A run's scratch home (eval/RUN/home) is not gone into:
# its own first open sweeps it.
RUN_TREES = {"tune": 3, "rerankers": 2, "eval": 1, "logs": 0}
RUNS_SWEPT = 32  # subfolders gone into per folder, the most recently changed: a killed run's temporary made its folder
# one of the newest, and the next command sweeps (a home of 1,000 eval runs would cost ~10 ms more listing them all)
DB_NAME = "ragtune.db"
# A home holds users' questions and answers (the query log in ragtune.db), the documents' text (chunks, the lexical
# index) and maybe serve tokens (config.toml): one ragtune makes is its owner's only, whatever the umask
# (docs/security.md). A home that exists keeps its mode: an operator may have opened it to a group on purpose.
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600  # a new database (home.py's callers: store/base.py, backup.py)
_swept: set[Path] = set()
_swept_lock = threading.Lock()
# Every folder a Home was made for in this process: a missing parent make_home creates on the way is private too when
# it is one of them (`ragtune demo` on a fresh install makes HOME/demo, and with it the user's HOME).
_named: set[Path] = set()
# A user that cannot have the default home (a service account: HOME=/nonexistent, a read-only home directory)
NO_HOME_HINT = ("set RAGTUNE_HOME (or --home) to a folder this user may create or write (a service account: "
                "docs/install.md, \"Several teams on one host\")")


def ragtune_home() -> Path:
    env = os.environ.get("RAGTUNE_HOME")
    if env:
        return Path(env).expanduser().resolve()
    import platformdirs

    from .userdirs import need_home

    return need_home(lambda: platformdirs.user_data_dir("ragtune", appauthor=False), "home folder", NO_HOME_HINT)


def _utf8_root(root: Path) -> Path:
    """A home whose path is not UTF-8 (a Latin-1 name's byte 0xe9) can never hold the index: SQLite and the lexical
    index open UTF-8 paths only. Said once, here, instead of a UnicodeEncodeError at the first database open."""
    from .errors import InputError
    from .text import check_utf8_path

    try:
        return check_utf8_path(root, "home", "the database cannot be opened there")
    except InputError as exc:  # a home is named by --home / RAGTUNE_HOME, not renamed
        exc.hint = "give --home / RAGTUNE_HOME a folder whose path is UTF-8"
        raise


class Home:
    """Paths inside a home. Created lazily; nothing is written until asked."""

    def __init__(self, root: Path | str | None = None):
        self.root = _utf8_root(Path(root).expanduser().resolve() if root else ragtune_home())
        _named.add(self.root)

    @property
    def db_path(self) -> Path:
        return self.root / DB_NAME

    @property
    def lexical_dir(self) -> Path:
        return self.root / "tantivy"

    @property
    def config_path(self) -> Path:
        return self.root / "config.toml"

    @property
    def models_dir(self) -> Path:
        return self.root / "models"

    @property
    def adapters_dir(self) -> Path:
        return self.root / "adapters"

    @property
    def registry_dir(self) -> Path:
        return self.root / "registry"

    @property
    def eval_dir(self) -> Path:
        return self.root / "eval"

    def ensure(self) -> "Home":
        make_home(self.root)
        return self

    def __repr__(self) -> str:
        return f"Home({str(self.root)!r})"


def make_home(root: Path | str) -> Path:
    """Create the home folder `root`, owner-only (PRIVATE_DIR_MODE whatever the umask), when it does not exist; its
    missing parents get the usual mode (they hold nothing of ragtune's), except one that is itself a home of this
    process (a Home was made for it: the user's home above `ragtune demo`'s HOME/demo), made owner-only as well. An
    existing folder is left as it is, its mode too. A file in the way, or a folder that cannot be created, is an
    InputError naming the path (as atomic.make_dir)."""
    from .atomic import check_folder, give_to_folder_owner
    from .errors import InputError

    root = check_folder(root)
    if root.is_dir():
        return root
    missing = [p for p in (root, *root.parents) if not p.exists()]
    try:
        for folder in reversed(missing):  # the outermost first
            private = folder == root or Path(os.path.realpath(folder)) in _named  # as Home resolved it
            try:  # the mode at creation: never readable by others, not even for a moment
                folder.mkdir(mode=PRIVATE_DIR_MODE if private else 0o777)
            except FileExistsError:  # made meanwhile by another process (a second ingest): the same folder
                if not folder.is_dir():
                    raise InputError(f"{folder}: exists and is not a folder") from None
                continue
            if private:
                _exactly_private(folder)
            give_to_folder_owner(folder)
    except OSError as exc:
        raise InputError(f"{root}: cannot create this folder: {exc.strerror or exc}", hint=NO_HOME_HINT) from None
    return root


def _exactly_private(folder: Path) -> None:
    """PRIVATE_DIR_MODE on a folder just made: mkdir's mode is masked by the umask, and a umask that takes the
    owner's own bits (0277) would leave a home its owner cannot write."""
    try:
        if (os.stat(folder).st_mode & 0o777) != PRIVATE_DIR_MODE:
            os.chmod(folder, PRIVATE_DIR_MODE)
    except OSError:  # a file system without modes (vfat): what it gives
        pass


def create_private_file(path: Path | str) -> bool:
    """Create `path` empty with PRIVATE_FILE_MODE unless something (a file, a link) is there: a new SQLite database
    then has this mode, and so have its `-wal`/`-shm`/`-journal` (SQLite gives them the database's). An empty file is
    an empty database. True when it was made; a failure is left for the open that follows to report."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, PRIVATE_FILE_MODE)
    except OSError:  # there already (another process made it), or a folder we may not write: SQLite says which
        return False
    os.close(fd)
    from .atomic import give_to_folder_owner

    give_to_folder_owner(path)  # root making a user's database: theirs (its -wal/-shm follow it: SQLite's rule)
    return True


def sweep_leftovers(root: Path | str, *, again: bool = False) -> bool:
    """Remove what killed writers left in the home `root`: atomic.py's temporaries in LITTER_FOLDERS and in the runs
    of RUN_TREES (in tune/ also what the LoRA converter's own sweep takes), and the lexical index's
    (lexical.sweep_litter); the writers' own sweeps, the same tests. Once per home and process (`again` to repeat):
    the first open for writing (StoreBase) calls it, so a crash's litter goes at the next command, not at the next
    write of the same file. Only what no live process holds locked (a writer holds its temporary, Tantivy its lock);
    read-only opens never call it. Best effort, never raises. True when it swept."""
    from .atomic import OLD_LORA_TEMP, sweep_legacy, sweep_stale
    from .lexical import sweep_litter

    root = Path(root).absolute()
    with _swept_lock:
        if root in _swept and not again:
            return False
        _swept.add(root)
    for sub in LITTER_FOLDERS:
        _quietly(sweep_stale, root / sub)
    for sub, depth in RUN_TREES.items():
        # the converter's own sweeps of its OUT's folder (lora.py): tune default converts into tune/RECIPE
        extra = [lambda f: sweep_legacy(f, OLD_LORA_TEMP)] if sub == "tune" else []
        _sweep_tree(root / sub, depth, [sweep_stale, *extra])
    _quietly(sweep_litter, root / "tantivy")  # never raises on a file system without locks (LocksUnavailable)
    return True


def _sweep_tree(folder: Path, depth: int, sweeps: list[Callable[[Path], None]]) -> None:
    """`sweeps` in `folder` and, `depth` levels down, in its RUNS_SWEPT most recently changed subfolders (not
    temporaries, not symlinks): one listing per folder gone into, and a stat per subfolder where there are more."""
    for sweep in sweeps:
        _quietly(sweep, folder)
    if depth <= 0:
        return
    try:
        with os.scandir(folder) as it:
            subs = [e for e in it if not e.name.startswith(".") and e.is_dir(follow_symlinks=False)]
    except OSError:  # none (the usual case), or not a folder
        return
    if len(subs) > RUNS_SWEPT:
        subs = sorted(subs, key=_mtime, reverse=True)[:RUNS_SWEPT]
    for e in subs:
        _sweep_tree(Path(e.path), depth - 1, sweeps)


def _mtime(entry: os.DirEntry[str]) -> float:
    try:
        return entry.stat(follow_symlinks=False).st_mtime
    except OSError:
        return 0.0


def _quietly(sweep: Callable[[Path], None], folder: Path) -> None:
    from .errors import RagtuneError

    try:
        sweep(folder)
    except (OSError, RagtuneError):  # one it may not remove (another user's, a read-only mount, no locks there):
        pass  # every command would fail
