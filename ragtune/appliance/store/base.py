"""The connection under every store method: apsw + sqlite-vec, transactions, migrations, the meta table.

The stdlib sqlite3 here cannot load extensions, hence apsw.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import inspect
import json
import os
import unicodedata
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

from ..atomic import free_bytes as _free_bytes  # (a module name of its own: tests give it a full disk)
from ..atomic import make_dir
from ..errors import BusyError, StoreError, WriteRefused
from ..home import DB_NAME, create_private_file, make_home, sweep_leftovers
from .access import access_hint as _access_hint
from .access import copy_error as _copy_error  # (tests import it from here)
from .logfiles import in_use
from .noroom import no_room
from .holders import other_holders
from .snapshots import release as release_pinned
from .schema import MIGRATIONS, alone_before_migrating, apply_migration, newer_migrations

# What to do with a home a newer ragtune migrated (docs/upgrading.md): a migrated home cannot go back.
NEWER_HINT = ("use the newer ragtune again (`ragtune --version` says which one runs: the last schema migration it "
              "knows), or restore the backup made before the upgrade (`ragtune backup DEST`, then --home DEST); "
              "docs/upgrading.md")


MAX_ROW_ID = 2**63 - 1  # SQLite's largest integer: an id past it names no row (and cannot be bound to a query)


def quotes_sql(row: str, sources: str, path: str) -> str:
    """SQL: the JSON array `sources` of `row` holds a source of the removed documents (bound as :cids chunk ids,
    :dids document ids, :paths paths, each a JSON array) by chunk id, document id, or its `path` key."""
    return f"""EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid({row}) THEN {sources} END) e
               WHERE e.type = 'object' AND (
                     json_extract(e.value, '$.chunk_id') IN (SELECT value FROM json_each(:cids))
                  OR json_extract(e.value, '$.doc_id') IN (SELECT value FROM json_each(:dids))
                  OR json_extract(e.value, '$.{path}') IN (SELECT value FROM json_each(:paths))))"""


def json_dumps(obj: Any) -> str:
    """The stored (and hashed) form of JSON: compact, sorted keys, UTF-8 kept."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def json_loads_or_raw(text: Any) -> Any:
    """A JSON column as Python data; the raw text when it does not parse (a damaged row is still shown, never
    fatal); None stays None."""
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


class ClosedConnection:
    """`Store.conn` after close(): any use raises a typed StoreError, not "'NoneType' has no attribute 'execute'".
    Not None, so test a connection with `is_open` (a `conn is not None` check would take it for an open one)."""

    def __init__(self, path: Path):
        self.path = path

    def __getattr__(self, name: str) -> Any:
        raise StoreError(f"{self.path}: the database connection is closed", hint="this Store (or the engine or "
                         "retriever that holds it) was closed: open a new one")

    def __enter__(self) -> Any:  # `with self.conn:` looks past __getattr__
        return self.__getattr__("__enter__")

    def __exit__(self, *exc: Any) -> None:
        pass


def is_open(conn: Any) -> bool:
    return conn is not None and not isinstance(conn, ClosedConnection)


def _load_vec(conn: Any) -> None:
    import sqlite_vec

    conn.enable_load_extension(True)
    conn.load_extension(sqlite_vec.loadable_path())
    conn.enable_load_extension(False)


def _nfkc(text: Any) -> Any:
    return unicodedata.normalize("NFKC", text) if isinstance(text, str) else text


def _configure(conn: Any, *, readonly: bool, clean_close: bool = False) -> None:
    """A new connection's settings: busy timeout, sqlite-vec, foreign keys; a writer's WAL pragmas."""
    conn.setbusytimeout(10_000)
    _load_vec(conn)
    # SQL nfkc(x) for `log list --search` (log_filters): the log keeps the question as typed, a full-width e-mail
    conn.create_scalar_function("nfkc", _nfkc, 1, deterministic=True)
    conn.execute("PRAGMA foreign_keys = ON")
    if readonly and clean_close:
        conn.execute("PRAGMA query_only = ON")
    if not readonly:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        # the -wal back to 4 MB at the next checkpoint after a large transaction (a prune left 9.5 MB held
        # for as long as serve kept the database open)
        conn.execute("PRAGMA journal_size_limit = 4194304")
        # what is deleted (a pruned question, a removed document's chunks) is zeroed in the file, not left in
        # free pages that a `strings` of the file or of every later backup would still show
        conn.execute("PRAGMA secure_delete = ON")


