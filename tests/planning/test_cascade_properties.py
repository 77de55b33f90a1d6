"""Property tests of the cascade over random trees, inputs, rules and bounds."""

from __future__ import annotations

import random

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from quotaflow.planning import (
    UNBOUNDED,
    CascadeResult,
    InfeasibleConstraints,
    cascade,
    resolve_bounds,
)

from .helpers import Case, cases, children_sums, over_assigned_exact, random_bounds

SETTINGS = settings(max_examples=120, deadline=None)


def assert_exact_sums(case: Case, result: CascadeResult) -> None:
    """Every parent's children add up to parent × (1 + that level's over-assignment)."""
    tree = result.tree
    sums = children_sums(tree, result.targets)
    for i in np.flatnonzero(~tree.is_leaf):
        rule = case.rules[int(tree.level[i])]
        assert sums[i] == over_assigned_exact(int(result.targets[i]), rule.over_assignment)


def by_id(case: Case, values: np.ndarray) -> dict[int, int]:
    return dict(zip(case.node_ids.tolist(), values.tolist(), strict=True))


@SETTINGS
@given(cases())
def test_unconstrained_cascade_adds_up_exactly_at_every_level(case: Case) -> None:
    result = cascade(case.tree, case.root_target, case.rules, data=case.data)
    assert result.targets.dtype == np.int64
    assert_exact_sums(case, result)
    assert (result.targets >= 0).all()
    assert result.children_total_exact()


@SETTINGS
@given(cases(), st.integers(0, 2**32 - 1))
def test_locks_and_bounds_hold_or_the_error_is_true(case: Case, seed: int) -> None:
    reference = cascade(case.tree, case.root_target, case.rules, data=case.data).targets
    bounds = random_bounds(case, reference, seed)
    try:
        result = cascade(case.tree, case.root_target, case.rules, data=case.data, bounds=bounds)
    except InfeasibleConstraints as error:
        assert_error_is_true(error)
        return
    assert_exact_sums(case, result)
    resolved = resolve_bounds(bounds, case.tree.node_ids)
    not_root = case.parent_ids >= 0
    assert (result.targets[not_root] >= resolved.lower[not_root]).all()
    assert (result.targets[not_root] <= resolved.upper[not_root]).all()
    locked = np.asarray(bounds.is_locked) & not_root
    assert (result.targets[locked] == np.asarray(bounds.locked)[locked]).all()


def assert_error_is_true(error: InfeasibleConstraints) -> None:
    """The conflicting bounds really cannot add up to the amount they must split."""
    if error.reason == "floor_above_cap":
        head = error.conflicts[0]
        kids = error.conflicts[1:]
        assert head.lower is not None and head.upper is not None
        floors = sum(c.lower for c in kids if c.lower is not None)
        caps_open = any(c.upper is None for c in kids)
        caps = sum(c.upper for c in kids if c.upper is not None)
        # Either the node's own bounds cross, or its children's bounds cannot meet them.
        assert (
            head.lower > head.upper
            or floors > head.upper
            or (not caps_open and caps < head.lower)
            or (
                head.lower_source == "implied_by_children"
                or head.upper_source == "implied_by_children"
            )
        )
        return
    assert error.parent_id is not None and error.amount is not None
    lows = [c.lower for c in error.conflicts]
    highs = [c.upper for c in error.conflicts]
    if error.reason == "floors_exceed_amount":
        assert sum(x for x in lows if x is not None) > error.amount
    else:
        assert error.reason == "caps_below_amount"
        assert None not in highs and sum(highs) < error.amount  # type: ignore[arg-type]
    assert str(error.parent_id) in str(error)


@SETTINGS
@given(cases(), st.integers(0, 2**32 - 1), st.randoms(use_true_random=False))
def test_results_do_not_depend_on_the_order_of_children(
    case: Case, seed: int, rnd: random.Random
) -> None:
    reference = cascade(case.tree, case.root_target, case.rules, data=case.data).targets
    bounds = random_bounds(case, reference, seed)
    permutation = np.array(rnd.sample(range(case.node_ids.size), case.node_ids.size))
    shuffled = case.permuted(permutation)
    shuffled_bounds = random_bounds(shuffled, reference[permutation], seed)
    # Bounds are drawn per position, so draw them once and permute them with the nodes.
    shuffled_bounds = type(bounds)(
        **{
            name: (value[permutation] if isinstance(value, np.ndarray) else value)
            for name, value in vars(bounds).items()
        }
    )
    assert shuffled_bounds is not None
    outcomes: list[object] = []
    for c, b in ((case, bounds), (shuffled, shuffled_bounds)):
        try:
            r = cascade(c.tree, c.root_target, c.rules, data=c.data, bounds=b)
            outcomes.append(by_id(c, r.targets))
        except InfeasibleConstraints as error:
            outcomes.append(error.to_dict())
    assert outcomes[0] == outcomes[1]


@SETTINGS
@given(cases())
def test_cascade_is_deterministic(case: Case) -> None:
    first = cascade(case.tree, case.root_target, case.rules, data=case.data)
    second = cascade(case.tree, case.root_target, case.rules, data=case.data)
    assert np.array_equal(first.targets, second.targets)
    some_id = int(case.node_ids[-1])
    assert first.explain(some_id) == second.explain(some_id)


@SETTINGS
@given(cases())
def test_each_child_is_within_one_step_of_its_ideal_share(case: Case) -> None:
    result = cascade(case.tree, case.root_target, case.rules, data=case.data)
    tree, cols = result.tree, result.columns
    for pos in range(tree.level_start[1], tree.size):
        rule = case.rules[int(tree.level[tree.order[pos]]) - 1]
        target = result.targets[tree.order[pos]]
        # Largest remainder moves a child by less than one step from its ideal amount
        # (plus the sub-step residual when the total is not a multiple of the step).
        assert abs(target - cols.after_bounds[pos]) < 2 * rule.granularity + 1e-6 * max(1, target)


@SETTINGS
@given(cases())
def test_every_node_explains_itself_in_plain_data(case: Case) -> None:
    import json

    result = cascade(case.tree, case.root_target, case.rules, data=case.data)
    for node_id in case.node_ids[:5]:
        why = result.explain(int(node_id))
        json.dumps(why)
        assert why["target"] == result.target_of(int(node_id))
        if why["parent_id"] is not None:
            assert why["amount_split"] == over_assigned_exact(
                why["parent_target"], why["over_assignment"]
            )
            assert why["bound"]["upper"] is None or why["bound"]["upper"] < UNBOUNDED
