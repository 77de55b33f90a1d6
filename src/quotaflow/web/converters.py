"""URL converters of the pages, and the same reading of an id or version posted in a form."""

from __future__ import annotations

from quotaflow.core import limits


class IdConverter:
    """A database id in a URL: 1 … 2^63 − 1."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= limits.BIGINT_MAX:
            raise ValueError("not a database id")
        return number

    def to_url(self, value: int) -> str:
        return str(value)


def whole_number(text: object) -> int | None:
    """``text`` as a non-negative whole number that fits the database (an id or a version
    posted in a form or query string), or None."""
    text = str(text).strip()
    if not (text.isascii() and text.isdecimal()) or len(text) > 19 or int(text) > limits.BIGINT_MAX:
        return None
    return int(text)
