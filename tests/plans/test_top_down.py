"""Top-down: cascade the company target, adjust and lock, waterfall re-splits, publish."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pytest_django import DjangoCaptureOnCommitCallbacks

from quotaflow.core.errors import Conflict, InvalidInput, NotAllowed
from quotaflow.core.models import Notification
from quotaflow.plans import actions
from quotaflow.plans.models import CycleStatus, Goal, GoalStatus, PlanningCycle
from quotaflow.plans.queries import replay_target, sums_are_exact, tree_goals
from tests.conftest import SmallOrg
from tests.plans.conftest import goal_of


def assert_exact(cycle: PlanningCycle) -> None:
    """Every parent's children and every goal's months add up exactly."""
    assert sums_are_exact(tree_goals(cycle)) == []


def test_create_cycle_freezes_participants_as_a_goal_tree(
    small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle]
) -> None:
    cycle = make_cycle()
    goals = tree_goals(cycle)
    assert len(goals) == 8  # 5 units + 3 reps
    ria = goal_of(cycle, small_org.people["ria"])
    assert ria.parent == goal_of(cycle, small_org.north_team)
    assert goal_of(cycle, small_org.company).parent is None
    assert all(g.status == GoalStatus.DRAFT and g.target == 0 for g in goals)
    assert cycle.status == CycleStatus.DRAFT


def test_equal_cascade_splits_exactly_to_the_cent(
    small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle]
) -> None:
    cycle = make_cycle()
    # 1,000,000.01 in cents cannot split evenly between two regions: one cent goes to
    # the lower id by the deterministic tie-break, and every level still adds up.
    actions.run_cascade(cycle, acting_user=small_org.users["ops_olga"], company_target=100_000_001)
    north, south = goal_of(cycle, small_org.north), goal_of(cycle, small_org.south)
    assert north.target + south.target == 100_000_001
    assert sorted([north.target, south.target]) == [50_000_000, 50_000_001]
    ria, rob = goal_of(cycle, small_org.people["ria"]), goal_of(cycle, small_org.people["rob"])
    assert ria.target + rob.target == goal_of(cycle, small_org.north_team).target
    assert ria.status == GoalStatus.PROPOSED
    assert ria.derivation["top_down"]["rule"] == "equal"
    assert len(ria.phasing) == 12 and sum(m["target"] for m in ria.phasing) == ria.target
    assert_exact(cycle)


def test_over_assignment_and_granularity_per_level(
    small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle]
) -> None:
    cycle = make_cycle(
        allocation=[
            {"method": "equal"},
            {"method": "equal"},
            {"method": "equal", "over_assignment": 0.1, "granularity": 100_00},
        ]
    )
    actions.run_cascade(cycle, acting_user=small_org.users["ops_olga"], company_target=200_000_00)
    team = goal_of(cycle, small_org.north_team)
    ria, rob = goal_of(cycle, small_org.people["ria"]), goal_of(cycle, small_org.people["rob"])
    # the team's 100,000.00 is over-assigned by 10 % to its reps, in steps of 100.00
    assert team.target == 100_000_00
    assert team.allocated_to_children == 110_000_00
    assert ria.target + rob.target == 110_000_00
    assert ria.target % 100_00 == 0
    assert_exact(cycle)


def test_adjust_locks_the_node_and_recascades_around_it(
    small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle]
) -> None:
    cycle = make_cycle()
    olga = small_org.users["ops_olga"]
    actions.run_cascade(cycle, acting_user=olga, company_target=1_000_000)
    north = goal_of(cycle, small_org.north)
    actions.adjust_goal(
        north, acting_user=olga, target=700_000, reason="North has the big accounts"
    )
    north.refresh_from_db()
    assert north.locked and north.target == 700_000
    assert goal_of(cycle, small_org.south).target == 300_000
    # re-running the cascade keeps the lock
    actions.run_cascade(cycle, acting_user=olga, company_target=1_200_000)
    assert goal_of(cycle, small_org.north).target == 700_000
    assert goal_of(cycle, small_org.south).target == 500_000
    assert north.derivation["adjustments"][0]["reason"] == "North has the big accounts"
    assert_exact(cycle)


def test_locks_that_cannot_fit_give_a_clear_error(
    small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle]
) -> None:
    cycle = make_cycle()
    olga = small_org.users["ops_olga"]
    actions.run_cascade(cycle, acting_user=olga, company_target=1_000_000)
    actions.adjust_goal(
        goal_of(cycle, small_org.north), acting_user=olga, target=900_000, reason="focus"
    )
    with pytest.raises(InvalidInput, match="cannot add up"):
        actions.run_cascade(cycle, acting_user=olga, company_target=500_000)
    assert goal_of(cycle, small_org.north).target == 900_000  # nothing was written
    assert_exact(cycle)


def test_waterfall_manager_resplits_children_but_not_own_number(
    small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle]
) -> None:
    cycle = make_cycle()
    actions.run_cascade(cycle, acting_user=small_org.users["ops_olga"], company_target=1_000_000)
    team = goal_of(cycle, small_org.north_team)
    ria, rob = goal_of(cycle, small_org.people["ria"]), goal_of(cycle, small_org.people["rob"])
    max_ = small_org.users["manager_max"]
    actions.resplit_children(
        team, acting_user=max_, targets={ria.pk: 300_000, rob.pk: 200_000}, reason="Ria ramped"
    )
    ria.refresh_from_db()
    assert ria.target == 300_000 and ria.derivation["adjustments"][-1]["rule"] == "waterfall"
    with pytest.raises(InvalidInput, match="must add up to 5,000.00"):
        actions.resplit_children(team, acting_user=max_, targets={ria.pk: 400_000}, reason="more")
    # changing North's own number means re-splitting Acme, which Max does not manage
    acme = goal_of(cycle, small_org.company)
    north, south = goal_of(cycle, small_org.north), goal_of(cycle, small_org.south)
    with pytest.raises(NotAllowed):
        actions.resplit_children(
            acme, acting_user=max_, targets={north.pk: 600_000, south.pk: 400_000}, reason="x"
        )
    assert_exact(cycle)


def test_resplit_of_a_region_recascades_its_teams(
    small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle]
) -> None:
    cycle = make_cycle()
    actions.run_cascade(cycle, acting_user=small_org.users["ops_olga"], company_target=1_000_000)
    acme = goal_of(cycle, small_org.company)
    north, south = goal_of(cycle, small_org.north), goal_of(cycle, small_org.south)
    actions.resplit_children(
        acme,
        acting_user=small_org.users["ceo_cora"],
        targets={north.pk: 600_001, south.pk: 399_999},
        reason="mix",
    )
    ria, rob = goal_of(cycle, small_org.people["ria"]), goal_of(cycle, small_org.people["rob"])
    assert ria.target + rob.target == 600_001
    assert goal_of(cycle, small_org.people["sue"]).target == 399_999
    assert_exact(cycle)


def test_publish_makes_the_plan_immutable_and_notifies_owners(
    small_org: SmallOrg,
    make_cycle: Callable[..., PlanningCycle],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    cycle = make_cycle()
    olga = small_org.users["ops_olga"]
    actions.run_cascade(cycle, acting_user=olga, company_target=1_000_000)
    with django_capture_on_commit_callbacks(execute=True):
        actions.publish_cycle(cycle, acting_user=olga)
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.PUBLISHED
    assert set(Goal.objects.filter(cycle=cycle).values_list("status", flat=True)) == {
        GoalStatus.PUBLISHED
    }
    assert Notification.objects.filter(
        user=small_org.users["rep_ria"], kind="plan.published"
    ).exists()
    assert Notification.objects.filter(
        user=small_org.users["manager_max"], kind="plan.published"
    ).exists()
    ria = goal_of(cycle, small_org.people["ria"])
    with pytest.raises(Conflict, match="cannot change"):
        actions.run_cascade(cycle, acting_user=olga, company_target=2_000_000)
    with pytest.raises(Conflict, match="cannot change"):
        actions.adjust_goal(ria, acting_user=olga, target=1, reason="x")
    with pytest.raises(Conflict, match="cannot change"):
        actions.lock_goal(ria, acting_user=olga)
    assert goal_of(cycle, small_org.people["ria"]).target == ria.target


def test_audit_history_reconstructs_every_number(
    small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle]
) -> None:
    cycle = make_cycle()
    olga = small_org.users["ops_olga"]
    actions.run_cascade(cycle, acting_user=olga, company_target=1_000_000)
    actions.adjust_goal(
        goal_of(cycle, small_org.north), acting_user=olga, target=650_000, reason="big accounts"
    )
    team = goal_of(cycle, small_org.north_team)
    ria, rob = goal_of(cycle, small_org.people["ria"]), goal_of(cycle, small_org.people["rob"])
    actions.resplit_children(
        team,
        acting_user=small_org.users["manager_max"],
        targets={ria.pk: 400_000, rob.pk: 250_000},
        reason="r",
    )
    actions.publish_cycle(cycle, acting_user=olga)
    for goal in tree_goals(cycle):
        assert replay_target(goal) == goal.target, goal


def test_stale_version_is_a_conflict_not_an_overwrite(
    small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle]
) -> None:
    cycle = make_cycle()
    olga = small_org.users["ops_olga"]
    actions.run_cascade(cycle, acting_user=olga, company_target=1_000_000)
    north = goal_of(cycle, small_org.north)
    stale = north.version
    actions.adjust_goal(
        north, acting_user=olga, target=600_000, reason="first", expected_version=stale
    )
    with pytest.raises(Conflict, match="changed by someone else"):
        actions.adjust_goal(
            north, acting_user=olga, target=100_000, reason="second", expected_version=stale
        )
    assert goal_of(cycle, small_org.north).target == 600_000
    cycle.refresh_from_db()
    with pytest.raises(Conflict):
        actions.run_cascade(
            cycle, acting_user=olga, company_target=5, expected_version=cycle.version - 1
        )


def test_potential_weights_drive_the_split(
    small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle]
) -> None:
    cycle = make_cycle(allocation=[{"method": "potential"}])
    olga = small_org.users["ops_olga"]
    north, south = goal_of(cycle, small_org.north), goal_of(cycle, small_org.south)
    ria, rob = goal_of(cycle, small_org.people["ria"]), goal_of(cycle, small_org.people["rob"])
    assert (
        actions.set_weights(
            cycle, acting_user=olga, weights={north.pk: 3, south.pk: 1, ria.pk: 1, rob.pk: 4}
        )
        == 4
    )
    actions.run_cascade(cycle, acting_user=olga, company_target=1_000_000)
    assert goal_of(cycle, small_org.north).target == 750_000
    assert goal_of(cycle, small_org.people["rob"]).target == 600_000
    with pytest.raises(NotAllowed):
        actions.set_weights(
            cycle, acting_user=small_org.users["manager_max"], weights={north.pk: 1}
        )


def test_waterfall_stays_within_the_rules(
    small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle]
) -> None:
    rules = [{"method": "equal"}, {"method": "equal"}, {"method": "equal", "cap": 350_000}]
    cycle = make_cycle(allocation=rules)
    olga, max_ = small_org.users["ops_olga"], small_org.users["manager_max"]
    actions.run_cascade(cycle, acting_user=olga, company_target=1_000_000)
    team = goal_of(cycle, small_org.north_team)
    ria, rob = goal_of(cycle, small_org.people["ria"]), goal_of(cycle, small_org.people["rob"])
    # Sue alone in South Team A is capped at 350,000, so the engine gave North the rest
    assert (team.allocated_to_children, ria.target) == (650_000, 325_000)
    too_high = {ria.pk: 400_000, rob.pk: 250_000}
    with pytest.raises(InvalidInput, match="above this level's cap of 3,500.00"):
        actions.resplit_children(team, acting_user=max_, targets=too_high, reason="r")
    actions.lock_goal(ria, acting_user=olga)
    moves_lock = {ria.pk: 300_000, rob.pk: 350_000}
    with pytest.raises(InvalidInput, match="locked Ria Rep"):
        actions.resplit_children(team, acting_user=max_, targets=moves_lock, reason="r")
    assert goal_of(cycle, small_org.people["ria"]).target == 325_000
