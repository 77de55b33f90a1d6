"""Hybrid reconciliation of top-down guidance and bottom-up submissions.

Both inputs are per-node int64 amounts (minor units) over the same tree. Every method ends
in the same exact integer step: a root amount, then a cascade that splits each parent among
its children in proportion to method-specific weights, inside locks, floors and caps. So the
final numbers are always coherent, locks are kept and bounds hold.

**Over-assignment.** A cycle may give every level its own over-assignment (``0.05``: the
children of that level's parents sum to parent × 1.05, as in the top-down cascade that made
the guidance). Reconciliation keeps it: every split hands out ``over_assigned(parent)``, so
reconciled children sum exactly to their parent × (1 + the level's over-assignment), like the
guidance they are compared with. Each node's amounts are at its own level: a parent's
bottom-up amount is what its children's bottom-up amounts imply for it, their sum ÷ (1 +
over-assignment) rounded half up (``bottom_up_at_levels``; with no over-assignment, the sum).
Under a negative over-assignment several parent amounts give the same children's total, so
that amount can be a minor unit off a parent's guidance even where nobody submitted.

Methods:

* ``"top_down_total"`` — (a) keep the top-down root total, share it by the bottom-up values.
* ``"keep_submitted"`` — (b) keep every submitted value (a node is kept when all the leaves
  under it submitted, at the amount they imply for it); spread what is left of each parent
  over the other children in proportion to their top-down values. The root keeps its
  top-down total. A parent every child of which is kept — the root when everyone submitted,
  or an inner node the plan owner locked — has no one to spread the rest to: its children
  keep their submissions and the rest, ``over_assigned(parent) − Σ children`` (positive:
  the field committed less than guidance; negative: more), is its ``unallocated`` amount,
  reported and explained, never pushed onto anybody. A kept inner node with
  over-assignment can show one minor unit there too: its submissions' sum is not always
  a whole parent amount × (1 + over-assignment).
* ``"blend"`` — (c) per node ``α·top-down + (1 − α)·bottom-up`` (α resolved to basis
  points), made coherent top-down: the root takes its blend, children share by theirs.
* ``"least_squares"`` — (d) minimise ``Σ w_td (x − td)² + w_bu (x − bu)²`` over all nodes
  subject to coherence (with over-assignment), locks and bounds
  (``quotaflow.planning.least_squares``: closed form when no bound binds, else a sparse QP,
  solved on amounts divided by each level's cumulative over-assignment so that coherence is a
  plain sum), then made integer by ``round_to_tree``, which keeps every lock and bound and
  moves each node by about one rounding step.

Every method keeps the locks, floors and caps of every node, the root included: a lock on
the root is its amount, whatever the method proposes, and its floor and cap clip it. A
``keep_submitted`` submission that breaks its own bound, or the bound or lock of an inner
node above it, is not kept. When bounds and the method's own promise (the top-down root
total, the kept submissions beside the others' floors and caps) cannot both hold,
``InfeasibleConstraints`` names the parent; kept submissions among its conflicts carry the
source ``"submitted"``. Blends are exact in integers at every amount within ``±MAX_AMOUNT``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import ArrayLike

from quotaflow.planning._exact import FAST_LIMIT, check_range, magnitude, narrow, wide
from quotaflow.planning._segments import FloatArray, IndexArray, IntArray, group_sum_exact
from quotaflow.planning.allocation import NodeData
from quotaflow.planning.cascade import (
    BINDINGS,
    CascadeResult,
    LevelRule,
    cascade,
    implied_bounds,
    over_assigned,
    potential_rules,
    round_to_tree,
    under_assigned,
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
from quotaflow.planning.errors import BoundConflict, InfeasibleConstraints, InvalidInput
from quotaflow.planning.explain import AmountText, minor_units
from quotaflow.planning.least_squares import CanonicalProblem, blended_target, solve
from quotaflow.planning.rollup import roll_up
from quotaflow.planning.rounding import MAX_AMOUNT, UNBOUNDED
from quotaflow.planning.tree import Tree, build_tree

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
#: How each method's numbers come about, in words (start of a node's summary).
_SUMMARY = {
    "top_down_total": "Top-down total shared by the bottom-up numbers",
    "keep_submitted": "Submissions kept, the rest spread by top-down",
    "blend": "Weighted blend of top-down and bottom-up",
    "least_squares": "Closest coherent plan to both (least squares)",
}
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
        final: the reconciled int64 amounts.
        gap: ``bottom_up − top_down`` (positive: the field asks for more than guidance).
        rule: codes into ``RULES`` saying which rule set each final value.
        allocation: the final integer cascade, with its own derivations (for
            ``keep_submitted``, over the nodes it split: the ones not set by submissions).
        over_assignment_bp: the over-assignment of each level's split, in basis points
            (``over_assignment_bp[l]`` for the parents of level ``l``).
        allocated: what each parent's children add up to (0 on leaves).
        unallocated: ``over_assigned(final) − allocated`` on parents (0 on leaves): what a
            parent could not hand out because every child kept its submission. Zero for
            every method but ``keep_submitted``.
    """

    tree: Tree
    method: str
    top_down: IntArray
    bottom_up: IntArray
    final: IntArray
    gap: IntArray
    rule: np.ndarray[Any, np.dtype[np.int8]]
    allocation: CascadeResult
    over_assignment_bp: tuple[int, ...]
    allocated: IntArray
    unallocated: IntArray

    def rule_of(self, node_id: int) -> str:
        """Name of the rule that set one node's final value."""
        return RULES[int(self.rule[self.tree.position_of([node_id])[0]])]

    def over_assignment_of(self, node_id: int) -> float:
        """The over-assignment (fraction) with which this node's children split it."""
        i = int(self.tree.position_of([node_id])[0])
        return self._bp(i) / BASIS_POINTS

    def _bp(self, i: int) -> int:
        level = int(self.tree.level[i])
        return self.over_assignment_bp[level] if level < len(self.over_assignment_bp) else 0

    def explain(self, node_id: int, amount_text: AmountText = minor_units) -> dict[str, Any]:
        """Plain data: both inputs, final, gap, rule, what the children share and the split's
        derivation (``None`` for a number set by the submissions beneath it), amounts in
        minor units; the summaries write them with ``amount_text``."""
        i = int(self.tree.position_of([node_id])[0])
        split = self.allocation.tree.node_ids
        in_split = bool(np.isin(node_id, split))
        return {
            "node_id": node_id,
            "method": self.method,
            "top_down": int(self.top_down[i]),
            "bottom_up": int(self.bottom_up[i]),
            "final": int(self.final[i]),
            "gap": int(self.gap[i]),
            "rule": RULES[int(self.rule[i])],
            "children_split_by": _SPLIT_BY[self.method],
            "over_assignment": self._bp(i) / BASIS_POINTS,
            "allocated_to_children": None if self.tree.is_leaf[i] else int(self.allocated[i]),
            "unallocated": int(self.unallocated[i]),
            "summary": self._sentence(i, amount_text),
            "allocation": self.allocation.explain(node_id, amount_text) if in_split else None,
        }

    def _sentence(self, i: int, money: AmountText) -> str:
        """One line for people on how this node's final number came about."""
        final, rule = money(int(self.final[i])), RULES[int(self.rule[i])]
        allocated = money(int(self.allocated[i]))
        if rule == "submitted" and self.tree.is_leaf[i]:
            text = f"{final} is the submitted number, kept."
        elif rule == "submitted":
            over = self._bp(i) / BASIS_POINTS
            text = f"The submissions beneath add up to {allocated}"
            text += f", which at {over:g} over-assignment is {final} here." if over else "."
        else:
            text = (
                f"{_SUMMARY[self.method]}: top-down {money(int(self.top_down[i]))}, "
                f"bottom-up {money(int(self.bottom_up[i]))} → {final} ({rule.replace('_', ' ')})."
            )
        gap = int(self.unallocated[i])
        if gap:
            expected = money(int(self.allocated[i]) + gap)
            text += (
                f" Its children keep their submissions ({allocated}), so of the"
                f" {expected} it hands out with {self._bp(i) / BASIS_POINTS:g} over-assignment"
                f" {money(abs(gap))} is {'not allocated' if gap > 0 else 'committed beyond it'}."
            )
        return text


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
    over_assignment: float | Sequence[float] = 0.0,
) -> Reconciliation:
    """Reconcile top-down and bottom-up amounts over the whole tree.

    Args:
        tree: the tree (one root).
        top_down, bottom_up: shape ``(n,)`` int64 amounts per node in minor units, each at
            its own level (see the module docstring; ``bottom_up_at_levels``).
        method: one of ``METHODS`` (see the module docstring).
        submitted: shape ``(n,)`` bool, leaves that submitted (``keep_submitted``); default
            all leaves.
        top_down_weight: α of ``blend`` (scalar or per node, shape ``(n,)``), or the weight
            of the top-down deviation in ``least_squares``.
        bottom_up_weight: weight of the bottom-up deviation in ``least_squares``; default
            ``1 − top_down_weight``.
        bounds: locks, floors and caps every final value must respect.
        granularity: rounding step of the final amounts below the root (minor units).
        over_assignment: fraction added on top of each parent before its children share it,
            one for every level or ``over_assignment[l]`` for the parents of level ``l``
            (the last repeats downwards); the same as the cascade that made the guidance.

    Raises:
        InvalidInput: unknown method, bad shapes, weights or over-assignment.
        InfeasibleConstraints: the locks, bounds (and kept submissions) cannot add up.
    """
    n = tree.size
    td = _amounts(top_down, n, "top_down")
    bu = _amounts(bottom_up, n, "bottom_up")
    if int((tree.level == 0).sum()) != 1:
        raise InvalidInput("reconciliation needs a tree with exactly one root")
    if method not in METHODS:
        raise InvalidInput(f"unknown reconciliation method {method!r}; choose from {METHODS}")
    rules = potential_rules(tree.depth, over_assignment, granularity)
    inputs = _Inputs(
        tree=tree,
        top_down=td,
        bottom_up=bu,
        root=int(np.flatnonzero(tree.level == 0)[0]),
        bounds=bounds,
        user=resolve_bounds(bounds, tree.node_ids),
        rules=rules,
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
            tree,
            plan.weights,
            root_amount,
            granularity=granularity,
            bounds=plan.bounds,
            over_assignment=[r.over_assignment for r in rules],
        )
        final, codes = allocation.targets, _rules(allocation, _RULE[plan.rule])
    else:
        final, codes, allocation = _final_cascade(inputs, plan, root_amount)
    keeps_total = method in ("top_down_total", "keep_submitted")
    codes[inputs.root] = _RULE["top_down_total"] if keeps_total else _RULE[plan.rule]
    _mark_bound_hits(codes, final, inputs.user)
    if plan.kept is not None:  # a kept submission on its floor or cap is still a submission
        codes[plan.kept & ~inputs.user.locked] = _RULE["submitted"]
    bps = tuple(r.over_assignment_bp for r in rules)
    allocated = _children_totals(tree, final)
    unallocated = np.where(tree.is_leaf, 0, _over_assigned_by_level(tree, final, bps) - allocated)
    return Reconciliation(
        tree, method, td, bu, final, bu - td, codes, allocation, bps, allocated, unallocated
    )


