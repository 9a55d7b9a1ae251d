"""The uvicorn configuration of ``stufenlos serve``."""

from __future__ import annotations

import socket

import uvicorn

__all__ = ["TcpConfig"]


class TcpConfig(uvicorn.Config):
    """A uvicorn configuration whose shared listening socket is a TCP socket.

    uvicorn binds the socket of ``--workers N`` itself with protocol 0, so asyncio
    does not set ``TCP_NODELAY`` on the connections it accepts, and every keep-alive
    answer waits about 40 ms for the client's delayed ACK (uvicorn issue #3149).
    :meth:`bind_socket` takes that socket over with the protocol read from the
    kernel (``IPPROTO_TCP``).
    """

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
