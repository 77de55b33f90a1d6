"""Multi-level top-down cascade over a whole tree, vectorised level by level.

For each level, every parent's amount is multiplied by the level's over-assignment (exact,
in integers), shared among its children by the level's method, pushed into the children's
locks, floors and caps by water-filling, and rounded by largest remainder at the level's
granularity. The work per level is a handful of array operations over all the level's
children at once; there is no Python loop per node.

Amounts may be anything within ``±MAX_AMOUNT`` (9.2 × 10¹⁸ minor units): over-assignment,
implied bounds (sums of siblings' caps and floors) and feasibility checks are exact integers
at every size, and an amount that would leave the range is an ``InvalidInput``.
``round_to_tree`` turns coherent float amounts (the least-squares optimum) into integers with
the same guarantees.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from quotaflow.planning._exact import (
    FAST_LIMIT,
    MAX_AMOUNT,
    check_range,
    magnitude,
    scale_exact,
    wide,
)
from quotaflow.planning._segments import (
    BoolArray,
    FloatArray,
    IndexArray,
    IntArray,
    group_sum_exact,
)
from quotaflow.planning.allocation import (
    FALLBACKS,
    Blend,
    Capacity,
    Equal,
    GrowthOnBaseline,
    HistoricalShare,
    Level,
    Method,
    NodeData,
    Potential,
    method_from_dict,
)
from quotaflow.planning.constraints import (
    BASIS_POINTS,
    BOUND_SOURCES,
    SOURCE_IMPLIED,
    Bounds,
    ResolvedBounds,
    bound_conflict,
    check_group_feasibility,
    resolve_bounds,
    water_fill_detailed,
)
from quotaflow.planning.errors import BoundConflict, InfeasibleConstraints, InvalidInput, listing
from quotaflow.planning.explain import AmountText, BoundInfo, Derivation, minor_units
from quotaflow.planning.rounding import UNBOUNDED, round_within_groups
from quotaflow.planning.tree import Tree

#: Names of the codes stored per node in ``CascadeResult.binding``.
BINDINGS: tuple[str, ...] = ("none", "lock", "floor", "cap")
BIND_NONE, BIND_LOCK, BIND_FLOOR, BIND_CAP = range(4)
#: Extra fallback code: the free siblings had zero weight, so the remainder was spread equally.
FALLBACK_NAMES: tuple[str, ...] = (*FALLBACKS, "equal_spread_of_remainder")
FALLBACK_EQUAL_REMAINDER = len(FALLBACKS)


@dataclass(frozen=True)
class LevelRule:
    """How the parents of one level split their amounts among their children.

    Attributes:
        method: the allocation method (``Equal()``, ``HistoricalShare(...)``, ``Blend(...)``…).
        over_assignment: fraction added on top of each parent's amount before splitting
            (``0.1``: children sum to parent × 1.10), resolved to whole basis points; the
            product is rounded half up to the minor unit.
        granularity: rounding step of the children's amounts, in minor units.
    """

    method: Method = field(default_factory=Equal)
    over_assignment: float = 0.0
    granularity: int = 1

    def __post_init__(self) -> None:
        if not isinstance(self.granularity, int | np.integer) or self.granularity < 1:
            raise InvalidInput(f"granularity must be a positive integer, got {self.granularity}")
        if not np.isfinite(self.over_assignment) or self.over_assignment <= -1:
            raise InvalidInput(f"over_assignment must be above -100 %, got {self.over_assignment}")

    @property
    def over_assignment_bp(self) -> int:
        """Over-assignment in whole basis points."""
        return int(round(self.over_assignment * BASIS_POINTS))

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return {
            "method": self.method.to_dict(),
            "over_assignment": self.over_assignment_bp / BASIS_POINTS,
            "granularity": int(self.granularity),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LevelRule:
        """Rebuild a rule from its ``to_dict()`` form."""
        return cls(
            method=method_from_dict(data["method"]),
            over_assignment=float(data.get("over_assignment", 0.0)),
            granularity=int(data.get("granularity", 1)),
        )


def over_assigned(amounts: IntArray, basis_points: int) -> IntArray:
    """``amounts × (1 + bp/10 000)`` rounded half up to the minor unit, exactly (shape kept).

    Raises:
        InvalidInput: a result outside ``±MAX_AMOUNT``.
    """
    if basis_points == 0:
        return np.asarray(amounts, dtype=np.int64).copy()
    return scale_exact(
        amounts,
        BASIS_POINTS + basis_points,
        BASIS_POINTS,
        rounding="half_up",
        what="an amount with over-assignment",
    )


def under_assigned(totals: IntArray, basis_points: int) -> IntArray:
    """The parent amounts whose over-assignment the children's ``totals`` fill (shape kept).

    ``totals ÷ (1 + bp/10 000)`` rounded half up to the minor unit, exactly: the inverse of
    ``over_assigned``. Whenever some amount ``A`` has ``over_assigned(A) == total`` this is
    such an ``A`` (the only one when ``bp >= 0``); otherwise (about one total in
    ``10 000 / bp`` is skipped by the rounding of ``over_assigned``) it is the nearest amount,
    whose over-assignment is one minor unit off the total.
    """
    if basis_points == 0:
        return np.asarray(totals, dtype=np.int64).copy()
    return scale_exact(
        totals,
        BASIS_POINTS,
        BASIS_POINTS + basis_points,
        rounding="half_up",
        what="an amount without over-assignment",
    )


@dataclass(frozen=True, eq=False)
class CascadeColumns:
    """Per-node derivation columns in canonical order (shape ``(n,)`` each)."""

    share: FloatArray
    unconstrained: FloatArray
    after_bounds: FloatArray
    binding: np.ndarray[Any, np.dtype[np.int8]]
    fallback: np.ndarray[Any, np.dtype[np.int8]]
    amount_split: IntArray
    components: dict[int, tuple[FloatArray, ...]]


@dataclass(frozen=True, eq=False)
class CascadeResult:
    """Targets of every node and how they were derived.

    Attributes:
        tree: the tree.
        targets: shape ``(n,)`` int64 targets in minor units, in the caller's node order.
        rules: the rule used below each level (``rules[l]`` splits level ``l`` parents).
        data, bounds, columns: inputs and derivation columns in canonical order.
    """

    tree: Tree
    targets: IntArray
    rules: tuple[LevelRule, ...]
    data: NodeData
    bounds: ResolvedBounds
    columns: CascadeColumns

    def target_of(self, node_id: int) -> int:
        """The target of one node, in minor units."""
        return int(self.targets[self.tree.position_of([node_id])[0]])

    def children_total_exact(self) -> bool:
        """True when every parent's children sum to its amount × (1 + over-assignment)."""
        tree = self.tree
        canon = self.targets[tree.order]
        for lvl in range(1, tree.depth):
            group, _ = tree.children_groups(lvl)
            parents = canon[tree.level_slice(lvl - 1)]
            sums = np.zeros(parents.size, dtype=np.int64)
            np.add.at(sums, group, canon[tree.level_slice(lvl)])
            has_kids = np.bincount(group, minlength=parents.size) > 0
            expected = over_assigned(parents, self.rules[lvl - 1].over_assignment_bp)
            if not np.array_equal(sums[has_kids], expected[has_kids]):
                return False
        return True

    def derivation(self, node_id: int, amount_text: AmountText = minor_units) -> Derivation:
        """The ``Derivation`` of one node; its summary writes amounts with ``amount_text``."""
        return _derive(self, node_id, amount_text)

    def explain(self, node_id: int, amount_text: AmountText = minor_units) -> dict[str, Any]:
        """Plain-data answer to "why is my number X?" for one node (amounts in minor
        units; the summary writes them with ``amount_text``)."""
        return self.derivation(node_id, amount_text).to_dict()


