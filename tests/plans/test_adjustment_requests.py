"""Adjustment (quota-relief) requests: filing, the approval chain, applying the change as
a new effective-dated version, and bad input refused with nothing written.

The plan (FY2027, 1,000,000.00 EUR top-down, equal split), frozen on 1 April 2027:

    Acme 1,000,000.00 ── North 500,000.00 ── North Team A 500,000.00 ─┬ Ria Rep 250,000.00
                      └─ South 500,000.00 ── South Team A 500,000.00 ─┘ Rob Rep 250,000.00
                                                                       Sue Seller 500,000.00
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from quotaflow.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from quotaflow.core.models import AuditEvent, Notification
from quotaflow.plans import actions
from quotaflow.plans.actions.adjustments import EVIDENCE_MAX_BYTES
from quotaflow.plans.adjustments import changes_of, requests_for
from quotaflow.plans.models import (
    AdjustmentEffect,
    AdjustmentEvidence,
    AdjustmentRequest,
    AdjustmentStatus,
    CycleStatus,
    Goal,
    PlanningCycle,
)
from quotaflow.plans.queries import sums_are_exact
from tests.conftest import SmallOrg, local
from tests.plans.conftest import FY_START

pytestmark = pytest.mark.django_db

JULY = dt.date(2027, 7, 1)
PDF = b"%PDF-1.4\n% leave letter\n"


@pytest.fixture
def april() -> Iterator[Any]:
    with time_machine.travel(local(2027, 4, 1, 10), tick=False) as traveller:
        yield traveller


@pytest.fixture
def plan(
    small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle], april: Any
) -> PlanningCycle:
    """The plan of the drawing above, published (and everyone's inbox emptied)."""
    olga = small_org.users["ops_olga"]
    cycle = make_cycle("top_down", name="FY2027 revenue")
    actions.run_cascade(cycle, acting_user=olga, company_target=1_000_000_00)
    actions.publish_cycle(cycle, acting_user=olga)
    Notification.objects.all().delete()
    cycle.refresh_from_db()
    return cycle


def goal(cycle: PlanningCycle, name: str) -> Goal:
    goals = Goal.objects.filter(cycle=cycle).select_related("owner_unit", "owner_person")
    return next(g for g in goals if g.owner_name == name)


def settings(plan: PlanningCycle, org: SmallOrg, **changes: Any) -> None:
    values = {
        "policy": plan.relief_policy,
        "ops_threshold": plan.relief_ops_threshold,
        "ops_threshold_bp": plan.relief_ops_threshold_bp,
        "backdate_days": plan.relief_backdate_days,
    } | changes
    actions.set_relief_settings(plan, acting_user=org.users["ops_olga"], **values)
    plan.refresh_from_db()


def file(org: SmallOrg, plan: PlanningCycle, **fields: Any) -> AdjustmentRequest:
    values: dict[str, Any] = {
        "reason": "leave",
        "effective_from": JULY,
        "relief_amount": "50,000",
        "evidence": "Parental leave from July.",
    } | fields
    user = org.users[values.pop("user", "rep_ria")]
    return actions.file_adjustment_request(goal(plan, "Ria Rep"), acting_user=user, **values)


def written() -> tuple[int, ...]:
    return (
        AdjustmentRequest.objects.count(),
        AdjustmentEvidence.objects.count(),
        AuditEvent.objects.count(),
        Notification.objects.count(),
        PlanningCycle.objects.count(),
    )


def test_relief_below_the_threshold_is_applied_by_the_manager_as_a_prorated_version(
    small_org: SmallOrg, plan: PlanningCycle, django_capture_on_commit_callbacks: Any
) -> None:
    settings(plan, small_org, ops_threshold_bp=5000)  # 50% of the target before sales ops
    with django_capture_on_commit_callbacks(execute=True):
        request = file(small_org, plan)
    assert request.status == AdjustmentStatus.PENDING_MANAGER
    assert not request.requires_sales_ops
    max_inbox = Notification.objects.filter(user=small_org.users["manager_max"])
    assert max_inbox.get().kind == "adjustment.waiting"

    with django_capture_on_commit_callbacks(execute=True):
        actions.approve_adjustment_request(request, acting_user=small_org.users["manager_max"])
    request.refresh_from_db()
    assert request.status == AdjustmentStatus.APPROVED
    new_plan = request.applied_cycle
    assert new_plan is not None and new_plan.plan_version == 2
    assert new_plan.effective_from == JULY
    # 50,000.00 relief × 184 days left of 365 = 25,205.479… → 25,205.48 EUR, half up.
    assert request.impact["prorated"] == -2_520_548
    ria = goal(new_plan, "Ria Rep")
    assert ria.target == 25_000_000 - 2_520_548 == request.impact["new_target"]
    assert ria.pk == request.applied_goal_id
    assert [int(m["target"]) for m in ria.phasing][:6] == [
        int(m["target"]) for m in goal(plan, "Ria Rep").phasing
    ][:6]  # nothing before July moves
    # Parent absorbs: the team and each level above go down by the same prorated amount.
    assert goal(new_plan, "North Team A").target == 50_000_000 - 2_520_548
    assert goal(new_plan, "Acme").target == 100_000_000 - 2_520_548
    assert goal(new_plan, "Rob Rep").target == 25_000_000
    assert sums_are_exact(Goal.objects.filter(cycle=new_plan).select_related("metric")) == []
    assert PlanningCycle.objects.get(pk=plan.pk).status == CycleStatus.SUPERSEDED
    ria_inbox = Notification.objects.filter(user=small_org.users["rep_ria"])
    assert "approved" in ria_inbox.get().title
    changes = changes_of([ria])[ria.pk]
    assert [(c.request_id, c.effective_from, c.before, c.after) for c in changes] == [
        (request.pk, JULY, 25_000_000, ria.target)
    ]
    actions_seen = set(
        AuditEvent.objects.filter(object_type="plans.adjustmentrequest").values_list(
            "action", flat=True
        )
    )
    assert actions_seen == {"plans.adjustment.filed", "plans.adjustment.approved"}


def test_a_large_change_goes_on_to_sales_ops_after_the_manager(
    small_org: SmallOrg, plan: PlanningCycle, django_capture_on_commit_callbacks: Any
) -> None:
    settings(plan, small_org, ops_threshold=10_000_00, ops_threshold_bp=None)
    request = file(small_org, plan, relief_amount="10,000.01")  # one cent over 10,000.00
    assert request.requires_sales_ops
    small = file(small_org, plan, relief_amount="10,000")
    assert not small.requires_sales_ops
    small_ria = actions.withdraw_adjustment_request(small, acting_user=small_org.users["rep_ria"])
    assert small_ria.status == AdjustmentStatus.WITHDRAWN

    with django_capture_on_commit_callbacks(execute=True):
        actions.approve_adjustment_request(request, acting_user=small_org.users["manager_max"])
    request.refresh_from_db()
    assert request.status == AdjustmentStatus.PENDING_SALES_OPS
    assert Notification.objects.filter(
        user=small_org.users["ops_olga"], kind="adjustment.waiting"
    ).exists()
    with pytest.raises(NotAllowed, match="sales operations"):
        actions.approve_adjustment_request(request, acting_user=small_org.users["ceo_cora"])
    assert requests_for(small_org.users["manager_max"], "awaiting") == []
    assert requests_for(small_org.users["ops_olga"], "awaiting") == [request]
    actions.approve_adjustment_request(request, acting_user=small_org.users["ops_olga"])
    request.refresh_from_db()
    assert request.status == AdjustmentStatus.APPROVED
    steps = list(request.decisions.values_list("kind", "step", "actor__username"))
    assert steps == [
        ("filed", "", "rep_ria"),
        ("approved", "pending_manager", "manager_max"),
        ("approved", "pending_sales_ops", "ops_olga"),
    ]


def test_siblings_resplit_keeps_the_team_and_every_month_exact(
    small_org: SmallOrg, plan: PlanningCycle
) -> None:
    settings(plan, small_org, policy="siblings_resplit", ops_threshold_bp=None)
    request = file(small_org, plan, relief_amount=None, proposed_target="200,000")
    assert [o["owner"] for o in request.impact["others"]] == ["Rob Rep"]
    actions.approve_adjustment_request(request, acting_user=small_org.users["manager_max"])
    request.refresh_from_db()
    new_plan = request.applied_cycle
    assert new_plan is not None
    ria, rob, team = (goal(new_plan, n) for n in ("Ria Rep", "Rob Rep", "North Team A"))
    assert ria.target == 25_000_000 - 2_520_548
    assert rob.target == 25_000_000 + 2_520_548
    assert team.target == 50_000_000
    old = [goal(plan, n).phasing for n in ("Ria Rep", "Rob Rep")]
    for month, (r0, b0, r1, b1) in enumerate(zip(*old, ria.phasing, rob.phasing, strict=True)):
        # In every month the two reps together hold what they held before.
        assert int(r1["target"]) + int(b1["target"]) == int(r0["target"]) + int(b0["target"])
        if month < 6:
            assert (r1, b1) == (r0, b0)
    assert sums_are_exact(Goal.objects.filter(cycle=new_plan).select_related("metric")) == []
    roles = dict(AdjustmentEffect.objects.filter(request=request).values_list("goal_id", "role"))
    assert roles == {ria.pk: "goal", rob.pk: "sibling"}
    assert request.impact["others"] == [
        {"goal_id": goal(plan, "Rob Rep").pk, "owner": "Rob Rep", "role": "sibling",
         "before": 25_000_000, "after": rob.target}
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"effective_from": dt.date(2028, 1, 1)}, "takes effect after the period starts"),
        ({"effective_from": FY_START}, "takes effect after the period starts"),
        ({"effective_from": dt.date(2027, 2, 1)}, "at most 31 days back"),
        ({"relief_amount": None, "proposed_target": "-5"}, "zero or more"),
        ({"proposed_target": "200,000"}, "not both"),
        ({"relief_amount": ""}, "not both"),
        ({"relief_amount": "300,000"}, "more than the whole target"),
        ({"relief_amount": "10.001"}, "more than 2 decimals"),
        ({"relief_amount": None, "proposed_target": "250,000"}, "nothing would change"),
        ({"reason": "bored"}, "Choose a reason"),
        ({"evidence": "x" * 4001}, "4000"),
        ({"evidence": ""}, "Write the evidence"),
        (
            {"evidence_file": SimpleUploadedFile("big.pdf", PDF + b"0" * EVIDENCE_MAX_BYTES)},
            "the most is 5 MB",
        ),
        ({"evidence_file": SimpleUploadedFile("run.exe", b"MZ")}, "PDF, PNG, JPEG, CSV or XLSX"),
        ({"evidence_file": SimpleUploadedFile("fake.pdf", b"<html>")}, "does not hold a PDF"),
    ],
)
def test_bad_input_is_refused_with_nothing_written(
    small_org: SmallOrg, plan: PlanningCycle, fields: dict[str, Any], message: str
) -> None:
    before = written()
    with pytest.raises(InvalidInput, match=message):
        file(small_org, plan, **fields)
    assert written() == before


