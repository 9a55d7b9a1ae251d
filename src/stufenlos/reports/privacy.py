"""Privacy and hygiene of what people submit: text, e-mail, photos, client ids.

Nothing here logs submitted content: report text, e-mail addresses and client
addresses never reach a log line.
"""

from __future__ import annotations

import hashlib
import html
import io
import re
import unicodedata
import warnings
from dataclasses import dataclass

import nh3
from PIL import Image, ImageOps, UnidentifiedImageError

from stufenlos._util import XML_ILLEGAL
from stufenlos.reports.errors import (
    PayloadTooLargeError,
    ReportInputError,
    UnsupportedMediaError,
)

__all__ = [
    "MAX_DESCRIPTION_CHARS",
    "MAX_PHOTO_BYTES",
    "MAX_PHOTO_PIXELS",
    "CleanPhoto",
    "clean_email",
    "clean_photo",
    "clean_text",
    "client_hash",
    "redact_contacts",
]

#: the GeoReport v2 limit for ``description``
MAX_DESCRIPTION_CHARS = 4000
MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PHOTO_PIXELS = 40_000_000
#: longest side of a stored photo; larger ones are scaled down
PHOTO_MAX_SIDE = 2048
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP"}

#: removed from every text: what XML cannot hold (it would break the GeoReport XML) and DEL
_CONTROL = re.compile(f"{XML_ILLEGAL.pattern}|\x7f")
# Deliberately simple: an address must look like local@domain.tld; deliverability
# is the mail system's business, and the address is never shown anywhere.
_EMAIL = re.compile(r"^[^@\s<>\"']{1,64}@[^@\s<>\"']+\.[^@\s<>\"']{2,}$")


def clean_text(value: str | None, *, field: str, max_chars: int, multiline: bool = True) -> str:
    """Plain text without HTML, scripts or control characters, at most ``max_chars``.

    Tags are removed with the ammonia sanitizer (``nh3``) and entities decoded;
    that is repeated until nothing changes, so entity-encoded markup cannot
    smuggle a tag through. Raises :class:`PayloadTooLargeError` when the input
    is longer than ``max_chars`` (nothing is cut silently).
    """
    if value is None:
        return ""
    if len(value) > max_chars:
        msg = f"is {len(value)} characters long; the limit is {max_chars}"
        raise PayloadTooLargeError(msg, field=field)
    text = _CONTROL.sub("", unicodedata.normalize("NFC", value))
    for _ in range(5):
        cleaned = _CONTROL.sub("", html.unescape(nh3.clean(text, tags=set(), attributes={})))
        if cleaned == text:
            break
        text = cleaned
    else:
        msg = "contains nested markup that does not reduce to plain text"
        raise ReportInputError(msg, field=field)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not multiline:
        text = " ".join(text.split())
    return text.strip()


# E-mail addresses and phone numbers in free text. A phone number is a run of at
# least seven digits, optionally with a leading + or 0 and separators (space,
# /, -, ., parentheses) — German (0151 2345 6789, 040/123456) and international
# (+49 40 123456) forms. Dates (2024-05-01, 01.05.2024) and house-number ranges
# have fewer than seven digits in a run between separators of that kind, or
# separators in date positions, and are left alone.
_TEXT_EMAIL = re.compile(r"[\w.+-]{1,64}@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")
_PHONE = re.compile(r"(?<![\w+])(?:\+|00|0)\d[\d ()/.-]{5,}\d(?![\w])")
_DATE = re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$")
REDACTED = "[entfernt]"


def redact_contacts(text: str) -> str:
    """``text`` with e-mail addresses and phone numbers replaced by ``[entfernt]``.

    Reports are published; a reporter who writes their number or address into
    the description would publish it by mistake. The contact a reporter wants
    to leave belongs in the separate e-mail field, which is never published.
    """
    if not text:
        return text
    text = _TEXT_EMAIL.sub(REDACTED, text)

    def phone(match: re.Match[str]) -> str:
        found = match.group(0)
        if _DATE.match(found) or sum(ch.isdigit() for ch in found) < 7:
            return found
        return REDACTED

    return _PHONE.sub(phone, text)


def clean_email(value: str | None) -> str | None:
    """A plausible e-mail address (trimmed), ``None`` for empty input."""
    if value is None or not value.strip():
        return None
    email = value.strip()
    if len(email) > 254 or not _EMAIL.match(email):
        msg = "is not an e-mail address"
        raise ReportInputError(msg, field="email")
    return email


@dataclass(frozen=True)
class CleanPhoto:
    """A re-encoded photo without any metadata."""

    data: bytes
    content_type: str
    width: int
    height: int


def clean_photo(data: bytes, *, field: str = "media") -> CleanPhoto:
    """Check an uploaded image and re-encode it as JPEG without EXIF/GPS or other metadata.

    Accepts JPEG, PNG and WebP (by content, not by name) up to
    :data:`MAX_PHOTO_BYTES` and :data:`MAX_PHOTO_PIXELS`; the orientation
    from EXIF is applied to the pixels before the metadata is dropped.
    """
    if len(data) > MAX_PHOTO_BYTES:
        msg = f"is {len(data)} bytes; the limit is {MAX_PHOTO_BYTES}"
        raise PayloadTooLargeError(msg, field=field)
    if not data:
        msg = "is empty"
        raise ReportInputError(msg, field=field)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            if img.format not in PHOTO_FORMATS:
                msg = f"must be JPEG, PNG or WebP, got {img.format or 'unknown'}"
                raise UnsupportedMediaError(msg, field=field)
            if img.width * img.height > MAX_PHOTO_PIXELS:
                msg = f"has {img.width}x{img.height} pixels; the limit is {MAX_PHOTO_PIXELS}"
                raise PayloadTooLargeError(msg, field=field)
            img.load()
    except (UnidentifiedImageError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as exc:
        msg = f"is not a readable image ({type(exc).__name__})"
        raise UnsupportedMediaError(msg, field=field) from None
    except (OSError, SyntaxError, ValueError) as exc:
        if isinstance(exc, ReportInputError):
            raise
        msg = "is a damaged image"
        raise UnsupportedMediaError(msg, field=field) from None
    img = ImageOps.exif_transpose(img)
    img.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
    if img.mode != "RGB":
        img = img.convert("RGB")
    # Pillow carries a JPEG's COM comment (and other ``info`` entries) into the
    # next save by default; start from a clean dictionary so pixels alone remain.
    img.info = {}
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=85, optimize=True, comment=b"")
    return CleanPhoto(out.getvalue(), "image/jpeg", img.width, img.height)


def client_hash(client: str | None, *, salt: str) -> str:
    """A salted SHA-256 of a client address, so raw addresses are never stored.

    Parameters
    ----------
    client
        The client's address (``None`` when unknown).
    salt
        A secret; processes that must recognise the same client use the same
        one (see :meth:`stufenlos.reports.service.ReportService.client_id`).

    Returns
    -------
    str
        64 hexadecimal characters.
    """
    return hashlib.sha256(f"{salt}|{client or 'unknown'}".encode()).hexdigest()