def cascade(
    tree: Tree,
    root_targets: int | Mapping[int, int],
    rules: LevelRule | Sequence[LevelRule],
    *,
    data: NodeData | None = None,
    bounds: Bounds | None = None,
) -> CascadeResult:
    """Cascade root targets down the whole tree.

    Args:
        tree: the organisation tree.
        root_targets: the root's target (minor units) or ``{root_id: target}`` for a forest.
            Roots take these amounts as given; bounds on roots are not applied.
        rules: one ``LevelRule`` for every level, or a sequence where ``rules[l]`` splits the
            nodes of level ``l`` among their children (length at least ``tree.depth - 1``).
        data: per-node inputs for the methods, aligned with ``tree.node_ids``.
        bounds: locks, floors and caps, aligned with ``tree.node_ids``.

    Returns:
        A ``CascadeResult`` whose targets (shape ``(n,)`` int64) add up exactly at every
        level: each parent's children sum to its target × (1 + that level's over-assignment).

    Raises:
        InvalidInput: malformed inputs, missing data for a method, missing rules or roots.
        InfeasibleConstraints: a parent whose children's bounds cannot add up to its amount.
    """
    level_rules = _rules_per_level(rules, tree.depth)
    node_data = data or NodeData()
    node_data.validate(tree.size)
    canon_data = node_data.reordered(tree.order)
    resolved = resolve_bounds(bounds, tree.node_ids)
    canon_bounds = implied_bounds(tree, _reorder_bounds(resolved, tree), level_rules)
    ids = tree.canonical_ids

    def allocate(lvl: int, amount: IntArray, columns: CascadeColumns) -> None:
        rule = level_rules[lvl - 1]
        _allocate_level(tree, lvl, rule, canon_data, canon_bounds, ids, amount, columns)

    targets, columns = _split_level_by_level(tree, root_targets, allocate)
    return CascadeResult(tree, targets, level_rules, canon_data, canon_bounds, columns)


