"""Statement lines in words a rep understands ("Tier 3 (100% and above): 20,000.00 EUR of
your credited sales at 8% = 1,600.00 EUR").

Amounts are written by a ``money`` function the caller gives (the incentives app passes
the currency's own formatter from ``core.money``); it receives minor units as a Decimal,
which after weights may hold a fraction of a minor unit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from quotaflow.incentives.engine.definition import (
    Bonus,
    Commission,
    Plan,
    Scorecard,
    Spif,
    Tier,
    TierMode,
)
from quotaflow.incentives.engine.lines import Line, LineKind

Money = Callable[[Decimal], str]
HUNDRED = Decimal(100)
ATTRIBUTE_NAMES = {
    "product_group": "product group",
    "product": "product",
    "deal_type": "deal type",
    "account": "account",
}


def minor_units(value: Decimal) -> str:
    """The default writer: the amount in minor units, grouped."""
    return f"{_plain(value):,}" if value == value.to_integral_value() else f"{_plain(value)}"


def percent(fraction: Decimal) -> str:
    """0.075 → "7.5%", 1 → "100%"."""
    return f"{_plain(fraction * HUNDRED)}%"


def _plain(value: Decimal) -> Decimal:
    """``value`` without trailing zeros and never in exponent notation."""
    normal = value.normalize()
    return normal.quantize(Decimal(1)) if normal == normal.to_integral_value() else normal


def band(tier: Tier) -> str:
    """A tier's band of attainment: "50% to 100%", "100% and above"."""
    if tier.upper is None:
        return f"{percent(tier.lower)} and above"
    return f"{percent(tier.lower)} to {percent(tier.upper)}"


def rate_words(line: Line) -> str:
    """The rate, and how an accelerator or decelerator made it."""
    if line.tier is None or not line.tier.adjustment:
        return percent(line.rate if line.rate is not None else Decimal(0))
    return rate_words_of(line.tier)


def _attainment(line: Line) -> str:
    return percent((line.attainment or Decimal(0)).quantize(Decimal("0.0001")))


def _owed(line: Line, money: Money) -> str:
    return f"you owe {money(Decimal(line.balance_after_minor or 0))} after this run"


def _commission(line: Line, money: Money) -> str:
    where = ""
    if line.attribute is not None:
        name = ATTRIBUTE_NAMES.get(line.attribute[0], line.attribute[0])
        where = f" in {name} {line.attribute[1]}" if line.attribute[1] else f" in other {name}s"
    return (
        f"{line.component}: {money(line.basis)} of credited sales{where} "
        f"({len(line.credits)} sales) at {rate_words(line)} = {money(Decimal(line.amount_minor))}."
    )


def _tier(line: Line, money: Money) -> str:
    amount = money(Decimal(line.amount_minor))
    where = "" if line.tier is None else f" ({band(line.tier)})"
    if line.retroactive:
        return (
            f"{line.component}: attainment {_attainment(line)} reached tier {line.tier_number}"
            f"{where}, whose rate pays all {money(line.basis)} of credited sales: "
            f"at {rate_words(line)} = {amount}."
        )
    target = money(Decimal(line.target_minor or 0))
    of = "" if line.tier is None else f" ({band(line.tier)} of the {target} target)"
    return (
        f"{line.component}: tier {line.tier_number}{of}: "
        f"{money(line.basis)} of credited sales at {rate_words(line)} = {amount}."
    )


def _cap(line: Line, money: Money) -> str:
    return (
        f"{line.component}: capped at {money(Decimal(line.cap_minor or 0))}, "
        f"so {money(-Decimal(line.amount_minor))} is not paid."
    )


def _bonus(line: Line, money: Money) -> str:
    reached = "" if line.milestone is None else percent(line.milestone.attainment)
    return (
        f"{line.component}: attainment reached {reached} (now {_attainment(line)}), "
        f"which pays {money(Decimal(line.amount_minor))} once."
    )