def test_evidence_is_kept_and_a_file_alone_is_evidence_enough(
    small_org: SmallOrg, plan: PlanningCycle
) -> None:
    request = file(
        small_org, plan, evidence="", evidence_file=SimpleUploadedFile("letter.pdf", PDF)
    )
    stored = request.evidence_files.get()
    assert (stored.file_name, stored.content_type, bytes(stored.data)) == (
        "letter.pdf",
        "application/pdf",
        PDF,
    )


def test_a_rolled_back_approval_sends_no_notification(
    small_org: SmallOrg, plan: PlanningCycle, django_capture_on_commit_callbacks: Any
) -> None:
    request = file(small_org, plan)
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            actions.approve_adjustment_request(request, acting_user=small_org.users["manager_max"])
            raise RuntimeError("the request fails after the action")
    assert callbacks == []
    assert Notification.objects.count() == 0
    request.refresh_from_db()
    assert request.status == AdjustmentStatus.PENDING_MANAGER
    assert PlanningCycle.objects.count() == 1


def test_who_may_file_see_and_decide(small_org: SmallOrg, plan: PlanningCycle) -> None:
    users = small_org.users
    with pytest.raises(NotFound):  # Sam's subtree is South: Ria's goal is not his to see
        file(small_org, plan, user="manager_sam")
    on_behalf = file(small_org, plan, user="manager_max")  # her manager, on her behalf
    with pytest.raises(NotAllowed, match="filed"):  # ...cannot approve his own filing
        actions.approve_adjustment_request(on_behalf, acting_user=users["manager_max"])
    actions.approve_adjustment_request(on_behalf, acting_user=users["ceo_cora"])  # above him

    request = file(small_org, plan, relief_amount="5,000")
    with pytest.raises(NotAllowed):
        actions.approve_adjustment_request(request, acting_user=users["rep_ria"])
    for outsider in ("manager_sam", "finance_fay"):
        with pytest.raises((NotFound, NotAllowed)):
            actions.approve_adjustment_request(request, acting_user=users[outsider])
    with pytest.raises(NotAllowed, match="withdraws"):
        actions.withdraw_adjustment_request(request, acting_user=users["manager_max"])
    assert requests_for(users["rep_ria"], "all") == [request, on_behalf]
    assert requests_for(users["manager_sam"], "all") == []
    assert requests_for(users["manager_max"], "awaiting") == [request]


