"""A rep's earnings as a run would compute them today, what a deal would add, where the
run-rate projection would leave them, and their plan's payout curve.

Everything here is the payout run's own computation on the rep's current inputs: the
inputs are gathered exactly as a preview gathers them (``gathering.gather``, for the pay
period from the day after the last locked run to today, continuing from that run), and
every figure is the run's computation on them (``compute_run``'s, for this rep), or on
them with one change:

- **earnings to date**: the inputs as they are;
- **an estimate** ("if I close this deal"): the inputs plus the deal, credited today
  (:mod:`.engine.whatif`), so it equals what a run would pay once the deal is booked (a
  plan with SPIFs gathers every rep on it, whose budget pass the run makes; the others'
  sales are taken as they are, also for the projection);
- **projected earnings**: the inputs plus the sales still to come by tracking's run-rate
  projection of each metric (``performance.attainment``: credited ÷ elapsed days × days
  in the period), spread over the rep's sales so far in proportion (same product group,
  deal type …), dated the last day of the plan period;
- **the payout curve**: the earnings to date at attainments 0–200% of one metric.

Nothing is written: an estimate changes no data and is not audited.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from quotaflow.accounts.models import User
from quotaflow.core import limits
from quotaflow.core.errors import InvalidInput, NotFound
from quotaflow.core.money import Amounts, metric_amounts
from quotaflow.incentives.engine import (
    Credit,
    MetricInputs,
    Plan,
    PlanError,
    RunInputs,
    Statement,
    percent,
    plan_from_document,
)
from quotaflow.incentives.engine.whatif import (
    ESTIMATED_REF,
    CurvePoint,
    Estimate,
    Marker,
    RunContext,
    TierReached,
    cap_marker,
    estimate,
    payout_curve,
    plan_markers,
    statement_in_run,
    tiers_reached,
)
from quotaflow.incentives.engine.words import band
from quotaflow.incentives.gathering import engine_inputs, gather, spent_elsewhere
from quotaflow.incentives.models import (
    IncentivePlan,
    PayoutRun,
    PlanVersion,
    RunStatus,
    VersionStatus,
)
from quotaflow.incentives.permissions import can_see_earnings
from quotaflow.metrics.models import Metric
from quotaflow.org.models import Person
from quotaflow.performance.attainment import Thresholds, compute_attainment
from quotaflow.planning.rounding import largest_remainder_round

#: The largest deal an estimate takes, in minor units (a hundred billion of a currency
#: with cents): beyond any plan, well inside the engine's and the database's range.
MAX_DEAL_MINOR = 10**13
ATTRIBUTE_MAX_LENGTH = {"product_group": 120, "deal_type": 60}
CURVE_STEP = Decimal("0.025")
CURVE_END = Decimal(2)
CURVE_MAX_END = Decimal(5)
PROJECTION_REF = "projection:to come"


@dataclass(frozen=True)
class MetricProjection:
    """One metric's run-rate projection: credited to date and at the period's end."""

    code: str
    name: str
    amounts: Amounts
    target_minor: int | None
    credited_minor: int
    projected_minor: int
    days_elapsed: int
    days_total: int

    @property
    def attainment(self) -> Decimal | None:
        return _ratio(self.credited_minor, self.target_minor)

    @property
    def projected_attainment(self) -> Decimal | None:
        return _ratio(self.projected_minor, self.target_minor)

    def basis(self) -> str:
        """The projection's derivation in words (tracking's run rate)."""
        fmt = self.amounts.format
        words = (
            f"{self.name}: {fmt(self.credited_minor)} credited in {self.days_elapsed} of "
            f"{self.days_total} days; ÷ {self.days_elapsed} × {self.days_total} = "
            f"{fmt(self.projected_minor)} at the end of the plan period"
        )
        if self.projected_attainment is not None:
            words += (
                f" ({attainment_words(self.projected_attainment)} of the "
                f"{fmt(self.target_minor)} target)"
            )
        return words + "."


def _ratio(part: int, whole: int | None) -> Decimal | None:
    return None if not whole or whole <= 0 else Decimal(part) / Decimal(whole)


def attainment_words(value: Decimal) -> str:
    """An attainment fraction as a percentage to at most two decimals ("72.35%")."""
    return percent(value.quantize(Decimal("0.0001")))


def tier_words(reached: TierReached | None) -> str:
    """ "tier 3 (100% and above)", or "no tier yet"."""
    if reached is None:
        return "no tier yet"
    return f"tier {reached.number} ({band(reached.tier)})"


@dataclass(frozen=True)
class RepPlan:
    """A rep's current inputs under one plan, as the next run would gather them."""

    person: Person
    plan: IncentivePlan
    version: PlanVersion
    definition: Plan
    currency: str
    as_of: dt.date
    pay_period: tuple[dt.date, dt.date]
    previous_run: PayoutRun | None
    inputs: RunInputs
    metrics: dict[str, Metric]
    run: RunContext

    @property
    def amounts(self) -> Amounts:
        return metric_amounts("currency", self.currency)

    def metric_amounts(self, code: str) -> Amounts:
        metric = self.metrics.get(code)
        return metric_amounts(metric.unit if metric else "count", self.currency)


