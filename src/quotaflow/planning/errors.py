"""Errors raised by the planning engine.

Every error names the culprit (node ids, bounds, amounts) so that the app layer can turn
it into a message a sales-ops person understands without re-deriving anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from quotaflow.planning.explain import AmountText, minor_units

#: How many ids or conflicts an error message shows before saying how many more there are.
SHOWN = 10


def listing(values: Iterable[Any], limit: int = SHOWN) -> str:
    """Distinct values in sorted order, at most ``limit``, then "and N more": ``[3, 7] and 2 more``.

    Messages built with it do not depend on the order in which the caller listed anything.
    """
    distinct = sorted({int(v) for v in values})
    more = len(distinct) - limit
    return str(distinct[:limit]) + (f" and {more} more" if more > 0 else "")


class PlanningError(Exception):
    """Base class of every error the planning engine raises on purpose."""


class InvalidInput(PlanningError, ValueError):
    """An input is malformed: wrong shape, negative weight, unknown node, bad percentages…"""


@dataclass(frozen=True)
class BoundConflict:
    """One node's bounds as they took part in an infeasible constraint set.

    Amounts are in minor currency units; ``None`` means "no bound on that side".
    """

    node_id: int
    lower: int | None
    upper: int | None
    locked: bool
    lower_source: str = "absolute"
    upper_source: str = "absolute"

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form, ready for JSON: every field under its own name."""
        return asdict(self)


class InfeasibleConstraints(PlanningError):
    """No allocation can satisfy the locks, floors and caps of a group of siblings.

    Attributes:
        parent_id: the parent whose amount had to be split (``None`` when the conflict is
            on a single node, e.g. a floor above its own cap).
        amount: the amount that had to be split among the children (minor units), or ``None``.
        conflicts: the nodes and bounds that conflict: for ``floor_above_cap`` under a
            parent, the parent first and then its children; otherwise sorted by node id.
            Never in the caller's order, so messages do not depend on how nodes were listed.
        other_parents: how many further parents (after ``parent_id``, in the tree's
            canonical order) cannot be split either.
        reason: a short machine-readable reason: ``"floors_exceed_amount"``,
            ``"caps_below_amount"`` or ``"floor_above_cap"``.
    """

    def __init__(
        self,
        *,
        reason: str,
        conflicts: list[BoundConflict],
        parent_id: int | None = None,
        amount: int | None = None,
        other_parents: int = 0,
    ) -> None:
        self.reason = reason
        self.conflicts = conflicts
        self.parent_id = parent_id
        self.amount = amount
        self.other_parents = other_parents
        super().__init__(self.describe())

    def describe(self, amount_text: AmountText = minor_units) -> str:
        """The message, with amounts written by ``amount_text`` (minor units by default;
        the app passes its money formatter)."""
        shown = ", ".join(_describe(c, amount_text) for c in self.conflicts[:SHOWN])
        extra = len(self.conflicts) - SHOWN
        more = f" and {extra} more" if extra > 0 else ""
        if self.other_parents:
            plural = "s" if self.other_parents > 1 else ""
            more += f" ({self.other_parents} other parent{plural} cannot be split either)"
        if self.reason == "floor_above_cap":
            where = "" if self.parent_id is None else f" under node {self.parent_id}"
            return f"Infeasible bounds{where}: a floor above a cap on {shown}{more}."
        what = (
            "floors and locks exceed"
            if self.reason == "floors_exceed_amount"
            else ("caps and locks fall short of")
        )
        return (
            f"Infeasible constraints under parent {self.parent_id}: the children's {what} "
            f"the amount {amount_text(self.amount or 0)}: {shown}{more}."
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form, ready for JSON."""
        return {
            "reason": self.reason,
            "parent_id": self.parent_id,
            "amount": self.amount,
            "other_parents": self.other_parents,
            "conflicts": [c.to_dict() for c in self.conflicts],
            "message": str(self),
        }


def _describe(conflict: BoundConflict, amount_text: AmountText) -> str:
    lower = "-inf" if conflict.lower is None else amount_text(conflict.lower)
    upper = "inf" if conflict.upper is None else amount_text(conflict.upper)
    text = f"node {conflict.node_id} [{lower}, {upper}]"
    if conflict.locked:
        return text + " locked"
    implied = [
        side
        for side, source in (("floor", conflict.lower_source), ("cap", conflict.upper_source))
        if source == "implied_by_children"
    ]
    if implied:
        text += f" ({' and '.join(implied)} implied by its children's bounds)"
    return text
