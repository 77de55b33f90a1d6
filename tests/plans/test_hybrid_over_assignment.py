"""Hybrid reconciliation keeps the cycle's over-assignment per level, and the gap view
compares the same numbers that reconciliation uses.

The participants' tree (``tests/plans/conftest.py``) with 5 % over-assignment at rep level:

    Acme            1,200,000
    ├── North         600,000
    │   └── North Team A   600,000 → reps share 630,000
    │       ├── Ria Rep      315,000
    │       └── Rob Rep      315,000
    └── South         600,000
        └── South Team A   600,000 → its rep gets 630,000
            └── Sue Seller   630,000
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from quotaflow.core.errors import InvalidInput
from quotaflow.metrics.models import Metric
from quotaflow.plans import actions
from quotaflow.plans.models import CycleStatus, Goal, PlanningCycle, ReconcileMethod
from quotaflow.plans.queries import cycle_tree, drift_since_reconciliation, sums_are_exact
from tests.conftest import SmallOrg
from tests.plans.conftest import goal_of
from tests.plans.test_api import CYCLE, client_for, get, post, submit_and_approve_over_api

LEVELS = [{"method": "equal"}, {"method": "equal"}, {"method": "equal", "over_assignment": 0.05}]
METHODS = list(ReconcileMethod.values)


def over_assigned(amount: int) -> int:
    """amount × 1.05, rounded half up to the minor unit (Python ints)."""
    return (amount * 10_500 * 2 + 10_000) // 20_000


@pytest.fixture
def cycle(more_reps: SmallOrg, make_cycle: Callable[..., PlanningCycle]) -> PlanningCycle:
    cycle = make_cycle("hybrid", gap_tolerance_bp=2000, allocation=LEVELS)
    actions.run_cascade(cycle, acting_user=more_reps.users["ops_olga"], company_target=1_200_000)
    return cycle


def submit(org: SmallOrg, cycle: PlanningCycle, **targets: int) -> None:
    for key, target in targets.items():
        goal = goal_of(cycle, org.people[key])
        actions.submit_goal(goal, acting_user=org.users[f"rep_{key}"], target=target)


def by_owner(cycle: PlanningCycle) -> dict[str, Goal]:
    return {row.goal.owner_name: row.goal for row in cycle_tree(cycle)}


def assert_over_assigned(goals: dict[str, Goal]) -> None:
    """Reps sum to their team × 1.05; every other parent to exactly its own number."""
    reps = goals["Ria Rep"].target + goals["Rob Rep"].target
    assert reps == over_assigned(goals["North Team A"].target)
    assert goals["Sue Seller"].target == over_assigned(goals["South Team A"].target)
    assert goals["North"].target == goals["North Team A"].target
    assert goals["Acme"].target == goals["North"].target + goals["South"].target
    assert goals["North Team A"].allocated_to_children == reps
    assert sums_are_exact(goals.values()) == []


def test_the_gap_view_compares_submissions_with_the_over_assigned_guidance(
    more_reps: SmallOrg, cycle: PlanningCycle
) -> None:
    rows = {row.goal.owner_name: row for row in cycle_tree(cycle)}
    assert rows["Ria Rep"].goal.guidance == 315_000
    # nobody submitted: the field's numbers are the guidance, so there is no gap anywhere,
    # not a 5 % gap on every team (the reps' 630,000 is the team's 600,000 × 1.05)
    assert all(row.gap == 0 for row in rows.values())
    submit(more_reps, cycle, ria=346_500)  # 10 % above her guidance
    rows = {row.goal.owner_name: row for row in cycle_tree(cycle)}
    team = rows["North Team A"]
    assert rows["Ria Rep"].gap == 31_500
    assert team.children_bottom_up == 661_500 and team.over_assignment_bp == 500
    assert team.bottom_up == 630_000 and team.gap == 30_000 and team.gap_bp == 500
    assert rows["Acme"].bottom_up == 1_230_000 and rows["Acme"].gap_bp == 250


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("who", ["everyone", "nobody", "some"])
def test_every_method_keeps_the_over_assignment(
    more_reps: SmallOrg, cycle: PlanningCycle, method: str, who: str
) -> None:
    submissions = {"everyone": {"ria": 346_500, "rob": 300_000, "sue": 661_500}, "nobody": {}}
    submit(more_reps, cycle, **submissions.get(who, {"ria": 346_500}))
    before = {row.goal.pk: row.bottom_up for row in cycle_tree(cycle)}
    actions.reconcile_cycle(cycle, acting_user=more_reps.users["ops_olga"], method=method)
    goals = by_owner(cycle)
    cycle.refresh_from_db()
    # reconciliation used the gap view's numbers, and nothing has moved since
    for goal in goals.values():
        assert goal.derivation["reconciled"]["bottom_up"] == before[goal.pk]
    assert drift_since_reconciliation(cycle, goals.values()) == []
    if who == "nobody":
        assert {name: g.target for name, g in goals.items()} == {
            name: g.guidance for name, g in goals.items()
        }
    if method == "keep_submitted" and who == "everyone":
        # every submission kept; the company keeps its target and reports the rest
        assert (goals["Ria Rep"].target, goals["Rob Rep"].target) == (346_500, 300_000)
        assert goals["Sue Seller"].target == 661_500
        assert goals["North Team A"].target == 615_714  # 646,500 ÷ 1.05, half up
        assert goals["South Team A"].target == 630_000
        acme = goals["Acme"]
        assert acme.target == 1_200_000 and acme.allocated_to_children == 1_245_714
        assert acme.derivation["reconciled"]["unallocated"] == -45_714
        assert "commit 457.14 EUR more" in acme.derivation["reconciled"]["summary"]
        # the 646,500 the reps kept is 615,714 × 1.05 rounded to the cent: all allocated
        team = goals["North Team A"]
        assert team.allocated_to_children == 646_500 == over_assigned(615_714)
        assert team.derivation["reconciled"]["unallocated"] == 0
        return
    assert_over_assigned(goals)
    assert goals["Acme"].derivation["reconciled"]["over_assignment"] == 0.0
    assert goals["North Team A"].derivation["reconciled"]["over_assignment"] == 0.05


def test_keep_submitted_with_some_submitted_spreads_the_rest_inside_the_over_assignment(
    more_reps: SmallOrg, cycle: PlanningCycle
) -> None:
    submit(more_reps, cycle, ria=400_000)
    actions.reconcile_cycle(cycle, acting_user=more_reps.users["ops_olga"], method="keep_submitted")
    goals = by_owner(cycle)
    assert goals["Ria Rep"].target == 400_000
    assert goals["Acme"].target == 1_200_000
    assert_over_assigned(goals)


def test_a_level_cap_holds_in_reconciliation(
    more_reps: SmallOrg, make_cycle: Callable[..., PlanningCycle]
) -> None:
    capped = [*LEVELS[:2], {**LEVELS[2], "cap": 640_000}]
    cycle = make_cycle("hybrid", allocation=capped)
    actions.run_cascade(cycle, acting_user=more_reps.users["ops_olga"], company_target=1_200_000)
    submit(more_reps, cycle, ria=650_000, rob=100_000)
    actions.reconcile_cycle(cycle, acting_user=more_reps.users["ops_olga"], method="keep_submitted")
    goals = by_owner(cycle)
    # the plan's cap wins over her proposal: hers is not kept, the team's 630,000 is spread
    assert goals["Ria Rep"].target == 530_000 and goals["Rob Rep"].target == 100_000
    assert goals["Ria Rep"].derivation["reconciled"]["engine"]["rule"] == "spread_remainder"
    assert_over_assigned(goals)


def test_kept_submissions_that_leave_the_others_nothing_are_refused_by_name(
    more_reps: SmallOrg, cycle: PlanningCycle
) -> None:
    # More than the whole company hands out: her team is raised to carry her 700,000 (the
    # rest shrinks), but 1,300,000 cannot be carried inside 1,200,000.
    submit(more_reps, cycle, ria=1_300_000)
    with pytest.raises(InvalidInput, match="Keeping the submissions of Ria Rep") as error:
        actions.reconcile_cycle(
            cycle, acting_user=more_reps.users["ops_olga"], method="keep_submitted"
        )
    assert "under Acme" in str(error.value)
    assert by_owner(cycle)["Ria Rep"].target == 315_000  # nothing written


def test_a_kept_submission_raises_its_team_and_the_rest_shrinks(
    more_reps: SmallOrg, cycle: PlanningCycle
) -> None:
    submit(more_reps, cycle, ria=700_000)  # more than her whole team's 630,000
    actions.reconcile_cycle(cycle, acting_user=more_reps.users["ops_olga"], method="keep_submitted")
    goals = by_owner(cycle)
    assert goals["Ria Rep"].target == 700_000 and goals["Rob Rep"].target == 0
    assert goals["North Team A"].target == 666_667  # the least team amount carrying 700,000
    assert goals["South"].target == 1_200_000 - 666_667
    assert_over_assigned({**goals})


def test_a_reconciled_plan_with_over_assignment_publishes(
    more_reps: SmallOrg, cycle: PlanningCycle
) -> None:
    olga = more_reps.users["ops_olga"]
    submit(more_reps, cycle, ria=346_500, rob=300_000, sue=630_000)
    actions.reconcile_cycle(cycle, acting_user=olga, method="least_squares")
    actions.publish_cycle(cycle, acting_user=olga)
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.PUBLISHED
    assert_over_assigned(by_owner(cycle))


def test_over_assignment_survives_reconciliation_and_negotiation_over_the_api(
    more_reps: SmallOrg, revenue: Metric
) -> None:
    """End to end over the REST API with 5 % over-assignment at rep level: guidance,
    submission, approval, reconciliation, a negotiated resubmission that makes publishing
    refuse as stale, reconciliation again, publication — the reps' numbers sum to 105 % of
    their team's at every step, and the API's gap is the one reconciliation used."""
    ops = client_for(more_reps.users["ops_olga"])
    body = {**CYCLE, "approach": "hybrid", "gap_tolerance_bp": 2000, "allocation": LEVELS}
    made = post(ops, "/cycles", body)
    assert made.status_code == 201, made.json()
    cycle_id = made.json()["id"]

    def detail() -> dict[str, dict[str, Any]]:
        return {g["owner"]: g for g in get(ops, f"/cycles/{cycle_id}").json()["goals"]}

    def version() -> int:
        return int(get(ops, f"/cycles/{cycle_id}").json()["version"])

    def reconcile() -> None:
        body = {"method": "top_down_total_bottom_up_shares", "expected_version": version()}
        response = post(ops, f"/cycles/{cycle_id}/reconcile", body)
        assert response.status_code == 200, response.json()

    def assert_105(goals: dict[str, dict[str, Any]]) -> None:
        reps = goals["Ria Rep"]["target"] + goals["Rob Rep"]["target"]
        assert reps == over_assigned(goals["North Team A"]["target"])
        assert goals["North Team A"]["allocated_to_children"] == reps
        assert goals["Sue Seller"]["target"] == over_assigned(goals["South Team A"]["target"])
        assert goals["Acme"]["target"] == 1_200_000

    cascaded = post(
        ops,
        f"/cycles/{cycle_id}/cascade",
        {"company_target": 1_200_000, "expected_version": version()},
    )
    assert cascaded.status_code == 200, cascaded.json()
    assert detail()["North Team A"]["gap"] == 0  # nobody submitted: no gap, over-assigned
    ria, max_ = client_for(more_reps.users["rep_ria"]), client_for(more_reps.users["manager_max"])
    ria_goal = goal_of(PlanningCycle.objects.get(pk=cycle_id), more_reps.people["ria"])

    def submit_and_approve(target: int) -> None:
        submit_and_approve_over_api(ria, max_, ria_goal.pk, target)

    submit_and_approve(346_500)
    team = detail()["North Team A"]
    assert (team["bottom_up"], team["gap"]) == (630_000, 30_000)
    reconcile()
    goals = detail()
    assert_105(goals)
    reconciled = goals["North Team A"]["derivation"]["reconciled"]
    assert reconciled["bottom_up"] == 630_000 and reconciled["over_assignment"] == 0.05
    round_one = goals["Ria Rep"]["target"]

    submit_and_approve(378_000)  # negotiation: 20 % above guidance
    refused = post(ops, f"/cycles/{cycle_id}/publish", {"expected_version": version()})
    assert refused.status_code == 400
    assert "Ria Rep (bottom-up 3,465.00 EUR → 3,780.00 EUR)" in refused.json()["detail"]

    reconcile()
    published = post(ops, f"/cycles/{cycle_id}/publish", {"expected_version": version()})
    assert published.status_code == 200, published.json()
    goals = detail()
    assert_105(goals)
    assert goals["Ria Rep"]["target"] > round_one  # the negotiated number entered the plan
    assert goals["Ria Rep"]["status"] == "published"
