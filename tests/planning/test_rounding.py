"""Largest-remainder rounding: exact totals, closeness, ties by key, bounds."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quotaflow.planning import InfeasibleConstraints, InvalidInput, largest_remainder_round

SETTINGS = settings(max_examples=200, deadline=None)

weights = st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=40)
granularities = st.sampled_from([1, 5, 100, 1000])


@SETTINGS
@given(weights, st.integers(0, 10**12), granularities)
def test_parts_sum_exactly_and_stay_close(values: list[float], total: int, step: int) -> None:
    parts = largest_remainder_round(values, total, granularity=step)
    assert parts.dtype == np.int64
    assert int(parts.sum()) == total
    w = np.asarray(values)
    ideal = total * (w / w.sum() if w.sum() > 0 else np.full(w.size, 1 / w.size))
    # Each part is its ideal rounded to a step, give or take one step (plus float slack).
    assert (np.abs(parts - ideal) <= 2 * step + 1e-6 * total).all()
    # At most one part carries a residual that is not a whole step.
    assert int((parts % step != 0).sum()) <= 1


@SETTINGS
@given(weights, st.integers(0, 10**9), granularities, st.randoms(use_true_random=False))
def test_order_of_members_does_not_matter_when_ties_break_by_key(
    values: list[float],
    total: int,
    step: int,
    rnd: random.Random,
) -> None:
    keys = list(range(100, 100 + len(values)))
    perm = list(range(len(values)))
    rnd.shuffle(perm)
    first = largest_remainder_round(values, total, granularity=step, tie_key=keys)
    second = largest_remainder_round(
        [values[i] for i in perm], total, granularity=step, tie_key=[keys[i] for i in perm]
    )
    assert first[perm].tolist() == second.tolist()


@SETTINGS
@given(st.lists(st.integers(0, 10**6), min_size=2, max_size=20), st.integers(0, 10**7))
def test_bounds_are_respected(caps: list[int], total: int) -> None:
    if sum(caps) < total:
        with pytest.raises(InfeasibleConstraints):
            largest_remainder_round(np.ones(len(caps)), total, upper=caps)
        return
    parts = largest_remainder_round(np.ones(len(caps)), total, upper=caps)
    assert int(parts.sum()) == total
    assert (parts <= np.asarray(caps)).all() and (parts >= 0).all()


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(InvalidInput):
        largest_remainder_round([1, -1], 10)
    with pytest.raises(InvalidInput):
        largest_remainder_round([1, float("nan")], 10)
    with pytest.raises(InvalidInput):
        largest_remainder_round([1, 1], 10, granularity=0)


def test_all_zero_weights_split_equally() -> None:
    assert largest_remainder_round([0, 0, 0, 0], 10).tolist() == [3, 3, 2, 2]
