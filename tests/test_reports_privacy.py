"""Text sanitising and photo handling of submitted reports."""

from __future__ import annotations

import io
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, PngImagePlugin

from stufenlos.reports.errors import (
    PayloadTooLargeError,
    ReportInputError,
    UnsupportedMediaError,
)
from stufenlos.reports.privacy import (
    MAX_PHOTO_BYTES,
    clean_email,
    clean_photo,
    clean_text,
    client_hash,
)

TAG = re.compile(r"<[a-zA-Z!/?]")
markup = st.lists(
    st.sampled_from([
        "<script>", "</script>", "<img src=x onerror=alert(1)>", "&lt;", "&gt;", "&amp;",
        "<", ">", "<b>", "</b>", "javascript:", "<!--", "-->", "<svg/onload=alert(1)>",
        "Stufe", " ", "\n", "ä", "&#60;", "&#x3c;", "<<", "a", "=", '"', "'",
    ]),
    max_size=30,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=200), markup))
def test_clean_text_leaves_no_markup_and_is_idempotent(text: str) -> None:
    try:
        out = clean_text(text, field="description", max_chars=4000)
    except ReportInputError:
        return  # refused outright is fine
    assert not TAG.search(out), out
    assert "\x00" not in out
    assert clean_text(out, field="description", max_chars=4000) == out


def test_clean_text_keeps_plain_text_and_line_breaks() -> None:
    text = "Stufe 12 cm hoch.\nKein Aufzug — bitte prüfen! 3 < 5 & 7 > 2"
    assert clean_text(text, field="d", max_chars=100) == text
    assert clean_text("  a \n b  ", field="d", max_chars=100, multiline=False) == "a b"
    assert clean_text("<script>alert(1)</script>Zaun", field="d", max_chars=100) == "Zaun"
    with pytest.raises(PayloadTooLargeError, match="`d`"):
        clean_text("x" * 101, field="d", max_chars=100)


def test_email_check() -> None:
    assert clean_email("  a.b@example.org ") == "a.b@example.org"
    assert clean_email("") is None
    for bad in ("a@b", "no-at.example.org", "a@@b.de", "<a>@b.de", "a b@c.de", "x" * 250 + "@b.de"):
        with pytest.raises(ReportInputError):
            clean_email(bad)


def test_client_hash_hides_the_address() -> None:
    h = client_hash("192.0.2.7", salt="s1")
    assert h == client_hash("192.0.2.7", salt="s1") != client_hash("192.0.2.8", salt="s1")
    assert h != client_hash("192.0.2.7", salt="s2")
    assert "192.0.2.7" not in h and len(h) == 64


def _png_with_text_and_exif() -> bytes:
    img = Image.new("RGBA", (300, 200), (10, 120, 200, 255))
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Erika Mustermann")
    exif = Image.Exif()
    exif[0x8825] = {2: (53.0, 33.0, 10.0)}
    buf = io.BytesIO()
    img.save(buf, format="PNG", pnginfo=info, exif=exif)
    return buf.getvalue()


def test_png_metadata_is_dropped() -> None:
    raw = _png_with_text_and_exif()
    assert b"Erika Mustermann" in raw
    photo = clean_photo(raw)
    assert photo.content_type == "image/jpeg"
    assert b"Erika" not in photo.data
    out = Image.open(io.BytesIO(photo.data))
    assert out.format == "JPEG" and out.size == (300, 200)
    assert len(out.getexif()) == 0


def test_exif_orientation_is_applied_before_stripping() -> None:
    img = Image.new("RGB", (400, 100), (0, 0, 0))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise on display
    buf = io.BytesIO()
    img.save(buf, format="JPEG", exif=exif)
    photo = clean_photo(buf.getvalue())
    assert (photo.width, photo.height) == (100, 400)


def test_large_photos_are_scaled_and_limits_enforced() -> None:
    buf = io.BytesIO()
    Image.new("RGB", (4000, 3000), (255, 255, 255)).save(buf, format="JPEG")
    photo = clean_photo(buf.getvalue())
    assert max(photo.width, photo.height) == 2048
    with pytest.raises(PayloadTooLargeError):
        clean_photo(b"\xff" * (MAX_PHOTO_BYTES + 1))
    bomb = io.BytesIO()
    Image.new("1", (9000, 9000)).save(bomb, format="PNG")
    assert len(bomb.getvalue()) < MAX_PHOTO_BYTES
    with pytest.raises(PayloadTooLargeError, match="pixels"):
        clean_photo(bomb.getvalue())
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, format="GIF")
    with pytest.raises(UnsupportedMediaError, match="GIF"):
        clean_photo(gif.getvalue())
    with pytest.raises(UnsupportedMediaError):
        clean_photo(b"<svg xmlns='http://www.w3.org/2000/svg'/>")
