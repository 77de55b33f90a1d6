"""Locks, floors and caps, and the water-filling that makes an allocation respect them.

Relative bounds ("at most +20 % against baseline") are turned into absolute integer bounds
before anything is allocated: a relative change is resolved to whole basis points (0.01 %),
floors round up and caps round down to the minor unit, all in exact integer arithmetic.
Bounds, baselines and the sums of siblings' bounds are exact for every amount within
``±MAX_AMOUNT`` (9.2 × 10¹⁸ minor units); a bound outside it is an ``InvalidInput``.

By default every target has a floor of zero (a negative quota makes no sense); pass an
explicit floor to allow negative amounts. A lock wins over every other bound on its node.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from quotaflow.planning._exact import check_range, scale_exact
from quotaflow.planning._segments import (
    BoolArray,
    FloatArray,
    IndexArray,
    IntArray,
    group_count,
    group_sum_exact,
    group_sum_float,
)
from quotaflow.planning.errors import BoundConflict, InfeasibleConstraints, InvalidInput
from quotaflow.planning.rounding import UNBOUNDED

#: Names of the codes stored in ``ResolvedBounds.lower_source`` / ``upper_source``.
BOUND_SOURCES: tuple[str, ...] = (
    "none",
    "non_negative",
    "absolute",
    "relative_to_baseline",
    "lock",
    "implied_by_children",
)
(
    SOURCE_NONE,
    SOURCE_NON_NEGATIVE,
    SOURCE_ABSOLUTE,
    SOURCE_RELATIVE,
    SOURCE_LOCK,
    SOURCE_IMPLIED,
) = range(6)

BASIS_POINTS = 10_000


@dataclass(frozen=True)
class Bounds:
    """Per-node constraints, aligned with the tree's ``node_ids`` (shape ``(n,)`` each).

    Attributes:
        locked, is_locked: int64 fixed amounts (minor units) and where they apply.
        floor, has_floor: int64 absolute minimum amounts and where they apply.
        cap, has_cap: int64 absolute maximum amounts and where they apply.
        min_change, max_change: float fractions against the baseline (``-0.1`` = at most
            10 % below baseline, ``0.2`` = at most 20 % above); ``NaN`` = no bound. Resolved
            to whole basis points. Need ``baseline``.
        baseline: int64 baseline amounts in minor units (usually last period's actuals).
        non_negative: when true (default), nodes with no explicit floor get a floor of 0.

    A mask left as ``None`` while its values are given means the values apply to every node.
    Bounds on roots are not applied by ``cascade`` (roots take their given amounts).
    """

    locked: IntArray | None = None
    is_locked: BoolArray | None = None
    floor: IntArray | None = None
    has_floor: BoolArray | None = None
    cap: IntArray | None = None
    has_cap: BoolArray | None = None
    min_change: FloatArray | None = None
    max_change: FloatArray | None = None
    baseline: IntArray | None = None
    non_negative: bool = True

    @classmethod
    def from_mappings(
        cls,
        node_ids: ArrayLike,
        *,
        locks: Mapping[int, int] | None = None,
        floors: Mapping[int, int] | None = None,
        caps: Mapping[int, int] | None = None,
        min_change: Mapping[int, float] | None = None,
        max_change: Mapping[int, float] | None = None,
        baseline: Mapping[int, int] | None = None,
        non_negative: bool = True,
    ) -> Bounds:
        """Build bounds from ``{node_id: value}`` mappings (convenient for small trees).

        ``node_ids`` (shape ``(n,)``) fixes the array order; unknown ids raise ``InvalidInput``.
        """
        ids = np.asarray(node_ids, dtype=np.int64).reshape(-1)
        position = {int(node): i for i, node in enumerate(ids)}

        def ints(mapping: Mapping[int, int] | None) -> tuple[IntArray | None, BoolArray | None]:
            if mapping is None:
                return None, None
            values = np.zeros(ids.size, dtype=np.int64)
            mask = np.zeros(ids.size, dtype=np.bool_)
            for node, value in mapping.items():
                i = _position_of(position, node)
                check_range([int(value)], f"the bound on node {node}")
                values[i], mask[i] = int(value), True
            return values, mask

        def fractions(mapping: Mapping[int, float] | None) -> FloatArray | None:
            if mapping is None:
                return None
            values = np.full(ids.size, np.nan)
            for node, value in mapping.items():
                values[_position_of(position, node)] = float(value)
            return values

        locked, is_locked = ints(locks)
        floor, has_floor = ints(floors)
        cap, has_cap = ints(caps)
        base, _ = ints(baseline)
        return cls(
            locked=locked,
            is_locked=is_locked,
            floor=floor,
            has_floor=has_floor,
            cap=cap,
            has_cap=has_cap,
            min_change=fractions(min_change),
            max_change=fractions(max_change),
            baseline=base,
            non_negative=non_negative,
        )


def _position_of(position: Mapping[int, int], node: int) -> int:
    try:
        return position[int(node)]
    except KeyError:
        raise InvalidInput(f"unknown node id {node} in bounds") from None


@dataclass(frozen=True)
class ResolvedBounds:
    """Absolute integer bounds per node (shape ``(n,)`` each, minor units).

    ``lower``/``upper`` hold ``-UNBOUNDED``/``UNBOUNDED`` where there is no bound;
    ``lower_source``/``upper_source`` index ``BOUND_SOURCES``.
    """

    lower: IntArray
    upper: IntArray
    lower_source: NDArray[np.int8]
    upper_source: NDArray[np.int8]
    locked: BoolArray


def resolve_bounds(bounds: Bounds | None, node_ids: IntArray) -> ResolvedBounds:
    """Turn ``Bounds`` into absolute integer bounds aligned with ``node_ids`` (shape ``(n,)``).

    Raises:
        InvalidInput: arrays of the wrong shape, relative bounds without a baseline.
        InfeasibleConstraints: a node whose floor is above its cap (locks excepted).
    """
    n = node_ids.size
    b = bounds or Bounds()
    lower = np.full(n, -UNBOUNDED, dtype=np.int64)
    upper = np.full(n, UNBOUNDED, dtype=np.int64)
    lower_source = np.zeros(n, dtype=np.int8)
    upper_source = np.zeros(n, dtype=np.int8)

    def tighten_lower(values: IntArray, mask: BoolArray, source: int) -> None:
        take = mask & (values > lower)
        lower[take], lower_source[take] = values[take], source

    def tighten_upper(values: IntArray, mask: BoolArray, source: int) -> None:
        take = mask & (values < upper)
        upper[take], upper_source[take] = values[take], source

    if b.floor is not None:
        tighten_lower(
            _ints(b.floor, n, "floor"), _mask(b.has_floor, n, "has_floor"), SOURCE_ABSOLUTE
        )
    if b.cap is not None:
        tighten_upper(_ints(b.cap, n, "cap"), _mask(b.has_cap, n, "has_cap"), SOURCE_ABSOLUTE)
    if b.min_change is not None or b.max_change is not None:
        if b.baseline is None:
            raise InvalidInput("min_change/max_change need a baseline")
        baseline = _ints(b.baseline, n, "baseline")
        if b.min_change is not None:
            rel, mask = _relative(baseline, b.min_change, n, round_up=True)
            tighten_lower(rel, mask, SOURCE_RELATIVE)
        if b.max_change is not None:
            rel, mask = _relative(baseline, b.max_change, n, round_up=False)
            tighten_upper(rel, mask, SOURCE_RELATIVE)
    if b.non_negative:
        default = lower_source == SOURCE_NONE
        lower[default], lower_source[default] = 0, SOURCE_NON_NEGATIVE

    locked = np.zeros(n, dtype=np.bool_)
    if b.locked is not None:
        locked = _mask(b.is_locked, n, "is_locked").copy()
        values = _ints(b.locked, n, "locked")
        lower[locked], upper[locked] = values[locked], values[locked]
        lower_source[locked], upper_source[locked] = SOURCE_LOCK, SOURCE_LOCK

    crossed = np.flatnonzero(lower > upper)
    crossed = crossed[np.argsort(node_ids[crossed], kind="stable")]
    if crossed.size:
        raise InfeasibleConstraints(
            reason="floor_above_cap",
            conflicts=[
                bound_conflict(int(node_ids[i]), lower[i], upper[i], False) for i in crossed
            ],
        )
    return ResolvedBounds(lower, upper, lower_source, upper_source, locked)


def _relative(
    baseline: IntArray, change: FloatArray, n: int, *, round_up: bool
) -> tuple[IntArray, BoolArray]:
    """Exact ``baseline · (1 + change)`` with change resolved to basis points."""
    change = np.asarray(change, dtype=np.float64).reshape(-1)
    if change.size != n:
        raise InvalidInput(f"relative bounds have {change.size} entries for {n} nodes")
    mask = ~np.isnan(change)
    if (
        not np.isfinite(change[mask]).all()
        or (change[mask] <= -1e6).any()
        or (change[mask] >= 1e6).any()
    ):
        raise InvalidInput("relative bounds must be finite fractions (0.2 = +20 %)")
    bp = np.where(mask, np.rint(np.nan_to_num(change) * BASIS_POINTS), 0).astype(np.int64)
    # baseline · (1 + bp/10 000) = baseline · (10 000 + bp) / 10 000, rounded exactly.
    bounded = scale_exact(
        np.where(mask, baseline, 0),
        BASIS_POINTS + bp,
        BASIS_POINTS,
        rounding="ceil" if round_up else "floor",
        what="a relative bound (baseline × (1 + change))",
    )
    return bounded, mask


def _ints(values: ArrayLike, n: int, name: str) -> IntArray:
    try:
        exact = np.asarray(values)
        if exact.dtype == object or not np.issubdtype(exact.dtype, np.integer):
            exact = np.array([int(v) for v in exact.reshape(-1).tolist()], dtype=object)
        check_range(exact, f"{name}")
        out = np.asarray(exact, dtype=np.int64).reshape(-1)
    except (OverflowError, TypeError, ValueError):
        raise InvalidInput(f"{name} must be whole minor units") from None
    if out.size != n:
        raise InvalidInput(f"{name} has {out.size} entries for {n} nodes")
    return out


def _mask(values: ArrayLike | None, n: int, name: str) -> BoolArray:
    if values is None:
        return np.ones(n, dtype=np.bool_)
    out = np.asarray(values, dtype=np.bool_).reshape(-1)
    if out.size != n:
        raise InvalidInput(f"{name} has {out.size} entries for {n} nodes")
    return out


def bound_conflict(
    node_id: int,
    lower: np.int64,
    upper: np.int64,
    locked: bool,
    lower_source: int = SOURCE_ABSOLUTE,
    upper_source: int = SOURCE_ABSOLUTE,
) -> BoundConflict:
    """A ``BoundConflict`` from int64 bounds (``±UNBOUNDED`` → ``None``) and source codes."""
    return BoundConflict(
        node_id=node_id,
        lower=None if lower <= -UNBOUNDED else int(lower),
        upper=None if upper >= UNBOUNDED else int(upper),
        locked=locked,
        lower_source=BOUND_SOURCES[lower_source],
        upper_source=BOUND_SOURCES[upper_source],
    )


def check_group_feasibility(
    totals: IntArray,
    group: IndexArray,
    lower: IntArray,
    upper: IntArray,
    child_ids: IntArray,
    *,
    parent_ids: IntArray,
    sources: tuple[NDArray[np.int8], NDArray[np.int8]] | None = None,
) -> None:
    """Raise if some group's bounds cannot add up to its total.

    Args:
        totals: shape ``(n_groups,)`` amounts to split (minor units).
        group: shape ``(k,)`` non-decreasing group of each child.
        lower, upper: shape ``(k,)`` int64 bounds (``±UNBOUNDED`` for none).
        child_ids: shape ``(k,)`` node ids, for the error message.
        parent_ids: shape ``(n_groups,)`` node id of each group's parent.
        sources: optional ``(lower_source, upper_source)`` codes (shape ``(k,)``) so that
            the error can say where each bound came from.

    Raises:
        InfeasibleConstraints: naming the first offending parent (in group order, which for
            the cascade is the canonical tree order), its amount, its children's bounds,
            and how many other parents fail too.
    """
    n_groups = totals.size
    members = group_count(group, n_groups)
    # Exact integer sums: one unit of infeasibility is caught at any size.
    no_floor = group_count(group, n_groups, lower <= -UNBOUNDED) > 0
    no_cap = group_count(group, n_groups, upper >= UNBOUNDED) > 0
    floor_sum = group_sum_exact(np.where(lower <= -UNBOUNDED, 0, lower), group, n_groups)
    cap_sum = group_sum_exact(np.where(upper >= UNBOUNDED, 0, upper), group, n_groups)
    too_low = ~no_floor & (floor_sum > totals) & (members > 0)
    too_high = ~no_cap & (cap_sum < totals) & (members > 0)
    bad = np.flatnonzero(too_low | too_high)
    if bad.size == 0:
        return
    g = int(bad[0])
    kids = np.flatnonzero(group == g)
    raise InfeasibleConstraints(
        reason="floors_exceed_amount" if too_low[g] else "caps_below_amount",
        parent_id=int(parent_ids[g]),
        amount=int(totals[g]),
        other_parents=int(bad.size - 1),
        conflicts=[
            bound_conflict(
                int(child_ids[i]),
                lower[i],
                upper[i],
                bool(lower[i] == upper[i]),
                *((int(sources[0][i]), int(sources[1][i])) if sources else ()),
            )
            for i in kids
        ],
    )


@dataclass(frozen=True)
class WaterFill:
    """Outcome of ``water_fill_detailed`` (shapes ``(k,)`` / ``(n_groups,)``)."""

    amounts: FloatArray
    at_lower: BoolArray
    at_upper: BoolArray
    equal_fallback: BoolArray


def water_fill(
    weights: FloatArray, group: IndexArray, totals: IntArray, lower: IntArray, upper: IntArray
) -> FloatArray:
    """Ideal float amounts: ``totals`` split by ``weights`` per group, within the bounds.

    See ``water_fill_detailed``; this returns only the amounts, shape ``(k,)``.
    """
    return water_fill_detailed(weights, group, totals, lower, upper).amounts


def water_fill_detailed(
    weights: FloatArray,
    group: IndexArray,
    totals: IntArray,
    lower: IntArray,
    upper: IntArray,
) -> WaterFill:
    """Split each group's total in proportion to weights, clipping to bounds and re-spreading.

    Finds, per group, the scale ``t`` with ``Σ clip(t·wᵢ, lowerᵢ, upperᵢ) = total`` — the
    fixed point of "clip to bounds, fix the clipped, spread the remainder over the free" — for
    all groups of a level at once. Each round fixes only the side (floors or caps) whose total
    violation is larger: that side is certain to stay clipped at the solution, so the loop
    never has to undo a fix and ends after at most one round per child.

    A group whose free children all have zero weight spreads its remainder equally over them
    (``equal_fallback``). Feasibility must have been checked (``check_group_feasibility``).

    Args:
        weights: shape ``(k,)`` non-negative floats.
        group: shape ``(k,)`` non-decreasing group index.
        totals: shape ``(n_groups,)`` int64 amounts in minor units.
        lower, upper: shape ``(k,)`` int64 bounds (``±UNBOUNDED`` for none).
    """
    n_groups = totals.size
    lo = np.where(lower <= -UNBOUNDED, -np.inf, lower.astype(np.float64))
    hi = np.where(upper >= UNBOUNDED, np.inf, upper.astype(np.float64))
    fixed = lo == hi
    amounts = np.where(fixed, lo, 0.0)
    at_lower = np.zeros(weights.size, dtype=np.bool_)
    at_upper = np.zeros(weights.size, dtype=np.bool_)
    equal_fallback = np.zeros(n_groups, dtype=np.bool_)
    for _ in range(weights.size + 1):
        free = ~fixed
        remaining = totals - group_sum_float(np.where(fixed, amounts, 0.0), group, n_groups)
        free_weight = group_sum_float(np.where(free, weights, 0.0), group, n_groups)
        equal_fallback = (free_weight <= 0) & (group_count(group, n_groups, free) > 0)
        eff_weight = np.where(equal_fallback[group], 1.0, weights)
        eff_total = np.where(
            equal_fallback, group_count(group, n_groups, free).astype(np.float64), free_weight
        )
        # Share first, then amount: dividing weight by weight stays finite even for tiny weights.
        safe_total = np.where(eff_total > 0, eff_total, 1.0)
        candidate = remaining[group] * (eff_weight / safe_total[group])
        over = free & (candidate > hi)
        under = free & (candidate < lo)
        if not (over.any() or under.any()):
            amounts = np.where(free, candidate, amounts)
            break
        over_by = group_sum_float(np.where(over, candidate - hi, 0.0), group, n_groups)
        under_by = group_sum_float(np.where(under, lo - candidate, 0.0), group, n_groups)
        fix_upper = over & (over_by >= under_by)[group]
        fix_lower = under & (under_by >= over_by)[group]
        amounts = np.where(fix_upper, hi, np.where(fix_lower, lo, amounts))
        at_upper |= fix_upper
        at_lower |= fix_lower
        fixed |= fix_upper | fix_lower
    return WaterFill(np.clip(amounts, lo, hi), at_lower, at_upper, equal_fallback)
