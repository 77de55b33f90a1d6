"""The edge rules: every value inside the limits passes unchanged, every value outside is named."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quotaflow.core import limits
from quotaflow.core.limits import OutOfLimits


@given(st.dates())
def test_a_business_date_passes_exactly_when_it_lies_in_the_range(day: dt.date) -> None:
    inside = limits.MIN_BUSINESS_DATE <= day <= limits.MAX_BUSINESS_DATE
    assert (limits.business_date_problem(day) is None) is inside
    if inside:
        assert limits.check_business_date(day) == day
    else:
        with pytest.raises(OutOfLimits, match="outside the supported range"):
            limits.check_business_date(day)


@pytest.mark.parametrize("day", [dt.date(1, 1, 1), dt.date(9999, 12, 31), dt.date(1899, 12, 31)])
def test_dates_of_year_one_and_9999_are_refused_with_the_range_named(day: dt.date) -> None:
    problem = limits.business_date_problem(day)
    assert problem is not None
    assert day.isoformat() in problem
    assert "1900-01-01 to 2200-12-31" in problem


@given(st.integers())
def test_a_whole_number_passes_exactly_when_it_fits_bigint(number: int) -> None:
    fits = -(2**63) <= number <= 2**63 - 1
    assert (limits.bigint_problem(number) is None) is fits
    if fits:
        assert limits.check_bigint(number) == number
    else:
        with pytest.raises(OutOfLimits, match="out of range"):
            limits.check_bigint(number)


def test_the_bigint_edges_are_inclusive() -> None:
    assert limits.check_bigint(2**63 - 1) == 2**63 - 1
    assert limits.check_bigint(-(2**63)) == -(2**63)
    assert limits.bigint_problem(2**63) is not None
    assert limits.bigint_problem(-(2**63) - 1) is not None


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc",))))
def test_text_without_control_characters_passes_unchanged(text: str) -> None:
    assert limits.check_text(text) == text
    assert limits.check_text(text, multiline=True) == text


@given(st.text(), st.sampled_from(["\x00", "\x1b", "\x7f", "\x85", "\x08"]), st.text())
def test_a_control_character_anywhere_is_refused_and_named(
    before: str, control: str, after: str
) -> None:
    problem = limits.text_problem(before + control + after, multiline=True)
    assert problem is not None
    assert "control character U+" in problem


def test_prose_keeps_line_breaks_and_tabs_but_a_name_does_not() -> None:
    prose = "First line\r\nsecond\tline"
    assert limits.check_text(prose, multiline=True) == prose
    assert limits.text_problem(prose) == (
        "contains the control character U+000D; remove it and send plain text"
    )


def test_a_nul_byte_is_named_as_u_0000() -> None:
    with pytest.raises(OutOfLimits, match="U\\+0000"):
        limits.check_text("Widget\x00Pro")


@given(st.integers(min_value=0, max_value=50), st.integers(min_value=0, max_value=50))
def test_text_passes_exactly_when_it_fits_its_length(length: int, max_length: int) -> None:
    text = "a" * length
    problem = limits.text_problem(text, max_length=max_length)
    assert (problem is None) is (length <= max_length)
    if problem is not None:
        assert f"at most {max_length}" in problem


@given(st.decimals(allow_nan=True, allow_infinity=True))
def test_a_decimal_passes_exactly_when_it_is_finite_and_below_10_to_the_14(
    amount: Decimal,
) -> None:
    plausible = amount.is_finite() and abs(amount) < Decimal(10) ** 14
    assert (limits.decimal_problem(amount) is None) is plausible
    if not plausible:
        with pytest.raises(OutOfLimits):
            limits.check_decimal(amount)


def test_the_largest_decimal_amount_still_fits_bigint_in_minor_units_of_four_decimals() -> None:
    largest = limits.DECIMAL_MAX_MAGNITUDE - Decimal("0.0001")
    assert limits.check_bigint(int(largest * 10**4)) == int(largest * 10**4)


def test_the_django_validators_raise_django_validation_errors_with_the_same_reason() -> None:
    from django.core.exceptions import ValidationError

    cases = [
        (limits.validate_business_date, dt.date(1, 1, 1), "outside the supported range"),
        (limits.validate_bigint, 2**63, "out of range"),
        (limits.validate_decimal, Decimal("1e20"), "too large"),
        (limits.validate_plain_text, "a\nb", r"U\+000A"),
        (limits.validate_prose, "a\x00b", r"U\+0000"),
    ]
    for validator, value, reason in cases:
        with pytest.raises(ValidationError, match=reason):
            validator(value)  # type: ignore[operator]
    limits.validate_prose("line one\nline two")
    limits.validate_business_date(dt.date(2027, 1, 1))
