"""Test harness: sockets blocked for every test (the product is offline), a fresh RAGTUNE_HOME and model cache."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from ragtune.appliance.offline import enforce_offline_env

enforce_offline_env()  # native code (onnxruntime telemetry) is not covered by the socket patch below
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


class NetworkBlocked(RuntimeError):
    pass


def _is_network(sock: socket.socket) -> bool:
    return sock.family in (socket.AF_INET, socket.AF_INET6)


def _guard_connect(self, address):  # type: ignore[no-untyped-def]
    if _is_network(self):
        raise NetworkBlocked(f"network access attempted in a test: {address!r}")
    return _real_connect(self, address)


def _guard_connect_ex(self, address):  # type: ignore[no-untyped-def]
    if _is_network(self):
        raise NetworkBlocked(f"network access attempted in a test: {address!r}")
    return _real_connect_ex(self, address)


def _guard_getaddrinfo(*args, **kwargs):  # type: ignore[no-untyped-def]
    raise NetworkBlocked(f"DNS lookup attempted in a test: {args[:2]!r}")


@pytest.fixture(autouse=True)
def _block_network(monkeypatch):
    monkeypatch.setattr(socket.socket, "connect", _guard_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", _guard_connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", _guard_getaddrinfo)
    yield


@pytest.fixture(autouse=True)
def _fresh_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("RAGTUNE_HOME", str(home))
    # the shared model cache too: a test never writes into the user's (models are found in the installed carriers)
    monkeypatch.setenv("RAGTUNE_MODELS", str(tmp_path / "model-cache"))
    # no built-in adapters unless a test installs some: an adapter shipped in the package never changes what the
    # tests expect (tests/appliance/test_builtin_adapters.py checks the shipped ones themselves)
    monkeypatch.setenv("RAGTUNE_BUILTIN_ADAPTERS", str(tmp_path / "builtin-adapters"))
    # likewise the built-in reranker (tests/appliance/test_rerank.py checks the shipped one)
    monkeypatch.setenv("RAGTUNE_BUILTIN_RERANKERS", str(tmp_path / "builtin-rerankers"))
    # the per-user cache (a read-only home's rebuilt BM25 index, lexical_cache.py; converters' sdist): a test never
    # writes into the user's. A module-scoped fixture (test_convert_e2e's real sdist) runs before this and still
    # finds the user's sdist; a test that needs it sets the variable itself.
    monkeypatch.setenv("RAGTUNE_CACHE_DIR", str(tmp_path / "user-cache"))
    yield home


def _with_defaults(cls, **values):
    """cls.__init__'s defaults with some replaced (a dataclass bakes its defaults into __init__)."""
    import inspect

    params = [p for p in inspect.signature(cls.__init__).parameters.values() if p.default is not inspect.Parameter.empty]
    return tuple(values.get(p.name, p.default) for p in params)


@pytest.fixture(autouse=True)
def _fake_engine_defaults(request, monkeypatch):
    """Most tests answer with fake engines that write free text over 6-source contexts, as the product did before
    its defaults became extractive answers over 3 sources (the built-in adapter's shape): they keep those settings.
    Tests marked `product_defaults` (and any that set the values) see the real ones."""
    if request.node.get_closest_marker("product_defaults"):
        yield
        return
    from ragtune.appliance.config import GenerateConfig, RetrieveConfig

    monkeypatch.setattr(GenerateConfig.__init__, "__defaults__", _with_defaults(GenerateConfig, answer_mode="free"))
    monkeypatch.setattr(RetrieveConfig.__init__, "__defaults__", _with_defaults(RetrieveConfig, k=6))
    yield


@pytest.fixture
def home(_fresh_home):
    from ragtune.appliance.home import Home

    return Home(_fresh_home)


@pytest.fixture
def reg(home):
    """The model registry of the fresh home."""
    from ragtune.appliance.registry import Registry

    return Registry(home)


@pytest.fixture
def settings(home):
    from ragtune.appliance.config import Settings

    return Settings(home=home)


REPO = Path(__file__).resolve().parents[1]
SHARED_EVAL = REPO.parent / "shared" / "eval"


def have_module(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def pytest_collection_modifyitems(config, items):
    cuda = False
    if have_module("torch"):
        try:
            import torch

            cuda = torch.cuda.is_available()
        except Exception:
            cuda = False
    skip_gpu = pytest.mark.skip(reason="needs a CUDA GPU")
    for item in items:
        if "gpu" in item.keywords and not cuda:
            item.add_marker(skip_gpu)


_real_getaddrinfo = socket.getaddrinfo
_LOOPBACK_NAMES = {"127.0.0.1", "::1", "localhost"}


def _is_loopback_address(address) -> bool:  # type: ignore[no-untyped-def]
    import ipaddress

    host = address[0] if isinstance(address, tuple) else address
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture
def loopback(monkeypatch):
    """Allow sockets to this machine's loopback only (servers a test starts on 127.0.0.1); everything else stays
    blocked. Opt-in per test."""

    def connect(self, address):  # type: ignore[no-untyped-def]
        if _is_network(self) and not _is_loopback_address(address):
            raise NetworkBlocked(f"network access attempted in a test: {address!r}")
        return _real_connect(self, address)

    def connect_ex(self, address):  # type: ignore[no-untyped-def]
        if _is_network(self) and not _is_loopback_address(address):
            raise NetworkBlocked(f"network access attempted in a test: {address!r}")
        return _real_connect_ex(self, address)

    def getaddrinfo(host, *args, **kwargs):  # type: ignore[no-untyped-def]
        if host not in _LOOPBACK_NAMES:
            raise NetworkBlocked(f"DNS lookup attempted in a test: {host!r}")
        return _real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