def day_range(start: dt.date, end: dt.date) -> str:
    """1 Oct–30 Nov 2026; 15 Dec 2026–15 Jan 2027; 1 Oct 2026 (one day)."""
    last = f"{end.day} {end:%b %Y}"
    if start == end:
        return last
    first = f"{start.day} {start:%b}" if start.year == end.year else f"{start.day} {start:%b %Y}"
    return f"{first}–{last}"


def spif_title(spif: Spif) -> str:
    """The SPIF's name, followed by "SPIF" unless the name says it already."""
    return spif.name if "spif" in spif.name.lower() else f"{spif.name} SPIF"


def _sold(spif: Spif) -> str:
    """What qualifies: "of Cloud sold 1 Oct–30 Nov 2026", "sold 1 Oct–30 Nov 2026"."""
    when = day_range(spif.start, spif.end)
    if spif.applies_to is None:
        return f"sold {when}"
    return f"of {' or '.join(sorted(spif.applies_to.values))} sold {when}"


def _deals(count: int) -> str:
    return f"{count} deal" if count == 1 else f"{count} deals"


def _spif(line: Line, money: Money) -> str:
    spif = line.spif
    amount = money(Decimal(line.amount_minor))
    if spif is None:
        return f"{line.component}: {amount}."
    if spif.per_deal_minor is not None:
        return (
            f"{spif_title(spif)}: {_deals(len(line.credits))} {_sold(spif)} at "
            f"{money(Decimal(spif.per_deal_minor))} each = {amount}."
        )
    return (
        f"{spif_title(spif)}: {percent(spif.rate or Decimal(0))} on {money(line.basis)} "
        f"{_sold(spif)} ({_deals(len(line.credits))}) = {amount}."
    )


def _spif_budget(line: Line, money: Money) -> str:
    spif, short = line.spif, line.shortfall
    title = line.component if spif is None else spif_title(spif)
    budget = (
        "" if spif is None else f" (its {money(Decimal(spif.budget_minor))} for all reps and runs)"
    )
    parts = []
    if short is not None and short.unpaid:
        parts.append(f"{_deals(short.unpaid)} unpaid")
    if short is not None and short.partly_paid:
        parts.append(f"{_deals(short.partly_paid)} paid in part")
    return (
        f"{title}: budget exhausted{budget}: {', '.join(parts) or 'deals unpaid'}, "
        f"so {money(-Decimal(line.amount_minor))} is not paid."
    )


def _metric_name(code: str) -> str:
    return code.replace("_", " ")


def _scorecard(line: Line, money: Money) -> str:
    measures = "; ".join(
        f"{_metric_name(score.metric)} {percent(_four(score.attainment))}"
        + (
            f" (counted up to the {percent(score.cap)} cap)"
            if score.cap is not None and score.attainment > score.cap
            else ""
        )
        + f" × weight {percent(score.weight)} = {_plain(_four(score.points * HUNDRED))} points"
        for score in line.scores
    )
    weighted = percent(_four(line.attainment or Decimal(0)))
    fraction = percent(_four(line.payout_fraction or Decimal(0)))
    how = f"pays {fraction}"
    if line.curve_step:
        how = f"reaches curve step {line.curve_step}, which pays {fraction}"
    return (
        f"{line.component}: {measures}; weighted attainment {weighted} {how} "
        f"of the {money(Decimal(line.target_minor or 0))} target incentive = "
        f"{money(Decimal(line.amount_minor))}."
    )


