"""The statement arithmetic over arrays: what :func:`compute_statement` pays a rep for one
credited amount per metric, for many reps and many amounts at once.

Plan cost modelling (:mod:`.costing`) evaluates a plan on thousands of sampled results per
rep; building a statement per sample would take minutes for a company, so this module
does the same arithmetic with NumPy and is proven equal to the engine, line for line, by
``tests/incentives/test_costing_engine.py`` (hypothesis on random plans).

Exactness. Every figure is integer arithmetic: attainment thresholds and rates are exact
decimals, so each is scaled to an integer (``10**p`` and ``10**q``) and a line's exact
amount ``slice × rate`` becomes the integer fraction ``N / (10**p · 10**q)``, rounded half
to even once per line as the engine does (:func:`.rounding.round_line`). The arrays are
int64 when the largest possible numerator fits, else Python integers (``dtype=object``),
slower but still exact.

What is covered: commissions (flat, marginal or retroactive tiers, accelerators and
decelerators — which the plan reader already compiled into tiers — and caps), milestone
bonuses, and a draw, for one settlement of the plan period with nothing paid before
(total = max(earnings, draw)). A component that reads sale attributes (per-attribute
rates, weights, ``applies_to``) or a SPIF (dated sales, a budget shared by all reps) needs
the sales' mix, which one sampled total does not have; scorecard components (several goals
at once) are not covered yet. :func:`modelled` says which components are not covered and
the caller leaves them out, naming them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from numpy.typing import NDArray

from quotaflow.incentives.engine.definition import Bonus, Commission, Component, Plan, TierMode

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
Numbers = NDArray[np.int64] | NDArray[np.object_]
INT64_SAFE = 2**62


def modelled(component: Component) -> bool:
    """Whether the array arithmetic covers ``component`` (see the module docstring)."""
    if isinstance(component, Commission):
        return (
            component.rates_by is None
            and component.weights is None
            and component.applies_to is None
        )
    if isinstance(component, Bonus):
        return component.weights is None and component.applies_to is None
    return False


def modelled_metrics(plan: Plan) -> tuple[str, ...]:
    """The metrics the modelled components read, in plan order (the plan's first metric
    when none is modelled, so that there is still a credited amount to report)."""
    found = tuple(dict.fromkeys(c.metric for c in plan.components if modelled(c)))
    return found or plan.metrics[:1]


@dataclass(frozen=True)
class PayoutArrays:
    """What each rep earns for each sampled amount; arrays of shape ``(reps, samples)``
    in minor units of the plan's currency.

    ``components`` maps each modelled component's name to its earnings (after its cap);
    ``capped`` maps each capped commission's name to where the cap held earnings back;
    ``draw_top_up`` is what the draw adds; ``total`` the payout (sum of the others)."""

    components: Mapping[str, IntArray]
    capped: Mapping[str, BoolArray]
    draw_top_up: IntArray
    total: IntArray


def _decimals(values: list[Decimal]) -> int:
    """The most decimal places among ``values`` (0 for whole numbers)."""
    places = 0
    for value in values:
        exponent = value.normalize().as_tuple().exponent
        if isinstance(exponent, int) and exponent < 0:
            places = max(places, -exponent)
    return places


def _scaled(value: Decimal, places: int) -> int:
    """``value`` × 10**places, which is a whole number by the choice of ``places``."""
    return int(value.scaleb(places))


def _round_half_even(numerator: Numbers, denominator: int) -> Numbers:
    """``numerator / denominator`` rounded half to even, for non-negative integers."""
    quotient = numerator // denominator
    twice_rest = 2 * (numerator - quotient * denominator)
    up = (twice_rest > denominator) | ((twice_rest == denominator) & (quotient % 2 == 1))
    return quotient + up.astype(np.int64)


def _as_numbers(values: IntArray, largest: int) -> Numbers:
    """``values`` as int64 when products up to ``largest`` fit, else as Python integers."""
    if largest < INT64_SAFE:
        return values.astype(np.int64)
    return values.astype(object)


def _commission(
    component: Commission, target: IntArray, amount: IntArray
) -> tuple[IntArray, BoolArray]:
    """Earnings and cap flags of a commission; ``target`` shape ``(reps, 1)``."""
    tiers = component.tiers
    p = _decimals([tier.lower for tier in tiers] + [t.upper for t in tiers if t.upper is not None])
    q = _decimals([tier.rate for tier in tiers])
    scale, rate_scale = 10**p, 10**q
    rates = [_scaled(tier.rate, q) for tier in tiers]
    top_amount = int(np.max(amount, initial=0))
    top_target = int(np.max(target, initial=0))
    # Bounds every intermediate: scaled amounts and thresholds (attainment ≤ 100) times a
    # rate, and twice the denominator in the rounding.
    largest = max(top_amount, top_target * 100) * scale * max(*rates, 1)
    largest = max(largest, 2 * scale * rate_scale)
    basis = _as_numbers(amount, largest) * scale
    goal = _as_numbers(target, largest)
    earned: Numbers
    if not component.needs_target:
        earned = _round_half_even(basis * rates[0], scale * rate_scale)
    elif component.mode is TierMode.RETROACTIVE:
        reached = np.zeros(amount.shape, dtype=np.int64)
        for number, tier in enumerate(tiers):
            reached = np.where(goal * _scaled(tier.lower, p) <= basis, number, reached)
        rate = np.asarray(rates, dtype=object if basis.dtype == object else np.int64)[reached]
        earned = _round_half_even(basis * rate, scale * rate_scale)
        earned = np.where(amount > 0, earned, 0)
    else:
        earned = np.zeros(amount.shape, dtype=basis.dtype)
        for tier, tier_rate in zip(tiers, rates, strict=True):
            lower = goal * _scaled(tier.lower, p)
            top = basis if tier.upper is None else np.minimum(basis, goal * _scaled(tier.upper, p))
            piece = _round_half_even(np.maximum(top - lower, 0) * tier_rate, scale * rate_scale)
            earned = np.add(earned, piece)
    earned = np.asarray(earned).astype(np.int64)
    if component.cap_minor is None:
        return earned, np.zeros(amount.shape, dtype=bool)
    capped = earned > component.cap_minor
    return np.where(capped, component.cap_minor, earned), capped


def _bonus(component: Bonus, target: IntArray, amount: IntArray) -> IntArray:
    """What a bonus pays: each milestone whose attainment the amount reaches."""
    p = _decimals([milestone.attainment for milestone in component.milestones])
    top = int(np.max(amount, initial=0)) * 10**p
    largest = max(top, int(np.max(target, initial=0)) * 10 ** (p + 3))
    basis = _as_numbers(amount, largest) * 10**p
    goal = _as_numbers(target, largest)
    paid = np.zeros(amount.shape, dtype=np.int64)
    for milestone in component.milestones:
        reached = goal * _scaled(milestone.attainment, p) <= basis
        paid = paid + np.where(reached, milestone.amount_minor, 0).astype(np.int64)
    return paid


def payout_arrays(
    plan: Plan, targets: Mapping[str, IntArray], amounts: Mapping[str, IntArray]
) -> PayoutArrays:
    """What ``plan`` pays each rep for each sampled credited amount.

    ``targets[metric]``: shape ``(reps,)``, each rep's target (minor units, > 0 where a
    component reads attainment); ``amounts[metric]``: shape ``(reps, samples)``, credited
    amounts ≥ 0 in the metric's base unit. Components :func:`modelled` rejects are left out.
    """
    components: dict[str, IntArray] = {}
    capped: dict[str, BoolArray] = {}
    shape: tuple[int, ...] = (0, 0)
    for component in plan.components:
        if not modelled(component):
            continue
        amount = np.asarray(amounts[component.metric], dtype=np.int64)
        target = np.asarray(targets[component.metric], dtype=np.int64)[:, None]
        shape = amount.shape
        if isinstance(component, Commission):
            earned, binds = _commission(component, target, amount)
            components[component.name] = earned
            if component.cap_minor is not None:
                capped[component.name] = binds
        else:
            assert isinstance(component, Bonus)  # noqa: S101 - modelled() admits only these
            components[component.name] = _bonus(component, target, amount)
    if not components:
        first = next(iter(amounts.values()), np.zeros((0, 0), dtype=np.int64))
        shape = np.asarray(first).shape
    earned_total = np.zeros(shape, dtype=np.int64)
    for earned in components.values():
        earned_total = earned_total + earned
    top_up = np.zeros(shape, dtype=np.int64)
    if plan.draw is not None:
        top_up = np.maximum(plan.draw.amount_minor - earned_total, 0)
    return PayoutArrays(components, capped, top_up, earned_total + top_up)
