"""Random trees and inputs for the planning property tests, plus independent checkers.

The checkers recompute sums from the raw arrays instead of trusting the engine's helpers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from quotaflow.planning import (
    Blend,
    Bounds,
    Equal,
    GrowthOnBaseline,
    HistoricalShare,
    LevelRule,
    Method,
    NodeData,
    Potential,
    Tree,
    build_tree,
)


@dataclass(frozen=True)
class Case:
    """A random tree with inputs, in one particular node order."""

    node_ids: np.ndarray
    parent_ids: np.ndarray
    history: np.ndarray
    potential: np.ndarray
    baseline: np.ndarray
    root_target: int
    rules: tuple[LevelRule, ...]

    @property
    def tree(self) -> Tree:
        return build_tree(self.node_ids, self.parent_ids)

    @property
    def data(self) -> NodeData:
        return NodeData(history=self.history, potential=self.potential, baseline=self.baseline)

    def permuted(self, permutation: np.ndarray) -> Case:
        """The same case with nodes listed in another order."""
        p = permutation
        return Case(
            self.node_ids[p],
            self.parent_ids[p],
            self.history[p],
            self.potential[p],
            self.baseline[p],
            self.root_target,
            self.rules,
        )


METHODS: st.SearchStrategy[Method] = st.sampled_from(
    [
        Equal(),
        HistoricalShare(),
        HistoricalShare(lookback=1),
        HistoricalShare(period_weights=(0.5, 0.3, 0.2), missing_history="zero"),
        Potential(),
        GrowthOnBaseline(growth=0.1),
        Blend(((HistoricalShare(lookback=2), 0.5), (Potential(), 0.3), (Equal(), 0.2))),
    ]
)


@st.composite
def level_rules(draw: st.DrawFn) -> LevelRule:
    return LevelRule(
        method=draw(METHODS),
        over_assignment=draw(st.sampled_from([0.0, 0.0, 0.05, 0.1, 0.123, 0.2])),
        granularity=draw(st.sampled_from([1, 1, 10, 100, 1000])),
    )


@st.composite
def cases(draw: st.DrawFn, max_nodes: int = 30) -> Case:
    """A random single-root tree with history, potential, baseline and level rules."""
    n = draw(st.integers(2, max_nodes))
    parent_pos = [-1] + [draw(st.integers(0, i - 1)) for i in range(1, n)]
    ids = np.array(draw(st.lists(st.integers(0, 10**6), min_size=n, max_size=n, unique=True)))
    parent_ids = np.array([-1 if p < 0 else ids[p] for p in parent_pos], dtype=np.int64)
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    history = rng.integers(0, 10**6, size=(n, 3)) * (rng.random((n, 1)) > 0.15)
    potential = rng.random(n) * (rng.random(n) > 0.1)
    baseline = rng.integers(0, 10**6, size=n)
    depth = _depth(parent_pos)
    rules = tuple(draw(level_rules()) for _ in range(max(depth - 1, 1)))
    root_target = draw(st.integers(0, 10**10))
    return Case(ids, parent_ids, history, potential, baseline, root_target, rules)


def _depth(parent_pos: list[int]) -> int:
    level = [0] * len(parent_pos)
    for i, p in enumerate(parent_pos):
        if p >= 0:
            level[i] = level[p] + 1
    return max(level) + 1


def random_bounds(case: Case, reference: np.ndarray, seed: int) -> Bounds:
    """Locks, floors and caps around a reference allocation (so most sets are feasible)."""
    rng = np.random.default_rng(seed)
    n = case.node_ids.size
    not_root = case.parent_ids >= 0
    is_locked = not_root & (rng.random(n) < 0.15)
    locked = (reference * rng.uniform(0.8, 1.2, n)).astype(np.int64)
    has_floor = not_root & (rng.random(n) < 0.2)
    floor = (reference * rng.uniform(0.7, 1.0, n)).astype(np.int64)
    has_cap = not_root & (rng.random(n) < 0.2)
    cap = (reference * rng.uniform(1.0, 1.3, n)).astype(np.int64)
    max_change = np.where(not_root & (rng.random(n) < 0.15), rng.uniform(0.0, 3.0, n), np.nan)
    return Bounds(
        locked=locked,
        is_locked=is_locked,
        floor=floor,
        has_floor=has_floor,
        cap=cap,
        has_cap=has_cap,
        max_change=max_change,
        baseline=np.maximum(case.baseline, reference),
    )


def children_sums(tree: Tree, values: np.ndarray) -> np.ndarray:
    """Σ children per node (shape ``(n,)``), computed naively from the parent index."""
    sums = np.zeros(tree.size, dtype=object)
    for i, p in enumerate(tree.parent):
        if p >= 0:
            sums[p] += int(values[i])
    return sums


def over_assigned_exact(amount: int, over_assignment: float) -> int:
    """Parent × (1 + o) with o in whole basis points, rounded half up — in Python ints."""
    bp = round(over_assignment * 10_000)
    return amount + (amount * bp + 5_000) // 10_000
