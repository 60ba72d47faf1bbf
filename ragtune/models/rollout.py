"""Measured rollout of an adapter (docs/rollout.md): a sticky canary split between the control (what was served
when the rollout started: the active adapter, or the base model) and the candidate, promotion, instant rollback.

State lives in `registry/rollout.json` beside `active.json` (written atomically; every change appends an event to
its history, overrides included). Readers (`serve`, the chat app, `ask`) re-read it when its mtime changes, so a
`rollout promote|rollback` from another process takes effect on the next request.

The split is sticky: the arm of a client is a pure function of (rollout id, client id), so a user never flips
between arms while the share stays put, and raising the share only moves control clients to the candidate
(bucket < share), never back.
"""

from __future__ import annotations

import copy
import functools
import getpass
import hashlib
import json
import logging
import os
import re
import secrets
import threading
import time
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar

from ragtune.appliance.errors import AdapterBaseMismatch, AdapterMisfit, InputError, ModelError, located
from ragtune.appliance.filelock import LockBusy, exclusive
from ragtune.appliance.home import Home

from ragtune.appliance.atomic import atomic_write_json
from ragtune.appliance.calibrated import is_number
from ragtune.appliance.jsonl import json_key_line, loads_located
from ragtune.appliance.artifacts import ADAPTER_KINDS
from ragtune.appliance.refs import check_servable
from ragtune.appliance.registry import Registry
from ragtune.appliance.text import escaped

from .rollout_legacy import legacy_note, note_once, resolve_control

log = logging.getLogger("ragtune.rollout")
log.addHandler(logging.NullHandler())  # the history in rollout.json is the record; apps may configure logging
CONTROL, CANDIDATE = "control", "candidate"
RUNNING, PROMOTED, ROLLED_BACK = "running", "promoted", "rolled_back"
SHARES = (1, 5, 10, 25, 50, 100)  # documented steps; any 0 < share <= 100 is accepted
LOCK_WAIT_S = 2.0  # how long start/promote/rollback wait for another one to finish before they say so