@dataclass(frozen=True)
class _Inputs:
    tree: Tree
    top_down: IntArray
    bottom_up: IntArray
    root: int
    bounds: Bounds | None
    user: ResolvedBounds
    rules: tuple[LevelRule, ...]

    @property
    def bps(self) -> tuple[int, ...]:
        return tuple(r.over_assignment_bp for r in self.rules)


@dataclass(frozen=True)
class _Plan:
    """What a method hands to the final integer cascade.

    ``kept`` marks the nodes whose final number the submissions set (``fixed`` holds it);
    ``split`` the nodes the cascade splits (``None``: all of them).
    """

    weights: FloatArray
    root_amount: int
    bounds: Bounds | None
    rule: str
    kept: np.ndarray[Any, np.dtype[np.bool_]] | None = None
    split: np.ndarray[Any, np.dtype[np.bool_]] | None = None
    fixed: IntArray | None = None


def _final_cascade(
    inputs: _Inputs, plan: _Plan, root_amount: int
) -> tuple[IntArray, np.ndarray[Any, np.dtype[np.int8]], CascadeResult]:
    """The integer cascade over the nodes the plan splits; the rest keep ``plan.fixed``."""
    tree = inputs.tree
    if plan.split is None or plan.fixed is None:
        allocation = cascade(
            tree,
            root_amount,
            inputs.rules,
            data=NodeData(potential=np.maximum(plan.weights, 0.0)),
            bounds=plan.bounds,
        )
        return allocation.targets, _rules(allocation, _RULE[plan.rule]), allocation
    kept = np.zeros(tree.size, dtype=np.bool_) if plan.kept is None else plan.kept
    index = np.flatnonzero(plan.split)
    parent_ids = np.where(tree.parent >= 0, tree.node_ids[np.maximum(tree.parent, 0)], -1)
    part = build_tree(tree.node_ids[index], parent_ids[index])
    try:
        allocation = cascade(
            part,
            root_amount,
            inputs.rules,
            data=NodeData(potential=np.maximum(plan.weights[index], 0.0)),
            bounds=_subset(plan.bounds, index),
        )
    except InfeasibleConstraints as error:
        raise _naming_submissions(tree, error, kept & plan.split, plan.fixed) from None
    final = plan.fixed.copy()
    final[index] = allocation.targets
    codes = np.full(tree.size, _RULE[plan.rule], dtype=np.int8)
    codes[index] = _rules(allocation, _RULE[plan.rule])
    return final, codes, allocation


