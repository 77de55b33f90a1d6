"""A rep's earnings and the estimator, read-only: per plan running today the earnings to
date, the run-rate projection and its basis, the tier reached and the payout curve; and
what a deal would add ("if I close this deal of X"), computed by the payout engine on the
rep's current inputs (``incentives.estimating``).

The rep reads their own, a manager those of the people in the subtrees they manage today,
sales ops and finance anyone's; anyone else gets 404, as for a person who does not exist.
Every read needs the ``read`` scope on a token. Nothing is written.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import AfterValidator

from quotaflow.accounts.models import TokenScope
from quotaflow.api.auth import request_user, require_scope
from quotaflow.api.schemas import READ_ERRORS, AsOf, ObjectId, day_or_today
from quotaflow.core import limits
from quotaflow.core.errors import NotFound
from quotaflow.incentives import estimating
from quotaflow.incentives.engine import describe
from quotaflow.incentives.engine.whatif import CurvePoint, TierReached
from quotaflow.incentives.estimating import Earnings, RepPlan, Unavailable, tier_words
from quotaflow.incentives.explaining import money_words
from quotaflow.org.models import Person

router = Router(tags=["incentives"])


def _text(value: str) -> str:
    return limits.check_text(value)


PlanId = Annotated[
    int, Query(ge=1, le=limits.BIGINT_MAX, description="The incentive plan (running today).")
]
Metric = Annotated[
    str | None,
    AfterValidator(lambda text: text if text is None else _text(text)),
    Query(
        None, max_length=64, description="The metric the deal is on; the plan's first if omitted."
    ),
]
Amount = Annotated[
    str,
    AfterValidator(_text),
    Query(
        ...,
        min_length=1,
        max_length=40,
        description="The deal's amount in display units of the metric (the currency's for "
        "money): 25000, 25k, 1.2M or 25,000.50.",
    ),
]
ProductGroup = Annotated[
    str,
    AfterValidator(_text),
    Query("", max_length=estimating.ATTRIBUTE_MAX_LENGTH["product_group"], description="Optional."),
]
DealType = Annotated[
    str,
    AfterValidator(_text),
    Query("", max_length=estimating.ATTRIBUTE_MAX_LENGTH["deal_type"], description="Optional."),
]


class TierOut(Schema):
    """The highest tier of a commission: ``number`` 0 when none is reached yet."""

    component: str
    number: int
    words: str


def _tier(name: str, reached: TierReached | None) -> TierOut:
    return TierOut(
        component=name, number=0 if reached is None else reached.number, words=tier_words(reached)
    )


def _tier_pairs(
    before: dict[str, TierReached], after: dict[str, TierReached]
) -> list[tuple[TierOut, TierOut]]:
    return [
        (_tier(name, before.get(name)), _tier(name, after.get(name)))
        for name in dict.fromkeys([*before, *after])
    ]


class TierChangeOut(Schema):
    component: str
    before: TierOut
    after: TierOut


class ProjectionOut(Schema):
    """One metric's run-rate projection (credited ÷ elapsed days × days in the period)."""

    metric: str
    target_minor: int | None
    credited_minor: int
    projected_minor: int
    days_elapsed: int
    days_total: int
    basis: str


class CurvePointOut(Schema):
    attainment: str
    credited_minor: int
    earned_minor: int
    capped: bool


def _point(point: CurvePoint) -> CurvePointOut:
    return CurvePointOut(
        attainment=str(point.attainment),
        credited_minor=point.credited_minor,
        earned_minor=point.earned_minor,
        capped=point.capped,
    )


class MarkerOut(Schema):
    kind: str
    attainment: str
    component: str
    label: str


class CurveOut(Schema):
    """Earnings to date at attainments of ``metric`` (0–200%, further when the rep's
    position lies beyond), computed by the plan at each point."""

    metric: str
    target_minor: int
    points: list[CurvePointOut]
    markers: list[MarkerOut]
    cap_from: str | None


class PlanEarningsOut(Schema):
    """A rep's earnings under one plan running on the day. When they cannot be computed
    (say, a tiered plan and no published target), ``unavailable`` says why and the
    figures are null."""

    plan_id: int
    plan: str
    unavailable: str | None = None
    plan_version: int | None = None
    currency: str | None = None
    pay_period_start: dt.date | None = None
    pay_period_end: dt.date | None = None
    previous_run_id: int | None = None
    earned_to_date_minor: int | None = None
    payable_so_far_minor: int | None = None
    projected_earned_minor: int | None = None
    projections: list[ProjectionOut] = []
    tiers: list[TierChangeOut] = []
    curve: CurveOut | None = None


def _curve(found: Earnings) -> CurveOut | None:
    rep = found.rep_plan
    metric = rep.definition.metrics[0]
    projection = next(p for p in found.projections if p.code == metric)
    curve = estimating.curve_for(
        rep, metric, projection.attainment, projection.projected_attainment
    )
    if curve is None:
        return None
    return CurveOut(
        metric=metric,
        target_minor=curve.target_minor,
        points=[_point(point) for point in curve.points],
        markers=[
            MarkerOut(
                kind=m.kind, attainment=str(m.attainment), component=m.component, label=m.label
            )
            for m in curve.markers
        ],
        cap_from=None if curve.cap is None else str(curve.cap.attainment),
    )