def _four(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.0001"))


def _clawback(line: Line, money: Money) -> str:
    reversal = line.reversal
    what = (
        "a sale"
        if reversal is None
        else f"{reversal.reverses or reversal.ref} was reversed on {reversal.day.isoformat()}"
        + (
            f" ({reversal.days_after_sale()} days after the sale, within the clawback window)"
            if reversal.days_after_sale() is not None
            else ""
        )
    )
    returned = "" if line.spif is None else ", and it returns to the SPIF's budget"
    return (
        f"{line.component}: {what}; what it earned is taken back: "
        f"{money(Decimal(line.amount_minor))}{returned}."
    )


def _paid_before(line: Line, money: Money) -> str:
    return f"Earnings to date already paid in earlier runs: {money(Decimal(line.amount_minor))}."


def _draw(line: Line, money: Money) -> str:
    kept = "recoverable from later earnings" if line.balance_after_minor else "not recovered"
    return (
        f"Draw: topped up to the guaranteed {money(Decimal(line.draw_minor or 0))}: "
        f"{money(Decimal(line.amount_minor))} ({kept}; {_owed(line, money)})."
    )


def _adjustment(line: Line, money: Money) -> str:
    agreed = line.adjustment
    amount = money(Decimal(line.amount_minor))
    signed = f"+{amount}" if line.amount_minor > 0 else amount
    if agreed is None:
        return f"Adjustment: {signed}."
    about = f" about {agreed.about}" if agreed.about else ""
    why = f" — {agreed.explanation}" if agreed.explanation else ""
    return f"Adjustment agreed on inquiry #{agreed.number}{about}: {signed}{why}"


SETTLEMENT_LEADS = {
    LineKind.RECOVERY: "Recovered from earnings above the guarantee",
    LineKind.CARRIED: "Carried to the next run instead of paid",
}


def _settled(line: Line, money: Money) -> str:
    lead = SETTLEMENT_LEADS[line.kind]
    return f"{lead}: {money(Decimal(line.amount_minor))} ({_owed(line, money)})."


SENTENCES: dict[LineKind, Callable[[Line, Money], str]] = {
    LineKind.COMMISSION: _commission,
    LineKind.TIER: _tier,
    LineKind.CAP: _cap,
    LineKind.BONUS: _bonus,
    LineKind.SPIF: _spif,
    LineKind.SPIF_BUDGET: _spif_budget,
    LineKind.SCORECARD: _scorecard,
    LineKind.CLAWBACK: _clawback,
    LineKind.PAID_BEFORE: _paid_before,
    LineKind.DRAW: _draw,
    LineKind.RECOVERY: _settled,
    LineKind.CARRIED: _settled,
    LineKind.ADJUSTMENT: _adjustment,
}


def describe(line: Line, money: Money = minor_units) -> str:
    """One sentence saying what the line pays and why."""
    return SENTENCES[line.kind](line, money)


# The plan document ---------------------------------------------------------------------


def _attribute_name(attribute: str) -> str:
    return ATTRIBUTE_NAMES.get(attribute, attribute)


def _commission_terms(component: Commission) -> list[str]:
    terms = []
    if component.applies_to is not None:
        values = ", ".join(sorted(component.applies_to.values))
        terms.append(
            f"It counts only sales whose {_attribute_name(component.applies_to.attribute)} is {values}."
        )
    if component.weights is not None:
        weights = "; ".join(
            f"{name} at {percent(weight)}"
            for name, weight in sorted(component.weights.values.items())
        )
        terms.append(
            f"Sales count towards it by {_attribute_name(component.weights.attribute)}: {weights}."
        )
    if component.rates_by is not None:
        rates = "; ".join(
            f"{name} {percent(rate)}" for name, rate in sorted(component.rates_by.values.items())
        )
        name = _attribute_name(component.rates_by.attribute)
        terms.append(
            f"Rates by {name}: {rates}; any other {name} {percent(component.rates_by.default)}."
        )
    elif len(component.tiers) == 1:
        terms.append(f"It pays {percent(component.tiers[0].rate)} of your credited sales.")
    else:
        how = (
            "each slice of your credited sales at its own tier's rate"
            if component.mode is TierMode.MARGINAL
            else "the rate of the highest tier you reach on all your credited sales"
        )
        tiers = "; ".join(
            f"{band(tier)} of target: {rate_words_of(tier)}" for tier in component.tiers
        )
        terms.append(f"It pays {how}. Tiers by attainment: {tiers}.")
    return terms


def _spif_terms(spif: Spif, money: Money) -> str:
    if spif.per_deal_minor is not None:
        pays = f"{money(Decimal(spif.per_deal_minor))} for each deal"
    else:
        pays = f"{percent(spif.rate or Decimal(0))} of the credited amount of each sale"
    kept = ""
    if spif.applies_to is not None:
        values = ", ".join(sorted(spif.applies_to.values))
        kept = f" whose {_attribute_name(spif.applies_to.attribute)} is {values}"
    return (
        f"{spif_title(spif)} (on {spif.metric}, sales dated {day_range(spif.start, spif.end)}): "
        f"it pays {pays}{kept}, from a budget of {money(Decimal(spif.budget_minor))} shared by "
        "all reps and all runs of the plan. Qualifying sales are paid in order of sale date "
        "(then reference) until the budget is spent; what earlier runs paid stays spent, and a "
        "sale cancelled or credited back within the clawback window loses its SPIF pay, which "
        "returns to the budget."
    )


def _scorecard_terms(scorecard: Scorecard, money: Money) -> str:
    measures = "; ".join(
        f"{_metric_name(m.metric)} at weight {percent(m.weight)}"
        + ("" if m.cap is None else f", counted up to {percent(m.cap)} attainment")
        for m in scorecard.measures
    )
    if scorecard.curve:
        steps = "; ".join(
            f"from {percent(step.lower)}: {percent(step.payout)}" for step in scorecard.curve
        )
        curve = f" The payout by weighted attainment: {steps}."
    else:
        curve = " The payout is the weighted attainment itself."
    cap = (
        ""
        if scorecard.cap_minor is None
        else f" It pays at most {money(Decimal(scorecard.cap_minor))} in the plan period."
    )
    return (
        f"{scorecard.name} (scorecard): {money(Decimal(scorecard.target_incentive_minor))} target "
        f"incentive × the payout for your weighted attainment, Σ weight × attainment of each "
        f"measure: {measures}.{curve}{cap}"
    )


def rate_words_of(tier: Tier) -> str:
    if not tier.adjustment:
        return percent(tier.rate)
    return f"{percent(tier.base_rate)} × {tier.adjustment} {_plain(tier.multiplier)} = {percent(tier.rate)}"


def plan_words(plan: Plan, money: Money = minor_units) -> list[str]:
    """The plan document: one paragraph per component, then the draw and the clawback
    window, in words a rep reads before acknowledging the plan."""
    paragraphs = []
    for component in plan.components:
        if isinstance(component, Spif):
            paragraphs.append(_spif_terms(component, money))
            continue
        if isinstance(component, Scorecard):
            paragraphs.append(_scorecard_terms(component, money))
            continue
        if isinstance(component, Bonus):
            milestones = "; ".join(
                f"{money(Decimal(m.amount_minor))} when attainment reaches {percent(m.attainment)}"
                for m in component.milestones
            )
            paragraphs.append(
                f"{component.name} (bonus on {component.metric}): {milestones}, each paid once."
            )
            continue
        terms = " ".join(_commission_terms(component))
        cap = (
            ""
            if component.cap_minor is None
            else f" It pays at most {money(Decimal(component.cap_minor))} in the plan period."
        )
        paragraphs.append(f"{component.name} (commission on {component.metric}): {terms}{cap}")
    if plan.draw is not None:
        kind = (
            "recoverable: top-ups are recovered from later earnings above it"
            if plan.draw.recoverable
            else "non-recoverable: top-ups are not paid back"
        )
        paragraphs.append(
            f"Draw: each run pays at least {money(Decimal(plan.draw.amount_minor))} ({kind})."
        )
    paragraphs.append(
        f"Clawbacks: a sale cancelled or credited back within {plan.clawback_window_days} days of the sale "
        "loses its commission in the next run; later, the commission stands."
    )
    paragraphs.append(
        "Runs are cumulative over the plan period: each pays your earnings to date less what earlier "
        "runs paid. Each line is rounded once, half to even, to a whole minor unit of the currency."
    )
    return paragraphs
