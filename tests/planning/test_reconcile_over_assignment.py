"""Reconciliation keeps the cycle's over-assignment per level, for every method, whether
everyone, nobody or some have submitted, with and without locks, floors and caps."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quotaflow.planning import Bounds, InfeasibleConstraints, build_tree, resolve_bounds
from quotaflow.planning.allocation import Potential
from quotaflow.planning.cascade import LevelRule, cascade, under_assigned
from quotaflow.planning.reconcile import METHODS, ReconcileMethod, bottom_up_at_levels, reconcile

from .helpers import Case, cases, children_sums, over_assigned_exact

IDS = np.array([1, 2, 3, 4, 5, 6, 7])
TREE = build_tree(IDS, [-1, 1, 1, 2, 2, 3, 3])
#: Company 1,000,000 → regions 500,000 each; reps get 5 % on top: 262,500 each.
GUIDANCE = cascade(
    TREE, 1_000_000, [LevelRule(), LevelRule(over_assignment=0.05)], data=None
).targets
ALL_METHODS: list[ReconcileMethod] = list(METHODS)  # type: ignore[arg-type]
OVER = [0.0, 0.05]


def by_id(values: np.ndarray) -> dict[int, int]:
    return dict(zip(IDS.tolist(), np.asarray(values).tolist(), strict=True))


def test_the_guidance_itself_is_over_assigned() -> None:
    g = by_id(GUIDANCE)
    assert (g[1], g[2], g[3]) == (1_000_000, 500_000, 500_000)
    assert g[4] + g[5] == 525_000 and g[6] + g[7] == 525_000


@pytest.mark.parametrize("method", ALL_METHODS)
def test_every_method_keeps_the_over_assignment_of_each_level(method: ReconcileMethod) -> None:
    # The reps ask for 10 % more than guidance in the north, the same in the south.
    leaves = np.array([0, 0, 0, 288_750, 288_750, 262_500, 262_500])
    bottom_up = bottom_up_at_levels(TREE, leaves, OVER)
    assert by_id(bottom_up)[2] == 550_000 and by_id(bottom_up)[3] == 500_000
    submitted = np.array([False, False, False, True, True, False, False])
    result = reconcile(
        TREE, GUIDANCE, bottom_up, method=method, submitted=submitted, over_assignment=OVER
    )
    f = by_id(result.final)
    assert f[1] == f[2] + f[3]  # regions: no over-assignment
    assert f[4] + f[5] == over_assigned_exact(f[2], 0.05)
    assert f[6] + f[7] == over_assigned_exact(f[3], 0.05)
    assert not result.unallocated.any()
    assert result.explain(2)["over_assignment"] == 0.05
    assert result.explain(2)["allocated_to_children"] == f[4] + f[5]


@pytest.mark.parametrize("method", ALL_METHODS)
def test_submissions_equal_to_guidance_reconcile_to_the_guidance(method: ReconcileMethod) -> None:
    bottom_up = bottom_up_at_levels(TREE, GUIDANCE, OVER)
    assert np.array_equal(bottom_up, GUIDANCE)
    result = reconcile(TREE, GUIDANCE, bottom_up, method=method, over_assignment=OVER)
    assert np.array_equal(result.final, GUIDANCE)
    assert not result.gap.any()


def test_keep_submitted_when_everyone_submitted_keeps_every_submission() -> None:
    # Everyone submitted 1,100,000 worth of over-assigned quota (1,047,619.05 at company
    # level) against a company target of 1,000,000.
    leaves = np.array([0, 0, 0, 300_000, 250_000, 280_000, 270_000])
    bottom_up = bottom_up_at_levels(TREE, leaves, OVER)
    result = reconcile(TREE, GUIDANCE, bottom_up, method="keep_submitted", over_assignment=OVER)
    f = by_id(result.final)
    assert (f[4], f[5], f[6], f[7]) == (300_000, 250_000, 280_000, 270_000)
    assert f[2] == 523_810 and f[3] == 523_810  # 550,000 ÷ 1.05 rounded half up
    assert f[1] == 1_000_000  # the company target stays the top-down number
    u = by_id(result.unallocated)
    assert u[1] == 1_000_000 - 1_047_620  # committed beyond the target: shown, not spread
    assert u[2] == over_assigned_exact(523_810, 0.05) - 550_000  # 0: 550,000.5 rounds to it
    assert "47620 is committed beyond it" in result.explain(1)["summary"]
    assert result.rule_of(2) == "submitted" and result.rule_of(1) == "top_down_total"


def test_under_assigned_inverts_over_assigned() -> None:
    amounts = np.arange(0, 5_000, dtype=np.int64)
    for bp in (0, 500, 1_000, 1_234):
        grown = (amounts * (10_000 + bp) * 2 + 10_000) // 20_000
        assert np.array_equal(under_assigned(grown, bp), amounts)
    # Under-assignment maps several amounts to one total: one of them comes back.
    shrunk = (amounts * 9_000 * 2 + 10_000) // 20_000
    back = under_assigned(shrunk, -1_000)
    assert np.array_equal((back * 9_000 * 2 + 10_000) // 20_000, shrunk)


def random_inputs(
    case: Case, seed: int, pattern: str, over: list[float], with_bounds: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, Bounds | None]:
    tree = case.tree
    rng = np.random.default_rng(seed)
    splits = max(tree.depth - 1, 1)
    rules = [LevelRule(Potential(), over[min(lvl, len(over) - 1)]) for lvl in range(splits)]
    guidance = cascade(tree, case.root_target, rules, data=case.data).targets
    leaves = (guidance * rng.uniform(0.6, 1.4, tree.size)).astype(np.int64)
    if pattern == "everyone":
        submitted = tree.is_leaf.copy()
    elif pattern == "nobody":
        submitted = np.zeros(tree.size, dtype=np.bool_)
    else:
        submitted = tree.is_leaf & (rng.random(tree.size) < 0.5)
    leaves = np.where(submitted, leaves, guidance)  # who did not submit counts as guidance
    bottom_up = bottom_up_at_levels(tree, leaves, over)
    if not with_bounds:
        return guidance, bottom_up, submitted, None
    not_root = case.parent_ids >= 0
    n = tree.size
    middle = (guidance // 2 + bottom_up // 2).astype(np.int64)
    return (
        guidance,
        bottom_up,
        submitted,
        Bounds(
            locked=(middle * rng.uniform(0.9, 1.1, n)).astype(np.int64),
            is_locked=not_root & (rng.random(n) < 0.15),
            cap=(np.maximum(guidance, bottom_up) * rng.uniform(0.9, 1.3, n)).astype(np.int64),
            has_cap=not_root & (rng.random(n) < 0.25),
            floor=(np.minimum(guidance, bottom_up) * rng.uniform(0.5, 1.0, n)).astype(np.int64),
            has_floor=not_root & (rng.random(n) < 0.2),
        ),
    )


OVER_ASSIGNMENTS = st.sampled_from([[0.0], [0.05], [0.1, 0.05], [0.0, 0.0, 0.2], [-0.1, 0.05]])


@pytest.mark.parametrize("pattern", ["everyone", "nobody", "some"])
@pytest.mark.parametrize("method", ALL_METHODS)
@settings(max_examples=40, deadline=None)
@given(cases(max_nodes=16), st.integers(0, 2**32 - 1), OVER_ASSIGNMENTS, st.booleans())
def test_every_method_is_exact_for_every_submission_pattern_and_over_assignment(
    method: ReconcileMethod,
    pattern: str,
    case: Case,
    seed: int,
    over: list[float],
    with_bounds: bool,
) -> None:
    tree = case.tree
    guidance, bottom_up, submitted, bounds = random_inputs(case, seed, pattern, over, with_bounds)
    try:
        result = reconcile(
            tree,
            guidance,
            bottom_up,
            method=method,
            submitted=submitted,
            bounds=bounds,
            over_assignment=over,
        )
    except InfeasibleConstraints as error:
        # Only the plan owner's bounds, or kept submissions that leave the others less than
        # their floors (zero by default), can make it fail; the error names the parent and
        # the nodes whose bounds conflict, the kept submissions as such.
        kept = [c for c in error.conflicts if c.lower_source == "submitted"]
        assert bounds is not None or (method == "keep_submitted" and pattern == "some" and kept)
        assert error.conflicts
        named = {c.node_id for c in error.conflicts} | {error.parent_id}
        assert named & set(tree.node_ids.tolist())
        return
    final = result.final
    sums = children_sums(tree, final)
    inner = ~tree.is_leaf
    level_over = [over[min(lvl, len(over) - 1)] for lvl in range(tree.depth)]
    for i in np.flatnonzero(inner):
        expected = over_assigned_exact(int(final[i]), level_over[int(tree.level[i])])
        assert int(result.allocated[i]) == sums[i]
        # Children sum exactly to parent × (1 + the level's over-assignment), except what a
        # parent whose children all kept their submissions reports as unallocated.
        assert sums[i] + int(result.unallocated[i]) == expected
    rules = [result.rule_of(int(i)) for i in tree.node_ids]
    if method != "keep_submitted":
        assert not result.unallocated.any()
    else:
        for i in np.flatnonzero(result.unallocated):
            kids = np.flatnonzero(tree.parent == i)
            assert all(rules[k] in ("submitted", "lock") for k in kids)
            if rules[i] == "submitted":
                assert abs(int(result.unallocated[i])) <= 1  # rounding of ÷ (1 + OA)
        kept_leaves = [i for i in np.flatnonzero(tree.is_leaf) if rules[i] == "submitted"]
        assert all(final[i] == bottom_up[i] for i in kept_leaves)
        if bounds is None:
            assert set(kept_leaves) == set(np.flatnonzero(submitted).tolist())
    root = int(np.flatnonzero(tree.level == 0)[0])
    if method in ("top_down_total", "keep_submitted"):
        assert final[root] == guidance[root]
    if bounds is not None:
        resolved = resolve_bounds(bounds, tree.node_ids)
        assert (final >= resolved.lower).all() and (final <= resolved.upper).all()
        assert (final[resolved.locked] == resolved.lower[resolved.locked]).all()
    elif pattern == "nobody" and method != "least_squares" and min(over) >= 0:
        # nothing submitted: the guidance stands (under a negative over-assignment several
        # parent amounts give the same children's total, so a parent's bottom-up number
        # can be a minor unit off its guidance)
        assert np.array_equal(final, guidance)