@dataclass(frozen=True)
class Earnings:
    """Earnings to date and projected under one plan, with the statements behind them."""

    rep_plan: RepPlan
    now: Statement
    projected: Statement
    projections: tuple[MetricProjection, ...]
    tiers_now: dict[str, TierReached]
    tiers_projected: dict[str, TierReached]

    @property
    def projected_change_minor(self) -> int:
        return self.projected.earned_minor - self.now.earned_minor


def person_for_earnings(user: User, person_id: int) -> Person:
    """The person whose earnings ``user`` asks for, if they may see them (else NotFound,
    also when the person exists out of sight)."""
    person = Person.objects.filter(pk=person_id).first()
    if person is None or not can_see_earnings(user, person):
        raise NotFound(f"There is no person {person_id} whose earnings you may see.")
    return person


def current_plans(person: Person, as_of: dt.date) -> list[tuple[IncentivePlan, PlanVersion]]:
    """The plans ``person`` is assigned to whose period holds ``as_of``, each with its
    latest published version (plans with none are left out), by name."""
    plans = list(
        IncentivePlan.objects.filter(
            assignments__person=person, period_start__lte=as_of, period_end__gte=as_of
        ).order_by("name", "pk")
    )
    latest: dict[int, PlanVersion] = {}
    for version in PlanVersion.objects.filter(
        plan__in=plans, status=VersionStatus.PUBLISHED
    ).order_by("number"):
        latest[version.plan_id] = version
    return [(plan, latest[plan.pk]) for plan in plans if plan.pk in latest]


def rep_plan(person: Person, plan: IncentivePlan, version: PlanVersion, as_of: dt.date) -> RepPlan:
    """``person``'s inputs under ``plan`` for the pay period a run would compute today:
    from the day after the last locked run that ended before ``as_of`` (or the plan's
    start) to ``as_of``, continuing from that run."""
    previous = (
        plan.runs.filter(status=RunStatus.LOCKED, period_end__lt=as_of)
        .order_by("-period_start")
        .first()
    )
    start = plan.period_start if previous is None else previous.period_end + dt.timedelta(days=1)
    definition = plan_from_document(version.document)
    people = [person.pk]
    if definition.spifs:  # the run's budget pass reads every rep on the plan
        people = sorted({person.pk, *plan.assignments.values_list("person_id", flat=True)})
    snapshot = gather(plan, version, (start, as_of), people, previous)
    everyone = engine_inputs(snapshot)
    metrics = {metric.code: metric for metric in Metric.objects.filter(code__in=definition.metrics)}
    return RepPlan(
        person=person,
        plan=plan,
        version=version,
        definition=definition,
        currency=snapshot["currency"],
        as_of=as_of,
        pay_period=(start, as_of),
        previous_run=previous,
        inputs=everyone[person.pk],
        metrics=metrics,
        run=RunContext(
            person.pk,
            {rep: given for rep, given in everyone.items() if rep != person.pk},
            spent_elsewhere(snapshot),
        ),
    )


