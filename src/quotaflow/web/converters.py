"""URL converters of the pages."""

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
