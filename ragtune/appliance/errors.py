"""Typed errors. Library code raises these; the CLI maps them to messages and exit codes,
the TUI to notifications. Never let a raw traceback reach a user."""

from __future__ import annotations

import sys


class RagtuneError(Exception):
    """Base class. `exit_code` is what the CLI exits with."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None):
        message, hint = _pipes_named(message), _pipes_named(hint) if hint else hint
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}{HINT_LINE}{self.hint}"


HINT_LINE = "\n  hint: "  # between a RagtuneError's message and its hint in its str()


def _pipes_named(text: str) -> str:
    """A piped input is read from a spool file (spool.py), gone once the command ends: a message names the pipe as
    the user gave it ("/dev/fd/63 (a pipe):3: …"), whichever reader built it. Done as the error is made, while the
    spool lives (the CLI prints it after the command's context, and the spool, have closed). No spool exists
    unless spool.py was imported: nothing is imported here."""
    spool = sys.modules.get("ragtune.appliance.spool")
    return spool.named(text) if spool is not None and isinstance(text, str) else text


class ConfigError(RagtuneError):
    exit_code = 2


class InputError(RagtuneError):
    """Bad user input: a file, a line of a dataset, a query."""

    exit_code = 2


class UnknownDocument(InputError):
    """A reference that names no ingested document (a typo is said, never a silent no-op or an empty scope)."""

    def __init__(self, ref: str, hint: str = "give an id or a path from `ragtune docs list`, or a folder"):
        super().__init__(f"no ingested document matches '{ref}'", hint=hint)
        self.ref = ref


class NothingIngested(InputError):
    """The home holds no documents: the user's to fix on the command line, the server's state over HTTP (503)."""


class ModelError(RagtuneError):
    """A model file is missing, corrupt, or does not match its manifest."""

    exit_code = 3


class AdapterBaseMismatch(ModelError):
    """An adapter named (by reference or file) that was made for another base model than the served one: the
    choice is what is wrong, not a file (serve: 400 adapter_base_mismatch, where a ModelError is the server's 500)."""


class AdapterMisfit(InputError):
    """A GGUF LoRA whose tensors do not fit the model (ggufinfo.lora_misfit). `why`: that reason alone, without the
    file's path (what a client of serve may be told: 400 adapter_misfit)."""

    def __init__(self, message: str, *, why: str, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.why = why


class StoreError(RagtuneError):
    exit_code = 4


class BusyError(StoreError):
    """Another process is writing what this one must write (lexical.IndexBusy: another ingest or `docs remove`;
    filelock.LockBusy: a rollout command, which another one or a backup waits on): nothing is wrong, run it again
    later. Its own exit code, EX_TEMPFAIL of sysexits.h, so a script can tell "retry" from a damaged database (4)
    without reading the JSON `type`; still a StoreError to those that catch one."""

    exit_code = 75


class WriteRefused(StoreError):
    """The machine refused a write of the store's: no space left, a disk quota used up, over `ulimit -f` (`errno`:
    ENOSPC, EDQUOT, EFBIG). Exit 74 as every other write the machine refused (docs/architecture.md), not a
    StoreError's 4: the database is not damaged, room is what is missing. Still a StoreError to those that catch
    one."""

    exit_code = 74

    def __init__(self, message: str, *, errno: int, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.errno = errno


class OutOfMemory(StoreError):
    """Too little memory (RAM, or address space under `ulimit -v`) for a native library: its shared object not
    mapped at import, or its allocation refused (C++ std::bad_alloc). Raised for the lexical index (tantivy);
    onnxruntime's and llama.cpp's are a ModelError that says so (`says_so`, `hint`). Exit 1, the code for out of
    memory (docs/install.md), not a StoreError's 4 (damaged): nothing needs repairing, the index is not reset."""

    exit_code = 1
    SIGNS = ("bad_alloc", "failed to map segment", "cannot allocate memory", "out of memory", "failed to allocate")

    @classmethod
    def says_so(cls, exc: BaseException) -> bool:
        text = str(exc).lower()
        return isinstance(exc, MemoryError) or any(sign in text for sign in cls.SIGNS)

    @staticmethod
    def hint(free: int | None, cap: int | None, lower: str | None = None) -> str:
        """What to free or raise: the `free` RAM and the address-space `cap` (`ulimit -v`) now, in bytes, as
        machine.py reads them (not imported here: errors.py imports nothing of ours), and `lower` (a setting that
        needs less)."""
        now = [f"{free >> 20} MB of RAM free" if free is not None else "",
               f"`ulimit -v` {cap >> 10} ({cap >> 20} MB)" if cap is not None else ""]
        said = ", ".join(x for x in now if x)
        raise_cap = " or raise `ulimit -v` (`ask` needs ~1.25 GB of address space)" if cap is not None else ""
        return (f"{said + ': ' if said else ''}free some RAM{raise_cap}{', or ' + lower if lower else ''}; "
                '`ragtune doctor` says what fits (docs/install.md, "Small machines")')


class GenerationError(RagtuneError):
    exit_code = 5


class MissingExtraError(RagtuneError):
    """A heavy optional dependency is not installed."""

    exit_code = 6

    def __init__(self, module: str, extra: str):
        super().__init__(
            f"this needs the '{module}' package, which is not installed",
            hint=f"pip install 'ragtune[{extra}]'  (or: pipx inject ragtune '{module}')",
        )
        self.module = module
        self.extra = extra


class ExtraLoadError(RagtuneError):
    """A heavy optional dependency that is installed but does not import: out of memory (a shared object not mapped
    under `ulimit -v`, Python's MemoryError), a shared library it needs missing (OSError), a dependency of it
    missing, a broken install. Not a MissingExtraError: installing the extra again is not the fix. Exit 1, the code
    for out of memory and for a ragtune error of no more specific kind (docs/architecture.md)."""

    exit_code = 1

    def __init__(self, module: str, why: str, *, hint: str | None = None):
        super().__init__(f"the '{module}' package is installed but failed to load: {why}", hint=hint)
        self.module = module


def require(module: str, extra: str):
    """Import a heavy optional dependency lazily. Not there (ModuleNotFoundError for `module` or a package above
    it): MissingExtraError naming the extra to install. There but failing to import (any other ImportError, an
    OSError, a MemoryError): ExtraLoadError saying what failed, with the free RAM and `ulimit -v` when it is out of
    memory (as the embedder's and llama.cpp's messages say it), never the advice to install what is installed."""
    import importlib

    top = module.split(".")[0]
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        name = exc.name or module
        if module == name or module.startswith(name + "."):  # the module itself (or its package) is not there
            raise MissingExtraError(top, extra) from exc
        raise _load_failed(top, extra, exc) from exc
    except (ImportError, OSError, MemoryError) as exc:
        raise _load_failed(top, extra, exc) from exc


def _load_failed(module: str, extra: str, exc: BaseException) -> ExtraLoadError:
    # machine.py reads the free RAM and `ulimit -v`; it imports this module, so it is not imported here: config.py
    # imports it, so it is loaded wherever settings are (every caller of require); else the hint without the numbers
    machine = sys.modules.get(f"{__package__}.machine")
    # the cause can sit further down: numpy's C extension not mapped is what its ImportError was raised from
    oom = next((e for e in _chained(exc) if OutOfMemory.says_so(e)), None)
    if oom is not None:
        hint = machine.out_of_memory_hint() if machine is not None else OutOfMemory.hint(None, None)
        return ExtraLoadError(module, f"out of memory ({_line_of(oom, OutOfMemory.SIGNS)})", hint=hint)
    if isinstance(exc, ModuleNotFoundError) and exc.name:
        return ExtraLoadError(module, f"a module it imports is not installed ({_line_of(exc)})",
                              hint=f"install it again with its dependencies: pip install --force-reinstall "
                                   f"'ragtune[{extra}]'")
    hint = (f"`python -c 'import {module}'` shows the whole error (a shared library missing, a build for another CPU "
            "or Python, a damaged install)")
    cap = machine.address_space_limit() if machine is not None else None
    if cap is not None:  # a library whose code could not be mapped may say only that it failed ("import numpy failed")
        hint += f"; `ulimit -v` is {cap >> 20} MB here: too little address space fails this way too, raise it to try"
    return ExtraLoadError(module, _line_of(exc), hint=hint)


def _chained(exc: BaseException | None) -> list[BaseException]:
    """`exc` and the exceptions it was raised from or while handling, outermost first."""
    seen: list[BaseException] = []
    while exc is not None and all(exc is not e for e in seen):
        seen.append(exc)
        exc = exc.__cause__ or exc.__context__
    return seen


def _line_of(exc: BaseException, signs: tuple[str, ...] = (), limit: int = 300) -> str:
    """An exception's message as one line: its first line holding one of `signs` (a loader's message can run over
    many lines of advice), else the whole text with its spaces folded, at most `limit` characters; the type's name
    when it says nothing (a bare MemoryError)."""
    lines = [" ".join(line.split()) for line in str(exc).splitlines()]
    text = next((line for line in lines if any(s in line.lower() for s in signs)), None) if signs else None
    text = text or " ".join(line for line in lines if line) or type(exc).__name__
    return text if len(text) <= limit else text[:limit - 1] + "…"


def require_installed(extra: str, *modules: str) -> None:
    """MissingExtraError before long work starts (a dataset built, questions mined) when an optional dependency the
    work ends up needing is not installed; find_spec imports nothing (torch alone takes seconds)."""
    import importlib.util

    for module in modules:
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):  # a parent package missing, or a module blocked in sys.modules
            found = False
        if not found:
            raise MissingExtraError(module, extra)


def located(path: object, line: int | None = None) -> str:
    """'file:line' prefix used in every validation error about a file."""
    return f"{path}:{line}" if line is not None else f"{path}"


def read_capped(path: object, limit: int) -> bytes:
    """A small file's bytes (a config, a manifest, a report), never more than `limit` + 1 read: a device such as
    /dev/zero, or a huge file, given where one belongs is an OSError (EFBIG) that `unreadable` words, instead of
    filling memory."""
    import errno

    with open(path, "rb") as fh:  # type: ignore[call-overload]
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise OSError(errno.EFBIG, f"larger than {limit >> 20} MB: not a file of this kind")
    return data


def unreadable(path: object, exc: OSError | UnicodeDecodeError, what: str = "cannot read") -> str:
    """`file[:line]: WHAT: why` for a text file that could not be read: a byte that is not UTF-8 is named by its
    line and column (the codec's own message gives only a byte offset), an OSError by its reason."""
    if isinstance(exc, UnicodeDecodeError):
        raw = exc.object if isinstance(exc.object, bytes) else bytes(exc.object)
        before = raw[:exc.start]
        line, col = before.count(b"\n") + 1, exc.start - before.rfind(b"\n")
        return f"{located(path, line)}: {what}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at column {col})"
    return f"{located(path)}: {what}: {exc.strerror or exc}"
