"""Phasing: months always add up to the period, quarters to the months."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quotaflow.planning import (
    InvalidInput,
    custom_phasing,
    days_in_seat,
    even_phasing,
    months_to_quarters,
    phase,
    prorate,
    prorated_phasing,
    ramped,
    seasonal_phasing,
    seasonality_profile,
)

SETTINGS = settings(max_examples=150, deadline=None)


@SETTINGS
@given(
    st.lists(st.integers(0, 10**12), min_size=1, max_size=50),
    st.lists(st.floats(0, 1e3, allow_nan=False), min_size=12, max_size=12),
    st.sampled_from([1, 100, 1000]),
)
def test_months_sum_exactly_to_each_total(
    totals: list[int], profile: list[float], step: int
) -> None:
    months = phase(np.array(totals), profile, granularity=step)
    assert months.shape == (len(totals), 12)
    assert months.sum(axis=1).tolist() == totals
    assert months_to_quarters(months).sum(axis=1).tolist() == totals


@SETTINGS
@given(st.integers(0, 10**10), st.lists(st.integers(0, 10**6), min_size=24, max_size=24))
def test_seasonality_follows_history(total: int, history: list[int]) -> None:
    months = seasonal_phasing(total, np.array(history).reshape(2, 12))
    assert int(months.sum()) == total
    profile = seasonality_profile(np.array(history).reshape(2, 12))
    assert (np.abs(months - total * profile) < 1 + 1e-9 * total).all()


def test_even_and_custom_phasing() -> None:
    assert even_phasing(1_200).tolist() == [100] * 12
    assert custom_phasing(1_000, [40, 30, 20, 10], granularity=1).tolist() == [400, 300, 200, 100]
    # 8.33 × 11 + 8.37 = 100 exactly, decided in decimals.
    months = custom_phasing(100_000, ["8.33"] * 11 + ["8.37"])
    assert int(months.sum()) == 100_000


def test_custom_percentages_must_total_100() -> None:
    with pytest.raises(InvalidInput, match="total 99.96"):
        custom_phasing(1_200, [8.33] * 12)
    with pytest.raises(InvalidInput):
        custom_phasing(1_200, [-10, 110])


def test_ramp_schedule_for_a_new_hire() -> None:
    # Starts in month 3 (0-based): 25 %, 50 %, 75 % in her first three months, then 100 %.
    months = ramped(np.full(12, 10_000), (0.25, 0.5, 0.75), start_month=3)
    assert months.tolist() == [0, 0, 0, 2_500, 5_000, 7_500] + [10_000] * 6


def test_ramp_rows_sum_to_the_exact_ramped_total() -> None:
    months = ramped(np.array([[333, 333, 334], [1, 1, 1]]), (1 / 3,), start_month=np.array([0, 1]))
    # 1/3 resolves to 3,333 bp. Row 0: 333 × 0.3333 + 333 + 334 = 777.99 → 778.
    # Row 1 starts a month later: 0 + 1 × 0.3333 + 1 = 1.33 → 1.
    assert months.sum(axis=1).tolist() == [778, 1]


def test_days_in_seat_and_proration() -> None:
    in_seat, days = days_in_seat(dt.date(2026, 1, 1), 3, joined=dt.date(2026, 2, 15))
    assert in_seat.tolist() == [0, 14, 31] and days.tolist() == [31, 28, 31]
    assert prorate(365_000, 100, 365) == 100_000


def test_proration_for_a_joiner_and_a_leaver() -> None:
    # 120,000 a year evenly (10,000 a month); joins 16 March, leaves 31 October:
    # March 16/31 → 5,161.29; April–October full; nothing in Jan, Feb, Nov, Dec.
    months = prorated_phasing(
        120_000,
        np.ones(12),
        dt.date(2026, 1, 1),
        joined=dt.date(2026, 3, 16),
        left=dt.date(2026, 10, 31),
    )
    assert months.tolist() == [0, 0, 5_161] + [10_000] * 7 + [0, 0]


def test_bad_phasing_inputs() -> None:
    with pytest.raises(InvalidInput):
        months_to_quarters(np.ones(10))
    with pytest.raises(InvalidInput):
        days_in_seat(dt.date(2026, 1, 2), 12)
    with pytest.raises(InvalidInput):
        phase(100, [1, -1])


def test_proration_for_many_people_matches_one_at_a_time() -> None:
    start = dt.date(2026, 4, 1)  # a fiscal year starting in April
    joined = [None, dt.date(2026, 6, 10), dt.date(2026, 4, 1), None]
    left = [None, None, dt.date(2026, 12, 31), dt.date(2027, 2, 14)]
    totals = np.array([120_000, 90_000, 60_000, 240_000])
    profile = np.arange(1, 13)
    together = prorated_phasing(
        totals, profile, start, joined=np.array(joined), left=np.array(left)
    )
    for i in range(4):
        alone = prorated_phasing(int(totals[i]), profile, start, joined=joined[i], left=left[i])
        assert together[i].tolist() == alone.tolist()
    assert together[0].sum() == 120_000


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 10**9),
    st.dates(dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
    st.integers(0, 400),
)
def test_prorated_months_add_up_and_stay_within_the_full_year(
    total: int, joined: dt.date, stay: int
) -> None:
    left = joined + dt.timedelta(days=stay)
    months = prorated_phasing(total, np.ones(12), dt.date(2026, 1, 1), joined=joined, left=left)
    full = even_phasing(total)
    assert (months >= 0).all() and int(months.sum()) <= total
    assert (months <= full + 1).all()
    in_seat, days = days_in_seat(dt.date(2026, 1, 1), 12, joined, left)
    exact = sum(int(f) * int(d) / int(n) for f, d, n in zip(full, in_seat, days, strict=True))
    assert abs(int(months.sum()) - exact) <= 0.5 + 1e-6
