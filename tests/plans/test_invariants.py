"""Property test: whatever sequence of planning operations runs, every level adds up
exactly, months add up to the year, locks hold, and the audit trail rebuilds each number."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quotaflow.core.errors import DomainError
from quotaflow.plans import actions
from quotaflow.plans.models import PlanningCycle
from quotaflow.plans.queries import replay_target, sums_are_exact, tree_goals
from tests.conftest import SmallOrg
from tests.plans.conftest import goal_of

operation = st.one_of(
    st.tuples(st.just("cascade"), st.integers(0, 10**11)),
    st.tuples(st.just("adjust_north"), st.integers(0, 10**10)),
    st.tuples(st.just("unlock_north"), st.just(0)),
    st.tuples(st.just("resplit_team"), st.integers(0, 100)),
)
allocation = st.fixed_dictionaries(
    {
        "method": st.sampled_from(["equal", "potential"]),
        "over_assignment": st.sampled_from([0, 0.05, 0.2]),
        "granularity": st.sampled_from([1, 100, 10_000]),
    }
)


@pytest.mark.django_db
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    levels=st.lists(allocation, min_size=3, max_size=3),
    operations=st.lists(operation, min_size=1, max_size=6),
)
def test_every_operation_keeps_the_plan_exact(
    small_org: SmallOrg,
    make_cycle: Callable[..., PlanningCycle],
    levels: list[dict[str, object]],
    operations: list[tuple[str, int]],
) -> None:
    cycle = make_cycle(allocation=levels)
    olga, max_ = small_org.users["ops_olga"], small_org.users["manager_max"]
    actions.run_cascade(cycle, acting_user=olga, company_target=1_000_000_00)
    for name, value in operations:
        try:
            if name == "cascade":
                actions.run_cascade(cycle, acting_user=olga, company_target=value)
            elif name == "adjust_north":
                actions.adjust_goal(
                    goal_of(cycle, small_org.north), acting_user=olga, target=value, reason="p"
                )
            elif name == "unlock_north":
                actions.lock_goal(goal_of(cycle, small_org.north), acting_user=olga, locked=False)
            else:
                team = goal_of(cycle, small_org.north_team)
                ria, rob = (
                    goal_of(cycle, small_org.people["ria"]),
                    goal_of(cycle, small_org.people["rob"]),
                )
                total = team.allocated_to_children or 0
                share = total * value // 100
                actions.resplit_children(
                    team,
                    acting_user=max_,
                    targets={ria.pk: share, rob.pk: total - share},
                    reason="p",
                )
        except DomainError:
            pass  # a refused operation (e.g. a lock bigger than the company) writes nothing
        goals = tree_goals(cycle)
        assert sums_are_exact(goals) == [], (name, value)
        north = goal_of(cycle, small_org.north)
        if north.locked:
            assert north.derivation["adjustments"][-1]["new"] == north.target
    for goal in tree_goals(cycle):
        assert replay_target(goal) == goal.target
