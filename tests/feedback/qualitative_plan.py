"""A published FY2027 plan with qualitative goals beside revenue, shared by the scorecard
and qualitative-goal tests:

    revenue        every goal cascaded from 1,000,000.00 (Ria's: 250,000.00)
    account_plans  a rubric goal for every rep: "account plans for the top 10 accounts",
                   scored 0–4 by the manager
    onboarding     a checklist goal for every rep: three milestones, the last weighing 2
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from quotaflow.metrics.models import Metric, MetricUnit
from quotaflow.plans import actions
from quotaflow.plans.models import Goal, GoalKind, PlanningCycle
from quotaflow.plans.qualitative import MilestoneSpec
from tests.conftest import SmallOrg
from tests.plans.conftest import FY_END, FY_START
from tests.qualitative import qualitative_goals

ACCOUNT_PLANS_RUBRIC = [
    {"score": 0, "meaning": "No account plans"},
    {"score": 1, "meaning": "Plans drafted for a few top accounts"},
    {"score": 2, "meaning": "Plans for five of the top ten"},
    {"score": 3, "meaning": "Plans for all ten, not yet reviewed"},
    {"score": 4, "meaning": "All ten reviewed with the customer"},
]
ONBOARDING = [
    MilestoneSpec("Shadow three calls", dt.date(2027, 2, 15)),
    MilestoneSpec("Certify on the product", dt.date(2027, 3, 31)),
    MilestoneSpec("Run a QBR alone", dt.date(2027, 6, 30), weight=2),
]


FY2027_PLAN: dict[str, Any] = {
    "name": "FY2027 revenue",
    "period_start": FY_START,
    "period_end": FY_END,
    "period_label": "FY2027",
    "approach": "top_down",
}


@dataclass(frozen=True)
class QualitativePlan:
    cycle: PlanningCycle
    revenue: Metric
    account_plans: Metric
    onboarding: Metric

    def goal(self, metric: Metric, person_key: str, org: SmallOrg) -> Goal:
        return Goal.objects.get(
            cycle=self.cycle, metric=metric, owner_person=org.people[person_key]
        )


def build_plan(org: SmallOrg, *, publish: bool = True) -> QualitativePlan:
    """The plan above, made and published by ops_olga."""
    olga = org.users["ops_olga"]
    revenue = Metric.objects.create(code="revenue", name="Revenue", unit=MetricUnit.CURRENCY)
    cycle = actions.create_cycle(acting_user=olga, metric=revenue, **FY2027_PLAN)
    actions.run_cascade(cycle, acting_user=olga, company_target=1_000_000_00)
    account_plans = qualitative_goals(
        cycle, olga, code="account_plans", kind=GoalKind.RUBRIC, rubric=ACCOUNT_PLANS_RUBRIC
    )
    onboarding = qualitative_goals(
        cycle, olga, code="onboarding", kind=GoalKind.MILESTONE, milestones=ONBOARDING
    )
    if publish:
        actions.publish_cycle(cycle, acting_user=olga)
    cycle.refresh_from_db()
    return QualitativePlan(cycle, revenue, account_plans, onboarding)
