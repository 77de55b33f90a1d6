"""What one run computes a rep's statement from: the credited sales per metric, the targets,
and what earlier runs of the same plan period left behind."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Credit:
    """A credited sale (or its reversal) as the rep's share of it: ``amount_minor`` in the
    metric's base unit (minor units for money), negative for a credit note or
    cancellation. ``ref`` names the transaction ("crm:D-17"); a reversal names the sale it
    reverses in ``reverses`` and that sale's date in ``reversed_sale_day``, which the
    clawback window is measured from."""

    ref: str
    day: dt.date
    amount_minor: int
    attributes: Mapping[str, str] = field(default_factory=dict)
    reverses: str = ""
    reversed_sale_day: dt.date | None = None

    @property
    def is_reversal(self) -> bool:
        return bool(self.reverses)

    def days_after_sale(self) -> int | None:
        """How long after the sale its reversal came (None: not a reversal of a known sale)."""
        if not self.reverses or self.reversed_sale_day is None:
            return None
        return (self.day - self.reversed_sale_day).days


@dataclass(frozen=True)
class MetricInputs:
    """One metric's credits to date in the plan period, and the rep's target on it
    (minor units; None when no goal exists, which only flat commissions accept)."""

    target_minor: int | None
    credits: tuple[Credit, ...] = ()


@dataclass(frozen=True)
class Prior:
    """What the previous run of the same plan period left: the earnings to date it counted
    (``earned_minor``, already settled), the balance the rep owes (``balance_minor``:
    recoverable draw top-ups and negative results carried forward), the refs of every
    credit it counted (a reversal not among them is new, so this run claws it back) and,
    per SPIF name, what earlier runs paid for each of the rep's sales (ref → minor units),
    which is spent from the SPIF's budget already."""

    earned_minor: int = 0
    balance_minor: int = 0
    counted_refs: frozenset[str] = frozenset()
    spif_paid: Mapping[str, Mapping[str, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class Adjustment:
    """An amount agreed on a rep's inquiry about a statement line (``number`` is the
    inquiry's), minor units, signed. ``about`` names the line asked about and
    ``explanation`` is why; both are words for the statement. Adjustments count towards
    the earnings to date like commissions do, so each run of the plan period lists every
    adjustment agreed so far and the true-up pays each one once."""

    number: int
    amount_minor: int
    about: str = ""
    explanation: str = ""


@dataclass(frozen=True)
class RunInputs:
    """Everything one rep's statement is computed from; the same inputs always give the
    same statement. ``spif_awards`` is what the run-level budget pass
    (:func:`~quotaflow.incentives.engine.spifs.allocate_spif_budgets`) gave the rep's sales
    per SPIF; None lets the statement spend each SPIF's budget on this rep alone."""

    metrics: Mapping[str, MetricInputs]
    prior: Prior = Prior()
    adjustments: tuple[Adjustment, ...] = ()
    spif_awards: Mapping[str, Mapping[str, SpifAward]] | None = None


@dataclass(frozen=True)
class SpifAward:
    """One rep's qualifying sale under a SPIF after the run's budget pass: what the SPIF
    pays for it in full (``full_minor``), what the budget lets it have (``paid_minor``)
    and what earlier runs paid for it (``before_minor``)."""

    full_minor: int
    paid_minor: int
    before_minor: int = 0
