"""Hybrid reconciliation: coherent, locks kept, bounds held, and each rule as documented."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quotaflow.planning import (
    RECONCILE_RULES,
    Bounds,
    InfeasibleConstraints,
    InvalidInput,
    LevelRule,
    Potential,
    ReconcileMethod,
    Reconciliation,
    build_tree,
    cascade,
    reconcile,
    resolve_bounds,
    roll_up,
    summing_matrix,
)

from .helpers import Case, cases, children_sums

IDS = np.array([1, 2, 3, 4, 5, 6, 7])
TREE = build_tree(IDS, [-1, 1, 1, 2, 2, 3, 3])
#                 1    2    3    4    5    6    7
TOP_DOWN = np.array([1000, 600, 400, 300, 300, 200, 200])
BOTTOM_UP = np.array([1100, 500, 600, 200, 300, 400, 200])


def final_by_id(result: Reconciliation) -> dict[int, int]:
    return dict(zip(IDS.tolist(), result.final.tolist(), strict=True))


def test_top_down_total_with_bottom_up_shares() -> None:
    result = reconcile(TREE, TOP_DOWN, BOTTOM_UP, method="top_down_total")
    f = final_by_id(result)
    # 1,000 shared 500 : 600 → 454.5 / 545.5; ties on .5 go to the lower id.
    assert (f[1], f[2], f[3]) == (1000, 455, 545)
    assert (f[4], f[5]) == (182, 273)  # 455 × 2/5, 455 × 3/5
    assert result.rule_of(1) == "top_down_total" and result.rule_of(4) == "bottom_up_share"
    assert result.gap.tolist() == (BOTTOM_UP - TOP_DOWN).tolist()


def test_blend_is_made_coherent() -> None:
    result = reconcile(TREE, TOP_DOWN, BOTTOM_UP, method="blend", top_down_weight=0.5)
    # Per node halfway: 1050, 550, 500, 250, 300, 300, 200 — already coherent here.
    assert result.final.tolist() == [1050, 550, 500, 250, 300, 300, 200]
    assert {result.rule_of(i) for i in IDS} == {"blend"}


def test_least_squares_without_bounds_matches_the_closed_form() -> None:
    result = reconcile(TREE, TOP_DOWN, BOTTOM_UP, method="least_squares")
    s, _ = summing_matrix(TREE)
    s = s.toarray()
    m = (TOP_DOWN + BOTTOM_UP) / 2
    leaves = np.linalg.solve(s.T @ s, s.T @ m)
    assert np.abs(result.final - s @ leaves).max() < 1.0


def test_least_squares_keeps_locks_and_caps() -> None:
    bounds = Bounds.from_mappings(IDS, locks={1: 1000, 4: 250}, caps={3: 450})
    result = reconcile(TREE, TOP_DOWN, BOTTOM_UP, method="least_squares", bounds=bounds)
    f = final_by_id(result)
    assert f[1] == 1000 and f[4] == 250 and f[3] <= 450
    assert f[1] == f[2] + f[3] and f[2] == f[4] + f[5] and f[3] == f[6] + f[7]
    assert result.rule_of(1) == "lock" and result.rule_of(4) == "lock"
    assert result.rule_of(3) == "cap"
    why = result.explain(5)
    assert why["top_down"] == 300 and why["bottom_up"] == 300 and why["rule"] == "least_squares"


def test_when_everyone_submitted_the_rest_is_unallocated_on_the_root() -> None:
    # Everyone submitted 1,100 against a top-down 1,000: every submission is kept, the root
    # keeps its top-down total and the 100 committed beyond it is reported, not spread.
    result = reconcile(TREE, TOP_DOWN, BOTTOM_UP, method="keep_submitted")
    assert result.final.tolist() == [1000, 500, 600, 200, 300, 400, 200]
    assert result.allocated[0] == 1100 and result.unallocated.tolist() == [-100, 0, 0, 0, 0, 0, 0]
    assert result.rule_of(1) == "top_down_total"
    assert {result.rule_of(i) for i in range(2, 8)} == {"submitted"}
    why = result.explain(1)
    assert why["unallocated"] == -100 and "100 is committed beyond it" in why["summary"]
    assert result.explain(4)["allocation"] is None  # set by the submission, not a split


def test_unknown_method_is_refused() -> None:
    with pytest.raises(InvalidInput):
        reconcile(TREE, TOP_DOWN, BOTTOM_UP, method="magic")  # type: ignore[arg-type]


def random_inputs(case: Case, seed: int) -> tuple[np.ndarray, np.ndarray, Bounds]:
    tree = case.tree
    rng = np.random.default_rng(seed)
    top_down = cascade(tree, case.root_target, LevelRule(Potential()), data=case.data).targets
    leaves = (top_down * rng.uniform(0.5, 1.5, tree.size)).astype(np.int64)
    bottom_up = roll_up(tree, leaves).values
    not_root = case.parent_ids >= 0
    is_locked = not_root & (rng.random(tree.size) < 0.1)
    has_cap = not_root & (rng.random(tree.size) < 0.2)
    bounds = Bounds(
        locked=top_down,
        is_locked=is_locked,
        cap=(np.maximum(top_down, bottom_up) * 1.1).astype(np.int64),
        has_cap=has_cap,
    )
    return top_down, bottom_up, bounds


@settings(max_examples=40, deadline=None)
@given(
    cases(max_nodes=14),
    st.integers(0, 2**32 - 1),
    st.sampled_from(["top_down_total", "keep_submitted", "blend", "least_squares"]),
)
def test_every_method_is_coherent_and_keeps_locks_and_bounds(
    case: Case, seed: int, method: ReconcileMethod
) -> None:
    tree = case.tree
    top_down, bottom_up, bounds = random_inputs(case, seed)
    submitted = np.random.default_rng(seed + 1).random(tree.size) < 0.5
    try:
        result = reconcile(
            tree,
            top_down,
            bottom_up,
            method=method,
            bounds=bounds,
            submitted=submitted,
        )
    except InfeasibleConstraints:
        return
    final = result.final
    sums = children_sums(tree, final)
    inner = ~tree.is_leaf
    # Coherent, but for what a parent whose children all kept their submissions (only
    # keep_submitted, e.g. when everyone submitted) reports as unallocated.
    assert (final[inner] == sums[inner] + result.unallocated[inner]).all()
    if method != "keep_submitted":
        assert not result.unallocated.any()
    resolved = resolve_bounds(bounds, tree.node_ids)
    not_root = case.parent_ids >= 0
    assert (final[not_root] >= resolved.lower[not_root]).all()
    assert (final[not_root] <= resolved.upper[not_root]).all()
    locked = np.asarray(bounds.is_locked) & not_root
    assert (final[locked] == top_down[locked]).all()
    root = int(np.flatnonzero(~not_root)[0])
    if method in ("top_down_total", "keep_submitted"):
        assert final[root] == top_down[root]
    assert set(RECONCILE_RULES[c] for c in result.rule) <= set(RECONCILE_RULES)
    again = reconcile(
        tree,
        top_down,
        bottom_up,
        method=method,
        bounds=bounds,
        submitted=submitted,
    )
    assert np.array_equal(again.final, final)


def test_least_squares_with_a_locked_root_matches_the_kkt_solution() -> None:
    bounds = Bounds.from_mappings(IDS, locks={1: 1000})
    result = reconcile(TREE, TOP_DOWN, BOTTOM_UP, method="least_squares", bounds=bounds)
    s, _ = summing_matrix(TREE)
    s = s.toarray()
    m = (TOP_DOWN + BOTTOM_UP) / 2
    # Stationarity and the root lock as one linear system: [SᵀS 1; 1ᵀ 0] [b; λ] = [Sᵀm; 1000].
    kkt = np.block([[s.T @ s, np.ones((4, 1))], [np.ones((1, 4)), np.zeros((1, 1))]])
    solution = np.linalg.solve(kkt, np.concatenate([s.T @ m, [1000.0]]))
    assert np.abs(result.final - s @ solution[:4]).max() <= 1.0
    assert result.final[0] == 1000


@settings(max_examples=40, deadline=None)
@given(
    cases(max_nodes=20),
    st.integers(0, 2**32 - 1),
    st.sampled_from(["top_down_total", "keep_submitted", "blend"]),
    st.randoms(use_true_random=False),
)
def test_reconciliation_does_not_depend_on_node_order(
    case: Case, seed: int, method: ReconcileMethod, rnd: random.Random
) -> None:
    top_down, bottom_up, bounds = random_inputs(case, seed)
    submitted = np.random.default_rng(seed + 1).random(case.node_ids.size) < 0.5
    p = np.array(rnd.sample(range(case.node_ids.size), case.node_ids.size))
    shuffled = case.permuted(p)
    shuffled_bounds = Bounds(
        locked=top_down[p],
        is_locked=np.asarray(bounds.is_locked)[p],
        cap=np.asarray(bounds.cap)[p],
        has_cap=np.asarray(bounds.has_cap)[p],
    )
    outcomes: list[object] = []
    for tree, td, bu, b, sub, ids in (
        (case.tree, top_down, bottom_up, bounds, submitted, case.node_ids),
        (
            shuffled.tree,
            top_down[p],
            bottom_up[p],
            shuffled_bounds,
            submitted[p],
            shuffled.node_ids,
        ),
    ):
        try:
            r = reconcile(tree, td, bu, method=method, bounds=b, submitted=sub)
            outcomes.append(
                {
                    int(i): (int(f), RECONCILE_RULES[c])
                    for i, f, c in zip(ids, r.final, r.rule, strict=True)
                }
            )
        except InfeasibleConstraints as error:
            outcomes.append(error.to_dict())
    assert outcomes[0] == outcomes[1]
