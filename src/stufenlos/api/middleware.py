"""Cross-cutting HTTP behaviour: request-size limit and configurable CORS.

The settings ``max_json_bytes`` (the largest legitimate JSON body, a 100 x 100
matrix request, is about 10 KiB) and ``max_body_bytes`` (room for a report photo
of up to 5 MiB in a form) cap request bodies: larger ones are refused with a
JSON 413 before they are read into memory. ``cors_origins`` lists the origins
allowed to call the API from a browser; unset, no cross-origin access is granted.
See :mod:`stufenlos.settings`.
"""

from __future__ import annotations

import json

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from stufenlos.settings import get_settings

__all__ = ["BodySizeLimit", "install_middleware"]


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps({"error": "RequestTooLarge",
                       "detail": f"request body larger than {limit} bytes"}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class BodySizeLimit:
    """Refuse request bodies above the limit (declared or streamed) with 413.

    JSON bodies have their own, smaller limit ``max_json_bytes``.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int, max_json_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_json_bytes = max_json_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        ctype = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        limit = self.max_json_bytes if ctype.endswith(b"json") else self.max_bytes
        try:
            declared = int(headers.get(b"content-length", b"0"))
        except ValueError:
            declared = 0
        if declared > limit:
            await _too_large(send, limit)
            return
        seen = 0
        started = False
        refused = False

        async def counting_receive() -> Message:
            # Frameworks turn errors raised while reading the body into their own 400, so
            # answer 413 here and tell the app the client has gone.
            nonlocal seen, refused
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    if not started and not refused:
                        refused = True
                        await _too_large(send, limit)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return  # the 413 has been sent; drop the app's answer
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, counting_receive, guarded_send)


def install_middleware(app: FastAPI) -> None:
    """Add the body-size limit and, when configured, CORS to ``app``."""
    settings = get_settings()
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins,
                           allow_methods=["GET", "POST", "OPTIONS"], allow_headers=["*"])
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes,
                       max_json_bytes=settings.max_json_bytes)
