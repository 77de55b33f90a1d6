"""What-ifs on one rep's run inputs, answered by the run's own computation.

The estimator adds a sale the rep has not closed yet to their inputs and computes the
statement again: the difference is exactly what a run would pay for that sale, because it
*is* the run's computation (:func:`statement_in_run`: a plan with SPIFs first makes the
run's budget pass over every rep of the run, whose budgets the rep shares). The payout
curve computes the statement at many attainments of one metric (the other metrics as they
are), so every point is a figure the plan pays. No new arithmetic lives here: only inputs
are changed and statements compared.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_EVEN, Decimal

from quotaflow.incentives.engine.definition import Bonus, Commission, Plan, Tier
from quotaflow.incentives.engine.inputs import Credit, MetricInputs, Prior, RunInputs
from quotaflow.incentives.engine.lines import Line, LineKind, Statement
from quotaflow.incentives.engine.statement import compute_statement, run_awards

#: The ref of the sale an estimate adds; no booked sale has it (refs are "source:id").
ESTIMATED_REF = "estimate:the deal"
#: The ref of the one sale each payout-curve point is computed with.
CURVE_REF = "curve:credited"

LineKey = tuple[str, str, int, str, str, str]


@dataclass(frozen=True)
class RunContext:
    """The rest of the run a rep's statement is computed in: the rep's id, the other reps'
    inputs (a SPIF's budget is shared by all of them) and what earlier runs paid people no
    longer in the run, per SPIF (``gathering.spent_elsewhere``)."""

    rep: int = 0
    others: Mapping[int, RunInputs] = field(default_factory=dict)
    spent_elsewhere: Mapping[str, int] = field(default_factory=dict)


def statement_in_run(plan: Plan, inputs: RunInputs, run: RunContext | None = None) -> Statement:
    """The rep's statement as a run computes it (``compute_run``): the SPIF budget pass
    over every rep of ``run`` with the rep's ``inputs``, then the rep's statement."""
    if not plan.spifs:
        return compute_statement(plan, inputs)
    run = run or RunContext()
    everyone = {**run.others, run.rep: inputs}
    awards = run_awards(plan, everyone, run.spent_elsewhere)
    return compute_statement(plan, replace(inputs, spif_awards=awards.get(run.rep, {})))


def with_credit(inputs: RunInputs, metric: str, credit: Credit) -> RunInputs:
    """``inputs`` with ``credit`` added to ``metric``'s credits (nothing else changed)."""
    current = inputs.metrics[metric]
    metrics = dict(inputs.metrics)
    metrics[metric] = replace(current, credits=(*current.credits, credit))
    return replace(inputs, metrics=metrics)


@dataclass(frozen=True)
class TierReached:
    """The highest tier a commission's earnings reached, and the attainment that did."""

    component: str
    number: int
    tier: Tier
    attainment: Decimal | None


def tiers_reached(statement: Statement) -> dict[str, TierReached]:
    """Per tiered commission of ``statement``, the highest tier its lines pay (a marginal
    commission's top slice, a retroactive commission's one tier)."""
    reached: dict[str, TierReached] = {}
    for line in statement.lines:
        if line.kind is not LineKind.TIER or line.tier is None:
            continue
        known = reached.get(line.component)
        if known is None or line.tier_number > known.number:
            reached[line.component] = TierReached(
                line.component, line.tier_number, line.tier, line.attainment
            )
    return reached


def _key(line: Line) -> LineKey:
    """What identifies a line across two statements of the same plan."""
    attribute = "" if line.attribute is None else "=".join(line.attribute)
    milestone = "" if line.milestone is None else str(line.milestone.attainment)
    reversal = "" if line.reversal is None else line.reversal.ref
    return (line.kind.value, line.component, line.tier_number, attribute, milestone, reversal)


@dataclass(frozen=True)
class LineChange:
    """A line the estimate changes: as it was (None: new) and as it would be (None: gone)."""

    before: Line | None
    after: Line | None

    @property
    def change_minor(self) -> int:
        was = 0 if self.before is None else self.before.amount_minor
        now = 0 if self.after is None else self.after.amount_minor
        return now - was


def changed_lines(before: Statement, after: Statement) -> list[LineChange]:
    """The lines whose amount or basis differs between two statements, in the order of
    ``after`` (lines that disappear follow)."""
    was = {_key(line): line for line in before.lines}
    now = {_key(line): line for line in after.lines}
    changes = []
    for key in dict.fromkeys([*now, *was]):
        old, new = was.get(key), now.get(key)
        same = (
            old is not None
            and new is not None
            and (old.amount_minor, old.basis) == (new.amount_minor, new.basis)
        )
        if not same:
            changes.append(LineChange(old, new))
    return changes


@dataclass(frozen=True)
class Estimate:
    """A statement as it is and as it would be with one more sale."""

    before: Statement
    after: Statement
    changes: tuple[LineChange, ...]
    tiers_before: dict[str, TierReached]
    tiers_after: dict[str, TierReached]

    @property
    def earned_change_minor(self) -> int:
        """What the sale adds to the earnings to date (minor units)."""
        return self.after.earned_minor - self.before.earned_minor

    @property
    def payable_change_minor(self) -> int:
        """What the sale adds to this run's payable total (after draw and recovery)."""
        return self.after.total_minor - self.before.total_minor


def estimate(
    plan: Plan, inputs: RunInputs, metric: str, sale: Credit, run: RunContext | None = None
) -> Estimate:
    """The statement of ``inputs`` and the one with ``sale`` credited on ``metric``, each
    in ``run``."""
    before = statement_in_run(plan, inputs, run)
    after = statement_in_run(plan, with_credit(inputs, metric, sale), run)
    return Estimate(
        before,
        after,
        tuple(changed_lines(before, after)),
        tiers_reached(before),
        tiers_reached(after),
    )


# The payout curve ------------------------------------------------------------------------


@dataclass(frozen=True)
class CurvePoint:
    """The earnings to date at ``attainment`` of the curve's metric: ``credited_minor`` is
    attainment × target, rounded half to even to a whole unit; ``capped`` says a cap held
    some of it back."""

    attainment: Decimal
    credited_minor: int
    earned_minor: int
    capped: bool


def credited_at(attainment: Decimal, target_minor: int) -> int:
    """The credited amount that makes ``attainment`` of ``target_minor``."""
    return int((attainment * target_minor).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def payout_curve(
    plan: Plan,
    inputs: RunInputs,
    metric: str,
    attainments: Sequence[Decimal],
    day: dt.date,
    run: RunContext | None = None,
) -> list[CurvePoint]:
    """The earnings to date at each of ``attainments`` of ``metric``: its credits replaced
    by one sale (dated ``day``, with no attribute, so the plan's default rates apply) of
    attainment × target; the other metrics keep their credits, and no earlier run counts
    (the curve is the plan period's earnings, not one run's payable amount)."""
    target = inputs.metrics[metric].target_minor
    if target is None or target <= 0:
        return []
    points = []
    for attainment in attainments:
        credited = credited_at(attainment, target)
        metrics = dict(inputs.metrics)
        metrics[metric] = MetricInputs(target, (Credit(CURVE_REF, day, credited),))
        statement = statement_in_run(plan, RunInputs(metrics=metrics, prior=Prior()), run)
        points.append(
            CurvePoint(
                attainment,
                credited,
                statement.earned_minor,
                any(line.kind is LineKind.CAP for line in statement.lines),
            )
        )
    return points


@dataclass(frozen=True)
class Marker:
    """An attainment where the plan changes how it pays: a tier begins (``tier``), an
    accelerator or decelerator starts or ends (``accelerator``/``decelerator``), a
    milestone bonus is paid (``milestone``) or a cap starts holding pay back (``cap``)."""

    kind: str
    attainment: Decimal
    component: str
    label: str


def plan_markers(plan: Plan, metric: str) -> list[Marker]:
    """Where the tiers, adjustments and milestones of ``metric``'s components begin, by
    attainment (the cap's point comes from the curve, :func:`cap_marker`)."""
    markers: list[Marker] = []
    for component in plan.components:
        if component.metric != metric:
            continue
        if isinstance(component, Commission) and component.needs_target:
            markers.extend(_tier_markers(component))
        elif isinstance(component, Bonus):
            markers.extend(
                Marker("milestone", milestone.attainment, component.name, component.name)
                for milestone in component.milestones
            )
    return sorted(markers, key=lambda marker: (marker.attainment, marker.kind))


def _tier_markers(component: Commission) -> list[Marker]:
    markers = []
    previous: Tier | None = None
    for number, tier in enumerate(component.tiers, start=1):
        if previous is not None and tier.adjustment and tier.adjustment != previous.adjustment:
            markers.append(
                Marker(tier.adjustment, tier.lower, component.name, f"{tier.adjustment} starts")
            )
        elif previous is not None and previous.adjustment and not tier.adjustment:
            markers.append(
                Marker(
                    previous.adjustment,
                    tier.lower,
                    component.name,
                    f"{previous.adjustment} ends",
                )
            )
        if previous is not None and tier.base_rate != previous.base_rate:
            markers.append(Marker("tier", tier.lower, component.name, f"tier {number}"))
        previous = tier
    return markers


def cap_marker(points: Sequence[CurvePoint]) -> CurvePoint | None:
    """The first point of the curve where a cap holds pay back (None: never on it)."""
    return next((point for point in points if point.capped), None)
