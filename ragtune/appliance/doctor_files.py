"""Doctor's checks of files outside the database's own (split from doctor.py): the documents' source files
(`sources`: are they where the database says they were ingested from?), the home's owners (`owners`: is every
file under the home its owner's?) and the documents' readers (`readers`: will the next ingest re-read some?).
Each adds a line only when it finds something: a home whose sources are all there and whose files are all its
owner's reads as before. Read-only: stat calls and one query, nothing opened for writing or changed."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path
from typing import Any

from .errors import StoreError
from .ingest.prune import file_there

SOURCES_BUDGET_S = 2.0  # stat calls on a slow share: past this, the documents not looked at yet are not counted
SOURCES_BATCH = 256  # stat calls between looks at the clock
OWNERS_BUDGET_S = 2.0  # likewise for the walk of the home
NAMED = 3  # paths named on a line, the rest counted


def check_failures(store: Any, rep: Any) -> None:
    """A `failed-files` warn line when the store remembers files an ingest could not read (ingest/failures.py: a
    password-protected file, a corrupt PDF, …; not an empty one): they answer nothing. How many, a line per reason
    naming NAMED files, and the commands that list and read them again (round 53: doctor said nothing of them).
    Nothing when there are none, or where the table is not there yet (an older home: the `migrations` line says
    so)."""
    try:
        failures = store.ingest_failures()
    except Exception:  # noqa: BLE001 - no ingest_failures table before migration 0009
        return
    # an empty file (or one whose text is all blank) has nothing to answer from: no line for it alone, or a share's
    # placeholder files would warn forever
    failures = {p: f for p, f in failures.items() if not str(f["reason"]).startswith("empty document")}
    if not failures:
        return
    by_reason: dict[str, list[str]] = {}
    for path in sorted(failures):
        by_reason.setdefault(str(failures[path]["reason"]), []).append(path.replace("\n", "\\n"))  # (no extra line)
    ranked = sorted(by_reason.items(), key=lambda kv: -len(kv[1]))  # the commonest reasons first, a line each
    lines = [f"{reason} ({len(ps)}): " + ", ".join(ps[:NAMED]) + (" …" if len(ps) > NAMED else "")
             for reason, ps in ranked[:NAMED]]
    if len(ranked) > NAMED:
        more = len(ranked) - NAMED
        lines.append(f"… {more} other reason{'s' if more != 1 else ''}")
    n = len(failures)
    rep.add("warn", "failed-files", f"{n} file{'s' if n != 1 else ''} could not be ingested, so nothing is answered "
            f"from {'them' if n != 1 else 'it'}:\n" + "\n".join(lines),
            "`ragtune ingest PATH` again lists them as still unreadable; `ragtune ingest PATH --retry-failed` reads "
            "them again and prints each reason; fix or convert them (a file with a password: save a copy without it)")


def check_readers(store: Any, rep: Any) -> None:
    """A `readers` warn line when some documents were read by another version of their kind's reader than this
    release's (`LOADER_VERSIONS`; a home ingested by an older release): the next ingest of their files re-reads them
    ("re-read (reader updated)", ingest/reuse.py `stale_by_loader`, the same rule), which takes longer than an
    ingest that skips them. Counted by kind with one GROUP BY over the documents (none over the chunks)."""
    try:
        total = store.count_documents()
        if not total:  # (nor the readers imported: ~0.09 s of CPU)
            return
        from .ingest.reuse import LOADER_KEY, stale_by_loader

        per = store.documents_per_kind_meta(LOADER_KEY)
    except StoreError:  # a damaged table: the database line says so
        return
    from .ingest.loaders import LOADER_VERSIONS

    by_kind: dict[str, int] = {}
    earlier = True  # all by older readers (the upgrade case); else a newer release's, or a damaged version
    for (kind, version), n in per.items():
        if stale_by_loader(str(kind), {} if version is None else {LOADER_KEY: version}):
            by_kind[str(kind)] = by_kind.get(str(kind), 0) + n
            earlier = earlier and _older(version, LOADER_VERSIONS[str(kind)])
    if not by_kind:
        return
    n = sum(by_kind.values())
    kinds = ", ".join(f"{k} {c}" for k, c in sorted(by_kind.items(), key=lambda kv: (-kv[1], kv[0])))
    rep.add("warn", "readers", f"{n} of {total} document{'s' if total != 1 else ''} ({kinds}) "
            f"{'were' if n != 1 else 'was'} read by {'an earlier' if earlier else 'another'} version of "
            f"{'their' if n != 1 else 'its'} reader: the next ingest re-reads {'them' if n != 1 else 'it'}",
            "`ragtune ingest PATH` (their folders) re-reads them with this release's readers; they answer from the "
            "text stored until then")


def _older(version: Any, want: int) -> bool:
    try:
        return int(1 if version is None else version) < want  # no version stored: 1, as reuse.stale_by_loader reads it
    except (TypeError, ValueError):
        return False


def check_sources(store: Any, rep: Any) -> None:
    """A `sources` warn line when some documents' files are not at their recorded path (moved, renamed, deleted,
    or a folder restored on another machine under another path): they still answer, from what was ingested.
    One lstat a document (two for a corpus row: prune.file_there, as `docs list`'s GONE), by path, stopped
    after SOURCES_BUDGET_S (the line says how many were looked at)."""
    total = store.count_documents()
    if not total:
        return
    deadline = time.monotonic() + SOURCES_BUDGET_S
    gone: list[str] = []
    looked = 0
    for doc in store.documents():  # (by path: a moved folder's documents come together)
        path, kind = doc["path"], doc["kind"]
        if looked % SOURCES_BATCH == 0 and looked and time.monotonic() > deadline:
            break
        looked += 1
        if not path or not file_there(str(path), kind):  # (a NULL path: a row no ingest writes; not there)
            gone.append(str(path))
    if not gone:
        return
    of = f"{total}" if looked == total else f"the first {looked} looked at (of {total}; stopped after " \
                                           f"{SOURCES_BUDGET_S:g} s)"
    shown = ", ".join(gone[:NAMED]) + (" …" if len(gone) > NAMED else "")
    folder = _common_folder(gone)
    rep.add("warn", "sources", f"{len(gone)} of {of} documents' files are not at their recorded path ({shown})"
            + (f"; none is under {folder} any more" if folder and len(gone) == looked and looked > 1 else "")
            + ": they still answer, from the text ingested then",
            "if the documents' folder moved (a restore on another machine): `ragtune ingest NEW-FOLDER` finds each "
            "moved file by its bytes and points its document at the new path, with no embedding again; if they "
            "were deleted: `ragtune ingest FOLDER --prune` (or `ragtune docs remove ID`) drops them; "
            "`ragtune docs list` marks each one GONE")


def _common_folder(paths: list[str]) -> str | None:
    """The deepest folder every path is under ('/' or none: None)."""
    try:
        common = os.path.commonpath([os.path.dirname(p) for p in paths])
    except ValueError:  # relative and absolute mixed, other drives
        return None
    return common if common not in ("", os.sep) else None


WAL_WARN_BYTES = 64 * 2**20  # serve's -wal stays near 4 MB (journal_size_limit); far past it, a checkpoint is held


def check_wal(root: Path, rep: Any) -> None:
    """A `wal` warn line when ragtune.db-wal is over WAL_WARN_BYTES: checkpoints cannot pass some connection's read
    snapshot (a process holding a read open: a stuck serve, round 48), so the log grows and that process reads an old
    database. A stat call; nothing is opened."""
    try:
        size = (Path(root) / "ragtune.db-wal").stat().st_size
    except OSError:
        return
    if size > WAL_WARN_BYTES:
        rep.add("warn", "wal", f"ragtune.db-wal is {size / 2**20:.0f} MB (over {WAL_WARN_BYTES // 2**20} MB): a "
                "process keeps an old read snapshot open, so no checkpoint can shorten it; that process may answer "
                "from the documents as they were and fail to write its query log",
                "restart `ragtune serve` (or the process holding the database: `fuser ragtune.db`); the -wal is "
                "checkpointed and truncated once the last connection closes")


def check_owners(root: Path, rep: Any) -> None:
    """An `owners` warn line when files or folders under the home `root` belong to another user than the home
    folder's (root ran a command on a home of another user's and left root's files in it: the owner can then not
    write them, and its next ingest or search fails). Symbolic links are not counted (their owner changes no
    access). A folder of another user's is named, not each file in it. POSIX only; bounded by OWNERS_BUDGET_S."""
    if os.name != "posix":
        return
    try:
        uid = os.stat(root).st_uid
    except OSError:
        return
    deadline = time.monotonic() + OWNERS_BUDGET_S
    found: list[tuple[str, int]] = []  # (relative path, its owner), folders of another owner not entered
    n, partial = 0, False  # partial: the budget ran out, more may be there
    for folder, dirs, files in os.walk(root):
        if time.monotonic() > deadline:
            partial = True
            break
        keep = []
        for name in dirs + files:
            try:
                st = os.lstat(os.path.join(folder, name))
            except OSError:  # gone meanwhile
                continue
            if stat.S_ISLNK(st.st_mode):
                continue
            if st.st_uid != uid:
                found.append((os.path.relpath(os.path.join(folder, name), root), st.st_uid))
                if stat.S_ISDIR(st.st_mode):
                    counted, whole = _count(os.path.join(folder, name), deadline)
                    n, partial = n + counted, partial or not whole
                else:
                    n += 1
            elif name in dirs:
                keep.append(name)
        dirs[:] = keep
    if not found:
        return
    owner, group = _name(uid), _group(root)
    named = ", ".join(f"{p}{'/' if os.path.isdir(os.path.join(root, p)) else ''} ({_name(u)})"
                      for p, u in found[:NAMED]) + (" …" if len(found) > NAMED else "")
    many = f"{'at least ' if partial else ''}{n} {'file or folder' if n == 1 else 'files and folders'}"
    rep.add("warn", "owners", f"{many} under the home "
            f"belong to another user than the home's owner ({owner}): {named}; {owner} cannot write "
            "them, so its next ingest or search may fail (a command run as another user, root often, made them)",
            f'as root: chown -R {owner}:{group} "{root}" (and run ragtune as {owner} from now on)')