def _naming_submissions(
    tree: Tree,
    error: InfeasibleConstraints,
    locked: np.ndarray[Any, np.dtype[np.bool_]],
    values: IntArray,
) -> InfeasibleConstraints:
    """The same error naming the kept submissions behind it (source ``submitted``).

    ``locked`` marks the kept nodes the cascade held at their submissions (``values``).
    Those among the conflicts are marked; those beneath a conflicting node whose bound is
    implied by its children are added, since they are what implies it.
    """
    ids = tree.node_ids
    kept = set(ids[locked].tolist())
    implied = np.isin(
        ids,
        [
            c.node_id
            for c in error.conflicts
            if "implied_by_children" in (c.lower_source, c.upper_source)
        ],
    )
    beneath = (
        locked & _in_subtrees(tree, implied) & ~np.isin(ids, [c.node_id for c in error.conflicts])
    )
    conflicts = [
        replace(c, lower_source="submitted", upper_source="submitted") if c.node_id in kept else c
        for c in error.conflicts
    ] + [
        BoundConflict(int(ids[i]), int(values[i]), int(values[i]), True, "submitted", "submitted")
        for i in sorted(np.flatnonzero(beneath), key=lambda i: int(ids[i]))
    ]
    return InfeasibleConstraints(
        reason=error.reason,
        conflicts=conflicts,
        parent_id=error.parent_id,
        amount=error.amount,
        other_parents=error.other_parents,
    )


