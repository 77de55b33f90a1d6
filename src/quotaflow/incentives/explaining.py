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
        "credits": [
            [use.ref, use.day.isoformat(), use.amount_minor, str(use.weight), str(use.counted)]
            for use in line.credits
        ],
    }