def round_to_tree(
    tree: Tree,
    ideal: ArrayLike,
    root_amount: int,
    *,
    granularity: int = 1,
    bounds: Bounds | None = None,
    over_assignment: float | Sequence[float] = 0.0,
) -> CascadeResult:
    """Exact integer targets from coherent float amounts, keeping every lock and bound.

    Level by level, each parent's integer amount is split among its children by
    largest-remainder rounding of the children's own ideal amounts (clipped into their
    bounds), not of rescaled shares. When ``ideal`` is coherent and within the bounds and the
    root amount is within one step of the root's ideal, every node then lands within one
    granularity step of its ideal: the children's ideals add up to the parent's, so the
    shortfall against an integer parent that is less than a step away is less than one step
    per child that has a remainder, and each child moves by at most one step. Bounds hold by
    construction (amounts are clipped into them, steps go only where there is room), and
    every parent's amount lies within what its children's bounds can add up to
    (``implied_bounds``), so no split is ever infeasible once the root is.

    With over-assignment, "coherent" means each parent's children's ideals add up to the
    parent's ideal × (1 + that level's over-assignment), and each parent's integer amount is
    over-assigned (exactly, ``over_assigned``) before it is split: the children then sum to
    it exactly, and a parent's rounding step grows by its over-assignment on the way down
    (an only child lands within (1 + OA) steps plus half a minor unit of its ideal).

    Args:
        tree: the tree (one root).
        ideal: shape ``(n,)`` float amounts in minor units, caller's order.
        root_amount: the root's integer amount (minor units).
        granularity: rounding step below the root (minor units).
        bounds: locks, floors and caps, aligned with ``tree.node_ids``.
        over_assignment: fraction added on top of each parent before its split, one for every
            level or ``over_assignment[l]`` for the parents of level ``l``.

    Returns:
        A ``CascadeResult`` (method ``potential`` with the ideal amounts as the potential).
    """
    values = np.asarray(ideal, dtype=np.float64).reshape(-1)
    if values.size != tree.size or not np.isfinite(values).all():
        raise InvalidInput(f"ideal amounts must be {tree.size} finite numbers")
    level_rules = potential_rules(tree.depth, over_assignment, granularity)
    canon_data = NodeData(potential=np.maximum(values, 0.0)).reordered(tree.order)
    resolved = resolve_bounds(bounds, tree.node_ids)
    canon_bounds = implied_bounds(tree, _reorder_bounds(resolved, tree), level_rules)
    canon_ideal = values[tree.order]

    def round_level(lvl: int, amount: IntArray, columns: CascadeColumns) -> None:
        _round_level(tree, lvl, level_rules[lvl - 1], canon_ideal, canon_bounds, amount, columns)

    targets, columns = _split_level_by_level(tree, root_amount, round_level)
    return CascadeResult(tree, targets, level_rules, canon_data, canon_bounds, columns)


