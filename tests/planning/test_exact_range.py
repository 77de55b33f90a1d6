"""Exact integers across the supported range: no int64 overflow anywhere up to ±9.2 × 10¹⁸.

Each defect that once gave a wrong number near 10¹⁵ has a test named after it; the property
tests then drive totals up to 10¹⁸ and check sums, bounds and quotas in Python integers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quotaflow.planning import (
    UNBOUNDED,
    Bounds,
    Equal,
    InfeasibleConstraints,
    InvalidInput,
    LevelRule,
    Potential,
    build_tree,
    cascade,
    days_in_seat,
    largest_remainder_round,
    phase,
    prorated_phasing,
    reconcile,
    resolve_bounds,
    roll_up,
)
from quotaflow.planning.rounding import MAX_AMOUNT

from .helpers import Case, cases, children_sums, random_bounds
from .test_cascade_properties import assert_error_is_true, assert_exact_sums

IDS = np.array([1, 2, 3])
#: A root and two children.
PAIR = build_tree(IDS, [-1, 1, 1])
SETTINGS = settings(max_examples=60, deadline=None)


def test_caps_under_over_assignment_summing_above_9e14_are_not_falsely_infeasible() -> None:
    # 10¹⁵ × 1.1 = 1.1 × 10¹⁵ fits under two caps of 6 × 10¹⁴; the implied cap on the root
    # (1.2 × 10¹⁵ / 1.1) once overflowed into a negative number.
    bounds = Bounds.from_mappings(IDS, caps={2: 6 * 10**14, 3: 6 * 10**14})
    result = cascade(PAIR, 10**15, LevelRule(Equal(), over_assignment=0.1), bounds=bounds)
    assert result.targets.tolist() == [10**15, 55 * 10**13, 55 * 10**13]
    implied = int(result.bounds.upper[0])

    def grown(amount: int) -> int:
        return (2 * amount * 11_000 + 10_000) // 20_000

    # The largest root amount whose over-assigned total still fits under the caps.
    assert grown(implied) <= 12 * 10**14 < grown(implied + 1)


def test_max_change_on_a_1e15_baseline_gives_the_exact_cap() -> None:
    bounds = Bounds.from_mappings(
        IDS,
        max_change={1: 0.5, 2: 0.5, 3: 0.5},
        baseline={1: 2 * 10**15, 2: 10**15, 3: 10**15},
    )
    upper = resolve_bounds(bounds, IDS).upper
    assert upper.tolist() == [3 * 10**15, 15 * 10**14, 15 * 10**14]


def test_min_change_floors_round_up_exactly_near_the_top_of_the_range() -> None:
    baseline = 9 * 10**18 + 7
    bounds = Bounds.from_mappings(IDS, min_change={2: -0.0001}, baseline={2: baseline})
    lower = int(resolve_bounds(bounds, IDS).lower[1])
    assert lower == -((-baseline * 9_999) // 10_000)


def test_blend_reconciliation_does_not_overflow() -> None:
    top_down = np.array([3 * 10**18, 2 * 10**18, 10**18])
    bottom_up = np.array([2 * 10**18 + 3, 10**18 + 1, 10**18 + 2])
    result = reconcile(PAIR, top_down, bottom_up, method="blend", top_down_weight=0.3)
    expected_root = (2 * (3 * 10**18 * 3_000 + (2 * 10**18 + 3) * 7_000) + 10_000) // 20_000
    assert int(result.final[0]) == expected_root
    assert int(result.final[1]) + int(result.final[2]) == expected_root
    assert (result.final >= 0).all()


def test_roll_up_uplift_does_not_overflow() -> None:
    leaves = np.array([0, 4 * 10**18, 3 * 10**18 + 1])
    result = roll_up(PAIR, leaves, level_uplift={0: 0.25})
    children = 7 * 10**18 + 1
    uplift = (2 * children * 2_500 + 10_000) // 20_000
    assert int(result.values[0]) == children + uplift
    assert int(result.uplift[0]) == uplift and int(result.children_sum[0]) == children


def test_roll_up_beyond_the_supported_range_is_a_clear_error() -> None:
    with pytest.raises(InvalidInput, match="supported range"):
        roll_up(PAIR, np.array([0, 5 * 10**18, 5 * 10**18]))


def test_prorated_phasing_of_1e15_has_no_negative_month_and_sums_exactly() -> None:
    months = prorated_phasing(10**15, np.ones(12), dt.date(2026, 1, 1))
    assert (months >= 0).all() and int(months.sum()) == 10**15
    assert months.max() - months.min() <= 1


@pytest.mark.parametrize("total", [10**13, 10**15, 10**18, MAX_AMOUNT])
def test_prorated_phasing_of_a_24_month_period_is_exact_near_the_top(total: int) -> None:
    start, joined = dt.date(2026, 1, 1), dt.date(2026, 3, 15)
    months = prorated_phasing(total, np.ones(24), start, joined=joined)
    full = phase(total, np.ones(24))
    in_seat, days = days_in_seat(start, 24, joined=joined)
    exact = [Fraction(int(f) * int(s), int(d)) for f, s, d in zip(full, in_seat, days, strict=True)]
    assert int(months.sum()) == int(sum(exact) + Fraction(1, 2))  # half up
    assert (months[:2] == 0).all() and (months >= 0).all()
    assert max(abs(int(m) - e) for m, e in zip(months, exact, strict=True)) < 1


def test_a_one_unit_infeasibility_beyond_2_53_is_caught() -> None:
    bounds = Bounds.from_mappings(IDS, caps={2: 2**60, 3: 2**60})
    assert (
        cascade(PAIR, 2**61, LevelRule(), bounds=bounds).targets.tolist() == [2**61] + [2**60] * 2
    )
    with pytest.raises(InfeasibleConstraints) as error:
        cascade(PAIR, 2**61 + 1, LevelRule(), bounds=bounds)
    assert error.value.amount == 2**61 + 1


def test_amounts_outside_the_supported_range_are_a_clear_error() -> None:
    with pytest.raises(InvalidInput, match="supported range"):
        cascade(PAIR, MAX_AMOUNT + 1, LevelRule())
    with pytest.raises(InvalidInput, match="supported range"):
        cascade(PAIR, 9 * 10**18, LevelRule(over_assignment=0.1))
    with pytest.raises(InvalidInput, match="supported range"):
        Bounds.from_mappings(IDS, caps={2: 10**19})
    with pytest.raises(InvalidInput, match="supported range"):
        largest_remainder_round([1, 1], 10**19)
    with pytest.raises(InvalidInput, match="supported range"):
        phase(-(10**19), np.ones(12))


def test_a_cap_near_the_top_of_the_range_still_binds() -> None:
    # Caps are kept as given up to MAX_AMOUNT; "no cap" is a sentinel outside the range.
    bounds = Bounds.from_mappings(IDS, caps={2: 4 * 10**18})
    result = cascade(PAIR, 9 * 10**18, LevelRule(), bounds=bounds)
    assert result.targets.tolist() == [9 * 10**18, 4 * 10**18, 5 * 10**18]
    assert int(resolve_bounds(None, IDS).upper[0]) == int(UNBOUNDED) > MAX_AMOUNT


def _big(case: Case, total: int) -> Case:
    return dataclasses.replace(case, root_target=total)


def _growth(case: Case) -> float:
    depth = int(case.tree.depth)
    return float(np.prod([1 + r.over_assignment for r in case.rules[: max(depth - 1, 0)]]))


@SETTINGS
@given(cases(max_nodes=25), st.integers(0, 10**18), st.integers(0, 2**32 - 1))
def test_cascades_up_to_1e18_add_up_and_keep_their_bounds(
    case: Case, total: int, seed: int
) -> None:
    big = _big(case, total)
    try:
        reference = cascade(big.tree, total, big.rules, data=big.data).targets
    except InvalidInput:
        assert total * _growth(big) > MAX_AMOUNT * 0.999
        return
    assert_exact_sums(big, cascade(big.tree, total, big.rules, data=big.data))
    bounds = random_bounds(big, reference, seed)
    try:
        result = cascade(big.tree, total, big.rules, data=big.data, bounds=bounds)
    except InfeasibleConstraints as error:
        assert_error_is_true(error)
        return
    assert_exact_sums(big, result)
    resolved = resolve_bounds(bounds, big.tree.node_ids)
    not_root = big.parent_ids >= 0
    assert (result.targets[not_root] >= resolved.lower[not_root]).all()
    assert (result.targets[not_root] <= resolved.upper[not_root]).all()
    locked = np.asarray(bounds.is_locked) & not_root
    assert (result.targets[locked] == np.asarray(bounds.locked)[locked]).all()


@SETTINGS
@given(
    st.lists(st.integers(0, 1000), min_size=1, max_size=30),
    st.integers(-MAX_AMOUNT, MAX_AMOUNT),
    st.sampled_from([1, 1, 7, 100, 10**6]),
)
def test_largest_remainder_up_to_the_limit_keeps_every_member_within_a_step_of_its_quota(
    weights: list[int], total: int, granularity: int
) -> None:
    if sum(weights) == 0:
        weights = [1] * len(weights)
    lower = [None] * len(weights) if total >= 0 else [-MAX_AMOUNT] * len(weights)
    amounts = largest_remainder_round(
        weights, total, granularity=granularity, lower=lower, upper=None
    )
    assert sum(int(a) for a in amounts) == total
    # Shares are float64: the ideal is exact up to 2⁻⁵⁰ of the total.
    slack = abs(total) * Fraction(1, 2**50)
    for amount, weight in zip(amounts, weights, strict=True):
        quota = Fraction(total * weight, sum(weights))
        assert quota - granularity - slack <= int(amount) <= quota + granularity + slack
        if weight == 0 and total >= 0:
            assert amount == 0


@SETTINGS
@given(
    st.lists(st.integers(0, 10**6), min_size=1, max_size=24),
    st.integers(0, MAX_AMOUNT),
)
def test_phasing_up_to_the_limit_is_exact_and_never_fills_an_empty_month(
    weights: list[int], total: int
) -> None:
    months = phase(total, np.array(weights, dtype=np.float64))
    assert sum(int(m) for m in months) == total
    assert (months >= 0).all()
    if sum(weights) > 0:
        assert all(int(m) == 0 for m, w in zip(months, weights, strict=True) if w == 0)


@SETTINGS
@given(
    st.lists(st.integers(0, MAX_AMOUNT // 40), min_size=2, max_size=30),
    st.integers(0, 2**32 - 1),
    st.sampled_from([0.0, 0.05, 0.1234]),
)
def test_roll_up_up_to_the_limit_matches_python_integers(
    leaves: list[int], seed: int, uplift: float
) -> None:
    rng = np.random.default_rng(seed)
    n = len(leaves)
    parent = [-1] + [int(rng.integers(0, i)) for i in range(1, n)]
    tree = build_tree(np.arange(n), parent)
    values = np.array(leaves, dtype=np.int64)
    result = roll_up(tree, values, level_uplift={lvl: uplift for lvl in range(n)})
    bp = round(uplift * 10_000)
    expected = [0] * n
    for i in sorted(range(n), key=lambda i: -int(tree.level[i])):
        if tree.is_leaf[i]:
            expected[i] = int(values[i])
        else:
            children = sum(expected[k] for k in range(n) if parent[k] == i)
            expected[i] = children + (2 * children * bp + 10_000) // 20_000
    assert result.values.tolist() == expected
    assert (
        children_sums(tree, result.values)[~tree.is_leaf] <= np.array(expected)[~tree.is_leaf]
    ).all()


def test_a_potential_split_near_the_limit_gives_nothing_to_zero_weights() -> None:
    ids = np.arange(6)
    tree = build_tree(ids, [-1, 0, 0, 0, 0, 0])
    potential = np.array([0.0, 0.3, 0.0, 0.2, 0.0, 0.5])
    from quotaflow.planning import NodeData

    result = cascade(tree, MAX_AMOUNT, LevelRule(Potential()), data=NodeData(potential=potential))
    assert result.targets[[2, 4]].tolist() == [0, 0]
    assert sum(int(t) for t in result.targets[1:]) == MAX_AMOUNT


def test_quarters_ramps_and_prorate_stay_exact_or_refuse_near_the_limit() -> None:
    from quotaflow.planning import months_to_quarters, prorate, ramped

    months = np.array([3 * 10**18, 3 * 10**18, 3 * 10**18 + 1])
    assert months_to_quarters(months).tolist() == [9 * 10**18 + 1]
    with pytest.raises(InvalidInput, match="supported range"):
        months_to_quarters(np.array([4 * 10**18] * 3))
    assert ramped(np.array([4 * 10**18, 4 * 10**18]), (0.5,)).tolist() == [2 * 10**18, 4 * 10**18]
    with pytest.raises(InvalidInput, match="supported range"):
        ramped(np.array([9 * 10**18, 9 * 10**18]), (0.5,))  # the row's total is 1.35 × 10¹⁹
    assert prorate(9 * 10**18, 1, 3) == 3 * 10**18
    with pytest.raises(InvalidInput, match="supported range"):
        prorate(10**19, 1, 2)
