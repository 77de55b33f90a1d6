"""Plan cost, read-only: a plan design's expected payout cost and its spread, a what-if
shift, and a second design side by side (``incentives.costing``; the method is in
docs/plan-cost.md). For sales ops, finance and administrators, with the ``read`` scope on
a token; managers and reps are refused.
"""

from __future__ import annotations

from typing import Annotated

from django.http import HttpRequest
from ninja import Query, Router, Schema

from quotaflow.accounts.models import TokenScope
from quotaflow.api.auth import require_allowed
from quotaflow.api.schemas import READ_ERRORS, ObjectId
from quotaflow.core import limits
from quotaflow.incentives import costing
from quotaflow.incentives.engine.costing import (
    DEFAULT_SAMPLES,
    DEFAULT_SEED,
    MAX_SAMPLES,
    MIN_SAMPLES,
    CostFigures,
)
from quotaflow.incentives.permissions import reads_every_payout

router = Router(tags=["incentives"])

COST_READERS = "Only sales operations, finance and administrators can read plan cost."
VersionId = Annotated[
    int | None, Query(ge=1, le=limits.BIGINT_MAX, description="A plan version's id.")
]


class FiguresOut(Schema):
    """One design under one scenario. Money in minor units of ``currency`` (averages are
    rounded to the unit); shares are fractions."""

    expected_total_minor: int
    standard_error_minor: int
    total_p10_minor: int
    total_p50_minor: int
    total_p90_minor: int
    expected_credited: int
    cost_share: float | None
    share_at_or_above_target: float
    per_rep_expected_minor: list[int]
    component_expected_minor: dict[str, int]
    cap_binds: dict[str, float]

    @staticmethod
    def of(figures: CostFigures) -> FiguresOut:
        low, middle, high = figures.total_quantiles
        return FiguresOut(
            expected_total_minor=round(figures.expected_total),
            standard_error_minor=round(figures.standard_error),
            total_p10_minor=round(low),
            total_p50_minor=round(middle),
            total_p90_minor=round(high),
            expected_credited=round(figures.expected_credited),
            cost_share=figures.cost_share,
            share_at_or_above_target=figures.share_above_target,
            per_rep_expected_minor=[round(v) for v in figures.per_rep_expected.tolist()],
            component_expected_minor={
                (name or "draw top-ups"): round(value)
                for name, value in figures.component_expected.items()
            },
            cap_binds=dict(figures.cap_binds),
        )


class DesignOut(Schema):
    """A design: its version, the components left out of the cost (they read the sales'
    mix), and its figures as predicted and with the shift."""

    version_id: int
    plan: str
    version: int
    status: str
    left_out: list[str]
    as_predicted: FiguresOut
    shifted: FiguresOut


class CostedRepOut(Schema):
    person_id: int
    name: str


class PlanCostOut(Schema):
    """The basis (samples, seed, shift, who was costed and who was left out) and the
    designs; ``reps`` is in the order of each design's ``per_rep_expected_minor``."""

    plan_id: int
    currency: str
    metrics: list[str]
    samples: int
    seed: int
    shift_percent: int
    reps_assigned: int
    reps: list[CostedRepOut]
    reps_on_peers: int
    without_goal: list[str]
    without_history: list[str]
    designs: list[DesignOut]


@router.get(
    "/incentives/plans/{int:plan_id}/cost",
    response={200: PlanCostOut, **READ_ERRORS},
    summary="A plan's expected payout cost, a what-if shift and a second design",
)
def plan_cost(
    request: HttpRequest,
    plan_id: ObjectId,
    version: VersionId = None,
    compare: VersionId = None,
    shift: Annotated[
        int,
        Query(
            ge=costing.MIN_SHIFT_PERCENT,
            le=costing.MAX_SHIFT_PERCENT,
            description="What-if shift on everyone's result, whole percent.",
        ),
    ] = costing.DEFAULT_SHIFT_PERCENT,
    samples: Annotated[int, Query(ge=MIN_SAMPLES, le=MAX_SAMPLES)] = DEFAULT_SAMPLES,
    seed: Annotated[int, Query(ge=0, le=costing.MAX_SEED)] = DEFAULT_SEED,
) -> PlanCostOut:
    require_allowed(request, reads_every_payout, scope=TokenScope.READ, refusal=COST_READERS)
    plan = costing.plan_by_id(plan_id)
    chosen = costing.version_for(plan, version, "version") or costing.default_version(plan)
    other = costing.version_for(plan, compare, "compare")
    result = costing.plan_cost_for(
        plan, chosen, other, costing.CostInputs(shift_percent=shift, samples=samples, seed=seed)
    )
    return PlanCostOut(
        plan_id=plan.pk,
        currency=result.currency,
        metrics=[metric.code for metric in result.metrics],
        samples=result.inputs.samples,
        seed=result.inputs.seed,
        shift_percent=result.inputs.shift_percent,
        reps_assigned=result.assigned,
        reps=[CostedRepOut(person_id=rep.person_id, name=rep.name) for rep in result.reps],
        reps_on_peers=result.on_peers,
        without_goal=list(result.without_goal),
        without_history=list(result.without_history),
        designs=[
            DesignOut(
                version_id=design.version.pk,
                plan=design.version.plan.name,
                version=design.version.number,
                status=design.version.status,
                left_out=list(design.left_out),
                as_predicted=FiguresOut.of(design.base),
                shifted=FiguresOut.of(design.shifted),
            )
            for design in result.designs
        ],
    )
