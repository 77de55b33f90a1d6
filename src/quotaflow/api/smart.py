"""SMART checks over the API: a goal's verdicts, a check of a target not yet saved, and a
cycle's plan health."""

from __future__ import annotations

from typing import Annotated

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from quotaflow.accounts.models import TokenScope
from quotaflow.api.auth import request_user, require_scope
from quotaflow.api.schemas import WRITE_ERRORS, BigInt, Input, ObjectId
from quotaflow.core import limits
from quotaflow.plans.loaders import cycle_for, goal_for
from quotaflow.plans.models import PlanningCycle
from quotaflow.smart.actions import POLICY_FIELDS, update_policy
from quotaflow.smart.evaluator import SmartReport
from quotaflow.smart.facts import check_goals
from quotaflow.smart.health import HealthItem, plan_health
from quotaflow.smart.models import SmartPolicy
from quotaflow.smart.queries import visible_cycle_goals

router = Router(tags=["SMART checks"])


ERRORS = WRITE_ERRORS
CycleQuery = Annotated[
    int | None,
    Query(
        None,
        ge=1,
        le=limits.BIGINT_MAX,
        description="A planning cycle's id for its own policy; the company default if omitted.",
    ),
]


class VerdictOut(Schema):
    status: str
    reason: str
    fix: str


class SmartReportOut(Schema):
    goal_id: int
    target: int
    letters: dict[str, VerdictOut]
    worst: str
    probability: float | None
    suggested_target: int | None
    approval_blocked: bool

    @staticmethod
    def of(goal_id: int, target: int, report: SmartReport, policy: SmartPolicy) -> SmartReportOut:
        """The report in API form; ``approval_blocked`` when the policy would refuse approval."""
        return SmartReportOut(
            goal_id=goal_id,
            target=target,
            letters={
                key: VerdictOut(status=v.status, reason=v.reason, fix=v.fix)
                for key, _, v in report.verdicts()
            },
            worst=report.worst,
            probability=None if report.probability is None else round(report.probability, 4),
            suggested_target=report.suggested_target,
            approval_blocked=policy.block_approval_on_fail and bool(report.failing),
        )


class CheckIn(Input):
    goal_id: BigInt
    target: BigInt


class BandOut(Schema):
    band: str
    goals: int


class FailingOut(Schema):
    letter: str
    goals: list[str]


class HealthOut(Schema):
    cycle_id: int
    goals: int
    predicted: int
    distribution: list[BandOut]
    expected_share_at_quota: float | None
    expected_total: int
    target_total: int
    failing: list[FailingOut]


Percent = Annotated[int | None, Field(None, ge=0, le=100)]


class PolicyIn(Input):
    band_low: Percent = None
    band_high: Percent = None
    fail_below: Percent = None
    fail_above: Percent = None
    suggested_probability: int | None = Field(None, ge=1, le=99)
    max_over_assignment: int | None = Field(None, ge=0, le=500)
    block_approval_on_fail: bool | None = None
    checkin_cadence: str | None = Field(None, max_length=60)
    company_objective: str | None = Field(None, max_length=limits.COMMENT_MAX_LENGTH)


class PolicyOut(Schema):
    cycle_id: int | None
    band_low: int
    band_high: int
    fail_below: int
    fail_above: int
    suggested_probability: int
    max_over_assignment: int
    block_approval_on_fail: bool
    checkin_cadence: str
    company_objective: str

    @staticmethod
    def of(policy: SmartPolicy) -> PolicyOut:
        """The policy as sent over the API (percent values)."""
        return PolicyOut(
            cycle_id=policy.cycle_id, **{name: getattr(policy, name) for name in POLICY_FIELDS}
        )


def _policy_cycle(request: HttpRequest, cycle_id: int | None) -> PlanningCycle | None:
    if cycle_id is None:
        return None
    return cycle_for(request_user(request), cycle_id)


@router.get("/smart/policy", response={200: PolicyOut, **ERRORS})
def get_policy(request: HttpRequest, cycle_id: CycleQuery = None) -> PolicyOut:
    """The SMART policy in force: a cycle's own (``?cycle_id=``) or the company default."""
    require_scope(request, TokenScope.READ)
    return PolicyOut.of(SmartPolicy.for_cycle(_policy_cycle(request, cycle_id)))


@router.put("/smart/policy", response={200: PolicyOut, **ERRORS})
def put_policy(request: HttpRequest, payload: PolicyIn, cycle_id: CycleQuery = None) -> PolicyOut:
    """Change the default policy, or give a cycle its own (planners only). Percent values;
    only the fields sent change."""
    require_scope(request, TokenScope.MANAGE)
    user = request_user(request)
    cycle = _policy_cycle(request, cycle_id)
    values = payload.dict(exclude_none=True)
    return PolicyOut.of(update_policy(acting_user=user, cycle=cycle, **values))


@router.get("/goals/{goal_id}/smart", response={200: SmartReportOut, **ERRORS})
def goal_smart(request: HttpRequest, goal_id: ObjectId) -> SmartReportOut:
    """The SMART verdicts of a goal as saved: per letter pass/warn/fail, reason and fix."""
    require_scope(request, TokenScope.READ)
    goal = goal_for(request_user(request), goal_id, in_plan=True)
    checked = check_goals([goal])[0]
    return SmartReportOut.of(
        goal.pk, checked.target, checked.report, SmartPolicy.for_cycle(goal.cycle)
    )


@router.post("/smart/check", response={200: SmartReportOut, **ERRORS})
def check_target(request: HttpRequest, payload: CheckIn) -> SmartReportOut:
    """Check a target for a goal before saving it (what the goal forms show live).
    The target is in the metric's base unit (cents for money). Nothing is written."""
    require_scope(request, TokenScope.READ)
    goal = goal_for(request_user(request), payload.goal_id, in_plan=True)
    checked = check_goals([goal], targets={goal.pk: payload.target})[0]
    return SmartReportOut.of(
        goal.pk, payload.target, checked.report, SmartPolicy.for_cycle(goal.cycle)
    )


@router.get("/cycles/{cycle_id}/smart-health", response={200: HealthOut, **ERRORS})
def cycle_health(request: HttpRequest, cycle_id: ObjectId) -> HealthOut:
    """Plan health over the goals of a cycle the caller may see: the distribution of
    attainment probabilities, expected share at quota, expected total, failing letters."""
    require_scope(request, TokenScope.READ)
    cycle, goals = visible_cycle_goals(request_user(request), cycle_id)
    person_goals = [goal for goal in goals if goal.owner_person_id is not None]
    health = plan_health(
        [
            HealthItem(str(c.goal), c.target, c.report, c.prediction)
            for c in check_goals(person_goals)
        ]
    )
    return HealthOut(
        cycle_id=cycle.pk,
        goals=health.goals,
        predicted=health.predicted,
        distribution=[BandOut(band=label, goals=count) for label, count in health.distribution],
        expected_share_at_quota=health.expected_share_at_quota,
        expected_total=round(health.expected_total),
        target_total=health.target_total,
        failing=[FailingOut(letter=letter, goals=list(names)) for letter, names in health.failing],
    )