def _split_level_by_level(
    tree: Tree,
    root_targets: int | Mapping[int, int],
    split_level: Callable[[int, IntArray, CascadeColumns], None],
) -> tuple[IntArray, CascadeColumns]:
    """Integer amounts from the roots down: the roots get ``root_targets``, then
    ``split_level(lvl, amount, columns)`` fills level ``lvl`` (1, 2, …) of the canonical
    ``amount`` (shape ``(n,)`` int64 minor units) and ``columns`` from the level above.

    Returns:
        The amounts in the caller's order (shape ``(n,)`` int64) and the filled columns.
    """
    n = tree.size
    amount = np.zeros(n, dtype=np.int64)
    amount[tree.level_slice(0)] = _root_amounts(tree, root_targets)
    columns = _empty_columns(n)
    for lvl in range(1, tree.depth):
        split_level(lvl, amount, columns)
    targets = np.empty(n, dtype=np.int64)
    targets[tree.order] = amount
    return targets, columns


def _round_level(
    tree: Tree,
    lvl: int,
    rule: LevelRule,
    ideal: FloatArray,
    bounds: ResolvedBounds,
    amount: IntArray,
    columns: CascadeColumns,
) -> None:
    """Round the ideal amounts of level ``lvl`` to their parents' integer amounts."""
    group, _ = tree.children_groups(lvl)
    kids, parents = tree.level_slice(lvl), tree.level_slice(lvl - 1)
    ids = tree.canonical_ids
    n_groups = parents.stop - parents.start
    lower, upper = bounds.lower[kids], bounds.upper[kids]
    totals = over_assigned(amount[parents], rule.over_assignment_bp)
    check_group_feasibility(
        totals,
        group,
        lower,
        upper,
        ids[kids],
        parent_ids=ids[parents],
        sources=(bounds.lower_source[kids], bounds.upper_source[kids]),
    )
    lo = np.where(lower <= -UNBOUNDED, -np.inf, lower.astype(np.float64))
    hi = np.where(upper >= UNBOUNDED, np.inf, upper.astype(np.float64))
    wanted = ideal[kids]
    clipped = np.clip(wanted, lo, hi)
    amount[kids] = round_within_groups(
        clipped, group, totals, granularity=int(rule.granularity), lower=lower, upper=upper
    )
    positive = np.maximum(clipped, 0.0)
    group_total = np.bincount(group, weights=positive, minlength=n_groups)
    count = np.bincount(group, minlength=n_groups)
    columns.share[kids] = np.where(
        group_total[group] > 0,
        positive / np.where(group_total > 0, group_total, 1.0)[group],
        1.0 / np.maximum(count, 1)[group],
    )
    columns.unconstrained[kids] = wanted
    columns.after_bounds[kids] = clipped
    columns.amount_split[parents] = totals
    columns.binding[kids] = np.select(
        [bounds.locked[kids], wanted >= hi, wanted <= lo],
        [BIND_LOCK, BIND_CAP, BIND_FLOOR],
        BIND_NONE,
    )


