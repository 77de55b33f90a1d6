"""Property tests for the arithmetic of a mid-period change (``plans.proration``): a
prorated change splits exactly over the months from its date on, and a re-split over the
siblings gives back exactly the goal's change in every month, never below zero."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quotaflow.core.errors import InvalidInput
from quotaflow.core.money import Amounts, currency_amounts
from quotaflow.plans.proration import prorated_change, resplit_months

EUR = currency_amounts("EUR")
START, END = dt.date(2027, 1, 1), dt.date(2027, 12, 31)
amounts = st.integers(min_value=-(10**12), max_value=10**12)


@given(delta=amounts, day=st.integers(min_value=1, max_value=364))
def test_a_prorated_change_splits_exactly_and_nothing_lands_before_its_date(
    delta: int, day: int
) -> None:
    effective = START + dt.timedelta(days=day)
    amount, months = prorated_change(delta, START, END, effective, EUR)
    assert sum(months) == amount
    assert abs(amount) <= abs(delta)
    assert all(part == 0 for part in months[: effective.month - 1])
    assert all((part >= 0) == (amount >= 0) or part == 0 for part in months)


def test_the_worked_example() -> None:
    # 50,000.00 EUR less from 1 July: 184 of 365 days → 25,205.48 EUR less.
    amount, months = prorated_change(-5_000_000, START, END, dt.date(2027, 7, 1), EUR)
    assert amount == -2_520_548
    assert months[:6] == [0] * 6 and sum(months[6:]) == -2_520_548


sibling_months = st.lists(
    st.lists(st.integers(min_value=0, max_value=10**10), min_size=12, max_size=12),
    min_size=1,
    max_size=8,
)


@given(siblings=sibling_months, delta=amounts, day=st.integers(min_value=1, max_value=364))
def test_a_resplit_gives_back_the_change_exactly_in_every_month(
    siblings: list[list[int]], delta: int, day: int
) -> None:
    _, months = prorated_change(delta, START, END, START + dt.timedelta(days=day), EUR)
    try:
        shares = resplit_months(months, siblings, EUR)
    except InvalidInput:
        # Refused only when the siblings hold nothing, or cannot give back a month's rise.
        assert sum(map(sum, siblings)) == 0 or any(
            m > 0 and m > sum(row[i] for row in siblings) for i, m in enumerate(months)
        )
        return
    for index, change in enumerate(months):
        assert change + sum(row[index] for row in shares) == 0
        for row, share in zip(siblings, shares, strict=True):
            assert row[index] + share[index] >= 0


@pytest.mark.parametrize("code", ["JPY", "KWD", "EUR"])
def test_proportional_shares_with_ties_go_to_the_first_sibling(code: str) -> None:
    money: Amounts = currency_amounts(code)
    shares = resplit_months([-1, 0], [[5, 5], [5, 5]], money)
    assert shares == [[1, 0], [0, 0]]
