"""Statement lines as stored rows: each line's sentence in the plan currency's words and the
plain data behind it (JSON-safe: decimals and dates as strings)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from quotaflow.core.money import currency_amounts
from quotaflow.incentives.engine import Line, describe


def money_words(currency: str) -> Callable[[Decimal], str]:
    """Writes minor units of ``currency`` as people read them ("1,600.00 EUR"); an amount
    holding a fraction of a minor unit (after a weight) keeps its extra decimals."""
    amounts = currency_amounts(currency)

    def write(value: Decimal) -> str:
        if value == value.to_integral_value():
            return amounts.format(int(value))
        major = value.scaleb(-amounts.decimals).normalize()
        return f"{major:,f} {currency}"

    return write


def line_words(line: Line, currency: str) -> str:
    return describe(line, money_words(currency))


def line_detail(line: Line) -> dict[str, Any]:
    """What explains ``line``, as plain JSON."""
    tier = line.tier
    reversal = line.reversal
    return {
        "exact": str(line.exact),
        "basis": str(line.basis),
        "rate": None if line.rate is None else str(line.rate),
        "tier": None
        if tier is None
        else {
            "number": line.tier_number,
            "from": str(tier.lower),
            "to": None if tier.upper is None else str(tier.upper),
            "base_rate": str(tier.base_rate),
            "multiplier": str(tier.multiplier),
            "adjustment": tier.adjustment,
            "retroactive": line.retroactive,
        },
        "attribute": None if line.attribute is None else list(line.attribute),
        "attainment": None if line.attainment is None else str(line.attainment),
        "target_minor": line.target_minor,
        "milestone": None
        if line.milestone is None
        else {"at": str(line.milestone.attainment), "amount_minor": line.milestone.amount_minor},
        "cap_minor": line.cap_minor,
        "reversal": None
        if reversal is None
        else {
            "ref": reversal.ref,
            "reverses": reversal.reverses,
            "day": reversal.day.isoformat(),
            "days_after_sale": reversal.days_after_sale(),
        },
        "balance_after_minor": line.balance_after_minor,
        "draw_minor": line.draw_minor,
        "spif": _spif_detail(line),
        "scorecard": _scorecard_detail(line),
        "adjustment": None
        if line.adjustment is None
        else {"inquiry": line.adjustment.number, "about": line.adjustment.about},
        "credits": [
            [use.ref, use.day.isoformat(), use.amount_minor, str(use.weight), str(use.counted)]
            for use in line.credits
        ],
    }


def _spif_detail(line: Line) -> dict[str, Any] | None:
    """A SPIF line's terms, and for the budget line how many deals it could not pay. On a
    SPIF line each credit's last figure is what the budget pays for that sale."""
    spif = line.spif
    if spif is None:
        return None
    short = line.shortfall
    return {
        "from": spif.start.isoformat(),
        "to": spif.end.isoformat(),
        "rate": None if spif.rate is None else str(spif.rate),
        "per_deal_minor": spif.per_deal_minor,
        "budget_minor": spif.budget_minor,
        "applies_to": None
        if spif.applies_to is None
        else {"attribute": spif.applies_to.attribute, "values": sorted(spif.applies_to.values)},
        "unpaid_deals": None if short is None else short.unpaid,
        "partly_paid_deals": None if short is None else short.partly_paid,
    }


def _scorecard_detail(line: Line) -> dict[str, Any] | None:
    """A scorecard line's measures (attainment, weight, cap, points) and the payout."""
    if not line.scores:
        return None
    return {
        "measures": [
            {
                "metric": score.metric,
                "credited": str(score.credited),
                "target_minor": score.target_minor,
                "attainment": str(score.attainment),
                "weight": str(score.weight),
                "cap": None if score.cap is None else str(score.cap),
                "counted": str(score.counted),
                "points": str(score.points),
            }
            for score in line.scores
        ],
        "weighted_attainment": str(line.attainment),
        "payout_fraction": str(line.payout_fraction),
        "curve_step": line.curve_step,
        "formula": "target incentive × payout(Σ weight × min(attainment, cap))",
    }