def bottom_up_at_levels(
    tree: Tree, values: ArrayLike, over_assignment: float | Sequence[float] = 0.0
) -> IntArray:
    """Each node's bottom-up amount at its own level (shape ``(n,)``, caller's order).

    Leaves keep their ``values``; a parent takes its children's amounts summed and divided
    by (1 + its level's over-assignment), rounded half up (``under_assigned``): the parent
    amount whose over-assignment they fill. Inner nodes' ``values`` are ignored.
    """
    n = tree.size
    leaves = _amounts(values, n, "bottom-up values")
    bps = [r.over_assignment_bp for r in potential_rules(tree.depth, over_assignment)]
    amount = leaves[tree.order].copy()
    for lvl in range(tree.depth - 1, 0, -1):
        group, _ = tree.children_groups(lvl)
        parents = tree.level_slice(lvl - 1)
        n_groups = parents.stop - parents.start
        sums = group_sum_exact(amount[tree.level_slice(lvl)], group, n_groups)
        has_kids = np.bincount(group, minlength=n_groups) > 0
        totals = under_assigned(narrow(sums, "a bottom-up total"), bps[lvl - 1])
        amount[parents] = np.where(has_kids, totals, amount[parents])
    out = np.empty(n, dtype=np.int64)
    out[tree.order] = amount
    return out