def _empty_columns(n: int) -> CascadeColumns:
    return CascadeColumns(
        share=np.full(n, np.nan),
        unconstrained=np.full(n, np.nan),
        after_bounds=np.full(n, np.nan),
        binding=np.zeros(n, dtype=np.int8),
        fallback=np.zeros(n, dtype=np.int8),
        amount_split=np.zeros(n, dtype=np.int64),
        components={},
    )


def _allocate_level(
    tree: Tree,
    lvl: int,
    rule: LevelRule,
    data: NodeData,
    bounds: ResolvedBounds,
    ids: IntArray,
    amount: IntArray,
    columns: CascadeColumns,
) -> None:
    """Split every parent of level ``lvl - 1`` among its children, writing into ``amount``."""
    group, _ = tree.children_groups(lvl)
    kids = tree.level_slice(lvl)
    parents = tree.level_slice(lvl - 1)
    level = Level(kids=kids, group=group, n_groups=parents.stop - parents.start, ids=ids[kids])
    totals = over_assigned(amount[parents], rule.over_assignment_bp)
    lower, upper = bounds.lower[kids], bounds.upper[kids]

    shares = rule.method.shares(data, level)
    check_group_feasibility(
        totals,
        group,
        lower,
        upper,
        level.ids,
        parent_ids=ids[parents],
        sources=(bounds.lower_source[kids], bounds.upper_source[kids]),
    )
    filled = water_fill_detailed(shares.share, group, totals, lower, upper)
    amount[kids] = round_within_groups(
        filled.amounts, group, totals, granularity=int(rule.granularity), lower=lower, upper=upper
    )

    columns.share[kids] = shares.share
    columns.unconstrained[kids] = totals[group] * shares.share
    columns.after_bounds[kids] = filled.amounts
    columns.amount_split[parents] = totals
    binding = np.select(
        [bounds.locked[kids], filled.at_upper, filled.at_lower],
        [BIND_LOCK, BIND_CAP, BIND_FLOOR],
        BIND_NONE,
    )
    columns.binding[kids] = binding
    spread = filled.equal_fallback[group] & (binding == BIND_NONE)
    columns.fallback[kids] = np.where(spread, FALLBACK_EQUAL_REMAINDER, shares.fallback)
    if shares.components:
        columns.components[lvl] = shares.components


def implied_bounds(
    tree: Tree, bounds: ResolvedBounds, rules: Sequence[LevelRule]
) -> ResolvedBounds:
    """Tighten every parent's bounds to what its children's bounds can add up to.

    A parent can receive no more than its children's caps allow (divided by the level's
    over-assignment) and no less than their floors and locks need, so a cascade never hands a
    parent an amount its subtree cannot absorb. Works bottom-up over canonical arrays,
    one vectorised pass per level. Locks are not tightened (a conflict is reported later).

    Args:
        tree: the tree.
        bounds: canonical-order bounds (shape ``(n,)`` each).
        rules: the level rules (for over-assignment).
    """
    lower, upper = bounds.lower.copy(), bounds.upper.copy()
    lower_source, upper_source = bounds.lower_source.copy(), bounds.upper_source.copy()
    for lvl in range(tree.depth - 1, 0, -1):
        group, _ = tree.children_groups(lvl)
        kids, parents = tree.level_slice(lvl), tree.level_slice(lvl - 1)
        n_groups = parents.stop - parents.start
        bp = rules[lvl - 1].over_assignment_bp
        has_kids = np.bincount(group, minlength=n_groups) > 0
        free = has_kids & ~bounds.locked[parents]
        floor_sum, floor_open = _bounded_sum(lower[kids], -UNBOUNDED, group, n_groups)
        cap_sum, cap_open = _bounded_sum(upper[kids], UNBOUNDED, group, n_groups)
        implied_floor = _smallest_reaching(floor_sum, bp)
        implied_cap = _largest_within(cap_sum, bp)
        raise_floor = free & ~floor_open & (implied_floor > lower[parents])
        lower_cap = free & ~cap_open & (implied_cap < upper[parents])
        lower[parents] = np.where(raise_floor, implied_floor, lower[parents])
        upper[parents] = np.where(lower_cap, implied_cap, upper[parents])
        lower_source[parents] = np.where(raise_floor, SOURCE_IMPLIED, lower_source[parents])
        upper_source[parents] = np.where(lower_cap, SOURCE_IMPLIED, upper_source[parents])
        crossed = np.flatnonzero(lower[parents] > upper[parents])
        if crossed.size:
            tightened = ResolvedBounds(lower, upper, lower_source, upper_source, bounds.locked)
            _raise_crossed(tree, tightened, int(parents.start + crossed[0]), lvl, crossed.size - 1)
    return ResolvedBounds(lower, upper, lower_source, upper_source, bounds.locked)


