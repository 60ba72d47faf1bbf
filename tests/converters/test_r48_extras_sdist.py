"""Round 48: the sdist's convert scripts extract on Pythons without tarfile's `filter=` (before 3.10.12 / 3.11.4,
inside Requires-Python >=3.10): no TypeError, and what the 'data' filter refuses is refused there too."""

from __future__ import annotations

import io
import stat
import tarfile

import pytest

from ragtune.appliance.errors import ModelError
from ragtune.converters import sdist

from .test_sdist import _fake_sdist

EXPECTED = [".complete", "conversion/__init__.py", "convert_hf_to_gguf.py", "convert_lora_to_gguf.py",
            "gguf-py/gguf/__init__.py"]


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    monkeypatch.setenv(sdist.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.delenv(sdist.SDIST_ENV, raising=False)
    monkeypatch.delenv(sdist.BUNDLE_ENV, raising=False)


@pytest.fixture
def old_python(monkeypatch):
    """tarfile as before 3.10.12 / 3.11.4: no data_filter, and extractall(filter=…) is a TypeError."""
    monkeypatch.delattr(tarfile, "data_filter", raising=False)
    real = tarfile.TarFile.extractall

    def extractall(self, path=".", members=None, *, numeric_owner=False, **kw):
        if kw:
            raise TypeError(f"extractall() got an unexpected keyword argument {next(iter(kw))!r}")
        return real(self, path, members, numeric_owner=numeric_owner)
    monkeypatch.setattr(tarfile.TarFile, "extractall", extractall)


def _names(d):
    return sorted(p.relative_to(d).as_posix() for p in d.rglob("*") if p.is_file())


def test_filter_data_used_where_tarfile_has_it(tmp_path, monkeypatch):
    assert hasattr(tarfile, "data_filter")  # the 3.11 this suite runs on (3.11.4+)
    seen = []
    real = tarfile.TarFile.extractall
    monkeypatch.setattr(tarfile.TarFile, "extractall", lambda self, *a, **kw: (seen.append(kw.get("filter")),
                                                                                real(self, *a, **kw))[1])
    d = sdist.scripts_dir(_fake_sdist(tmp_path / "llama_cpp_python-1.0.1.tar.gz", "1.0.1"), version="1.0.1")
    assert seen == ["data"] and _names(d) == EXPECTED


def test_old_python_extracts_member_by_member(tmp_path, old_python):
    d = sdist.scripts_dir(_fake_sdist(tmp_path / "llama_cpp_python-1.0.2.tar.gz", "1.0.2"), version="1.0.2")
    assert _names(d) == EXPECTED
    assert (d / "gguf-py/gguf/__init__.py").read_bytes() == b"MARK = 'local-gguf-py'\n"


def test_old_python_refuses_traversal(tmp_path, old_python):
    src = _fake_sdist(tmp_path / "s" / "llama_cpp_python-1.0.3.tar.gz", "1.0.3", evil=True)
    with pytest.raises(ModelError, match="outside the destination"):
        sdist.scripts_dir(src, version="1.0.3")
    assert not list(tmp_path.parent.rglob("escape.txt"))
    assert not (tmp_path / "cache" / "llama.cpp-1.0.3").exists()


def _sdist_with(path, version, extra):
    """The fake sdist plus members added by `extra(tf, top)`."""
    _fake_sdist(path, version)
    top = f"llama_cpp_python-{version}/vendor/llama.cpp"
    with tarfile.open(path, "r:gz") as tf:
        members = [(m, tf.extractfile(m).read()) for m in tf]
    with tarfile.open(path, "w:gz") as tf:
        for m, data in members:
            tf.addfile(m, io.BytesIO(data))
        extra(tf, top)
    return path


@pytest.mark.parametrize("kind", ["symlink", "hardlink", "device", "fifo"])
def test_old_python_writes_no_links_or_devices(tmp_path, old_python, kind):
    def extra(tf, top):
        info = tarfile.TarInfo(f"{top}/gguf-py/gguf/evil")
        info.type = {"symlink": tarfile.SYMTYPE, "hardlink": tarfile.LNKTYPE, "device": tarfile.CHRTYPE,
                     "fifo": tarfile.FIFOTYPE}[kind]
        info.linkname = "/etc/passwd"
        tf.addfile(info)
    d = sdist.scripts_dir(_sdist_with(tmp_path / "llama_cpp_python-1.0.4.tar.gz", "1.0.4", extra), version="1.0.4")
    assert not (d / "gguf-py/gguf/evil").exists() and not (d / "gguf-py/gguf/evil").is_symlink()
    assert _names(d) == EXPECTED


def test_old_python_drops_setuid_and_absolute(tmp_path, old_python):
    def extra(tf, top):
        info = tarfile.TarInfo(f"{top}/gguf-py/gguf/suid.py")
        info.size, info.mode = 1, 0o4777
        tf.addfile(info, io.BytesIO(b"x"))
    d = sdist.scripts_dir(_sdist_with(tmp_path / "llama_cpp_python-1.0.5.tar.gz", "1.0.5", extra), version="1.0.5")
    mode = (d / "gguf-py/gguf/suid.py").stat().st_mode
    assert not mode & (stat.S_ISUID | stat.S_IWOTH)
    assert sdist._escapes("/etc/x") and sdist._escapes("gguf-py/..\\..\\x") and not sdist._escapes("gguf-py/a..b")
