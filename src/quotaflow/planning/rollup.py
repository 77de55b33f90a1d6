"""Bottom-up roll-up: submitted leaf values summed up the tree, with manager adjustments.

A manager may adjust what rolls up through them: a per-level uplift (``0.05`` = managers on
that level add 5 % to what their team submitted, rounded half up to the minor unit) and/or an
absolute amount per node. A node's value is then ``Σ children + adjustment``; the adjustment is
the manager's own, recorded apart from the children's sum.

Sums and uplifts are exact for every value within ``±MAX_AMOUNT`` (9.2 × 10¹⁸ minor units);
a roll-up whose result would leave that range is an ``InvalidInput``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from quotaflow.planning._exact import FAST_LIMIT, check_range, magnitude, narrow, wide
from quotaflow.planning._segments import IntArray, group_sum_exact
from quotaflow.planning.constraints import BASIS_POINTS
from quotaflow.planning.errors import InvalidInput
from quotaflow.planning.explain import AmountText, Derivation, minor_units
from quotaflow.planning.tree import Tree


@dataclass(frozen=True, eq=False)
class RollupResult:
    """Rolled-up values (shape ``(n,)`` int64, minor units, in the caller's node order).

    ``values = children_sum + uplift + manual_adjustment`` on every non-leaf node; leaves
    keep their submitted values (adjustments on leaves are ignored).
    """

    tree: Tree
    values: IntArray
    children_sum: IntArray
    uplift: IntArray
    manual_adjustment: IntArray
    level_uplift: dict[int, float]

    def value_of(self, node_id: int) -> int:
        """The rolled-up value of one node, in minor units."""
        return int(self.values[self.tree.position_of([node_id])[0]])

    def derivation(self, node_id: int, amount_text: AmountText = minor_units) -> Derivation:
        """How one node's rolled-up value was formed; the summary writes amounts with
        ``amount_text``."""
        i = int(self.tree.position_of([node_id])[0])
        parent = int(self.tree.parent[i])
        value = int(self.values[i])
        level = int(self.tree.level[i])
        parent_id = None if parent < 0 else int(self.tree.node_ids[parent])
        if self.tree.is_leaf[i]:
            return Derivation(
                node_id=node_id,
                level=level,
                parent_id=parent_id,
                target=value,
                rule="submitted",
                summary=f"{amount_text(value)} was submitted.",
            )
        adjustments: list[dict[str, Any]] = []
        if self.uplift[i]:
            adjustments.append(
                {
                    "kind": "level_uplift",
                    "rate": self.level_uplift.get(level, 0.0),
                    "amount": int(self.uplift[i]),
                }
            )
        if self.manual_adjustment[i]:
            adjustments.append(
                {"kind": "manager_adjustment", "amount": int(self.manual_adjustment[i])}
            )
        return Derivation(
            node_id=node_id,
            level=level,
            parent_id=parent_id,
            target=value,
            rule="roll_up",
            inputs={"children_sum": int(self.children_sum[i])},
            adjustments=tuple(adjustments),
            summary=f"{amount_text(value)} = {amount_text(int(self.children_sum[i]))} from the"
            " children"
            + "".join(
                f" {'+' if a['amount'] >= 0 else '-'}{amount_text(abs(a['amount']))}"
                f" ({a['kind'].replace('_', ' ')})"
                for a in adjustments
            )
            + ".",
        )

    def explain(self, node_id: int, amount_text: AmountText = minor_units) -> dict[str, Any]:
        """Plain-data derivation of one node."""
        return self.derivation(node_id, amount_text).to_dict()


def roll_up(
    tree: Tree,
    leaf_values: ArrayLike,
    *,
    level_uplift: Mapping[int, float] | None = None,
    manager_adjustment: ArrayLike | None = None,
) -> RollupResult:
    """Sum leaf values up the tree, level by level.

    Args:
        tree: the tree.
        leaf_values: shape ``(n,)`` int64 submitted values (minor units) aligned with
            ``tree.node_ids``; entries of non-leaf nodes are ignored.
        level_uplift: ``{level: fraction}`` added by the managers on that level to their
            children's sum (resolved to basis points, rounded half up to the minor unit).
        manager_adjustment: shape ``(n,)`` int64 absolute adjustments per non-leaf node.

    Returns:
        A ``RollupResult``; without adjustments every parent equals the sum of its children.
    """
    n = tree.size
    leaves = _int_array(leaf_values, n, "leaf_values")
    manual = (
        np.zeros(n, dtype=np.int64)
        if manager_adjustment is None
        else _int_array(manager_adjustment, n, "manager_adjustment")
    )
    uplift_bp = {
        int(k): int(round(float(v) * BASIS_POINTS)) for k, v in (level_uplift or {}).items()
    }
    order = tree.order
    is_leaf = tree.is_leaf[order]
    value = np.where(is_leaf, leaves[order], 0)
    children_sum = np.zeros(n, dtype=np.int64)
    uplift = np.zeros(n, dtype=np.int64)
    manual_c = np.where(is_leaf, 0, manual[order])
    for lvl in range(tree.depth - 1, 0, -1):
        group, _ = tree.children_groups(lvl)
        parents = tree.level_slice(lvl - 1)
        sums = group_sum_exact(value[tree.level_slice(lvl)], group, parents.stop - parents.start)
        inner = ~is_leaf[parents]
        bp = uplift_bp.get(lvl - 1, 0)
        if bp and magnitude(sums) * (2 * abs(bp) + 2) + BASIS_POINTS >= FAST_LIMIT:
            sums = wide(sums)  # the uplift's product passes int64: exact Python integers
        lift = (2 * sums * bp + BASIS_POINTS) // (2 * BASIS_POINTS) if bp else 0 * sums
        manual_here = manual_c[parents]
        if magnitude(sums) + magnitude(lift) + magnitude(manual_here) >= FAST_LIMIT:
            sums, lift, manual_here = wide(sums), wide(lift), wide(manual_here)
        total = narrow(np.where(inner, sums + lift + manual_here, 0), "a rolled-up value")
        children_sum[parents] = np.where(inner, narrow(sums, "a sum of children"), 0)
        uplift[parents] = np.where(inner, narrow(lift, "an uplift"), 0)
        value[parents] = np.where(inner, total, value[parents])
    return RollupResult(
        tree=tree,
        values=_to_caller(value, order),
        children_sum=_to_caller(children_sum, order),
        uplift=_to_caller(uplift, order),
        manual_adjustment=_to_caller(manual_c, order),
        level_uplift={k: v / BASIS_POINTS for k, v in uplift_bp.items()},
    )


def _to_caller(canonical: IntArray, order: IntArray) -> IntArray:
    out = np.empty_like(canonical)
    out[order] = canonical
    return out


def _int_array(values: ArrayLike, n: int, name: str) -> IntArray:
    out = np.asarray(values)
    if out.shape != (n,):
        raise InvalidInput(f"{name} must have shape ({n},), got {out.shape}")
    if not np.issubdtype(out.dtype, np.integer):
        raise InvalidInput(f"{name} must be integer minor units, got dtype {out.dtype}")
    check_range(out, name)
    return out.astype(np.int64)