@dataclass
class Rollout:
    id: str
    candidate: str  # adapter id
    control: str  # adapter id or "none"
    share: float  # percent of clients on the candidate
    status: str = RUNNING
    started: float = field(default_factory=time.time)
    updated: float = field(default_factory=time.time)
    candidate_name: str = ""
    history: list[dict[str, Any]] = field(default_factory=list)
    # the query log's last row id when it started: its rows are those after it, whatever the wall clock did since (an
    # NTP step back an hour logs rows "before" `started`); None in a file written before round 47: rows by time
    log_from: int | None = None
    legacy_control = None  # not a field: the recorded control when it was a past built-in default (rollout_legacy)

    @property
    def running(self) -> bool:
        return self.status == RUNNING

    def arm_of(self, client_id: str) -> str:
        return CANDIDATE if bucket(self.id, client_id) < self.share * 100 else CONTROL

    def adapter_of(self, arm: str) -> str:
        return self.candidate if arm == CANDIDATE else self.control

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def bucket(rollout_id: str, client_id: str) -> int:
    """0..9999, uniform over clients, fixed for a (rollout, client) pair."""
    # surrogatepass: a hand-edited id (or a client's) holding a "\udce9" still routes, to one arm; a valid one is UTF-8
    h = hashlib.sha256(f"{rollout_id}\0{client_id}".encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(h[:8], "big") % 10000


def terminal_client() -> str:
    """The client id of a terminal user: user name and terminal session, so `ask` stays on one arm per
    session (RAGTUNE_CLIENT overrides)."""
    env = os.environ.get("RAGTUNE_CLIENT")
    if env:
        return env
    try:
        sid = os.getsid(0)
    except (AttributeError, OSError):
        sid = 0
    try:
        user = getpass.getuser()
    except Exception:
        user = "user"
    return f"term:{user}:{sid}"


def _check_share(share: float) -> float:
    try:
        share = float(share)
    except (TypeError, ValueError):
        raise InputError(f"share must be a number of percent, got {share!r}") from None
    if not 0 < share <= 100:
        raise InputError(f"share must be in (0, 100] percent, got {share:g}")
    return share


# `rollout rollback` cannot read a damaged file either; without the file no rollout runs, so every client is served
# the activated (or default) adapter: the control arm.
_DAMAGED_HINT = ("fix the file, or move it aside to end the rollout (with no rollout.json every client gets the "
                 "served adapter, the control arm)")


_FIELDS = tuple(Rollout.__dataclass_fields__)
_REQUIRED = ("id", "candidate", "control", "share")


def _key_line(text: str, key: str) -> int | None:
    """The line of top-level `key` in rollout.json: the least indented `"key":` (each history entry holds a
    "share" too, written before the top-level one: keys are sorted)."""
    # the key as JSON writes it: "\udce9share" (the product writes ASCII) or raw UTF-8 (a person's editor)
    quoted = sorted({json.dumps(key), json.dumps(key, ensure_ascii=False)})
    pat = re.compile(r"(\s*)(?:" + "|".join(map(re.escape, quoted)) + r")\s*:")
    hits = [(len(m.group(1)), n) for n, line in enumerate(text.splitlines(), 1) if (m := pat.match(line))]
    return min(hits)[1] if hits else json_key_line(text, key)


def _rollout_of(obj: Any, path: Path, text: str) -> Rollout:
    """The Rollout a parsed file holds, or a ModelError naming the file (and the line of an unknown key)."""
    if not isinstance(obj, dict):
        raise ModelError(f"{located(path, 1)}: unreadable rollout state: not a JSON object", hint=_DAMAGED_HINT)
    unknown = [k for k in obj if k not in _FIELDS]
    if unknown:  # the key as the file has it, escaped: "\udce9share" (a lone surrogate fails any UTF-8 stream)
        raise ModelError(f"{located(path, _key_line(text, unknown[0]))}: unreadable rollout state: unknown key "
                         f"'{escaped(unknown[0])}' (known: {', '.join(_FIELDS)})", hint=_DAMAGED_HINT)
    missing = [k for k in _REQUIRED if k not in obj]
    if missing:
        raise ModelError(f"{located(path)}: unreadable rollout state: missing key(s): {', '.join(missing)}",
                         hint=_DAMAGED_HINT)
    return Rollout(**obj)


def _check_rollout(r: Rollout, path: Path, text: str) -> None:
    """A rollout read back from its file has the types and values `start` writes, else a ModelError naming the file
    and the key's line (a hand-edited share of "abc" must not fail later, inside a request)."""
    def word(v: Any) -> bool:  # printed by the CLI and put in log lines: no control character, no lone surrogate
        return isinstance(v, str) and v.isprintable()

    checks = (("id", word(r.id) and bool(r.id), "a non-empty string of printable characters"),
              ("candidate", word(r.candidate) and bool(r.candidate), "an adapter id"),
              ("control", word(r.control) and bool(r.control), 'an adapter id or "none"'),
              ("share", is_number(r.share) and 0 < r.share <= 100, "a number of percent in (0, 100]"),
              ("status", r.status in (RUNNING, PROMOTED, ROLLED_BACK), f"{RUNNING}, {PROMOTED} or {ROLLED_BACK}"),
              ("started", is_number(r.started), "a time in epoch seconds"),
              ("updated", is_number(r.updated), "a time in epoch seconds"),
              ("candidate_name", word(r.candidate_name) or r.candidate_name == "", "a string of printable characters"),
              ("history", isinstance(r.history, list) and all(isinstance(h, dict) for h in r.history),
               "a list of objects"),
              ("log_from", r.log_from is None or (type(r.log_from) is int and r.log_from >= 0),
               "a query-log row id (a whole number >= 0) or null"))
    for key, ok, want in checks:
        if not ok:
            raise ModelError(f"{located(path, _key_line(text, key))}: unreadable rollout state: '{key}' must be {want}",
                             hint=_DAMAGED_HINT)


_F = TypeVar("_F", bound=Callable[..., Any])


def _exclusive(fn: _F) -> _F:
    """A RolloutState method that reads, checks and rewrites the state, run under the home's rollout lock."""
    @functools.wraps(fn)
    def call(self: "RolloutState", *args: Any, **kwargs: Any) -> Any:
        with self.locked():
            return fn(self, *args, **kwargs)
    return call  # type: ignore[return-value]


class RolloutState:
    """The rollout file of a home: load (cached by mtime), start, promote, rollback."""

    def __init__(self, home: Home | None = None):
        self.home = home or Home()
        self.registry = Registry(self.home)
        self.path = self.registry.dir / "rollout.json"
        self._cache: tuple[Any, Rollout | None] | None = None
        self._lock = threading.Lock()

    @property
    def lock_path(self) -> Path:
        return self.path.with_name("rollout.lock")

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the exclusive lock on `rollout.lock` (beside rollout.json): two `rollout start`s at once both passed
        the "none running" check and the last write won. Another holder gets LOCK_WAIT_S to finish, then LockBusy
        (exit 75: run it again later). An flock dies with its process: a killed command leaves no stale lock behind."""
        if not self.path.parent.is_dir():  # no registry: no adapter to start, no rollout to change; create nothing
            yield
            return
        with ExitStack() as held:
            try:
                held.enter_context(exclusive(self.lock_path, wait_s=LOCK_WAIT_S))
            except LockBusy as exc:
                said = f"another rollout command is running (it holds {self.lock_path})"
                raise LockBusy(self.lock_path, exc.wait_s, said,
                               hint="wait for it to finish, then run this command again") from None
            except OSError as exc:
                raise ModelError(f"{self.lock_path}: cannot open the rollout lock: {exc.strerror or exc}") from None
            yield

    def load(self) -> Rollout | None:
        try:
            st = self.path.stat()
            mtime = (st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_size)  # a replace: a new inode; utime: a new ctime
        except FileNotFoundError:
            return None
        with self._lock:
            if self._cache is not None and self._cache[0] == mtime:
                return self._cache[1]
            try:
                text = self.path.read_text(encoding="utf-8")
            except UnicodeDecodeError as exc:
                raise ModelError(f"{located(self.path)}: unreadable rollout state: not UTF-8 text (byte "
                                 f"0x{exc.object[exc.start]:02x} at offset {exc.start})", hint=_DAMAGED_HINT) from None
            except OSError as exc:
                raise ModelError(f"{located(self.path)}: unreadable rollout state: {exc.strerror or exc}",
                                 hint=_DAMAGED_HINT) from None
            obj = loads_located(text, self.path, "unreadable rollout state: invalid JSON", error=ModelError,
                                hint=_DAMAGED_HINT)
            r = _rollout_of(obj, self.path, text)
            _check_rollout(r, self.path, text)
            mapped = resolve_control(self.registry, r.control) if r.running else None
            if mapped is not None:  # an older release's built-in default: the current one stands for it
                r.legacy_control, r.control = r.control, mapped
            self._cache = (mtime, r)
            return r

    def current(self) -> Rollout | None:
        """The running rollout, if any."""
        r = self.load()
        return r if r is not None and r.running else None

    def _save(self, r: Rollout, action: str, **event: Any) -> Rollout:
        r.updated = time.time()
        if r.legacy_control:  # the file's control becomes the one served; the event keeps what it recorded
            event = {**event, "control": r.control, "control_recorded": r.legacy_control}
        r.history.append({"ts": r.updated, "action": action, "share": r.share, **event})
        atomic_write_json(self.path, r.to_dict())
        log.warning("rollout %s: %s %s", escaped(r.id), action, json.dumps(event, default=str))  # the file's id
        return r

    @_exclusive
    def start(self, adapter_ref: str, share: float, *, note: str = "", model_id: str | None = None) -> Rollout:
        """`model_id`: the served base model's id, when known: a candidate trained on another base is refused (a
        LoRA only loads on its own base: every candidate request would fail), and the control is what the engine
        serves as "default" on that model."""
        share = _check_share(share)
        if share >= 100:
            raise InputError("a rollout starts below 100%", hint="use `ragtune models activate` to switch outright")
        prev = self.load()  # a damaged file is an error here too: never silently replaced
        if prev is not None and prev.running:
            raise InputError(f"rollout {escaped(prev.id)} of {escaped(prev.candidate[:12])} is running "
                             f"({prev.share:g}%)",
                             hint="promote it to 100 or roll it back first")
        art = self.registry.get(adapter_ref, kinds=ADAPTER_KINDS)
        if art.kind not in ADAPTER_KINDS:
            raise InputError(f"{adapter_ref}: is a {art.kind}, not a GGUF LoRA adapter")
        try:  # made for another base, or of another shape: every candidate request would be refused
            check_servable(self.registry, art.manifest, art.path, model_id)
        except (AdapterBaseMismatch, AdapterMisfit) as exc:  # `ask`'s message: the operator's choice, so an input
            raise InputError(exc.message, hint="roll out an adapter made for the served model ([generate] model)") \
                from None
        served = self.registry.default_adapter(model_id=model_id)  # activated, else built-in default (go), else none
        active = served.id if served is not None else "none"
        if active == art.id:
            raise InputError(f"{adapter_ref}: is already the served adapter")
        if prev is not None:
            self._archive(prev)  # the finished rollout's history (overrides included) is kept, not overwritten
        r = Rollout(id=secrets.token_hex(6), candidate=art.id, control=active, share=share, candidate_name=art.name,
                    log_from=last_log_id(self.home))
        return self._save(r, "start", control=active, note=note)

    @property
    def archive_path(self) -> Path:
        return self.path.with_name("rollout-history.jsonl")

    def _archive(self, r: Rollout) -> None:
        """Append a finished rollout to `rollout-history.jsonl` (one JSON object a line, oldest first)."""
        with open(self.archive_path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(r.to_dict(), ensure_ascii=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    @_exclusive
    def promote(self, share: float = 100, *, decision: dict[str, Any] | None = None, override: bool = False,
                reason: str = "", decide: Callable[[Rollout], dict[str, Any] | None] | None = None) -> Rollout:
        """Raise the candidate's share; at 100 the candidate becomes the active adapter and the rollout ends.
        `decision` is the gate's verdict (see `eval_decision`); a no-go needs `override`, which is logged.
        `decide(rollout)`, when given, makes that verdict here, under the lock, for the rollout running now: a verdict
        read before the lock may be for a rollout that another command has since stopped or replaced."""
        share = _check_share(share)
        r = copy.deepcopy(self.current())  # the cached one stays as the file says until the change is saved
        if r is None:
            raise InputError("no rollout is running", hint="ragtune rollout start ADAPTER --share 5")
        if decide is not None:
            decision = decide(r)
        if share < r.share:
            raise InputError(f"promote cannot lower the share ({r.share:g}% -> {share:g}%)",
                             hint="roll back instead")
        ok = bool(decision and decision.get("go"))
        if not ok and not override:
            why = (decision or {}).get("why") or "no offline eval decision for the candidate"
            enough = " on enough questions" if (decision or {}).get("smoke_test") else ""
            raise InputError(f"promotion refused: {why}", hint=f"run `ragtune eval run DATASET --adapter "
                                                               f"{escaped(r.candidate[:12])}`{enough} (or --override, "
                                                               f"logged)")
        r.share = share
        event = {"gate": (decision or {}).get("why", "missing"), "override": bool(override and not ok),
                 "reason": reason}
        if share >= 100:
            self.registry.activate(r.candidate)
            r.status = PROMOTED
            return self._save(r, "promote-100", **event)
        return self._save(r, "promote", **event)

    @_exclusive
    def rollback(self, *, reason: str = "manual", auto: bool = False) -> Rollout:
        """Every client back on the control arm at once (the control is always loaded)."""
        r = copy.deepcopy(self.current())  # the cached one stays as the file says until the change is saved
        if r is None:
            raise InputError("no rollout is running", hint="see `ragtune rollout status`")
        r.status = ROLLED_BACK
        return self._save(r, "auto-rollback" if auto else "rollback", reason=reason)

    @_exclusive
    def auto_rollback(self, why: Callable[[Rollout], str | None]) -> Rollout | None:
        """Roll the running rollout back when `why(rollout)` gives a reason, judged here, under the lock, on the
        rollout as it is now (a breach read before the lock may belong to one another command has since stopped or
        replaced). None: nothing runs, or nothing is wrong with what does; nothing written."""
        r = copy.deepcopy(self.current())
        reason = why(r) if r is not None else None
        if r is None or not reason:
            return None
        r.status = ROLLED_BACK
        return self._save(r, "auto-rollback", reason=reason)


def last_log_id(home: Home) -> int | None:
    """The id of the query log's newest row (0: none yet), read without changing the database (store/health.py
    `open_as_is`, as doctor reads it); None when it cannot be read (its rows are then taken by time)."""
    import sqlite3

    from ragtune.appliance.errors import StoreError
    from ragtune.appliance.store import health, rollout_log

    if not home.db_path.is_file():
        return 0
    try:
        with health.open_as_is(home.db_path) as store:
            return rollout_log.last_id(store)
    except (StoreError, sqlite3.Error, OSError, ValueError, TypeError):
        return None


def served_adapter(registry: Registry, generate: Any) -> str | None:
    """The adapter id (\"none\": the base model) that unpinned requests get outside a rollout, so what a `rollout
    rollback` serves: `[generate] adapter` (`generate`: Settings.generate) resolved as the server resolves its
    default route, a pinned id or name included, on the served model. None when it cannot be told (the commands
    that serve say why). `rollout rollback|status` and `models activate|deactivate` all read it from here."""
    from ragtune.appliance.errors import RagtuneError
    from ragtune.appliance.refs import resolve_adapter, served_model_id

    try:
        model_id = served_model_id(registry, generate.model)
        if model_id is None:  # no served model known: "default" might pick a built-in made for another base
            return "none" if str(generate.adapter or "").strip().lower() in ("none", "") else None
        return resolve_adapter(registry, generate.adapter, model_id=model_id)[1]
    except (RagtuneError, OSError):
        return None


@dataclass(frozen=True)
class Route:
    adapter: str | None  # the engine's adapter reference (None = the engine's current/default)
    arm: str | None  # control | candidate | None (pinned request or no rollout)
    # the running rollout's id beside its arm, for the query log: a request routed before a rollback and logged after
    # the next start is not counted in the new rollout's comparison (store/rollout_log.py)
    rollout: str | None = None
    note: str | None = None  # the rollout's legacy-control note (rollout_legacy.legacy_note), for `ask` to say


class Router:
    """Which adapter answers a request: a pinned one when the caller names it, else the running rollout's
    arm for this client, else `default` (the engine's "default": the activated adapter, else the built-in
    default adapter when its manifest says go, else the base)."""

    def __init__(self, home: Home | None = None, *, default: str | None = "default"):
        self.state = RolloutState(home)
        self.default = default

    def route(self, client_id: str, pinned: str | None = None) -> Route:
        if pinned is not None:
            return Route(pinned, None)
        r = self.state.current()
        if r is None:
            return Route(self.default, None)
        arm = r.arm_of(client_id)
        note_once(r)
        return Route(r.adapter_of(arm), arm, r.id, legacy_note(r))


# -- the promotion gate -------------------------------------------------------------------------------------------
def eval_decision(home: Home, adapter_id: str) -> dict[str, Any] | None:
    """The latest offline `eval run` decision for this adapter: {"go", "why", "run_id", "report"}, or None when there
    is none. A run whose report is missing or unreadable counts as missing. A smoke test (fewer labelled questions
    than a decision needs) is no decision: an older real one (or the built-in manifest's) still counts, and only
    without one is the newest smoke test's refusal returned ("smoke_test": true, go false)."""
    from ragtune.appliance.eval.report import NEEDED, is_smoke_test, labelled_per_arm
    from ragtune.appliance.store import open_store

    with open_store(home) as store:
        runs = store.eval_runs_for_adapter(adapter_id)
    first_smoke: dict[str, Any] | None = None
    for run_id, created, config in runs:  # newest first
        out = Path(str(config.get("out", "")))
        report = out / "report.json"
        try:
            doc = json.loads(report.read_text(encoding="utf-8"))
            decision = doc["decision"]
        except (OSError, ValueError, KeyError, TypeError, RecursionError):  # RecursionError: [[[[… thousands deep
            continue
        if not isinstance(decision, dict):  # a damaged report counts as missing too
            continue
        go = bool(decision.get("go"))
        reasons = decision.get("reasons")  # a damaged report's 5 or "text" is not a list of reasons
        reasons = reasons if isinstance(reasons, list) else [] if reasons is None else [reasons]
        why = "eval go" if go else "eval no-go: " + escaped("; ".join(map(str, reasons))[:300])
        # A smoke test is no decision, whatever it says: a report written before smoke tests were marked has
        # "go": true on 4 questions, so its arms' counts are read too
        n = labelled_per_arm(doc.get("arms"))
        smoke = decision.get("smoke_test") is True or is_smoke_test(n)
        if smoke:  # keep looking: a quick check after a real run must not hide the real run's decision
            if first_smoke is None:
                first_smoke = {"go": False, "why": f"eval run {run_id} is a smoke test, not a decision: "
                               f"{f'n={n}' if is_smoke_test(n) else 'too few'} labelled questions per arm; {NEEDED}",
                               "run_id": run_id, "report": str(report), "created": created, "smoke_test": True}
            continue
        return {"go": go, "why": f"{why} (run {run_id})", "run_id": run_id, "report": str(report), "created": created}
    return _builtin_decision(adapter_id) or first_smoke


def _builtin_decision(adapter_id: str) -> dict[str, Any] | None:
    """A built-in adapter carries its release evals in its manifest: that is an offline decision too (only when it
    came from evals, not from a person)."""
    from ragtune.appliance import builtin_adapters as builtin

    for b in builtin.list_builtins():
        if b.sha256 == adapter_id and b.manifest.get("go_source") != "manual" and b.manifest.get("eval"):
            verdicts = [e.get("decision", {}) for e in b.manifest["eval"]]
            go = b.go  # a non-manual go is valid only when every recorded eval decided go (validate_manifest)
            why = "eval go" if go else "eval no-go: " + escaped("; ".join(
                str(r) for v in verdicts for r in v.get("reasons", []))[:300])
            return {"go": go, "why": f"{why} (the built-in adapter's manifest, {b.manifest_path.name})",
                    "run_id": None, "report": str(b.manifest_path), "created": None}
    return None