def _raise_crossed(
    tree: Tree, bounds: ResolvedBounds, pos: int, child_level: int, others: int
) -> None:
    """Report a parent whose own bounds and its children's bounds leave no room."""
    ids = tree.canonical_ids
    kids = tree.level_slice(child_level)
    children = np.flatnonzero(tree.canonical_parent[kids] == pos) + kids.start

    def conflict(i: int) -> BoundConflict:
        return bound_conflict(
            int(ids[i]),
            bounds.lower[i],
            bounds.upper[i],
            bool(bounds.locked[i]),
            int(bounds.lower_source[i]),
            int(bounds.upper_source[i]),
        )

    raise InfeasibleConstraints(
        reason="floor_above_cap",
        parent_id=int(ids[pos]),
        other_parents=others,
        conflicts=[conflict(pos), *(conflict(int(i)) for i in children)],
    )


def _bounded_sum(
    values: IntArray, sentinel: np.int64, group: IndexArray, n_groups: int
) -> tuple[Any, BoolArray]:
    """Exact per-group sum of bounds, and whether some member is unbounded (sum meaningless).

    The sums may pass int64 (then they are Python ints); see ``_implied_amount``.
    """
    open_ = values == sentinel
    sums = group_sum_exact(np.where(open_, 0, values), group, n_groups)
    return sums, np.bincount(group, weights=open_, minlength=n_groups) > 0