def _count(folder: str, deadline: float) -> tuple[int, bool]:
    """(the folder and everything under it, whether counted whole): counted until `deadline` (time.monotonic), as
    the rest of the check is (a folder of another user's may hold a whole tree, or sit on a slow share)."""
    n = 1
    for _, dirs, files in os.walk(folder):
        n += len(dirs) + len(files)
        if time.monotonic() > deadline:
            return n, False
    return n, True


def _name(uid: int) -> str:
    import pwd

    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:  # a uid with no account here (a home restored from another machine)
        return str(uid)


def _group(root: Path, gid: int | None = None) -> str:
    import grp

    gid = os.stat(root).st_gid if gid is None else gid
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


GROUP_WRITE_PARTS = ("tantivy", "registry", "ragtune.db")  # ragtune.db and its -wal/-shm/-journal beside it


def check_group_write(root: Path, rep: Any) -> None:
    """A `group-write` warn line when the home is open to its group (the group may enter it: `chmod 750`, to let a
    team read it) and its group may write the keyword index (`tantivy/`), the registry (`registry/`) or the database
    files: made under umask 002 (0775 folders, 0664 files), opening the home to read gave every member write on
    what all its users' answers come from. A line only when something is found; bounded by OWNERS_BUDGET_S."""
    if os.name != "posix":
        return
    try:
        root_st = os.stat(root)
        if not root_st.st_mode & stat.S_IXGRP:
            return  # the group cannot enter the home: what is inside is out of its reach whatever its mode
        names = [n for n in os.listdir(root) if n.split("-")[0] in GROUP_WRITE_PARTS]
    except OSError:
        return
    deadline = time.monotonic() + OWNERS_BUDGET_S
    found: dict[str, int] = {}  # top-level name (tantivy/, ragtune.db) -> group-writable files and folders in it

    def count(shown: str, st: os.stat_result) -> None:
        if st.st_mode & stat.S_IWGRP and not stat.S_ISLNK(st.st_mode):
            found[shown] = found.get(shown, 0) + 1

    # one lstat a path (round 49: the walk stat'ed each twice): a folder is counted from its parent's listing, the
    # top one from the lstat that says whether it is a folder
    for name in sorted(names):
        top = os.path.join(root, name)
        try:
            top_st = os.lstat(top)
        except OSError:
            continue
        # a link to a folder (tantivy/ moved to another disk) is entered, as before: the group writes through it
        is_dir = stat.S_ISDIR(top_st.st_mode) or (stat.S_ISLNK(top_st.st_mode) and os.path.isdir(top))
        shown = name + ("/" if is_dir else "")
        count(shown, top_st)
        if not is_dir:
            continue
        stack = [top]  # os.scandir, not os.walk: walk lstats each folder again to know whether it is a link
        while stack and time.monotonic() <= deadline:
            try:
                with os.scandir(stack.pop()) as entries:
                    for e in entries:
                        try:
                            count(shown, e.stat(follow_symlinks=False))
                        except OSError:  # gone meanwhile
                            continue
                        if e.is_dir(follow_symlinks=False):
                            stack.append(e.path)
            except OSError:
                continue
    if not found:
        return
    mode, n = stat.S_IMODE(root_st.st_mode), sum(found.values())
    named = ", ".join(f"{k} ({v})" if v > 1 else k for k, v in found.items())
    rep.add("warn", "group-write", f"the home is {mode:04o}, open to its group ({_group(root, root_st.st_gid)}), "
            f"and its group may write {n} {'file or folder' if n == 1 else 'files and folders'} of the index, the "
            f"registry or the database: {named}; any member can change what every user's answers come from (made "
            "under umask 002)",
            f'chmod -R g-w "{root}" (the group keeps read; docs/security.md, "File permissions")')