def rep_plans(person: Person, as_of: dt.date) -> list[RepPlan]:
    return [
        rep_plan(person, plan, version, as_of) for plan, version in current_plans(person, as_of)
    ]


def _computed(rep: RepPlan, inputs: RunInputs) -> Statement:
    try:
        return statement_in_run(rep.definition, inputs, rep.run)
    except PlanError as error:
        raise InvalidInput(
            f"{rep.plan.name} cannot be computed for {rep.person.full_name}: {error.message}",
            field=error.field,
        ) from None


# Earnings to date and projected -------------------------------------------------------------


def _projection(rep: RepPlan, code: str) -> MetricProjection:
    """Tracking's run-rate projection of the credited amount on ``code`` at the plan
    period's end (``performance.attainment.compute_attainment``)."""
    entry = rep.inputs.metrics[code]
    credited = sum(credit.amount_minor for credit in entry.credits)
    progress = compute_attainment(
        target=entry.target_minor or 0,
        actual=credited,
        period_start=rep.plan.period_start,
        period_end=rep.plan.period_end,
        phasing=(),
        as_of=rep.as_of,
        thresholds=Thresholds(),
    )
    metric = rep.metrics.get(code)
    return MetricProjection(
        code=code,
        name=metric.name if metric else code,
        amounts=rep.metric_amounts(code),
        target_minor=entry.target_minor,
        credited_minor=credited,
        projected_minor=max(progress.projection, credited),
        days_elapsed=progress.days_elapsed,
        days_total=progress.days_total,
    )


def _to_come(entry: MetricInputs, amount: int, day: dt.date) -> tuple[Credit, ...]:
    """``amount`` of sales still to come, split over the attribute mix of the sales so far
    in proportion to each mix's net credited amount (exactly, largest remainder)."""
    if amount <= 0:
        return ()
    mixes: dict[tuple[tuple[str, str], ...], int] = defaultdict(int)
    for credit in entry.credits:
        mixes[tuple(sorted(credit.attributes.items()))] += credit.amount_minor
    kept = sorted((mix, net) for mix, net in mixes.items() if net > 0)
    if not kept:
        return (Credit(PROJECTION_REF, day, amount),)
    shares = largest_remainder_round([net for _, net in kept], amount)
    return tuple(
        Credit(f"{PROJECTION_REF} {index}", day, int(share), dict(mix))
        for index, ((mix, _), share) in enumerate(zip(kept, shares, strict=True), start=1)
        if share
    )


def earnings(rep: RepPlan) -> Earnings:
    """Earnings to date (the engine on the inputs) and projected (with the run-rate
    projection's sales still to come)."""
    projections = tuple(_projection(rep, code) for code in rep.definition.metrics)
    metrics = dict(rep.inputs.metrics)
    for projection in projections:
        entry = metrics[projection.code]
        extra = _to_come(
            entry, projection.projected_minor - projection.credited_minor, rep.plan.period_end
        )
        metrics[projection.code] = MetricInputs(entry.target_minor, (*entry.credits, *extra))
    now = _computed(rep, rep.inputs)
    projected = _computed(rep, RunInputs(metrics=metrics, prior=rep.inputs.prior))
    return Earnings(rep, now, projected, projections, tiers_reached(now), tiers_reached(projected))


@dataclass(frozen=True)
class Unavailable:
    """A current plan the rep's earnings cannot be computed under yet, and why (say, a
    tiered plan and no published target)."""

    plan: IncentivePlan
    message: str


def earnings_for(person: Person, as_of: dt.date) -> list[Earnings | Unavailable]:
    """Earnings to date and projected under each current plan of ``person``."""
    found: list[Earnings | Unavailable] = []
    for rep in rep_plans(person, as_of):
        try:
            found.append(earnings(rep))
        except InvalidInput as error:
            found.append(Unavailable(rep.plan, error.message))
    return found


