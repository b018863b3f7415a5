"""Connect a webhook to the addresses that were checked, never to what a second DNS lookup answers.

apprise's json plugin sends with ``requests.request``, which builds a session of its own for every call, so there
is no adapter to mount; the one place each of its connections passes is urllib3's ``create_connection``. It is
wrapped once, here. The pin is a context variable because apprise sends from its own worker threads, each run in a
copy of the caller's context: a send that pinned nothing connects as before; a send to a checked webhook connects
only to that host's checked addresses, so DNS rebinding, or a proxy or redirect elsewhere, fails.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

from urllib3.util import connection

from workflows.people.notifications import Address, host_key

_pin: ContextVar[tuple[str, list[str]] | None] = ContextVar("webhook_pin", default=None)
_connect = getattr(connection.create_connection, "__wrapped__", connection.create_connection)


@contextmanager
def pinned(host: str, addresses: Sequence[Address]) -> Iterator[None]:
    """Within this block (and the threads apprise runs it in), connect to ``host`` at ``addresses`` only."""
    token = _pin.set((host_key(host), [str(a) for a in addresses]))
    try:
        yield
    finally:
        _pin.reset(token)


def _create_connection(address, *args, **kwargs):
    pin = _pin.get()
    if pin is None:
        return _connect(address, *args, **kwargs)
    host, port = address
    if host_key(host) != pin[0]:
        raise OSError(f"{host} 不是刚检查过的主机，不连接 / {host} is not the host just checked; not connecting")
    error = OSError(f"{host} 没有可连接的地址 / no address to connect to")
    for ip in pin[1]:
        try:
            return _connect((ip, port), *args, **kwargs)
        except OSError as exc:
            error = exc
    raise error


_create_connection.__wrapped__ = _connect
connection.create_connection = _create_connection