def test_return_for_information_then_answer_then_reject(
    small_org: SmallOrg, plan: PlanningCycle, django_capture_on_commit_callbacks: Any
) -> None:
    users = small_org.users
    request = file(small_org, plan)
    with pytest.raises(InvalidInput):
        actions.return_adjustment_request(request, acting_user=users["manager_max"], reason=" ")
    with django_capture_on_commit_callbacks(execute=True):
        actions.return_adjustment_request(
            request, acting_user=users["manager_max"], reason="Which dates exactly?"
        )
    request.refresh_from_db()
    assert request.status == AdjustmentStatus.RETURNED
    assert requests_for(users["manager_max"], "awaiting") == []
    assert Notification.objects.filter(user=users["rep_ria"], kind="adjustment.decided").exists()
    with pytest.raises(Conflict, match="version"):
        actions.resubmit_adjustment_request(
            request, acting_user=users["rep_ria"], answer="1 Jul to 31 Dec", expected_version=1
        )
    actions.resubmit_adjustment_request(
        request,
        acting_user=users["rep_ria"],
        answer="1 Jul to 31 Dec",
        evidence_file=SimpleUploadedFile("dates.csv", b"from,to\n2027-07-01,2027-12-31\n"),
        expected_version=request.version,
    )
    request.refresh_from_db()
    assert request.status == AdjustmentStatus.PENDING_MANAGER
    assert request.evidence_files.count() == 1
    actions.reject_adjustment_request(
        request, acting_user=users["manager_max"], reason="Cover comes from Rob."
    )
    request.refresh_from_db()
    assert request.status == AdjustmentStatus.REJECTED
    with pytest.raises(Conflict):
        actions.withdraw_adjustment_request(request, acting_user=users["rep_ria"])
    assert PlanningCycle.objects.filter(status=CycleStatus.PUBLISHED).count() == 1


