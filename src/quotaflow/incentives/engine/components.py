"""The earnings to date of each plan component, as rounded statement lines.

Earnings are a function of the *set* of credits counted, not of their order: the same
credits always give the same lines, which is what makes a clawback followed by a
re-booking net to zero and a re-run of a locked run identical. The order of sales only
decides which sales a marginal tier's slice is explained by (the earliest sales fill the
lowest tiers), never an amount.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from decimal import Decimal

from quotaflow.incentives.engine.definition import (
    ZERO,
    Bonus,
    Commission,
    Scorecard,
    Tier,
    TierMode,
)
from quotaflow.incentives.engine.errors import PlanError
from quotaflow.incentives.engine.inputs import Credit, MetricInputs
from quotaflow.incentives.engine.lines import CreditUse, Line, LineKind
from quotaflow.incentives.engine.rounding import round_line

ONE = Decimal(1)


def component_lines(
    component: Commission | Bonus, metric: MetricInputs, credits: Sequence[Credit]
) -> list[Line]:
    """The lines a component earns to date from ``credits`` (the counted credits of its
    metric, in (day, ref) order) against ``metric``'s target."""
    uses = _uses(credits, component)
    basis = sum((use.counted for use in uses), ZERO)
    if isinstance(component, Commission) and not component.needs_target:
        known = metric.target_minor if metric.target_minor and metric.target_minor > 0 else None
        attainment = None if known is None else basis / known
        return capped(component, _flat_lines(component, uses, attainment, known), attainment, known)
    target = _required_target(component, metric)
    attainment = basis / target
    if isinstance(component, Bonus):
        return _bonus_lines(component, uses, attainment, target)
    if component.mode is TierMode.RETROACTIVE:
        lines = _retroactive_lines(component, uses, basis, attainment, target)
    else:
        lines = _marginal_lines(component, uses, basis, attainment, target)
    return capped(component, lines, attainment, target)


def _required_target(component: Commission | Bonus, metric: MetricInputs) -> int:
    if metric.target_minor is None or metric.target_minor <= 0:
        raise PlanError(
            f"{component.name} pays by attainment of {component.metric}, "
            "so the rep needs a target above zero on it.",
            field="target",
        )
    return metric.target_minor


def _uses(credits: Iterable[Credit], component: Commission | Bonus) -> list[CreditUse]:
    weights, keep = component.weights, component.applies_to
    rates = component.rates_by if isinstance(component, Commission) else None
    uses = []
    for credit in credits:
        if keep is not None and not keep.keeps(credit.attributes):
            continue
        weight = ONE if weights is None else weights.value_for(credit.attributes)
        group = "" if rates is None else credit.attributes.get(rates.attribute, "")
        uses.append(
            CreditUse(
                credit.ref,
                credit.day,
                credit.amount_minor,
                weight,
                credit.amount_minor * weight,
                group,
            )
        )
    return uses


def _flat_lines(
    component: Commission, uses: list[CreditUse], attainment: Decimal | None, target: int | None
) -> list[Line]:
    """One line at the flat rate, or with per-attribute rates one line per attribute value
    that has its own rate (in value order) and one for the rest at the default rate."""
    rates = component.rates_by
    groups: dict[str | None, list[CreditUse]] = defaultdict(list)
    for use in uses:
        groups[use.group if rates is not None and use.group in rates.values else None].append(use)
    if not groups:
        groups[None] = []
    lines = []
    for value in sorted(groups, key=lambda name: (name is None, name or "")):
        members = groups[value]
        basis = sum((use.counted for use in members), ZERO)
        if rates is None:
            rate = component.tiers[0].rate
        else:
            rate = rates.default if value is None else rates.values[value]
        exact = basis * rate
        lines.append(
            Line(
                kind=LineKind.COMMISSION,
                component=component.name,
                amount_minor=round_line(exact),
                exact=exact,
                basis=basis,
                rate=rate,
                credits=tuple(members),
                attribute=None if rates is None else (rates.attribute, value or ""),
                attainment=attainment,
                target_minor=target,
            )
        )
    return lines


