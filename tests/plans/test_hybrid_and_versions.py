"""Hybrid reconciliation, scenarios, version comparison and mid-period versions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from quotaflow.core.errors import Conflict, InvalidInput
from quotaflow.plans import actions
from quotaflow.plans.models import CycleStatus, Goal, GoalStatus, PlanningCycle
from quotaflow.plans.queries import (
    compare_versions,
    goal_tree,
    replay_target,
    sums_are_exact,
    tree_goals,
)
from tests.conftest import SmallOrg
from tests.plans.conftest import goal_of


@pytest.fixture
def hybrid(more_reps: SmallOrg, make_cycle: Callable[..., PlanningCycle]) -> PlanningCycle:
    """A hybrid cycle with 1,200,000 of guidance (equal) and three submissions."""
    cycle = make_cycle("hybrid", gap_tolerance_bp=1000)
    users, people = more_reps.users, more_reps.people
    actions.run_cascade(cycle, acting_user=users["ops_olga"], company_target=1_200_000)
    # guidance: North 600,000 → Ria 300,000, Rob 300,000; South 600,000 → Sue 600,000
    for key, username, value in (
        ("ria", "rep_ria", 360_000),
        ("rob", "rep_rob", 240_000),
        ("sue", "rep_sue", 500_000),
    ):
        actions.submit_goal(goal_of(cycle, people[key]), acting_user=users[username], target=value)
    return cycle


def test_gap_view_puts_both_numbers_side_by_side(
    more_reps: SmallOrg, hybrid: PlanningCycle
) -> None:
    rows = {row.goal.owner_name: row for row in goal_tree(tree_goals(hybrid))}
    assert rows["Acme"].goal.guidance == 1_200_000
    assert rows["Acme"].bottom_up == 1_100_000
    assert rows["Acme"].gap == -100_000 and rows["Acme"].gap_bp == -833
    assert rows["North"].gap == 0
    assert rows["Sue Seller"].gap == -100_000
    # submissions do not move the plan before reconciliation: the plan is the guidance
    assert sums_are_exact(tree_goals(hybrid)) == []


@pytest.mark.parametrize(
    ("method", "weight", "expected"),
    [
        # keep the top-down total, share by bottom-up: 1.2m × (360, 240, 500) / 1100
        (
            "top_down_total_bottom_up_shares",
            0.5,
            {"Ria Rep": 392_727, "Rob Rep": 261_818, "Sue Seller": 545_455},
        ),
        # everyone submitted: every submission is kept (the company's rest is unallocated)
        ("keep_submitted", 0.5, {"Ria Rep": 360_000, "Rob Rep": 240_000, "Sue Seller": 500_000}),
        # half and half: total 1,150,000
        ("weighted_blend", 0.5, {"Ria Rep": 330_000, "Rob Rep": 270_000, "Sue Seller": 550_000}),
    ],
)
def test_reconciliation_methods_add_up_exactly(
    more_reps: SmallOrg, hybrid: PlanningCycle, method: str, weight: float, expected: dict[str, int]
) -> None:
    actions.reconcile_cycle(
        hybrid, acting_user=more_reps.users["ops_olga"], method=method, top_down_weight=weight
    )
    goals = tree_goals(hybrid)
    assert {g.owner_name: g.target for g in goals if g.owner_person_id} == expected
    assert sums_are_exact(goals) == []
    hybrid.refresh_from_db()
    assert hybrid.negotiation_round == 1
    acme = next(g for g in goals if g.parent_id is None)
    if method == "keep_submitted":
        # the company target stays the top-down number; the 100,000 nobody committed to is
        # recorded, explained and left for the next negotiation round
        assert acme.target == 1_200_000 and acme.allocated_to_children == 1_100_000
        why = acme.derivation["reconciled"]
        assert why["unallocated"] == 100_000
        assert "1,000.00 EUR of what this level hands out is not allocated" in why["summary"]
        assert hybrid.reconciliation["unallocated"] == {str(acme.pk): 100_000}
    else:
        assert acme.derivation["reconciled"]["unallocated"] == 0


def test_keep_submitted_spreads_the_rest_over_those_who_did_not_submit(
    more_reps: SmallOrg, make_cycle: Callable[..., PlanningCycle]
) -> None:
    cycle = make_cycle("hybrid")
    users, people = more_reps.users, more_reps.people
    actions.run_cascade(cycle, acting_user=users["ops_olga"], company_target=1_200_000)
    actions.submit_goal(goal_of(cycle, people["ria"]), acting_user=users["rep_ria"], target=400_000)
    actions.reconcile_cycle(cycle, acting_user=users["ops_olga"], method="keep_submitted")
    targets = {g.owner_name: g.target for g in tree_goals(cycle) if g.owner_person_id}
    assert targets["Ria Rep"] == 400_000
    assert sum(targets.values()) == 1_200_000
    assert sums_are_exact(tree_goals(cycle)) == []


def test_publication_waits_for_the_gap_to_be_within_tolerance(
    more_reps: SmallOrg, make_cycle: Callable[..., PlanningCycle]
) -> None:
    cycle = make_cycle("hybrid", gap_tolerance_bp=500)
    users, people = more_reps.users, more_reps.people
    olga = users["ops_olga"]
    actions.run_cascade(cycle, acting_user=olga, company_target=1_200_000)
    sue = goal_of(cycle, people["sue"])
    actions.submit_goal(sue, acting_user=users["rep_sue"], target=400_000)
    with pytest.raises(InvalidInput, match="Reconcile"):
        actions.publish_cycle(cycle, acting_user=olga)
    actions.reconcile_cycle(cycle, acting_user=olga, method="top_down_total_bottom_up_shares")
    with pytest.raises(InvalidInput, match="-16.67% off"):
        actions.publish_cycle(cycle, acting_user=olga)
    # negotiation round 2: Sue comments and comes closer; a new reconciliation is needed
    actions.comment_on_goal(
        sue, acting_user=users["rep_sue"], body="550k is realistic with the new partner"
    )
    actions.submit_goal(sue, acting_user=users["rep_sue"], target=550_000)
    with pytest.raises(InvalidInput, match="reconcile again"):
        actions.publish_cycle(cycle, acting_user=olga)
    actions.reconcile_cycle(cycle, acting_user=olga, method="weighted_blend", top_down_weight=0.5)
    actions.publish_cycle(cycle, acting_user=olga)
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.PUBLISHED and cycle.negotiation_round == 2
    assert sue.comments.get().negotiation_round == 1
    for goal in tree_goals(cycle):
        assert replay_target(goal) == goal.target


def _published_top_down(
    small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle]
) -> PlanningCycle:
    cycle = make_cycle()
    actions.run_cascade(cycle, acting_user=small_org.users["ops_olga"], company_target=1_200_000)
    actions.publish_cycle(cycle, acting_user=small_org.users["ops_olga"])
    return cycle


def test_scenario_is_a_free_copy_compared_side_by_side(
    small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle]
) -> None:
    olga = small_org.users["ops_olga"]
    plan = _published_top_down(small_org, make_cycle)
    scenario = actions.copy_as_scenario(plan, acting_user=olga, name="What if +10%")
    assert scenario.is_scenario and scenario.based_on == plan
    actions.run_cascade(scenario, acting_user=olga, company_target=1_320_000)
    deltas = {row.owner: row for row in compare_versions(plan, scenario)}
    assert deltas["Acme"].delta == 120_000
    assert deltas["North"].target_a == 600_000 and deltas["North"].target_b == 660_000
    assert (
        sum(row.delta for row in deltas.values() if row.owner.endswith(("Rep", "Seller")))
        == 120_000
    )
    with pytest.raises(InvalidInput, match="scenario"):
        actions.publish_cycle(scenario, acting_user=olga)
    assert goal_of(plan, small_org.company).target == 1_200_000


def test_mid_period_relief_is_prorated_and_effective_dated(
    small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle]
) -> None:
    olga = small_org.users["ops_olga"]
    plan = _published_top_down(small_org, make_cycle)
    ria = goal_of(plan, small_org.people["ria"])  # 300,000 for the year
    # relief to 200,000 from 1 July: the year's remaining 184 of 365 days count
    v2 = actions.create_mid_period_version(
        plan,
        acting_user=olga,
        effective_from=dt.date(2027, 7, 1),
        reason="Parental leave",
        targets={ria.pk: 200_000},
    )
    plan.refresh_from_db()
    assert plan.status == CycleStatus.SUPERSEDED
    assert set(Goal.objects.filter(cycle=plan).values_list("status", flat=True)) == {
        GoalStatus.CLOSED
    }
    assert (
        v2.plan_version == 2
        and v2.status == CycleStatus.PUBLISHED
        and v2.change_reason == "Parental leave"
    )
    new_ria = goal_of(v2, small_org.people["ria"])
    relief = round(100_000 * 184 / 365)
    assert new_ria.target == 300_000 - relief
    assert new_ria.effective_from == dt.date(2027, 7, 1)
    assert new_ria.phasing[:6] == ria.phasing[:6]  # months before the change keep their numbers
    assert goal_of(v2, small_org.company).target == 1_200_000 - relief
    assert sums_are_exact(tree_goals(v2)) == []
    assert replay_target(new_ria) == new_ria.target
    with pytest.raises(Conflict):
        actions.create_mid_period_version(
            plan,
            acting_user=olga,
            effective_from=dt.date(2027, 8, 1),
            reason="again",
            targets={ria.pk: 1},
        )


def test_quota_follows_a_person_who_changes_team(
    small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle]
) -> None:
    olga = small_org.users["ops_olga"]
    plan = _published_top_down(small_org, make_cycle)
    rob = goal_of(plan, small_org.people["rob"])
    south_team = goal_of(plan, small_org.south_team)
    v2 = actions.create_mid_period_version(
        plan,
        acting_user=olga,
        effective_from=dt.date(2027, 4, 1),
        reason="Rob moves south",
        moves={rob.pk: south_team.pk},
    )
    moved = goal_of(v2, small_org.people["rob"])
    assert moved.parent == goal_of(v2, small_org.south_team)
    assert moved.target == rob.target
    assert goal_of(v2, small_org.south).target == 600_000 + rob.target
    assert goal_of(v2, small_org.north).target == 600_000 - rob.target
    assert goal_of(v2, small_org.company).target == 1_200_000
    assert sums_are_exact(tree_goals(v2)) == []
    history = Goal.objects.filter(owner_person=small_org.people["rob"]).order_by(
        "cycle__plan_version"
    )
    assert [g.parent.owner_name for g in history if g.parent] == ["North Team A", "South Team A"]


def test_close_cycle(small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle]) -> None:
    plan = _published_top_down(small_org, make_cycle)
    actions.close_cycle(plan, acting_user=small_org.users["ops_olga"])
    plan.refresh_from_db()
    assert plan.status == CycleStatus.CLOSED
    with pytest.raises(Conflict):
        actions.close_cycle(plan, acting_user=small_org.users["ops_olga"])


def test_template_goals_for_every_rep_with_a_rubric(
    small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle]
) -> None:
    from quotaflow.metrics.models import Metric, MetricUnit

    csat = Metric.objects.create(
        code="csat", name="Customer satisfaction", unit=MetricUnit.SCORE, source="manual"
    )
    calls = Metric.objects.create(
        code="calls", name="Calls", unit=MetricUnit.COUNT, source="activities"
    )
    cycle = make_cycle()
    olga = small_org.users["ops_olga"]
    rubric = [{"score": 1, "meaning": "Unhappy"}, {"score": 5, "meaning": "Delighted"}]
    created = actions.create_goals_from_template(
        cycle,
        acting_user=olga,
        metric=csat,
        role="rep",
        target=450,
        description="Average CSAT",
        rubric=rubric,
    )
    assert len(created) == 3 and all(g.rubric == rubric for g in created)
    assert (
        len(
            actions.create_goals_from_template(
                cycle, acting_user=olga, metric=csat, role="rep", target=1
            )
        )
        == 0
    )
    teams = actions.create_goals_from_template(
        cycle, acting_user=olga, metric=calls, unit_kind="team", target=1200
    )
    assert sorted(g.owner_unit.name for g in teams if g.owner_unit) == [
        "North Team A",
        "South Team A",
    ]
    managers = actions.create_goals_from_template(
        cycle, acting_user=olga, metric=calls, role="manager", target=300
    )
    assert len(managers) == 3
    actions.run_cascade(cycle, acting_user=olga, company_target=1_000)
    actions.publish_cycle(cycle, acting_user=olga)
    assert Goal.objects.get(pk=created[0].pk).status == GoalStatus.PUBLISHED


def test_least_squares_lands_between_the_two_views(
    more_reps: SmallOrg, hybrid: PlanningCycle
) -> None:
    actions.reconcile_cycle(
        hybrid, acting_user=more_reps.users["ops_olga"], method="least_squares", top_down_weight=0.5
    )
    goals = tree_goals(hybrid)
    assert sums_are_exact(goals) == []
    root = next(g for g in goals if g.parent_id is None)
    assert 1_100_000 <= root.target <= 1_200_000  # between bottom-up and top-down
    assert root.derivation["reconciled"]["engine"]["method"] == "least_squares"


def test_a_new_hire_joins_mid_period_with_a_prorated_quota(
    small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle]
) -> None:
    from quotaflow.org.models import Person

    olga = small_org.users["ops_olga"]
    plan = _published_top_down(small_org, make_cycle)
    nina = Person.objects.create(
        external_id="E100", full_name="Nina New", hire_date=dt.date(2027, 10, 1)
    )
    team = goal_of(plan, small_org.north_team)
    v2 = actions.create_mid_period_version(
        plan,
        acting_user=olga,
        effective_from=dt.date(2027, 10, 1),
        reason="Nina joins North Team A",
        hires={nina.pk: (team.pk, 365_000)},
    )
    hire = goal_of(v2, nina)
    assert hire.target == 92_000  # 365,000 × 92 days left / 365
    assert [m["target"] for m in hire.phasing][:9] == [0] * 9
    assert hire.parent == goal_of(v2, small_org.north_team)
    assert goal_of(v2, small_org.company).target == 1_200_000 + 92_000
    assert sums_are_exact(tree_goals(v2)) == []
    assert replay_target(hire) == hire.target


def test_hybrid_publish_refuses_numbers_negotiated_after_the_reconciliation(
    more_reps: SmallOrg, hybrid: PlanningCycle
) -> None:
    """Round 1 is reconciled; then Ria resubmits and Max approves. Publishing must not go
    out with round 1's targets: the refusal names what moved, and a new reconciliation
    carries the negotiated number into the plan."""
    users, people = more_reps.users, more_reps.people
    olga = users["ops_olga"]
    actions.reconcile_cycle(hybrid, acting_user=olga, method="top_down_total_bottom_up_shares")
    ria = goal_of(hybrid, people["ria"])
    round_one_target = ria.target  # 1.2m × 360 / 1100 = 392,727
    actions.submit_goal(ria, acting_user=users["rep_ria"], target=400_000)
    actions.approve_goal(goal_of(hybrid, people["ria"]), acting_user=users["manager_max"])
    # every status is "approved" or "proposed", which used to be enough to publish
    with pytest.raises(
        InvalidInput, match=r"Ria Rep \(bottom-up 3,600.00 EUR → 4,000.00 EUR\)"
    ) as refused:
        actions.publish_cycle(hybrid, acting_user=olga)
    assert "round 1" in str(refused.value) and "North" not in str(refused.value)
    hybrid.refresh_from_db()
    assert hybrid.status != CycleStatus.PUBLISHED
    assert goal_of(hybrid, people["ria"]).target == round_one_target

    actions.reconcile_cycle(hybrid, acting_user=olga, method="top_down_total_bottom_up_shares")
    actions.publish_cycle(hybrid, acting_user=olga)
    published = {g.owner_name: g.target for g in tree_goals(hybrid) if g.owner_person_id}
    # level by level: North 1.2m × 640 / 1140 = 673,684, South 526,316; then North's
    # 673,684 × (400, 240) / 640 = 421,052.5 and 252,631.5, the tie going to the first
    assert published == {"Ria Rep": 421_053, "Rob Rep": 252_631, "Sue Seller": 526_316}


def test_hybrid_publish_refuses_guidance_changed_after_the_reconciliation(
    more_reps: SmallOrg, hybrid: PlanningCycle
) -> None:
    """A re-cascade after the reconciliation moves the guidance under it: stale too."""
    olga = more_reps.users["ops_olga"]
    actions.reconcile_cycle(hybrid, acting_user=olga, method="weighted_blend")
    hybrid.refresh_from_db()
    actions.run_cascade(
        hybrid, acting_user=olga, company_target=1_500_000, expected_version=hybrid.version
    )
    with pytest.raises(InvalidInput, match=r"Acme \(guidance 12,000.00 EUR → 15,000.00 EUR\)"):
        actions.publish_cycle(hybrid, acting_user=olga)


# What a copy of a plan does not take from its source: who and what the copy itself is.
_PER_VERSION_FIELDS = {
    "id", "name", "owner", "status", "is_scenario", "based_on", "plan_version",
    "effective_from", "change_reason", "published_at", "version", "created_at", "updated_at",
}  # fmt: skip


def test_a_new_version_or_scenario_keeps_every_setting_of_its_source() -> None:
    """Every concrete field of a cycle is either copied into a new version or scenario, or
    named above as belonging to one version; a new setting cannot be silently dropped (the
    check-in cadence once was)."""
    from quotaflow.plans.actions.versions import _COPIED_SETTINGS

    fields = {
        f.attname.removesuffix("_id") if f.is_relation else f.name
        for f in PlanningCycle._meta.concrete_fields
    }
    copied = {name.removesuffix("_id") for name in _COPIED_SETTINGS}
    assert fields - _PER_VERSION_FIELDS == copied


def test_a_mid_period_version_keeps_the_check_in_cadence(
    small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle]
) -> None:
    olga = small_org.users["ops_olga"]
    plan = _published_top_down(small_org, make_cycle)
    PlanningCycle.objects.filter(pk=plan.pk).update(checkin_cadence="biweekly")
    plan.refresh_from_db()
    ria = goal_of(plan, small_org.people["ria"])
    v2 = actions.create_mid_period_version(
        plan,
        acting_user=olga,
        effective_from=dt.date(2027, 7, 1),
        reason="Territory change",
        targets={ria.pk: 250_000},
    )
    assert v2.checkin_cadence == "biweekly"