def _smallest_reaching(children_floor: Any, bp: int) -> IntArray:
    """Smallest parent amount A with ``over_assigned(A) >= children_floor`` (exact)."""
    floor, grow = _exact_space(children_floor, bp)
    guess = -((-floor * BASIS_POINTS) // (BASIS_POINTS + bp)) - 1
    for _ in range(3):
        guess = np.where(grow(guess) < floor, guess + 1, guess)
    return _implied_amount(guess)


def _largest_within(children_cap: Any, bp: int) -> IntArray:
    """Largest parent amount A with ``over_assigned(A) <= children_cap`` (exact)."""
    cap, grow = _exact_space(children_cap, bp)
    guess = (cap * BASIS_POINTS) // (BASIS_POINTS + bp) + 1
    for _ in range(3):
        guess = np.where(grow(guess) > cap, guess - 1, guess)
    return _implied_amount(guess)


def _exact_space(values: Any, bp: int) -> tuple[Any, Any]:
    """``values`` in int64 when every product below provably fits, else as Python ints,
    with ``over_assigned`` (half up) in that same arithmetic and without a range check."""
    factor = BASIS_POINTS + bp
    small = magnitude(values) * (2 * abs(factor) + 2) + 2 * BASIS_POINTS < FAST_LIMIT
    exact = np.asarray(values).astype(np.int64) if small else wide(values)

    def grow(amount: Any) -> Any:
        return (2 * amount * factor + BASIS_POINTS) // (2 * BASIS_POINTS)

    return exact, grow


def _implied_amount(values: Any) -> IntArray:
    """An implied bound as int64; one beyond the supported range is held just outside it,
    where it still makes the split infeasible (and says so) rather than wrapping around."""
    edge = MAX_AMOUNT + 1
    clamped = np.minimum(np.maximum(values, -edge), edge)
    return np.array(np.asarray(clamped).tolist(), dtype=np.int64).reshape(np.shape(values))


def potential_rules(
    depth: int, over_assignment: float | Sequence[float], granularity: int = 1
) -> tuple[LevelRule, ...]:
    """``Potential()`` rules for every split of a ``depth``-level tree.

    ``over_assignment`` is one fraction for every level or a sequence where
    ``over_assignment[l]`` splits the parents of level ``l`` (the last repeats downwards).
    """
    splits = max(depth - 1, 0)
    if isinstance(over_assignment, int | float | np.integer | np.floating):
        per_level = [float(over_assignment)] * splits
    else:
        given = [float(v) for v in over_assignment]
        per_level = [given[min(i, len(given) - 1)] if given else 0.0 for i in range(splits)]
    return tuple(LevelRule(Potential(), oa, granularity) for oa in per_level)


def _rules_per_level(rules: LevelRule | Sequence[LevelRule], depth: int) -> tuple[LevelRule, ...]:
    if isinstance(rules, LevelRule):
        return (rules,) * max(depth - 1, 0)
    as_tuple = tuple(rules)
    if len(as_tuple) < depth - 1:
        raise InvalidInput(
            f"the tree has {depth} levels and needs {depth - 1} level rules, got {len(as_tuple)}"
        )
    return as_tuple[: max(depth - 1, 0)]


def _root_amounts(tree: Tree, root_targets: int | Mapping[int, int]) -> IntArray:
    roots = tree.canonical_ids[tree.level_slice(0)]
    if isinstance(root_targets, Mapping):
        missing = [int(r) for r in roots if int(r) not in root_targets]
        if missing:
            raise InvalidInput(f"no target given for roots {listing(missing)}")
        given = np.array([int(root_targets[int(r)]) for r in roots], dtype=object)
    else:
        if roots.size != 1:
            raise InvalidInput(f"the tree has {roots.size} roots; give root_targets as a mapping")
        given = np.array([int(root_targets)], dtype=object)
    check_range(given, "a root target")
    return np.array(given.tolist(), dtype=np.int64)


def _reorder_bounds(resolved: ResolvedBounds, tree: Tree) -> ResolvedBounds:
    o = tree.order
    return ResolvedBounds(
        resolved.lower[o],
        resolved.upper[o],
        resolved.lower_source[o],
        resolved.upper_source[o],
        resolved.locked[o],
    )


def _derive(result: CascadeResult, node_id: int, amount_text: AmountText) -> Derivation:
    """Build one node's derivation from the result's columns (canonical position lookup)."""
    tree = result.tree
    index = int(tree.position_of([node_id])[0])
    pos = int(tree.canonical_position[index])
    lvl = int(tree.level[index])
    target = int(result.targets[index])
    if lvl == 0:
        return Derivation(
            node_id=node_id,
            level=0,
            parent_id=None,
            target=target,
            rule="given",
            summary=f"{amount_text(target)} is the target given for the root.",
        )
    cols = result.columns
    rule = result.rules[lvl - 1]
    parent_pos = int(tree.canonical_parent[pos])
    binding = BINDINGS[int(cols.binding[pos])]
    after = float(cols.after_bounds[pos])
    derivation = Derivation(
        node_id=node_id,
        level=lvl,
        parent_id=int(tree.canonical_ids[parent_pos]),
        target=target,
        rule=rule.method.name if binding == "none" else binding,
        method=rule.method.to_dict(),
        parent_target=int(result.targets[tree.order[parent_pos]]),
        over_assignment=rule.over_assignment_bp / BASIS_POINTS,
        amount_split=int(cols.amount_split[parent_pos]),
        share=float(cols.share[pos]),
        component_shares=_component_shares(result, lvl, pos, rule.method),
        inputs=_inputs(result.data, pos, rule.method),
        fallback=FALLBACK_NAMES[int(cols.fallback[pos])],
        unconstrained=float(cols.unconstrained[pos]),
        after_bounds=after,
        bound=_bound_info(result.bounds, pos, binding),
        granularity=int(rule.granularity),
        rounding_adjustment=target - after,
    )
    return replace(derivation, summary=_sentence(derivation, amount_text))


def _sentence(d: Derivation, amount_text: AmountText) -> str:
    """One line for people: parent, over-assignment, share, fallback, bound, rounding
    (the unrounded amounts to the nearest minor unit)."""
    method = d.method["name"] if d.method else "?"
    over = (d.over_assignment or 0.0) * 100
    text = (
        f"Parent {d.parent_id} has {amount_text(d.parent_target or 0)}; with {over:g}%"
        f" over-assignment its children share {amount_text(d.amount_split or 0)}. {method}"
        f" gives this node {d.share or 0.0:.4%} = {amount_text(round(d.unconstrained or 0.0))}"
    )
    if d.fallback != "none":
        text += f" (fallback: {d.fallback.replace('_', ' ')})"
    if d.bound is not None and d.bound.binding != "none":
        text += f"; its {d.bound.binding} holds it at {amount_text(round(d.after_bounds or 0.0))}"
    return (
        text
        + f"; rounded in steps of {amount_text(d.granularity or 1)} to {amount_text(d.target)}."
    )


def _bound_info(bounds: ResolvedBounds, pos: int, binding: str) -> BoundInfo:
    lower, upper = int(bounds.lower[pos]), int(bounds.upper[pos])
    return BoundInfo(
        lower=None if lower <= -UNBOUNDED else lower,
        upper=None if upper >= UNBOUNDED else upper,
        lower_source=BOUND_SOURCES[int(bounds.lower_source[pos])],
        upper_source=BOUND_SOURCES[int(bounds.upper_source[pos])],
        binding=binding,
    )


def _component_shares(
    result: CascadeResult, lvl: int, pos: int, method: Method
) -> dict[str, float]:
    parts = result.columns.components.get(lvl)
    if not parts or not isinstance(method, Blend):
        return {}
    start = int(result.tree.level_start[lvl])
    return {
        f"{i}:{m.name}": float(part[pos - start])
        for i, ((m, _), part) in enumerate(zip(method.components, parts, strict=True))
    }


def _inputs(data: NodeData, pos: int, method: Method) -> dict[str, Any]:
    methods = [m for m, _ in method.components] if isinstance(method, Blend) else [method]
    inputs: dict[str, Any] = {}
    for m in methods:
        if isinstance(m, HistoricalShare) and data.history is not None:
            row = np.asarray(data.history)[pos].reshape(-1)
            inputs["history"] = [int(v) for v in row]
            inputs["history_window_weights"] = [float(w) for w in m.window_weights(row.size)]
        if isinstance(m, Potential) and data.potential is not None:
            inputs["potential"] = float(np.asarray(data.potential)[pos])
        if isinstance(m, Capacity):
            for name in ("headcount", "productivity", "ramp"):
                value = getattr(data, name)
                if value is not None:
                    inputs[name] = float(np.asarray(value)[pos])
        if isinstance(m, GrowthOnBaseline) and data.baseline is not None:
            inputs["baseline"] = int(np.asarray(data.baseline)[pos])
            inputs["growth"] = float(
                m.growth if data.growth is None else np.asarray(data.growth)[pos]
            )
    return inputs
