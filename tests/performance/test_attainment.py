"""The pure attainment engine, with a 31-day month and a phased year worked by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from quotaflow.performance.attainment import (
    Attainment,
    PhaseSlice,
    Thresholds,
    band_of,
    compute_attainment,
    distribution,
    expected_to_date,
)
from quotaflow.performance.crediting import split_largest_remainder

JAN = (dt.date(2027, 1, 1), dt.date(2027, 1, 31))
DEFAULT = Thresholds()


def january(actual: int, day: int, thresholds: Thresholds = DEFAULT) -> Attainment:
    return compute_attainment(
        target=31_000, actual=actual, period_start=JAN[0], period_end=JAN[1], phasing=[],
        as_of=dt.date(2027, 1, day), thresholds=thresholds,
    )  # fmt: skip


def test_a_month_worked_by_hand() -> None:
    progress = january(actual=9_000, day=10)
    # 10 of 31 days gone: 10,000 expected; 9,000 done is 90% pacing, 29.03% attained.
    assert progress.expected_to_date == 10_000
    assert progress.pacing_pct == Decimal("90.00")
    assert progress.attainment_pct == Decimal("29.03")
    assert progress.projection == 27_900  # 9,000 / 10 days × 31 days
    assert progress.required_per_day == 1_048  # 22,000 left over 21 days, rounded half up
    assert progress.status == "at_risk"  # below 95%, not below 80%


def test_status_thresholds_and_basis_are_configurable() -> None:
    assert january(9_000, 10, Thresholds(Decimal(90), Decimal(50))).status == "on_track"
    assert january(7_000, 10).status == "off_track"
    assert january(9_000, 10, Thresholds(basis="projection")).status == "at_risk"  # 90% projected
    assert january(0, 1).status == "off_track"


def test_before_and_after_the_period() -> None:
    before = compute_attainment(
        target=100, actual=0, period_start=JAN[0], period_end=JAN[1], phasing=[], as_of=dt.date(2026, 12, 31),
        thresholds=Thresholds(),
    )  # fmt: skip
    assert (before.status, before.expected_to_date, before.projection) == ("not_started", 0, 0)
    assert january(31_000, 31).status == "reached"
    assert january(30_999, 31).status == "missed"
    assert january(30_999, 31).required_per_day == 1


def test_phasing_prorates_the_current_slice_only() -> None:
    phasing = [
        PhaseSlice(dt.date(2027, 1, 1), dt.date(2027, 1, 31), 1_000),
        PhaseSlice(dt.date(2027, 2, 1), dt.date(2027, 2, 28), 2_800),
        PhaseSlice(dt.date(2027, 3, 1), dt.date(2027, 3, 31), 6_200),
    ]
    start, end = dt.date(2027, 1, 1), dt.date(2027, 3, 31)
    assert expected_to_date(10_000, start, end, phasing, dt.date(2027, 1, 31)) == 1_000
    assert expected_to_date(10_000, start, end, phasing, dt.date(2027, 2, 14)) == 1_000 + 1_400
    assert expected_to_date(10_000, start, end, phasing, dt.date(2027, 4, 1)) == 10_000


def test_bands_and_distribution() -> None:
    values = [
        None,
        Decimal(49.99),
        Decimal(50),
        Decimal(99.99),
        Decimal(100),
        Decimal(120),
        Decimal("120.01"),
    ]
    assert [band_of(value) for value in values] == [
        "<50%",
        "<50%",
        "50–80%",
        "80–100%",
        "100–120%",
        "100–120%",
        ">120%",
    ]
    assert distribution(values) == {"<50%": 2, "50–80%": 1, "80–100%": 1, "100–120%": 2, ">120%": 1}


@given(
    st.integers(min_value=-(10**12), max_value=10**12),
    st.lists(st.integers(min_value=1, max_value=10_000), min_size=1, max_size=8),
)
def test_split_parts_always_sum_to_the_amount(amount: int, weights: list[int]) -> None:
    total = sum(weights)
    # Scale integer weights to percentages that sum to exactly 100 (the last takes the rest).
    percents = [Decimal(weight * 100) / total for weight in weights[:-1]]
    percents.append(Decimal(100) - sum(percents, Decimal(0)))
    parts = split_largest_remainder(amount, percents)
    assert sum(parts) == amount
    assert all(abs(part) <= abs(amount) for part in parts)