def _plan_earnings(found: Earnings) -> PlanEarningsOut:
    rep = found.rep_plan
    return PlanEarningsOut(
        plan_id=rep.plan.pk,
        plan=str(rep.plan),
        plan_version=rep.version.number,
        currency=rep.currency,
        pay_period_start=rep.pay_period[0],
        pay_period_end=rep.pay_period[1],
        previous_run_id=None if rep.previous_run is None else rep.previous_run.pk,
        earned_to_date_minor=found.now.earned_minor,
        payable_so_far_minor=found.now.total_minor,
        projected_earned_minor=found.projected.earned_minor,
        projections=[
            ProjectionOut(
                metric=p.code,
                target_minor=p.target_minor,
                credited_minor=p.credited_minor,
                projected_minor=p.projected_minor,
                days_elapsed=p.days_elapsed,
                days_total=p.days_total,
                basis=p.basis(),
            )
            for p in found.projections
        ],
        tiers=[
            TierChangeOut(component=now.component, before=now, after=later)
            for now, later in _tier_pairs(found.tiers_now, found.tiers_projected)
        ],
        curve=_curve(found),
    )


def _person(request: HttpRequest, person_id: int) -> Person:
    require_scope(request, TokenScope.READ)
    return estimating.person_for_earnings(request_user(request), person_id)


@router.get(
    "/incentives/people/{int:person_id}/earnings",
    response={200: list[PlanEarningsOut], **READ_ERRORS},
    summary="A rep's earnings to date, projected, and payout curve",
    description="Per plan running on the day (today unless as_of names one), as a payout "
    "run would compute them then.",
)
def person_earnings(
    request: HttpRequest, person_id: ObjectId, as_of: AsOf = None
) -> list[PlanEarningsOut]:
    person = _person(request, person_id)
    found = estimating.earnings_for(person, day_or_today(as_of))
    return [
        PlanEarningsOut(plan_id=item.plan.pk, plan=str(item.plan), unavailable=item.message)
        if isinstance(item, Unavailable)
        else _plan_earnings(item)
        for item in found
    ]


class LineChangeOut(Schema):
    """A statement line the deal changes: its amount before and after (0: not there)."""

    kind: str
    component: str
    before_minor: int
    after_minor: int
    change_minor: int
    words: str


class EstimateOut(Schema):
    """What a deal would change, by the payout engine: earnings to date and this pay
    period's payable amount before and after, the tiers, and each changed line."""

    plan_id: int
    metric: str
    amount_minor: int
    currency: str
    day: dt.date
    earned_before_minor: int
    earned_after_minor: int
    earned_change_minor: int
    payable_before_minor: int
    payable_after_minor: int
    payable_change_minor: int
    tiers: list[TierChangeOut]
    lines: list[LineChangeOut]


def _current(person: Person, plan_id: int, day: dt.date) -> RepPlan:
    for plan, version in estimating.current_plans(person, day):
        if plan.pk == plan_id:
            return estimating.rep_plan(person, plan, version, day)
    raise NotFound(
        f"{person.full_name} is on no published plan {plan_id} running on {day.isoformat()}.",
        field="plan_id",
    )


@router.get(
    "/incentives/people/{int:person_id}/estimate",
    response={200: EstimateOut, **READ_ERRORS},
    summary="If the rep closes this deal: the change in earnings and the tier it reaches",
    description="The payout engine on the rep's inputs on the day (today unless as_of names "
    "one) with the deal credited that day. Nothing is saved.",
)
def estimate_deal(
    request: HttpRequest,
    person_id: ObjectId,
    plan_id: PlanId,
    amount: Amount,
    metric: Metric = None,
    product_group: ProductGroup = "",
    deal_type: DealType = "",
    as_of: AsOf = None,
) -> EstimateOut:
    person = _person(request, person_id)
    rep = _current(person, plan_id, day_or_today(as_of))
    deal = estimating.read_deal(
        rep,
        metric=metric or rep.definition.metrics[0],
        amount=amount,
        product_group=product_group,
        deal_type=deal_type,
    )
    result = estimating.estimate_deal(rep, deal)
    money = money_words(rep.currency)
    return EstimateOut(
        plan_id=rep.plan.pk,
        metric=deal.metric,
        amount_minor=deal.amount_minor,
        currency=rep.currency,
        day=rep.as_of,
        earned_before_minor=result.before.earned_minor,
        earned_after_minor=result.after.earned_minor,
        earned_change_minor=result.earned_change_minor,
        payable_before_minor=result.before.total_minor,
        payable_after_minor=result.after.total_minor,
        payable_change_minor=result.payable_change_minor,
        tiers=[
            TierChangeOut(component=before.component, before=before, after=after)
            for before, after in _tier_pairs(result.tiers_before, result.tiers_after)
        ],
        lines=[
            LineChangeOut(
                kind=line.kind.value,
                component=line.component,
                before_minor=0 if change.before is None else change.before.amount_minor,
                after_minor=0 if change.after is None else change.after.amount_minor,
                change_minor=change.change_minor,
                words=describe(line, money),
            )
            for change in result.changes
            for line in [change.after or change.before]
            if line is not None
        ],
    )
