"""llama.cpp's own conversion scripts, taken from the llama-cpp-python sdist of the INSTALLED version.

Converter and runtime must be one llama.cpp: a GGUF written by a newer convert script can carry tensors
or metadata the installed runtime does not know. So the scripts are never copied into this repository;
they are extracted (only convert_*.py, gguf-py/, conversion/, requirements/) from the sdist into a cache
directory keyed by version, and run in a subprocess with that gguf-py first on PYTHONPATH.

The sdist is looked for, in order, at: `--sdist` / $RAGTUNE_LLAMA_SDIST (a file or a directory),
the offline bundle ($RAGTUNE_BUNDLE, its sdist/ and wheelhouse/), and the cache folder (and its sdist/ and
wheelhouse/): $RAGTUNE_CACHE_DIR, else $XDG_CACHE_HOME/ragtune, else ~/.cache/ragtune/.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tarfile
import time
from importlib import metadata
from pathlib import Path

from ragtune.appliance.atomic import atomic_path
from ragtune.appliance.errors import InputError, ModelError
from ragtune.appliance.userdirs import CACHE_ENV, cache_root  # noqa: F401 - one cache folder (CACHE_ENV: tests set it)
from ragtune.appliance.offline import OFFLINE_ENV

SDIST_ENV = "RAGTUNE_LLAMA_SDIST"
BUNDLE_ENV = "RAGTUNE_BUNDLE"
# What the converters need from vendor/llama.cpp/ (nothing else is extracted).
WANTED_FILES = ("convert_hf_to_gguf.py", "convert_lora_to_gguf.py")
WANTED_DIRS = ("gguf-py/", "conversion/", "requirements/")


def installed_version() -> str:
    """The installed llama-cpp-python version (from metadata: importing llama_cpp loads the native library)."""
    try:
        return metadata.version("llama_cpp_python")
    except metadata.PackageNotFoundError:
        raise ModelError("llama-cpp-python is not installed", hint="pip install ragtune (it is a runtime dependency)") from None


def sdist_names(version: str) -> list[str]:
    return [f"llama_cpp_python-{version}.tar.gz", f"llama-cpp-python-{version}.tar.gz"]


def search_dirs(sdist: str | Path | None = None) -> list[Path]:
    """Where an sdist is looked for, in order (files given explicitly come first)."""
    out: list[Path] = []
    for given in (sdist, os.environ.get(SDIST_ENV)):
        if given:
            out.append(Path(given).expanduser())
    bundle = os.environ.get(BUNDLE_ENV)
    if bundle:
        b = Path(bundle).expanduser()
        out += [b, b / "sdist", b / "wheelhouse"]
    c = cache_root()
    out += [c, c / "sdist", c / "wheelhouse"]
    return out


def missing_hint(version: str) -> str:
    # the folder cache_root() reads ($RAGTUNE_CACHE_DIR, $XDG_CACHE_HOME): a file pip puts anywhere else is not found
    return (f"pip download --no-deps --no-binary :all: llama-cpp-python=={version} -d {_shell_dir(cache_root())}"
            f"   (offline: set {BUNDLE_ENV} to the bundle directory, or {SDIST_ENV} to the .tar.gz)")


def _shell_dir(path: Path) -> str:
    """`path` as a shell argument ending in '/': '~/…' below the home folder (as short as people write it), quoted
    where it needs quoting."""
    try:
        rel = path.relative_to(Path.home())
    except (ValueError, RuntimeError):  # not below it, or no home folder known
        rel = None
    if rel is not None and rel.parts and shlex.quote(rel.as_posix()) == rel.as_posix():
        return f"~/{rel.as_posix()}/"
    return shlex.quote(str(path)) + "/"


def locate_sdist(sdist: str | Path | None = None, version: str | None = None) -> Path:
    """The sdist file for the installed llama-cpp-python version, or ModelError saying how to get it."""
    version = version or installed_version()
    names = sdist_names(version)
    for given in (sdist, os.environ.get(SDIST_ENV)):
        # named on purpose: a typo there is said, not passed over for whatever the cache holds
        if given and not Path(given).expanduser().exists():
            raise InputError(f"{given}: no such file or folder (the sdist given with --sdist or {SDIST_ENV})",
                             hint=missing_hint(version))
    tried = []
    for cand in search_dirs(sdist):
        if cand.is_file():
            if cand.name not in names:
                raise ModelError(
                    f"{cand}: is not the sdist of the installed llama-cpp-python {version} (expected {names[0]})",
                    hint="converter and runtime must be the same llama.cpp: " + missing_hint(version))
            return cand
        for name in names:
            if (cand / name).is_file():
                return cand / name
        tried.append(str(cand))
    raise ModelError(
        f"the llama-cpp-python {version} sdist (llama.cpp's convert scripts) was not found (looked in: {', '.join(tried)})",
        hint=missing_hint(version))


def scripts_dir(sdist: str | Path | None = None, version: str | None = None) -> Path:
    """Directory holding convert_hf_to_gguf.py, convert_lora_to_gguf.py, gguf-py/, conversion/ for the
    installed version; extracted once (atomically) into the cache."""
    version = version or installed_version()
    dest = cache_root() / f"llama.cpp-{version}"
    if (dest / ".complete").is_file():
        return dest
    src = locate_sdist(sdist, version)
    if dest.exists():  # junk from an interrupted extraction by an old version (no .complete marker)
        shutil.rmtree(dest, ignore_errors=True)
    # a concurrent extraction that finished first wins: its copy is the same
    with atomic_path(dest, folder=True, keep_existing=True) as tmp:
        _extract(src, tmp)
        (tmp / ".complete").write_text(f"{src}\n", encoding="utf-8")
    return dest


def _extract(src: Path, into: Path) -> None:
    try:
        with tarfile.open(src, "r:*") as tf:
            members = []
            for m in tf:
                parts = m.name.split("/", 3)  # <top>/vendor/llama.cpp/<rest>
                if len(parts) < 4 or parts[1:3] != ["vendor", "llama.cpp"]:
                    continue
                rest = parts[3]
                if rest in WANTED_FILES or any(rest.startswith(d) for d in WANTED_DIRS):
                    if m.isfile() or m.isdir():
                        m.name = rest
                        members.append(m)
            found = {m.name for m in members}
            missing = [f for f in WANTED_FILES if f not in found]
            if missing or not any(n.startswith("gguf-py/gguf/") for n in found):
                raise ModelError(f"{src}: has no vendor/llama.cpp/{missing[0] if missing else 'gguf-py'}; not a llama-cpp-python sdist?")
            for m in members:  # checked here too: the fallback below has no filter to refuse them
                if _escapes(m.name):
                    raise ModelError(f"{src}: {m.name!r} would be extracted outside the destination; not a "
                                     "llama-cpp-python sdist?")
            if hasattr(tarfile, "data_filter"):
                tf.extractall(into, members=members, filter="data")  # 'data' refuses links/paths escaping `into`
            else:  # Python < 3.10.12 / 3.11.4: no `filter=` (a TypeError); only plain files and folders are written
                _extract_plain(tf, members, into)
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise ModelError(f"{src}: cannot read the sdist: {exc}", hint="download it again: " + missing_hint(installed_version())) from None


def _escapes(name: str) -> bool:
    """What the 'data' filter refuses by name: an absolute path, a `..` part (a backslash counts as a separator)."""
    parts = name.replace("\\", "/").split("/")
    return name.startswith(("/", "\\")) or ".." in parts


def _extract_plain(tf: tarfile.TarFile, members: list[tarfile.TarInfo], into: Path) -> None:
    """Member by member, not through tarfile's unfiltered extraction (it would keep the archive's modes, setuid bits
    included): folders made, file contents copied with default permissions. The caller passes only plain files and
    folders whose names stay inside `into`: no link, no device, no absolute path or `..`."""
    root = into.resolve()
    for m in members:
        target = (into / m.name).resolve()
        if target != root and root not in target.parents:  # belt and braces beside _escapes
            raise ModelError(f"{m.name!r} would be extracted outside the destination")
        if m.isdir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        src = tf.extractfile(m)
        if src is None:
            raise tarfile.TarError(f"{m.name}: cannot be read")
        target.parent.mkdir(parents=True, exist_ok=True)
        with src, open(target, "wb") as out:
            shutil.copyfileobj(src, out)


def script_env(scripts: Path, threads: int) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("NO_LOCAL_GGUF", None)  # the scripts then prefer their own gguf-py
    env["PYTHONPATH"] = os.pathsep.join([str(scripts / "gguf-py"), str(scripts)] +
                                        ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env.update(OFFLINE_ENV)
    for key in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        env[key] = str(threads)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run_script(script: str, args: list[str], *, sdist: str | Path | None = None, threads: int = 2,
               log_path: Path | None = None, progress=None) -> float:
    """Run one of llama.cpp's convert scripts; returns seconds taken. Output is captured (and saved to
    `log_path`); a failure becomes one ModelError carrying the script's own last error line."""
    scripts = scripts_dir(sdist)
    cmd = [sys.executable, str(scripts / script), *args]
    if progress:
        progress(f"running {script} (llama.cpp from llama-cpp-python {installed_version()})…")
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=script_env(scripts, threads), cwd=str(scripts))
    except OSError as exc:
        raise ModelError(f"cannot run {script}: {exc}") from None
    seconds = time.perf_counter() - t0
    output = (proc.stdout or "") + (proc.stderr or "")
    if log_path is not None:
        try:
            log_path.parent.mkdir(parents=True, exist_ok=True)
            log_path.write_text(f"$ {' '.join(cmd)}\n{output}", encoding="utf-8")
        except OSError:
            log_path = None
    if proc.returncode != 0:
        raise ModelError(f"{script} failed: {_last_error(output)}",
                         hint=f"full output: {log_path}" if log_path else None)
    return seconds


def _last_error(output: str) -> str:
    lines = [ln.strip() for ln in output.splitlines() if ln.strip()]
    for ln in reversed(lines):
        # A traceback's last line ("ValueError: …") or the script's own ERROR log line.
        if ln.startswith("ERROR:") or (":" in ln and ln.split(":", 1)[0].endswith(("Error", "Exception"))):
            return ln
    return lines[-1] if lines else "no output"
