"""Hybrid reconciliation of top-down guidance and bottom-up submissions.

Both inputs are per-node int64 amounts (minor units) over the same tree. Every method ends
in the same exact integer step: a root amount, then a cascade that splits each parent among
its children in proportion to method-specific weights, inside locks, floors and caps. So the
final numbers are always coherent (children sum to parents), locks are kept and bounds hold.

Methods:

* ``"top_down_total"`` — (a) keep the top-down root total, share it by the bottom-up values.
* ``"keep_submitted"`` — (b) keep every submitted value (a node is kept when all the leaves
  under it submitted); spread what is left of each parent over the other children in
  proportion to their top-down values.
* ``"blend"`` — (c) per node ``α·top-down + (1 − α)·bottom-up`` (α resolved to basis
  points), made coherent top-down: the root takes its blend, children share by theirs.
* ``"least_squares"`` — (d) minimise ``Σ w_td (x − td)² + w_bu (x − bu)²`` over all nodes
  subject to coherence, locks and bounds (``quotaflow.planning.least_squares``: closed form
  when no bound binds, else a sparse QP), then made integer by ``round_to_tree``, which keeps
  every lock and bound and moves each node by at most one rounding step.

Every method keeps the locks, floors and caps of every node, the root included: a lock on
the root is its amount, whatever the method proposes, and its floor and cap clip it. A
``keep_submitted`` submission that breaks its own bound, or the bound or lock of an inner
node above it, is not kept. When bounds and the method's own promise (the top-down root
total, the kept submissions) cannot both hold, ``InfeasibleConstraints`` names the parent.
Blends are exact in integers at every amount within ``±MAX_AMOUNT``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import ArrayLike

from quotaflow.planning._exact import FAST_LIMIT, check_range, magnitude, narrow, wide
from quotaflow.planning._segments import FloatArray, IntArray
from quotaflow.planning.allocation import NodeData, Potential
from quotaflow.planning.cascade import (
    BINDINGS,
    CascadeResult,
    LevelRule,
    cascade,
    implied_bounds,
    round_to_tree,
)
from quotaflow.planning.constraints import (
    BASIS_POINTS,
    SOURCE_NON_NEGATIVE,
    SOURCE_NONE,
    Bounds,
    ResolvedBounds,
    check_group_feasibility,
    resolve_bounds,
)
from quotaflow.planning.errors import InvalidInput
from quotaflow.planning.least_squares import CanonicalProblem, blended_target, solve
from quotaflow.planning.rollup import roll_up
from quotaflow.planning.rounding import MAX_AMOUNT, UNBOUNDED
from quotaflow.planning.tree import Tree

if TYPE_CHECKING:
    from scipy import sparse

ReconcileMethod = Literal["top_down_total", "keep_submitted", "blend", "least_squares"]
METHODS: tuple[str, ...] = ("top_down_total", "keep_submitted", "blend", "least_squares")

#: Names of the codes in ``Reconciliation.rule``: what set each final value.
RULES: tuple[str, ...] = (
    "top_down_total",
    "bottom_up_share",
    "submitted",
    "spread_remainder",
    "blend",
    "least_squares",
    "lock",
    "floor",
    "cap",
)
_RULE = {name: code for code, name in enumerate(RULES)}
#: What the final integer cascade used as weights (its derivation calls them "potential").
_SPLIT_BY = {
    "top_down_total": "bottom_up values",
    "keep_submitted": "top_down values (kept submissions locked)",
    "blend": "blended values",
    "least_squares": "least-squares optimum",
}


@dataclass(frozen=True, eq=False)
class Reconciliation:
    """Per node (shape ``(n,)``, caller's order, minor units): both inputs and the outcome.

    Attributes:
        method: the reconciliation method used.
        top_down, bottom_up: the inputs.
        final: the reconciled, coherent int64 amounts.
        gap: ``bottom_up − top_down`` (positive: the field asks for more than guidance).
        rule: codes into ``RULES`` saying which rule set each final value.
        allocation: the final integer cascade, with its own derivations.
    """

    tree: Tree
    method: str
    top_down: IntArray
    bottom_up: IntArray
    final: IntArray
    gap: IntArray
    rule: np.ndarray[Any, np.dtype[np.int8]]
    allocation: CascadeResult

    def rule_of(self, node_id: int) -> str:
        """Name of the rule that set one node's final value."""
        return RULES[int(self.rule[self.tree.position_of([node_id])[0]])]

    def explain(self, node_id: int) -> dict[str, Any]:
        """Plain data: both inputs, final, gap, rule and the split's derivation."""
        i = int(self.tree.position_of([node_id])[0])
        return {
            "node_id": node_id,
            "method": self.method,
            "top_down": int(self.top_down[i]),
            "bottom_up": int(self.bottom_up[i]),
            "final": int(self.final[i]),
            "gap": int(self.gap[i]),
            "rule": RULES[int(self.rule[i])],
            "children_split_by": _SPLIT_BY[self.method],
            "allocation": self.allocation.explain(node_id),
        }


def reconcile(
    tree: Tree,
    top_down: ArrayLike,
    bottom_up: ArrayLike,
    *,
    method: ReconcileMethod,
    submitted: ArrayLike | None = None,
    top_down_weight: float | ArrayLike = 0.5,
    bottom_up_weight: float | ArrayLike | None = None,
    bounds: Bounds | None = None,
    granularity: int = 1,
) -> Reconciliation:
    """Reconcile top-down and bottom-up amounts over the whole tree.

    Args:
        tree: the tree (one root).
        top_down, bottom_up: shape ``(n,)`` int64 amounts per node in minor units.
        method: one of ``METHODS`` (see the module docstring).
        submitted: shape ``(n,)`` bool, leaves that submitted (``keep_submitted``); default
            all leaves.
        top_down_weight: α of ``blend`` (scalar or per node, shape ``(n,)``), or the weight
            of the top-down deviation in ``least_squares``.
        bottom_up_weight: weight of the bottom-up deviation in ``least_squares``; default
            ``1 − top_down_weight``.
        bounds: locks, floors and caps every final value must respect.
        granularity: rounding step of the final amounts below the root (minor units).

    Raises:
        InvalidInput: unknown method, bad shapes or weights.
        InfeasibleConstraints: the locks, bounds (and kept submissions) cannot add up.
    """
    n = tree.size
    td = _amounts(top_down, n, "top_down")
    bu = _amounts(bottom_up, n, "bottom_up")
    if int((tree.level == 0).sum()) != 1:
        raise InvalidInput("reconciliation needs a tree with exactly one root")
    if method not in METHODS:
        raise InvalidInput(f"unknown reconciliation method {method!r}; choose from {METHODS}")
    inputs = _Inputs(
        tree=tree,
        top_down=td,
        bottom_up=bu,
        root=int(np.flatnonzero(tree.level == 0)[0]),
        bounds=bounds,
        user=resolve_bounds(bounds, tree.node_ids),
    )
    if method == "top_down_total":
        plan = _Plan(bu.astype(np.float64), int(td[inputs.root]), bounds, "bottom_up_share")
    elif method == "keep_submitted":
        plan = _plan_keep_submitted(inputs, submitted)
    elif method == "blend":
        plan = _plan_blend(inputs, top_down_weight)
    else:
        plan = _plan_least_squares(inputs, top_down_weight, bottom_up_weight)

    # The root keeps its own lock, floor and cap whatever the method proposes for it.
    root_amount = _root_within_bounds(plan.root_amount, inputs.user, inputs.root)
    if method == "least_squares":
        allocation = round_to_tree(
            tree, plan.weights, root_amount, granularity=granularity, bounds=plan.bounds
        )
    else:
        allocation = cascade(
            tree,
            root_amount,
            LevelRule(method=Potential(), granularity=granularity),
            data=NodeData(potential=np.maximum(plan.weights, 0.0)),
            bounds=plan.bounds,
        )
    codes = _rules(allocation, _RULE[plan.rule])
    if plan.kept is not None:
        codes[plan.kept] = _RULE["submitted"]
    keeps_total = method in ("top_down_total", "keep_submitted")
    codes[inputs.root] = _RULE["top_down_total"] if keeps_total else _RULE[plan.rule]
    _mark_bound_hits(codes, allocation.targets, inputs.user)
    return Reconciliation(tree, method, td, bu, allocation.targets, bu - td, codes, allocation)


@dataclass(frozen=True)
class _Inputs:
    tree: Tree
    top_down: IntArray
    bottom_up: IntArray
    root: int
    bounds: Bounds | None
    user: ResolvedBounds


@dataclass(frozen=True)
class _Plan:
    """What a method hands to the final integer cascade."""

    weights: FloatArray
    root_amount: int
    bounds: Bounds | None
    rule: str
    kept: np.ndarray[Any, np.dtype[np.bool_]] | None = None


def _plan_keep_submitted(inputs: _Inputs, submitted: ArrayLike | None) -> _Plan:
    """Lock every fully submitted node at its bottom-up value; spread the rest by top-down.

    A submission that breaks its own leaf's floor or cap, or a leaf the plan owner locked,
    is not kept (the owner's rule wins over a proposal), so neither are the nodes above it;
    nor are the submissions under an inner node whose own bounds or lock they would break.
    A kept node is never one the owner locked.
    """
    user, tree, bu = inputs.user, inputs.tree, inputs.bottom_up
    within = (bu >= user.lower) & (bu <= user.upper)
    keepable = within & ~user.locked
    full = _fully_submitted(tree, submitted, keepable)
    # An inner node whose kept submissions add up outside its own bounds (or off its lock)
    # keeps none of them: its bounds are the owner's rule, the submissions proposals.
    breaks = full & ~within
    if breaks.any():
        full = _fully_submitted(tree, submitted, keepable & ~_in_subtrees(tree, breaks))
    kept = full & ~user.locked
    bounds = _with_locks(inputs.bounds, inputs.tree.size, kept, inputs.bottom_up)
    root_amount = int(inputs.top_down[inputs.root])
    return _Plan(inputs.top_down.astype(np.float64), root_amount, bounds, "spread_remainder", kept)


def _plan_blend(inputs: _Inputs, top_down_weight: float | ArrayLike) -> _Plan:
    """Per node α·td + (1 − α)·bu in exact integers; the root keeps its blend."""
    alpha = _basis_points(top_down_weight, inputs.tree.size)
    td, bu = inputs.top_down, inputs.bottom_up
    if max(magnitude(td), magnitude(bu)) * 4 * BASIS_POINTS < FAST_LIMIT:
        mixed: Any = td * alpha + bu * (BASIS_POINTS - alpha)
    else:  # the products pass int64: form them in exact Python integers
        mixed = wide(td) * wide(alpha) + wide(bu) * (BASIS_POINTS - wide(alpha))
    blended = narrow((2 * mixed + BASIS_POINTS) // (2 * BASIS_POINTS), "a blended amount")
    return _Plan(blended.astype(np.float64), int(blended[inputs.root]), inputs.bounds, "blend")


def _plan_least_squares(
    inputs: _Inputs, top_down_weight: float | ArrayLike, bottom_up_weight: float | ArrayLike | None
) -> _Plan:
    """The weighted least-squares optimum; the root is its value rounded (or its lock)."""
    n = inputs.tree.size
    w_td = np.broadcast_to(np.asarray(top_down_weight, dtype=np.float64), (n,))
    w_bu = (
        1.0 - w_td
        if bottom_up_weight is None
        else np.broadcast_to(np.asarray(bottom_up_weight, dtype=np.float64), (n,))
    )
    solution = least_squares_solution(
        inputs.tree, inputs.top_down, inputs.bottom_up, w_td, w_bu, inputs.user
    )
    root_amount = _root_integer(solution[inputs.root], inputs.user, inputs.root)
    return _Plan(solution, root_amount, inputs.bounds, "least_squares")


def _rules(allocation: CascadeResult, default: int) -> np.ndarray[Any, np.dtype[np.int8]]:
    """Map the cascade's binding codes (canonical) to reconciliation rules (caller's order)."""
    binding = np.empty_like(allocation.columns.binding)
    binding[allocation.tree.order] = allocation.columns.binding
    by_binding = {
        "none": default,
        "lock": _RULE["lock"],
        "floor": _RULE["floor"],
        "cap": _RULE["cap"],
    }
    table = np.array([by_binding[name] for name in BINDINGS], dtype=np.int8)
    codes: np.ndarray[Any, np.dtype[np.int8]] = table[binding]
    return codes


def _mark_bound_hits(codes: Any, final: IntArray, user: ResolvedBounds) -> None:
    """Label nodes sitting exactly on an explicit floor or cap (or a lock) by that bound."""
    explicit_lower = (user.lower_source != SOURCE_NONE) & (user.lower_source != SOURCE_NON_NEGATIVE)
    codes[explicit_lower & (final == user.lower)] = _RULE["floor"]
    codes[(user.upper < UNBOUNDED) & (final == user.upper)] = _RULE["cap"]
    codes[user.locked] = _RULE["lock"]


def _in_subtrees(
    tree: Tree, roots: np.ndarray[Any, np.dtype[np.bool_]]
) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Nodes that are in the subtree of some node in ``roots`` (caller's order, shape (n,))."""
    inside = roots[tree.order].copy()
    for lvl in range(1, tree.depth):
        _, parent_pos = tree.children_groups(lvl)
        kids = tree.level_slice(lvl)
        inside[kids] |= inside[parent_pos]
    out = np.empty_like(inside)
    out[tree.order] = inside
    return out


def _fully_submitted(
    tree: Tree, submitted: ArrayLike | None, keepable: np.ndarray[Any, np.dtype[np.bool_]]
) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Nodes all of whose leaves submitted a keepable value (shape ``(n,)``, caller's order)."""
    mask = (
        tree.is_leaf.copy()
        if submitted is None
        else np.asarray(submitted, dtype=np.bool_).reshape(-1) & tree.is_leaf
    )
    if mask.size != tree.size:
        raise InvalidInput(f"submitted has {mask.size} entries for {tree.size} nodes")
    mask &= keepable
    leaves = roll_up(tree, tree.is_leaf.astype(np.int64)).values
    done = roll_up(tree, mask.astype(np.int64)).values
    kept: np.ndarray[Any, np.dtype[np.bool_]] = (done == leaves) & (leaves > 0)
    return kept


def _with_locks(
    bounds: Bounds | None, n: int, lock: np.ndarray[Any, np.dtype[np.bool_]], values: IntArray
) -> Bounds:
    """``bounds`` plus locks at ``values`` where ``lock`` (user locks stay as they are)."""
    base = bounds or Bounds()
    is_locked = (
        np.zeros(n, dtype=np.bool_)
        if base.is_locked is None
        else np.asarray(base.is_locked, dtype=np.bool_)
    )
    if base.locked is not None and base.is_locked is None:
        is_locked = np.ones(n, dtype=np.bool_)
    locked = (
        np.zeros(n, dtype=np.int64)
        if base.locked is None
        else np.asarray(base.locked, dtype=np.int64)
    )
    return Bounds(
        locked=np.where(lock, values, locked),
        is_locked=is_locked | lock,
        floor=base.floor,
        has_floor=base.has_floor,
        cap=base.cap,
        has_cap=base.has_cap,
        min_change=base.min_change,
        max_change=base.max_change,
        baseline=base.baseline,
        non_negative=base.non_negative,
    )


def summing_matrix(tree: Tree) -> tuple[sparse.csr_matrix, IntArray]:
    """Sparse ``S`` (shape ``(n, leaves)``) with ``S @ leaf_values`` = every node's sum.

    Rows follow the caller's node order; returns ``(S, leaf_index)`` where ``leaf_index``
    (shape ``(leaves,)``) gives each column's node position.
    """
    leaf_index = np.flatnonzero(tree.is_leaf)
    rows, cols = [leaf_index], [np.arange(leaf_index.size)]
    ancestor = tree.parent[leaf_index]
    while (ancestor >= 0).any():
        has = ancestor >= 0
        rows.append(ancestor[has])
        cols.append(np.arange(leaf_index.size)[has])
        ancestor = np.where(has, tree.parent[np.maximum(ancestor, 0)], -1)
    r, c = np.concatenate(rows), np.concatenate(cols)
    from scipy import sparse  # SciPy loads only when reconciliation needs it

    s = sparse.csr_matrix((np.ones(r.size), (r, c)), shape=(tree.size, leaf_index.size))
    return s, leaf_index


def least_squares_solution(
    tree: Tree,
    top_down: IntArray,
    bottom_up: IntArray,
    top_down_weight: FloatArray,
    bottom_up_weight: FloatArray,
    bounds: ResolvedBounds,
) -> FloatArray:
    """Coherent float amounts (shape ``(n,)``) closest to both inputs in weighted least squares.

    Minimises ``Σᵢ w_tdᵢ (xᵢ − tdᵢ)² + w_buᵢ (xᵢ − buᵢ)²`` over coherent ``x`` (every parent
    the sum of its children) within every node's bounds and locks, root and inner nodes
    included. See ``quotaflow.planning.least_squares`` for the method (closed form, sparse QP
    with Clarabel, polish).

    Args:
        tree: the tree.
        top_down, bottom_up: shape ``(n,)`` int64 amounts (minor units), caller's order.
        top_down_weight, bottom_up_weight: shape ``(n,)`` non-negative weights, not both 0.
        bounds: resolved bounds in the caller's order.

    Raises:
        InvalidInput: bad weights.
        InfeasibleConstraints: the bounds cannot be met together (decided in integers).
        PlanningError: the solver failed (its status is named).
    """
    target, weight = blended_target(top_down, bottom_up, top_down_weight, bottom_up_weight)
    # Decide feasibility exactly, in integers, before any float work (see least_squares).
    canon = implied_bounds(tree, _reorder(bounds, tree.order), (LevelRule(),) * tree.depth)
    _check_locked_parents(tree, canon)
    o = tree.order
    problem = CanonicalProblem(
        target=target[o],
        weight=weight[o],
        lower=_float_bound(bounds.lower, -np.inf)[o],
        upper=_float_bound(bounds.upper, np.inf)[o],
    )
    x = solve(tree, problem)
    out = np.empty(tree.size)
    out[o] = x
    return out


def _check_locked_parents(tree: Tree, canon: ResolvedBounds) -> None:
    """Raise if a locked parent's children cannot add up to its lock (canonical bounds).

    ``implied_bounds`` tightens free parents to what their children can reach; a lock is
    not tightened, so its children are checked against it here.
    """
    ids = tree.canonical_ids
    for lvl in range(1, tree.depth):
        _, parent_pos = tree.children_groups(lvl)
        kids = np.arange(tree.level_slice(lvl).start, tree.level_slice(lvl).stop)
        under_lock = canon.locked[parent_pos]
        if not under_lock.any():
            continue
        kids, parent_pos = kids[under_lock], parent_pos[under_lock]
        parents = np.unique(parent_pos)
        check_group_feasibility(
            canon.lower[parents],
            np.searchsorted(parents, parent_pos).astype(np.intp),
            canon.lower[kids],
            canon.upper[kids],
            ids[kids],
            parent_ids=ids[parents],
            sources=(canon.lower_source[kids], canon.upper_source[kids]),
        )


def _reorder(bounds: ResolvedBounds, order: Any) -> ResolvedBounds:
    return ResolvedBounds(
        bounds.lower[order],
        bounds.upper[order],
        bounds.lower_source[order],
        bounds.upper_source[order],
        bounds.locked[order],
    )


def _root_integer(value: float, bounds: ResolvedBounds, root: int) -> int:
    """The root's float optimum as the nearest integer (its bounds applied by the caller)."""
    return int(np.clip(np.rint(value), -float(MAX_AMOUNT), float(MAX_AMOUNT)))


def _root_within_bounds(amount: int, bounds: ResolvedBounds, root: int) -> int:
    """A lock on the root wins; otherwise its floor and cap clip the proposed amount."""
    if bounds.locked[root]:
        return int(bounds.lower[root])
    return min(max(int(amount), int(bounds.lower[root])), int(bounds.upper[root]))


def _float_bound(values: IntArray, unbounded: float) -> FloatArray:
    return np.where(np.abs(values) >= UNBOUNDED, unbounded, values.astype(np.float64))


def _basis_points(weight: float | ArrayLike, n: int) -> IntArray:
    alpha = np.broadcast_to(np.asarray(weight, dtype=np.float64), (n,))
    if not np.isfinite(alpha).all() or (alpha < 0).any() or (alpha > 1).any():
        raise InvalidInput("top_down_weight must lie in [0, 1]")
    return np.rint(alpha * BASIS_POINTS).astype(np.int64)


def _amounts(values: ArrayLike, n: int, name: str) -> IntArray:
    out = np.asarray(values)
    if out.shape != (n,) or not np.issubdtype(out.dtype, np.integer):
        raise InvalidInput(f"{name} must be int64 minor units of shape ({n},)")
    check_range(out, name)
    return out.astype(np.int64)
