"""The uvicorn configuration of ``stufenlos serve``."""

from __future__ import annotations

import importlib.util
import socket
from typing import Any

import uvicorn

__all__ = ["TcpConfig", "fast_protocols"]


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


class TcpConfig(uvicorn.Config):
    """A uvicorn configuration whose shared listening socket is a TCP socket.

    uvicorn binds the socket of ``--workers N`` itself with protocol 0, so asyncio
    does not set ``TCP_NODELAY`` on the connections it accepts, and every keep-alive
    answer waits about 40 ms for the client's delayed ACK (uvicorn issue #3149).
    :meth:`bind_socket` takes that socket over with the protocol read from the
    kernel (``IPPROTO_TCP``). Unless given, the HTTP parser and event loop are
    :func:`fast_protocols`.
    """

    def __init__(self, app: Any, **kwargs: Any) -> None:
        super().__init__(app, **{**fast_protocols(), **kwargs})

    def bind_socket(self) -> socket.socket:
        """The bound listening socket, passed to every worker process.

        Returns
        -------
        socket.socket
            Inheritable; a TCP socket reports ``proto == IPPROTO_TCP``.
        """
        sock = super().bind_socket()
        if sock.family not in (socket.AF_INET, socket.AF_INET6) or sock.proto:
            return sock
        tcp = socket.socket(fileno=sock.detach())  # family, type and protocol from the kernel
        tcp.set_inheritable(True)
        return tcp
