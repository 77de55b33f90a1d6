"""A plan to cost: the SMART fixtures' three years of sales history (Ria about 1.0M EUR a
quarter, Rob 0.6M, Sue 0.8M), published goals for next quarter for Ria and Rob (Sue has
none), a published tiered plan with an accelerator, a cap and a bonus they are all
assigned to, and a richer draft version 2 to compare it with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from quotaflow.incentives.actions import assign_plan, create_plan, publish_plan, revise_plan
from quotaflow.incentives.models import IncentivePlan, PlanVersion
from quotaflow.plans.models import Goal, GoalStatus
from tests.smart.conftest import SmartWorld

TARGETS = {"ria": 1_000_000_00, "rob": 600_000_00}
PUBLISHED: dict[str, Any] = {
    "components": [
        {
            "kind": "commission",
            "name": "Revenue commission",
            "metric": "revenue",
            "tiers": [{"from": "0", "rate": "0.02"}, {"from": "1", "rate": "0.04"}],
            "accelerator": {"above": "1.1", "multiplier": "1.5"},
            "cap_minor": 40_000_00,
        },
        {
            "kind": "bonus",
            "name": "Quarter bonus",
            "metric": "revenue",
            "milestones": [{"at": "1", "amount_minor": 2_000_00}],
        },
    ]
}
DRAFT: dict[str, Any] = {
    "components": [
        {
            "kind": "commission",
            "name": "Revenue commission",
            "metric": "revenue",
            "tiers": [{"from": "0", "rate": "0.025"}, {"from": "1", "rate": "0.05"}],
            "accelerator": {"above": "1.1", "multiplier": "2"},
        },
        {
            "kind": "bonus",
            "name": "Quarter bonus",
            "metric": "revenue",
            "milestones": [{"at": "1", "amount_minor": 3_000_00}],
        },
    ]
}


@dataclass
class CostWorld:
    smart: SmartWorld
    plan: IncentivePlan
    published: PlanVersion
    draft: PlanVersion

    def user(self, name: str) -> Any:
        return self.smart.org.users[name]


def build_cost_world(world: SmartWorld) -> CostWorld:
    org, cycle = world.org, world.cycle
    olga = org.users["ops_olga"]
    for key, target in TARGETS.items():
        Goal.objects.create(
            owner_person=org.people[key],
            metric=world.revenue,
            period_start=cycle.period_start,
            period_end=cycle.period_end,
            target=target,
            status=GoalStatus.PUBLISHED,
        )
    plan = create_plan(
        acting_user=olga,
        name="AE plan",
        period_start=cycle.period_start,
        period_end=cycle.period_end,
        document=PUBLISHED,
        period_label=cycle.period_label,
    )
    published = publish_plan(plan, acting_user=olga, expected_version=plan.version)
    plan.refresh_from_db()
    assign_plan(
        plan,
        acting_user=olga,
        person_ids=[org.people[key].pk for key in ("ria", "rob", "sue")],
        expected_version=plan.version,
    )
    plan.refresh_from_db()
    draft = revise_plan(plan, acting_user=olga, document=DRAFT, expected_version=plan.version)
    plan.refresh_from_db()
    return CostWorld(world, plan, published, draft)