class StoreBase:
    """One apsw connection to `ragtune.db` with sqlite-vec loaded and migrations applied.

    `query`/`one`/`scalar` run SQL for the store's own methods (and for tests that inspect or damage a store on
    purpose); code outside `ragtune/appliance/store/` calls the named methods (a test checks)."""

    def __init__(self, path: Path | str, *, readonly: bool = False, immutable: bool = False,
                 clean_close: bool = False):
        """`readonly`: no write, no migration (SQLite may still create `-wal`/`-shm` beside a WAL database).
        `immutable` (with readonly): not even those; SQLite takes no locks and assumes no writer, so only for a file
        nothing else has open (health.open_as_is).
        `clean_close` (with readonly): opened read-write under `PRAGMA query_only`, so nothing is written through it,
        yet its close, when it is the last connection, removes the `-wal`/`-shm` its open made, as a writer's close
        does (a read-only connection cannot checkpoint, so it leaves both behind). Its close also checkpoints what
        is in the WAL then: for a file whose `-wal`/`-shm` did not exist before it opened (backup.py)."""
        import apsw
        from urllib.parse import quote

        self.path = Path(path)
        self._apsw = apsw
        # Why this process may not write the home (a read-only mount, a folder of another user's): None when it may.
        # Such a home is still read (search, docs, log list: a kiosk's home prepared elsewhere), every write refused
        # in words (read_only_error); a write open of any other file goes on as asked (SQLite says what fails).
        self.read_only: str | None = None
        if not readonly and self.path.name == DB_NAME and (why := _unwritable(self.path)):
            # immutable (no locks, no -shm needed) only on a read-only file system, where nothing here can write it;
            # a home of another user's may be written by its owner while it is read: read through SQLite's locks
            self.read_only, readonly = why, True
            immutable = why == ON_READ_ONLY_FS and not in_use(self.path)
        try:
            if not readonly:  # a home's folder and a new database owner-only: it holds the query log (home.py)
                (make_home if self.path.name == DB_NAME else make_dir)(self.path.parent)
                create_private_file(self.path)
            flags = apsw.SQLITE_OPEN_READONLY if readonly else apsw.SQLITE_OPEN_READWRITE | apsw.SQLITE_OPEN_CREATE
            if readonly and clean_close and not immutable:
                flags = apsw.SQLITE_OPEN_READWRITE  # never CREATE: a missing file is an error, as read-only
            if readonly and immutable:
                self.conn = apsw.Connection(f"file:{quote(str(self.path.resolve()))}?immutable=1",
                                            flags=flags | apsw.SQLITE_OPEN_URI)
            else:
                self.conn = apsw.Connection(str(self.path), flags=flags)
            _configure(self.conn, readonly=readonly, clean_close=clean_close)
            self._reopenable = not readonly  # a writer's connection, reopened as it was if it ever stays pinned
            if self.read_only:
                self._check_schema_read_only()
        except apsw.Error as exc:
            # A home of another user's (a group member reads it: home 0750, database 0640) with no -shm beside it:
            # SQLite says "unable to open" or, since 3.22, "attempt to write a readonly database" (READONLY_CANTINIT),
            # which read as a damaged database (exit 4). Neither is damage: the machine refused a write (74).
            if self.read_only and self.read_only != ON_READ_ONLY_FS and \
                    type(exc).__name__ in ("CantOpenError", "ReadOnlyError"):
                raise WriteRefused(f"{self.path.parent}: the home is {self.read_only}, and its database can be read "
                                   "only while its owner's ragtune has it open (SQLite needs the -shm file beside "
                                   "it, which this user cannot make)", errno=errno.EACCES, hint="ask its owner for "
                                   f"a copy (`ragtune --home {self.path.parent} backup DEST`) or for write access to "
                                   "the folder") from None
            raise _open_error(self.path, exc) from None
        if not readonly:
            try:
                self.migrate()
            except BaseException:  # refused or failed: the connection is not left open behind the error
                self.close()
                raise
            if self.path.name == DB_NAME:  # a home's: the first open for writing clears what killed writers left
                sweep_leftovers(self.path.parent)

    # -- basics ---------------------------------------------------------------------------------
    def close(self) -> None:
        if is_open(getattr(self, "conn", None)):
            self.conn.close()
        self.conn = ClosedConnection(getattr(self, "path", None))  # type: ignore[assignment]

    def _reconnect(self) -> None:
        """A writer's connection opened anew (snapshots.release), as __init__ opened it."""
        self.conn = self._apsw.Connection(str(self.path), flags=self._apsw.SQLITE_OPEN_READWRITE)
        _configure(self.conn, readonly=False)

    def unpin(self, where: str) -> bool:
        """Reopen this connection if a statement left unreset holds an old read snapshot (snapshots.py); True when
        it did. Called before the writes a long-lived connection (serve's) makes and at each index-version read."""
        return release_pinned(self, where)

    def __enter__(self) -> "StoreBase":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @contextmanager
    def transaction(self, *, write: bool = False) -> Iterator[Any]:
        """`with store.transaction():` — all or nothing (apsw savepoint; nests). Database errors inside leave it
        as a StoreError (after the rollback). `write`: one that reads before it writes takes the write lock first
        (BEGIN IMMEDIATE, waiting up to the busy timeout, when it is the outermost): a read snapshot cannot become a
        write once another connection (serve logging answers) has committed since, and SQLite says "database is
        locked" at once, whatever the timeout (SQLITE_BUSY_SNAPSHOT; a `log prune` beside a busy serve)."""
        try:
            if write and self.conn.getautocommit():
                self.conn.execute("BEGIN IMMEDIATE")
                try:
                    with self.conn:
                        yield self.conn
                except BaseException:
                    if not self.conn.getautocommit():  # SQLite may have rolled back itself (a full disk)
                        self.conn.execute("ROLLBACK")
                    raise
                try:
                    self.conn.execute("COMMIT")
                except BaseException:  # a deferred check, or busy: never leave the write lock held
                    if not self.conn.getautocommit():
                        self.conn.execute("ROLLBACK")
                    raise
            else:
                with self.conn:
                    yield self.conn
        except self._apsw.Error as exc:  # a per-file reason in an ingest summary: the database is implied
            if self.read_only and type(exc).__name__ == "ReadOnlyError":
                raise self.read_only_error() from None
            raise no_room(self.path, exc, _free_bytes(self.path.parent)) or \
                StoreError(f"database error: {exc}", hint=_access_hint(self.path, exc)) from None

    def query(self, sql: str, params: Any = ()) -> list[tuple]:
        return list(self.conn.execute(sql, params))

    def one(self, sql: str, params: Any = ()) -> tuple | None:
        # closed here, not left to the cursor's deallocation: apsw defers that while another thread is inside
        # this connection, and its statement (an open read snapshot) then stays for good (snapshots.py)
        cur = self.conn.execute(sql, params)
        try:
            return next(cur, None)
        finally:
            cur.close()

    def scalar(self, sql: str, params: Any = (), default: Any = None) -> Any:
        row = self.one(sql, params)
        return default if row is None else row[0]

    def _insert(self, sql: str, params: Any = ()) -> int:
        """Run one INSERT; the new row's id."""
        self.conn.execute(sql, params)
        return int(self.conn.last_insert_rowid())

    # -- migrations -----------------------------------------------------------------------------
    # Each called with (database path, names applied now) after an open upgraded a database an earlier ragtune had
    # migrated (a new database's first migrations are no news): the CLI says so on stderr (cli/common.py); the
    # library itself prints nothing. `migrated` keeps the names on the store too.
    on_upgrade: list[Any] = []
    migrated: list[str] = []

    def migrate(self, migrations: list[tuple[str, str | Callable[[Any], None]]] | None = None) -> list[str]:
        """Apply the named migrations not applied yet, in order, each in its own transaction (a failing one
        leaves no trace and stops the rest). Returns the names applied now (also `self.migrated`; an upgrade of
        a database migrated before is told to `on_upgrade`). A database a newer ragtune migrated is refused
        (StoreError) before anything is written: this version's writes would not keep what it added; one whose
        pending 0015 would wait on another process (schema.alone_before_migrating) is refused (BusyError) too."""
        own = migrations is None
        migrations = MIGRATIONS if migrations is None else migrations
        self.conn.execute(
            "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at REAL NOT NULL)"
        )
        done = {r[0] for r in self.conn.execute("SELECT name FROM _migrations")}
        newer = newer_migrations(done) if own else []
        if newer:
            raise StoreError(f"{self.path}: written by a newer ragtune (its migration {newer[-1]}; this ragtune knows "
                             f"up to {MIGRATIONS[-1][0]}): not opened, nothing was changed", hint=NEWER_HINT)
        applied: list[str] = []
        try:
            alone_before_migrating(self.conn, [name for name, _ in migrations if name not in done])
            for name, sql in migrations:
                if name in done:
                    continue
                try:
                    if self._apply_migration(name, sql):
                        applied.append(name)
                except self._apsw.BusyError:  # another's write lock past the busy timeout (its long 0015): no trace
                    held = (other_holders(self.path) or [])[:3]
                    who = "; ".join(f"pid {p}" + (f": {c}" if c else "") for p, c in held)
                    raise BusyError(f"{self.path}: migration {name} not applied: another process holds the database's "
                                    f"write lock{f' ({who})' if who else ''}; nothing was changed",
                                    hint="another ragtune is applying it; run again when it ends") from None
                except (self._apsw.Error, ValueError) as exc:
                    raise StoreError(f"{self.path}: migration {name} failed: {exc}") from None
        except BusyError as exc:  # those applied before it stay (each committed on its own): named, and told
            if applied:
                exc.message = exc.message.replace("nothing was changed", f"applied before it: {', '.join(applied)}")
                exc.args = (exc.message,)
            self._migrated(applied, done, own)
            raise
        return self._migrated(applied, done, own)

    def _migrated(self, applied: list[str], done: set[str], own: bool) -> list[str]:
        self.migrated = applied
        if applied and done and own:
            for tell in list(StoreBase.on_upgrade):
                tell(self.path, applied)
        return applied

    def _apply_migration(self, name: str, sql: Any) -> bool:
        """schema.apply_migration on this connection (a method: tests stand in for it)."""
        return apply_migration(self.conn, name, sql)

    def _check_schema_read_only(self) -> None:
        """A read-only home's database must hold this version's schema as it is: no migration can be applied to it,
        and one from a newer ragtune is refused as a read-write open refuses it. The connection is closed first."""
        done = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_schema WHERE name = '_migrations'")}
        done = {r[0] for r in self.conn.execute("SELECT name FROM _migrations")} if done else set()
        missing = [name for name, _ in MIGRATIONS if name not in done]
        if not (missing or newer_migrations(done)):
            return
        self.close()
        if not missing:
            raise StoreError(f"{self.path}: written by a newer ragtune: not opened, nothing was changed",
                             hint=NEWER_HINT)
        raise self.read_only_error(f"its database needs upgrading by this ragtune (migration {missing[0]}), which "
                                   f"writes", upgrade=True)

    def read_only_error(self, what: str = "this command writes to it", *, upgrade: bool = False) -> StoreError:
        """The error for a write to a home this process may not write (`read_only`): exit 74 as any write the
        machine refused, naming the home, why, and what to do; nothing was changed."""
        home, why = self.path.parent, self.read_only or "read-only"
        todo = ("open it once where it is writable (any command, e.g. `ragtune docs list`), or upgrade the copy "
                "that is mounted" if upgrade else "run the command where the home is writable (by its owner, or "
                "with the mount read-write)")
        return WriteRefused(f"{home}: the home is {why}, and {what}: nothing was changed",
                            errno=errno.EROFS if "read-only" in why else errno.EACCES,
                            hint=f"{todo}; or work on a writable copy: `ragtune --home {home} backup DEST`, then "
                                 f"--home DEST (search, docs and log list read a read-only home as it is)")

    def applied_migrations(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT name FROM _migrations ORDER BY name")]

    # -- backup ---------------------------------------------------------------------------------
    def backup_to(self, dest: Path | str, *, shown: Path | str | None = None) -> dict[str, int]:
        """A consistent copy of this database as a new file `dest` (backup.py): SQLite's online backup API in one
        step, so one read transaction: other connections and processes go on writing (WAL), and the copy is the
        database as of the step's start, never a torn mix. Checked with `PRAGMA quick_check` before returning
        (a damaged source must not pass as a backup). {"pages", "bytes"}. Errors name `shown` (the path a person
        gave; `dest` may be a temporary beside it), else `dest`."""
        apsw, dest = self._apsw, Path(dest)
        named = Path(shown) if shown is not None else dest
        out = None
        try:
            create_private_file(dest)  # a copy of the query log: owner-only, as the home's database
            out = apsw.Connection(str(dest), flags=apsw.SQLITE_OPEN_READWRITE | apsw.SQLITE_OPEN_CREATE)
            with out.backup("main", self.conn, "main") as b:
                b.step(-1)  # all pages at once: a step-wise copy restarts whenever a writer commits
                pages = int(b.pagecount)
            check = [r[0] for r in out.execute("PRAGMA quick_check")]
            if check != ["ok"]:
                raise StoreError(f"{self.path}: the database copy fails its check: {'; '.join(check[:3])}",
                                 hint=f"the home's database is damaged (`sqlite3 {self.path} 'PRAGMA "
                                      f"integrity_check'`): restore an earlier backup, or ingest again")
            size = int(out.execute("PRAGMA page_size").fetchall()[0][0]) * pages
        except apsw.Error as exc:
            raise _copy_error(named, dest, exc, out.system_errno if out is not None else 0) from None
        finally:
            if out is not None:
                out.close()
        return {"pages": pages, "bytes": size}

    # -- meta / index version -------------------------------------------------------------------
    def get_meta(self, key: str, default: str | None = None) -> str | None:
        return self.scalar("SELECT value FROM meta WHERE key = ?", (key,), default)

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    @property
    def index_version(self) -> int:
        """Bumped by every ingest that changes chunks; keys the retrieval cache and lexical sync."""
        self.unpin("reading the index version")  # a pinned retriever would answer from an old index for good
        return int(self.get_meta("index_version", "0") or 0)

    def chunk_fingerprint(self) -> str:
        """Which chunks the database holds, cheaply (the primary key's two ends): the largest chunk id and a hash of
        the (id, sha256) of the first and last 64. A copy derived from it (lexical_cache.py) is checked against it
        beside index_version and the count: a home restored in place may have the same version and count."""
        ends = self.query("SELECT * FROM (SELECT id, sha256 FROM chunks ORDER BY id LIMIT 64) UNION SELECT * FROM "
                          "(SELECT id, sha256 FROM chunks ORDER BY id DESC LIMIT 64) ORDER BY 1")
        return f"{ends[-1][0] if ends else 0}:{hashlib.sha256(repr(ends).encode()).hexdigest()[:32]}"

    def bump_index_version(self) -> int:
        v = self.index_version + 1
        self.set_meta("index_version", str(v))
        return v


def _open_error(path: Path, exc: Exception) -> StoreError:
    """Why the database at `path` did not open. A file system with no room left cannot take even the few bytes of the
    `-wal`/`-shm` every open of a WAL database makes (SQLite says "disk I/O error"): noroom.py's WriteRefused."""
    return no_room(path, exc, _free_bytes(path.parent), "cannot open database",
                   ", not even for the -wal/-shm files each open makes") or \
        StoreError(f"{path}: cannot open database: {exc}", hint=_access_hint(path, exc))


ON_READ_ONLY_FS = "on a read-only file system"


def _unwritable(db: Path) -> str | None:
    """Why this process cannot write the existing database `db` and make its `-wal`/`-shm` beside it: "on a
    read-only file system", "not writable by this user" (a home of another user's, opened to a group); None when it
    can, or when there is no database yet (the open that creates it says what fails)."""
    folder = db.parent
    try:
        if not db.is_file():
            return None
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return ON_READ_ONLY_FS
    except OSError:
        return None
    if not (os.access(folder, os.W_OK | os.X_OK) and os.access(db, os.R_OK | os.W_OK)):
        return "not writable by this user"
    return None


def _database_error(store: "StoreBase", exc: Exception) -> StoreError:
    if getattr(store, "read_only", None) and type(exc).__name__ == "ReadOnlyError":
        return store.read_only_error()
    if full := no_room(store.path, exc, _free_bytes(store.path.parent)):  # an ingest stops at it (run.py)
        return full
    return StoreError(f"{store.path}: database error: {exc}", hint=_access_hint(store.path, exc) or (
        f"if the file is damaged (`sqlite3 {store.path} 'PRAGMA integrity_check'` says so), restore it from a backup "
        f"(one `ragtune backup DEST` made: use it as --home), or ingest the documents again into a new home"))


def _guarded(fn: Any) -> Any:
    """`fn` with a database error (a damaged page, a locked file) raised as a StoreError naming the file."""
    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def gen(self: "StoreBase", *args: Any, **kwargs: Any) -> Any:
            try:
                yield from fn(self, *args, **kwargs)
            except self._apsw.Error as exc:
                raise _database_error(self, exc) from None
        return gen

    @functools.wraps(fn)
    def call(self: "StoreBase", *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(self, *args, **kwargs)
        except self._apsw.Error as exc:
            raise _database_error(self, exc) from None
        except StoreError as exc:  # a method that words SQLite's error itself (add_query_log) on a read-only home
            if getattr(self, "read_only", None) and "readonly database" in exc.message and type(exc) is StoreError:
                raise self.read_only_error() from None
            raise
    return call


def database_errors_named(cls: type) -> type:
    """Class decorator for the Store: every public method of it and of its table groups turns a database error
    into a StoreError naming the file (a damaged ragtune.db is an error a person can act on, not a traceback)."""
    seen: set[str] = set()
    for klass in cls.__mro__:
        if not klass.__module__.startswith(__package__ or ""):
            continue
        for name, fn in vars(klass).items():
            if name.startswith("_") or name in seen or name == "transaction" or not inspect.isfunction(fn):
                continue
            seen.add(name)
            setattr(cls, name, _guarded(fn))
    return cls
