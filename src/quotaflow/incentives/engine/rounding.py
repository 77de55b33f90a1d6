"""The one rounding rule of a statement: each line's exact amount is rounded once, half to
even, to a whole minor unit. Nothing else in the engine rounds, and a statement's total is
the sum of its rounded lines (never a separately rounded figure), so the lines always add
up exactly to the total.

Half-even ("banker's rounding"): an exact half goes to the even neighbour, so 12.5 cents
becomes 12 and 13.5 becomes 14. It is the rule ``core.money`` converts currencies by, and it
keeps many rounded lines free of the upward drift half-up would give.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

ROUNDING_RULE = "half to even, once per statement line, to a whole minor unit"


def round_line(exact: Decimal) -> int:
    """An exact line amount (minor units, any number of decimals) as whole minor units."""
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))
