"""Moderator accounts: access tokens and browser sessions (part of ``ReportService``).

Tokens and session cookies are stored only as hashes (argon2 for tokens, SHA-256
for cookies); adding a moderator and logging in are written to the audit log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from stufenlos.reports.errors import (
    AuthenticationError,
    ReportInputError,
)
from stufenlos.reports.models import (
    Moderator,
    ModeratorSession,
    utcnow,
)
from stufenlos.reports.privacy import (
    clean_text,
)
from stufenlos.reports.store import (
    ReportStore,
)

__all__ = ["ModeratorAccounts"]


class ModeratorAccounts:
    """Moderator tokens and sessions (part of :class:`~stufenlos.reports.ReportService`)."""

    store: ReportStore
    _hasher: PasswordHasher

    def add_moderator(self, name: str) -> str:
        """Create a moderator and return their access token (shown once, stored hashed)."""
        clean = clean_text(name, field="name", max_chars=100, multiline=False)
        if not clean:
            msg = "is required"
            raise ReportInputError(msg, field="name")
        secret = secrets.token_urlsafe(32)
        with self.store.session() as s:
            if s.scalar(select(Moderator.id).where(Moderator.name == clean)) is not None:
                msg = f"a moderator called {clean!r} exists"
                raise ReportInputError(msg, field="name")
            mod = Moderator(name=clean, secret_hash=self._hasher.hash(secret), active=True,
                            created_at=utcnow())
            s.add(mod)
            s.flush()
            self._audit(s, actor="admin", action="add_moderator", report_id=None,
                        detail={"moderator": clean})
            return f"{mod.id}.{secret}"

    def authenticate_token(self, token: str | None) -> Moderator:
        """The moderator owning ``token``; :class:`AuthenticationError` otherwise."""
        if not token or "." not in token:
            msg = "moderator credentials required"
            raise AuthenticationError(msg)
        mod_id, _, secret = token.partition(".")
        if not mod_id.isdigit() or len(token) > 200:
            msg = "invalid moderator token"
            raise AuthenticationError(msg)
        with self.store.session() as s:
            mod = s.get(Moderator, int(mod_id))
            if mod is None or not mod.active:
                msg = "invalid moderator token"
                raise AuthenticationError(msg)
            try:
                self._hasher.verify(mod.secret_hash, secret)
            except (VerificationError, InvalidHashError):
                msg = "invalid moderator token"
                raise AuthenticationError(msg) from None
            return mod

    def open_session(self, moderator: Moderator, *, hours: float = 8) -> str:
        """Start a browser session; returns the cookie value (only its hash is stored)."""
        cookie = secrets.token_urlsafe(32)
        now = utcnow()
        with self.store.session() as s:
            s.add(ModeratorSession(
                id_hash=hashlib.sha256(cookie.encode()).hexdigest(),
                moderator_id=moderator.id, created_at=now,
                expires_at=now + dt.timedelta(hours=hours)))
            self._audit(s, actor=moderator.name, action="login", report_id=None, detail={})
        return cookie

    def authenticate_session(self, cookie: str | None) -> Moderator:
        """The moderator of a live session cookie; :class:`AuthenticationError` otherwise."""
        if not cookie or len(cookie) > 200:
            msg = "moderator credentials required"
            raise AuthenticationError(msg)
        with self.store.session() as s:
            sess = s.get(ModeratorSession, hashlib.sha256(cookie.encode()).hexdigest())
            if sess is None or sess.expires_at <= utcnow():
                msg = "session expired or invalid; log in again"
                raise AuthenticationError(msg)
            mod = s.get(Moderator, sess.moderator_id)
            if mod is None or not mod.active:
                msg = "session expired or invalid; log in again"
                raise AuthenticationError(msg)
            return mod

    def close_session(self, cookie: str) -> None:
        """End a browser session."""
        with self.store.session() as s:
            sess = s.get(ModeratorSession, hashlib.sha256(cookie.encode()).hexdigest())
            if sess is not None:
                s.delete(sess)
