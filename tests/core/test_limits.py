"""The edge rules: every value inside the limits passes unchanged, every value outside is named."""

from __future__ import annotations

import datetime as dt

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
