"""Every audit row of a planning action names its object as the object itself reads.

The bulk paths (creating a cycle's goals, templates, copies, new hires, revisions) write many
rows at once; each row must say which goal it is about ("Ria Rep · Revenue · FY2027"), never
a bare database id that nobody reading the trail can place.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from quotaflow.core.models import AuditEvent
from quotaflow.metrics.models import Metric, MetricUnit
from quotaflow.org.models import Person
from quotaflow.plans import actions
from quotaflow.plans.models import Goal, PlanningCycle
from tests.conftest import SmallOrg
from tests.plans.conftest import goal_of


def _names_of(action: str) -> dict[str, str]:
    """Goal id → the object name stored on each ``action`` audit row."""
    rows = AuditEvent.objects.filter(object_type="plans.goal", action=action)
    return dict(rows.values_list("object_id", "object_repr"))


def _assert_named_as_the_goal(action: str, goals: list[Goal]) -> None:
    stored = _names_of(action)
    assert goals, "the action wrote no goals"
    for goal in goals:
        fresh = Goal.objects.select_related("owner_unit", "owner_person", "metric").get(pk=goal.pk)
        assert stored[str(goal.pk)] == str(fresh)
        assert stored[str(goal.pk)] != str(goal.owner_unit_id or goal.owner_person_id)


def test_a_new_cycles_goals_are_audited_by_name(
    small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle]
) -> None:
    cycle = make_cycle()
    goals = list(Goal.objects.filter(cycle=cycle))
    _assert_named_as_the_goal("plans.goal.created", goals)
    assert _names_of("plans.goal.created")[str(goal_of(cycle, small_org.people["ria"]).pk)] == (
        "Ria Rep · Revenue · FY2027"
    )


def test_template_goals_are_audited_by_name(
    small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle]
) -> None:
    cycle = make_cycle()
    calls = Metric.objects.create(code="calls", name="Calls", unit=MetricUnit.COUNT)
    AuditEvent.objects.all().delete()
    made = actions.create_goals_from_template(
        cycle, acting_user=small_org.users["ops_olga"], metric=calls, role="rep", target=300
    )
    _assert_named_as_the_goal("plans.goal.created", made)


def test_copied_new_hire_and_revised_goals_are_audited_by_name(
    small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle]
) -> None:
    olga = small_org.users["ops_olga"]
    plan = make_cycle()
    actions.run_cascade(plan, acting_user=olga, company_target=1_200_000)
    actions.publish_cycle(plan, acting_user=olga)
    scenario = actions.copy_as_scenario(plan, acting_user=olga, name="What if")
    _assert_named_as_the_goal("plans.goal.copied", list(Goal.objects.filter(cycle=scenario)))

    nina = Person.objects.create(
        external_id="E100", full_name="Nina New", hire_date=dt.date(2027, 10, 1)
    )
    v2 = actions.create_mid_period_version(
        plan,
        acting_user=olga,
        effective_from=dt.date(2027, 10, 1),
        reason="Nina joins North Team A",
        hires={nina.pk: (goal_of(plan, small_org.north_team).pk, 365_000)},
    )
    hire = goal_of(v2, nina)
    assert _names_of("plans.goal.created")[str(hire.pk)] == "Nina New · Revenue · FY2027"
    revised = [
        g for g in Goal.objects.filter(cycle=v2) if str(g.pk) in _names_of("plans.goal.revised")
    ]
    _assert_named_as_the_goal("plans.goal.revised", revised)
