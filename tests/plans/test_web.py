"""The planning pages: every step through the forms, what each role may see, and the
refusals shown as messages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from quotaflow.accounts.models import User
from quotaflow.metrics.models import Metric
from quotaflow.plans import actions
from quotaflow.plans.models import CycleStatus, GoalStatus, PlanningCycle
from quotaflow.plans.queries import sums_are_exact, tree_goals
from tests.conftest import SmallOrg
from tests.plans.conftest import goal_of


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def said(response: object) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]  # type: ignore[attr-defined]


def test_ops_creates_cascades_and_publishes_through_the_pages(
    small_org: SmallOrg, revenue: Metric
) -> None:
    ops = client_for(small_org.users["ops_olga"])
    page = ops.get("/plans/")
    assert page.status_code == 200 and b"New planning cycle" in page.content
    created = ops.post(
        "/plans/",
        {
            "name": "FY2027 revenue",
            "metric": revenue.pk,
            "fiscal_period": "FY2027",
            "approach": "top_down",
            "method": "equal",
            "rep_over_assignment": "10",
            "granularity": "1000",
            "gap_tolerance": "5",
            "phasing_profile": "1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2",
        },
    )
    assert created.status_code == 302, created.content
    cycle = PlanningCycle.objects.get()
    assert cycle.period_start == dt.date(2027, 1, 1) and len(cycle.allocation) == 3
    detail = ops.get(created["Location"])
    assert b"Preview cascade" in detail.content
    step = ops.post(
        f"/plans/{cycle.pk}/step/cascade/",
        {"company_target": "1,000,000.00", "expected_version": cycle.version},
    )
    assert "Cascade computed: every level adds up exactly." in said(step)
    detail = ops.get(f"/plans/{cycle.pk}/")
    content = detail.content.decode()
    assert "1,000,000.00" in content and 'data-chart="cascade-figure"' in content
    assert "Equal: 50.00% of the 1,000,000.00 EUR that Acme split." in content
    # North Team A's 500,000 is over-assigned by 10 % to its two reps in steps of 1,000
    ria_goal = goal_of(cycle, small_org.people["ria"])
    assert ria_goal.target == 275_000_00
    months = [m["target"] for m in ria_goal.phasing]
    assert sum(months) == ria_goal.target and abs(months[11] - 2 * months[0]) <= 2  # heavy December
    stale = ops.post(
        f"/plans/{cycle.pk}/step/cascade/",
        {"company_target": "5", "expected_version": cycle.version},
    )
    assert any("changed by someone else" in m for m in said(stale))
    cycle.refresh_from_db()
    published = ops.post(f"/plans/{cycle.pk}/step/publish/", {"expected_version": cycle.version})
    assert "Published: owners have been told." in said(published)
    ria_page = client_for(small_org.users["rep_ria"]).get("/plans/my-goals/").content.decode()
    assert "275,000.00" in ria_page and "North Team A" in ria_page
    assert ops.get(f"/plans/{cycle.pk}/export.csv")["Content-Type"].startswith("text/csv")


def test_manager_resplits_own_team_through_the_page(
    small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle]
) -> None:
    cycle = make_cycle()
    actions.run_cascade(cycle, acting_user=small_org.users["ops_olga"], company_target=1_000_000_00)
    team = goal_of(cycle, small_org.north_team)
    ria, rob = goal_of(cycle, small_org.people["ria"]), goal_of(cycle, small_org.people["rob"])
    max_ = client_for(small_org.users["manager_max"])
    assert b"Re-split" in max_.get(f"/plans/{cycle.pk}/").content
    form = max_.get(f"/plans/goals/{team.pk}/resplit/")
    assert b"500,000.00" in form.content
    saved = max_.post(
        f"/plans/goals/{team.pk}/resplit/",
        {f"child-{ria.pk}": "300,000", f"child-{rob.pk}": "200,000.00", "reason": "Ria took the big accounts",
         f"version-{ria.pk}": ria.version, f"version-{rob.pk}": rob.version},
    )  # fmt: skip
    assert saved.status_code == 302
    ria.refresh_from_db()
    rob.refresh_from_db()
    assert ria.target == 300_000_00
    wrong = max_.post(
        f"/plans/goals/{team.pk}/resplit/",
        {f"child-{ria.pk}": "400,000", f"child-{rob.pk}": "200,000", "reason": "x",
         f"version-{ria.pk}": ria.version, f"version-{rob.pk}": rob.version},
    )  # fmt: skip
    assert "must add up to" in wrong.content.decode()
    # Sam manages South and cannot re-split North's team
    assert (
        client_for(small_org.users["manager_sam"])
        .get(f"/plans/goals/{team.pk}/resplit/")
        .status_code
        == 404
    )
    assert sums_are_exact(tree_goals(cycle)) == []


def test_bottom_up_submit_return_approve_through_the_pages(
    small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle]
) -> None:
    cycle = make_cycle("bottom_up", submissions_due=dt.date(2099, 1, 1))
    ria = goal_of(cycle, small_org.people["ria"])
    rep = client_for(small_org.users["rep_ria"])
    page = rep.get(f"/plans/goals/{ria.pk}/").content.decode()
    assert "Submit your target" in page and "Approve" not in page
    # The SMART check sits on the goal page and re-checks the target as the rep types it.
    assert 'id="smart-badges"' in page and "Attainable" in page
    assert f'hx-post="/smart/goals/{ria.pk}/check/"' in page
    wrong = rep.post(
        f"/plans/goals/{ria.pk}/step/submit/",
        {"target": "450,000", "breakdown": "Software: 400,000", "expected_version": ria.version},
    )
    assert any("The breakdown adds up to 400,000.00 EUR, not" in m for m in said(wrong))
    response = rep.post(
        f"/plans/goals/{ria.pk}/step/submit/",
        {
            "target": "450,000",
            "text": "Two renewals",
            "breakdown": "Software: 300,000\nServices: 150,000.00",
            "expected_version": ria.version,
        },
    )
    assert "Target submitted." in said(response)
    ria.refresh_from_db()
    max_ = client_for(small_org.users["manager_max"])
    cycle_page = max_.get(f"/plans/{cycle.pk}/").content.decode()
    assert (
        "Submissions: 1 of 2 in" in cycle_page
    )  # Max sees his own team and "not yet" in cycle_page
    returned = max_.post(
        f"/plans/goals/{ria.pk}/step/return/", {"text": "Try 500k", "expected_version": ria.version}
    )
    assert "Returned to its owner with your comment." in said(returned)
    assert "Try 500k" in rep.get(f"/plans/goals/{ria.pk}/").content.decode()
    ria.refresh_from_db()
    rep.post(
        f"/plans/goals/{ria.pk}/step/submit/", {"target": "500000", "expected_version": ria.version}
    )
    ria.refresh_from_db()
    approved = max_.post(
        f"/plans/goals/{ria.pk}/step/approve/", {"expected_version": ria.version, "next": "cycle"}
    )
    assert approved["Location"] == f"/plans/{cycle.pk}/"
    ria.refresh_from_db()
    assert ria.status == GoalStatus.APPROVED and ria.target == 500_000_00
    history = rep.get(f"/plans/goals/{ria.pk}/").content.decode()
    assert "<td>Returned</td>" in history and "Try 500k" in history
    assert "submitted target: — → 450,000.00" in history  # amounts as people write them
    # a rep cannot approve anything, and gets a clear message rather than an error page
    refused = rep.post(f"/plans/goals/{ria.pk}/step/approve/", {"expected_version": ria.version})
    assert any("cannot review your own goal" in m or "Only a manager" in m for m in said(refused))


def test_hybrid_gap_view_and_reconcile_through_the_pages(
    small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle]
) -> None:
    cycle = make_cycle("hybrid", gap_tolerance_bp=3000)
    ops = client_for(small_org.users["ops_olga"])
    ops.post(
        f"/plans/{cycle.pk}/step/cascade/",
        {"company_target": "900000", "expected_version": cycle.version},
    )
    ria = goal_of(cycle, small_org.people["ria"])
    actions.submit_goal(ria, acting_user=small_org.users["rep_ria"], target=200_000_00)
    page = ops.get(f"/plans/{cycle.pk}/").content.decode()
    assert "Gap" in page and "-25,000.00" in page and "-2.78%" in page
    cycle.refresh_from_db()
    response = ops.post(
        f"/plans/{cycle.pk}/step/reconcile/",
        {"method": "weighted_blend", "top_down_weight": "50", "expected_version": cycle.version},
    )
    assert "Reconciled: a new negotiation round has started." in said(response)
    cycle.refresh_from_db()
    assert (
        ops.post(
            f"/plans/{cycle.pk}/step/publish/", {"expected_version": cycle.version}
        ).status_code
        == 302
    )
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.PUBLISHED


def test_cycle_page_names_what_changed_since_the_reconciliation(
    small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle]
) -> None:
    """After a reconciliation, a new submission shows on the planner's page as the reason
    the plan cannot be published yet; the publish step refuses with the same reason."""
    cycle = make_cycle("hybrid", gap_tolerance_bp=3000)
    olga = small_org.users["ops_olga"]
    actions.run_cascade(cycle, acting_user=olga, company_target=900_000_00)
    actions.reconcile_cycle(cycle, acting_user=olga, method="weighted_blend")
    ops = client_for(olga)
    assert 'id="reconciliation-drift"' not in ops.get(f"/plans/{cycle.pk}/").content.decode()
    ria = goal_of(cycle, small_org.people["ria"])
    actions.submit_goal(ria, acting_user=small_org.users["rep_ria"], target=200_000_00)
    page = ops.get(f"/plans/{cycle.pk}/").content.decode()
    assert 'id="reconciliation-drift"' in page
    assert "Ria Rep (bottom-up 225,000.00 → 200,000.00)." in page  # only the leaf that moved
    cycle.refresh_from_db()
    refused = ops.post(f"/plans/{cycle.pk}/step/publish/", {"expected_version": cycle.version})
    assert any("reconcile again" in m.lower() for m in said(refused))
    cycle.refresh_from_db()
    assert cycle.status != CycleStatus.PUBLISHED


def test_scenarios_versions_and_compare_through_the_pages(
    small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle]
) -> None:
    cycle = make_cycle()
    olga = small_org.users["ops_olga"]
    actions.run_cascade(cycle, acting_user=olga, company_target=1_000_000_00)
    actions.publish_cycle(cycle, acting_user=olga)
    ops = client_for(olga)
    scenario = ops.post(f"/plans/{cycle.pk}/step/scenario/", {"name": "Stretch"})
    scenario_id = int(scenario["Location"].strip("/").split("/")[-1])
    ria = goal_of(cycle, small_org.people["ria"])
    made = ops.post(
        f"/plans/{cycle.pk}/version/",
        {
            "effective_from": "2027-07-01",
            "reason": "Parental leave",
            "goal": ria.pk,
            "new_target": "150000",
            "new_parent": "",
            "expected_version": PlanningCycle.objects.get(pk=cycle.pk).version,
        },
    )
    assert made.status_code == 302, made.content.decode()
    version_id = int(made["Location"].strip("/").split("/")[-1])
    hired = ops.post(
        f"/plans/{version_id}/version/",
        {
            "effective_from": "2027-10-01",
            "reason": "Nina joins",
            "new_person": small_org.people["cora"].pk,  # anyone not yet holding a goal
            "joins": goal_of(PlanningCycle.objects.get(pk=version_id), small_org.south_team).pk,
            "hire_target": "365,000",
            "expected_version": PlanningCycle.objects.get(pk=version_id).version,
        },
    )
    assert "New version published" in " ".join(said(hired)), said(hired)
    v3 = PlanningCycle.objects.get(pk=int(hired["Location"].strip("/").split("/")[-1]))
    assert v3.plan_version == 3
    assert goal_of(v3, small_org.people["cora"]).target == 92_000_00
    compare = ops.get(f"/plans/{cycle.pk}/compare/?other={version_id}").content.decode()
    assert "Ria Rep" in compare and 'data-chart="compare-figure"' in compare
    assert ops.get(f"/plans/{cycle.pk}/compare/?other={scenario_id}").status_code == 200


@pytest.mark.parametrize(
    ("username", "cycle_page", "ria_goal", "rob_goal"),
    [
        ("admin_ada", 200, 200, 200),
        ("ops_olga", 200, 200, 200),
        ("finance_fay", 200, 200, 200),
        ("ceo_cora", 200, 200, 200),
        ("manager_max", 200, 200, 200),
        ("manager_sam", 200, 404, 404),
        ("rep_ria", 200, 200, 404),
        ("outsider_otto", 404, 404, 404),
    ],
)
def test_who_sees_which_page(
    small_org: SmallOrg,
    make_cycle: Callable[..., PlanningCycle],
    username: str,
    cycle_page: int,
    ria_goal: int,
    rob_goal: int,
) -> None:
    cycle = make_cycle()
    client = client_for(small_org.users[username])
    assert client.get(f"/plans/{cycle.pk}/").status_code == cycle_page
    assert (
        client.get(f"/plans/goals/{goal_of(cycle, small_org.people['ria']).pk}/").status_code
        == ria_goal
    )
    assert (
        client.get(f"/plans/goals/{goal_of(cycle, small_org.people['rob']).pk}/").status_code
        == rob_goal
    )
    assert client.get("/plans/my-goals/").status_code == 200
    planner = username in {"admin_ada", "ops_olga"}
    assert client.get(f"/plans/{cycle.pk}/version/").status_code == (
        200 if planner else 403 if cycle_page == 200 else 404
    )


def test_anonymous_visitors_are_sent_to_log_in(db: None) -> None:
    response = Client().get("/plans/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_template_goals_for_a_whole_level_through_the_page(
    small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle]
) -> None:
    calls = Metric.objects.create(code="calls", name="Calls", unit="count", source="activities")
    cycle = make_cycle()
    ops = client_for(small_org.users["ops_olga"])
    response = ops.post(
        f"/plans/{cycle.pk}/step/template/",
        {"metric": calls.pk, "owners": "role:rep", "target": "600"},
    )
    assert "3 goals created." in said(response)
    page = ops.get(f"/plans/{cycle.pk}/").content.decode()
    assert "Other goals in this cycle" in page and page.count("<td>Calls</td>") == 3
    teams = ops.post(
        f"/plans/{cycle.pk}/step/template/",
        {"metric": calls.pk, "owners": "kind:team", "target": "9000"},
    )
    assert "2 goals created." in said(teams)
    refused = client_for(small_org.users["manager_max"]).post(
        f"/plans/{cycle.pk}/step/template/",
        {"metric": calls.pk, "owners": "kind:region", "target": "1"},
    )
    assert any("Only administrators and sales operations" in m for m in said(refused))


def test_a_target_with_too_many_decimals_is_refused_for_its_decimals_and_nothing_is_written(
    small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle]
) -> None:
    cycle = make_cycle("bottom_up", submissions_due=dt.date(2099, 1, 1))
    ria = goal_of(cycle, small_org.people["ria"])
    rep = client_for(small_org.users["rep_ria"])
    before = (ria.status, ria.target, ria.version)

    refused = rep.post(
        f"/plans/goals/{ria.pk}/step/submit/",
        {"target": "450,000.005", "expected_version": ria.version},
    )
    # The refusal names the real fault (the currency has 2 decimals), not a made-up
    # negative number standing in for it.
    assert said(refused) == ["The amount '450000.005' has more than 2 decimals, the most EUR has."]
    negative = rep.post(
        f"/plans/goals/{ria.pk}/step/submit/", {"target": "-5", "expected_version": ria.version}
    )
    assert said(negative)[-1] == "Enter a target of zero or more."
    ria.refresh_from_db()
    assert (ria.status, ria.target, ria.version) == before