def test_no_request_on_a_scenario_or_a_unit_with_goals_beneath(
    small_org: SmallOrg, plan: PlanningCycle
) -> None:
    users = small_org.users
    scenario = actions.copy_as_scenario(plan, acting_user=users["ops_olga"])
    with pytest.raises((Conflict, NotFound)):
        actions.file_adjustment_request(
            goal(scenario, "Ria Rep"), acting_user=users["ops_olga"], reason="leave",
            effective_from=JULY, relief_amount="1", evidence="x",
        )  # fmt: skip
    with pytest.raises(Conflict, match="beneath"):
        actions.file_adjustment_request(
            goal(plan, "North Team A"), acting_user=users["ops_olga"], reason="leave",
            effective_from=JULY, relief_amount="1", evidence="x",
        )  # fmt: skip


def test_a_request_filed_on_an_older_version_applies_to_the_current_one(
    small_org: SmallOrg, plan: PlanningCycle
) -> None:
    request = file(small_org, plan, relief_amount="1,000")
    v2 = actions.create_mid_period_version(
        plan,
        acting_user=small_org.users["ops_olga"],
        effective_from=dt.date(2027, 5, 1),
        reason="Sue's territory grows",
        targets={goal(plan, "Sue Seller").pk: 60_000_000},
    )
    actions.approve_adjustment_request(request, acting_user=small_org.users["manager_max"])
    request.refresh_from_db()
    assert request.applied_cycle is not None
    assert request.applied_cycle.based_on_id == v2.pk
    assert request.applied_cycle.plan_version == 3
