"""Record ids in paths: the ``{name:id}`` path convertor.

A database id is a positive 64-bit integer. A path segment of more than 18
digits cannot be one, so a route written ``/reports/{report_id:id}`` does not
match it and the client gets the ordinary 404 (JSON) instead of an integer the
database cannot hold.
"""

from __future__ import annotations

import re

from starlette.convertors import Convertor, register_url_convertor

__all__ = ["ID_PATTERN", "RecordIdConvertor", "record_id"]

#: digits of a record id (fits a signed 64-bit integer)
ID_PATTERN = "[0-9]{1,18}"


class RecordIdConvertor(Convertor[int]):
    """``{name:id}``: 1 to 18 digits, converted to ``int``."""

    regex = ID_PATTERN

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(value)


def record_id(raw: str) -> int | None:
    """``raw`` as a record id, or ``None`` if it cannot be one (for ids in other strings)."""
    return int(raw) if re.fullmatch(ID_PATTERN, raw) else None


register_url_convertor("id", RecordIdConvertor())