def _children_totals(tree: Tree, values: IntArray) -> IntArray:
    """What each node's children add up to (0 on leaves), exactly (caller's order)."""
    canon = values[tree.order]
    totals = np.zeros(tree.size, dtype=np.int64)
    for lvl in range(1, tree.depth):
        group, _ = tree.children_groups(lvl)
        parents = tree.level_slice(lvl - 1)
        sums = group_sum_exact(canon[tree.level_slice(lvl)], group, parents.stop - parents.start)
        totals[parents] = narrow(sums, "the children's total")
    out = np.empty(tree.size, dtype=np.int64)
    out[tree.order] = totals
    return out


def _over_assigned_by_level(tree: Tree, values: IntArray, bps: tuple[int, ...]) -> IntArray:
    """``over_assigned`` of every node by its own level's over-assignment (leaves unchanged)."""
    out = values.copy()
    for lvl, bp in enumerate(bps):
        on = tree.level == lvl
        out[on] = over_assigned(values[on], bp)
    return out


def _subset(bounds: Bounds | None, index: IndexArray) -> Bounds | None:
    """The same bounds for the nodes at ``index`` only (arrays sliced, flags kept)."""
    if bounds is None:
        return None

    def part(values: Any) -> Any:
        return None if values is None else np.asarray(values)[index]

    return Bounds(
        locked=part(bounds.locked),
        is_locked=part(bounds.is_locked),
        floor=part(bounds.floor),
        has_floor=part(bounds.has_floor),
        cap=part(bounds.cap),
        has_cap=part(bounds.has_cap),
        min_change=part(bounds.min_change),
        max_change=part(bounds.max_change),
        baseline=part(bounds.baseline),
        non_negative=bounds.non_negative,
    )