# The estimator -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deal:
    """The deal an estimate adds: on ``metric``, ``amount_minor`` in its base unit, with
    optional product group and deal type (which per-group rates and filters read)."""

    metric: str
    amount_minor: int
    product_group: str = ""
    deal_type: str = ""

    @property
    def attributes(self) -> dict[str, str]:
        found = {"product_group": self.product_group, "deal_type": self.deal_type}
        return {name: value for name, value in found.items() if value}


def read_deal(
    rep: RepPlan, *, metric: str, amount: str, product_group: str = "", deal_type: str = ""
) -> Deal:
    """The deal a person typed: ``amount`` in display units of the metric (the currency's
    for money, through ``core.money``), above zero and at most ``MAX_DEAL_MINOR``;
    ``metric`` one the plan pays on. Raises InvalidInput naming the field."""
    if metric not in rep.definition.metrics:
        named = ", ".join(rep.definition.metrics)
        raise InvalidInput(f"The plan pays on {named}; choose one of them.", field="metric")
    if not amount or not amount.strip():
        raise InvalidInput("Enter the deal's amount.", field="amount")
    try:
        minor = rep.metric_amounts(metric).parse(amount)
    except InvalidInput as error:
        raise InvalidInput(error.message, field="amount") from None
    if minor <= 0:
        raise InvalidInput("Enter an amount above zero.", field="amount")
    if minor > MAX_DEAL_MINOR:
        most = rep.metric_amounts(metric).format(MAX_DEAL_MINOR)
        raise InvalidInput(f"A deal is at most {most}.", field="amount")
    texts = {"product_group": product_group.strip(), "deal_type": deal_type.strip()}
    for name, text in texts.items():
        if len(text) > ATTRIBUTE_MAX_LENGTH[name]:
            raise InvalidInput(
                f"At most {ATTRIBUTE_MAX_LENGTH[name]} characters.", field=name
            ) from None
        try:
            limits.check_text(text)
        except limits.OutOfLimits as error:
            raise InvalidInput(str(error), field=name) from None
    return Deal(metric, minor, texts["product_group"], texts["deal_type"])


def estimate_deal(rep: RepPlan, deal: Deal) -> Estimate:
    """The rep's statement now and with ``deal`` credited today, by the engine."""
    sale = Credit(ESTIMATED_REF, rep.as_of, deal.amount_minor, deal.attributes)
    try:
        return estimate(rep.definition, rep.inputs, deal.metric, sale, rep.run)
    except PlanError as error:
        raise InvalidInput(error.message, field=error.field) from None


# The payout curve ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Curve:
    """The plan's payout by attainment of ``metric``, with where it changes."""

    metric: str
    target_minor: int
    points: tuple[CurvePoint, ...]
    markers: tuple[Marker, ...]
    cap: CurvePoint | None


def curve_attainments(*positions: Decimal | None) -> list[Decimal]:
    """0% to 200% in steps of 2.5%, further (in whole 50% steps, at most 500%) when a
    position lies beyond, and the positions themselves."""
    end = CURVE_END
    for position in positions:
        while position is not None and position > end and end < CURVE_MAX_END:
            end += Decimal("0.5")
    steps = int(end / CURVE_STEP)
    points = {CURVE_STEP * step for step in range(steps + 1)}
    points |= {p for p in positions if p is not None and Decimal(0) <= p <= end}
    return sorted(points)


def curve_for(rep: RepPlan, metric: str, *positions: Decimal | None) -> Curve | None:
    """The payout curve of ``metric`` (None when the rep has no target on it)."""
    target = rep.inputs.metrics[metric].target_minor
    if target is None or target <= 0:
        return None
    try:
        points = payout_curve(
            rep.definition, rep.inputs, metric, curve_attainments(*positions), rep.as_of, rep.run
        )
    except PlanError as error:
        raise InvalidInput(error.message, field=error.field) from None
    return Curve(
        metric,
        target,
        tuple(points),
        tuple(plan_markers(rep.definition, metric)),
        cap_marker(points),
    )
