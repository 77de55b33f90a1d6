"""Segment (group-by) helpers over contiguous groups of siblings.

Throughout the engine a level of the tree is a flat array of children sorted by parent, and
``group`` (shape ``(k,)``, non-decreasing int) says which parent each child belongs to. These
helpers do the per-parent sums and scans without a Python loop per node.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from quotaflow.planning._exact import fits, magnitude, wide

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IndexArray = NDArray[np.intp]


def group_sum_int(values: IntArray, group: IndexArray, n_groups: int) -> IntArray:
    """Sum of ``values`` (shape ``(k,)``) per group; returns shape ``(n_groups,)``.

    Keeps the dtype: int64 (the caller proves the sums fit) or ``object`` (Python ints, exact).
    """
    out = np.zeros(n_groups, dtype=values.dtype if values.dtype == object else np.int64)
    np.add.at(out, group, values)
    return out


def group_sum_exact(values: IntArray, group: IndexArray, n_groups: int) -> NDArray[Any]:
    """Exact sum per group (shape ``(n_groups,)``): int64 when it provably fits, else Python ints."""
    if fits(values.size, magnitude(values)):
        return group_sum_int(values.astype(np.int64), group, n_groups)
    return group_sum_int(wide(values), group, n_groups)


def group_sum_float(values: FloatArray, group: IndexArray, n_groups: int) -> FloatArray:
    """Float sum of ``values`` (shape ``(k,)``) per group; returns shape ``(n_groups,)``."""
    return np.bincount(group, weights=values, minlength=n_groups).astype(np.float64)


def group_count(group: IndexArray, n_groups: int, mask: BoolArray | None = None) -> IntArray:
    """Number of members (optionally only where ``mask``) per group, shape ``(n_groups,)``."""
    if mask is None:
        return np.bincount(group, minlength=n_groups).astype(np.int64)
    return np.bincount(group, weights=mask.astype(np.float64), minlength=n_groups).astype(np.int64)


def exclusive_cumsum_within_groups(values: IntArray, group: IndexArray, n_groups: int) -> IntArray:
    """For each element, the sum of the earlier elements of its own group.

    ``group`` must be non-decreasing (members of a group contiguous). Shape ``(k,)``.
    """
    if values.size == 0:
        return np.zeros(0, dtype=values.dtype)
    inclusive = np.cumsum(values)
    exclusive = inclusive - values
    first = np.searchsorted(group, np.arange(n_groups), side="left")
    first = np.minimum(first, values.size - 1)
    return exclusive - exclusive[first][group]


def greedy_fill(capacity: IntArray, group: IndexArray, need: IntArray) -> IntArray:
    """Give each group's ``need`` to its members in array order, each up to its capacity.

    Args:
        capacity: shape ``(k,)``, non-negative int64, members sorted by group then priority.
        group: shape ``(k,)``, non-decreasing group index.
        need: shape ``(n_groups,)``, non-negative int64 amount each group must hand out.

    Returns:
        Shape ``(k,)`` int64 amounts taken by each member; per group they sum to
        ``min(need, total capacity)``.
    """
    n_groups = need.size
    # Capping capacity at the group's need keeps the running sums far from int64 overflow
    # even when a capacity is the "unbounded" sentinel.
    cap = np.minimum(capacity, need[group])
    before = exclusive_cumsum_within_groups(cap, group, n_groups)
    taken: IntArray = np.clip(need[group] - before, 0, cap)
    return taken
