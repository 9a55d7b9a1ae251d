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
    _dummy_hash: str | None = None

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
        """The moderator owning ``token``; :class:`AuthenticationError` otherwise.

        A token naming no (active) moderator is checked against a stand-in hash,
        so it takes as long to refuse as a wrong secret of a real moderator.
        """
        if not token:
            msg = "moderator credentials required"
            raise AuthenticationError(msg)
        mod_id, _, secret = token.partition(".")
        mod = None
        if mod_id.isdigit() and len(mod_id) <= 18 and len(token) <= 200:
            with self.store.session() as s:
                mod = s.get(Moderator, int(mod_id))
        real = mod is not None and mod.active
        try:
            self._hasher.verify(mod.secret_hash if real else self._stand_in(), secret)
        except (VerificationError, InvalidHashError):
            real = False
        if not real or mod is None:
            msg = "invalid moderator token"
            raise AuthenticationError(msg)
        return mod

    def _stand_in(self) -> str:
        """An argon2 hash of a random secret, for refusing unknown moderators."""
        if self._dummy_hash is None:
            self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(32))
        return self._dummy_hash

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
