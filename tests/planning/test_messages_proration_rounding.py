"""Messages that do not depend on input order, proration for people outside the period, and
the bound on largest remainder's Alabama paradox."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quotaflow.planning import (
    Bounds,
    InfeasibleConstraints,
    InvalidInput,
    build_tree,
    days_in_seat,
    largest_remainder_round,
    prorated_phasing,
    resolve_bounds,
)
from quotaflow.planning.phasing import prorated_phasing_explained

START = dt.date(2026, 1, 1)


def crossing_bounds(ids: np.ndarray) -> Bounds:
    """Floors above caps on every node (15 conflicts)."""
    return Bounds(
        floor=np.full(ids.size, 10), cap=np.full(ids.size, 5), has_floor=None, has_cap=None
    )


def test_infeasibility_message_does_not_depend_on_node_order() -> None:
    ids = np.arange(100, 115)
    shuffled = ids[np.random.default_rng(3).permutation(ids.size)]
    messages = []
    for order in (ids, shuffled):
        with pytest.raises(InfeasibleConstraints) as error:
            resolve_bounds(crossing_bounds(order), order)
        messages.append(str(error.value))
    assert messages[0] == messages[1]
    assert "node 100 [10, 5]" in messages[0] and "node 109 [10, 5]" in messages[0]
    assert "node 110" not in messages[0] and "and 5 more" in messages[0]


def test_unknown_and_duplicate_ids_are_listed_sorted_with_the_count_beyond_those_shown() -> None:
    tree = build_tree([1, 2], [-1, 1])
    with pytest.raises(
        InvalidInput, match=r"unknown node ids \[3, 4, 5, 6, 7, 8, 9, 10, 11, 12\] and 3 more"
    ):
        tree.position_of(list(range(15, 2, -1)))
    with pytest.raises(InvalidInput, match=r"unknown parent ids \[7, 9\]"):
        build_tree([1, 2, 3], [-1, 9, 7])


def test_infeasibility_says_how_many_other_parents_fail() -> None:
    from quotaflow.planning import LevelRule, cascade

    ids = np.array([1, 2, 3, 4, 5, 6, 7])
    tree = build_tree(ids, [-1, 1, 1, 2, 2, 3, 3])
    bounds = Bounds.from_mappings(ids, caps={4: 1, 5: 1, 6: 1, 7: 1}, locks={2: 50, 3: 50})
    with pytest.raises(InfeasibleConstraints) as error:
        cascade(tree, 100, LevelRule(), bounds=bounds)
    assert error.value.other_parents == 1 and "1 other parent cannot be split" in str(error.value)


def test_a_person_entirely_outside_the_period_gets_zero_with_a_note_not_an_error() -> None:
    joined = np.array(["2026-03-10", "2027-02-01", None], dtype=object)
    left = np.array([None, None, "2025-12-20"], dtype=object)
    joined_d = np.array([None if j is None else np.datetime64(j) for j in joined], dtype=object)
    left_d = np.array([None if x is None else np.datetime64(x) for x in left], dtype=object)
    outcome = prorated_phasing_explained(
        np.array([12_000, 12_000, 12_000]), np.ones(12), START, joined=joined_d, left=left_d
    )
    assert outcome.months[1].tolist() == [0] * 12 and outcome.months[2].tolist() == [0] * 12
    assert outcome.notes[0] == ""
    assert "joins after the period ends" in outcome.notes[1]
    assert "left before the period starts" in outcome.notes[2]
    alone = prorated_phasing(12_000, np.ones(12), START, joined=dt.date(2026, 3, 10))
    assert outcome.months[0].tolist() == alone.tolist()
    in_seat, _ = days_in_seat(START, 12, joined=joined_d, left=left_d)
    assert in_seat[1:].sum() == 0


def test_leaving_before_joining_is_still_an_error_naming_how_many() -> None:
    joined = np.array([np.datetime64("2026-05-01"), np.datetime64("2026-02-01")], dtype=object)
    left = np.array([np.datetime64("2026-04-01"), None], dtype=object)
    with pytest.raises(InvalidInput, match=r"1 people leave before they join \(positions 0\)"):
        days_in_seat(START, 12, joined=joined, left=left)


def test_largest_remainder_alabama_paradox_is_documented_and_bounded() -> None:
    # Raising the total from 26 to 27 lowers the second member from 5 to 4: one step, never more.
    weights = [19, 6, 10]
    assert largest_remainder_round(weights, 26).tolist() == [14, 5, 7]
    assert largest_remainder_round(weights, 27).tolist() == [15, 4, 8]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(0, 1000), min_size=2, max_size=12),
    st.integers(0, 10**9),
    st.integers(1, 10**6),
    st.sampled_from([1, 5, 100]),
)
def test_raising_a_total_never_lowers_a_member_by_more_than_one_step(
    weights: list[int], total: int, raise_by: int, granularity: int
) -> None:
    if sum(weights) == 0:
        weights[0] = 1
    before = largest_remainder_round(weights, total, granularity=granularity)
    after = largest_remainder_round(weights, total + raise_by, granularity=granularity)
    assert (after - before >= -granularity).all()
    for amount, weight in zip(after, weights, strict=True):
        quota = Fraction((total + raise_by) * weight, sum(weights))
        assert quota - granularity < int(amount) < quota + granularity
