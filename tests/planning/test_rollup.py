"""Bottom-up roll-up over random trees."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from quotaflow.planning import roll_up

from .helpers import Case, cases, children_sums


@settings(max_examples=100, deadline=None)
@given(cases(), st.integers(0, 2**32 - 1))
def test_every_parent_is_the_sum_of_its_children(case: Case, seed: int) -> None:
    tree = case.tree
    leaves = np.random.default_rng(seed).integers(0, 10**9, tree.size)
    result = roll_up(tree, leaves)
    sums = children_sums(tree, result.values)
    inner = ~tree.is_leaf
    assert (result.values[inner] == sums[inner]).all()
    assert (result.values[tree.is_leaf] == leaves[tree.is_leaf]).all()
    root = int(np.flatnonzero(tree.parent < 0)[0])
    assert result.values[root] == leaves[tree.is_leaf].sum()


@settings(max_examples=60, deadline=None)
@given(cases(), st.integers(0, 2**32 - 1))
def test_adjustments_are_added_on_top_of_the_children(case: Case, seed: int) -> None:
    tree = case.tree
    rng = np.random.default_rng(seed)
    leaves = rng.integers(0, 10**9, tree.size)
    adjust = rng.integers(-1000, 1000, tree.size)
    result = roll_up(tree, leaves, manager_adjustment=adjust, level_uplift={0: 0.05})
    sums = children_sums(tree, result.values)
    for i in np.flatnonzero(~tree.is_leaf):
        lift = (int(sums[i]) * 500 + 5_000) // 10_000 if tree.level[i] == 0 else 0
        assert result.values[i] == sums[i] + lift + adjust[i]
