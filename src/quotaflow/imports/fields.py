"""Parsing single cells of an import file into exact values, with reasons a person can act on.

Each parser takes the cell text (already stripped) and returns a value or raises
:class:`CellError` whose reason names the value, says what is wrong and shows a correct
example. The row and column are added by the caller.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from quotaflow.core.limits import business_date_problem
from quotaflow.core.money import AmountError, currency_amounts, minor_unit_decimals

# Plain decimal notation only: an optional sign, digits, an optional point and digits.
# Thousands separators, decimal commas and scientific notation ("1.2E+5") are refused
# because each of them is ambiguous in some locale or spreadsheet.
# ASCII digits only: other scripts' digits ("١٢٣", "１２３") are not what a CSV means.
_DECIMAL = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$")
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0", ""}
# The largest amount one row may carry, in minor units (10 billion in a two-decimal
# currency). A file holds at most a million rows, so even a whole file of the largest
# amounts sums to 10**18, inside the signed 64-bit totals the dashboards keep.
MAX_AMOUNT_MINOR = 10**12


class CellError(ValueError):
    """A cell value that cannot be used; ``reason`` is the message for the person fixing the file."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_decimal(text: str, *, example: str = "1250.00") -> Decimal:
    """A number written with digits and an optional decimal point, as an exact Decimal."""
    if not _DECIMAL.match(text):
        raise CellError(
            f"'{text}' is not a number — use digits with an optional decimal point, e.g. {example}"
        )
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern already rules this out
        raise CellError(
            f"'{text}' is not a number — use digits with an optional decimal point, e.g. {example}"
        ) from None


def decimal_places(value: Decimal) -> int:
    """How many digits ``value`` has after the decimal point as written ("1.50" → 2)."""
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def parse_currency(text: str) -> str:
    """A three-letter ISO 4217 code in circulation, upper-cased."""
    code = text.upper()
    if not code:
        raise CellError("the currency is empty — write a three-letter ISO code such as EUR or USD")
    if minor_unit_decimals(code) is None:
        raise CellError(
            f"'{text}' is not a known currency code — use a three-letter ISO 4217 code such as EUR or USD"
        )
    return code


def parse_amount_minor(text: str, currency: str) -> int:
    """An amount in major units ("1250.50") as exact minor units of ``currency`` (125050),
    converted by :mod:`quotaflow.core.money`: more decimals than the currency has are
    refused, never rounded."""
    if not text:
        raise CellError(
            "the amount is empty — write the amount in the currency's units, e.g. 1250.00"
        )
    amounts = currency_amounts(currency)
    try:
        minor = amounts.from_major(parse_decimal(text), text=text)
    except AmountError as error:
        raise CellError(error.message) from None
    if abs(minor) > MAX_AMOUNT_MINOR:
        raise CellError(
            f"'{text}' is too large to be an amount — one row may carry at most "
            f"{amounts.format(MAX_AMOUNT_MINOR)} (either sign)"
        )
    return minor


def parse_quantity(text: str, *, places: int = 4, whole: bool = False) -> Decimal:
    """A quantity, 1 when empty; ``whole`` demands a positive whole number."""
    if not text:
        return Decimal(1)
    example = "3" if whole else "1 or 2.5"
    value = parse_decimal(text, example=example)
    if whole and (value != value.to_integral_value() or value < 1):
        raise CellError(f"'{text}' is not a whole number of at least 1 — write e.g. 3")
    if not whole and decimal_places(value) > places:
        raise CellError(f"'{text}' has more than {places} decimals")
    limit = Decimal(2**31 - 1) if whole else Decimal(10) ** (14 - places)
    if abs(value) >= limit:
        raise CellError(f"'{text}' is too large to be a quantity")
    return value


def parse_date(text: str) -> dt.date:
    """A date written as YYYY-MM-DD (ISO 8601)."""
    if not text:
        raise CellError("the date is empty — write dates as YYYY-MM-DD, e.g. 2026-03-14")
    if not _ISO_DATE.match(text):
        raise CellError(f"'{text}' is not a date in the form YYYY-MM-DD — write e.g. 2026-03-14")
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise CellError(
            f"'{text}' is not a real calendar date — write YYYY-MM-DD, e.g. 2026-03-14"
        ) from None
    problem = business_date_problem(day)
    if problem is not None:
        raise CellError(f"{problem} — check the year")
    return day


def parse_bool(text: str) -> bool:
    """true/false (also yes/no and 1/0); empty means false."""
    lowered = text.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise CellError(f"'{text}' is not true or false — write true or false")


# Split credit in numbered columns: credited_to_1 with credit_share_1, credited_to_2 with
# credit_share_2 … (at most MAX_SPLIT_PEOPLE people share one sale).
SPLIT_PERSON = "credited_to_"
SPLIT_SHARE = "credit_share_"
MAX_SPLIT_PEOPLE = 20


def parse_share(text: str, *, where: str, example: str) -> Decimal:
    """One person's percentage of a split: above 0, at most 4 decimals, "%" allowed."""
    percent_text = text.removesuffix("%").strip()
    if not _DECIMAL.match(percent_text):
        raise CellError(f"'{percent_text}'{where} is not a percentage — write e.g. {example}")
    percent = Decimal(percent_text)
    if percent <= 0 or decimal_places(percent) > 4:
        raise CellError(f"'{percent_text}'{where} must be above 0 with at most 4 decimals")
    return percent


def repeated_people(people: list[str]) -> list[str]:
    """The person ids given more than once, sorted."""
    return sorted({person_id for person_id in people if people.count(person_id) > 1})


def shares_total_problem(shares: list[Decimal], where: str) -> str | None:
    """Why a split's percentages do not add up to exactly 100, or None."""
    total = sum(shares, Decimal(0))
    if total == 100:
        return None
    return f"the shares{where} add up to {total.normalize():f}%, not 100%"


def parse_split(text: str) -> list[tuple[str, Decimal]]:
    """Credit split "E001" or "E001:60;E002:40" as (person id, percent) pairs summing to 100."""
    if not text:
        raise CellError(
            "no one is credited — write a person id such as E001, or a split such as E001:60;E002:40"
        )
    parts = [part.strip() for part in text.split(";") if part.strip()]
    if len(parts) == 1 and ":" not in parts[0]:
        return [(parts[0], Decimal(100))]
    shares: list[tuple[str, Decimal]] = []
    for part in parts:
        person_id, colon, percent_text = (piece.strip() for piece in part.partition(":"))
        if not colon or not person_id:
            raise CellError(
                f"'{part}' in '{text}' needs a person id and a percentage, e.g. E001:60;E002:40"
            )
        percent = parse_share(percent_text, where=f" in '{text}'", example="E001:60;E002:40")
        shares.append((person_id, percent))
    repeated = repeated_people([person_id for person_id, _ in shares])
    if repeated:
        raise CellError(
            f"{', '.join(repeated)} appears more than once in '{text}' — give each person one share"
        )
    problem = shares_total_problem([percent for _, percent in shares], f" in '{text}'")
    if problem is not None:
        raise CellError(problem)
    return shares
