"""The edge rules: what a value from outside must satisfy before any code trusts it.

Every way in — API schemas, web forms and query strings, file imports, ingest — checks
text, dates and whole numbers against the same limits, so a value one path refuses is not
accepted by another, and no value reaches the database in a shape it cannot store:

* **business dates** lie in 1900-01-01 … 2200-12-31 (a date outside that range is a typo,
  not a plan; it would also overflow date arithmetic done on it later);
* **text** carries no NUL or other control characters (line breaks and tabs only where the
  field holds prose) and stays within its field's length;
* **whole numbers** fit a signed 64-bit integer, the database's ``bigint``; **decimal
  amounts** are finite and below 10^14 in size.

Each rule comes in two forms: ``*_problem(value) -> str | None`` gives the reason a value is
refused (for importers, which collect reasons per row), and ``check_*(value) -> value``
raises :class:`OutOfLimits` (a ``ValueError``, so pydantic validators can call it directly and
report the message as written). Django form fields take the ``validate_*`` functions, which
raise Django's ``ValidationError`` instead.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django.core.exceptions import ValidationError

MIN_BUSINESS_DATE = dt.date(1900, 1, 1)
MAX_BUSINESS_DATE = dt.date(2200, 12, 31)

BIGINT_MIN = -(2**63)
BIGINT_MAX = 2**63 - 1

DECIMAL_MAX_MAGNITUDE = Decimal(10) ** 14
"""Decimal amounts (major currency units, quantities) stay below this in size, so that in the
minor units of any currency (at most four decimals) they still fit a bigint."""

# Lengths for text that has no column of its own to size it.
NAME_MAX_LENGTH = 200
"""Names and labels typed by people (units, metrics, products, customers)."""
SEARCH_MAX_LENGTH = 200
"""A search box's ``q=``."""
COMMENT_MAX_LENGTH = 10_000
"""Prose: comments, rationales, reasons, descriptions."""
IDENTIFIER_MAX_LENGTH = 200
"""External ids and other keys that systems send."""

# C0 controls, DEL and C1 controls; prose may keep tab, line feed and carriage return.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_CHARACTERS_IN_PROSE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class OutOfLimits(ValueError):
    """A value outside the edge rules; the message is written for the person who sent it."""


def describe_character(character: str) -> str:
    """``"\\x00"`` → ``"U+0000"``: how a refused invisible character is named in messages."""
    return f"U+{ord(character):04X}"


def control_character(value: str, *, multiline: bool = False) -> str | None:
    """The first control character in ``value`` (NUL, escape, …), or None.

    With ``multiline`` tab, line feed and carriage return are allowed (prose fields).
    """
    pattern = _CONTROL_CHARACTERS_IN_PROSE if multiline else _CONTROL_CHARACTERS
    found = pattern.search(value)
    return found.group() if found else None


def text_problem(
    value: str, *, max_length: int | None = None, multiline: bool = False
) -> str | None:
    """Why ``value`` is refused as text of at most ``max_length`` characters, or None."""
    character = control_character(value, multiline=multiline)
    if character is not None:
        return (
            f"contains the control character {describe_character(character)}; "
            "remove it and send plain text"
        )
    if max_length is not None and len(value) > max_length:
        return f"is {len(value)} characters long; at most {max_length} are allowed"
    return None


def business_date_problem(value: dt.date) -> str | None:
    """Why ``value`` is refused as a business date, or None."""
    if not MIN_BUSINESS_DATE <= value <= MAX_BUSINESS_DATE:
        return (
            f"{value.isoformat()} is outside the supported range "
            f"{MIN_BUSINESS_DATE.isoformat()} to {MAX_BUSINESS_DATE.isoformat()}"
        )
    return None


def bigint_problem(value: int) -> str | None:
    """Why ``value`` does not fit a signed 64-bit integer, or None."""
    if not BIGINT_MIN <= value <= BIGINT_MAX:
        return f"is out of range; whole numbers must lie between {BIGINT_MIN} and {BIGINT_MAX}"
    return None


def decimal_problem(value: Decimal) -> str | None:
    """Why ``value`` is refused as a decimal amount, or None."""
    if not value.is_finite():
        return "is not a finite number"
    if abs(value) >= DECIMAL_MAX_MAGNITUDE:
        return "is too large; amounts must be smaller than 100000000000000 in size"
    return None


def check_text(value: str, *, max_length: int | None = None, multiline: bool = False) -> str:
    """``value`` unchanged if it is acceptable text; :class:`OutOfLimits` otherwise."""
    problem = text_problem(value, max_length=max_length, multiline=multiline)
    if problem is not None:
        raise OutOfLimits(f"The text {problem}.")
    return value


def check_business_date(value: dt.date) -> dt.date:
    """``value`` unchanged if it lies in the business date range; :class:`OutOfLimits` otherwise."""
    problem = business_date_problem(value)
    if problem is not None:
        raise OutOfLimits(f"The date {problem}.")
    return value


def check_bigint(value: int) -> int:
    """``value`` unchanged if it fits the database's bigint; :class:`OutOfLimits` otherwise."""
    problem = bigint_problem(value)
    if problem is not None:
        raise OutOfLimits(f"The number {problem}.")
    return value


def check_decimal(value: Decimal) -> Decimal:
    """``value`` unchanged if it is a finite amount of plausible size; :class:`OutOfLimits`
    otherwise."""
    problem = decimal_problem(value)
    if problem is not None:
        raise OutOfLimits(f"The amount {problem}.")
    return value


# Django form and model field validators ---------------------------------------------------


def _django(problem: str | None, what: str) -> None:
    if problem is not None:
        raise ValidationError(f"The {what} {problem}.", code="out_of_limits")


def validate_business_date(value: dt.date) -> None:
    """Django validator: a business date within 1900-01-01 … 2200-12-31."""
    _django(business_date_problem(value), "date")


def validate_bigint(value: int) -> None:
    """Django validator: a whole number that fits the database's bigint."""
    _django(bigint_problem(value), "number")


def validate_decimal(value: Decimal) -> None:
    """Django validator: a finite decimal amount below 10^14 in size."""
    _django(decimal_problem(value), "amount")


def validate_plain_text(value: str) -> None:
    """Django validator: text without control characters (a name, a code, a search)."""
    _django(text_problem(value), "text")


def validate_prose(value: str) -> None:
    """Django validator: text without control characters other than line breaks and tabs."""
    _django(text_problem(value, multiline=True), "text")
