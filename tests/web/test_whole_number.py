"""``whole_number``: the one reading of an id or version posted in a form or query string."""

from __future__ import annotations

import pytest

from quotaflow.core import limits
from quotaflow.web.converters import whole_number


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", 0),
        (" 42 ", 42),
        (str(limits.BIGINT_MAX), limits.BIGINT_MAX),
        (str(limits.BIGINT_MAX + 1), None),
        ("1" * 20, None),
        ("", None),
        ("-1", None),
        ("1.5", None),
        ("²", None),  # a digit to str.isdigit, but not a number int() reads
        ("٣", None),  # a decimal digit of another script: ids are written in ASCII
    ],
)
def test_reads_only_plain_whole_numbers_that_fit_the_database(
    text: str, expected: int | None
) -> None:
    assert whole_number(text) == expected