def _plan_keep_submitted(inputs: _Inputs, submitted: ArrayLike | None) -> _Plan:
    """Lock every fully submitted node at its bottom-up value; spread the rest by top-down.

    A submission that breaks its own leaf's floor or cap, or a leaf the plan owner locked,
    is not kept (the owner's rule wins over a proposal), so neither are the nodes above it;
    nor are the submissions under an inner node whose own bounds or lock they would break.
    A kept node is never one the owner locked, nor the root (which keeps its top-down total).
    Nodes below a kept node, and the children of a parent every child of which is kept,
    take their submissions' amounts directly; the cascade splits the rest.
    """
    user, tree = inputs.user, inputs.tree
    rolled = bottom_up_at_levels(tree, inputs.bottom_up, [r.over_assignment for r in inputs.rules])
    within = (rolled >= user.lower) & (rolled <= user.upper)
    keepable = within & ~user.locked
    full = _fully_submitted(tree, submitted, keepable)
    # An inner node whose kept submissions add up outside its own bounds (or off its lock)
    # keeps none of them: its bounds are the owner's rule, the submissions proposals.
    breaks = full & ~within
    if breaks.any():
        full = _fully_submitted(tree, submitted, keepable & ~_in_subtrees(tree, breaks))
    kept = full & ~user.locked
    kept[inputs.root] = False
    in_kept = _in_subtrees(tree, kept)
    child = tree.parent >= 0
    parent = tree.parent[child]
    n_children = np.bincount(parent, minlength=tree.size)
    n_kept = np.bincount(parent, weights=kept[child], minlength=tree.size)
    # The root when everyone submitted, or a parent the owner locked: nobody to spread to.
    closed = ~in_kept & (n_children > 0) & (n_kept == n_children)
    settled = np.zeros(tree.size, dtype=np.bool_)
    settled[child] = in_kept[parent] | closed[parent]
    from_submissions = in_kept | settled
    bounds = _with_locks(inputs.bounds, tree.size, kept, rolled)
    return _Plan(
        inputs.top_down.astype(np.float64),
        int(inputs.top_down[inputs.root]),
        bounds,
        "spread_remainder",
        kept=from_submissions,
        split=~settled,
        fixed=rolled,
    )


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
        inputs.tree,
        inputs.top_down,
        inputs.bottom_up,
        w_td,
        w_bu,
        inputs.user,
        over_assignment_bp=inputs.bps,
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
    *,
    over_assignment_bp: Sequence[int] = (),
) -> FloatArray:
    """Coherent float amounts (shape ``(n,)``) closest to both inputs in weighted least squares.

    Minimises ``Σᵢ w_tdᵢ (xᵢ − tdᵢ)² + w_buᵢ (xᵢ − buᵢ)²`` over coherent ``x`` (every
    parent's children summing to it × (1 + its level's over-assignment)) within every node's
    bounds and locks, root and inner nodes included. See ``quotaflow.planning.least_squares``
    for the method (closed form, sparse QP with Clarabel, polish). With over-assignment the
    problem is solved on ``y = x / Fᵥ``, ``Fᵥ`` the product of (1 + over-assignment) of the
    levels above node ``v``: coherence of ``y`` is a plain sum, the weights become ``w F²``,
    targets and bounds ``/ F``.

    Args:
        tree: the tree.
        top_down, bottom_up: shape ``(n,)`` int64 amounts (minor units), caller's order.
        top_down_weight, bottom_up_weight: shape ``(n,)`` non-negative weights, not both 0.
        bounds: resolved bounds in the caller's order.
        over_assignment_bp: per level (``[l]`` for the parents of level ``l``), basis
            points; missing levels have none.

    Raises:
        InvalidInput: bad weights.
        InfeasibleConstraints: the bounds cannot be met together (decided in integers).
        PlanningError: the solver failed (its status is named).
    """
    target, weight = blended_target(top_down, bottom_up, top_down_weight, bottom_up_weight)
    bps = [
        int(over_assignment_bp[lvl]) if lvl < len(over_assignment_bp) else 0
        for lvl in range(max(tree.depth - 1, 0))
    ]
    rules = tuple(LevelRule(over_assignment=bp / BASIS_POINTS) for bp in bps)
    # Decide feasibility exactly, in integers, before any float work (see least_squares).
    canon = implied_bounds(tree, _reorder(bounds, tree.order), rules)
    _check_locked_parents(tree, canon, bps)
    growth = np.cumprod([1.0, *(1.0 + bp / BASIS_POINTS for bp in bps)])
    scale = growth[tree.level]
    o = tree.order
    problem = CanonicalProblem(
        target=(target / scale)[o],
        weight=(weight * scale**2)[o],
        lower=(_float_bound(bounds.lower, -np.inf) / scale)[o],
        upper=(_float_bound(bounds.upper, np.inf) / scale)[o],
    )
    x = solve(tree, problem)
    out = np.empty(tree.size)
    out[o] = x
    return out * scale


def _check_locked_parents(tree: Tree, canon: ResolvedBounds, bps: Sequence[int]) -> None:
    """Raise if a locked parent's children cannot add up to its lock × (1 + over-assignment)
    (canonical bounds).

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
            over_assigned(canon.lower[parents], bps[lvl - 1]),
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
