"""The arithmetic of a mid-period change, shared by the versioning that applies it
(``plans.actions.versions``) and the previews that show it before (adjustment requests).

All amounts are integers in the metric's stored units (cents for EUR, yen for JPY, fils
for KWD). A full-period change Δ taking effect on day e of a period of D days, with R days
left from e on (inclusive), is applied as ``round(Δ × R / D)`` (half away from zero) and
split over the months by their days from e on, largest remainder, so nothing lands before
e and the months add up exactly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from quotaflow.core.errors import InvalidInput
from quotaflow.core.money import Amounts
from quotaflow.plans import engine_adapter as engine


def prorated_change(
    delta: int, period_start: dt.date, period_end: dt.date, effective_from: dt.date, money: Amounts
) -> tuple[int, list[int]]:
    """``delta`` scaled by the share of the period's days from ``effective_from`` on (half
    away from zero, exact integers), and its split over the months, nothing before
    ``effective_from``. Returns ``(amount, one amount per month)``; they sum exactly."""
    total_days = (period_end - period_start).days + 1
    remaining = (period_end - effective_from).days + 1
    amount = engine.prorate(delta, remaining, total_days)
    sign = -1 if amount < 0 else 1
    spans = engine.month_spans(period_start, period_end)
    weights = [max(0, (end - max(start, effective_from)).days + 1) for start, end in spans]
    split = engine.split_exactly(abs(amount), weights, tie_keys=range(len(spans)), amounts=money)
    return amount, [sign * part for part in split]


def resplit_months(
    months: Sequence[int], siblings: Sequence[Sequence[int]], money: Amounts
) -> list[list[int]]:
    """How the siblings take back a goal's change so that their parent does not move.

    ``months`` is the goal's change per month; ``siblings`` each sibling's monthly targets
    (shape: siblings × months). In each month the opposite of the goal's change is split
    over the siblings in proportion to their targets that month (largest remainder, ties to
    the first sibling), or to their full-period targets in a month where all are zero.
    Returns each sibling's change per month; for every month the goal's change plus the
    siblings' is exactly zero. Refuses (``InvalidInput``) when there is no sibling with a
    target to share in proportion to, or when the siblings would go below zero."""
    if not siblings:
        raise InvalidInput(
            "The plan re-splits changes over the goal's siblings, and this goal has no "
            "unlocked sibling without goals of its own to take it."
        )
    totals = [sum(int(m) for m in row) for row in siblings]
    if sum(totals) <= 0:
        raise InvalidInput(
            "The plan re-splits changes over the goal's siblings in proportion to their "
            "targets, and they have none."
        )
    parts: list[list[int]] = [[0] * len(months) for _ in siblings]
    for index, change in enumerate(months):
        take = -int(change)
        if take == 0:
            continue
        month_weights = [int(row[index]) for row in siblings]
        weights = month_weights if sum(month_weights) > 0 else totals
        if take < 0 and -take > sum(month_weights):
            raise InvalidInput(
                f"The siblings cannot give back {money.format(-take)} in one month: "
                f"together they hold only {money.format(sum(month_weights))} then."
            )
        sign = -1 if take < 0 else 1
        split = engine.split_exactly(
            abs(take), weights, tie_keys=range(len(siblings)), amounts=money
        )
        for row, part in zip(parts, split, strict=True):
            row[index] = sign * part
    return parts


def taking_back(goal: Any, goals: Sequence[Any], *, changed: set[int]) -> list[Any]:
    """The goals that take back ``goal``'s change when a plan re-splits over siblings: the
    goals under the same parent (among ``goals``, one plan version's tree), not changed
    themselves (ids in ``changed``), not locked and without goals beneath them, in ``goals``'
    order. None for a goal at the top."""
    if goal.parent_id is None:
        return []
    parents = {g.parent_id for g in goals}
    return [
        g
        for g in goals
        if g.parent_id == goal.parent_id
        and g.pk not in changed
        and g.pk not in parents
        and not g.locked
    ]
