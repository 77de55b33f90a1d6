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

Every amount, bound and total may be anything with ``|x| <= MAX_AMOUNT`` (9.2 × 10¹⁸ minor
units). Groups whose sums could pass int64 are rounded in exact Python integers instead.

**House monotonicity.** Largest remainder keeps every member within one step of its exact
quota (``floor ≤ amount ≤ ceil`` of total × share at the granularity), which is what lets the
engine promise "within one rounding step of the ideal". By the Balinski–Young impossibility
theorem no method can both keep quota and be house-monotone, so raising a total can lower a
member (the Alabama paradox: weights 19, 6, 10 give 14, 5, 7 at 26 but 15, 4, 8 at 27). The
bound follows from the quota property: when a total rises, no member ever drops by more than
one granularity step, and the members that rise account for all of the increase plus the
steps lost. The planning property tests check this bound.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from quotaflow.planning._exact import (
    MAX_AMOUNT,
    UNBOUNDED,
    check_range,
    fits,
    magnitude,
    narrow,
    wide,
)
from quotaflow.planning._segments import (
    FloatArray,
    IndexArray,
    IntArray,
    greedy_fill,
    group_sum_int,
)
from quotaflow.planning.errors import InvalidInput, PlanningError

__all__ = ["MAX_AMOUNT", "UNBOUNDED", "largest_remainder_round", "round_within_groups"]

#: In int64 work, "no bound" becomes this: beyond every amount, yet safe to difference.
_FAST_UNBOUNDED = 2**61


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
    ideal = np.clip(ideal, -float(MAX_AMOUNT), float(MAX_AMOUNT))
    floored = np.floor(ideal / granularity)
    finite_lower = lower[lower > -UNBOUNDED]
    finite_upper = upper[upper < UNBOUNDED]
    biggest = max(
        magnitude(totals),
        magnitude(finite_lower),
        magnitude(finite_upper),
        int(np.abs(floored).max(initial=0.0)) * granularity,
        granularity,
    )
    step: Any
    if fits(group.size, biggest):
        # Everything is provably far from int64's edge: stay in fast int64 arithmetic.
        lo = np.where(lower <= -UNBOUNDED, -_FAST_UNBOUNDED, lower)
        hi = np.where(upper >= UNBOUNDED, _FAST_UNBOUNDED, upper)
        step, target = np.int64(granularity), totals.astype(np.int64)
        base = floored.astype(np.int64) * step
    else:
        lo, hi, step, target = wide(lower), wide(upper), granularity, wide(totals)
        base = np.array([int(v) * granularity for v in floored.tolist()], dtype=object)
    base = np.minimum(np.maximum(base, lo), hi)
    # A group without members (a parent that is a leaf) has nothing to hand out.
    target = np.where(np.bincount(group, minlength=n_groups) > 0, target, 0)
    need = target - group_sum_int(base, group, n_groups)
    remainder = np.clip((ideal - base.astype(np.float64)) / granularity, 0.0, 1.0)
    base = _spread_float_noise(base, ideal, group, need, remainder, step, lo, hi)
    need = target - group_sum_int(base, group, n_groups)
    # One float key sorts by group, then remainder, then position (stable sort); members
    # whose ideal is zero come last, so they get nothing while another member has room.
    # Remainders closer than ~1e-10 count as ties and fall to the tie-break order:
    # deterministic whatever float noise the shares carried.
    nothing = (ideal == 0) * 0.5
    largest_first = np.argsort(group * 2.0 + (1.0 - remainder) + nothing, kind="stable")
    base = _hand_out(base, largest_first, group, need, hi, step)

    need = target - group_sum_int(base, group, n_groups)
    if np.any(need < 0):
        smallest_first = np.argsort(group * 2.0 + remainder, kind="stable")
        base = _take_back(base, smallest_first, group, -need, lo)
        need = target - group_sum_int(base, group, n_groups)
    if np.any(need != 0):
        raise PlanningError("rounding could not reach the group totals within the bounds")
    return narrow(base, "a rounded amount")


def _spread_float_noise(
    base: Any,
    ideal: FloatArray,
    group: IndexArray,
    need: Any,
    remainder: FloatArray,
    step: Any,
    lower: Any,
    upper: Any,
) -> Any:
    """Spread the part of a shortfall that float noise caused, in proportion to the ideals.

    Largest remainder hands out at most one step per member with a remainder. Ideals of
    amounts near 10¹⁸ carry float error of many minor units, so the exact shortfall can be
    larger (or negative); that surplus goes to the members in proportion to their ideal
    amounts first, so that no member with a zero ideal ever picks it up.
    """
    n_groups = need.size
    with_remainder = np.bincount(group, weights=(remainder > 0), minlength=n_groups)
    allowance = np.asarray(with_remainder.astype(np.int64) * int(step), dtype=need.dtype)
    surplus = np.where(need > allowance, need - allowance, np.where(need < 0, need, 0))
    if not np.any(surplus != 0):
        return base
    weight = np.maximum(ideal, 0.0)
    total = np.bincount(group, weights=weight, minlength=n_groups)
    share = weight / np.where(total > 0, total, 1.0)[group]
    surplus_f = np.asarray(surplus, dtype=np.float64)[group]
    # Toward zero, so the spread never exceeds the surplus; the rest is rounded as usual.
    extra = np.trunc(surplus_f * share)
    if base.dtype == object:
        extra_i: Any = np.array([int(v) for v in extra.tolist()], dtype=object)
    else:
        extra_i = extra.astype(np.int64)
    return np.minimum(np.maximum(base + extra_i, lower), upper)


def _hand_out(
    base: IntArray,
    order: IndexArray,
    group: IndexArray,
    need: IntArray,
    upper: IntArray,
    step: Any,
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
    check_range([int(total)], "the total")
    order = np.argsort(keys, kind="stable")
    group = np.zeros(n, dtype=np.intp)
    totals = np.array([int(total)], dtype=np.int64)
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
    given = [int(b) for b in bound if b is not None]
    check_range(np.array(given, dtype=object), "a bound")
    out = np.array([default if b is None else int(b) for b in bound], dtype=np.int64)
    if out.size != n:
        raise InvalidInput(f"bounds have {out.size} entries for {n} values")
    return out
