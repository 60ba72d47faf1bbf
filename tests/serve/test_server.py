"""`ragtune serve`'s listening socket: bound before any model loads, a port in use or a bad host is an error."""

from __future__ import annotations

import socket

import pytest

from ragtune.appliance.errors import InputError
from ragtune.serve.server import listen_socket

_REAL_GETADDRINFO = socket.getaddrinfo


@pytest.fixture
def resolve_locally(monkeypatch):
    """Numeric loopback addresses only: no DNS happens (the harness blocks getaddrinfo for every test)."""
    def local(host, *args, **kwargs):  # type: ignore[no-untyped-def]
        if host not in ("127.0.0.1", "::1"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return _REAL_GETADDRINFO(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", local)


def test_a_port_in_use_is_an_error_naming_the_address(resolve_locally):
    first = listen_socket("127.0.0.1", 0)
    first.listen()
    port = first.getsockname()[1]
    try:
        with pytest.raises(InputError, match=f"cannot listen on 127.0.0.1:{port}: Address already in use"):
            listen_socket("127.0.0.1", port)
    finally:
        first.close()


def test_a_host_that_does_not_resolve_is_an_error(resolve_locally):
    with pytest.raises(InputError, match="cannot listen on no-such-host.invalid"):
        listen_socket("no-such-host.invalid", 8088)
