"""The one place where plans talk to the planning engine.

The engine (``quotaflow.planning``) works on arrays and node ids; plans work on goals. This
module turns goal trees and a cycle's allocation settings into engine inputs, runs the
engine, and turns its results and errors back into plain Python values and domain errors.
If the engine's API moves, only this module changes.

Node ids are goal primary keys, so the engine's derivations name goals directly. The
engine knows no currency: every sentence it writes (derivation summaries, infeasibility
reasons) gets the metric's :class:`~quotaflow.core.money.Amounts` formatter from here, so
people read "3,000,000.00 EUR", never raw minor units.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from quotaflow.core.errors import InvalidInput
from quotaflow.core.fiscal import month_spans
from quotaflow.core.money import Amounts
from quotaflow.planning.allocation import Blend, Equal, HistoricalShare, Method, NodeData, Potential
from quotaflow.planning.cascade import LevelRule, cascade, over_assigned, under_assigned
from quotaflow.planning.constraints import Bounds
from quotaflow.planning.errors import InfeasibleConstraints, PlanningError
from quotaflow.planning.explain import field_values
from quotaflow.planning.phasing import phase as engine_phase
from quotaflow.planning.phasing import prorate as engine_prorate
from quotaflow.planning.reconcile import ReconcileMethod as EngineReconcileMethod
from quotaflow.planning.reconcile import reconcile as engine_reconcile
from quotaflow.planning.rounding import largest_remainder_round
from quotaflow.planning.tree import build_tree
from quotaflow.plans.models import ReconcileMethod

METHODS = ("equal", "potential", "historical_share", "blend")
RECONCILE_METHODS = tuple(ReconcileMethod.values)


@dataclass(frozen=True)
class Node:
    """One goal as the engine sees it: its id, its parent's id (or None for the root),
    an optional potential weight and prior-period history (minor units)."""

    goal_id: int
    parent_id: int | None
    weight: int | None = None
    history: int = 0


@dataclass(frozen=True)
class LevelSetting:
    """The allocation rule one level applies to split its parents among their children.

    ``method`` is one of ``METHODS``; ``blend`` mixes methods by ``blend_weights``
    (e.g. ``{"historical_share": 0.5, "equal": 0.5}``). ``over_assignment`` is a fraction
    (0.1 = children sum to 110 % of the parent); ``granularity`` the rounding step in minor
    units; ``floor``/``cap`` absolute bounds on every child of the level (minor units).
    """

    method: str = "equal"
    over_assignment: float = 0.0
    granularity: int = 1
    floor: int | None = None
    cap: int | None = None
    blend_weights: Mapping[str, float] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LevelSetting:
        """Read one level's settings as stored on the cycle, checking each value."""
        method = str(data.get("method") or "equal")
        if method not in METHODS:
            raise InvalidInput(
                f"Unknown allocation method '{method}'; use one of {', '.join(METHODS)}."
            )
        try:
            over = float(data.get("over_assignment") or 0)
            granularity = int(data.get("granularity") or 1)
        except (TypeError, ValueError):
            raise InvalidInput(
                "Over-assignment must be a number and granularity a whole number."
            ) from None
        if granularity < 1:
            raise InvalidInput("The rounding granularity must be at least 1 minor unit.")
        if not -0.5 < over <= 1:
            raise InvalidInput(
                "Over-assignment must be between -50 % and +100 % (e.g. 0.1 for 10 %)."
            )
        blend = {str(k): float(v) for k, v in (data.get("blend_weights") or {}).items()}
        if method == "blend" and (not blend or any(name not in METHODS[:3] for name in blend)):
            raise InvalidInput(
                "A blend needs weights for some of: equal, potential, historical_share."
            )
        floor, cap = data.get("floor"), data.get("cap")
        return cls(
            method=method,
            over_assignment=over,
            granularity=granularity,
            floor=None if floor in (None, "") else int(floor),
            cap=None if cap in (None, "") else int(cap),
            blend_weights=blend,
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain data, as stored on the cycle: every field under its own name."""
        return {**field_values(self), "blend_weights": dict(self.blend_weights)}

    def engine_method(self) -> Method:
        """The engine's method object for this level."""
        single: dict[str, Method] = {
            "equal": Equal(),
            "potential": Potential(),
            "historical_share": HistoricalShare(),
        }
        if self.method != "blend":
            return single[self.method]
        return Blend(
            tuple((single[name], weight) for name, weight in sorted(self.blend_weights.items()))
        )

    def over_assignment_bp(self) -> int:
        """Over-assignment in whole basis points, as the engine resolves it."""
        return LevelRule(over_assignment=self.over_assignment).over_assignment_bp


@dataclass(frozen=True)
class CascadeOutcome:
    """Every goal's target and derivation, and what each parent split among its children
    (``unallocated``: what a reconciled parent could not hand out, where not zero)."""

    targets: dict[int, int]
    allocated: dict[int, int]
    derivations: dict[int, dict[str, Any]]
    unallocated: dict[int, int] = field(default_factory=dict)


def over_assignment_bp(allocation: Sequence[Mapping[str, Any]]) -> list[int]:
    """A cycle's stored allocation settings as over-assignment per level, in basis points."""
    return [LevelSetting.from_dict(level).over_assignment_bp() for level in allocation]


def parent_amount(children_total: int, basis_points: int) -> int:
    """The parent amount whose over-assignment ``children_total`` fills (minor units)."""
    return int(under_assigned(np.array([int(children_total)], dtype=np.int64), basis_points)[0])


def _levels_needed(settings: Sequence[LevelSetting], depth: int) -> list[LevelSetting]:
    """One setting per level below the root; the last given setting repeats downwards."""
    levels = list(settings) or [LevelSetting()]
    while len(levels) < depth - 1:
        levels.append(levels[-1])
    return levels[: max(depth - 1, 0)]


def _engine_error(error: PlanningError, names: Mapping[int, str], amounts: Amounts) -> InvalidInput:
    """A domain error naming goals by their owners rather than by ids, and amounts in
    display units with the currency."""
    kept = [
        c
        for c in getattr(error, "conflicts", [])
        if c.lower_source == "submitted" and c.node_id in names
    ]
    if isinstance(error, InfeasibleConstraints) and kept:
        parent = names.get(error.parent_id or -1, "a parent")
        owners = ", ".join(names[c.node_id] for c in kept[:5])
        return InvalidInput(
            f"Keeping the submissions of {owners} leaves the others under {parent} less "
            f"than their floors (or zero) out of its {amounts.format(error.amount)}; choose "
            "another method "
            "or negotiate those numbers."
        )
    if isinstance(error, InfeasibleConstraints):
        owners = ", ".join(names.get(c.node_id, str(c.node_id)) for c in error.conflicts[:5])
        parent = names.get(error.parent_id or -1, "a parent")
        return InvalidInput(
            f"The locks, floors and caps under {parent} cannot add up to its amount "
            f"({amounts.format(error.amount)}); check {owners}."
        )
    return InvalidInput(f"The allocation could not be computed: {error}")


def run_cascade(
    nodes: Sequence[Node],
    root_target: int,
    settings: Sequence[LevelSetting],
    *,
    locks: Mapping[int, int] | None = None,
    floors: Mapping[int, int] | None = None,
    names: Mapping[int, str] | None = None,
    amounts: Amounts,
) -> CascadeOutcome:
    """Cascade ``root_target`` (minor units) from the root goal down every level; the
    derivations' sentences and any refusal write amounts with ``amounts``.

    Locked goals keep their amounts; the rest of each split works around them. Children of
    every parent sum exactly to the parent's target × (1 + that level's over-assignment).
    """
    names = names or {}
    ids = np.array([n.goal_id for n in nodes], dtype=np.int64)
    parents = np.array([-1 if n.parent_id is None else n.parent_id for n in nodes], dtype=np.int64)
    try:
        tree = build_tree(ids, parents)
        levels = _levels_needed(settings, tree.depth)
        rules = [LevelRule(s.engine_method(), s.over_assignment, s.granularity) for s in levels]
        data = _node_data(nodes, levels)
        bounds = _bounds(nodes, tree.level, levels, locks or {}, floors or {})
        result = cascade(tree, int(root_target), rules, data=data, bounds=bounds)
    except PlanningError as error:
        raise _engine_error(error, names, amounts) from error
    targets = {int(i): int(t) for i, t in zip(ids, result.targets, strict=True)}
    allocated: dict[int, int] = {}
    for node, level, is_leaf in zip(nodes, tree.level, tree.is_leaf, strict=True):
        if not is_leaf:
            bp = levels[int(level)].over_assignment_bp()
            allocated[node.goal_id] = int(over_assigned(np.array([targets[node.goal_id]]), bp)[0])
    derivations = {node.goal_id: result.explain(node.goal_id, amounts.format) for node in nodes}
    return CascadeOutcome(targets, allocated, derivations)


def _node_data(nodes: Sequence[Node], levels: Sequence[LevelSetting]) -> NodeData:
    uses = {s.method for s in levels} | {m for s in levels for m in s.blend_weights}
    potential = history = None
    if "potential" in uses:
        potential = np.array([float(n.weight or 0) for n in nodes])
    if "historical_share" in uses:
        history = np.array([[int(n.history)] for n in nodes], dtype=np.int64)
    return NodeData(history=history, potential=potential)


def _bounds(
    nodes: Sequence[Node],
    level: Any,
    levels: Sequence[LevelSetting],
    locks: Mapping[int, int],
    extra_floors: Mapping[int, int],
) -> Bounds:
    floors: dict[int, int] = dict(extra_floors)
    caps: dict[int, int] = {}
    for node, depth in zip(nodes, level, strict=True):
        if int(depth) == 0:
            continue
        setting = levels[int(depth) - 1]
        if setting.floor is not None:
            floors[node.goal_id] = max(setting.floor, floors.get(node.goal_id, setting.floor))
        if setting.cap is not None:
            caps[node.goal_id] = setting.cap
    return Bounds.from_mappings(
        [n.goal_id for n in nodes],
        locks={k: int(v) for k, v in locks.items()},
        floors=floors or None,
        caps=caps or None,
    )


def split_exactly(
    total: int,
    weights: Sequence[float],
    *,
    tie_keys: Sequence[int],
    granularity: int = 1,
    fixed: Mapping[int, int] | None = None,
    amounts: Amounts,
) -> list[int]:
    """Split ``total`` in proportion to ``weights``, summing exactly, keeping ``fixed``
    positions (index → amount) at their amounts; a refusal writes amounts with ``amounts``."""
    fixed = fixed or {}
    lower = [fixed.get(i, 0) for i in range(len(weights))]
    upper: list[int | None] = [fixed.get(i) for i in range(len(weights))]
    try:
        parts = largest_remainder_round(
            [float(w) for w in weights],
            int(total),
            granularity=granularity,
            tie_key=list(tie_keys),
            lower=lower,
            upper=upper,
        )
    except PlanningError as error:
        raise InvalidInput(
            f"{amounts.format(int(total))} cannot be split this way: the fixed amounts do not "
            f"fit ({error})."
        ) from error
    return [int(part) for part in parts]


def phase(
    target: int, start: dt.date, end: dt.date, profile: Sequence[float] = ()
) -> list[dict[str, Any]]:
    """Monthly targets ``[{"start", "end", "target"}]`` summing exactly to ``target``.

    ``profile`` gives one weight per month (seasonality); without it months weigh by days.
    A negative target (a mid-period reduction) is phased like its positive counterpart.
    """
    spans = month_spans(start, end)
    if profile and len(profile) != len(spans):
        raise InvalidInput(
            f"The phasing profile has {len(profile)} weights for {len(spans)} months."
        )
    weights = list(profile) if profile else [float((e - s).days + 1) for s, e in spans]
    sign = -1 if target < 0 else 1
    try:
        amounts = engine_phase(abs(int(target)), np.array(weights, dtype=np.float64))
    except PlanningError as error:
        raise InvalidInput(f"The phasing profile cannot be used: {error}") from error
    return [
        {"start": s.isoformat(), "end": e.isoformat(), "target": sign * int(amount)}
        for (s, e), amount in zip(spans, amounts, strict=True)
    ]


def prorate(amount: int, days: int, days_in_period: int) -> int:
    """``amount × days / days_in_period``, rounded half away from zero, exactly."""
    sign = -1 if amount < 0 else 1
    return sign * engine_prorate(abs(int(amount)), days, days_in_period)


#: Our method names (what people read in the API and on screen) → the engine's.
ENGINE_RECONCILE: dict[str, EngineReconcileMethod] = {
    ReconcileMethod.TOP_DOWN_TOTAL_BOTTOM_UP_SHARES: "top_down_total",
    ReconcileMethod.KEEP_SUBMITTED: "keep_submitted",
    ReconcileMethod.WEIGHTED_BLEND: "blend",
    ReconcileMethod.LEAST_SQUARES: "least_squares",
}


def reconcile(
    nodes: Sequence[Node],
    guidance: Mapping[int, int],
    bottom_up: Mapping[int, int],
    *,
    method: str,
    top_down_weight: float = 0.5,
    granularity: int = 1,
    submitted: Iterable[int] = (),
    locks: Mapping[int, int] | None = None,
    settings: Sequence[LevelSetting] = (),
    names: Mapping[int, str] | None = None,
    amounts: Amounts,
) -> CascadeOutcome:
    """Reconcile top-down ``guidance`` with ``bottom_up`` numbers (both per goal, each at
    its own level: ``cycle_tree``) with the engine's methods; ``submitted`` names the leaves
    that submitted, ``settings`` the cycle's levels (over-assignment, floor, cap).

    Methods:
        ``top_down_total_bottom_up_shares``: the root keeps its top-down number; every split
        follows the bottom-up numbers' proportions.
        ``keep_submitted``: the root keeps its top-down number; submitted numbers are kept
        and the rest is spread by the top-down proportions; where every child kept its
        submission, what is left over (or missing) is the parent's unallocated amount.
        ``weighted_blend``: the root and every proportion are ``w·top-down + (1−w)·bottom-up``.
        ``least_squares``: the coherent plan closest to both (weighted by ``w`` and ``1−w``).
    Every level keeps its over-assignment: children sum exactly to their parent × (1 +
    over-assignment), as in the guidance; ``allocated`` is what they sum to.
    """
    if method not in ENGINE_RECONCILE:
        raise InvalidInput(
            f"Unknown reconciliation method '{method}'; use one of {', '.join(RECONCILE_METHODS)}."
        )
    if not 0 <= top_down_weight <= 1:
        raise InvalidInput("The top-down weight must be between 0 and 1.")
    names = names or {}
    ids = [n.goal_id for n in nodes]
    kept = set(submitted)
    try:
        tree = build_tree(ids, [-1 if n.parent_id is None else n.parent_id for n in nodes])
        levels = _levels_needed(settings, tree.depth)
        result = engine_reconcile(
            tree,
            np.array([guidance.get(i, 0) for i in ids], dtype=np.int64),
            np.array([bottom_up.get(i, 0) for i in ids], dtype=np.int64),
            method=ENGINE_RECONCILE[method],
            submitted=np.array([i in kept for i in ids], dtype=np.bool_),
            top_down_weight=top_down_weight,
            bounds=_bounds(nodes, tree.level, levels, locks or {}, {}),
            granularity=granularity,
            over_assignment=[s.over_assignment for s in levels] or 0.0,
        )
    except PlanningError as error:
        raise _engine_error(error, names, amounts) from error
    targets = {i: int(v) for i, v in zip(ids, result.final, strict=True)}
    parents = {n.parent_id for n in nodes if n.parent_id is not None}
    allocated = {i: int(v) for i, v in zip(ids, result.allocated, strict=True) if i in parents}
    unallocated = {i: int(v) for i, v in zip(ids, result.unallocated, strict=True) if v}
    derivations = {i: result.explain(i, amounts.format) for i in ids}
    return CascadeOutcome(targets, allocated, derivations, unallocated)
