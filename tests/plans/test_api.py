"""The planning REST API under /api/v1/: every workflow step, 409 on stale writes,
404 outside one's part of the tree, and the OpenAPI document."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from quotaflow.accounts.models import User
from quotaflow.metrics.models import Metric
from quotaflow.plans.models import Goal, PlanningCycle
from tests.conftest import SmallOrg
from tests.plans.conftest import goal_of


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client: Client, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(f"/api/v1{url}", body or {}, content_type="application/json")


def cycle_version(cycle_id: int) -> int:
    return PlanningCycle.objects.get(pk=cycle_id).version


def goal_version(goal_id: int) -> int:
    return Goal.objects.get(pk=goal_id).version


def get(client: Client, url: str) -> Any:
    return client.get(f"/api/v1{url}")


def submit_and_approve_over_api(rep: Client, manager: Client, goal_id: int, target: int) -> None:
    """The rep submits ``target`` on their goal and the manager approves it, both over the API."""
    goal_version = get(rep, f"/goals/{goal_id}").json()["version"]
    submitted = post(
        rep, f"/goals/{goal_id}/submit", {"target": target, "expected_version": goal_version}
    )
    assert submitted.status_code == 200, submitted.json()
    approved = post(
        manager, f"/goals/{goal_id}/approve", {"expected_version": submitted.json()["version"]}
    )
    assert approved.status_code == 200, approved.json()


CYCLE = {
    "name": "FY2027 revenue",
    "metric": "revenue",
    "period_start": "2027-01-01",
    "period_end": "2027-12-31",
    "period_label": "FY2027",
}


@pytest.fixture
def ops(small_org: SmallOrg, revenue: Metric) -> Client:
    return client_for(small_org.users["ops_olga"])


def test_top_down_through_the_api(small_org: SmallOrg, ops: Client) -> None:
    created = post(ops, "/cycles", {**CYCLE, "allocation": [{"method": "equal"}]})
    assert created.status_code == 201, created.json()
    cycle = created.json()
    response = post(
        ops,
        f"/cycles/{cycle['id']}/cascade",
        {"company_target": 100_000_001, "expected_version": cycle["version"]},
    )
    assert response.status_code == 200, response.json()
    detail = response.json()
    by_owner = {g["owner"]: g for g in detail["goals"]}
    assert by_owner["North"]["target"] + by_owner["South"]["target"] == 100_000_001
    assert by_owner["Ria Rep"]["derivation"]["top_down"]["rule"] == "equal"
    # a stale cascade is refused with 409 and changes nothing
    stale = post(
        ops,
        f"/cycles/{cycle['id']}/cascade",
        {"company_target": 5, "expected_version": cycle["version"]},
    )
    assert stale.status_code == 409
    assert "changed by someone else" in stale.json()["detail"]
    north = by_owner["North"]
    locked = post(
        ops,
        f"/goals/{north['id']}/target",
        {"target": 60_000_000, "reason": "big accounts", "expected_version": north["version"]},
    )
    assert locked.status_code == 200 and locked.json()["locked"] is True
    history = get(ops, f"/goals/{north['id']}").json()["history"]
    assert history[-1]["reason"] == "big accounts" or any(
        h["reason"] == "big accounts" for h in history
    )
    published = post(
        ops, f"/cycles/{cycle['id']}/publish", {"expected_version": detail["version"] + 1}
    )
    assert published.status_code == 200, published.json()
    assert published.json()["status"] == "published"
    again = post(
        ops,
        f"/goals/{north['id']}/lock",
        {"locked": False, "expected_version": goal_version(north["id"])},
    )
    assert again.status_code == 409 and "cannot change" in again.json()["detail"]
    mine = get(client_for(small_org.users["rep_ria"]), "/goals/mine").json()
    assert [g["owner"] for g in mine] == ["Ria Rep"]


def test_bottom_up_through_the_api(small_org: SmallOrg, ops: Client) -> None:
    cycle = post(
        ops, "/cycles", {**CYCLE, "approach": "bottom_up", "submissions_due": "2099-01-31"}
    ).json()
    ria_goal = goal_of(PlanningCycle.objects.get(pk=cycle["id"]), small_org.people["ria"])
    ria = client_for(small_org.users["rep_ria"])
    submitted = post(
        ria,
        f"/goals/{ria_goal.pk}/submit",
        {"target": 450_000, "rationale": "pipeline", "expected_version": ria_goal.version},
    )
    assert submitted.status_code == 200, submitted.json()
    version = submitted.json()["version"]
    max_ = client_for(small_org.users["manager_max"])
    returned = post(
        max_,
        f"/goals/{ria_goal.pk}/return",
        {"comment": "Aim for 500k", "expected_version": version},
    )
    assert returned.json()["comments"][0]["body"] == "Aim for 500k"
    resubmitted = post(
        ria,
        f"/goals/{ria_goal.pk}/submit",
        {"target": 500_000, "expected_version": returned.json()["version"]},
    )
    # approving with the version read before the resubmission is a conflict
    assert (
        post(max_, f"/goals/{ria_goal.pk}/approve", {"expected_version": version}).status_code
        == 409
    )
    approved = post(
        max_, f"/goals/{ria_goal.pk}/approve", {"expected_version": resubmitted.json()["version"]}
    )
    assert approved.json()["status"] == "approved"
    status = {
        row["owner"]: row["submitted"]
        for row in get(ops, f"/cycles/{cycle['id']}/submissions").json()
    }
    assert status == {"Ria Rep": True, "Rob Rep": False, "Sue Seller": False}
    # a rep reads her own line only, never her colleagues' numbers
    own = get(ria, f"/cycles/{cycle['id']}/submissions").json()
    assert {row["owner"]: row["submitted"] for row in own} == {"Ria Rep": True}
    assert post(ops, f"/cycles/{cycle['id']}/reminders").json() == {"count": 0}
    team = goal_of(PlanningCycle.objects.get(pk=cycle["id"]), small_org.north_team)
    waiting = post(max_, f"/goals/{team.pk}/rollup", {"expected_version": team.version})
    assert waiting.status_code == 400 and "Rob Rep" in waiting.json()["detail"]


def test_hybrid_versions_and_exports_through_the_api(small_org: SmallOrg, ops: Client) -> None:
    cycle = post(ops, "/cycles", {**CYCLE, "approach": "hybrid", "gap_tolerance_bp": 2000}).json()
    post(
        ops,
        f"/cycles/{cycle['id']}/cascade",
        {"company_target": 900_000, "expected_version": cycle["version"]},
    )
    ria_goal = goal_of(PlanningCycle.objects.get(pk=cycle["id"]), small_org.people["ria"])
    post(
        client_for(small_org.users["rep_ria"]),
        f"/goals/{ria_goal.pk}/submit",
        {"target": 200_000, "expected_version": ria_goal.version},
    )
    detail = get(ops, f"/cycles/{cycle['id']}").json()
    acme = next(g for g in detail["goals"] if g["owner"] == "Acme")
    assert acme["guidance"] == 900_000 and acme["bottom_up"] == 875_000 and acme["gap"] == -25_000
    reconciled = post(
        ops,
        f"/cycles/{cycle['id']}/reconcile",
        {
            "method": "weighted_blend",
            "top_down_weight": 0.5,
            "expected_version": cycle_version(cycle["id"]),
        },
    )
    assert reconciled.status_code == 200, reconciled.json()
    publish = {"expected_version": cycle_version(cycle["id"])}
    assert post(ops, f"/cycles/{cycle['id']}/publish", publish).status_code == 200
    scenario = post(ops, f"/cycles/{cycle['id']}/scenarios", {"name": "What if"}).json()
    assert scenario["is_scenario"] is True
    version = post(
        ops,
        f"/cycles/{cycle['id']}/versions",
        {
            "effective_from": "2027-07-01",
            "reason": "relief",
            "targets": {str(ria_goal.pk): 100_000},
            "expected_version": cycle_version(cycle["id"]),
        },
    )
    assert version.status_code == 201, version.json()
    family = get(ops, f"/cycles/{cycle['id']}/versions").json()
    assert [(c["plan_version"], c["is_scenario"]) for c in family] == [
        (1, False),
        (1, True),
        (2, False),
    ]
    # The old field name stays for existing clients.
    assert all(c["version_number"] == c["plan_version"] for c in family)
    deltas = get(ops, f"/cycles/{cycle['id']}/compare/{version.json()['id']}").json()
    assert next(d for d in deltas if d["owner"] == "Acme")["delta"] < 0

    csv_response = ops.get(f"/api/v1/cycles/{cycle['id']}/export?format=csv")
    rows = list(csv.DictReader(io.StringIO(csv_response.content.decode())))
    assert rows[0]["owner"] == "Acme" and len(rows) == 8
    assert sum(Decimal(rows[0][m]) for m in rows[0] if m[:4] == "2027") == Decimal(
        rows[0]["target"]
    )
    xlsx = ops.get(f"/api/v1/cycles/{cycle['id']}/export?format=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None and sheet["C2"].value == "Acme"


def test_hybrid_negotiation_after_reconciliation_cannot_be_published_stale(
    small_org: SmallOrg, ops: Client
) -> None:
    """End to end over the API: guidance, submissions, approval, reconciliation, then a
    negotiated resubmission. Publishing refuses (400, naming the change) until the plan is
    reconciled again, and then publishes the negotiated numbers."""
    made = post(ops, "/cycles", {**CYCLE, "approach": "hybrid", "gap_tolerance_bp": 2000})
    cycle_id = made.json()["id"]

    def version() -> int:
        return int(get(ops, f"/cycles/{cycle_id}").json()["version"])

    cascaded = post(
        ops,
        f"/cycles/{cycle_id}/cascade",
        {"company_target": 900_000, "expected_version": made.json()["version"]},
    )
    assert cascaded.status_code == 200, cascaded.json()
    ria, max_ = client_for(small_org.users["rep_ria"]), client_for(small_org.users["manager_max"])
    ria_goal = goal_of(PlanningCycle.objects.get(pk=cycle_id), small_org.people["ria"])

    def submit_and_approve(target: int) -> None:
        submit_and_approve_over_api(ria, max_, ria_goal.pk, target)

    submit_and_approve(200_000)
    body = {"method": "top_down_total_bottom_up_shares", "expected_version": version()}
    assert post(ops, f"/cycles/{cycle_id}/reconcile", body).status_code == 200
    round_one = get(ria, f"/goals/{ria_goal.pk}").json()["target"]

    submit_and_approve(260_000)  # negotiation: Ria comes back with more, Max approves
    refused = post(ops, f"/cycles/{cycle_id}/publish", {"expected_version": version()})
    assert refused.status_code == 400
    assert "Ria Rep (bottom-up 2,000.00 EUR → 2,600.00 EUR)" in refused.json()["detail"]
    assert get(ops, f"/cycles/{cycle_id}").json()["status"] != "published"

    body = {"method": "top_down_total_bottom_up_shares", "expected_version": version()}
    assert post(ops, f"/cycles/{cycle_id}/reconcile", body).status_code == 200
    published = post(ops, f"/cycles/{cycle_id}/publish", {"expected_version": version()})
    assert published.status_code == 200, published.json()
    final = get(ria, f"/goals/{ria_goal.pk}").json()["target"]
    assert final > round_one  # the negotiated number entered the plan


def test_template_goals_through_the_api(small_org: SmallOrg, ops: Client) -> None:
    Metric.objects.create(code="new-logos", name="New logos", unit="count")
    cycle = post(ops, "/cycles", CYCLE).json()
    created = post(
        ops,
        f"/cycles/{cycle['id']}/template-goals",
        {"metric": "new-logos", "target": 6, "role": "rep"},
    )
    assert created.status_code == 201 and len(created.json()) == 3


def test_outsiders_see_nothing_and_reps_only_their_own(small_org: SmallOrg, ops: Client) -> None:
    cycle = post(ops, "/cycles", CYCLE).json()
    otto = client_for(small_org.users["outsider_otto"])
    assert get(otto, "/cycles").json() == []
    assert get(otto, f"/cycles/{cycle['id']}").status_code == 404
    ria = client_for(small_org.users["rep_ria"])
    goals = get(ria, f"/cycles/{cycle['id']}").json()["goals"]
    assert [g["owner"] for g in goals] == ["Ria Rep"]
    rob_goal = Goal.objects.get(cycle_id=cycle["id"], owner_person=small_org.people["rob"])
    assert get(ria, f"/goals/{rob_goal.pk}").status_code == 404
    max_goals = get(client_for(small_org.users["manager_max"]), f"/cycles/{cycle['id']}").json()[
        "goals"
    ]
    assert sorted(g["owner"] for g in max_goals) == ["North", "North Team A", "Ria Rep", "Rob Rep"]
    assert post(ria, "/cycles", CYCLE).status_code == 403
    assert Client().get("/api/v1/cycles").status_code == 401


def test_openapi_names_the_planning_resources(db: None) -> None:
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/cycles",
        "/api/v1/cycles/{cycle_id}/cascade",
        "/api/v1/cycles/{cycle_id}/reconcile",
        "/api/v1/cycles/{cycle_id}/publish",
        "/api/v1/cycles/{cycle_id}/versions",
        "/api/v1/goals/{goal_id}/submit",
        "/api/v1/goals/{goal_id}/approve",
        "/api/v1/goals/{goal_id}/return",
    ):
        assert path in paths


def test_period_dates_are_validated(small_org: SmallOrg, ops: Client) -> None:
    response = post(ops, "/cycles", {**CYCLE, "period_end": str(dt.date(2026, 1, 1))})
    assert response.status_code == 400 and response.json()["field"] == "period_end"


def _monthly_sales(person: Any, months: int, amount_minor: int) -> None:
    """``months`` months of booked sales for ``person`` up to December 2026."""
    from quotaflow.sales.models import Transaction, TransactionCredit

    for index in range(months):
        year, month = divmod(2026 * 12 + 11 - index, 12)
        sale = Transaction.objects.create(
            source="crm", external_id=f"{person.external_id}-{index}", currency="EUR",
            date=dt.date(year, month + 1, 15), amount_minor=amount_minor,
        )  # fmt: skip
        TransactionCredit.objects.create(transaction=sale, person=person)


def test_goal_detail_carries_its_smart_check_and_the_policy_can_block_approval(
    small_org: SmallOrg, ops: Client
) -> None:
    from quotaflow.smart.models import SmartPolicy

    for key in ("ria", "rob", "sue"):
        _monthly_sales(small_org.people[key], 24, 100_000_00)  # about 1.2M a year each
    cycle = post(
        ops, "/cycles", {**CYCLE, "approach": "bottom_up", "submissions_due": "2099-01-31"}
    ).json()
    plan = PlanningCycle.objects.get(pk=cycle["id"])
    SmartPolicy.objects.create(cycle=plan, block_approval_on_fail=True, checkin_cadence="weekly")
    ria_goal = goal_of(plan, small_org.people["ria"])
    ria = client_for(small_org.users["rep_ria"])
    submitted = post(
        ria,
        f"/goals/{ria_goal.pk}/submit",
        {"target": 90_000_000_00, "expected_version": ria_goal.version},  # 75× her history
    ).json()

    smart = submitted["smart"]
    assert set(smart["letters"]) == {
        "specific", "measurable", "attainable", "relevant", "time_bound"
    }  # fmt: skip
    assert smart["letters"]["attainable"]["status"] == "fail"
    assert smart["approval_blocked"] is True
    assert 0 < smart["suggested_target"] < 90_000_000_00

    max_ = client_for(small_org.users["manager_max"])
    refused = post(
        max_, f"/goals/{ria_goal.pk}/approve", {"expected_version": submitted["version"]}
    )
    assert refused.status_code == 400
    assert "fails the SMART check" in refused.json()["detail"]
    assert Goal.objects.get(pk=ria_goal.pk).status == "submitted"  # nothing written

    fixed = post(
        ria,
        f"/goals/{ria_goal.pk}/submit",
        {"target": smart["suggested_target"], "expected_version": submitted["version"]},
    ).json()
    assert fixed["smart"]["letters"]["attainable"]["status"] != "fail"
    approved = post(max_, f"/goals/{ria_goal.pk}/approve", {"expected_version": fixed["version"]})
    assert approved.status_code == 200, approved.json()
    assert approved.json()["status"] == "approved"
