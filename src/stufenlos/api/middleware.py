"""Cross-cutting HTTP behaviour: request-size limit, configurable CORS, security headers.

The settings ``max_json_bytes`` (the largest legitimate JSON body, a 100 x 100
matrix request, is about 10 KiB) and ``max_body_bytes`` (room for a report photo
of up to 5 MiB in a form) cap request bodies: larger ones are refused with a
JSON 413 before they are read into memory. ``cors_origins`` lists the origins
allowed to call the API from a browser; unset, no cross-origin access is granted.
See :mod:`stufenlos.settings`.

Every answer carries a Content-Security-Policy that allows only the server's own
scripts, styles and data (plus the origin of ``map_style_url``, when set), with a
fresh nonce per request in ``request.state.csp_nonce`` for the rare page that
needs an inline script (the Swagger UI of ``/docs``); pages cannot be framed.

``X-Forwarded-For`` and ``X-Forwarded-Proto`` are believed only when the
connecting address is one of ``trusted_proxies`` (uvicorn's proxy-headers
middleware, under any ASGI server); otherwise the connecting address is the client.

Browsers attach cookies and HTTP Basic credentials to requests other sites make
them send: a state-changing request with the moderator session cookie or Basic
credentials is refused with 403 when its ``Origin`` (or, lacking one, ``Referer``)
is another site. Requests with a Bearer token carry no ambient credentials and
pass; so do clients that send neither header (browsers always send ``Origin``
with a cross-site POST).
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import time
import urllib.parse
from collections.abc import Sequence

from fastapi import FastAPI
from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from stufenlos.settings import get_settings

__all__ = ["ACCESS_LOG", "AccessLog", "BodySizeLimit", "CrossSiteGuard", "SecurityHeaders",
           "content_security_policy", "install_middleware", "masked_path"]

#: the logger of :class:`AccessLog` (``stufenlos serve`` prints it)
ACCESS_LOG = "stufenlos.access"
#: paths whose last segment is a secret: a reporter's token
_SECRET_PATHS = (re.compile(r"^(/reports/mine/)[^/]+(.*)$"),
                 re.compile(r"^(/open311/v2/tokens/)[^/]*?(\.[A-Za-z]+)?$"))

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


async def _refuse(send: Send, status: int, error: str, detail: str) -> None:
    body = json.dumps({"error": error, "detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def _too_large(send: Send, limit: int) -> None:
    await _refuse(send, 413, "RequestTooLarge", f"request body larger than {limit} bytes")


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


def content_security_policy(nonce: str, *, map_style_url: str | None = None,
                            frame_ancestors: Sequence[str] = ()) -> str:
    """The Content-Security-Policy of every answer.

    Parameters
    ----------
    nonce
        The request's nonce; an inline ``<script>`` or ``<style>`` runs only
        with ``nonce="…"`` set to it.
    map_style_url
        A remote MapLibre style; its origin may be fetched from and shown.
    frame_ancestors
        Origins whose pages may show this answer in a frame (none: no page may).

    Returns
    -------
    str
        The header value: own scripts and styles only, images also from
        ``data:``/``blob:`` and MapLibre's ``blob:`` workers, no plugins, no
        framing (but by ``frame_ancestors``), forms post only to this server.
    """
    remote = ""
    if map_style_url:
        parts = urllib.parse.urlsplit(map_style_url)
        if parts.scheme in ("http", "https") and parts.netloc:
            remote = f" {parts.scheme}://{parts.netloc}"
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        f"style-src 'self' 'nonce-{nonce}'",
        f"img-src 'self' data: blob:{remote}",
        "font-src 'self' data:",
        f"connect-src 'self'{remote}",
        "worker-src 'self' blob:",
        "child-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        f"frame-ancestors {' '.join(frame_ancestors)}" if frame_ancestors
        else "frame-ancestors 'none'",
    ])


class SecurityHeaders:
    """Add the Content-Security-Policy and the other browser security headers.

    ``X-Frame-Options: DENY``, ``X-Content-Type-Options: nosniff`` and
    ``Referrer-Policy: same-origin`` (a route may set a stricter one). The information
    pillars (``/kiosk/…``) may be framed by the pages of ``kiosk_frame_ancestors``: their
    policy names those origins, and they send no ``X-Frame-Options`` (which cannot).
    """

    def __init__(self, app: ASGIApp, *, map_style_url: str | None = None,
                 kiosk_frame_ancestors: Sequence[str] = ()) -> None:
        self.app = app
        self.map_style_url = map_style_url
        self.kiosk_frame_ancestors = tuple(kiosk_frame_ancestors)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce
        framed = (self.kiosk_frame_ancestors if scope["path"].startswith("/kiosk/")
                  else ())
        policy = content_security_policy(nonce, map_style_url=self.map_style_url,
                                         frame_ancestors=framed)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", policy)
                if not framed:
                    headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
            await send(message)

        await self.app(scope, receive, send_with_headers)


class CrossSiteGuard:
    """Refuse cross-site state-changing requests that carry ambient credentials (403).

    Parameters
    ----------
    app
        The wrapped application.
    session_cookie
        The cookie that authenticates a browser session.
    """

    def __init__(self, app: ASGIApp, *, session_cookie: str) -> None:
        self.app = app
        self.session_cookie = session_cookie

    def _credentialed(self, headers: Headers) -> bool:
        scheme = headers.get("authorization", "").partition(" ")[0].lower()
        if scheme == "basic":
            return True
        if scheme:
            return False  # a Bearer token is sent on purpose, never by the browser alone
        return self.session_cookie in cookie_parser(headers.get("cookie", ""))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in _SAFE_METHODS:
            headers = Headers(scope=scope)
            source = headers.get("origin") or headers.get("referer")
            if source is not None and self._credentialed(headers):
                host = urllib.parse.urlsplit(source).netloc if source != "null" else None
                if host != headers.get("host"):
                    await _refuse(send, 403, "CrossSiteRequest",
                                  "request sent from another site with your credentials")
                    return
        await self.app(scope, receive, send)


def masked_path(path: str) -> str:
    """``path`` with a report token replaced by ``***`` (``/reports/mine/***``)."""
    for pattern in _SECRET_PATHS:
        match = pattern.match(path)
        if match:
            return f"{match.group(1)}***{match.group(2) or ''}"
    return path


class AccessLog:
    """Log each request as method, path (tokens masked), status and duration.

    No client address, query string or header is logged: the log holds no
    personal data and no report token.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.logger = logging.getLogger(ACCESS_LOG)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500  # unless the app answers

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            self.logger.info("%s %s %d %.1f ms", scope["method"], masked_path(scope["path"]),
                             status, (time.perf_counter() - start) * 1000)


def install_middleware(app: FastAPI) -> None:
    """Add the body-size limit, the cross-site guard, the security headers, the access
    log and, when
    configured, CORS and the reading of ``X-Forwarded-For`` from trusted proxies to
    ``app``."""
    settings = get_settings()
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins,
                           allow_methods=["GET", "POST", "OPTIONS"], allow_headers=["*"])
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes,
                       max_json_bytes=settings.max_json_bytes)
    from stufenlos.api.routes.moderation import SESSION_COOKIE

    app.add_middleware(CrossSiteGuard, session_cookie=SESSION_COOKIE)
    app.add_middleware(SecurityHeaders, map_style_url=settings.map_style_url,
                       kiosk_frame_ancestors=settings.kiosk_frame_ancestors)
    app.add_middleware(AccessLog)
    if settings.trusted_proxies:
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        # outermost: every other layer sees the client the trusted proxy names
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