def _marginal_lines(
    component: Commission, uses: list[CreditUse], basis: Decimal, attainment: Decimal, target: int
) -> list[Line]:
    lines = []
    for number, tier in enumerate(component.tiers, start=1):
        lower, upper = tier.lower * target, None if tier.upper is None else tier.upper * target
        top = basis if upper is None else min(basis, upper)
        if top <= lower:
            break
        lines.append(
            _tier_line(
                component,
                tier,
                number,
                top - lower,
                _fill(uses, lower, top, top == basis),
                attainment,
                target,
            )
        )
    return lines


def _retroactive_lines(
    component: Commission, uses: list[CreditUse], basis: Decimal, attainment: Decimal, target: int
) -> list[Line]:
    if basis <= ZERO:
        return []
    number, tier = _reached(component.tiers, attainment)
    line = _tier_line(component, tier, number, basis, tuple(uses), attainment, target)
    return [replace(line, retroactive=True)]


def _tier_line(
    component: Commission,
    tier: Tier,
    number: int,
    basis: Decimal,
    credits: tuple[CreditUse, ...],
    attainment: Decimal,
    target: int,
) -> Line:
    exact = basis * tier.rate
    return Line(
        kind=LineKind.TIER,
        component=component.name,
        amount_minor=round_line(exact),
        exact=exact,
        basis=basis,
        rate=tier.rate,
        credits=credits,
        tier=tier,
        tier_number=number,
        attainment=attainment,
        target_minor=target,
    )


def _reached(tiers: tuple[Tier, ...], attainment: Decimal) -> tuple[int, Tier]:
    """The highest tier whose band starts at or below ``attainment`` (1-based number)."""
    reached = 1
    for number, tier in enumerate(tiers, start=1):
        if tier.lower <= attainment:
            reached = number
    return reached, tiers[reached - 1]


def _fill(
    uses: list[CreditUse], lower: Decimal, upper: Decimal, is_top: bool
) -> tuple[CreditUse, ...]:
    """The parts of the sales that fill ``[lower, upper)`` of the counted amount, earliest
    sales first; reversals (negative amounts) are listed in full on the slice where the
    net total ends, since they take away from the top."""
    parts: list[CreditUse] = []
    position = ZERO
    for use in uses:
        if use.counted <= ZERO:
            continue
        start, end = position, position + use.counted
        position = end
        overlap = min(end, upper) - max(start, lower)
        if overlap > ZERO:
            parts.append(
                CreditUse(use.ref, use.day, use.amount_minor, use.weight, overlap, use.group)
            )
    if not is_top:
        return tuple(parts)
    return tuple(parts) + tuple(use for use in uses if use.counted < ZERO)


def _bonus_lines(
    component: Bonus, uses: list[CreditUse], attainment: Decimal, target: int
) -> list[Line]:
    return [
        Line(
            kind=LineKind.BONUS,
            component=component.name,
            amount_minor=milestone.amount_minor,
            exact=Decimal(milestone.amount_minor),
            credits=tuple(uses),
            attainment=attainment,
            target_minor=target,
            milestone=milestone,
        )
        for milestone in component.milestones
        if attainment >= milestone.attainment
    ]


def capped(
    component: Commission | Scorecard,
    lines: list[Line],
    attainment: Decimal | None,
    target: int | None,
) -> list[Line]:
    """``lines``, and when they add up to more than the component's cap, a cap line that
    holds the excess back."""
    earned = sum(line.amount_minor for line in lines)
    if component.cap_minor is None or earned <= component.cap_minor:
        return lines
    held_back = component.cap_minor - earned
    return [
        *lines,
        Line(
            kind=LineKind.CAP,
            component=component.name,
            amount_minor=held_back,
            exact=Decimal(held_back),
            attainment=attainment,
            target_minor=target,
            cap_minor=component.cap_minor,
        ),
    ]
