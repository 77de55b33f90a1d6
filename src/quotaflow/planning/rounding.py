"""Largest-remainder rounding to a granularity, with exact totals and deterministic ties.

The engine computes ideal (float) amounts and turns them into published integers only here,
so that siblings always add up exactly to what they must.

Rules, in order:

1. Each ideal amount is rounded *down* to a multiple of the granularity and clipped into its
   integer bounds ``[lower, upper]``.
2. The shortfall against the group total is handed out one granularity step at a time to the
   members with the largest remainders. Equal remainders are broken by the caller's stable key
   (the node id in the cascade), never by array position, so the result does not depend on the
   order in which children are listed.
3. When the total is not a multiple of the granularity, the sub-granularity residual goes to
   the next member in that same largest-remainder order (so exactly one member of the group
   carries an amount that is not a multiple of the granularity).
4. A member never receives more than its upper bound; if whole steps do not fit, the rest is
   handed out in the same order up to each member's remaining room.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from quotaflow.planning._segments import (
    FloatArray,
    IndexArray,
    IntArray,
    greedy_fill,
    group_sum_int,
)
from quotaflow.planning.errors import InvalidInput, PlanningError

#: Stand-in for "no bound" in int64 bound arrays; far from overflow when differenced.
UNBOUNDED = np.int64(2**62)


def round_within_groups(
    ideal: FloatArray,
    group: IndexArray,
    totals: IntArray,
    *,
    granularity: int,
    lower: IntArray,
    upper: IntArray,
) -> IntArray:
    """Round ideal amounts so that each group sums exactly to its integer total.

    Args:
        ideal: shape ``(k,)`` float ideal amounts in minor units, each within its bounds and
            summing (up to float error) to its group's total.
        group: shape ``(k,)`` non-decreasing group index; within a group, members are in
            tie-break order (earlier wins a tie).
        totals: shape ``(n_groups,)`` int64 totals in minor units.
        granularity: rounding step in minor units (1, 100, 1000 …).
        lower, upper: shape ``(k,)`` int64 bounds (``±UNBOUNDED`` for none).

    Returns:
        Shape ``(k,)`` int64 amounts, within bounds, summing exactly to ``totals`` per group.

    Raises:
        PlanningError: the bounds make the totals unreachable (callers check feasibility
            first, so this signals a bug rather than bad input).
    """
    n_groups = totals.size
    step = np.int64(granularity)
    base = (np.floor(ideal / granularity).astype(np.int64) * step).clip(lower, upper)
    # A group without members (a parent that is a leaf) has nothing to hand out.
    totals = np.where(np.bincount(group, minlength=n_groups) > 0, totals, 0)
    need = totals - group_sum_int(base, group, n_groups)
    remainder = np.clip((ideal - base) / granularity, 0.0, 1.0)
    # One float key sorts by group, then remainder, then position (stable sort). Remainders
    # closer than ~1e-10 count as ties and fall to the tie-break order: deterministic
    # whatever float noise the shares carried.
    largest_first = np.argsort(group * 2.0 + (1.0 - remainder), kind="stable")
    base = _hand_out(base, largest_first, group, need, upper, step)

    need = totals - group_sum_int(base, group, n_groups)
    if np.any(need < 0):
        smallest_first = np.argsort(group * 2.0 + remainder, kind="stable")
        base = _take_back(base, smallest_first, group, -need, lower)
        need = totals - group_sum_int(base, group, n_groups)
    if np.any(need != 0):
        raise PlanningError("rounding could not reach the group totals within the bounds")
    return base


def _hand_out(
    base: IntArray,
    order: IndexArray,
    group: IndexArray,
    need: IntArray,
    upper: IntArray,
    step: np.int64,
) -> IntArray:
    """Add ``need`` (where positive) to ``base`` in ``order``: whole steps first, then room."""
    need = np.maximum(need, 0)
    grp = group[order]
    out = base.copy()
    room = upper[order] - out[order]
    first_pass = greedy_fill(np.minimum(room, step), grp, need)
    out[order] += first_pass
    left = need - group_sum_int(first_pass, grp, need.size)
    if np.any(left > 0):
        out[order] += greedy_fill(upper[order] - out[order], grp, left)
    return out


def _take_back(
    base: IntArray, order: IndexArray, group: IndexArray, excess: IntArray, lower: IntArray
) -> IntArray:
    """Remove ``excess`` per group from ``base`` in ``order``, never below ``lower``."""
    grp = group[order]
    out = base.copy()
    out[order] -= greedy_fill(out[order] - lower[order], grp, np.maximum(excess, 0))
    return out


def largest_remainder_round(
    values: ArrayLike,
    total: int,
    *,
    granularity: int = 1,
    tie_key: ArrayLike | None = None,
    lower: Sequence[int | None] | NDArray[np.int64] | None = None,
    upper: Sequence[int | None] | NDArray[np.int64] | None = None,
) -> IntArray:
    """Split an integer ``total`` in proportion to ``values``, exactly, at a granularity.

    Args:
        values: shape ``(n,)`` non-negative ideal amounts or weights. They are scaled to sum
            to ``total`` first (all zero means equal parts).
        total: the integer amount to split, in minor units.
        granularity: rounding step in minor units; if ``total`` is not a multiple of it, one
            member (the next in largest-remainder order) carries the residual.
        tie_key: shape ``(n,)`` stable keys (e.g. node ids) breaking equal remainders, lowest
            key first. Default: position.
        lower, upper: optional per-member integer bounds (``None`` entries for none). The
            ideal amounts are first water-filled into the bounds, then rounded within them.

    Returns:
        Shape ``(n,)`` int64 amounts in minor units summing exactly to ``total``.

    Raises:
        InvalidInput: negative or non-finite values, bad granularity, mismatched shapes.
        InfeasibleConstraints: the bounds cannot add up to ``total``.
    """
    from quotaflow.planning.constraints import check_group_feasibility, water_fill

    weights = np.asarray(values, dtype=np.float64).reshape(-1)
    n = weights.size
    _check_weights(weights)
    if granularity < 1:
        raise InvalidInput(
            f"granularity must be a positive number of minor units, got {granularity}"
        )
    keys = np.arange(n) if tie_key is None else np.asarray(tie_key).reshape(-1)
    if keys.size != n:
        raise InvalidInput(f"tie_key has {keys.size} entries for {n} values")
    lo = _bound_array(lower, n, -UNBOUNDED)
    hi = _bound_array(upper, n, UNBOUNDED)
    order = np.argsort(keys, kind="stable")
    group = np.zeros(n, dtype=np.intp)
    totals = np.array([total], dtype=np.int64)
    # Error messages name members by their key when it is an integer id, else by position.
    ids = keys[order].astype(np.int64) if np.issubdtype(keys.dtype, np.integer) else order
    check_group_feasibility(totals, group, lo[order], hi[order], ids, parent_ids=np.array([-1]))
    ideal = water_fill(weights[order], group, totals, lo[order], hi[order])
    rounded = round_within_groups(
        ideal, group, totals, granularity=granularity, lower=lo[order], upper=hi[order]
    )
    out = np.empty(n, dtype=np.int64)
    out[order] = rounded
    return out


def _check_weights(weights: FloatArray) -> None:
    bad = np.flatnonzero(~np.isfinite(weights) | (weights < 0))
    if bad.size:
        raise InvalidInput(
            f"values must be finite and non-negative; bad positions {bad[:10].tolist()}"
        )


def _bound_array(
    bound: Sequence[int | None] | NDArray[np.int64] | None, n: int, default: np.int64
) -> IntArray:
    if bound is None:
        return np.full(n, default, dtype=np.int64)
    out = np.array([default if b is None else int(b) for b in bound], dtype=np.int64)
    if out.size != n:
        raise InvalidInput(f"bounds have {out.size} entries for {n} values")
    return out
