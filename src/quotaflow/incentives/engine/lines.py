"""A statement and its lines: each line is one rounded amount with the data that explains
it (the credited sales behind it, the tier and rate that applied, the milestone reached,
the sale a clawback reverses), so that the statement can say it in words."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from quotaflow.incentives.engine.definition import Milestone, Spif, Tier
from quotaflow.incentives.engine.inputs import Adjustment, Credit


class LineKind(StrEnum):
    """What a statement line is."""

    COMMISSION = "commission"  # a flat rate (or an attribute's rate) on credited sales
    TIER = "tier"  # a tier's rate on its slice (marginal) or on everything (retroactive)
    CAP = "cap"  # what a component's cap holds back
    BONUS = "bonus"  # a milestone reached
    SPIF = "spif"  # a SPIF's pay on the rep's qualifying sales, in full
    SPIF_BUDGET = "spif_budget"  # what the SPIF's spent budget holds back of it
    SCORECARD = "scorecard"  # a scorecard's payout on the weighted attainment of its measures
    CLAWBACK = "clawback"  # what a sale reversed since the last run takes back
    PAID_BEFORE = "paid_before"  # earnings to date already settled by earlier runs
    DRAW = "draw"  # the top-up to the guaranteed draw
    RECOVERY = "recovery"  # recovered from earnings: draw top-ups and carried amounts
    CARRIED = "carried"  # a negative result carried to the next run instead of paid
    ADJUSTMENT = "adjustment"  # an amount agreed on a rep's inquiry about a line


@dataclass(frozen=True)
class CreditUse:
    """How much of a credited sale a line counts: ``counted`` is ``amount_minor`` times
    the component's ``weight`` for it, or the part of that which falls into a tier."""

    ref: str
    day: dt.date
    amount_minor: int
    weight: Decimal
    counted: Decimal
    group: str = ""  # the sale's value of the attribute its component's rates go by


@dataclass(frozen=True)
class SpifShortfall:
    """What a SPIF's budget could not pay of the rep's qualifying sales: ``unpaid`` deals
    got nothing, ``partly_paid`` deals got part of their SPIF pay."""

    unpaid: int
    partly_paid: int


@dataclass(frozen=True)
class MeasureScore:
    """One scorecard measure for the rep: ``credited`` of ``target_minor`` gives
    ``attainment``; ``counted`` is it within 0 and the cap; ``points`` = weight × counted."""

    metric: str
    credited: Decimal
    target_minor: int
    attainment: Decimal
    weight: Decimal
    cap: Decimal | None
    counted: Decimal
    points: Decimal


@dataclass(frozen=True)
class Line:
    """One statement line. ``amount_minor`` is ``exact`` rounded once (lines that need no
    rounding have both equal). ``basis`` is what ``rate`` applied to (minor units, after
    weights); ``attainment`` and ``target_minor`` are the component's to date."""

    kind: LineKind
    component: str
    amount_minor: int
    exact: Decimal
    basis: Decimal = Decimal(0)
    rate: Decimal | None = None
    credits: tuple[CreditUse, ...] = ()
    tier: Tier | None = None
    tier_number: int = 0
    retroactive: bool = False
    attribute: tuple[str, str] | None = None
    attainment: Decimal | None = None
    target_minor: int | None = None
    milestone: Milestone | None = None
    cap_minor: int | None = None
    reversal: Credit | None = None
    balance_after_minor: int | None = None
    draw_minor: int | None = None
    spif: Spif | None = None
    shortfall: SpifShortfall | None = None
    scores: tuple[MeasureScore, ...] = ()
    payout_fraction: Decimal | None = None
    curve_step: int = 0  # the scorecard curve's step reached (1-based; 0: no curve)
    adjustment: Adjustment | None = None


@dataclass(frozen=True)
class Excluded:
    """A credit the run left out, and why (a reversal outside the clawback window)."""

    credit: Credit
    metric: str
    reason: str


@dataclass(frozen=True)
class Statement:
    """A rep's statement for one run. ``total_minor`` (payable this run) is the sum of the
    lines, exactly. ``earned_minor``, ``balance_minor`` and ``counted_refs`` are what the
    next run reads as its :class:`~quotaflow.incentives.engine.inputs.Prior`, with
    ``spif_paid``: per SPIF, what this run's earnings to date pay for each sale (ref →
    minor units, sales paid nothing left out)."""

    lines: tuple[Line, ...]
    total_minor: int
    earned_minor: int
    balance_minor: int
    counted_refs: frozenset[str]
    excluded: tuple[Excluded, ...] = ()
    spif_paid: Mapping[str, Mapping[str, int]] = field(default_factory=dict)

    def subtotal(self, component: str) -> int:
        """What the component's earnings lines (before clawbacks) add up to."""
        return sum(
            line.amount_minor
            for line in self.lines
            if line.component == component and line.kind is not LineKind.CLAWBACK
        )
