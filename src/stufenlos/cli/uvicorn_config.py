"""The uvicorn configuration of ``stufenlos serve``."""

from __future__ import annotations

import importlib.util
import socket
from typing import Any

import uvicorn

__all__ = ["TcpConfig", "WorkerSocket", "fast_protocols"]


def fast_protocols() -> dict[str, str]:
    """The HTTP parser and event loop ``stufenlos serve`` runs on.

    ``httptools`` (the C parser of Node.js) and ``uvloop`` (libuv) when installed —
    both are dependencies; pure-Python ``h11`` parsing costs about as much CPU per
    route request as the route search itself — else uvicorn's pure-Python ones.

    Returns
    -------
    dict
        ``http`` and ``loop`` for :class:`uvicorn.Config`.
    """
    have = importlib.util.find_spec
    return {"http": "httptools" if have("httptools") else "h11",
            "loop": "uvloop" if have("uvloop") else "asyncio"}


class WorkerSocket(socket.socket):
    """A listening TCP socket that each worker process opens anew on the same address.

    uvicorn hands every worker of ``--workers N`` the one socket its supervisor bound,
    and whichever worker wakes first accepts all waiting connections: a burst of
    keep-alive connections (a load client, a proxy's pool) sticks to one worker while
    the others idle. With ``SO_REUSEPORT`` (as nginx's ``reuseport`` and gunicorn's
    ``--reuse-port``) every worker listens on a socket of its own and the kernel spreads
    new connections over them. uvicorn has no such option, so this socket does it where
    it is passed to a worker: pickled for the worker process, it is bound again there
    (the supervisor's copy keeps the port and never listens).
    """

    def __reduce__(self) -> tuple[Any, ...]:  # type: ignore[override]
        return _reuse_port, (self.family, self.getsockname())


def _reuse_port(family: int, address: Any) -> socket.socket:
    """A new TCP socket bound to ``address`` with ``SO_REUSEPORT``, for one worker."""
    sock = WorkerSocket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(address)
    sock.set_inheritable(True)
    return sock


class TcpConfig(uvicorn.Config):
    """A uvicorn configuration whose shared listening socket is a TCP socket.

    uvicorn binds the socket of ``--workers N`` itself with protocol 0, so asyncio
    does not set ``TCP_NODELAY`` on the connections it accepts, and every keep-alive
    answer waits about 40 ms for the client's delayed ACK (uvicorn issue #3149).
    :meth:`bind_socket` binds a TCP socket (``IPPROTO_TCP``), and where the system has
    ``SO_REUSEPORT`` one that each worker binds anew (:class:`WorkerSocket`). Unless
    given, the HTTP parser and event loop are :func:`fast_protocols`.
    """

    def __init__(self, app: Any, **kwargs: Any) -> None:
        super().__init__(app, **{**fast_protocols(), **kwargs})

    def bind_socket(self) -> socket.socket:
        """The bound socket passed to every worker process.

        Returns
        -------
        socket.socket
            Inheritable; a TCP socket reports ``proto == IPPROTO_TCP``.
        """
        sock = super().bind_socket()
        if sock.family not in (socket.AF_INET, socket.AF_INET6) or sock.proto:
            return sock
        if hasattr(socket, "SO_REUSEPORT"):
            family, address = sock.family, sock.getsockname()
            sock.close()
            return _reuse_port(family, address)
        tcp = socket.socket(fileno=sock.detach())  # family, type and protocol from the kernel
        tcp.set_inheritable(True)
        return tcp
