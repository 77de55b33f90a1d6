"""Quotaflow's pure planning engine: allocation, roll-up, reconciliation, phasing, rounding.

NumPy/SciPy only — importing this package never imports Django. Amounts are int64 minor
currency units in and out; floats appear only as shares and weights, and every published
integer comes from largest-remainder rounding, so children add up exactly to their parent
(times the over-assignment) and months add up exactly to their period.

Supported range: every amount, bound, baseline and total (over-assignment included) with
``|x| <= MAX_AMOUNT`` = 9.2 × 10¹⁸ minor units. Within it every sum, product and feasibility
check is exact (int64 where a bound proves it fits, Python integers otherwise); outside it the
engine raises ``InvalidInput``, never a wrapped-around number. Shares are float64, so an
amount follows its share to about 15 significant digits; sums, locks and bounds are exact.
Least-squares reconciliation solves a sparse convex QP (Clarabel, loaded only when a bound
binds) and publishes integers within one rounding step of the optimum.

Typical use::

    tree = build_tree(node_ids, parent_ids)
    result = cascade(
        tree,
        1_000_000_00,
        [LevelRule(Blend(((HistoricalShare(period_weights=(0.5, 0.5)), 0.7), (Equal(), 0.3)))),
         LevelRule(Potential(), over_assignment=0.1, granularity=100)],
        data=NodeData(history=history, potential=potential),
        bounds=Bounds.from_mappings(node_ids, locks={42: 120_000_00}, caps={7: 90_000_00}),
    )
    result.targets          # int64 per node, in node_ids order
    result.explain(42)      # plain data: "why is my number X?"
"""

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
    Shares,
    method_from_dict,
    normalise,
)
from quotaflow.planning.cascade import (
    BINDINGS,
    FALLBACK_NAMES,
    CascadeResult,
    LevelRule,
    cascade,
    implied_bounds,
    over_assigned,
    round_to_tree,
    under_assigned,
)
from quotaflow.planning.constraints import (
    BOUND_SOURCES,
    Bounds,
    ResolvedBounds,
    resolve_bounds,
    water_fill,
)
from quotaflow.planning.errors import (
    BoundConflict,
    InfeasibleConstraints,
    InvalidInput,
    PlanningError,
)
from quotaflow.planning.explain import BoundInfo, Derivation
from quotaflow.planning.phasing import (
    ProratedPhasing,
    custom_phasing,
    days_in_seat,
    even_phasing,
    months_to_quarters,
    phase,
    prorate,
    prorated_phasing,
    prorated_phasing_explained,
    ramped,
    seasonal_phasing,
    seasonality_profile,
)
from quotaflow.planning.reconcile import (
    METHODS as RECONCILE_METHODS,
)
from quotaflow.planning.reconcile import (
    RULES as RECONCILE_RULES,
)
from quotaflow.planning.reconcile import (
    ReconcileMethod,
    Reconciliation,
    bottom_up_at_levels,
    least_squares_solution,
    reconcile,
    summing_matrix,
)
from quotaflow.planning.rollup import RollupResult, roll_up
from quotaflow.planning.rounding import MAX_AMOUNT, UNBOUNDED, largest_remainder_round
from quotaflow.planning.tree import Tree, build_tree, tree_from_parent_index

__all__ = [
    "BINDINGS",
    "BOUND_SOURCES",
    "FALLBACKS",
    "FALLBACK_NAMES",
    "MAX_AMOUNT",
    "RECONCILE_METHODS",
    "RECONCILE_RULES",
    "UNBOUNDED",
    "Blend",
    "BoundConflict",
    "BoundInfo",
    "Bounds",
    "Capacity",
    "CascadeResult",
    "Derivation",
    "Equal",
    "GrowthOnBaseline",
    "HistoricalShare",
    "InfeasibleConstraints",
    "InvalidInput",
    "Level",
    "LevelRule",
    "Method",
    "NodeData",
    "PlanningError",
    "Potential",
    "ProratedPhasing",
    "ReconcileMethod",
    "Reconciliation",
    "Shares",
    "ResolvedBounds",
    "RollupResult",
    "Tree",
    "bottom_up_at_levels",
    "build_tree",
    "cascade",
    "custom_phasing",
    "days_in_seat",
    "even_phasing",
    "implied_bounds",
    "largest_remainder_round",
    "least_squares_solution",
    "method_from_dict",
    "months_to_quarters",
    "normalise",
    "over_assigned",
    "phase",
    "prorate",
    "prorated_phasing",
    "prorated_phasing_explained",
    "ramped",
    "reconcile",
    "resolve_bounds",
    "roll_up",
    "round_to_tree",
    "seasonal_phasing",
    "seasonality_profile",
    "summing_matrix",
    "tree_from_parent_index",
    "under_assigned",
    "water_fill",
]
