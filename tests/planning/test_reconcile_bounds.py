"""Every reconcile method keeps locks, floors and caps on every node, the root included."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quotaflow.planning import (
    Bounds,
    InfeasibleConstraints,
    ReconcileMethod,
    build_tree,
    reconcile,
    resolve_bounds,
    roll_up,
)

from .helpers import Case, cases, children_sums

IDS = np.array([1, 2, 3, 4, 5, 6, 7])
TREE = build_tree(IDS, [-1, 1, 1, 2, 2, 3, 3])
#                    1    2    3    4    5    6    7
TOP_DOWN = np.array([1000, 600, 400, 300, 300, 200, 200])
BOTTOM_UP = np.array([900, 500, 400, 200, 300, 200, 200])
ALL_METHODS: list[ReconcileMethod] = ["top_down_total", "keep_submitted", "blend", "least_squares"]


def test_a_lock_the_root_total_cannot_meet_is_reported_not_broken() -> None:
    # Keeping the top-down root total (1,000) is impossible with team 2 locked at 520 and
    # team 3 capped at 390: the method says so instead of breaking either bound.
    bounds = Bounds.from_mappings(IDS, locks={2: 520}, caps={3: 390})
    with pytest.raises(InfeasibleConstraints) as error:
        reconcile(TREE, TOP_DOWN, BOTTOM_UP, method="top_down_total", bounds=bounds)
    assert error.value.parent_id == 1 and error.value.amount == 1000


@pytest.mark.parametrize("method", ALL_METHODS)
def test_root_lock_is_kept_by_every_method(method: ReconcileMethod) -> None:
    bounds = Bounds.from_mappings(IDS, locks={1: 940})
    submitted = np.array([False, False, False, True, True, False, False])
    result = reconcile(TREE, TOP_DOWN, BOTTOM_UP, method=method, bounds=bounds, submitted=submitted)
    assert int(result.final[0]) == 940 and result.rule_of(1) == "lock"
    assert int(result.final[1] + result.final[2]) == 940


@pytest.mark.parametrize("method", ALL_METHODS)
def test_root_cap_is_kept_by_every_method(method: ReconcileMethod) -> None:
    bounds = Bounds.from_mappings(IDS, caps={1: 880})
    submitted = np.array([False, False, False, True, False, False, False])
    result = reconcile(TREE, TOP_DOWN, BOTTOM_UP, method=method, bounds=bounds, submitted=submitted)
    assert int(result.final[0]) <= 880
    if int(result.final[0]) == 880:
        assert result.rule_of(1) == "cap"


@pytest.mark.parametrize("method", ALL_METHODS)
def test_inner_lock_and_cap_are_kept_by_every_method(method: ReconcileMethod) -> None:
    bounds = Bounds.from_mappings(IDS, locks={2: 520}, caps={3: 480, 6: 300})
    submitted = np.array([False, False, False, False, False, False, True])
    result = reconcile(TREE, TOP_DOWN, BOTTOM_UP, method=method, bounds=bounds, submitted=submitted)
    f = dict(zip(IDS.tolist(), result.final.tolist(), strict=True))
    assert f[2] == 520 and f[3] <= 480 and f[6] <= 300
    assert f[1] == f[2] + f[3] and f[2] == f[4] + f[5] and f[3] == f[6] + f[7]


def test_keep_submitted_does_not_keep_a_submission_above_its_cap() -> None:
    # Rep 6 submitted 200 but is capped at 150: the cap (the plan owner's rule) wins.
    bounds = Bounds.from_mappings(IDS, caps={6: 150})
    submitted = np.array([False, False, False, False, False, True, True])
    result = reconcile(
        TREE, TOP_DOWN, BOTTOM_UP, method="keep_submitted", bounds=bounds, submitted=submitted
    )
    assert int(result.final[5]) <= 150 and result.rule_of(6) == "cap"
    assert int(result.final[6]) == 200 and result.rule_of(7) == "submitted"


def locks_everywhere(case: Case, seed: int, scale: int) -> tuple[np.ndarray, np.ndarray, Bounds]:
    tree = case.tree
    n = tree.size
    rng = np.random.default_rng(seed)
    leaves = rng.integers(0, scale, n)
    bottom_up = roll_up(tree, leaves).values
    top_down = roll_up(tree, (leaves * rng.uniform(0.5, 1.5, n)).astype(np.int64)).values
    middle = (top_down // 2 + bottom_up // 2).astype(np.int64)
    return (
        top_down,
        bottom_up,
        Bounds(
            locked=(middle * rng.uniform(0.9, 1.1, n)).astype(np.int64),
            is_locked=rng.random(n) < 0.2,
            cap=(np.maximum(top_down, bottom_up) * rng.uniform(0.8, 1.3, n)).astype(np.int64),
            has_cap=rng.random(n) < 0.3,
            floor=(np.minimum(top_down, bottom_up) * rng.uniform(0.5, 1.0, n)).astype(np.int64),
            has_floor=rng.random(n) < 0.2,
        ),
    )


@settings(max_examples=80, deadline=None)
@given(
    cases(max_nodes=18),
    st.integers(0, 2**32 - 1),
    st.sampled_from(ALL_METHODS),
    st.sampled_from([10**4, 10**9, 10**15, 10**17]),
)
def test_every_method_keeps_locks_and_bounds_on_every_node_at_every_size(
    case: Case, seed: int, method: ReconcileMethod, scale: int
) -> None:
    tree = case.tree
    top_down, bottom_up, bounds = locks_everywhere(case, seed, scale)
    submitted = np.random.default_rng(seed + 1).random(tree.size) < 0.5
    try:
        result = reconcile(
            tree, top_down, bottom_up, method=method, bounds=bounds, submitted=submitted
        )
    except InfeasibleConstraints:
        return
    final = result.final
    inner = ~tree.is_leaf
    assert (final[inner] == children_sums(tree, final)[inner] + result.unallocated[inner]).all()
    resolved = resolve_bounds(bounds, tree.node_ids)
    assert (final >= resolved.lower).all() and (final <= resolved.upper).all()
    locked = resolved.locked
    assert (final[locked] == resolved.lower[locked]).all()
    assert all(result.rule_of(int(i)) == "lock" for i in tree.node_ids[locked])
